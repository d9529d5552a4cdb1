/**
 * A real crash: a training subprocess is killed with SIGKILL (no handler runs, a save may be cut anywhere)
 * right after its first mid-epoch checkpoint appears; `--resume` then finishes the run, and its losses and
 * probe equal an uninterrupted run's. Needs permission to run `deno` (the "test" permission set) and a
 * `deno` on PATH; skipped otherwise.
 */
import assert from "node:assert/strict";

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
  assert.equal(code, 0, `${what} failed: ${new TextDecoder().decode(stderr).slice(-800)}`);
}

function epochLosses(dir: string): number[] {
  return Deno.readTextFileSync(`${dir}/metrics.jsonl`).trim().split("\n").map((l) => JSON.parse(l))
    .filter((r) => r.kind === "epoch").map((r) => r.loss);
}

Deno.test({
  name: "SIGKILL during training, then --resume, gives the uninterrupted run's losses and probe",
  ignore: !(await denoRunnable()),
  fn: async () => {
    const dir = Deno.makeTempDirSync();
    try {
      const cfg = `${dir}/tiny.json`;
      Deno.writeTextFileSync(
        cfg,
        JSON.stringify({
          run: { epochs: 2, batch: 32, seed: 3, checkpointEvery: 2 },
          architecture: { tokenDim: 16, fusionHeads: 2, headHidden: 16, headOut: 8 },
          methods: { infmasking: { numMasks: 2 } },
          data: { options: { nSsl: 384, nProbeTrain: 120, nProbeTest: 80, T: 4, F: 8 } },
          probe: { fineSearch: false, baselines: false },
        }),
      );
      await finish(train(["--config", cfg, "--out", `${dir}/a`]), "the uninterrupted run");
      const victim = train(["--config", cfg, "--out", `${dir}/b`]);
      const t0 = Date.now();
      while (!existsFile(`${dir}/b/model.json`) && !existsFile(`${dir}/b/model.json.prev`)) {
        if (Date.now() - t0 > 120_000) throw new Error("no checkpoint within 2 minutes");
        await new Promise((r) => setTimeout(r, 10));
      }
      victim.kill("SIGKILL");
      const killed = await victim.output();
      assert.equal(killed.signal, "SIGKILL", "the run was killed, not finished");
      assert.ok(!existsFile(`${dir}/b/results.json`), "killed before the end");
      await finish(train(["--config", cfg, "--out", `${dir}/b`, "--resume"]), "the resumed run");
      assert.deepEqual(epochLosses(`${dir}/b`).slice(-2), epochLosses(`${dir}/a`));
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
