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
async function spectrograms(recs: Recording[], frames: number, melBins: number): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  const chunk = 64;
  for (let i = 0; i < recs.length; i += chunk) {
    const wavs = await Promise.all(recs.slice(i, i + chunk).map((r) => readWav(r.file)));
    wavs.forEach((w, j) => {
      if (w.channels.length !== 1) throw new Error(`avmnist: ${recs[i + j].file} is not mono`);
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

  const specs = await spectrograms(used, frames, melBins);
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

  const makeSplit = (p: { img: number[]; rec: number[] }): MultimodalSplit => {
    const n = p.img.length, per = frames * melBins;
    const audio = new Float32Array(n * per);
    p.rec.forEach((r, k) => {
      const s = specs[r];
      for (let i = 0; i < per; i++) audio[k * per + i] = (s[i] - mean[i % melBins]) / std[i % melBins];
    });
    return {
      modalities: [
        { kind: "image", shape: [n, 1, size, size], data: poolImages(pixels, p.img, size) },
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
