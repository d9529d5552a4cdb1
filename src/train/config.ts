/**
 * The one configuration of a training run, in typed parts, and the one function that resolves it:
 * defaults, then the dataset's defaults, then a preset, then each given layer (a config file, the flags),
 * each later one winning field by field. Every field is validated; an error names the field, the value and
 * what is allowed.
 *
 * @example
 * ```ts
 * import { resolveConfig } from "./mod.ts";
 * const cfg = resolveConfig({ method: "comm", run: { epochs: 2 } });
 * console.log(cfg.settings); // CoMM's settings: { tau: 0.1 }
 * ```
 * @module
 */
import {
  architecture,
  type ArchitectureConfig,
  PAPER_ARCHITECTURES,
  validateArchitecture,
} from "../models/architecture.ts";
import {
  BOOLEAN,
  checkFields,
  type FieldRules,
  NON_NEGATIVE,
  NON_NEGATIVE_INT,
  oneOf,
  POSITIVE,
  POSITIVE_INT,
  STRING,
} from "../models/fields.ts";
import type { MethodName } from "../models/method.ts";
import { getMethod, methodsWithPreset, presetNames } from "../methods/registry.ts";
import { getDataset } from "../data/registry.ts";

/** Which backend a run computes on. */
export type BackendChoice = "cpu" | "cuda" | "auto";

/** How long and in what steps a run trains, and where it writes. */
export interface RunSettings {
  /** Training epochs. */
  epochs: number;
  /** Batch size (at least 2: the losses are contrastive). */
  batch: number;
  /** The seed every random stream derives from (src/random/streams.ts). */
  seed: number;
  /** Output folder ("" until the CLI picks runs/<timestamp>). */
  out: string;
  /** Probe every N epochs during training (0: only at the end). */
  evalEvery: number;
  /** Also checkpoint every N steps inside an epoch (0: only at epoch ends and by time). */
  checkpointEvery: number;
  /** Checkpoint inside an epoch when this many minutes have passed since the last one (0: never). */
  checkpointMinutes: number;
}

/** AdamW's settings (no weight decay on biases, norms and other 1-D parameters). */
export interface OptimizerSettings {
  /** Learning rate. */
  lr: number;
  /** Decoupled weight decay. */
  weightDecay: number;
}

/** Which data and with what options. */
export interface DataSettings {
  /** Folder of the real datasets ("" = default: ../shared/data beside the checkout, else "data"). */
  dir: string;
  /** The dataset's own options (generator or reader), over its defaults. */
  options: Record<string, unknown>;
}

/** The linear probe's settings. */
export interface ProbeSettings {
  /** Class weighting of the headline probe (the papers': none). */
  classWeight: "balanced" | null;
  /** Whether to refine C by the fine search after the coarse grid. */
  fineSearch: boolean;
  /** Random resized crop (area range) of images at probe time, as Trifeatures' protocol; null: none. */
  imageCrop: [number, number] | null;
  /** Also probe the raw inputs and each modality's own features (results.json "baselines"). */
  baselines: boolean;
  /**
   * Which weights the headline probe reports: "last" (the last epoch, as CoMM reports) or "best-val" (also
   * the epoch with the best validation probe, as InfMasking's code selects, never on the test split; both
   * are reported).
   */
  select: "last" | "best-val";
}

/** Everything a run depends on; written to the checkpoint sidecar. */
export interface TrainConfig {
  /** The method (src/methods/registry.ts). */
  method: MethodName;
  /** The dataset (src/data/registry.ts), `npy:DIR` included. */
  dataset: string;
  /** The paper preset applied, if any. */
  preset?: string;
  /** Where it computes. */
  backend: BackendChoice;
  /** Length, seed and outputs. */
  run: RunSettings;
  /** AdamW. */
  optimizer: OptimizerSettings;
  /** The network's shape. */
  architecture: ArchitectureConfig;
  /** The method's own settings (typed by its definition; validated by its rules). */
  settings: Record<string, unknown>;
  /** Data location and options. */
  data: DataSettings;
  /** The linear probe. */
  probe: ProbeSettings;
}

/** One layer of configuration (a config file, the flags): every part optional and partial. */
export interface TrainConfigInput {
  /** The method to train. */
  method?: MethodName;
  /** The dataset to train on. */
  dataset?: string;
  /** A paper preset by benchmark name. */
  preset?: string;
  /** Where to compute. */
  backend?: BackendChoice;
  /** Run settings. */
  run?: Partial<RunSettings>;
  /** Optimizer settings. */
  optimizer?: Partial<OptimizerSettings>;
  /** Architecture fields. */
  architecture?: Partial<ArchitectureConfig>;
  /** Settings per method name (only the trained method's apply). */
  methods?: Record<string, Record<string, unknown>>;
  /** Data folder and options. */
  data?: Partial<DataSettings>;
  /** Probe settings. */
  probe?: Partial<ProbeSettings>;
}

/** The run settings every run starts from. */
export const DEFAULT_RUN: Readonly<RunSettings> = {
  epochs: 20,
  batch: 64,
  seed: 0,
  out: "",
  evalEvery: 0,
  checkpointEvery: 0,
  checkpointMinutes: 10,
};

