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

/**
 * The function for an activation name; `slope` is leakyRelu's negative slope (default 0.01).
 *
 * @throws {Error} When the name is unknown, listing the valid ones.
 *
 * @example
 * ```ts
 * import { activationFn, tensor } from "./mod.ts";
 * const act = activationFn("leakyRelu", 0.1);
 * console.log(act(tensor([-1, 2], [2])).dataSync()); // ≈ Float32Array [-0.1, 2]
 * ```
 */
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

/** max(x, 0) elementwise, as a module (no parameters). */
export class ReLU extends Module {
  /** relu(x), same shape. */
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** GELU, exact (erf) unless approximate = "tanh". */
export class GELU extends Module {
  /** GELU with the exact erf form ("none", default) or the tanh approximation. */
  constructor(readonly approximate: "none" | "tanh" = "none") {
    super();
  }
  /** gelu(x), same shape. */
  forward(x: Tensor): Tensor {
    return gelu(x, this.approximate);
  }
}

/** x·σ(1.702x) (CLIP). */
export class QuickGELU extends Module {
  /** x·σ(1.702x), same shape. */
  forward(x: Tensor): Tensor {
    return quickGelu(x);
  }
}

/** x for x > 0, else negativeSlope·x, as a module (no parameters). */
export class LeakyReLU extends Module {
  /** A leaky ReLU with slope `negativeSlope` (default 0.01) for negative inputs. */
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  /** leakyRelu(x, negativeSlope), same shape. */
  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }
}

/** Hyperbolic tangent elementwise, as a module (no parameters). */
export class Tanh extends Module {
  /** tanh(x), same shape. */
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

/** Logistic sigmoid elementwise, as a module (no parameters). */
export class Sigmoid extends Module {
  /** sigmoid(x), same shape. */
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** Returns its input unchanged (a placeholder where a layer is optional). */
export class Identity extends Module {
  /** x itself (no copy). */
  forward(x: Tensor): Tensor {
    return x;
  }
}

/**
 * A new activation module for a name (`slope` for "leakyRelu", default 0.01), e.g. to put in a Sequential.
 *
 * @throws {Error} When the name is unknown.
 *
 * @example
 * ```ts
 * import { Linear, makeActivation, randn, Sequential } from "./mod.ts";
 * const net = new Sequential(new Linear(4, 8), makeActivation("gelu"), new Linear(8, 2));
 * console.log(net.forward(randn([3, 4])).shape); // [3, 2]
 * ```
 */
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
