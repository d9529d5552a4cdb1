import assert from "node:assert/strict";
import { Philox } from "../src/random/philox.ts";
import {
  EPOCH_SPAN,
  epochStream,
  findStreamOverlaps,
  listStreams,
  streamFor,
  type StreamPurpose,
  STREAMS,
  type StreamTable,
} from "../src/random/streams.ts";
import { makeSyntheticDataset, syntheticSynergyPermutation } from "../src/data/synthetic.ts";
import { trifeaturesSynergyPermutation } from "../src/data/trifeatures.ts";
import { seededUniform } from "../src/eval/split.ts";

/**
 * Source folders (with their subfolders) whose `new Philox(...)` / `setSeed(...)` calls must take their
 * stream from src/random/streams.ts.
 */
const SCANNED_DIRS = ["src/data", "src/eval", "src/train", "src/methods", "src/models"];
const ROOT = new URL("../", import.meta.url);

Deno.test("streams: no two purposes of the table share a stream id", () => {
  const ranges = listStreams();
  assert.deepEqual(findStreamOverlaps(ranges), []);
  const names = ranges.map((r) => r.purpose);
  assert.equal(new Set(names).size, names.length);
  for (
    const p of [
      "init",
      "probeSplit",
      "epoch.batches",
      "epoch.augment",
      "epoch.masks",
      "epoch.dropout",
      "synthetic.patterns",
      "synthetic.synergyPermutation",
      "synthetic.ssl",
      "synthetic.probeTrain",
      "synthetic.probeTest",
      "trifeatures.combos",
      "trifeatures.synergyPermutation",
      "trifeatures.render",
      "trifeatures.sslPairs",
      "trifeatures.probeTrainPairs",
      "trifeatures.probeTestPairs",
      "avmnist.trainPairs",
      "avmnist.valPairs",
      "avmnist.testPairs",
      "physionet2012.split",
    ]
  ) assert.ok(names.includes(p), `${p} is in the table`);
  for (const r of ranges) {
    assert.equal(r.span, r.purpose.startsWith("epoch.") ? EPOCH_SPAN : 1, r.purpose);
    assert.equal(streamFor(r.purpose as StreamPurpose), r.base);
  }
  assert.ok(Object.isFrozen(STREAMS) && Object.isFrozen(STREAMS.epoch) && Object.isFrozen(STREAMS.synthetic));
});

Deno.test("streams: the overlap checker finds collisions in fake tables", () => {
  const bad = (t: StreamTable) => findStreamOverlaps(listStreams(t));
  // init back on the synthetic synergy permutation's id (the bug this table fixes)
  const clash = bad({ ...STREAMS, init: STREAMS.synthetic.synergyPermutation });
  assert.equal(clash.length, 1);
  assert.match(
    clash[0],
    /synthetic\.synergyPermutation \[1, 2\) overlaps init \[1, 2\)|init .* overlaps synthetic/,
  );
  // a single id inside a per-epoch range
  assert.match(
    bad({ ...STREAMS, mydata: { shuffle: 1_500_000 } }).join(),
    /epoch\.batches .* overlaps mydata\.shuffle/,
  );
  // two per-epoch ranges less than EPOCH_SPAN apart
  assert.equal(bad({ epoch: { a: 0, b: EPOCH_SPAN - 1 } }).length, 1);
  assert.deepEqual(bad({ epoch: { a: 0, b: EPOCH_SPAN } }), [], "adjacent ranges do not overlap");
  // the same id twice in one group, and invalid ids
  assert.equal(bad({ g: { a: 7, b: 7 }, c: 8 }).length, 1);
  assert.match(bad({ a: -1 }).join(), /not a valid range/);
  assert.match(bad({ a: 1.5 }).join(), /not a valid range/);
  assert.deepEqual(bad({ a: 0, g: { b: 1, h: { c: 2 } } }), []);
  assert.deepEqual(listStreams({ a: 0, g: { b: 1, h: { c: 2 } } }).map((r) => r.purpose), [
    "a",
    "g.b",
    "g.h.c",
  ]);
});

