/**
 * `--dataset physionet2012`: in-hospital mortality from the PhysioNet/CinC Challenge 2012 (sets a and b, 8000
 * ICU stays), a public analogue of MultiBench's MIMIC task. Task "label" = In-hospital_death (0/1, about 14 %
 * ones).
 *
 * Modality 0, vector [8]: Age, Gender, Height, Weight at admission, ICUType one-hot (4).
 *   Weight at admission = the first positive Weight value of the stay (usually the 00:00 descriptor; when
 *   that is -1, the first later measurement). Missing: -1 or any value <= 0 (Gender: anything but 0/1). Age,
 *   Height and Weight are winsorised at the train 0.5 / 99.5 percentiles (the files hold heights of 13 cm and
 *   4 m). Every column is standardised with the train mean and standard deviation of its observed values;
 *   missing values become 0 after standardisation, i.e. mean imputation.
 * Modality 1, sequence [hours, 36]: the 36 time series below (Weight is left out: it is in modality 0),
 *   binned hourly from admission (an observation at minute m goes to bin floor(m / 60), the last bin also
 *   takes m = 60·hours). Per variable: negative values are treated as missing (-1 placeholders, a few
 *   impossible readings), observations are winsorised at the train 0.5 / 99.5 percentiles (e.g. pH logged as
 *   735), a bin holds the mean of its observations, empty bins are forward-filled from the last filled bin,
 *   then values are standardised with the train mean / std of the observed (not filled) bin means; bins still
 *   empty (before the first observation) become 0 = the train mean. MechVent is only ever recorded as 1, so
 *   for it an empty bin means "not ventilated" = 0 before standardisation and its statistics use every train
 *   bin.
 *
 * Split: the 8000 records (set-a then set-b, each sorted by RecordID) are shuffled with Philox(seed) on
 * `STREAMS.physionet2012.split` (src/random/streams.ts); the first 10 % are val, the next 10 % test, the
 * rest train (the MultiBench MIMIC recipe: val first 10 %, test the next 10 %). ssl = probeTrain = train.
 * All statistics come from train only.
 *
 * @module
 */
import { Philox } from "../random/philox.ts";
import { STREAMS } from "../random/streams.ts";
import type { MultimodalDataset, MultimodalSplit } from "./types.ts";

/** The 36 time-series variables, in modality-1 column order. */
export const PHYSIONET_SERIES: readonly string[] = [
  "HR",
  "MAP",
  "SysABP",
  "DiasABP",
  "NISysABP",
  "NIDiasABP",
  "NIMAP",
  "Urine",
  "Temp",
  "GCS",
  "RespRate",
  "FiO2",
  "MechVent",
  "pH",
  "PaCO2",
  "PaO2",
  "HCT",
  "K",
  "Platelets",
  "Creatinine",
  "BUN",
  "HCO3",
  "Mg",
  "Na",
  "Glucose",
  "WBC",
  "SaO2",
  "Lactate",
  "Bilirubin",
  "AST",
  "ALT",
  "ALP",
  "Albumin",
  "TroponinT",
  "TroponinI",
  "Cholesterol",
]; // deno-fmt-ignore

/** The columns of modality 0. */
export const PHYSIONET_STATIC: readonly string[] = [
  "Age", "Gender", "Height", "Weight", "ICUType1", "ICUType2", "ICUType3", "ICUType4",
]; // deno-fmt-ignore

const SERIES_INDEX = new Map(PHYSIONET_SERIES.map((name, i) => [name, i]));
const MECHVENT = SERIES_INDEX.get("MechVent")!;
const LOW_Q = 0.005, HIGH_Q = 0.995;

/** Options of the PhysioNet 2012 dataset. */
export interface PhysioNet2012Options {
  /** Seed of the train/val/test shuffle (default 0). */
  seed?: number;
  /** Hours from admission, one bin each (default 48, the whole record). */
  hours?: number;
  /** Use only the first ceil(limit/2) records of set-a and floor(limit/2) of set-b (for fast tests). */
  limit?: number;
}

