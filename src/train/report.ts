/** Run outputs people read: results.json, the probe table and an SVG of losses and probe scores. */
import { writeFileAtomic, writeJsonAtomic } from "../io/atomic.ts";
import { barChartSvg, composeSvgs, lineChartSvg } from "../io/svg_chart.ts";
import { formatProbeTable } from "../io/table.ts";
import type { RunResult } from "./loop.ts";

/** The results.json object of API.md (accuracies as fractions). */
export interface ResultsJson {
  method: string;
  dataset: string;
  seed: number;
  epochs: number;
  probe: Record<string, { balancedAccuracy: number; accuracy: number; auroc?: number }>;
  /** An addition to API.md's format: the same probe with balanced class weights. */
  probeClassWeighted: Record<string, { balancedAccuracy: number; accuracy: number; auroc?: number }>;
  trainSeconds: number;
}

function scoresOf(p: RunResult["probe"]): ResultsJson["probe"] {
  const out: ResultsJson["probe"] = {};
  for (const [task, s] of Object.entries(p)) {
    out[task] = {
      balancedAccuracy: s.balancedAccuracy,
      accuracy: s.accuracy,
      ...(s.auroc !== undefined ? { auroc: s.auroc } : {}),
    };
  }
  return out;
}

export function resultsJson(r: RunResult): ResultsJson {
  return {
    method: r.method,
    dataset: r.dataset,
    seed: r.seed,
    epochs: r.epochs,
    probe: scoresOf(r.probe),
    probeClassWeighted: scoresOf(r.probeWeighted),
    trainSeconds: r.trainSeconds,
  };
}

export function writeResults(dir: string, r: RunResult): void {
  writeJsonAtomic(`${dir}/results.json`, resultsJson(r));
}

/** The plain-text tables of balanced accuracy (and accuracy, AUROC) per method and task, for both probes. */
export function probeTable(results: RunResult[]): string {
  const plain = formatProbeTable(results.map((r) => ({ method: r.method, probe: r.probe })), { decimals: 3 });
  const weighted = formatProbeTable(results.map((r) => ({ method: r.method, probe: r.probeWeighted })), {
    decimals: 3,
  });
  return `linear probe (the paper's, unweighted):\n${plain}\n\nlinear probe with balanced class weights:\n${weighted}`;
}

/** An SVG with each run's loss curve and a bar chart of probe balanced accuracy per task and method. */
export function runChartSvg(results: RunResult[], title: string): string {
  const losses = lineChartSvg({
    title: `${title}: training loss`,
    xLabel: "epoch",
    yLabel: "loss",
    series: results.map((r) => ({
      name: r.method,
      points: r.history.map((h) => [h.epoch, h.loss] as [number, number]),
    })),
  });
  const tasks = [...new Set(results.flatMap((r) => Object.keys(r.probe)))];
  if (tasks.length === 0) return composeSvgs(losses);
  const bars = barChartSvg({
    title: `${title}: linear probe (balanced accuracy)`,
    groups: tasks,
    series: results.map((r) => ({
      name: r.method,
      values: tasks.map((t) => r.probe[t]?.balancedAccuracy ?? NaN),
    })),
    yMin: 0,
    yMax: 1,
    yLabel: "balanced accuracy",
    showValues: true,
  });
  return composeSvgs(losses, bars);
}

export function writeChart(path: string, results: RunResult[], title: string): void {
  writeFileAtomic(path, runChartSvg(results, title));
}
