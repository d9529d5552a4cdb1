import assert from "node:assert/strict";
import { crc32c, maskedCrc32c, readTensorBoardScalars, TensorBoardWriter } from "../src/io/tensorboard.ts";

const enc = new TextEncoder();

/** Scalars used by the round-trip tests; steps are non-decreasing (TensorBoard purges on step regressions). */
const SAMPLES: { tag: string; value: number; step: number; wallTime: number }[] = [
  { tag: "loss", value: 2.5, step: 0, wallTime: 1700000000.25 },
  { tag: "loss", value: -1.75, step: 1, wallTime: 1700000001.5 },
  { tag: "train/λ_ünï", value: 1e-30, step: 1, wallTime: 1700000001.5 },
  { tag: "準確度 🎯", value: Number.NaN, step: 300, wallTime: 1700000002 },
  { tag: "loss", value: -123456.789, step: 300, wallTime: 1700000003 },
  { tag: "big/step", value: 0.1, step: 2 ** 40, wallTime: 1700000004.125 },
  { tag: "big/step", value: Number.POSITIVE_INFINITY, step: 2 ** 40 + 1, wallTime: 1700000005 },
];

function writeSamples(dir: string): string {
  const w = TensorBoardWriter.open(`${dir}/tb/run1`);
  for (const s of SAMPLES) w.scalar(s.tag, s.value, s.step, s.wallTime);
  w.flush();
  w.close();
  w.close();
  return w.path;
}

function sameFloat(actual: number, expected: number, what: string): void {
  if (Number.isNaN(expected)) assert.ok(Number.isNaN(actual), `${what}: expected NaN, got ${actual}`);
  else assert.equal(actual, Math.fround(expected), what);
}

Deno.test("crc32c matches the Castagnoli check value", () => {
  assert.equal(crc32c(enc.encode("123456789")), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(0)), 0);
  const crc = 0xe3069283;
  assert.equal(
    maskedCrc32c(enc.encode("123456789")),
    ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0,
  );
});

