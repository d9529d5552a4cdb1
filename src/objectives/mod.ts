/** The training objectives: NT-Xent, CoMM, InfMasking, COrAL and the CLIP / Cross+Self baselines. */
export { ntXent, ntXentUnit, SELF_MASK } from "./nt_xent.ts";
export { commLoss } from "./comm.ts";
export type { CommLossOptions } from "./comm.ts";
export { infMaskingLoss, infMaskingObjective, infMaskingObjectiveParts, lambdaRamp } from "./infmasking.ts";
export type {
  InfMaskingInputs,
  InfMaskingLossOptions,
  InfMaskingObjectiveOptions,
  InfMaskingParts,
} from "./infmasking.ts";
export { coralLoss, coralLossParts } from "./coral.ts";
export type { CoralInputs, CoralLossOptions, CoralParts } from "./coral.ts";
export {
  clampLogitScale,
  CLIP_LOGIT_SCALE_INIT,
  CLIP_LOGIT_SCALE_MAX,
  clipLoss,
  crossSelfLoss,
  crossSelfLossParts,
} from "./clip.ts";
export type { CrossSelfOptions, CrossSelfParts } from "./clip.ts";