Deno.test("streams: kept ids (synthetic data, per-epoch training streams) and init's new id", () => {
  // the default demo's data and existing checkpoints' training streams stay as they were
  assert.deepEqual({ ...STREAMS.synthetic }, {
    patterns: 0,
    synergyPermutation: 1,
    ssl: 2,
    probeTrain: 3,
    probeTest: 4,
  });
  assert.deepEqual({ ...STREAMS.epoch }, {
    batches: 1_000_000,
    augment: 2_000_000,
    masks: 3_000_000,
    dropout: 4_000_000,
  });
  assert.notEqual(STREAMS.init, 1, "init no longer shares the synthetic synergy permutation's stream");
  assert.equal(epochStream("batches", 0), 1_000_000);
  assert.equal(epochStream("dropout", 7), 4_000_007);
  assert.equal(streamFor("epoch.masks", 2), 3_000_002);
  assert.equal(streamFor("trifeatures.render"), STREAMS.trifeatures.render);
  assert.throws(() => epochStream("augment", EPOCH_SPAN), /\[0, 1000000\)/);
  assert.throws(() => epochStream("augment", -1), /integer in/);
  assert.throws(() => epochStream("augment", 1.5), /integer in/);
  assert.throws(() => streamFor("synthetic.ssl", 1), /\[0, 1\)/);
  assert.throws(() => streamFor("nope" as StreamPurpose), /unknown purpose/);
});

/** Strip block and line comments (good enough for this code base: no "//" inside strings of these files). */
function stripComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
}

/** Top-level arguments of every call `head(...)` in src (balanced parentheses). */
function callArguments(src: string, head: RegExp): string[][] {
  const calls: string[][] = [];
  const re = new RegExp(head.source, "g");
  for (let m = re.exec(src); m !== null; m = re.exec(src)) {
    let depth = 1, i = m.index + m[0].length, start = i;
    const args: string[] = [];
    for (; i < src.length && depth > 0; i++) {
      const ch = src[i];
      if (ch === "(" || ch === "[" || ch === "{") depth++;
      else if (ch === ")" || ch === "]" || ch === "}") depth--;
      if ((ch === "," && depth === 1) || depth === 0) {
        args.push(src.slice(start, i).trim());
        start = i + 1;
      }
    }
    calls.push(args.filter((a, k) => a !== "" || k < args.length - 1));
  }
  return calls;
}