Deno.test("TensorBoardWriter round-trips scalars through readTensorBoardScalars", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = writeSamples(dir);
    const base = path.slice(path.lastIndexOf("/") + 1);
    assert.match(base, /^events\.out\.tfevents\.\d+\..+\.mmssl$/);
    const got = readTensorBoardScalars(path);
    assert.equal(got.length, SAMPLES.length);
    got.forEach((g, i) => {
      const s = SAMPLES[i];
      assert.equal(g.tag, s.tag);
      assert.equal(g.step, s.step);
      assert.equal(g.wallTime, s.wallTime);
      sameFloat(g.value, s.value, `value ${i}`);
    });
    // The first record is the file_version event: "brain.Event:2" appears in it.
    const bytes = Deno.readFileSync(path);
    const first = new TextDecoder().decode(bytes.subarray(12, 12 + Number(bytes[0])));
    assert.ok(first.includes("brain.Event:2"));
    // Writing after close throws.
    const w = TensorBoardWriter.open(`${dir}/tb/run2`);
    w.close();
    assert.throws(() => w.scalar("x", 1, 0), /write after close/);
    // A second writer in the same dir and second gets its own file.
    const a = TensorBoardWriter.open(`${dir}/tb/run3`);
    const b = TensorBoardWriter.open(`${dir}/tb/run3`);
    assert.notEqual(a.path, b.path);
    a.scalar("x", 1, 0);
    a.close();
    b.close();
    assert.equal(readTensorBoardScalars(a.path).length, 1);
    assert.equal(readTensorBoardScalars(b.path).length, 0);
    // Default wall time is now, in seconds.
    const c = TensorBoardWriter.open(`${dir}/tb/run4`);
    const before = Date.now() / 1000;
    c.scalar("t", 3, 7);
    c.close();
    const [t] = readTensorBoardScalars(c.path);
    assert.ok(t.wallTime >= before - 1 && t.wallTime <= Date.now() / 1000 + 1);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("readTensorBoardScalars rejects corrupted and truncated files, naming the record", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = writeSamples(dir);
    const good = Deno.readFileSync(path);
    // Record offsets: walk the framing.
    const offsets: number[] = [];
    for (let off = 0; off < good.length;) {
      offsets.push(off);
      off += 16 + Number(new DataView(good.buffer).getBigUint64(off, true));
    }
    assert.equal(offsets.length, SAMPLES.length + 1);

    const bad = `${dir}/bad.tfevents`;
    // A flipped data byte in record 3.
    const d = good.slice();
    d[offsets[3] + 14] ^= 0x01;
    Deno.writeFileSync(bad, d);
    assert.throws(() => readTensorBoardScalars(bad), (e: Error) => {
      assert.match(e.message, /record 3\b/);
      assert.match(e.message, /bad data CRC/);
      assert.ok(e.message.includes(bad));
      return true;
    });
    // A flipped length byte in record 2.
    const l = good.slice();
    l[offsets[2]] ^= 0x04;
    Deno.writeFileSync(bad, l);
    assert.throws(() => readTensorBoardScalars(bad), /record 2\b.*bad length CRC/);
    // A flipped byte in a data CRC (last record).
    const c = good.slice();
    c[good.length - 1] ^= 0x80;
    Deno.writeFileSync(bad, c);
    assert.throws(() => readTensorBoardScalars(bad), new RegExp(`record ${SAMPLES.length}\\b.*bad data CRC`));
    // Truncation: inside the last record's data, and inside a header.
    Deno.writeFileSync(bad, good.subarray(0, good.length - 3));
    assert.throws(() => readTensorBoardScalars(bad), new RegExp(`record ${SAMPLES.length}\\b.*truncated`));
    Deno.writeFileSync(bad, good.subarray(0, offsets[1] + 5));
    assert.throws(() => readTensorBoardScalars(bad), /record 1\b.*truncated record header/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("TensorBoardWriter.scalar rejects bad tags and steps", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const w = TensorBoardWriter.open(dir);
    assert.throws(() => w.scalar("", 1, 0), /tag must be a non-empty string/);
    assert.throws(() => w.scalar(42 as unknown as string, 1, 0), /tag.*42/);
    assert.throws(() => w.scalar("loss", 1, -1), /"loss".*step.*-1/);
    assert.throws(() => w.scalar("loss", 1, 1.5), /"loss".*step.*1\.5/);
    assert.throws(() => w.scalar("loss", 1, Number.NaN), /"loss".*step.*NaN/);
    assert.throws(() => w.scalar("loss", 1, 2 ** 53), /"loss".*step/);
    w.scalar("ok", Number.NaN, 0);
    w.close();
    const got = readTensorBoardScalars(w.path);
    assert.equal(got.length, 1);
    assert.ok(Number.isNaN(got[0].value));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

// ---------------------------------------------------------------------------------------------------------
// Validation against the real TensorBoard reader, when a Python with `tensorboard` is available and
// running it is permitted (not under the project's `deno test -P`; yes under `deno test -A`).
// MMSSL_TB_PYTHON selects the interpreter (default python3).

function tensorboardPython(): string | null {
  let python = "python3";
  if (Deno.permissions.querySync({ name: "env", variable: "MMSSL_TB_PYTHON" }).state === "granted") {
    python = Deno.env.get("MMSSL_TB_PYTHON") || python;
  }
  if (Deno.permissions.querySync({ name: "run", command: python }).state !== "granted") return null;
  try {
    const r = new Deno.Command(python, { args: ["-c", "import tensorboard"], stdout: "null", stderr: "null" })
      .outputSync();
    return r.success ? python : null;
  } catch {
    return null;
  }
}

const TB_PYTHON = tensorboardPython();

const TB_SCRIPT = `
import json, math, sys
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
acc = EventAccumulator(sys.argv[1])
acc.Reload()
out = []
for tag in acc.Tags()["scalars"]:
    for ev in acc.Scalars(tag):
        v = ev.value
        out.append({"tag": tag, "step": ev.step, "wallTime": ev.wall_time,
                    "value": v if math.isfinite(v) else repr(v)})
print(json.dumps(out))
`;

Deno.test({
  name: "real TensorBoard EventAccumulator reads the writer's scalars",
  ignore: TB_PYTHON === null,
  fn: () => {
    const dir = Deno.makeTempDirSync();
    try {
      const path = writeSamples(dir);
      const r = new Deno.Command(TB_PYTHON!, {
        args: ["-c", TB_SCRIPT, path],
        stdout: "piped",
        stderr: "piped",
      })
        .outputSync();
      const stderr = new TextDecoder().decode(r.stderr);
      assert.ok(r.success, `python failed: ${stderr}`);
      const got = JSON.parse(new TextDecoder().decode(r.stdout)) as {
        tag: string;
        step: number;
        wallTime: number;
        value: number | string;
      }[];
      const key = (x: { tag: string; step: number }): string => `${x.tag}\u0000${x.step}`;
      got.sort((a, b) => key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
      const want = [...SAMPLES].sort((a, b) => key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
      assert.equal(got.length, want.length, JSON.stringify(got));
      got.forEach((g, i) => {
        const s = want[i];
        assert.equal(g.tag, s.tag);
        assert.equal(g.step, s.step);
        assert.equal(g.wallTime, s.wallTime);
        const v = typeof g.value === "string"
          ? (g.value === "nan" ? Number.NaN : g.value === "inf" ? Infinity : -Infinity)
          : g.value;
        sameFloat(v, s.value, `${s.tag}@${s.step}`);
      });
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
