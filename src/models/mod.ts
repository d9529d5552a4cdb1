/** Models: encoders, adapters, the fusion transformer, heads, masking and the five methods. */
export * from "./config.ts";
export * from "./method.ts";
export { buildModel } from "./build.ts";
export { FusionBlock, FusionTransformer } from "./fusion.ts";
export type { TokenMask } from "./fusion.ts";
export { ProjectionHead } from "./heads.ts";
export { FeaturesInputAdapter, PatchedInputAdapter, SequenceProjection, VectorAdapter } from "./adapters.ts";
export * from "./encoders.ts";
export { buildEncoders, FusionBackbone } from "./backbone.ts";
export { AttentionPooling } from "./attention_pool.ts";
export { sampleBernoulliMask, sampleFixedCountMask } from "./masking.ts";
export { sinCos2dEmbedding } from "./position.ts";
export { CoMM } from "./methods/comm.ts";
export { InfMasking } from "./methods/infmasking.ts";
export { COrAL, CoralNetwork, UniqueProjector } from "./methods/coral.ts";
export { CrossModal, CrossSelf, UnimodalNetwork } from "./methods/cross.ts";
