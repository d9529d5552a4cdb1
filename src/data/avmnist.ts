/**
 * `--dataset avmnist`: an audio-visual digit dataset built from what is on disk, in the spirit of AV-MNIST
 * (Vielzeuf et al. 2018): modality 0 = an MNIST t10k image [1, S, S] in [0, 1], modality 1 = a spoken digit
 * from the Free Spoken Digit Dataset as a standardised log-mel spectrogram [T, F].
 *
 * Pairing: each MNIST image is paired with a recording of the SAME digit, drawn uniformly at random (seeded,
 * with replacement) from that split's recordings. The digit is therefore fully redundant across the two
 * modalities: either one alone determines the label, and the only shared information is the digit (speaker,
 * handwriting style and so on are independent between the modalities). Task "label" = the digit, 10 classes.
 *
 * Splits (image and recording pools are disjoint between splits):
 *   test  = t10k images [0, testImages)                      with FSDD takes 0-4 (FSDD's official test split)
 *   val   = t10k images [testImages, testImages + valImages) with FSDD takes 5-9
 *   train = the remaining t10k images                        with FSDD takes 10-49
 * ssl = probeTrain = train, probeVal = val, probeTest = test. Only the t10k images are on disk (the 60k MNIST
 * training images are not), hence the 10k images are split here.
 *
 * Audio features: 16-bit PCM / 32768, 256-point periodic-Hann frames with hop 128 (32 ms / 16 ms at 8 kHz),
 * power spectrum, 32 HTK-mel triangles on 0-4 kHz, ln(energy + 1e-6); the frames are centre-cropped or
 * centre-padded with ln(1e-6) (silence) to `frames`, then each mel band is standardised with the mean and
 * standard deviation of that band over the train recordings. Randomness: Philox(seed) on
 * `STREAMS.avmnist.trainPairs` / `valPairs` / `testPairs` (src/random/streams.ts) picks the recordings
 * for the train/val/test pairs.
 *
 * @module
 */
import { Philox } from "../random/philox.ts";
import { STREAMS } from "../random/streams.ts";
import { readIdx } from "./idx.ts";
import { fitFrames, logMelSpectrogram } from "./spectrogram.ts";
import type { MultimodalDataset, MultimodalSplit } from "./types.ts";
import { readWav } from "./wav.ts";

/** Options of the AV-MNIST dataset. */
export interface AvMnistOptions {
  /** Seed of the image-recording pairing (default 0). */
  seed?: number;
  /** Image side S after average pooling; must divide 28 (default 28). */
  imageSize?: number;
  /** Spectrogram frames T (default 32, about 0.53 s). */
  frames?: number;
  /** Mel bands F (default 32). */
  melBins?: number;
  /** t10k images used for the test split (default 2000). */
  testImages?: number;
  /** t10k images used for the validation split (default 1000). */
  valImages?: number;
  /** Cap the pairs of every split (for fast tests); reads only the recordings needed then. */
  limit?: number;
  /**
   * Fraction of the images' variance removed by PCA (default 0.75, as AV-MNIST removes 75 % of MNIST's
   * energy): the leading principal directions of the train images that together hold this fraction of the
   * variance are projected out of every image; 0 keeps the images as they are.
   */
  imageEnergyRemoved?: number;
  /**
   * Signal-to-noise ratio in dB of the white Gaussian noise mixed into every recording before its
   * spectrogram (default 0 dB: noise as loud as the speech; AV-MNIST mixes in ESC-50 noise, which is not on
   * disk); null: no noise.
   */
  audioSnrDb?: number | null;
}

/** At most this many principal directions are projected out (block power iteration's width). */
export const MAX_PCA_DIRECTIONS = 128;

/**
 * Projects out of `x` ([n, d] rows, in place) the leading principal directions of the rows `fit` that hold
 * at least `fraction` of their variance (about the fit rows' mean, which stays). Block power iteration on
 * the d x d covariance with Gram-Schmidt, 40 rounds, float64. Returns the directions removed and the
 * variance fraction they hold. Throws when more than MAX_PCA_DIRECTIONS would be needed.
 */