/** One ICU stay as parsed from its file; NaN = missing. */
export interface PhysioNetRecord {
  /** The RecordID descriptor. */
  id: number;
  /** Age in years (NaN when negative). */
  age: number;
  /** 0 or 1 (NaN for anything else). */
  gender: number;
  /** Height in cm (NaN when not positive). */
  height: number;
  /** Weight at admission in kg: the first positive Weight value of the stay (NaN when none). */
  weight: number;
  /** ICUType, 1..4. */
  icuType: number;
  /** Time-series observations, one entry each: the variable's index into PHYSIONET_SERIES. */
  variable: Uint8Array;
  /** Minute since admission of each observation (0..65535). */
  minute: Uint16Array;
  /** Value of each observation (negative readings are dropped as missing). */
  value: Float32Array;
}

/**
 * Parse one `Time,Parameter,Value` record file; `source` names it in errors. Throws on a wrong header, a
 * line that is not `HH:MM,Parameter,Value`, a time outside 0..65535 minutes, or a missing RecordID, Age,
 * Gender, Height or ICUType descriptor.
 */
export function parsePhysioNetRecord(text: string, source: string): PhysioNetRecord {
  const lines = text.split("\n");
  if (!lines[0].startsWith("Time,Parameter,Value")) {
    throw new Error(`physionet2012 ${source}: first line must be "Time,Parameter,Value"`);
  }
  const desc: Record<string, number> = {};
  let weight = NaN;
  const variable = new Uint8Array(lines.length), minute = new Uint16Array(lines.length);
  const value = new Float32Array(lines.length);
  let n = 0;
  for (let li = 1; li < lines.length; li++) {
    const line = lines[li];
    if (line.length < 2) continue;
    const c1 = line.indexOf(","), c2 = line.indexOf(",", c1 + 1), colon = line.indexOf(":");
    if (c1 < 0 || c2 < 0 || colon < 0 || colon > c1) {
      throw new Error(`physionet2012 ${source}:${li + 1}: expected "HH:MM,Parameter,Value", got "${line}"`);
    }
    const name = line.slice(c1 + 1, c2);
    const v = Number(line.slice(c2 + 1));
    const m = Number(line.slice(0, colon)) * 60 + Number(line.slice(colon + 1, c1));
    if (!Number.isFinite(v) || !Number.isFinite(m)) {
      throw new Error(`physionet2012 ${source}:${li + 1}: bad time or value in "${line}"`);
    }
    if (m < 0 || m > 0xffff) {
      // the minute array is Uint16: a later time would silently wrap around
      throw new Error(
        `physionet2012 ${source}:${li + 1}: time ${m} minutes is outside 0..65535 in "${line}"`,
      );
    }
    const k = SERIES_INDEX.get(name);
    if (k !== undefined) {
      if (v < 0) continue;
      variable[n] = k;
      minute[n] = m;
      value[n++] = v;
    } else if (name === "Weight") {
      if (v > 0 && Number.isNaN(weight)) weight = v;
    } else if (!(name in desc)) desc[name] = v;
  }
  for (const name of ["RecordID", "Age", "Gender", "Height", "ICUType"]) {
    if (!(name in desc)) throw new Error(`physionet2012 ${source}: no ${name} line`);
  }
  return {
    id: desc.RecordID,
    age: desc.Age >= 0 ? desc.Age : NaN,
    gender: desc.Gender === 0 || desc.Gender === 1 ? desc.Gender : NaN,
    height: desc.Height > 0 ? desc.Height : NaN,
    weight,
    icuType: desc.ICUType,
    variable: variable.slice(0, n),
    minute: minute.slice(0, n),
    value: value.slice(0, n),
  };
}

/** RecordID -> In-hospital_death from an Outcomes-x.txt file. */
async function readOutcomes(path: string): Promise<Map<number, number>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    throw new Error(`physionet2012: cannot read ${path} (${(err as Error).message})`, { cause: err });
  }
  const lines = text.split("\n");
  const header = lines[0].trim().split(",");
  const idCol = header.indexOf("RecordID"), yCol = header.indexOf("In-hospital_death");
  if (idCol < 0 || yCol < 0) {
    throw new Error(`physionet2012 ${path}: header lacks RecordID or In-hospital_death`);
  }
  const out = new Map<number, number>();
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === "") continue;
    const f = lines[i].split(",");
    const y = Number(f[yCol]);
    if (y !== 0 && y !== 1) {
      throw new Error(`physionet2012 ${path}:${i + 1}: In-hospital_death is "${f[yCol]}"`);
    }
    out.set(Number(f[idCol]), y);
  }
  return out;
}

