/** Dropout: inverted dropout in training mode, identity in eval mode. */
import type { Philox } from "../random/philox.ts";
import { dropout, globalGenerator, type Tensor } from "../tensor/mod.ts";
import { Module } from "./module.ts";

export class Dropout extends Module {
  readonly p: number;
  /** Generator for the masks; the global one (seeded by setSeed) when omitted. */
  rng: Philox | null;

  constructor(p = 0.5, rng: Philox | null = null) {
    super();
    if (!(p >= 0 && p < 1)) throw new Error(`Dropout: p must be in [0, 1), got ${p}`);
    this.p = p;
    this.rng = rng;
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training, this.rng ?? globalGenerator());
  }
}