export function removePrincipalEnergy(
  x: Float32Array,
  d: number,
  fit: number[],
  fraction: number,
): { directions: number; fraction: number } {
  const n = fit.length;
  const mean = new Float64Array(d);
  for (const r of fit) for (let j = 0; j < d; j++) mean[j] += x[r * d + j] / n;
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (const r of fit) {
    for (let j = 0; j < d; j++) row[j] = x[r * d + j] - mean[j];
    for (let a = 0; a < d; a++) {
      const va = row[a] / n;
      if (va === 0) continue;
      const o = a * d;
      for (let b = a; b < d; b++) cov[o + b] += va * row[b];
    }
  }
  let trace = 0;
  for (let a = 0; a < d; a++) {
    trace += cov[a * d + a];
    for (let b = 0; b < a; b++) cov[a * d + b] = cov[b * d + a];
  }
  const k = Math.min(MAX_PCA_DIRECTIONS, d);
  // Deterministic start: the first k coordinate directions, rotated by the covariance itself.
  let v = new Float64Array(k * d);
  for (let i = 0; i < k; i++) v[i * d + ((i * 7) % d)] = 1;
  const w = new Float64Array(k * d);
  const orthonormalize = (m: Float64Array) => {
    for (let i = 0; i < k; i++) {
      const vi = m.subarray(i * d, i * d + d);
      for (let p = 0; p < i; p++) {
        const vp = m.subarray(p * d, p * d + d);
        let dot = 0;
        for (let j = 0; j < d; j++) dot += vi[j] * vp[j];
        for (let j = 0; j < d; j++) vi[j] -= dot * vp[j];
      }
      let norm = 0;
      for (let j = 0; j < d; j++) norm += vi[j] * vi[j];
      norm = Math.sqrt(norm) || 1;
      for (let j = 0; j < d; j++) vi[j] /= norm;
    }
  };
  for (let round = 0; round < 40; round++) {
    w.fill(0);
    for (let i = 0; i < k; i++) {
      const vi = v.subarray(i * d, i * d + d), wi = w.subarray(i * d, i * d + d);
      for (let a = 0; a < d; a++) {
        let s = 0;
        const o = a * d;
        for (let b = 0; b < d; b++) s += cov[o + b] * vi[b];
        wi[a] = s;
      }
    }
    orthonormalize(w);
    v = w.slice();
  }
  // Rayleigh quotients, largest first (Gram-Schmidt keeps the block ordered by variance after convergence).
  const lambda = Array.from({ length: k }, (_, i) => {
    const vi = v.subarray(i * d, i * d + d);
    let s = 0;
    for (let a = 0; a < d; a++) {
      let t = 0;
      for (let b = 0; b < d; b++) t += cov[a * d + b] * vi[b];
      s += vi[a] * t;
    }
    return s;
  });
  let used = 0, held = 0;
  while (used < k && held < fraction * trace) held += lambda[used++];
  if (held < fraction * trace) {
    throw new Error(
      `avmnist: ${MAX_PCA_DIRECTIONS} principal directions hold only ${(held / trace).toFixed(3)} of the ` +
        `variance, less than imageEnergyRemoved ${fraction}`,
    );
  }
  const rows = x.length / d;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < d; j++) row[j] = x[r * d + j] - mean[j];
    for (let i = 0; i < used; i++) {
      const vi = v.subarray(i * d, i * d + d);
      let dot = 0;
      for (let j = 0; j < d; j++) dot += row[j] * vi[j];
      for (let j = 0; j < d; j++) row[j] -= dot * vi[j];
    }
    for (let j = 0; j < d; j++) x[r * d + j] = row[j] + mean[j];
  }
  return { directions: used, fraction: held / trace };
}

/** Adds white Gaussian noise at `snrDb` to `x` in place, drawn from `rng` (the signal power is x's mean square). */
export function mixNoise(x: Float32Array, snrDb: number, rng: Philox): void {
  let power = 0;
  for (let i = 0; i < x.length; i++) power += x[i] * x[i];
  power /= Math.max(x.length, 1);
  const sigma = Math.sqrt(power / Math.pow(10, snrDb / 10));
  const z = rng.normal(x.length);
  for (let i = 0; i < x.length; i++) x[i] += sigma * z[i];
}

const AUDIO_FLOOR = 1e-6;
const SPLIT_TAKES: Record<"train" | "val" | "test", [number, number]> = {
  test: [0, 4],
  val: [5, 9],
  train: [10, 49],
};

interface Recording {
  file: string;
  digit: number;
  take: number;
}

function checkInt(name: string, v: number, min: number, max = Infinity): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new Error(`avmnist: ${name} must be an integer in [${min}, ${max}], got ${v}`);
  }
}

