/** Resolves `--dataset` names to datasets, through the on-disk cache for generated ones. */
import type { MultimodalDataset } from "../data/types.ts";
import { loadOrMake } from "../data/cache.ts";
import { makeSyntheticDataset, type SyntheticOptions } from "../data/synthetic.ts";
import { makeTrifeaturesDataset, type TrifeaturesOptions } from "../data/trifeatures.ts";

/** Dataset names accepted by `--dataset` (plus `npy:DIR`). */
export const DATASET_NAMES: readonly string[] = ["synthetic", "trifeatures", "avmnist", "physionet2012"];

/** Where real datasets are read from when no data dir is given: ../shared/data beside the checkout, else "data". */
export function defaultDataDir(): string {
  for (const d of ["../shared/data", new URL("../../../shared/data", import.meta.url).pathname]) {
    try {
      if (Deno.statSync(d).isDirectory) return d;
    } catch { /* not there */ }
  }
  return "data";
}

/** Loads or generates the dataset a configuration names. */
export async function loadDataset(
  name: string,
  opts: { seed: number; dataDir: string; data: Record<string, unknown>; cacheDir?: string },
): Promise<MultimodalDataset> {
  const cache = { cacheDir: opts.cacheDir };
  if (name === "synthetic") {
    const o: SyntheticOptions = { seed: opts.seed, ...(opts.data as SyntheticOptions) };
    return await loadOrMake("synthetic", o, () => makeSyntheticDataset(o), cache);
  }
  if (name === "trifeatures") {
    const o: TrifeaturesOptions = {
      seed: 42 + opts.seed,
      maxProbeTrain: 4000,
      maxProbeTest: 4000,
      ...(opts.data as TrifeaturesOptions),
    };
    return await loadOrMake("trifeatures", o, () => makeTrifeaturesDataset(o), cache);
  }
  if (name.startsWith("npy:")) {
    const { loadNpyDirDataset } = await import("../data/npy_dir.ts");
    return await loadNpyDirDataset(name.slice(4));
  }
  if (name === "avmnist") {
    const { makeAvMnistDataset } = await import("../data/avmnist.ts");
    const o = { seed: opts.seed, ...opts.data };
    return await loadOrMake("avmnist", o, () => makeAvMnistDataset(opts.dataDir, o), cache);
  }
  if (name === "physionet2012") {
    const { makePhysioNet2012Dataset } = await import("../data/physionet2012.ts");
    const o = { seed: opts.seed, ...opts.data };
    return await loadOrMake("physionet2012", o, () => makePhysioNet2012Dataset(opts.dataDir, o), cache);
  }
  throw new Error(`unknown dataset "${name}" (known: ${DATASET_NAMES.join(", ")}, npy:DIR)`);
}
