/** The full configuration of a training run: CLI flags over a JSON config over the dataset's defaults. */
import { type ModelConfig, modelConfig, PRESETS } from "../models/config.ts";
import type { MethodName } from "../models/method.ts";

/** Everything a run depends on; written to the checkpoint sidecar and results. */
export interface TrainConfig {
  method: MethodName;
  dataset: string;
  epochs: number;
  batch: number;
  seed: number;
  backend: "cpu" | "cuda" | "auto";
  out: string;
  dataDir: string;
  lr: number;
  weightDecay: number;
  /** Probe every N epochs during training (0: only at the end). */
  evalEvery: number;
  /**
   * Also checkpoint every N training steps inside an epoch (0: only at the end of each epoch and, by time,
   * every `checkpointMinutes`).
   */
  checkpointEvery: number;
  /** Checkpoint inside an epoch when this many minutes have passed since the last checkpoint (0: never). */
  checkpointMinutes: number;
  /** Apply a named paper preset's model and optimiser settings (see PRESETS). */
  preset?: string;
  model: ModelConfig;
  /** Dataset generator/reader options (size, noise, ...). */
  data: Record<string, unknown>;
  probe: { classWeight: "balanced" | null; fineSearch: boolean };
}

/** A partial configuration as a JSON config file or a caller gives it (model settings may be partial too). */
export type TrainConfigInput = Omit<Partial<TrainConfig>, "model"> & { model?: Partial<ModelConfig> };

/**
 * Settings of the default demo on `--dataset synthetic`: small enough for minutes on two cores.
 * Width 128 and clean tokens (little per-sample noise, one filler pattern) are what let the fused
 * representation separate synergy for a linear probe; README "Tuning the demo" has the measurements.
 */
const SYNTHETIC_DEFAULTS: Partial<TrainConfig> = {
  epochs: 8,
  batch: 128,
  lr: 1e-3,
  weightDecay: 1e-2,
  model: modelConfig({
    tokenDim: 128,
    fusionHeads: 4,
    fusionLayers: 1,
    headHidden: 256,
    headOut: 128,
    encoders: ["tokens", "tokens"],
    tau: 0.1,
    lambda: 1,
    maskRatio: 0.5,
    numMasks: 2,
    wOrtho: 1,
  }),
  data: { T: 6, noise: 0.05, nDistractors: 1 },
};

const TRIFEATURES_DEFAULTS: Partial<TrainConfig> = {
  epochs: 30,
  batch: 64,
  lr: 3e-4,
  weightDecay: 1e-4,
  model: modelConfig({
    tokenDim: 64,
    fusionHeads: 8,
    headHidden: 256,
    headOut: 128,
    encoders: ["cnn", "cnn"],
    cnnWidth: 16,
    lambda: 1,
    maskRatio: 0.7,
    numMasks: 6,
    wOrtho: 1,
  }),
  data: { size: 32 },
};

/** Defaults per dataset name (npy: and real datasets use the MultiBench-style defaults). */
export function datasetDefaults(dataset: string): Partial<TrainConfig> {
  if (dataset === "synthetic") return SYNTHETIC_DEFAULTS;
  if (dataset === "trifeatures") return TRIFEATURES_DEFAULTS;
  return {
    epochs: 20,
    batch: 64,
    lr: 1e-3,
    weightDecay: 1e-2,
    model: modelConfig({ tokenDim: 40, headHidden: 256, headOut: 128, encoderLayers: 1, encoderFfn: 128 }),
  };
}

/** The base configuration every run starts from. */
export function baseConfig(): TrainConfig {
  return {
    method: "infmasking",
    dataset: "synthetic",
    epochs: 20,
    batch: 64,
    seed: 0,
    backend: "cpu",
    out: "",
    dataDir: "",
    lr: 1e-3,
    weightDecay: 1e-2,
    evalEvery: 0,
    checkpointEvery: 0,
    checkpointMinutes: 10,
    model: modelConfig(),
    data: {},
    probe: { classWeight: null, fineSearch: true },
  };
}

/**
 * Resolves a configuration: base <- dataset defaults <- preset <- JSON config file <- CLI overrides.
 * Model settings merge key by key at each level.
 */
export function resolveConfig(
  dataset: string,
  fileConfig: TrainConfigInput,
  cli: TrainConfigInput,
): TrainConfig {
  const layers: TrainConfigInput[] = [datasetDefaults(dataset)];
  const presetName = cli.preset ?? fileConfig.preset;
  if (presetName) {
    const p = PRESETS[presetName];
    if (!p) throw new Error(`unknown preset "${presetName}" (known: ${Object.keys(PRESETS).join(", ")})`);
    layers.push({
      model: p.model as ModelConfig,
      lr: p.lr,
      weightDecay: p.weightDecay,
      epochs: p.epochs,
      batch: p.batch,
    });
  }
  layers.push(fileConfig, cli);
  const cfg = baseConfig();
  cfg.dataset = dataset;
  for (const layer of layers) {
    const { model, data, probe, ...rest } = layer;
    for (const [k, v] of Object.entries(rest)) {
      if (v !== undefined) (cfg as unknown as Record<string, unknown>)[k] = v;
    }
    if (model) cfg.model = { ...cfg.model, ...stripUndefined(model) };
    if (data) cfg.data = { ...cfg.data, ...data };
    if (probe) cfg.probe = { ...cfg.probe, ...probe };
  }
  validateConfig(cfg);
  return cfg;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Throws a clear error naming the first bad setting. */
export function validateConfig(c: TrainConfig): void {
  const positiveInt = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1) {
      throw new Error(`config: ${name} must be a positive integer, got ${v}`);
    }
  };
  positiveInt("epochs", c.epochs);
  if (!Number.isInteger(c.checkpointEvery) || c.checkpointEvery < 0) {
    throw new Error(`config: checkpointEvery must be a non-negative integer, got ${c.checkpointEvery}`);
  }
  if (!(c.checkpointMinutes >= 0)) {
    throw new Error(`config: checkpointMinutes must be >= 0, got ${c.checkpointMinutes}`);
  }
  positiveInt("batch", c.batch);
  if (c.batch < 2) throw new Error(`config: batch must be at least 2 for contrastive losses, got ${c.batch}`);
  if (!Number.isInteger(c.seed) || c.seed < 0) {
    throw new Error(`config: seed must be a non-negative integer, got ${c.seed}`);
  }
  if (!(c.lr > 0)) throw new Error(`config: lr must be positive, got ${c.lr}`);
  if (!(c.weightDecay >= 0)) throw new Error(`config: weightDecay must be >= 0, got ${c.weightDecay}`);
  const m = c.model;
  positiveInt("model.tokenDim", m.tokenDim);
  positiveInt("model.fusionHeads", m.fusionHeads);
  if (m.tokenDim % m.fusionHeads !== 0) {
    throw new Error(
      `config: model.tokenDim ${m.tokenDim} is not divisible by model.fusionHeads ${m.fusionHeads}`,
    );
  }
  if (!(m.tau > 0)) throw new Error(`config: model.tau must be positive, got ${m.tau}`);
  if (!(m.maskRatio >= 0 && m.maskRatio < 1)) {
    throw new Error(`config: model.maskRatio must be in [0, 1), got ${m.maskRatio}`);
  }
  positiveInt("model.numMasks", m.numMasks);
}
