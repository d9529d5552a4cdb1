/** Neural-network modules with PyTorch semantics, initialisers and state-dict file I/O. */
export { copyValues, Module } from "./module.ts";
export type { BufferOptions, LoadStateDictOptions, LoadStateDictResult } from "./module.ts";
export * from "./init.ts";
export { Linear } from "./linear.ts";
export { BatchNorm1d, BatchNorm2d, BatchNormBase, LayerNorm } from "./norm.ts";
export type { BatchNormOptions } from "./norm.ts";
export { AdaptiveAvgPool2d, AvgPool2d, Conv1d, Conv2d, MaxPool2d } from "./conv.ts";
export type { ConvOptions, Size2 } from "./conv.ts";
export { Dropout } from "./dropout.ts";
export { Embedding } from "./embedding.ts";
export {
  activationFn,
  GELU,
  Identity,
  LeakyReLU,
  makeActivation,
  QuickGELU,
  ReLU,
  Sigmoid,
  Tanh,
} from "./activation.ts";
export type { ActivationName } from "./activation.ts";
export { ModuleList, Sequential } from "./container.ts";
export type { TensorModule } from "./container.ts";
export { MLP } from "./mlp.ts";
export type { MLPOptions } from "./mlp.ts";
export { keyPaddingBias, MultiheadAttention } from "./attention.ts";
export type { AttentionMasks, MultiheadAttentionOptions } from "./attention.ts";
export { TransformerEncoder, TransformerEncoderLayer } from "./transformer.ts";
export type {
  TransformerEncoderLayerOptions,
  TransformerEncoderOptions,
  TransformerLayerConfig,
} from "./transformer.ts";
export { GRU } from "./gru.ts";
export type { GRUOptions } from "./gru.ts";
export { FusionBlock } from "./fusion_block.ts";
export { BasicBlock, resnetConv2d } from "./basic_block.ts";
export { AlexNetFeatures } from "./alexnet_features.ts";
export { CausalConv1d } from "./causal_conv1d.ts";
export { AttentionPooling } from "./attention_pooling.ts";
export { fromSafetensors, loadModule, saveModule, toSafetensors } from "./state_io.ts";
export type { LoadModuleOptions, LoadModuleResult } from "./state_io.ts";
