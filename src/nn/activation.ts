/** Activation modules (no parameters) and a factory from names, for configurable layers. */
import { gelu, leakyRelu, quickGelu, relu, sigmoid, tanh, type Tensor } from "../tensor/mod.ts";
import { Module } from "./module.ts";
import type { TensorModule } from "./container.ts";

/** Activation names accepted by {@link activationFn} and {@link makeActivation}. */
export type ActivationName =
  | "relu"
  | "gelu"
  | "geluTanh"
  | "quickGelu"
  | "leakyRelu"
  | "tanh"
  | "sigmoid"
  | "identity";

/** The function for an activation name; `slope` is leakyRelu's negative slope (default 0.01). */
export function activationFn(name: ActivationName, slope = 0.01): (x: Tensor) => Tensor {
  switch (name) {
    case "relu":
      return relu;
    case "gelu":
      return (x) => gelu(x);
    case "geluTanh":
      return (x) => gelu(x, "tanh");
    case "quickGelu":
      return quickGelu;
    case "leakyRelu":
      return (x) => leakyRelu(x, slope);
    case "tanh":
      return tanh;
    case "sigmoid":
      return sigmoid;
    case "identity":
      return (x) => x;
    default:
      throw new Error(
        `unknown activation "${name}" (relu, gelu, geluTanh, quickGelu, leakyRelu, tanh, sigmoid, identity)`,
      );
  }
}

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** GELU, exact (erf) unless approximate = "tanh". */
export class GELU extends Module {
  constructor(readonly approximate: "none" | "tanh" = "none") {
    super();
  }
  forward(x: Tensor): Tensor {
    return gelu(x, this.approximate);
  }
}

/** x·σ(1.702x) (CLIP). */
export class QuickGELU extends Module {
  forward(x: Tensor): Tensor {
    return quickGelu(x);
  }
}

export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

/** A module for an activation name. */
export function makeActivation(name: ActivationName, slope = 0.01): TensorModule {
  switch (name) {
    case "relu":
      return new ReLU();
    case "gelu":
      return new GELU();
    case "geluTanh":
      return new GELU("tanh");
    case "quickGelu":
      return new QuickGELU();
    case "leakyRelu":
      return new LeakyReLU(slope);
    case "tanh":
      return new Tanh();
    case "sigmoid":
      return new Sigmoid();
    case "identity":
      return new Identity();
    default:
      activationFn(name); // throws the error naming the choices
      throw new Error("unreachable");
  }
}
