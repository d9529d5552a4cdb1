/**
 * On-disk cache of generated datasets: `<cacheDir>/<key>-<hash of options>/` holds one raw
 * little-endian file per array (`<split>.x<i>.f32`, `<split>.y.<task>.i32`) and `manifest.json`.
 * A directory is written under a temporary name and renamed into place, so a reader sees either
 * nothing or a complete dataset, also with concurrent writers.
 *
 * @module
 */
import type { ModalityArray, ModalityKind, MultimodalDataset, MultimodalSplit } from "./types.ts";

/** Default cache root, relative to the working directory. */
export const DEFAULT_DATASET_CACHE_DIR = ".cache/datasets";
/**
 * Version of the cached data, part of every cache name and manifest: bumped whenever a generator's
 * output for the same options changes, so stale entries are never reused.
 * 2: the random streams moved to src/random/streams.ts (trifeatures, avmnist and physionet2012 draw on
 * new ids) and the synthetic / trifeatures defaults changed.
 * 3: avmnist removes 75 % of the images' principal energy and mixes noise into the audio by default;
 * trifeatures holds 10,000 probe-train pairs and renders from the data seed only.
 */
const FORMAT = 3;
const SPLITS = ["ssl", "probeTrain", "probeVal", "probeTest"] as const;
type SplitName = typeof SPLITS[number];
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface SplitManifest {
  modalities: { kind: ModalityKind; shape: number[]; file: string }[];
  labels: Record<string, string>;
}

interface Manifest {
  format: number;
  name: string;
  key: string;
  options: unknown;
  tasks: string[];
  numClasses: Record<string, number>;
  splits: Partial<Record<SplitName, SplitManifest>>;
}

/** JSON with object keys sorted, so equal options give equal text. */
export function stableStringify(v: unknown): string {
  if (v === undefined) return "null";
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(",")}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`).join(",")}}`;
}

/** Directory name for a dataset: `<key>-<first 16 hex of SHA-256(format, options)>`. */
export async function datasetCacheName(key: string, opts: unknown): Promise<string> {
  if (!/^[A-Za-z0-9_.-]+$/.test(key)) {
    throw new Error(`dataset cache: key "${key}" may only hold letters, digits, '_', '.', '-'`);
  }
  const bytes = new TextEncoder().encode(`${FORMAT}:${stableStringify(opts)}`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const hex = Array.from(digest.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
  return `${key}-${hex}`;
}

function toLeBytes(a: Float32Array | Int32Array): Uint8Array {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (LITTLE_ENDIAN) return bytes;
  const out = new Uint8Array(a.byteLength);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) {
    if (a instanceof Float32Array) dv.setFloat32(4 * i, a[i], true);
    else dv.setInt32(4 * i, a[i], true);
  }
  return out;
}

async function readArray<T extends Float32Array | Int32Array>(
  path: string,
  count: number,
  ctor: { new (b: ArrayBuffer): T; new (n: number): T },
): Promise<T> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (err) {
    throw new Error(`dataset cache: cannot read ${path} (${(err as Error).message})`, { cause: err });
  }
  if (bytes.byteLength !== 4 * count) {
    throw new Error(`dataset cache: ${path} has ${bytes.byteLength} bytes, expected ${4 * count}`);
  }
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  if (LITTLE_ENDIAN) return new ctor(buf);
  const out = new ctor(count);
  const dv = new DataView(buf);
  for (let i = 0; i < count; i++) {
    out[i] = out instanceof Float32Array ? dv.getFloat32(4 * i, true) : dv.getInt32(4 * i, true);
  }
  return out;
}

function checkSplit(name: string, s: MultimodalSplit): void {
  const n = s.modalities[0]?.shape[0];
  if (n === undefined) throw new Error(`dataset cache: split ${name} has no modalities`);
  s.modalities.forEach((m, i) => {
    const size = m.shape.reduce((a, b) => a * b, 1);
    if (m.shape[0] !== n || m.data.length !== size) {
      throw new Error(
        `dataset cache: split ${name} modality ${i} shape [${m.shape}] / length ${m.data.length} mismatch`,
      );
    }
  });
  for (const [t, y] of Object.entries(s.labels)) {
    if (y.length !== n) {
      throw new Error(`dataset cache: split ${name} labels ${t} has ${y.length} rows, not ${n}`);
    }
  }
}

/** Write a dataset into directory `dir` (which must not exist yet). */
export async function writeDatasetDir(
  dir: string,
  ds: MultimodalDataset,
  key: string,
  opts: unknown,
): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const manifest: Manifest = {
    format: FORMAT,
    name: ds.name,
    key,
    options: JSON.parse(stableStringify(opts)),
    tasks: ds.tasks,
    numClasses: ds.numClasses,
    splits: {},
  };
  for (const sn of SPLITS) {
    const s = ds[sn];
    if (!s) continue;
    checkSplit(sn, s);
    const sm: SplitManifest = { modalities: [], labels: {} };
    for (let i = 0; i < s.modalities.length; i++) {
      const m = s.modalities[i];
      const file = `${sn}.x${i}.f32`;
      await Deno.writeFile(`${dir}/${file}`, toLeBytes(m.data));
      sm.modalities.push({ kind: m.kind, shape: m.shape, file });
    }
    for (const [t, y] of Object.entries(s.labels)) {
      const file = `${sn}.y.${t.replace(/[^A-Za-z0-9_.-]/g, "_")}.i32`;
      await Deno.writeFile(`${dir}/${file}`, toLeBytes(y));
      sm.labels[t] = file;
    }
    manifest.splits[sn] = sm;
  }
  await Deno.writeTextFile(`${dir}/manifest.json`, JSON.stringify(manifest, null, 1));
}

