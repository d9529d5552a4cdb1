import assert from "node:assert/strict";
import { makeAvMnistDataset } from "../src/data/avmnist.ts";
import { parseIdx, readIdx } from "../src/data/idx.ts";
import { loadNpyDirDataset } from "../src/data/npy_dir.ts";
import {
  makePhysioNet2012Dataset,
  parsePhysioNetRecord,
  PHYSIONET_SERIES,
} from "../src/data/physionet2012.ts";
import { fftInPlace, fitFrames, logMelSpectrogram, melFilterbank, realFft } from "../src/data/spectrogram.ts";
import type { MultimodalSplit } from "../src/data/types.ts";
import { parseWav, readWav } from "../src/data/wav.ts";
import { type NpyData, writeNpy } from "../src/io/npy.ts";
import { Philox } from "../src/random/philox.ts";
import { STREAMS } from "../src/random/streams.ts";
import { DATA_DIR, HAS_DATA } from "./helpers.ts";

if (!HAS_DATA) {
  console.warn(`data_readers_test: ${DATA_DIR} not found; tests on the real datasets are skipped`);
}

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: length ${a.length} vs ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    if (!(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])))) {
      assert.fail(`${what}[${i}]: ${a[i]} vs ${b[i]}`);
    }
  }
}

// ---------------- npy directory ----------------

function writeSplit(dir: string, arrays: { shape: number[]; data: NpyData }[], y: NpyData): void {
  Deno.mkdirSync(dir, { recursive: true });
  arrays.forEach((a, i) => writeNpy(`${dir}/x${i}.npy`, a));
  writeNpy(`${dir}/y.npy`, { shape: [y.length], data: y });
}

function randomArrays(n: number, r: Philox) {
  return [
    { shape: [n, 3], data: r.normal(n * 3) },
    { shape: [n, 4, 2], data: Float64Array.from(r.normal(n * 8), (v) => v * 1.5 + 0.25) },
    { shape: [n, 1, 2, 2], data: r.uniform(n * 4) },
  ];
}

function assertSplitEquals(
  s: MultimodalSplit,
  arrays: { shape: number[]; data: NpyData }[],
  y: number[],
): void {
  assert.deepEqual(s.modalities.map((m) => m.kind), ["vector", "sequence", "image"]);
  s.modalities.forEach((m, i) => {
    assert.deepEqual(m.shape, arrays[i].shape);
    assert.ok(m.data instanceof Float32Array);
    close(m.data, Float32Array.from(arrays[i].data as Float32Array), 0, `x${i}`);
  });
  assert.deepEqual(Array.from(s.labels.label), y);
}