/** FSDD recordings under `dir`, sorted by file name, parsed from `{digit}_{speaker}_{take}.wav`. */
async function listRecordings(dir: string): Promise<Recording[]> {
  const out: Recording[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      const m = /^(\d)_([A-Za-z0-9]+)_(\d+)\.wav$/.exec(e.name);
      if (e.isFile && m) out.push({ file: `${dir}/${e.name}`, digit: Number(m[1]), take: Number(m[3]) });
    }
  } catch (err) {
    throw new Error(`avmnist: cannot list FSDD recordings in ${dir} (${(err as Error).message})`, {
      cause: err,
    });
  }
  if (out.length === 0) throw new Error(`avmnist: no {digit}_{speaker}_{take}.wav files in ${dir}`);
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/** Fixed-size log-mel spectrograms [frames, melBins] of the recordings, read concurrently in chunks. */
async function spectrograms(
  recs: Recording[],
  frames: number,
  melBins: number,
  noise: { snrDb: number; seed: number; index: (r: Recording) => number } | null,
): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  const chunk = 64;
  for (let i = 0; i < recs.length; i += chunk) {
    const wavs = await Promise.all(recs.slice(i, i + chunk).map((r) => readWav(r.file)));
    wavs.forEach((w, j) => {
      if (w.channels.length !== 1) throw new Error(`avmnist: ${recs[i + j].file} is not mono`);
      if (noise) {
        // each recording's noise depends only on the data seed and the recording, not on which are used
        const rng = new Philox(noise.seed, STREAMS.avmnist.audioNoise);
        rng.skip(BigInt(noise.index(recs[i + j])) << 20n);
        mixNoise(w.channels[0], noise.snrDb, rng);
      }
      const s = logMelSpectrogram(w.channels[0], {
        sampleRate: w.sampleRate,
        nMels: melBins,
        floor: AUDIO_FLOOR,
      });
      out.push(fitFrames(s.data, s.frames, melBins, frames, Math.log(AUDIO_FLOOR)));
    });
  }
  return out;
}

/** Average-pool [n, 28, 28] uint8 images to [n, 1, size, size] in [0, 1]. */
function poolImages(pixels: Uint8Array, index: number[], size: number): Float32Array {
  const f = 28 / size, area = f * f * 255;
  const out = new Float32Array(index.length * size * size);
  index.forEach((img, n) => {
    const base = img * 784;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        let s = 0;
        for (let dy = 0; dy < f; dy++) {
          for (let dx = 0; dx < f; dx++) s += pixels[base + (y * f + dy) * 28 + x * f + dx];
        }
        out[(n * size + y) * size + x] = s / area;
      }
    }
  });
  return out;
}

/**
 * Build the AV-MNIST-style dataset from `dataDir`, which holds mnist/t10k-images-idx3-ubyte.gz,
 * mnist/t10k-labels-idx1-ubyte.gz and fsdd/recordings/{digit}_{speaker}_{take}.wav (8 kHz mono).
 *
 * Throws naming the option when one is out of range (imageSize must divide 28), and naming the file or folder
 * when the MNIST files are missing or not 10000 28x28 images, a recording cannot be read or is not mono, or
 * a split has no recording of some digit.
 *
 * @example
 * ```ts
 * import { makeAvMnistDataset } from "./src/data/avmnist.ts";
 * const ds = await makeAvMnistDataset("data", { imageSize: 14, limit: 200 });
 * console.log(ds.ssl.modalities.map((m) => m.shape)); // [[200, 1, 14, 14], [200, 32, 32]]
 * ```
 */