/** The probe settings every run starts from (the papers' probe). */
export const DEFAULT_PROBE: Readonly<ProbeSettings> = {
  classWeight: null,
  fineSearch: true,
  imageCrop: null,
  baselines: true,
  select: "last",
};

const RUN_RULES: FieldRules<RunSettings> = {
  epochs: POSITIVE_INT,
  batch: POSITIVE_INT,
  seed: NON_NEGATIVE_INT,
  out: STRING,
  evalEvery: NON_NEGATIVE_INT,
  checkpointEvery: NON_NEGATIVE_INT,
  checkpointMinutes: NON_NEGATIVE,
};
const OPTIMIZER_RULES: FieldRules<OptimizerSettings> = { lr: POSITIVE, weightDecay: NON_NEGATIVE };
const PROBE_RULES: FieldRules<ProbeSettings> = {
  classWeight: oneOf(["balanced", null]),
  fineSearch: BOOLEAN,
  imageCrop: {
    allowed: "null or an area range [lo, hi] with 0 < lo <= hi <= 1",
    check: (v) =>
      v === null ||
      (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === "number") && v[0] > 0 &&
        v[0] <= v[1] && v[1] <= 1),
  },
  baselines: BOOLEAN,
  select: oneOf(["last", "best-val"]),
};
const DATA_RULES: FieldRules<DataSettings> = {
  dir: STRING,
  options: { allowed: "an object", check: (v) => typeof v === "object" && v !== null && !Array.isArray(v) },
};
const INPUT_RULES: FieldRules<TrainConfigInput> = {
  method: STRING,
  dataset: STRING,
  preset: STRING,
  backend: oneOf(["cpu", "cuda", "auto"]),
  run: { allowed: "an object", check: isObject },
  optimizer: { allowed: "an object", check: isObject },
  architecture: { allowed: "an object", check: isObject },
  methods: { allowed: "an object", check: isObject },
  data: { allowed: "an object", check: isObject },
  probe: { allowed: "an object", check: isObject },
};

function isObject(v: unknown): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function defined<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The last layer's value of a top-level field. */
function pick<K extends keyof TrainConfigInput>(layers: TrainConfigInput[], key: K): TrainConfigInput[K] {
  let v: TrainConfigInput[K] = undefined;
  for (const l of layers) if (l[key] !== undefined) v = l[key];
  return v;
}

/**
 * Resolves a configuration: the defaults, the dataset's defaults, the preset (when a layer names one) and
 * then `layers` in order, field by field. The method defaults to "infmasking", the dataset to "synthetic",
 * the backend to "cpu". Throws naming the first field that is not allowed, an unknown method or dataset, or
 * a preset the method does not have (naming the methods that have it).
 *
 * @example
 * ```ts
 * import { resolveConfig } from "./mod.ts";
 * const file = { method: "coral", dataset: "trifeatures", methods: { coral: { tau: 0.2 } } };
 * const cfg = resolveConfig(file, { run: { epochs: 2 } });
 * console.log(cfg.run.epochs, cfg.run.batch, cfg.settings.tau, cfg.settings.wOrtho); // 2 64 0.2 1
 * // resolveConfig({ run: { epochs: 0 } }) throws: config: run.epochs must be a positive integer, got 0
 * ```
 */
export function resolveConfig(...layers: TrainConfigInput[]): TrainConfig {
  layers.forEach((l, i) => checkFields(layers.length > 1 ? `layer ${i + 1}` : "config", l, INPUT_RULES));
  const methodName = pick(layers, "method") ?? "infmasking";
  const dataset = pick(layers, "dataset") ?? "synthetic";
  const preset = pick(layers, "preset");
  const method = getMethod(methodName);
  const entry = getDataset(dataset);
  const ds = entry.defaults;

  const cfg: TrainConfig = {
    method: methodName,
    dataset,
    ...(preset ? { preset } : {}),
    backend: pick(layers, "backend") ?? "cpu",
    run: { ...DEFAULT_RUN, epochs: ds.epochs, batch: ds.batch },
    optimizer: { ...ds.optimizer },
    architecture: architecture(ds.architecture),
    settings: { ...method.defaults, ...ds.methods[methodName] },
    data: { dir: "", options: { ...ds.data } },
    probe: { ...DEFAULT_PROBE, ...ds.probe },
  };
  if (preset) {
    const p = (method.presets as Record<string, (typeof method.presets)[string]>)[preset];
    if (!p) {
      const known = presetNames();
      if (!known.includes(preset)) throw new Error(`unknown preset "${preset}" (known: ${known.join(", ")})`);
      throw new Error(
        `preset "${preset}" is not defined for ${methodName}; methods that have it: ` +
          methodsWithPreset(preset).join(", "),
      );
    }
    cfg.architecture = architecture(cfg.architecture, PAPER_ARCHITECTURES[preset] ?? {});
    Object.assign(cfg.data.options, entry.presetOptions?.[preset] ?? {});
    Object.assign(cfg.settings, p.settings);
    cfg.optimizer = { ...p.optimizer };
    cfg.run.epochs = p.epochs;
    cfg.run.batch = p.batch;
  }
  for (const l of layers) {
    Object.assign(cfg.run, defined(l.run));
    Object.assign(cfg.optimizer, defined(l.optimizer));
    cfg.architecture = architecture(cfg.architecture, defined(l.architecture));
    Object.assign(cfg.settings, defined(l.methods?.[methodName]));
    if (l.data?.dir !== undefined) cfg.data.dir = l.data.dir;
    Object.assign(cfg.data.options, l.data?.options ?? {});
    Object.assign(cfg.probe, defined(l.probe));
  }
  validateConfig(cfg, layers);
  return cfg;
}

