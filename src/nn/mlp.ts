/** Multi-layer perceptron built as a Sequential (children "0", "1", … like a torch.nn.Sequential). */
import { type ActivationName, makeActivation } from "./activation.ts";
import { Sequential } from "./container.ts";
import { Dropout } from "./dropout.ts";
import { Linear } from "./linear.ts";
import { BatchNorm1d, LayerNorm } from "./norm.ts";

/** Options of {@link MLP}. */
export interface MLPOptions {
  /** Activation between layers (default "relu"). */
  activation?: ActivationName;
  /** Negative slope when activation is "leakyRelu" (default 0.01). */
  negativeSlope?: number;
  /** Normalisation after each hidden Linear, before the activation (default none). */
  norm?: "batch" | "layer" | "none";
  /** Dropout after each hidden activation (default 0: none). */
  dropout?: number;
  /** Bias in the Linear layers (default true). */
  bias?: boolean;
  /** Also apply norm + activation after the last Linear (default false). */
  activateLast?: boolean;
}

/**
 * Linear layers through `sizes` ([in, hidden…, out]) with norm → activation (→ dropout) between them. For
 * example the projection head Linear→BN→ReLU→Linear→BN→ReLU→Linear is `new MLP([d, 512, 512, 256],
 * { norm: "batch" })`.
 */
export class MLP extends Sequential {
  /**
   * Builds the layers for `sizes` ([in, hidden…, out]).
   *
   * @throws {Error} When sizes has fewer than two entries (or a Linear size is not a positive integer).
   */
  constructor(readonly sizes: number[], opts: MLPOptions = {}) {
    super();
    if (sizes.length < 2) throw new Error(`MLP: sizes needs at least [in, out], got [${sizes}]`);
    const act = opts.activation ?? "relu";
    const norm = opts.norm ?? "none";
    const p = opts.dropout ?? 0;
    for (let i = 0; i + 1 < sizes.length; i++) {
      this.append(new Linear(sizes[i], sizes[i + 1], opts.bias ?? true));
      const last = i + 2 === sizes.length;
      if (last && !opts.activateLast) break;
      if (norm === "batch") this.append(new BatchNorm1d(sizes[i + 1]));
      else if (norm === "layer") this.append(new LayerNorm(sizes[i + 1]));
      this.append(makeActivation(act, opts.negativeSlope ?? 0.01));
      if (p > 0 && !last) this.append(new Dropout(p));
    }
  }
}
