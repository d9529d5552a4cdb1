/** Builds a method's model by name. */
import type { ModalitySpec, ModelConfig } from "./config.ts";
import { METHOD_NAMES, type MethodName, type SslModel } from "./method.ts";
import { CoMM } from "./methods/comm.ts";
import { InfMasking } from "./methods/infmasking.ts";
import { COrAL } from "./methods/coral.ts";
import { CrossModal, CrossSelf } from "./methods/cross.ts";

/** A model of `method` for modalities of the given shapes. */
export function buildModel(method: MethodName, specs: ModalitySpec[], cfg: ModelConfig): SslModel {
  switch (method) {
    case "infmasking":
      return new InfMasking(specs, cfg);
    case "comm":
      return new CoMM(specs, cfg);
    case "coral":
      return new COrAL(specs, cfg);
    case "cross":
      return new CrossModal(specs, cfg);
    case "crossself":
      return new CrossSelf(specs, cfg);
    default:
      throw new Error(`unknown method "${method}" (known: ${METHOD_NAMES.join(", ")})`);
  }
}