/** Throws naming the first field of a resolved configuration that is not allowed. */
export function validateConfig(c: TrainConfig, layers: TrainConfigInput[] = []): void {
  checkFields("run", c.run, RUN_RULES);
  if (c.run.batch < 2) {
    throw new Error(`config: run.batch must be at least 2 for contrastive losses, got ${c.run.batch}`);
  }
  checkFields("optimizer", c.optimizer, OPTIMIZER_RULES);
  validateArchitecture(c.architecture);
  const method = getMethod(c.method);
  checkFields(`methods.${c.method}`, c.settings, method.rules as FieldRules<Record<string, unknown>>);
  checkFields("data", c.data, DATA_RULES);
  checkFields("probe", c.probe, PROBE_RULES);
  // Settings given for a method that is not trained are still checked, so a typo never waits for --compare.
  for (const l of layers) {
    for (const [name, settings] of Object.entries(l.methods ?? {})) {
      checkFields(`methods.${name}`, settings, getMethod(name).rules as FieldRules<Record<string, unknown>>);
    }
  }
}

/**
 * The configuration of an earlier layout (flat run fields, one `model` record), still accepted from files.
 */
export interface LegacyConfigInput {
  /** Any of the flat fields below, `model` and `data` (dataset options). */
  [field: string]: unknown;
}

const LEGACY_RUN = ["epochs", "batch", "seed", "out", "evalEvery", "checkpointEvery", "checkpointMinutes"];
const LEGACY_TO_METHODS: Record<string, [method: string, field: string][]> = {
  tau: [["infmasking", "tau"], ["comm", "tau"], ["coral", "tau"], ["crossself", "tau"]],
  lambda: [["infmasking", "lambda"]],
  maskRatio: [["infmasking", "maskRatio"]],
  numMasks: [["infmasking", "numMasks"]],
  weights: [["infmasking", "weights"], ["comm", "weights"]],
  coralRatio: [["coral", "maskRatio"]],
  wShared: [["coral", "wShared"]],
  wUnique: [["coral", "wUnique"]],
  wOrtho: [["coral", "wOrtho"]],
};
const NEW_KEYS = new Set(Object.keys(INPUT_RULES));

/**
 * A configuration file's JSON as a layer: the current layout as it is, or the earlier flat layout
 * (`epochs`, `lr`, `model: {tokenDim, lambda, ...}`, `data: {T, ...}`, `dataDir`) translated field by field.
 * `source` names the file in errors.
 */
export function configFromJson(raw: unknown, source: string): TrainConfigInput {
  if (!isObject(raw)) throw new Error(`${source}: a configuration must be a JSON object`);
  const r = raw as Record<string, unknown>;
  const legacy = Object.keys(r).some((k) => !NEW_KEYS.has(k)) || isObject(r.data) &&
      Object.keys(r.data as object).some((k) => k !== "dir" && k !== "options");
  if (!legacy) return r as TrainConfigInput;
  const out: TrainConfigInput = {};
  const run: Record<string, unknown> = {};
  const methods: Record<string, Record<string, unknown>> = {};
  const arch: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) {
    if (["method", "dataset", "preset", "backend"].includes(k)) (out as Record<string, unknown>)[k] = v;
    else if (LEGACY_RUN.includes(k)) run[k] = v;
    else if (k === "lr" || k === "weightDecay") out.optimizer = { ...out.optimizer, [k]: v as number };
    else if (k === "dataDir") out.data = { ...out.data, dir: v as string };
    else if (k === "data") out.data = { ...out.data, options: v as Record<string, unknown> };
    else if (k === "probe") out.probe = v as Partial<ProbeSettings>;
    else if (k === "model" && isObject(v)) {
      for (const [mk, mv] of Object.entries(v as Record<string, unknown>)) {
        const targets = LEGACY_TO_METHODS[mk];
        if (targets) { for (const [m, f] of targets) (methods[m] ??= {})[f] = mv; }
        else arch[mk] = mv;
      }
    } else {
      throw new Error(
        `${source}: "${k}" is not a configuration field (known: ${[...NEW_KEYS].join(", ")}; ` +
          `or the flat layout's ${
            [...LEGACY_RUN, "lr", "weightDecay", "dataDir", "model", "data"].join(", ")
          })`,
      );
    }
  }
  if (Object.keys(run).length) out.run = run as Partial<RunSettings>;
  if (Object.keys(arch).length) out.architecture = arch as Partial<ArchitectureConfig>;
  if (Object.keys(methods).length) out.methods = methods;
  return out;
}
