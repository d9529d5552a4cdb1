/**
 * The one table of datasets by name: what each is, how it loads (through the on-disk cache when generated),
 * and the run settings training on it starts from. The CLI's `--dataset` and its help, and the library's
 * `loadDataset`, read this table.
 *
 * @example
 * ```ts
 * import { getDataset, loadDataset } from "./mod.ts";
 * console.log(getDataset("synthetic").defaults.epochs); // 8
 * const ds = await loadDataset("synthetic", { seed: 0, options: { nSsl: 512 } });
 * ```
 * @module
 */
import type { ArchitectureConfig } from "../models/architecture.ts";
import type { MultimodalDataset } from "./types.ts";
import { loadOrMake } from "./cache.ts";
import { makeSyntheticDataset, SYNTHETIC_DATA_DEFAULTS, type SyntheticOptions } from "./synthetic.ts";
import { makeTrifeaturesDataset, TRIFEATURES_DATA_DEFAULTS, type TrifeaturesOptions } from "./trifeatures.ts";

/** The settings a run on a dataset starts from, before a preset, a config file and flags. */
export interface DatasetDefaults {
  /** Training epochs. */
  epochs: number;
  /** Batch size. */
  batch: number;
  /** AdamW's learning rate and weight decay. */
  optimizer: { lr: number; weightDecay: number };
  /** Architecture fields that differ from DEFAULT_ARCHITECTURE. */
  architecture: Partial<ArchitectureConfig>;
  /** Per method name, settings that differ from the method's defaults on this dataset. */
  methods: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** The dataset's own options (generator or reader). */
  data: Readonly<Record<string, unknown>>;
  /** Probe settings of the dataset's protocol (e.g. Trifeatures' random crops at probe time). */
  probe?: { imageCrop?: [number, number] };
}

/** Where and how to load: the run's seed, the real-data folder, the dataset's options, the cache folder. */
export interface DatasetLoadOptions {
  /** The training seed (generated datasets derive their data seed from it). */
  seed: number;
  /** Folder of the real datasets (default: {@link defaultDataDir}). */
  dataDir?: string;
  /** The dataset's own options, over its defaults. */
  options?: Record<string, unknown>;
  /** Cache folder for generated datasets (default ~/.cache/mmssl/datasets). */
  cacheDir?: string;
  /** For a parameterised name such as `npy:DIR`, the part after the colon. */
  argument?: string;
}

/** One dataset of the table. */
export interface DatasetEntry {
  /** The `--dataset` value (`npy` is written `npy:DIR`). */
  readonly name: string;
  /** One line for `--help`. */
  readonly summary: string;
  /** The run settings training on it starts from. */
  readonly defaults: DatasetDefaults;
  /**
   * Whether its options take `biasedSsl` (the SSL split as biased synergy pairs, or unbiased pairs), which
   * the papers' Trifeatures protocol (`--protocol unbiased-biased`) needs.
   */
  readonly biasedPairs?: boolean;
  /** Data options a paper preset of the same benchmark sets (e.g. Trifeatures' 224 px images). */
  readonly presetOptions?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Loads (or generates through the cache) the dataset. */
  load(opts: DatasetLoadOptions): Promise<MultimodalDataset>;
}

/** Defaults of datasets without tuned ones: MultiBench-style optimisation on a small network. */
const MULTIBENCH_STYLE: DatasetDefaults = {
  epochs: 20,
  batch: 64,
  optimizer: { lr: 1e-3, weightDecay: 1e-2 },
  architecture: { tokenDim: 40, headHidden: 256, headOut: 128, encoderLayers: 1, encoderFfn: 128 },
  methods: {},
  data: {},
};

/**
 * Where real datasets are read from when no data dir is given: the first existing folder of ../shared/data
 * (from the working directory) and shared/data beside the checkout, else "data".
 */
export function defaultDataDir(): string {
  for (const d of ["../shared/data", new URL("../../../shared/data", import.meta.url).pathname]) {
    try {
      if (Deno.statSync(d).isDirectory) return d;
    } catch { /* not there */ }
  }
  return "data";
}

