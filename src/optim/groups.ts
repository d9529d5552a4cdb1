/** Parameter grouping for weight decay, as in the reference code's optimizer setup. */
import type { Module } from "../nn/module.ts";
import type { Tensor } from "../tensor/mod.ts";
import type { ParamGroup } from "./optimizer.ts";

/** Name fragments that exclude a parameter from weight decay (docs/shared.md#optimisation). */
export const NO_DECAY_NAME_PARTS: readonly string[] = ["bias", "ln", "bn", "norm"];

/** Whether a named parameter should get no weight decay: rank < 2, or a name containing a no-decay part. */
export function isNoDecay(name: string, t: Tensor): boolean {
  return t.rank < 2 || NO_DECAY_NAME_PARTS.some((part) => name.includes(part));
}

/**
 * Two groups over the trainable parameters of `module` (frozen ones, requiresGrad false, are left out):
 * [decayed with `weightDecay`, not decayed (weightDecay 0)].
 */
export function paramGroupsNoDecay(module: Module, weightDecay: number): ParamGroup[] {
  const decay: Tensor[] = [], noDecay: Tensor[] = [];
  for (const [name, t] of module.namedParameters()) {
    if (!t.requiresGrad) continue;
    (isNoDecay(name, t) ? noDecay : decay).push(t);
  }
  return [{ params: decay, weightDecay }, { params: noDecay, weightDecay: 0 }];
}