/** Record files of one set, sorted by RecordID. */
async function listSet(dir: string): Promise<string[]> {
  const ids: number[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      const m = /^(\d+)\.txt$/.exec(e.name);
      if (e.isFile && m) ids.push(Number(m[1]));
    }
  } catch (err) {
    throw new Error(`physionet2012: cannot list ${dir} (${(err as Error).message})`, { cause: err });
  }
  if (ids.length === 0) throw new Error(`physionet2012: no <RecordID>.txt files in ${dir}`);
  return ids.sort((a, b) => a - b).map((id) => `${dir}/${id}.txt`);
}

async function readRecords(files: string[]): Promise<PhysioNetRecord[]> {
  const out: PhysioNetRecord[] = [];
  const chunk = 128;
  for (let i = 0; i < files.length; i += chunk) {
    const texts = await Promise.all(files.slice(i, i + chunk).map((f) => Deno.readTextFile(f)));
    texts.forEach((t, j) => out.push(parsePhysioNetRecord(t, files[i + j])));
  }
  return out;
}

/** The q-quantile (nearest rank) of the values, which are sorted in place. */
function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
}

/** Winsorising bounds [lo, hi] of the non-NaN values. */
function bounds(values: number[]): [number, number] {
  const s = Float64Array.from(values.filter((v) => !Number.isNaN(v))).sort();
  return s.length === 0 ? [-Infinity, Infinity] : [quantile(s, LOW_Q), quantile(s, HIGH_Q)];
}

/** Mean and std (std 1 when degenerate) of the non-NaN values. */
function moments(values: ArrayLike<number>): [number, number] {
  let n = 0, s = 0, s2 = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue;
    n++;
    s += v;
    s2 += v * v;
  }
  if (n === 0) return [0, 1];
  const mean = s / n, std = Math.sqrt(Math.max(s2 / n - mean * mean, 0));
  return [mean, std > 1e-8 ? std : 1];
}

const clip = (v: number, b: [number, number]): number => Math.min(b[1], Math.max(b[0], v));

/**
 * Build the dataset from `dataDir`, which holds physionet2012/set-a/, set-b/ (one `<RecordID>.txt` per stay),
 * Outcomes-a.txt and Outcomes-b.txt. Throws when hours is not an integer in [1, 48] or limit not an integer
 * >= 10, and naming the file when one cannot be read or parsed or a record has no outcome.
 *
 * @example
 * ```ts
 * import { makePhysioNet2012Dataset } from "./src/data/physionet2012.ts";
 * const ds = await makePhysioNet2012Dataset("data", { hours: 24, limit: 200 });
 * console.log(ds.ssl.modalities.map((m) => m.shape)); // [[160, 8], [160, 24, 36]]
 * ```
 */
