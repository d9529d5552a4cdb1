/**
 * A real crash: a training subprocess is killed with SIGKILL (no handler runs, a save may be cut anywhere)
 * three times at seeded random moments, resumed each time; the last `--resume` finishes the run, and its
 * losses and probe equal an uninterrupted run's. Needs permission to run `deno` (the "test" permission set) and a
 * `deno` on PATH; skipped otherwise.
 */
import assert from "node:assert/strict";
import { Philox } from "../src/random/philox.ts";

const ROOT = new URL("..", import.meta.url).pathname;

async function denoRunnable(): Promise<boolean> {
  if ((await Deno.permissions.query({ name: "run", command: "deno" })).state !== "granted") return false;
  try {
    return (await new Deno.Command("deno", { args: ["--version"], stdout: "null", stderr: "null" }).output())
      .success;
  } catch {
    return false;
  }
}

function train(args: string[]): Deno.ChildProcess {
  return new Deno.Command("deno", {
    args: ["run", "-P", "src/cli/train.ts", ...args],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
}

async function finish(child: Deno.ChildProcess, what: string): Promise<void> {
  const { code, stderr } = await child.output();
  // the CLI follows an error with its usage text, so the tail alone would hide the error: show its lines
  const text = new TextDecoder().decode(stderr);
  const errors = text.split("\n").filter((l) => /^(error:|\[mmssl\])/.test(l)).join("\n");
  assert.equal(code, 0, `${what} failed (exit ${code}): ${errors || text.slice(-800)}`);
}

function epochLosses(dir: string): number[] {
  return Deno.readTextFileSync(`${dir}/metrics.jsonl`).trim().split("\n").map((l) => JSON.parse(l))
    .filter((r) => r.kind === "epoch").map((r) => r.loss);
}

Deno.test({
  name: "SIGKILL at random moments, each time --resume, gives the uninterrupted run's losses and probe",
  ignore: !(await denoRunnable()),
  fn: async () => {
    const dir = Deno.makeTempDirSync();
    try {
      const cfg = `${dir}/tiny.json`;
      Deno.writeTextFileSync(
        cfg,
        JSON.stringify({
          run: { epochs: 3, batch: 32, seed: 3, checkpointEvery: 2 },
          architecture: { tokenDim: 16, fusionHeads: 2, headHidden: 16, headOut: 8 },
          methods: { infmasking: { numMasks: 2 } },
          data: { options: { nSsl: 384, nProbeTrain: 120, nProbeTest: 80, T: 4, F: 8 } },
          probe: { fineSearch: false, baselines: false },
        }),
      );
      await finish(train(["--config", cfg, "--out", `${dir}/a`]), "the uninterrupted run");
      // Three kills at random moments (seeded): the first once a checkpoint exists, the next ones a random
      // 0-1.5 s into a resumed run, so a kill can land mid-step or mid-write.
      const rng = new Philox(11);
      for (let k = 0; k < 3; k++) {
        const victim = train(["--config", cfg, "--out", `${dir}/b`, ...(k > 0 ? ["--resume"] : [])]);
        const t0 = Date.now();
        while (!existsFile(`${dir}/b/model.json`) && !existsFile(`${dir}/b/model.json.prev`)) {
          if (Date.now() - t0 > 120_000) throw new Error("no checkpoint within 2 minutes");
          await new Promise((r) => setTimeout(r, 10));
        }
        await new Promise((r) => setTimeout(r, k === 0 ? 0 : Math.floor(rng.uniform(1)[0] * 1500)));
        try {
          victim.kill("SIGKILL");
        } catch { /* it already ended */ }
        const killed = await victim.output();
        if (killed.signal !== "SIGKILL") break; // it finished before the kill: nothing left to interrupt
      }
      await finish(train(["--config", cfg, "--out", `${dir}/b`, "--resume"]), "the resumed run");
      assert.deepEqual(epochLosses(`${dir}/b`).slice(-3), epochLosses(`${dir}/a`));
      const ra = JSON.parse(Deno.readTextFileSync(`${dir}/a/results.json`));
      const rb = JSON.parse(Deno.readTextFileSync(`${dir}/b/results.json`));
      assert.deepEqual(rb.probe, ra.probe);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

function existsFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}
