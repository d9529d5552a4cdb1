/**
 * GRU with PyTorch's gate equations and parameter layout (weight_ih_l{k} [3H, in], weight_hh_l{k} [3H, H],
 * biases [3H], gate order r, z, n), all parameters U(±1/√H):
 *   r = σ(W_ir x + b_ir + W_hr h + b_hr)      z = σ(W_iz x + b_iz + W_hz h + b_hz)
 *   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))      h' = (1 - z) ⊙ n + z ⊙ h
 * The input projections of all time steps are one GEMM; the recurrence runs one step at a time.
 */
import {
  add,
  concat,
  linear,
  mul,
  permute,
  reshape,
  shapeStr,
  sigmoid,
  slice,
  sub,
  tanh,
  type Tensor,
  zeros,
} from "../tensor/mod.ts";
import { uniform_ } from "./init.ts";
import { Module } from "./module.ts";

/** Options of {@link GRU}. */
export interface GRUOptions {
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** Input and hidden biases (default true). */
  bias?: boolean;
  /** Inputs and outputs are [B, T, *] (default true; false means [T, B, *]). */
  batchFirst?: boolean;
}

/**
 * A multi-layer GRU with torch.nn.GRU's gate equations, parameter names (weight_ih_l0, …) and init U(±1/√H);
 * batch first by default.
 *
 * @example
 * ```ts
 * import { GRU, randn } from "./mod.ts";
 * const gru = new GRU(8, 16, { numLayers: 2 });
 * const x = randn([4, 10, 8]); // [B, T, in]
 * const { output, hidden } = gru.forwardWithHidden(x);
 * console.log(output.shape, hidden.shape); // [4, 10, 16] [2, 4, 16]
 * ```
 */
export class GRU extends Module {
  /** Features per input step. */
  readonly inputSize: number;
  /** Hidden state size H (also the output's last axis). */
  readonly hiddenSize: number;
  /** Stacked layers. */
  readonly numLayers: number;
  /** Inputs and outputs are [B, T, *] (true) or [T, B, *] (false). */
  readonly batchFirst: boolean;
  private readonly weights: { wih: Tensor; whh: Tensor; bih: Tensor | null; bhh: Tensor | null }[] = [];

  /**
   * A GRU from `inputSize` features to `hiddenSize` hidden units.
   *
   * @throws {Error} When a size or numLayers is not a positive integer.
   */
  constructor(inputSize: number, hiddenSize: number, opts: GRUOptions = {}) {
    super();
    const numLayers = opts.numLayers ?? 1;
    for (
      const [what, v] of [["inputSize", inputSize], ["hiddenSize", hiddenSize], ["numLayers", numLayers]]
    ) {
      if (!Number.isInteger(v) || (v as number) < 1) {
        throw new Error(`GRU: ${what} must be a positive integer, got ${v}`);
      }
    }
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = numLayers;
    this.batchFirst = opts.batchFirst ?? true;
    const H = hiddenSize, bound = 1 / Math.sqrt(H);
    for (let l = 0; l < numLayers; l++) {
      const inF = l === 0 ? inputSize : H;
      const wih = this.param(`weight_ih_l${l}`, zeros([3 * H, inF]));
      const whh = this.param(`weight_hh_l${l}`, zeros([3 * H, H]));
      const bih = opts.bias ?? true ? this.param(`bias_ih_l${l}`, zeros([3 * H])) : null;
      const bhh = opts.bias ?? true ? this.param(`bias_hh_l${l}`, zeros([3 * H])) : null;
      for (const t of [wih, whh, bih, bhh]) if (t) uniform_(t, -bound, bound);
      this.weights.push({ wih, whh, bih, bhh });
    }
  }

  /** The output sequence of the last layer: [B, T, H] (batch first) or [T, B, H]. */
  forward(x: Tensor, h0?: Tensor): Tensor {
    return this.forwardWithHidden(x, h0).output;
  }

  /**
   * The output sequence and the final hidden state of every layer [numLayers, B, H]. `h0`, when given, is
   * [numLayers, B, H] (zeros otherwise).
   */
  forwardWithHidden(x: Tensor, h0?: Tensor): { output: Tensor; hidden: Tensor } {
    if (x.rank !== 3 || x.shape[2] !== this.inputSize) {
      throw new Error(
        `GRU(${this.inputSize}, ${this.hiddenSize}): input must be [B, T, ${this.inputSize}], got ${
          shapeStr(x.shape)
        }`,
      );
    }
    const H = this.hiddenSize;
    // Work time-major [T, B, *] so each step's slice is contiguous.
    let seq = this.batchFirst ? permute(x, [1, 0, 2]) : x;
    const [T, B] = seq.shape;
    if (h0 && (h0.rank !== 3 || h0.shape[0] !== this.numLayers || h0.shape[1] !== B || h0.shape[2] !== H)) {
      throw new Error(`GRU: h0 must be [${this.numLayers}, ${B}, ${H}], got ${shapeStr(h0.shape)}`);
    }
    const finals: Tensor[] = [];
    this.weights.forEach(({ wih, whh, bih, bhh }, l) => {
      const gi = reshape(linear(seq, wih, bih), [T, B, 3 * H]);
      let h = h0 ? reshape(slice(h0, 0, l, l + 1), [B, H]) : zeros([B, H]);
      const outs: Tensor[] = [];
      for (let t = 0; t < T; t++) {
        const git = reshape(slice(gi, 0, t, t + 1), [B, 3 * H]);
        const gh = linear(h, whh, bhh);
        const rz = sigmoid(add(slice(git, 1, 0, 2 * H), slice(gh, 1, 0, 2 * H)));
        const r = slice(rz, 1, 0, H), z = slice(rz, 1, H, 2 * H);
        const n = tanh(add(slice(git, 1, 2 * H, 3 * H), mul(r, slice(gh, 1, 2 * H, 3 * H))));
        h = add(n, mul(z, sub(h, n))); // (1 - z) n + z h
        outs.push(reshape(h, [1, B, H]));
      }
      finals.push(reshape(h, [1, B, H]));
      seq = concat(outs, 0);
    });
    const output = this.batchFirst ? permute(seq, [1, 0, 2]) : seq;
    return { output, hidden: finals.length === 1 ? finals[0] : concat(finals, 0) };
  }
}