export async function makePhysioNet2012Dataset(
  dataDir: string,
  opts: PhysioNet2012Options = {},
): Promise<MultimodalDataset> {
  const seed = opts.seed ?? 0, hours = opts.hours ?? 48;
  if (!Number.isInteger(hours) || hours < 1 || hours > 48) {
    throw new Error(`physionet2012: hours must be an integer in [1, 48], got ${hours}`);
  }
  if (opts.limit !== undefined && !(Number.isInteger(opts.limit) && opts.limit >= 10)) {
    throw new Error(`physionet2012: limit must be an integer >= 10, got ${opts.limit}`);
  }
  const root = `${dataDir}/physionet2012`;
  let filesA = await listSet(`${root}/set-a`), filesB = await listSet(`${root}/set-b`);
  if (opts.limit !== undefined) {
    filesA = filesA.slice(0, Math.ceil(opts.limit / 2));
    filesB = filesB.slice(0, Math.floor(opts.limit / 2));
  }
  const outcomes = new Map([
    ...await readOutcomes(`${root}/Outcomes-a.txt`),
    ...await readOutcomes(`${root}/Outcomes-b.txt`),
  ]);
  const files = [...filesA, ...filesB];
  const records = await readRecords(files);
  const y = Int32Array.from(records, (r, i) => {
    const v = outcomes.get(r.id);
    if (v === undefined) throw new Error(`physionet2012: RecordID ${r.id} (${files[i]}) has no outcome`);
    return v;
  });

  const n = records.length;
  const perm = new Philox(seed, STREAMS.physionet2012.split).permutation(n);
  const nVal = Math.round(n / 10), nTest = Math.round(n / 10);
  const valIdx = Array.from(perm.subarray(0, nVal));
  const testIdx = Array.from(perm.subarray(nVal, nVal + nTest));
  const trainIdx = Array.from(perm.subarray(nVal + nTest));
  const train = trainIdx.map((i) => records[i]);

  // ---- modality 0: static descriptors ----
  const cont = ["age", "height", "weight"] as const;
  const staticBounds = Object.fromEntries(cont.map((k) => [k, bounds(train.map((r) => r[k]))]));
  const rawStatic = (r: PhysioNetRecord): number[] => [
    clip(r.age, staticBounds.age),
    r.gender,
    clip(r.height, staticBounds.height),
    clip(r.weight, staticBounds.weight),
    ...[1, 2, 3, 4].map((t) => (r.icuType === t ? 1 : 0)),
  ]; // clip keeps NaN as NaN
  const nStatic = PHYSIONET_STATIC.length;
  const staticMoments = PHYSIONET_STATIC.map((_, j) => moments(train.map((r) => rawStatic(r)[j])));

  // ---- modality 1: time series ----
  const nVar = PHYSIONET_SERIES.length, lastMinute = 60 * hours;
  const obsByVar: number[][] = Array.from({ length: nVar }, () => []);
  for (const r of train) {
    for (let k = 0; k < r.value.length; k++) {
      if (r.minute[k] <= lastMinute) obsByVar[r.variable[k]].push(r.value[k]);
    }
  }
  const seriesBounds = obsByVar.map(bounds);
  /** [hours, nVar] bin means (NaN = empty) and the forward-filled copy. */
  const binRecord = (r: PhysioNetRecord): { observed: Float64Array; filled: Float64Array } => {
    const sum = new Float64Array(hours * nVar), cnt = new Float64Array(hours * nVar);
    for (let k = 0; k < r.value.length; k++) {
      if (r.minute[k] > lastMinute) continue;
      const h = Math.min(hours - 1, Math.floor(r.minute[k] / 60)), v = r.variable[k];
      sum[h * nVar + v] += clip(r.value[k], seriesBounds[v]);
      cnt[h * nVar + v]++;
    }
    const observed = new Float64Array(hours * nVar), filled = new Float64Array(hours * nVar);
    for (let v = 0; v < nVar; v++) {
      let last = v === MECHVENT ? 0 : NaN;
      for (let h = 0; h < hours; h++) {
        const i = h * nVar + v;
        observed[i] = cnt[i] > 0 ? sum[i] / cnt[i] : NaN;
        if (cnt[i] > 0) last = observed[i];
        filled[i] = last;
      }
    }
    return { observed, filled };
  };
  const trainBins = train.map(binRecord);
  const seriesMoments = PHYSIONET_SERIES.map((_, v) => {
    const vals: number[] = [];
    for (const b of trainBins) {
      const src = v === MECHVENT ? b.filled : b.observed;
      for (let h = 0; h < hours; h++) vals.push(src[h * nVar + v]);
    }
    return moments(vals);
  });

  const makeSplit = (idx: number[]): MultimodalSplit => {
    const m = idx.length;
    const xs = new Float32Array(m * nStatic), xt = new Float32Array(m * hours * nVar);
    idx.forEach((i, row) => {
      const raw = rawStatic(records[i]);
      for (let j = 0; j < nStatic; j++) {
        const [mu, sd] = staticMoments[j];
        xs[row * nStatic + j] = Number.isNaN(raw[j]) ? 0 : (raw[j] - mu) / sd;
      }
      const { filled } = binRecord(records[i]);
      for (let h = 0; h < hours; h++) {
        for (let v = 0; v < nVar; v++) {
          const val = filled[h * nVar + v], [mu, sd] = seriesMoments[v];
          xt[(row * hours + h) * nVar + v] = Number.isNaN(val) ? 0 : (val - mu) / sd;
        }
      }
    });
    return {
      modalities: [
        { kind: "vector", shape: [m, nStatic], data: xs },
        { kind: "sequence", shape: [m, hours, nVar], data: xt },
      ],
      labels: { label: Int32Array.from(idx, (i) => y[i]) },
    };
  };
  const trainSplit = makeSplit(trainIdx);
  return {
    name: "physionet2012",
    tasks: ["label"],
    numClasses: { label: 2 },
    ssl: trainSplit,
    probeTrain: trainSplit,
    probeVal: makeSplit(valIdx),
    probeTest: makeSplit(testIdx),
  };
}
