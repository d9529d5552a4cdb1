/**
 * `--dataset npy:DIR`, bring-your-own data. Layout:
 *   DIR/train/x0.npy … x{M-1}.npy, DIR/train/y.npy    (required)
 *   DIR/test/…  (required, same files)                 DIR/val/… (optional, same files)
 * x_i: numeric (float32/float64/…) with the sample axis first; the trailing shape picks the modality kind:
 * 1 axis -> vector [F], 2 -> sequence [T, F], 3 -> image [C, H, W] (a bare [N] array is a vector [N, 1]).
 * y: integer class labels >= 0, shape [N] or [N, 1]. M >= 2 modalities.
 * ssl = probeTrain = train, probeVal = val, probeTest = test; task "label", numClasses = max label + 1.
 *
 * @module
 */
import { readNpyAsFloat32, readNpyAsInt32 } from "../io/npy.ts";
import type { ModalityArray, ModalityKind, MultimodalDataset, MultimodalSplit } from "./types.ts";

const KINDS: Record<number, ModalityKind> = { 1: "vector", 2: "sequence", 3: "image" };

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** Number of consecutive x0.npy, x1.npy, … files in a split directory. */
function countModalities(splitDir: string): number {
  let m = 0;
  while (isFile(`${splitDir}/x${m}.npy`)) m++;
  return m;
}

function readModality(path: string): ModalityArray {
  const a = readNpyAsFloat32(path);
  if (a.shape.length === 0) {
    throw new Error(`npy dataset: ${path} is a scalar; the first axis must be samples`);
  }
  const shape = a.shape.length === 1 ? [a.shape[0], 1] : a.shape;
  const kind = KINDS[shape.length - 1];
  if (kind === undefined) {
    throw new Error(
      `npy dataset: ${path} has shape [${a.shape}]; per-sample shapes of 1 (vector), 2 ([T, F] sequence) or ` +
        `3 ([C, H, W] image) axes are supported`,
    );
  }
  for (let i = 0; i < a.data.length; i++) {
    if (!Number.isFinite(a.data[i])) {
      const idx = unravel(i, shape);
      throw new Error(
        `npy dataset: ${path} holds ${a.data[i]} at index [${idx}] (float32 value); inputs must be finite`,
      );
    }
  }
  return { kind, shape, data: a.data };
}

function unravel(flat: number, shape: number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return idx;
}

function readLabels(path: string): Int32Array {
  const a = readNpyAsInt32(path); // rejects non-integer values, naming the element
  if (!(a.shape.length === 1 || (a.shape.length === 2 && a.shape[1] === 1))) {
    throw new Error(`npy dataset: ${path} has shape [${a.shape}]; labels must be [N] or [N, 1]`);
  }
  for (let i = 0; i < a.data.length; i++) {
    if (a.data[i] < 0) {
      throw new Error(`npy dataset: ${path} holds label ${a.data[i]} at index ${i}; labels must be >= 0`);
    }
  }
  return a.data;
}

function readSplit(dir: string, name: string, m: number): MultimodalSplit {
  const splitDir = `${dir}/${name}`;
  const found = countModalities(splitDir);
  if (found !== m) {
    const missing = found < m ? `${splitDir}/x${found}.npy is missing` : `${splitDir}/x${m}.npy is extra`;
    throw new Error(`npy dataset: train has ${m} modalities but ${name} has ${found} (${missing})`);
  }
  const yPath = `${splitDir}/y.npy`;
  if (!isFile(yPath)) {
    throw new Error(`npy dataset: ${yPath} is missing (integer labels of the ${name} split)`);
  }
  const modalities = Array.from({ length: m }, (_, i) => readModality(`${splitDir}/x${i}.npy`));
  const labels = readLabels(yPath);
  const n = labels.length;
  if (n === 0) throw new Error(`npy dataset: ${yPath} has no samples`);
  modalities.forEach((x, i) => {
    if (x.shape[0] !== n) {
      throw new Error(
        `npy dataset: ${splitDir}/x${i}.npy has ${x.shape[0]} samples but ${yPath} has ${n} labels`,
      );
    }
  });
  return { modalities, labels: { label: labels } };
}

/**
 * Load a bring-your-own dataset from DIR (see the module comment for the layout), synchronously.
 *
 * Throws naming the file when a required file is missing, there are fewer than 2 modalities, the splits
 * disagree in modality count or per-sample shape, sample counts differ from the labels, an input value is
 * not finite, a label is negative or not an integer, or every label is 0.
 *
 * @example
 * ```ts
 * import { loadNpyDirDataset } from "./mod.ts";
 * const ds = loadNpyDirDataset("data/mine"); // data/mine/train/x0.npy, x1.npy, y.npy and data/mine/test/...
 * console.log(ds.numClasses.label, ds.ssl.modalities.map((m) => m.kind));
 * ```
 */
export function loadNpyDirDataset(dir: string): MultimodalDataset {
  for (const split of ["train", "test"]) {
    if (!isFile(`${dir}/${split}/x0.npy`)) {
      throw new Error(
        `npy dataset: ${dir}/${split}/x0.npy is missing (expected ${dir}/${split}/x0.npy … x{M-1}.npy)`,
      );
    }
  }
  const m = countModalities(`${dir}/train`);
  if (m < 2) {
    throw new Error(
      `npy dataset: ${dir}/train has only x0.npy (${dir}/train/x1.npy is missing); need M >= 2 modalities`,
    );
  }
  const train = readSplit(dir, "train", m);
  const test = readSplit(dir, "test", m);
  const hasVal = isFile(`${dir}/val/x0.npy`) || isFile(`${dir}/val/y.npy`);
  const val = hasVal ? readSplit(dir, "val", m) : undefined;
  const others: [string, MultimodalSplit][] = [["test", test]];
  if (val) others.push(["val", val]);
  for (const [name, s] of others) {
    for (let i = 0; i < m; i++) {
      const a = train.modalities[i].shape.slice(1), b = s.modalities[i].shape.slice(1);
      if (a.join() !== b.join()) {
        throw new Error(
          `npy dataset: ${dir}/${name}/x${i}.npy has per-sample shape [${b}] but ${dir}/train/x${i}.npy has [${a}]`,
        );
      }
    }
  }
  let maxLabel = 0;
  for (const s of [train, test, ...(val ? [val] : [])]) {
    for (const v of s.labels.label) maxLabel = Math.max(maxLabel, v);
  }
  if (maxLabel < 1) {
    throw new Error(`npy dataset: every label in ${dir} is 0; a probe needs at least 2 classes`);
  }
  const ds: MultimodalDataset = {
    name: `npy:${dir}`,
    tasks: ["label"],
    numClasses: { label: maxLabel + 1 },
    ssl: train,
    probeTrain: train,
    probeTest: test,
  };
  if (val) ds.probeVal = val;
  return ds;
}
