/**
 * The shared network parts every method builds on: the architecture settings, per-modality encoders and
 * adapters, the fusion transformer, projection heads, and the contracts a method meets (SslModel,
 * MethodDefinition). The methods themselves are in src/methods/.
 *
 * @example
 * ```ts
 * import { architecture, FusionBackbone } from "./src/models/mod.ts";
 * const specs = [{ kind: "sequence" as const, shape: [6, 8] }, { kind: "vector" as const, shape: [5] }];
 * const net = new FusionBackbone(specs, architecture());
 * ```
 * @module
 */
export {
  architecture,
  ARCHITECTURE_RULES,
  type ArchitectureConfig,
  DEFAULT_ARCHITECTURE,
  ENCODER_KINDS,
  type EncoderKind,
  PAPER_ARCHITECTURES,
  validateArchitecture,
} from "./architecture.ts";
export type { ModalityKind, ModalitySpec } from "./modality.ts";
export {
  inEvalMode,
  type MethodDefinition,
  type MethodName,
  type MethodPreset,
  type SslModel,
  type StepContext,
  type StepOutput,
} from "./method.ts";
export {
  arrayOf,
  BOOLEAN,
  checkFields,
  type FieldRule,
  type FieldRules,
  FRACTION,
  NON_NEGATIVE,
  NON_NEGATIVE_INT,
  oneOf,
  POSITIVE,
  POSITIVE_INT,
  PROBABILITY,
  STRING,
  WEIGHTS,
} from "./fields.ts";
export { FusionTransformer, type TokenMask } from "./fusion.ts";
export { ProjectionHead } from "./heads.ts";
export { FeaturesInputAdapter, PatchedInputAdapter, SequenceProjection, VectorAdapter } from "./adapters.ts";
export { TokenEncoder } from "./token_encoder.ts";
export {
  AlexNetEncoder,
  buildEncoder,
  defaultEncoderKind,
  GruEncoder,
  ProjectedSequenceEncoder,
  PROPRIO_HIDDEN,
  ProprioEncoder,
  SequenceTransformerEncoder,
  SmallCnnEncoder,
  TabularEncoder,
  VectorTokenEncoder,
} from "./encoders.ts";
export { RESNET_IMAGENET_STEM_MIN_SIDE, ResNetEncoder } from "./resnet.ts";
export { CAUSAL_CONV_CHANNELS, CausalConvEncoder } from "./causal_conv.ts";
export { buildEncoders, FusionBackbone } from "./backbone.ts";
export { sinCos2dEmbedding } from "./position.ts";