/** Every dataset, in the order the help lists them. */
export const DATASETS: readonly DatasetEntry[] = [
  {
    name: "synthetic",
    biasedPairs: true,
    summary: "the default demo: token sequences with the Trifeatures tasks (redundancy, uniqueness, synergy)",
    // Width 128 and clean tokens (little per-sample noise, one filler pattern) are what let the fused
    // representation separate synergy for a linear probe; README "Tuning the demo" has the measurements.
    defaults: {
      epochs: 8,
      batch: 128,
      optimizer: { lr: 1e-3, weightDecay: 1e-2 },
      architecture: {
        tokenDim: 128,
        fusionHeads: 4,
        fusionLayers: 1,
        headHidden: 256,
        headOut: 128,
        encoders: ["tokens", "tokens"],
      },
      methods: { infmasking: { lambda: 1, maskRatio: 0.5, numMasks: 2 }, coral: { wOrtho: 1 } },
      data: { T: SYNTHETIC_DATA_DEFAULTS.T, noise: SYNTHETIC_DATA_DEFAULTS.noise },
    },
    load: async (o) => {
      const opts: SyntheticOptions = { seed: o.seed, ...(o.options as SyntheticOptions) };
      return await loadOrMake("synthetic", opts, () => makeSyntheticDataset(opts), { cacheDir: o.cacheDir });
    },
  },
  {
    name: "trifeatures",
    biasedPairs: true,
    // The papers' images: AlexNet's features need at least 63 px; the preset renders the paper's 224 px.
    presetOptions: { trifeatures: { size: 224 } },
    summary: "bimodal Trifeatures images (shape, texture, colour), rendered at 32 px by default",
    defaults: {
      epochs: 30,
      batch: 64,
      optimizer: { lr: 3e-4, weightDecay: 1e-4 },
      architecture: {
        tokenDim: 64,
        fusionHeads: 8,
        headHidden: 256,
        headOut: 128,
        encoders: ["cnn", "cnn"],
        cnnWidth: 16,
      },
      methods: { infmasking: { lambda: 1, maskRatio: 0.7, numMasks: 6 }, coral: { wOrtho: 1 } },
      data: { size: TRIFEATURES_DATA_DEFAULTS.size },
      // The papers' probe transform: RandomResizedCrop(scale 0.5-1) on probe-train and probe-test images.
      probe: { imageCrop: [0.5, 1] },
    },
    load: async (o) => {
      // The images are rendered once from the data seed (the recipe's 42 unless options.seed says
      // otherwise), whatever the training seed: the papers' seeds vary the training, not the data.
      const opts: TrifeaturesOptions = {
        seed: TRIFEATURES_DATA_DEFAULTS.seed,
        ...(o.options as TrifeaturesOptions),
      };
      return await loadOrMake("trifeatures", opts, () => makeTrifeaturesDataset(opts), {
        cacheDir: o.cacheDir,
      });
    },
  },
  {
    name: "avmnist",
    summary: "AV-MNIST from the data folder: MNIST digits with spoken digits (FSDD) mixed with noise",
    defaults: MULTIBENCH_STYLE,
    load: async (o) => {
      const { makeAvMnistDataset } = await import("./avmnist.ts");
      const opts = { seed: o.seed, ...o.options };
      const dir = o.dataDir ?? defaultDataDir();
      return await loadOrMake("avmnist", opts, () => makeAvMnistDataset(dir, opts), { cacheDir: o.cacheDir });
    },
  },
  {
    name: "physionet2012",
    summary: "PhysioNet 2012 in-hospital mortality from the data folder: static vector + 48 h time series",
    defaults: MULTIBENCH_STYLE,
    load: async (o) => {
      const { makePhysioNet2012Dataset } = await import("./physionet2012.ts");
      const opts = { seed: o.seed, ...o.options };
      const dir = o.dataDir ?? defaultDataDir();
      return await loadOrMake("physionet2012", opts, () => makePhysioNet2012Dataset(dir, opts), {
        cacheDir: o.cacheDir,
      });
    },
  },
  {
    name: "npy",
    summary: "your own data: npy:DIR with DIR/train/x0.npy ... and y.npy, the same under DIR/test/",
    defaults: MULTIBENCH_STYLE,
    load: async (o) => {
      if (!o.argument) throw new Error(`dataset npy needs a folder: --dataset npy:DIR`);
      const { loadNpyDirDataset } = await import("./npy_dir.ts");
      return await loadNpyDirDataset(o.argument);
    },
  },
];

/** The names `--dataset` accepts (npy as `npy:DIR`). */
export const DATASET_NAMES: readonly string[] = DATASETS.map((d) => d.name === "npy" ? "npy:DIR" : d.name);

/** Splits `npy:DIR` into the entry name and its argument. */
function parseName(name: string): { key: string; argument?: string } {
  const colon = name.indexOf(":");
  return colon < 0 ? { key: name } : { key: name.slice(0, colon), argument: name.slice(colon + 1) };
}

/** The table entry of a `--dataset` value (`npy:DIR` gives the npy entry); throws naming the known ones. */
export function getDataset(name: string): DatasetEntry {
  const { key, argument } = parseName(name);
  const entry = DATASETS.find((d) => d.name === key && (d.name === "npy") === (argument !== undefined));
  if (!entry) throw new Error(`unknown dataset "${name}" (known: ${DATASET_NAMES.join(", ")})`);
  return entry;
}

/**
 * Loads or generates the dataset called `name` (a table name or `npy:DIR`); generated datasets go through
 * the on-disk cache, so a second call with the same seed and options reads them back. Throws naming the
 * known names for an unknown one, and passes on the loader's errors (missing files, bad options).
 *
 * @example
 * ```ts
 * import { loadDataset } from "./mod.ts";
 * const ds = await loadDataset("synthetic", { seed: 0, options: { nSsl: 512 } });
 * console.log(ds.tasks); // ["redundancy", "uniqueness1", "uniqueness2", "synergy"]
 * ```
 */
export async function loadDataset(name: string, opts: DatasetLoadOptions): Promise<MultimodalDataset> {
  return await getDataset(name).load({ ...opts, argument: parseName(name).argument });
}
