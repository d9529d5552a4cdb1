/**
 * The projection head every method puts after its fused or unimodal features
 * (docs/shared.md#projection-head).
 *
 * @module
 */
import { relu, type Tensor } from "../tensor/mod.ts";
import { Module } from "../nn/module.ts";
import { BatchNorm1d, Linear } from "../nn/mod.ts";

/**
 * Projection head Linear-BatchNorm-ReLU-Linear-BatchNorm-ReLU-Linear (CoMM's _build_mlp), [B, inDim] ->
 * [B, outDim].
 *
 * @example
 * ```ts
 * import { ProjectionHead, randn } from "./mod.ts";
 * const head = new ProjectionHead(40, 512, 256);
 * const z = head.forward(randn([8, 40])); // [8, 256]
 * ```
 */
export class ProjectionHead extends Module {
  /** Linear(inDim, hidden). */
  readonly fc1: Linear;
  /** BatchNorm1d(hidden) after fc1. */
  readonly bn1: BatchNorm1d;
  /** Linear(hidden, hidden). */
  readonly fc2: Linear;
  /** BatchNorm1d(hidden) after fc2. */
  readonly bn2: BatchNorm1d;
  /** Linear(hidden, outDim), the output layer (no norm, no activation). */
  readonly fc3: Linear;

  /** A head from inDim features through two hidden layers of width `hidden` to outDim. */
  constructor(inDim: number, hidden: number, outDim: number) {
    super();
    this.fc1 = this.child("fc1", new Linear(inDim, hidden));
    this.bn1 = this.child("bn1", new BatchNorm1d(hidden));
    this.fc2 = this.child("fc2", new Linear(hidden, hidden));
    this.bn2 = this.child("bn2", new BatchNorm1d(hidden));
    this.fc3 = this.child("fc3", new Linear(hidden, outDim));
  }

  /** [B, inDim] -> [B, outDim]; batch statistics are per call (each view/subset separately). */
  forward(x: Tensor): Tensor {
    const h = relu(this.bn1.forward(this.fc1.forward(x)));
    return this.fc3.forward(relu(this.bn2.forward(this.fc2.forward(h))));
  }
}