const KINDS: readonly string[] = ["vector", "sequence", "image"];

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** A plain file name inside the cache directory (no separators, not "." or ".."). */
function isFileName(v: unknown): v is string {
  return typeof v === "string" && /^[A-Za-z0-9_.-]+$/.test(v) && v !== "." && v !== "..";
}

/** Read a dataset written by writeDatasetDir. Errors name the directory and what is wrong. */
export async function readDatasetDir(dir: string): Promise<MultimodalDataset> {
  const manifestPath = `${dir}/manifest.json`;
  const bad = (msg: string): never => {
    throw new Error(`dataset cache: ${manifestPath}: ${msg}`);
  };
  let text: string;
  try {
    text = await Deno.readTextFile(manifestPath);
  } catch (err) {
    throw new Error(`dataset cache: cannot read ${manifestPath} (${(err as Error).message})`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return bad(`not valid JSON (${(err as Error).message})`);
  }
  if (!isObject(parsed)) return bad("not a JSON object");
  const manifest = parsed as unknown as Manifest;
  if (manifest.format !== FORMAT) {
    throw new Error(`dataset cache: ${dir}/manifest.json has format ${manifest.format}, expected ${FORMAT}`);
  }
  if (typeof manifest.name !== "string") bad("name must be a string");
  if (!Array.isArray(manifest.tasks) || !manifest.tasks.every((t) => typeof t === "string")) {
    bad("tasks must be an array of strings");
  }
  if (!isObject(manifest.numClasses)) bad("numClasses must be an object");
  const readSplit = async (sn: string, sm: unknown): Promise<MultimodalSplit> => {
    if (
      !isObject(sm) || !Array.isArray(sm.modalities) || sm.modalities.length === 0 || !isObject(sm.labels)
    ) {
      return bad(`split ${sn} needs a non-empty modalities array and a labels object`);
    }
    const modalities: ModalityArray[] = [];
    let n = -1;
    for (const [i, m] of (sm.modalities as unknown[]).entries()) {
      if (
        !isObject(m) || typeof m.kind !== "string" || !KINDS.includes(m.kind) || !isFileName(m.file) ||
        !Array.isArray(m.shape) || m.shape.length === 0 ||
        !m.shape.every((d) => Number.isSafeInteger(d) && d >= 0)
      ) {
        return bad(
          `split ${sn} modality ${i} needs a kind, a file name and a shape of non-negative integers, got ${
            JSON.stringify(m)
          }`,
        );
      }
      const shape = m.shape as number[];
      if (n >= 0 && shape[0] !== n) {
        bad(`split ${sn} modality ${i} has ${shape[0]} samples, modality 0 has ${n}`);
      }
      n = shape[0];
      // the count is only compared with the file's byte length before anything is allocated
      const count = shape.reduce((a, b) => a * b, 1);
      modalities.push({
        kind: m.kind as ModalityKind,
        shape,
        data: await readArray(`${dir}/${m.file}`, count, Float32Array),
      });
    }
    const labels: Record<string, Int32Array> = {};
    for (const [t, file] of Object.entries(sm.labels)) {
      if (!isFileName(file)) bad(`split ${sn} labels ${t}: bad file name ${JSON.stringify(file)}`);
      labels[t] = await readArray(`${dir}/${file}`, n, Int32Array);
    }
    return { modalities, labels };
  };
  const s = manifest.splits;
  if (!isObject(s) || !s.ssl || !s.probeTrain || !s.probeTest) {
    throw new Error(`dataset cache: ${dir}/manifest.json lacks a split`);
  }
  const ds: MultimodalDataset = {
    name: manifest.name,
    tasks: manifest.tasks,
    numClasses: manifest.numClasses,
    ssl: await readSplit("ssl", s.ssl),
    probeTrain: await readSplit("probeTrain", s.probeTrain),
    probeTest: await readSplit("probeTest", s.probeTest),
  };
  if (s.probeVal) ds.probeVal = await readSplit("probeVal", s.probeVal);
  return ds;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** Options of loadOrMake. */
export interface CacheOptions {
  /** Cache root (default DEFAULT_DATASET_CACHE_DIR). */
  cacheDir?: string;
  /** Skip the cache entirely (always make, never write). */
  disabled?: boolean;
}

/**
 * Load the dataset cached under (key, opts), or make it, cache it atomically and return it.
 * A damaged cache entry is removed and remade. `opts` must be JSON-serialisable and hold
 * everything the dataset depends on (seed, sizes, ...).
 */
export async function loadOrMake(
  key: string,
  opts: unknown,
  make: () => MultimodalDataset | Promise<MultimodalDataset>,
  cache: CacheOptions = {},
): Promise<MultimodalDataset> {
  if (cache.disabled) return await make();
  const root = cache.cacheDir ?? DEFAULT_DATASET_CACHE_DIR;
  const dir = `${root}/${await datasetCacheName(key, opts)}`;
  if (await exists(`${dir}/manifest.json`)) {
    try {
      return await readDatasetDir(dir);
    } catch (e) {
      console.warn(`dataset cache: ${dir} is unreadable (${(e as Error).message}); remaking it`);
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  } else if (await exists(dir)) {
    await Deno.remove(dir, { recursive: true }).catch(() => {}); // a directory without manifest is debris
  }
  const ds = await make();
  await Deno.mkdir(root, { recursive: true });
  const tmp = `${dir}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await writeDatasetDir(tmp, ds, key, opts);
    await Deno.rename(tmp, dir);
  } catch (e) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    // Another process may have renamed its copy into place first; that copy is as good as ours.
    if (!(await exists(`${dir}/manifest.json`))) throw e;
  }
  return ds;
}
