import assert from "node:assert/strict";
import { formatDuration, formatMetric, Progress } from "../src/io/progress.ts";

function harness(isTerminal: boolean, total = 100) {
  let t = 1000; // ms; any origin works
  const out: string[] = [];
  const p = new Progress({
    total,
    label: "comm",
    isTerminal,
    write: (s) => out.push(s),
    now: () => t,
    intervalSec: 10,
    columns: 200,
  });
  return { p, out, at: (sec: number) => (t = 1000 + sec * 1000) };
}

Deno.test("formatDuration", () => {
  assert.equal(formatDuration(0), "0.0s");
  assert.equal(formatDuration(4.24), "4.2s");
  assert.equal(formatDuration(42.4), "42s");
  assert.equal(formatDuration(59.7), "1m00s");
  assert.equal(formatDuration(185), "3m05s");
  assert.equal(formatDuration(2 * 3600 + 3 * 60 + 29), "2h03m");
  assert.equal(formatDuration(86400 + 2 * 3600 + 10), "1d02h");
  assert.equal(formatDuration(NaN), "--");
  assert.equal(formatDuration(Infinity), "--");
  assert.equal(formatDuration(-1), "--");
});

Deno.test("formatMetric", () => {
  assert.equal(formatMetric(1.23456), "1.2346");
  assert.equal(formatMetric(0.0001234), "1.23e-4");
  assert.equal(formatMetric(123456), "1.23e+5");
  assert.equal(formatMetric(NaN), "NaN");
});

Deno.test("ETA is elapsed time scaled by the remaining fraction of steps", () => {
  const { p, at } = harness(false, 1000);
  at(30);
  // 250 of 1000 steps in 30 s -> 750 steps at 250/30 steps per second = 90 s.
  assert.equal(p.etaSeconds(250), 90);
  assert.ok(Number.isNaN(p.etaSeconds(0)));
  assert.equal(p.etaSeconds(1000), 0);
  // A resumed run measures the rate from its starting step.
  let t = 0;
  const resumed = new Progress({
    total: 1000,
    startStep: 600,
    isTerminal: false,
    write: () => {},
    now: () => t,
  });
  t = 20_000;
  assert.equal(resumed.etaSeconds(800), 20); // 200 steps in 20 s, 200 left
});

Deno.test("plain mode prints the first update, then every interval, at epoch ends and at the end", () => {
  const { p, out, at } = harness(false);
  at(1);
  p.update({ step: 1, epoch: 0, loss: 2.5, samplesPerSec: 256 });
  at(5);
  p.update({ step: 2, epoch: 0, loss: 2.4, samplesPerSec: 256 }); // within 10 s: silent
  at(11.5);
  p.update({
    step: 20,
    epoch: 0,
    loss: 1.23456,
    samplesPerSec: 1234.4,
    extra: { lambda: 0.5, phase: "warmup" },
  });
  at(12);
  p.update({ step: 25, epoch: 0, loss: 1.1, samplesPerSec: 9.87, epochEnd: true });
  at(13);
  p.update({ step: 26, epoch: 1, loss: 1.0 }); // silent
  p.log("epoch 0: probe 0.91");
  at(50);
  p.update({ step: 100, epoch: 3, loss: 0.5 });
  p.update({ step: 100, epoch: 3, loss: 0.5 }); // the final line is printed once
  p.done();
  assert.deepEqual(out, [
    "comm step 1/100 (1.0%)  epoch 0  loss 2.5000  256 samples/s  elapsed 1.0s  ETA 1m39s\n",
    // 20 steps in 11.5 s, 80 left -> 46 s.
    "comm step 20/100 (20.0%)  epoch 0  loss 1.2346  1234 samples/s  lambda 0.5000  phase warmup  elapsed 12s  ETA 46s\n",
    // 25 steps in 12 s, 75 left -> 36 s.
    "comm step 25/100 (25.0%)  epoch 0  loss 1.1000  9.9 samples/s  elapsed 12s  ETA 36s\n",
    "epoch 0: probe 0.91\n",
    "comm step 100/100 (100.0%)  epoch 3  loss 0.5000  elapsed 50s  ETA 0.0s\n",
    "comm: done, 100 steps in 50s\n",
  ]);
});

Deno.test("terminal mode redraws one line at most every 100 ms", () => {
  const { p, out, at } = harness(true, 48);
  at(0.0);
  p.update({ step: 12, epoch: 0, loss: 3 });
  at(0.05);
  p.update({ step: 13, epoch: 0, loss: 3 }); // throttled
  at(0.1);
  p.update({ step: 24, epoch: 0, loss: 2 });
  assert.equal(out.length, 2);
  for (const s of out) {
    assert.ok(s.startsWith("\r\x1b[K"));
    assert.ok(!s.includes("\n"));
  }
  // 12/48 = 25 %: 6 of 24 bar cells; no time has passed yet, so no ETA.
  assert.equal(out[0], "\r\x1b[Kcomm [######------------------]  25% 12/48  epoch 0  loss 3.0000  ETA --");
  // 24 steps in 0.1 s, 24 left -> 0.1 s.
  assert.equal(out[1], "\r\x1b[Kcomm [############------------]  50% 24/48  epoch 0  loss 2.0000  ETA 0.1s");
  p.log("hello");
  assert.equal(out[2], `\r\x1b[Khello\n${out[1].slice(4)}`);
  at(2);
  p.done();
  assert.equal(out[3], "\r\x1b[Kcomm [############------------]  50% 24/48  epoch 0  loss 2.0000  ETA 2.0s");
  assert.equal(out[4], "\n");
  assert.equal(out[5], "comm: done, 24 steps in 2.0s\n");
});

Deno.test("terminal mode truncates to the terminal width", () => {
  const out: string[] = [];
  const p = new Progress({
    total: 10,
    isTerminal: true,
    write: (s) => out.push(s),
    now: () => 0,
    columns: 30,
  });
  p.update({ step: 1, loss: 1, extra: { a_long_metric_name: 1 } });
  assert.equal(out[0].length, 4 + 29);
  assert.throws(() => new Progress({ total: -1 }), /total must be a non-negative number/);
});
