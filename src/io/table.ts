// Plain-text tables for results printed at the end of training (monospace, columns separated by two spaces).

/** A table cell. null/undefined print as "-". */
export type TableCell = string | number | null | undefined;

/** Options of {@link formatTable}. */
export interface TableOptions {
  /** Per-column alignment. Default: right for columns holding only numbers, left otherwise. */
  align?: ("left" | "right")[];
  /** Decimals for non-integer numbers. Default 4. */
  decimals?: number;
}

function cellText(c: TableCell, decimals: number, integerColumn: boolean): string {
  if (c === null || c === undefined) return "-";
  if (typeof c === "string") return c;
  if (Number.isNaN(c)) return "nan";
  if (!Number.isFinite(c)) return c > 0 ? "inf" : "-inf";
  return integerColumn ? String(c) : c.toFixed(decimals);
}

/**
 * Format rows under a header with aligned columns, a dashed rule under the header and a trailing newline.
 * A column whose numbers are all integers prints them as such; otherwise its numbers get `decimals` decimals.
 */
export function formatTable(header: string[], rows: TableCell[][], opts: TableOptions = {}): string {
  const decimals = opts.decimals ?? 4;
  const cols = Math.max(header.length, ...rows.map((r) => r.length));
  const integerColumn = Array.from(
    { length: cols },
    (_, j) => rows.every((r) => typeof r[j] !== "number" || Number.isInteger(r[j])),
  );
  const text = rows.map((r) =>
    Array.from({ length: cols }, (_, j) => cellText(r[j], decimals, integerColumn[j]))
  );
  const head = Array.from({ length: cols }, (_, j) => header[j] ?? "");
  const align = Array.from({ length: cols }, (_, j) => {
    if (opts.align?.[j]) return opts.align[j];
    const present = rows.map((r) => r[j]).filter((c) => c !== null && c !== undefined);
    return present.length > 0 && present.every((c) => typeof c === "number") ? "right" : "left";
  });
  const width = head.map((h, j) => Math.max(h.length, ...text.map((r) => r[j].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, j) => (align[j] === "right" ? c.padStart(width[j]) : c.padEnd(width[j])))
      .join("  ")
      .trimEnd();
  const out = [line(head), width.map((w) => "-".repeat(w)).join("  "), ...text.map(line)];
  return out.join("\n") + "\n";
}

/** Probe scores of one task, as in results.json. */
export interface ProbeScores {
  /** Mean per-class recall, a fraction. */
  balancedAccuracy: number;
  /** A fraction. */
  accuracy: number;
  /** Area under the ROC curve, when the task has it. */
  auroc?: number;
}

/**
 * The end-of-training results table: one row per (method, task) with balanced accuracy, accuracy and, when any
 * task has it, AUROC. `entries` are results.json objects (only `method` and `probe` are read).
 */
export function formatProbeTable(
  entries: { method: string; probe: Record<string, ProbeScores> }[],
  opts: { decimals?: number } = {},
): string {
  const hasAuroc = entries.some((e) => Object.values(e.probe).some((p) => p.auroc !== undefined));
  const header = ["method", "task", "balanced acc", "accuracy", ...(hasAuroc ? ["AUROC"] : [])];
  const rows: TableCell[][] = [];
  for (const e of entries) {
    for (const [task, p] of Object.entries(e.probe)) {
      rows.push([e.method, task, p.balancedAccuracy, p.accuracy, ...(hasAuroc ? [p.auroc] : [])]);
    }
  }
  const align: ("left" | "right")[] = ["left", "left", "right", "right", "right"];
  return formatTable(header, rows, { decimals: opts.decimals ?? 4, align });
}