Deno.test("npy dir: round trip of train/val/test with vector, sequence and image modalities", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const r = new Philox(11);
    const tr = randomArrays(6, r), va = randomArrays(2, r), te = randomArrays(3, r);
    writeSplit(`${dir}/train`, tr, BigInt64Array.from([0n, 1n, 2n, 1n, 0n, 2n]));
    writeSplit(`${dir}/val`, va, Int32Array.from([2, 0]));
    writeSplit(`${dir}/test`, te, Float64Array.from([4, 1, 0])); // whole-number float labels are accepted
    const ds = loadNpyDirDataset(dir);
    assert.deepEqual(ds.tasks, ["label"]);
    assert.equal(ds.numClasses.label, 5); // max label 4 (only in test) + 1
    assertSplitEquals(ds.ssl, tr, [0, 1, 2, 1, 0, 2]);
    assertSplitEquals(ds.probeTrain, tr, [0, 1, 2, 1, 0, 2]);
    assertSplitEquals(ds.probeVal!, va, [2, 0]);
    assertSplitEquals(ds.probeTest, te, [4, 1, 0]);
    // Without val/ there is no probeVal; a bare [N] array is a vector [N, 1].
    Deno.removeSync(`${dir}/val`, { recursive: true });
    writeNpy(`${dir}/train/x0.npy`, { shape: [6], data: Float32Array.from([1, 2, 3, 4, 5, 6]) });
    writeNpy(`${dir}/test/x0.npy`, { shape: [3], data: Float32Array.from([7, 8, 9]) });
    const ds2 = loadNpyDirDataset(dir);
    assert.equal(ds2.probeVal, undefined);
    assert.deepEqual(ds2.ssl.modalities[0].shape, [6, 1]);
    assert.deepEqual(Array.from(ds2.probeTest.modalities[0].data), [7, 8, 9]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("npy dir: each malformed input gives an error naming the file", () => {
  const r = new Philox(12);
  const cases: [string, (dir: string) => void, RegExp][] = [
    ["missing test", (d) => Deno.removeSync(`${d}/test`, { recursive: true }), /test\/x0\.npy is missing/],
    ["missing y", (d) => Deno.removeSync(`${d}/train/y.npy`), /train\/y\.npy is missing/],
    ["missing modality in val", (d) => {
      writeSplit(`${d}/val`, randomArrays(2, r).slice(0, 2), Int32Array.from([0, 1]));
    }, /val\/x2\.npy is missing/],
    ["M < 2", (d) => {
      for (const s of ["train", "test"]) {
        Deno.removeSync(`${d}/${s}/x1.npy`);
        Deno.removeSync(`${d}/${s}/x2.npy`);
      }
    }, /train\/x1\.npy is missing.*M >= 2/],
    [
      "sample count x vs x",
      (d) => writeNpy(`${d}/train/x1.npy`, { shape: [5, 4, 2], data: r.normal(40) }),
      /train\/x1\.npy has 5 samples but .*train\/y\.npy has 6/,
    ],
    [
      "sample count y",
      (d) => writeNpy(`${d}/test/y.npy`, { shape: [2], data: Int32Array.from([0, 1]) }),
      /test\/x0\.npy has 3 samples but .*test\/y\.npy has 2/,
    ],
    [
      "trailing shape",
      (d) => writeNpy(`${d}/test/x1.npy`, { shape: [3, 2, 4], data: r.normal(24) }),
      /test\/x1\.npy has per-sample shape \[2,4\] but .*train\/x1\.npy has \[4,2\]/,
    ],
    [
      "non-integer label",
      (d) => writeNpy(`${d}/train/y.npy`, { shape: [6], data: Float32Array.from([0, 1, 1.5, 0, 1, 0]) }),
      /train\/y\.npy.*element 2 is 1\.5/,
    ],
    [
      "negative label",
      (d) => writeNpy(`${d}/test/y.npy`, { shape: [3], data: Int32Array.from([0, -1, 1]) }),
      /test\/y\.npy holds label -1 at index 1/,
    ],
    ["NaN", (d) => {
      const x = r.normal(18);
      x[7] = NaN;
      writeNpy(`${d}/train/x0.npy`, { shape: [6, 3], data: x });
    }, /train\/x0\.npy holds NaN at index \[2,1\]/],
    ["Inf from float64 overflow", (d) => {
      const x = Float64Array.from(r.normal(12));
      x[3] = 1e300;
      writeNpy(`${d}/test/x2.npy`, { shape: [3, 1, 2, 2], data: x });
    }, /test\/x2\.npy holds Infinity at index \[0,0,1,1\]/],
    [
      "4 trailing axes",
      (d) => writeNpy(`${d}/train/x2.npy`, { shape: [6, 1, 2, 2, 1], data: r.normal(24) }),
      /train\/x2\.npy has shape \[6,1,2,2,1\]/,
    ],
  ]; // deno-fmt-ignore
  for (const [name, damage, pattern] of cases) {
    const dir = Deno.makeTempDirSync();
    try {
      writeSplit(`${dir}/train`, randomArrays(6, r), Int32Array.from([0, 1, 1, 0, 1, 0]));
      writeSplit(`${dir}/test`, randomArrays(3, r), Int32Array.from([1, 0, 1]));
      loadNpyDirDataset(dir); // valid before the damage
      damage(dir);
      assert.throws(() => loadNpyDirDataset(dir), pattern, name);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  }
});

// ---------------- IDX ----------------

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const s = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(s).arrayBuffer());
}

Deno.test("idx: hand-made gzipped ubyte and int32 files", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    // ubyte [2, 3]: magic 00 00 08 02, dims 2 and 3 big-endian, then 6 bytes.
    const ub = Uint8Array.from([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 9, 0, 255, 17, 128, 3]);
    await Deno.writeFile(`${dir}/a.gz`, await gzip(ub));
    const a = await readIdx(`${dir}/a.gz`);
    assert.deepEqual(a.shape, [2, 3]);
    assert.ok(a.data instanceof Uint8Array);
    assert.deepEqual(Array.from(a.data), [9, 0, 255, 17, 128, 3]);
    // int32 [2]: values 0x01020304 and -2 (ff ff ff fe), big-endian; read uncompressed too.
    const i32 = Uint8Array.from([0, 0, 0x0c, 1, 0, 0, 0, 2, 1, 2, 3, 4, 0xff, 0xff, 0xff, 0xfe]);
    await Deno.writeFile(`${dir}/b.idx`, i32);
    const b = await readIdx(`${dir}/b.idx`);
    assert.deepEqual(b.shape, [2]);
    assert.deepEqual(Array.from(b.data), [0x01020304, -2]);
    assert.throws(() => parseIdx(ub.subarray(0, 15), "t.idx"), /idx t\.idx: data truncated/);
    assert.throws(
      () => parseIdx(Uint8Array.from([0, 0, 7, 1, 0, 0, 0, 1, 5]), "u.idx"),
      /unknown element type/,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test({
  name: "idx: real MNIST t10k labels (10000, counts as published)",
  ignore: !HAS_DATA,
  fn: async () => {
    const y = await readIdx(`${DATA_DIR}/mnist/t10k-labels-idx1-ubyte.gz`);
    assert.deepEqual(y.shape, [10000]);
    const counts = new Array(10).fill(0);
    for (const v of y.data) {
      assert.ok(v >= 0 && v <= 9);
      counts[v]++;
    }
    assert.deepEqual(counts, [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  },
});

// ---------------- WAV ----------------

Deno.test({
  name: "wav: real FSDD file is 8 kHz mono 16-bit, length = data chunk / 2",
  ignore: !HAS_DATA,
  fn: async () => {
    const path = `${DATA_DIR}/fsdd/recordings/0_george_0.wav`;
    const bytes = await Deno.readFile(path);
    const w = await readWav(path);
    assert.equal(w.sampleRate, 8000);
    assert.equal(w.channels.length, 1);
    assert.equal(w.bitsPerSample, 16);
    // This file has the canonical 44-byte header: the data chunk fills the rest of the file.
    assert.equal(w.dataBytes, bytes.length - 44);
    assert.equal(w.channels[0].length, w.dataBytes / 2);
    // First samples by hand from the bytes 2f fa 3e fc: 0xfa2f = -1489, 0xfc3e = -962.
    assert.equal(w.channels[0][0], -1489 / 32768);
    assert.equal(w.channels[0][1], -962 / 32768);
  },
});

Deno.test("wav: stereo 8-bit file with a LIST chunk before data", () => {
  const body = [0x80, 0xff, 0x00, 0x40]; // frames (L, R): (128, 255), (0, 64)
  const list = [...new TextEncoder().encode("LIST"), 3, 0, 0, 0, 1, 2, 3, 0]; // odd size, padded
  const fmt = [
    ...new TextEncoder().encode("fmt "),
    16,
    0,
    0,
    0,
    1,
    0,
    2,
    0,
    0x44,
    0xac,
    0,
    0,
    0x88,
    0x58,
    1,
    0,
    2,
    0,
    8,
    0,
  ];
  const data = [...new TextEncoder().encode("data"), 4, 0, 0, 0, ...body];
  const riff = [
    ...new TextEncoder().encode("RIFF"),
    0,
    0,
    0,
    0,
    ...new TextEncoder().encode("WAVE"),
    ...fmt,
    ...list,
    ...data,
  ];
  const w = parseWav(Uint8Array.from(riff)); // deno-fmt-ignore
  assert.equal(w.sampleRate, 44100);
  assert.deepEqual(Array.from(w.channels[0]), [0, -1]);
  assert.deepEqual(Array.from(w.channels[1]), [127 / 128, -64 / 128]);
  assert.throws(() => parseWav(Uint8Array.from(riff.slice(0, 36)), "x.wav"), /wav x\.wav: no data chunk/);
  // a fmt chunk cut inside its fields: a named error, not a DataView RangeError
  for (const cut of [21, 30, 35]) {
    assert.throws(
      () => parseWav(Uint8Array.from(riff.slice(0, cut)), "cut.wav"),
      /wav cut\.wav: fmt chunk is cut short: it states 16 bytes, the file holds \d+ after its header/,
    );
  }
});

// ---------------- FFT and spectrogram ----------------

function naiveDft(re: ArrayLike<number>, im: ArrayLike<number>): { re: Float64Array; im: Float64Array } {
  const n = re.length, outRe = new Float64Array(n), outIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    for (let t = 0; t < n; t++) {
      const a = -2 * Math.PI * ((k * t) % n) / n;
      outRe[k] += re[t] * Math.cos(a) - im[t] * Math.sin(a);
      outIm[k] += re[t] * Math.sin(a) + im[t] * Math.cos(a);
    }
  }
  return { re: outRe, im: outIm };
}

Deno.test("fft: complex and real transforms equal a naive float64 DFT", () => {
  const r = new Philox(21);
  for (const n of [1, 2, 4, 8, 64, 256]) {
    const re = Float64Array.from(r.normal(Math.max(n, 2)).subarray(0, n));
    const im = Float64Array.from(r.normal(Math.max(n, 2)).subarray(0, n));
    const want = naiveDft(re, im);
    fftInPlace(re, im);
    close(re, want.re, 1e-9, `fft n=${n} re`);
    close(im, want.im, 1e-9, `fft n=${n} im`);
    if (n < 2) continue;
    const x = Float64Array.from(r.normal(n));
    const wantR = naiveDft(x, new Float64Array(n));
    const got = realFft(x);
    close(got.re, wantR.re.subarray(0, n / 2 + 1), 1e-9, `realFft n=${n} re`);
    close(got.im, wantR.im.subarray(0, n / 2 + 1), 1e-9, `realFft n=${n} im`);
  }
  assert.throws(() => realFft(new Float64Array(12)), /size 12 is not a power of two/);
});

Deno.test("spectrogram: frame count, log of silence, a 1 kHz tone peaks in the band around 1 kHz", () => {
  const sr = 8000, len = 2000;
  const tone = Float32Array.from({ length: len }, (_, i) => 0.5 * Math.sin(2 * Math.PI * 1000 * i / sr));
  const s = logMelSpectrogram(tone, { sampleRate: sr, nMels: 32 });
  assert.equal(s.frames, 1 + Math.floor((len - 256) / 128));
  const filters = melFilterbank(256, sr, 32);
  const bin1k = 1000 * 256 / sr; // bin 32 exactly
  const bestFilter = filters.reduce((b, w, j) => (w[bin1k] > filters[b][bin1k] ? j : b), 0);
  for (let t = 0; t < s.frames; t++) {
    const row = s.data.subarray(t * 32, t * 32 + 32);
    assert.equal(row.indexOf(Math.max(...row)), bestFilter, `frame ${t}`);
  }
  // Energy of a full-band frame by hand: Hann-windowed sine of amplitude A has |X[k0]|^2 = (A N / 4)^2 at its bin
  // and (A N / 8)^2 at the two neighbours; the filter weights there give the band energy.
  const w = filters[bestFilter], a = 0.5 * 256;
  const expected = w[bin1k] * (a / 4) ** 2 + (w[bin1k - 1] + w[bin1k + 1]) * (a / 8) ** 2;
  close([s.data[3 * 32 + bestFilter]], [Math.log(expected + 1e-6)], 1e-4, "band energy");
  const silent = logMelSpectrogram(new Float32Array(100), { sampleRate: sr });
  assert.equal(silent.frames, 1);
  close(silent.data, new Float32Array(32).fill(Math.log(1e-6)), 1e-6, "silence");
  // fitFrames: crop keeps the centre, pad centres with the pad value.
  const spec = Float32Array.from({ length: 5 * 2 }, (_, i) => i);
  assert.deepEqual(Array.from(fitFrames(spec, 5, 2, 3, -9)), [2, 3, 4, 5, 6, 7]);
  assert.deepEqual(Array.from(fitFrames(spec.subarray(0, 4), 2, 2, 5, -9)), [
    -9,
    -9,
    0,
    1,
    2,
    3,
    -9,
    -9,
    -9,
    -9,
  ]);
});

// ---------------- AV-MNIST ----------------

function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ma = 0, mb = 0;
  for (let i = 0; i < a.length; i++) {
    ma += a[i] / a.length;
    mb += b[i] / b.length;
  }
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return saa === 0 && sbb === 0 ? 1 : sab / Math.sqrt(saa * sbb);
}

/** The pairing itself, without AV-MNIST's degradations (no energy removed, no noise). */
const CLEAN = { imageEnergyRemoved: 0, audioSnrDb: null };

Deno.test({
  name: "avmnist: small build pairs each image with a recording of its digit from the right takes",
  ignore: !HAS_DATA,
  fn: async () => {
    const limit = 12;
    const ds = await makeAvMnistDataset(DATA_DIR, { ...CLEAN, seed: 3, limit, imageSize: 14 });
    const images = await readIdx(`${DATA_DIR}/mnist/t10k-images-idx3-ubyte.gz`);
    const labels = await readIdx(`${DATA_DIR}/mnist/t10k-labels-idx1-ubyte.gz`);
    assert.deepEqual(ds.tasks, ["label"]);
    assert.equal(ds.numClasses.label, 10);
    const starts = { probeTest: 0, probeVal: 2000, ssl: 3000 };
    for (const [name, start] of Object.entries(starts)) {
      const s = ds[name as keyof typeof starts]!;
      assert.deepEqual(s.modalities.map((m) => [m.kind, m.shape]), [
        ["image", [limit, 1, 14, 14]],
        ["sequence", [limit, 32, 32]],
      ]);
      // Labels are the t10k labels of the split's image range; pixel (y, x) is the 2x2 mean / 255.
      assert.deepEqual(Array.from(s.labels.label), Array.from(labels.data.subarray(start, start + limit)));
      const px = images.data;
      for (const [i, y, x] of [[0, 7, 7], [5, 3, 10], [11, 12, 6]]) {
        const b = (start + i) * 784 + 2 * y * 28 + 2 * x;
        const want = (px[b] + px[b + 1] + px[b + 28] + px[b + 29]) / (4 * 255);
        close([s.modalities[0].data[(i * 14 + y) * 14 + x]], [want], 1e-6, `${name} pixel`);
      }
    }
    assert.strictEqual(ds.ssl, ds.probeTrain);
    // Each test pair's audio must be, band by band, an increasing affine map of the spectrogram of one
    // recording of the same digit with take 0-4.
    const audio = ds.probeTest.modalities[1].data;
    for (let i = 0; i < limit; i++) {
      const digit = ds.probeTest.labels.label[i];
      const row = audio.subarray(i * 1024, (i + 1) * 1024);
      let matched = false;
      for (const speaker of ["george", "jackson", "lucas", "nicolas", "theo", "yweweler"]) {
        for (let take = 0; take <= 4 && !matched; take++) {
          const w = await readWav(`${DATA_DIR}/fsdd/recordings/${digit}_${speaker}_${take}.wav`);
          const sp = logMelSpectrogram(w.channels[0], { sampleRate: 8000, nFft: 256, hop: 128, nMels: 32 });
          const fixed = fitFrames(sp.data, sp.frames, 32, 32, Math.log(1e-6));
          matched = Array.from({ length: 32 }, (_, j) => j).every((j) => {
            const a = Array.from({ length: 32 }, (_, t) => row[t * 32 + j]);
            const b = Array.from({ length: 32 }, (_, t) => fixed[t * 32 + j]);
            return pearson(a, b) > 0.99999;
          });
        }
      }
      assert.ok(matched, `test pair ${i} (digit ${digit}) matches no take 0-4 recording of its digit`);
    }
    // Same seed -> same data; another seed -> another pairing.
    const again = await makeAvMnistDataset(DATA_DIR, { ...CLEAN, seed: 3, limit, imageSize: 14 });
    assert.deepEqual(again.probeTest.modalities[1].data, audio);
    const other = await makeAvMnistDataset(DATA_DIR, { ...CLEAN, seed: 4, limit, imageSize: 14 });
    assert.notDeepEqual(other.ssl.modalities[1].data, ds.ssl.modalities[1].data);
    await assert.rejects(makeAvMnistDataset(DATA_DIR, { imageSize: 5 }), /imageSize must divide 28/);
  },
});

// ---------------- PhysioNet 2012 ----------------

Deno.test("physionet2012: record parser (descriptors, first positive weight, negatives dropped)", () => {
  const text = [
    "Time,Parameter,Value",
    "00:00,RecordID,140001",
    "00:00,Age,71",
    "00:00,HR,88",
    "00:00,Gender,-1",
    "00:00,Height,-1",
    "00:00,ICUType,3",
    "00:00,Weight,-1",
    "01:30,Weight,80.5",
    "02:00,Weight,79",
    "47:59,Temp,-17.8",
    "48:00,pH,7.31",
    "",
  ].join("\n");
  const r = parsePhysioNetRecord(text, "140001.txt");
  assert.equal(r.id, 140001);
  assert.equal(r.age, 71);
  assert.ok(Number.isNaN(r.gender) && Number.isNaN(r.height));
  assert.equal(r.weight, 80.5);
  assert.equal(r.icuType, 3);
  assert.deepEqual(Array.from(r.variable), [PHYSIONET_SERIES.indexOf("HR"), PHYSIONET_SERIES.indexOf("pH")]);
  assert.deepEqual(Array.from(r.minute), [0, 2880]);
  close(r.value, [88, 7.31], 1e-6, "values");
  assert.throws(
    () => parsePhysioNetRecord("Time,Parameter,Value\n00:00,Age,1\n", "x.txt"),
    /x\.txt: no RecordID/,
  );
  assert.throws(
    () => parsePhysioNetRecord("Time,Parameter,Value\n0000,HR,1\n", "y.txt"),
    /y\.txt:2: expected/,
  );
});

/** Hand-made challenge directory: 10 stays with HR, MechVent and Weight over `hours` hours. */
function writeFakePhysioNet(root: string, r: Philox) {
  const recs: {
    id: number;
    age: number;
    icu: number;
    weight: number;
    hr: [number, number][];
    vent: number[];
    y: number;
  }[] = [];
  for (const set of ["a", "b"]) {
    Deno.mkdirSync(`${root}/physionet2012/set-${set}`, { recursive: true });
    const outcomes = ["RecordID,SAPS-I,SOFA,Length_of_stay,Survival,In-hospital_death"];
    for (let k = 0; k < 5; k++) {
      const id = (set === "a" ? 1000 : 2000) + k;
      const u = r.uniform(12);
      const rec = {
        id,
        age: 20 + recs.length * 5, // distinct ages identify the rows after the shuffle
        icu: 1 + (recs.length % 4),
        weight: recs.length === 3 ? NaN : 60 + 30 * u[0],
        hr: [[Math.floor(u[1] * 120), 60 + 40 * u[2]], [Math.floor(u[3] * 240), 60 + 40 * u[4]], [
          Math.floor(u[5] * 240),
          -1,
        ]] as [number, number][],
        vent: u[6] < 0.5 ? [Math.floor(u[7] * 240)] : [],
        y: u[8] < 0.4 ? 1 : 0,
      };
      recs.push(rec);
      const hhmm = (m: number) =>
        `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
      const lines = [
        "Time,Parameter,Value",
        `00:00,RecordID,${id}`,
        `00:00,Age,${rec.age}`,
        "00:00,Gender,1",
      ];
      lines.push(
        "00:00,Height,-1",
        `00:00,ICUType,${rec.icu}`,
        `00:00,Weight,${Number.isNaN(rec.weight) ? -1 : rec.weight}`,
      );
      for (const [m, v] of rec.hr) lines.push(`${hhmm(m)},HR,${v}`);
      for (const m of rec.vent) lines.push(`${hhmm(m)},MechVent,1`);
      Deno.writeTextFileSync(`${root}/physionet2012/set-${set}/${id}.txt`, lines.join("\n") + "\n");
      outcomes.push(`${id},1,2,3,-1,${rec.y}`);
    }
    Deno.writeTextFileSync(`${root}/physionet2012/Outcomes-${set}.txt`, outcomes.join("\n") + "\n");
  }
  return recs;
}

Deno.test("physionet2012: hand-made records give the documented bins, fill and standardisation", async () => {
  const root = Deno.makeTempDirSync();
  try {
    const recs = writeFakePhysioNet(root, new Philox(31));
    const hours = 4;
    const ds = await makePhysioNet2012Dataset(root, { seed: 5, hours });
    assert.equal(ds.numClasses.label, 2);
    const splits = [ds.ssl, ds.probeVal!, ds.probeTest];
    assert.deepEqual(splits.map((s) => s.labels.label.length), [8, 1, 1]);
    // The documented split: records in (set-a, set-b) RecordID order, Philox(seed) permutation on
    // STREAMS.physionet2012.split, val = first 10 %, test = next 10 %, train = the rest.
    const perm = new Philox(5, STREAMS.physionet2012.split).permutation(10);
    const rows = new Array<{ split: MultimodalSplit; row: number }>(10);
    perm.forEach((k, pos) => {
      rows[k] = pos === 0
        ? { split: ds.probeVal!, row: 0 }
        : pos === 1
        ? { split: ds.probeTest, row: 0 }
        : { split: ds.ssl, row: pos - 2 };
    });
    const train = recs.filter((_, k) => rows[k].split === ds.ssl);
    // Winsorising at the 0.5 / 99.5 % nearest-rank quantiles is [min, max] of train values for < 101 values.
    const range = (v: number[]) => (x: number) => Math.min(Math.max(...v), Math.max(Math.min(...v), x));
    const hrClip = range(train.flatMap((r) => r.hr.map((o) => o[1]).filter((v) => v >= 0)));
    const ageClip = range(train.map((r) => r.age));
    const wClip = range(train.filter((r) => !Number.isNaN(r.weight)).map((r) => r.weight));
    const stats = (v: number[]) => {
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
      return [m, sd > 1e-8 ? sd : 1];
    };
    // Expected raw bins (float64): HR bin means (the -1 reading dropped), forward fill; MechVent 0 until 1.
    const hrBins = (r: typeof recs[0]) => {
      const s = new Array(hours).fill(0), c = new Array(hours).fill(0);
      for (const [m, v] of r.hr) if (v >= 0) (s[Math.floor(m / 60)] += hrClip(v), c[Math.floor(m / 60)]++);
      const obs = s.map((x, h) => (c[h] ? x / c[h] : NaN));
      let last = NaN;
      return { obs, filled: obs.map((v) => (Number.isNaN(v) ? last : (last = v))) };
    };
    const ventBins = (r: typeof recs[0]) =>
      Array.from({ length: hours }, (_, h) => (r.vent.some((m) => Math.floor(m / 60) <= h) ? 1 : 0));
    const [hrMu, hrSd] = stats(train.flatMap((r) => hrBins(r).obs.filter((v) => !Number.isNaN(v))));
    const [vMu, vSd] = stats(train.flatMap(ventBins));
    const [ageMu, ageSd] = stats(train.map((r) => r.age));
    const [wMu, wSd] = stats(train.filter((r) => !Number.isNaN(r.weight)).map((r) => r.weight));
    const hr = PHYSIONET_SERIES.indexOf("HR"), vent = PHYSIONET_SERIES.indexOf("MechVent");
    recs.forEach((rec, k) => {
      const { split, row } = rows[k];
      assert.equal(split.labels.label[row], rec.y, `label of ${rec.id}`);
      const st = split.modalities[0].data.subarray(row * 8, row * 8 + 8);
      close([st[0]], [(ageClip(rec.age) - ageMu) / ageSd], 1e-5, `age of ${rec.id}`);
      assert.equal(st[1], 0, "gender is constant: std 1, value - mean = 0");
      assert.equal(st[2], 0, "height is always missing");
      close(
        [st[3]],
        [Number.isNaN(rec.weight) ? 0 : (wClip(rec.weight) - wMu) / wSd],
        1e-5,
        `weight of ${rec.id}`,
      );
      const icuCols = Array.from(st.subarray(4));
      const onehot = [0, 1, 2, 3].map((t) => train.filter((r) => r.icu === t + 1).length / train.length);
      icuCols.forEach((v, t) => {
        const p = onehot[t], sd = Math.sqrt(p * (1 - p)) || 1;
        close([v], [((rec.icu === t + 1 ? 1 : 0) - p) / sd], 1e-5, `icu col ${t} of ${rec.id}`);
      });
      const ts = split.modalities[1].data.subarray(row * hours * 36, (row + 1) * hours * 36);
      const { filled } = hrBins(rec), vb = ventBins(rec);
      for (let h = 0; h < hours; h++) {
        for (let v = 0; v < 36; v++) {
          let want = 0;
          if (v === hr) want = Number.isNaN(filled[h]) ? 0 : (filled[h] - hrMu) / hrSd;
          if (v === vent) want = (vb[h] - vMu) / vSd;
          close([ts[h * 36 + v]], [want], 1e-5, `series of ${rec.id} hour ${h} var ${PHYSIONET_SERIES[v]}`);
        }
      }
    });
    // Outcome file without the record -> error naming it.
    Deno.writeTextFileSync(`${root}/physionet2012/Outcomes-b.txt`, "RecordID,In-hospital_death\n2000,0\n");
    await assert.rejects(
      makePhysioNet2012Dataset(root, { hours }),
      /RecordID 2001 \(.*set-b\/2001\.txt\) has no outcome/,
    );
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test({
  name: "physionet2012: small build from the real files",
  ignore: !HAS_DATA,
  fn: async () => {
    const limit = 40;
    const ds = await makePhysioNet2012Dataset(DATA_DIR, { seed: 1, limit });
    const sizes = [ds.ssl, ds.probeVal!, ds.probeTest].map((s) => s.labels.label.length);
    assert.deepEqual(sizes, [32, 4, 4]);
    // Deaths counted independently from the outcome files for the first 20 RecordIDs of each set.
    let deaths = 0;
    for (const set of ["a", "b"]) {
      const ids = [...Deno.readDirSync(`${DATA_DIR}/physionet2012/set-${set}`)].map((e) =>
        Number(e.name.split(".")[0])
      )
        .sort((a, b) => a - b).slice(0, 20);
      const lines = Deno.readTextFileSync(`${DATA_DIR}/physionet2012/Outcomes-${set}.txt`).trim().split("\n")
        .slice(1);
      for (const l of lines) {
        const f = l.split(",");
        if (ids.includes(Number(f[0]))) deaths += Number(f[5]);
      }
    }
    let got = 0;
    for (const s of [ds.ssl, ds.probeVal!, ds.probeTest]) {
      assert.deepEqual(s.modalities.map((m) => [m.kind, m.shape.slice(1)]), [["vector", [8]], ["sequence", [
        48,
        36,
      ]]]);
      for (const m of s.modalities) assert.ok(m.data.every(Number.isFinite));
      for (const v of s.labels.label) got += v;
    }
    assert.equal(got, deaths);
    // Age is never missing: its train column has mean 0 and std 1.
    const age = Array.from({ length: 32 }, (_, i) => ds.ssl.modalities[0].data[i * 8]);
    const mean = age.reduce((a, b) => a + b, 0) / 32;
    close([mean, Math.sqrt(age.reduce((a, b) => a + (b - mean) ** 2, 0) / 32)], [0, 1], 1e-5, "age moments");
  },
});
