/**
 * The one contract every per-modality encoder meets: a raw batch of one modality in, tokens [B, L, E] out,
 * with L known before the first call (InfMasking's masks and the adapters need it).
 *
 * @module
 */
import type { Tensor } from "../tensor/mod.ts";
import { Module } from "../nn/module.ts";

/** An encoder plus adapter: raw modality batch in, tokens [B, L, E] out. */
export abstract class TokenEncoder extends Module {
  /** L, the number of tokens per sample. */
  abstract readonly numTokens: number;
  /** Raw batch of the modality -> tokens [B, numTokens, E]. */
  abstract override forward(x: Tensor): Tensor;
}
