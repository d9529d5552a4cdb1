/** Dropout: inverted dropout in training mode, identity in eval mode. */
import type { Philox } from "../random/philox.ts";
import { dropout, globalGenerator, type Tensor } from "../tensor/mod.ts";
import { Module } from "./module.ts";

/**
 * Inverted dropout in training mode (each element zeroed with probability p, the rest scaled by 1/(1-p)), the
 * identity in eval mode.
 *
 * @example
 * ```ts
 * import { Dropout, ones, Philox } from "./mod.ts";
 * const drop = new Dropout(0.1, new Philox(0));
 * const y = drop.forward(ones([4, 8])); // entries 0 or 1/0.9
 * drop.eval();
 * console.log(y.shape, drop.forward(ones([2])).dataSync()); // [4, 8] Float32Array [1, 1]
 * ```
 */
export class Dropout extends Module {
  /** Probability of zeroing an element, in [0, 1). */
  readonly p: number;
  /** Generator for the masks; the global one (seeded by setSeed) when omitted. */
  rng: Philox | null;

  /**
   * Dropout with probability `p` (default 0.5), its coins drawn from `rng` (default: the global generator).
   *
   * @throws {Error} When p is not in [0, 1).
   */
  constructor(p = 0.5, rng: Philox | null = null) {
    super();
    if (!(p >= 0 && p < 1)) throw new Error(`Dropout: p must be in [0, 1), got ${p}`);
    this.p = p;
    this.rng = rng;
  }

  /** x with dropout applied in training mode; x itself in eval mode. */
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training, this.rng ?? globalGenerator());
  }
}