export async function makeAvMnistDataset(
  dataDir: string,
  opts: AvMnistOptions = {},
): Promise<MultimodalDataset> {
  const seed = opts.seed ?? 0, size = opts.imageSize ?? 28, frames = opts.frames ?? 32;
  const melBins = opts.melBins ?? 32,
    testImages = opts.testImages ?? 2000,
    valImages = opts.valImages ?? 1000;
  const limit = opts.limit ?? Infinity;
  const energyRemoved = opts.imageEnergyRemoved ?? 0.75;
  const snrDb = opts.audioSnrDb === undefined ? 0 : opts.audioSnrDb;
  if (!(energyRemoved >= 0 && energyRemoved < 1)) {
    throw new Error(`avmnist: imageEnergyRemoved must be in [0, 1), got ${energyRemoved}`);
  }
  if (snrDb !== null && !Number.isFinite(snrDb)) {
    throw new Error(`avmnist: audioSnrDb must be a number (dB) or null, got ${snrDb}`);
  }
  checkInt("imageSize", size, 1, 28);
  if (28 % size !== 0) throw new Error(`avmnist: imageSize must divide 28 (1, 2, 4, 7, 14, 28), got ${size}`);
  checkInt("frames", frames, 1);
  checkInt("melBins", melBins, 1, 128);
  checkInt("testImages", testImages, 1, 9998);
  checkInt("valImages", valImages, 1, 9999 - testImages);
  if (opts.limit !== undefined) checkInt("limit", limit, 1);

  const images = await readIdx(`${dataDir}/mnist/t10k-images-idx3-ubyte.gz`);
  const labels = await readIdx(`${dataDir}/mnist/t10k-labels-idx1-ubyte.gz`);
  if (images.shape.join() !== "10000,28,28" || labels.shape.join() !== "10000") {
    throw new Error(
      `avmnist: expected 10000 28x28 MNIST t10k images and labels, got [${images.shape}] and [${labels.shape}]`,
    );
  }
  const pixels = images.data as Uint8Array, digits = labels.data as Uint8Array;

  const recs = await listRecordings(`${dataDir}/fsdd/recordings`);
  const ranges: Record<"train" | "val" | "test", [number, number]> = {
    test: [0, testImages],
    val: [testImages, testImages + valImages],
    train: [testImages + valImages, 10000],
  };
  // Pairs: image index -> recording index (into `used`), per split.
  const used: Recording[] = [];
  const usedIndex = new Map<Recording, number>();
  const pairs = {} as Record<"train" | "val" | "test", { img: number[]; rec: number[] }>;
  (["train", "val", "test"] as const).forEach((name) => {
    const [t0, t1] = SPLIT_TAKES[name];
    const byDigit: Recording[][] = Array.from({ length: 10 }, () => []);
    for (const r of recs) if (r.take >= t0 && r.take <= t1) byDigit[r.digit].push(r);
    const [i0, i1] = ranges[name];
    const img: number[] = [];
    for (let i = i0; i < i1 && img.length < limit; i++) img.push(i);
    const draws = new Philox(seed, STREAMS.avmnist[`${name}Pairs`]).uniform(Math.max(img.length, 1));
    const rec = img.map((i, k) => {
      const pool = byDigit[digits[i]];
      if (pool.length === 0) {
        throw new Error(`avmnist: no ${name} recordings (takes ${t0}-${t1}) of digit ${digits[i]}`);
      }
      const r = pool[Math.min(pool.length - 1, Math.floor(draws[k] * pool.length))];
      if (!usedIndex.has(r)) {
        usedIndex.set(r, used.length);
        used.push(r);
      }
      return usedIndex.get(r)!;
    });
    pairs[name] = { img, rec };
  });

  const recIndex = new Map(recs.map((r, i) => [r, i]));
  const specs = await spectrograms(
    used,
    frames,
    melBins,
    snrDb === null ? null : { snrDb, seed, index: (r) => recIndex.get(r)! },
  );
  // Per-band standardisation with the statistics of the recordings used for training.
  const trainRecs = [...new Set(pairs.train.rec)];
  const mean = new Float64Array(melBins), sq = new Float64Array(melBins);
  for (const r of trainRecs) {
    const s = specs[r];
    for (let i = 0; i < s.length; i++) {
      mean[i % melBins] += s[i];
      sq[i % melBins] += s[i] * s[i];
    }
  }
  const count = trainRecs.length * frames;
  const std = new Float64Array(melBins);
  for (let j = 0; j < melBins; j++) {
    mean[j] /= count;
    std[j] = Math.sqrt(Math.max(sq[j] / count - mean[j] * mean[j], 0)) || 1;
  }

  // Images of every split, [n, size²] in [0, 1]; then the train images' leading principal energy removed.
  const allImg = [...pairs.train.img, ...pairs.val.img, ...pairs.test.img];
  const d = size * size;
  const pooled = poolImages(pixels, allImg, size);
  if (energyRemoved > 0) removePrincipalEnergy(pooled, d, pairs.train.img.map((_, k) => k), energyRemoved);
  const rowOf = new Map(allImg.map((img, k) => [img, k]));
  const imagesOf = (img: number[]): Float32Array => {
    const out = new Float32Array(img.length * d);
    img.forEach((i, k) => out.set(pooled.subarray(rowOf.get(i)! * d, rowOf.get(i)! * d + d), k * d));
    return out;
  };

  const makeSplit = (p: { img: number[]; rec: number[] }): MultimodalSplit => {
    const n = p.img.length, per = frames * melBins;
    const audio = new Float32Array(n * per);
    p.rec.forEach((r, k) => {
      const s = specs[r];
      for (let i = 0; i < per; i++) audio[k * per + i] = (s[i] - mean[i % melBins]) / std[i % melBins];
    });
    return {
      modalities: [
        { kind: "image", shape: [n, 1, size, size], data: imagesOf(p.img) },
        { kind: "sequence", shape: [n, frames, melBins], data: audio },
      ],
      labels: { label: Int32Array.from(p.img, (i) => digits[i]) },
    };
  };
  const train = makeSplit(pairs.train);
  return {
    name: "avmnist",
    tasks: ["label"],
    numClasses: { label: 10 },
    ssl: train,
    probeTrain: train,
    probeVal: makeSplit(pairs.val),
    probeTest: makeSplit(pairs.test),
  };
}
