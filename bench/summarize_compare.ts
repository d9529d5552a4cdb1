/**
 * Mean ± standard deviation over seeds of `--compare` results.
 * Run: `deno run -P bench/summarize_compare.ts OUT_SEED0/compare.json OUT_SEED1/compare.json …`
 */
interface Scores {
  balancedAccuracy: number;
}
interface Result {
  method: string;
  probe: Record<string, Scores>;
  probeClassWeighted: Record<string, Scores>;
}

const files = Deno.args;
if (files.length === 0) {
  console.error("usage: deno run -P bench/summarize_compare.ts compare.json [compare.json …]");
  Deno.exit(2);
}
const runs: Result[][] = files.map((f) => JSON.parse(Deno.readTextFileSync(f)));
const methods = runs[0].map((r) => r.method);
const tasks = Object.keys(runs[0][0].probe);

function cell(values: number[]): string {
  const m = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, values.length - 1));
  return `${(100 * m).toFixed(1)} ± ${(100 * sd).toFixed(1)}`;
}

for (const key of ["probe", "probeClassWeighted"] as const) {
  console.log(
    `\n${key === "probe" ? "paper's probe (unweighted)" : "class-weighted probe"}, balanced accuracy %, ` +
      `mean ± sd over ${runs.length} seeds\n`,
  );
  console.log(`| method | ${tasks.join(" | ")} |`);
  console.log(`| --- | ${tasks.map(() => "---").join(" | ")} |`);
  for (const m of methods) {
    const per = runs.map((run) => run.find((r) => r.method === m)!);
    console.log(
      `| ${m} | ${tasks.map((t) => cell(per.map((r) => r[key][t].balancedAccuracy))).join(" | ")} |`,
    );
  }
}
