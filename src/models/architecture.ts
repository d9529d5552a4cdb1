/**
 * The network's shape, shared by every method: token width, the fusion transformer, the projection heads and
 * the per-modality encoders. Method-specific settings (temperatures, masks, loss weights) live with each
 * method under src/methods/.
 *
 * @example
 * ```ts
 * import { architecture, validateArchitecture } from "./mod.ts";
 * const arch = architecture({ tokenDim: 64, fusionHeads: 4 });
 * validateArchitecture(arch); // throws naming the field when a value is not allowed
 * ```
 * @module
 */
import { arrayOf, checkFields, type FieldRules, oneOf, POSITIVE_INT, PROBABILITY } from "./fields.ts";

/** Which encoder turns a modality into tokens (src/models/encoders.ts). */
export type EncoderKind =
  | "tokens"
  | "transformer"
  | "gru"
  | "mlp"
  | "proprio"
  | "cnn"
  | "alexnet"
  | "resnet"
  | "causalconv";

/** Every encoder kind, in the order the help lists them. */
export const ENCODER_KINDS: readonly EncoderKind[] = [
  "tokens",
  "transformer",
  "gru",
  "mlp",
  "proprio",
  "cnn",
  "alexnet",
  "resnet",
  "causalconv",
];

/** Everything that shapes the network (but not the objective). */
export interface ArchitectureConfig {
  /** Token width E shared by the adapters and the fusion transformer. */
  tokenDim: number;
  /** Attention heads of the fusion transformer (must divide tokenDim). */
  fusionHeads: number;
  /** Residual blocks of the fusion transformer. */
  fusionLayers: number;
  /** Projection head sizes: E -> headHidden -> headHidden -> headOut. */
  headHidden: number;
  /** Output width of the projection heads. */
  headOut: number;
  /** Per-modality encoder kinds (default chosen from each modality's kind). */
  encoders?: EncoderKind[];
  /** Layers of the sequence transformer encoders. */
  encoderLayers: number;
  /** Heads of the sequence transformer encoders (must divide tokenDim). */
  encoderHeads: number;
  /** Feed-forward width of the sequence transformer encoders. */
  encoderFfn: number;
  /** Dropout of the sequence transformer encoders. */
  encoderDropout: number;
  /** Image CNN / ResNet width (channels of the first convolution). */
  cnnWidth: number;
}

/** The library's defaults (CoMM's model config: E 40, 8 heads, 1 fusion layer, head 512/256). */
export const DEFAULT_ARCHITECTURE: Readonly<ArchitectureConfig> = {
  tokenDim: 40,
  fusionHeads: 8,
  fusionLayers: 1,
  headHidden: 512,
  headOut: 256,
  encoderLayers: 1,
  encoderHeads: 5,
  encoderFfn: 2048,
  encoderDropout: 0.1,
  cnnWidth: 16,
};

/** What each architecture field allows. */
export const ARCHITECTURE_RULES: FieldRules<ArchitectureConfig> = {
  tokenDim: POSITIVE_INT,
  fusionHeads: POSITIVE_INT,
  fusionLayers: POSITIVE_INT,
  headHidden: POSITIVE_INT,
  headOut: POSITIVE_INT,
  encoders: arrayOf(oneOf(ENCODER_KINDS)),
  encoderLayers: POSITIVE_INT,
  encoderHeads: POSITIVE_INT,
  encoderFfn: POSITIVE_INT,
  encoderDropout: PROBABILITY,
  cnnWidth: POSITIVE_INT,
};

/** The defaults with `parts` merged over them, left to right (undefined values are skipped). */
export function architecture(...parts: Partial<ArchitectureConfig>[]): ArchitectureConfig {
  const out: ArchitectureConfig = { ...DEFAULT_ARCHITECTURE };
  for (const part of parts) {
    for (const [k, v] of Object.entries(part)) {
      if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
    }
  }
  return out;
}

/** Throws naming the first architecture field that is not allowed (`where` prefixes the field names). */
export function validateArchitecture(a: ArchitectureConfig, where = "architecture"): void {
  checkFields(where, a, ARCHITECTURE_RULES);
  if (a.tokenDim % a.fusionHeads !== 0) {
    throw new Error(
      `config: ${where}.tokenDim ${a.tokenDim} is not divisible by ${where}.fusionHeads ${a.fusionHeads}`,
    );
  }
  if (a.encoders?.includes("transformer") && a.tokenDim % a.encoderHeads !== 0) {
    throw new Error(
      `config: ${where}.tokenDim ${a.tokenDim} is not divisible by ${where}.encoderHeads ${a.encoderHeads}`,
    );
  }
}

/** The papers' projection heads, 512 -> 512 -> 256, on every benchmark. */
const PAPER_HEADS = { headHidden: 512, headOut: 256 } as const;

/** The affect datasets' encoders (MOSI, UR-FUNNY, MUsTARD): 5 pre-LN layers, width 40, 5 heads, FFN 2048. */
const AFFECT: Partial<ArchitectureConfig> = {
  tokenDim: 40,
  encoders: ["transformer", "transformer"],
  encoderLayers: 5,
  encoderHeads: 5,
  encoderFfn: 2048,
  ...PAPER_HEADS,
};

/**
 * The papers' networks per benchmark, shared by every method's preset of that name (docs/shared.md, the
 * per-benchmark encoders): E 512 with AlexNet's features on Trifeatures (which need images of at least
 * 63 px), 5-layer sequence transformers of width 40 with 5 heads and feed-forward 2048 on the affect
 * datasets, the tabular MLP and GRU on MIMIC, the ResNet-18 (width 64: 64…512 channels) and the
 * proprioception MLP on Vision&Touch; projection heads 512 -> 512 -> 256 everywhere.
 */
export const PAPER_ARCHITECTURES: Readonly<Record<string, Partial<ArchitectureConfig>>> = {
  trifeatures: { tokenDim: 512, fusionHeads: 8, encoders: ["alexnet", "alexnet"], ...PAPER_HEADS },
  mosi: AFFECT,
  "ur-funny": AFFECT,
  mustard: AFFECT,
  mimic: { tokenDim: 512, encoders: ["mlp", "gru"], ...PAPER_HEADS },
  "vision-touch": { tokenDim: 512, encoders: ["resnet", "proprio"], cnnWidth: 64, ...PAPER_HEADS },
};
