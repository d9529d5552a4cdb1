/**
 * Experiments: the unbiased/biased protocol trains two models and reports one result (synergy from the
 * biased run, the rest from the unbiased one); seeds give mean ± sd; results carry the baselines; "best-val"
 * selection reports the selected epoch without touching the test split.
 */
import assert from "node:assert/strict";
import { runDirs, runExperiment, seedStat, summaryTable } from "../src/train/experiment.ts";
import type { TrainConfigInput } from "../src/train/config.ts";

const TINY: TrainConfigInput = {
  run: { epochs: 2, batch: 32 },
  architecture: { tokenDim: 16, fusionHeads: 2, headHidden: 16, headOut: 8 },
  methods: { infmasking: { numMasks: 2 } },
  data: { options: { nSsl: 128, nProbeTrain: 120, nProbeTest: 80, T: 4, F: 8 } },
  probe: { fineSearch: false },
};

Deno.test("the unbiased/biased protocol trains two models per method and merges them into one result", async () => {
  const out = Deno.makeTempDirSync();

  try {
    const plan = {
      methods: ["infmasking", "cross"],
      seeds: null,
      protocol: "unbiased-biased" as const,
      progress: false,
    };
    const r = await runExperiment([TINY], out, plan);
    assert.equal(r.outcomes.length, 2);
    for (const o of r.outcomes) {
      const dir = `${out}/${o.method}`;
      const unbiased = JSON.parse(Deno.readTextFileSync(`${dir}/unbiased/results.json`));
      const biased = JSON.parse(Deno.readTextFileSync(`${dir}/biased/results.json`));
      const merged = JSON.parse(Deno.readTextFileSync(`${dir}/results.json`));
      assert.deepEqual(merged.probe.synergy, biased.probe.synergy);
      for (const t of ["redundancy", "uniqueness1", "uniqueness2"]) {
        assert.deepEqual(merged.probe[t], unbiased.probe[t]);
      }
      // the two runs trained on different SSL sets (biased vs unbiased pairs): their epoch losses differ
      const lossOf = (p: string) =>
        JSON.parse(Deno.readTextFileSync(`${dir}/${p}/metrics.jsonl`).split("\n")[0]).loss;
      assert.notEqual(lossOf("unbiased"), lossOf("biased"));
      assert.ok(
        merged.baselines.raw && merged.baselines.modality0 && merged.baselines.modality1,
        "baselines",
      );
    }
    assert.deepEqual(runDirs(out, [0], plan).length, 4);
    const table = summaryTable(r);
    assert.match(table, /protocol unbiased-biased/);
    assert.match(table, /infmasking:modality1/);
    const summary = JSON.parse(Deno.readTextFileSync(`${out}/summary.json`));
    assert.deepEqual(Object.keys(summary.methods), ["infmasking", "cross"]);
  } finally {
    Deno.removeSync(out, { recursive: true });
  }
});

Deno.test("seeds give one run each and the mean and sample sd per task; best-val reports a selected epoch", async () => {
  const out = Deno.makeTempDirSync();
  try {
    const r = await runExperiment([TINY, { probe: { select: "best-val" } }], out, {
      methods: ["comm"],
      seeds: [3, 4],
      protocol: "single",
      progress: false,
    });
    const o = r.outcomes[0];
    assert.deepEqual(o.results.map((x) => x.seed), [3, 4]);
    const values = o.results.map((x) => x.probe.redundancy.balancedAccuracy);
    assert.deepEqual(o.balancedAccuracy.redundancy.values, values);
    assert.ok(Math.abs(o.balancedAccuracy.redundancy.mean - (values[0] + values[1]) / 2) < 1e-12);
    for (const x of o.results) {
      assert.ok(x.selected && x.selected.epoch >= 1 && x.selected.epoch <= 2, "a selected epoch");
      assert.ok(x.history.every((h) => typeof h.selectionScore === "number"), "a validation score per epoch");
      const saved = JSON.parse(Deno.readTextFileSync(`${out}/seed${x.seed}/results.json`));
      assert.equal(saved.selected.epoch, x.selected!.epoch);
    }
  } finally {
    Deno.removeSync(out, { recursive: true });
  }
});

Deno.test("seedStat: mean and sample standard deviation", () => {
  const s = seedStat([0.5, 0.7, 0.9]);
  assert.ok(Math.abs(s.mean - 0.7) < 1e-12);
  assert.ok(Math.abs(s.sd - 0.2) < 1e-12);
  assert.equal(seedStat([0.4]).sd, 0);
});

Deno.test("the protocol is refused for a dataset without biased pairs, naming it", async () => {
  await assert.rejects(
    () =>
      runExperiment([{ dataset: "npy:/nowhere" }], "/tmp/unused", {
        methods: ["comm"],
        seeds: null,
        protocol: "unbiased-biased",
      }),
    /--protocol unbiased-biased needs a dataset with biased and unbiased pairs \(synthetic, trifeatures\), not npy:\/nowhere/,
  );
});