/** Problems with the random streams of one source file (empty when every stream comes from the table). */
function streamProblems(file: string, src: string): string[] {
  const code = stripComments(src);
  const out: string[] = [];
  const literal = /^[+-]?(0[xob][0-9a-f_]+n?|\d[\d_]*(\.\d*)?(e[+-]?\d+)?n?)$/i;
  const calls = callArguments(code, /new\s+Philox\s*\(/);
  for (const args of calls) {
    if (args.length < 2) out.push(`${file}: new Philox(${args.join(", ")}) uses the default stream 0`);
    else if (literal.test(args[1])) out.push(`${file}: new Philox(${args.join(", ")}) uses a literal stream`);
  }
  for (const args of callArguments(code, /\.fork\s*\(/)) {
    if (args.length > 0 && literal.test(args[0])) {
      out.push(`${file}: .fork(${args[0]}) uses a literal stream`);
    }
  }
  for (const args of callArguments(code, /\bsetSeed\s*\(/)) {
    if (args.length < 2 || literal.test(args[1])) {
      out.push(`${file}: setSeed(${args.join(", ")}) needs a table stream`);
    }
  }
  if (calls.length > 0 && !/from\s+"[./]*\/?random\/streams\.ts"/.test(code)) {
    out.push(`${file}: constructs a Philox but does not import src/random/streams.ts`);
  }
  return out;
}

Deno.test("streams: the stream scanner flags literal and default streams", () => {
  const imp = 'import { STREAMS } from "../random/streams.ts";\n';
  assert.deepEqual(streamProblems("ok.ts", imp + "const r = new Philox(seed, STREAMS.synthetic.ssl);"), []);
  assert.deepEqual(
    streamProblems("ok.ts", imp + "const r = new Philox(seed, STREAMS.avmnist[`${n}Pairs`]);"),
    [],
  );
  assert.deepEqual(
    streamProblems("ok.ts", imp + "// new Philox(seed, 0) in a comment\n/* new Philox(1) */"),
    [],
  );
  assert.equal(streamProblems("a.ts", imp + "new Philox(seed, 0).permutation(3);").length, 1);
  assert.equal(streamProblems("a.ts", imp + "new Philox(f(seed, 2), 3_000);").length, 1);
  assert.equal(streamProblems("a.ts", imp + "new Philox(seed, 0x10);").length, 1);
  assert.equal(streamProblems("a.ts", imp + "new Philox(seed, 5n);").length, 1);
  assert.deepEqual(
    streamProblems("ok.ts", imp + "new Philox(seed, e);"),
    [],
    "a variable named e is no literal",
  );
  assert.equal(streamProblems("a.ts", imp + "new Philox(seed);").length, 1);
  assert.equal(streamProblems("a.ts", imp + "rng.fork(2); setSeed(s, 1);").length, 2);
  assert.equal(streamProblems("a.ts", "new Philox(seed, STREAM.init);").length, 1, "no table import");
});

Deno.test("streams: every Philox in data, eval, train, methods and models draws on a stream of the table", async () => {
  const problems: string[] = [];
  let files = 0;
  const scan = async (dir: string): Promise<void> => {
    for await (const e of Deno.readDir(new URL(dir, ROOT))) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory) await scan(path);
      else if (e.isFile && e.name.endsWith(".ts")) {
        problems.push(...streamProblems(path, await Deno.readTextFile(new URL(path, ROOT))));
        files++;
      }
    }
  };
  for (const dir of SCANNED_DIRS) await scan(dir);
  assert.ok(files > 30, `scanned ${files} files`);
  assert.deepEqual(problems, []);
});

Deno.test("streams: with one seed, init and the synthetic synergy permutation draw different sequences", () => {
  for (const seed of [0, 1, 42, 2 ** 40]) {
    const init = new Philox(seed, STREAMS.init).nextUint32(new Uint32Array(16));
    const syn = new Philox(seed, STREAMS.synthetic.synergyPermutation).nextUint32(new Uint32Array(16));
    assert.notDeepEqual(init, syn, `seed ${seed}`);
    // the generator draws its permutation on its table stream, not on init's
    const perm = syntheticSynergyPermutation(seed);
    assert.deepEqual(perm, new Philox(seed, STREAMS.synthetic.synergyPermutation).permutation(10));
    assert.notDeepEqual(perm, new Philox(seed, STREAMS.init).permutation(10));
    assert.deepEqual(
      trifeaturesSynergyPermutation(seed),
      new Philox(seed, STREAMS.trifeatures.synergyPermutation).permutation(10),
    );
  }
  // every purpose's first draws differ from every other's under one seed (first and last id of ranges)
  const seen = new Map<string, string>();
  for (const r of listStreams()) {
    for (const id of r.span === 1 ? [r.base] : [r.base, r.base + r.span - 1]) {
      const key = Array.from(new Philox(3, id).nextUint32(new Uint32Array(4))).join();
      assert.equal(seen.get(key), undefined, `${r.purpose} (${id}) draws what ${seen.get(key)} draws`);
      seen.set(key, `${r.purpose} (${id})`);
    }
  }
});

Deno.test("streams: same seed and purpose give the same draws", () => {
  for (const p of ["trifeatures.render", "physionet2012.split", "init"] as const) {
    assert.deepEqual(new Philox(9, streamFor(p)).uniform(50), new Philox(9, streamFor(p)).uniform(50), p);
  }
  assert.deepEqual(
    new Philox(9, epochStream("masks", 4)).uniform(50),
    new Philox(9, epochStream("masks", 4)).uniform(50),
  );
  assert.notDeepEqual(
    new Philox(9, epochStream("masks", 4)).uniform(50),
    new Philox(9, epochStream("masks", 5)).uniform(50),
  );
  // the probe split's generator: Philox(seed, STREAMS.probeSplit) outputs / 2^32, across its buffer refills
  const u = seededUniform(5), v = seededUniform(5);
  const raw = new Philox(5, STREAMS.probeSplit).nextUint32(new Uint32Array(600));
  for (let i = 0; i < 600; i++) {
    const x = u();
    assert.equal(x, raw[i] / 4294967296);
    assert.equal(v(), x);
    assert.ok(x >= 0 && x < 1);
  }
  const small = { seed: 2, nSsl: 8, nProbeTrain: 6, nProbeTest: 5 };
  assert.deepEqual(makeSyntheticDataset(small), makeSyntheticDataset(small));
});
