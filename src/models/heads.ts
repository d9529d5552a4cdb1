/** Projection heads: Linear-BatchNorm-ReLU-Linear-BatchNorm-ReLU-Linear (CoMM's _build_mlp). */
import { relu, type Tensor } from "../tensor/mod.ts";
import { Module } from "../nn/module.ts";
import { BatchNorm1d, Linear } from "../nn/mod.ts";

export class ProjectionHead extends Module {
  readonly fc1: Linear;
  readonly bn1: BatchNorm1d;
  readonly fc2: Linear;
  readonly bn2: BatchNorm1d;
  readonly fc3: Linear;

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
