// Dependency-free SVG charts for training curves and probe scores. Output is a standalone SVG document string
// (write it with writeFileAtomic). All text is XML-escaped; non-finite data points are skipped.

/** One line of a line chart. */
export interface LineSeries {
  /** Legend text. */
  name: string;
  /** [x, y] pairs in drawing order; non-finite pairs break the line. */
  points: [number, number][];
}

/** Options of {@link lineChartSvg}. */
export interface LineChartOptions {
  /** Chart title. */
  title: string;
  /** X axis label. */
  xLabel: string;
  /** Y axis label. */
  yLabel: string;
  /** The lines, coloured in order. */
  series: LineSeries[];
  /** Pixels; default 720. */
  width?: number;
  /** Pixels; default 420. */
  height?: number;
}

/** One method's bars in a bar chart: `values[g]` (and `errors[g]`, a ± half-width) for group g. */
export interface BarSeries {
  /** Legend text (e.g. the method). */
  name: string;
  /** One value per group; non-finite values leave a gap. */
  values: number[];
  /** Optional ± half-widths of error bars, one per group. */
  errors?: number[];
}

/** Options of {@link barChartSvg}. */
export interface BarChartOptions {
  /** Chart title. */
  title: string;
  /** Group labels along the x axis (e.g. tasks). */
  groups: string[];
  /** One bar per series in every group. */
  series: BarSeries[];
  /** Y axis label. */
  yLabel?: string;
  /** Bottom of the y axis; default: a nice value at or below min(0, data). */
  yMin?: number;
  /** Top of the y axis; default: a nice value at or above the data. */
  yMax?: number;
  /** A dashed horizontal line with a label, e.g. chance level. */
  referenceLine?: { y: number; label: string };
  /** Print each value above its bar; default: when there are at most 24 bars. */
  showValues?: boolean;
  /** Pixels; default 720. */
  width?: number;
  /** Pixels; default 420. */
  height?: number;
}

const PALETTE = [
  "#2563eb",
  "#dc2626",
  "#16a34a",
  "#d97706",
  "#7c3aed",
  "#0891b2",
  "#db2777",
  "#65a30d",
  "#4b5563",
  "#92400e",
];

/** The i-th series colour: a fixed palette, then hues spaced by the golden angle. */
export function seriesColor(i: number): string {
  if (i < PALETTE.length) return PALETTE[i];
  const hue = Math.round((i * 137.508) % 360);
  return `hsl(${hue}, 65%, 42%)`;
}

/** Escape text for use in SVG/XML content and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** A coordinate with at most 2 decimals (keeps files small). Always finite. */
function n(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`svg_chart: internal error, non-finite coordinate ${v}`);
  return String(Math.round(v * 100) / 100);
}

/** Evenly spaced "nice" tick values (steps of 1, 2 or 5 times a power of ten) covering [min, max]. */
export function niceTicks(
  min: number,
  max: number,
  target = 5,
): { min: number; max: number; ticks: number[] } {
  if (!(Number.isFinite(min) && Number.isFinite(max))) {
    min = 0;
    max = 1;
  }
  if (max < min) [min, max] = [max, min];
  if (max === min) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const rough = (max - min) / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(rough));
  const norm = rough / mag;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  const count = Math.round((hi - lo) / step);
  for (let k = 0; k <= count; k++) ticks.push(Number((lo + k * step).toPrecision(12)));
  return { min: ticks[0], max: ticks[ticks.length - 1], ticks };
}

/** Tick label text: enough decimals to tell neighbouring ticks apart. */
export function formatTick(v: number, step: number): string {
  if (v === 0) return "0";
  if (Math.abs(v) >= 1e6 || Math.abs(step) < 1e-4) return v.toExponential(1);
  const decimals = Math.max(0, -Math.floor(Math.log10(Math.abs(step)) + 1e-9));
  return v.toFixed(decimals);
}

interface Frame {
  width: number;
  height: number;
  left: number;
  top: number;
  right: number; // x of the plot's right edge
  bottom: number; // y of the plot's bottom edge
}

function frameFor(width: number, height: number, names: string[], bottomSpace: number): Frame {
  const longest = names.reduce((m, s) => Math.max(m, s.length), 0);
  const legendWidth = names.length > 0 ? Math.min(220, 34 + longest * 7) : 0;
  return {
    width,
    height,
    left: 70,
    top: 44,
    right: width - 20 - legendWidth,
    bottom: height - bottomSpace,
  };
}

function header(f: Frame, title: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${n(f.width)}" height="${n(f.height)}" ` +
    `viewBox="0 0 ${n(f.width)} ${n(f.height)}" font-family="sans-serif" font-size="12">`,
    `<rect x="0" y="0" width="${n(f.width)}" height="${n(f.height)}" fill="#ffffff"/>`,
    `<text x="${n(f.width / 2)}" y="26" text-anchor="middle" font-size="16" font-weight="bold">${
      escapeXml(title)
    }</text>`,
  ];
}

function yAxis(f: Frame, ticks: number[], toY: (v: number) => number, label: string | undefined): string[] {
  const out = ['<g class="y-axis">'];
  const step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
  for (const t of ticks) {
    const y = toY(t);
    out.push(`<line x1="${n(f.left)}" y1="${n(y)}" x2="${n(f.right)}" y2="${n(y)}" stroke="#e5e7eb"/>`);
    out.push(
      `<text x="${n(f.left - 6)}" y="${n(y + 4)}" text-anchor="end">${escapeXml(formatTick(t, step))}</text>`,
    );
  }
  out.push(
    `<line x1="${n(f.left)}" y1="${n(f.top)}" x2="${n(f.left)}" y2="${n(f.bottom)}" stroke="#111827"/>`,
  );
  if (label) {
    const cx = 18;
    const cy = (f.top + f.bottom) / 2;
    out.push(
      `<text x="${n(cx)}" y="${n(cy)}" text-anchor="middle" transform="rotate(-90 ${n(cx)} ${n(cy)})">${
        escapeXml(label)
      }</text>`,
    );
  }
  out.push("</g>");
  return out;
}

function legend(f: Frame, names: string[], kind: "line" | "box"): string[] {
  if (names.length === 0) return [];
  const out = ['<g class="legend">'];
  const x = f.right + 16;
  names.forEach((name, i) => {
    const y = f.top + 8 + i * 20;
    const c = seriesColor(i);
    if (kind === "line") {
      out.push(
        `<line x1="${n(x)}" y1="${n(y)}" x2="${n(x + 20)}" y2="${n(y)}" stroke="${c}" stroke-width="2.5"/>`,
      );
    } else {
      out.push(`<rect x="${n(x + 4)}" y="${n(y - 6)}" width="12" height="12" fill="${c}"/>`);
    }
    out.push(`<text x="${n(x + 26)}" y="${n(y + 4)}">${escapeXml(name)}</text>`);
  });
  out.push("</g>");
  return out;
}

function finiteExtent(values: Iterable<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

/** A line chart (e.g. loss per epoch for several methods) with axes, ticks, grid and a legend. */
export function lineChartSvg(opts: LineChartOptions): string {
  const names = opts.series.map((s) => s.name);
  const f = frameFor(opts.width ?? 720, opts.height ?? 420, names, 56);
  const pts = opts.series.flatMap((s) => s.points);
  const [x0, x1] = finiteExtent(pts.map((p) => p[0]));
  const [y0, y1] = finiteExtent(pts.map((p) => p[1]));
  const xs = niceTicks(x0, x1, 6);
  const ys = niceTicks(y0, y1, 5);
  const toX = (v: number) => f.left + ((v - xs.min) / (xs.max - xs.min)) * (f.right - f.left);
  const toY = (v: number) => f.bottom - ((v - ys.min) / (ys.max - ys.min)) * (f.bottom - f.top);

  const out = header(f, opts.title);
  out.push(...yAxis(f, ys.ticks, toY, opts.yLabel));
  out.push('<g class="x-axis">');
  const xStep = xs.ticks.length > 1 ? xs.ticks[1] - xs.ticks[0] : 1;
  for (const t of xs.ticks) {
    const x = toX(t);
    out.push(
      `<line x1="${n(x)}" y1="${n(f.bottom)}" x2="${n(x)}" y2="${n(f.bottom + 5)}" stroke="#111827"/>`,
    );
    out.push(
      `<text x="${n(x)}" y="${n(f.bottom + 19)}" text-anchor="middle">${
        escapeXml(formatTick(t, xStep))
      }</text>`,
    );
  }
  out.push(
    `<line x1="${n(f.left)}" y1="${n(f.bottom)}" x2="${n(f.right)}" y2="${n(f.bottom)}" stroke="#111827"/>`,
  );
  out.push(
    `<text x="${n((f.left + f.right) / 2)}" y="${n(f.bottom + 42)}" text-anchor="middle">${
      escapeXml(opts.xLabel)
    }</text>`,
  );
  out.push("</g>");

  opts.series.forEach((s, i) => {
    const c = seriesColor(i);
    out.push(`<g class="series" data-name="${escapeXml(s.name)}">`);
    // Break the line at non-finite points instead of drawing through them.
    let d = "";
    let penDown = false;
    let drawn = 0;
    for (const [x, y] of s.points) {
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        penDown = false;
        continue;
      }
      d += `${penDown ? "L" : "M"}${n(toX(x))} ${n(toY(y))} `;
      penDown = true;
      drawn++;
    }
    if (d !== "") {
      out.push(`<path d="${d.trim()}" fill="none" stroke="${c}" stroke-width="2" stroke-linejoin="round"/>`);
    }
    if (drawn <= 40) {
      for (const [x, y] of s.points) {
        if (Number.isFinite(x) && Number.isFinite(y)) {
          out.push(`<circle cx="${n(toX(x))}" cy="${n(toY(y))}" r="3" fill="${c}"/>`);
        }
      }
    }
    out.push("</g>");
  });
  out.push(...legend(f, names, "line"));
  out.push("</svg>");
  return out.join("\n") + "\n";
}

function shortNumber(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 0.01 || a >= 1e4)) return v.toExponential(1);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/**
 * A grouped bar chart: one group per task, one bar per method, optional ± error bars and a dashed reference line
 * (e.g. chance at 0.5). Missing (non-finite) values leave a gap.
 */
export function barChartSvg(opts: BarChartOptions): string {
  const G = opts.groups.length;
  const S = opts.series.length;
  for (const s of opts.series) {
    if (s.values.length !== G) {
      throw new Error(`barChartSvg: series "${s.name}" has ${s.values.length} values for ${G} groups`);
    }
    if (s.errors !== undefined && s.errors.length !== G) {
      throw new Error(`barChartSvg: series "${s.name}" has ${s.errors.length} errors for ${G} groups`);
    }
  }
  const names = opts.series.map((s) => s.name);
  const bandGuess = ((opts.width ?? 720) - 300) / Math.max(1, G);
  const longestGroup = opts.groups.reduce((m, g) => Math.max(m, g.length), 0);
  const rotate = longestGroup * 7 > bandGuess;
  const f = frameFor(opts.width ?? 720, opts.height ?? 420, names, rotate ? 40 + longestGroup * 5 : 44);

  const ends: number[] = [0];
  for (const s of opts.series) {
    s.values.forEach((v, g) => {
      const e = s.errors?.[g] ?? 0;
      ends.push(v - (Number.isFinite(e) ? e : 0), v + (Number.isFinite(e) ? e : 0));
    });
  }
  if (opts.referenceLine) ends.push(opts.referenceLine.y);
  const [lo, hi] = finiteExtent(ends);
  const auto = niceTicks(opts.yMin ?? lo, opts.yMax ?? hi, 5);
  const yMin = opts.yMin ?? auto.min;
  const yMax = opts.yMax ?? auto.max;
  if (!(yMax > yMin)) throw new Error(`barChartSvg: yMax (${yMax}) must be greater than yMin (${yMin})`);
  const ticks = auto.ticks.filter((t) => t >= yMin - 1e-12 && t <= yMax + 1e-12);
  const clampY = (v: number) => Math.min(yMax, Math.max(yMin, v));
  const toY = (v: number) => f.bottom - ((clampY(v) - yMin) / (yMax - yMin)) * (f.bottom - f.top);

  const out = header(f, opts.title);
  out.push(...yAxis(f, ticks, toY, opts.yLabel));
  const band = (f.right - f.left) / Math.max(1, G);
  const inner = band * 0.75;
  const barW = inner / Math.max(1, S);
  const baseY = toY(Math.min(Math.max(0, yMin), yMax));
  const showValues = opts.showValues ?? G * S <= 24;

  out.push('<g class="x-axis">');
  out.push(
    `<line x1="${n(f.left)}" y1="${n(f.bottom)}" x2="${n(f.right)}" y2="${n(f.bottom)}" stroke="#111827"/>`,
  );
  opts.groups.forEach((g, gi) => {
    const cx = f.left + band * (gi + 0.5);
    const y = f.bottom + 18;
    const attrs = rotate
      ? `text-anchor="end" transform="rotate(-30 ${n(cx)} ${n(y)})"`
      : `text-anchor="middle"`;
    out.push(`<text x="${n(cx)}" y="${n(y)}" ${attrs}>${escapeXml(g)}</text>`);
  });
  out.push("</g>");

  opts.series.forEach((s, si) => {
    const c = seriesColor(si);
    out.push(`<g class="series" data-name="${escapeXml(s.name)}">`);
    s.values.forEach((v, gi) => {
      if (!Number.isFinite(v)) return;
      const x = f.left + band * gi + (band - inner) / 2 + barW * si;
      const y = toY(v);
      const top = Math.min(y, baseY);
      out.push(
        `<rect x="${n(x + 1)}" y="${n(top)}" width="${n(Math.max(1, barW - 2))}" height="${
          n(Math.abs(baseY - y))
        }" fill="${c}"><title>${escapeXml(`${s.name} / ${opts.groups[gi]}: ${v}`)}</title></rect>`,
      );
      const e = s.errors?.[gi];
      let labelY = top;
      if (e !== undefined && Number.isFinite(e) && e > 0) {
        const cx = x + barW / 2;
        const y1 = toY(v - e);
        const y2 = toY(v + e);
        out.push(
          `<path d="M${n(cx)} ${n(y1)} L${n(cx)} ${n(y2)} M${n(cx - 4)} ${n(y1)} L${n(cx + 4)} ${n(y1)} M${
            n(cx - 4)
          } ${n(y2)} L${n(cx + 4)} ${n(y2)}" stroke="#111827" stroke-width="1.2" fill="none"/>`,
        );
        labelY = Math.min(labelY, y2);
      }
      if (showValues) {
        out.push(
          `<text x="${n(x + barW / 2)}" y="${n(labelY - 4)}" text-anchor="middle" font-size="10">${
            escapeXml(shortNumber(v))
          }</text>`,
        );
      }
    });
    out.push("</g>");
  });

  if (opts.referenceLine && Number.isFinite(opts.referenceLine.y)) {
    const y = toY(opts.referenceLine.y);
    out.push('<g class="reference-line">');
    out.push(
      `<line x1="${n(f.left)}" y1="${n(y)}" x2="${n(f.right)}" y2="${n(y)}" stroke="#6b7280" ` +
        `stroke-width="1.5" stroke-dasharray="6 4"/>`,
    );
    out.push(
      `<text x="${n(f.right - 4)}" y="${n(y - 5)}" text-anchor="end" fill="#374151" stroke="#ffffff" ` +
        `stroke-width="3" paint-order="stroke">${escapeXml(opts.referenceLine.label)}</text>`,
    );
    out.push("</g>");
  }
  out.push(...legend(f, names, "box"));
  out.push("</svg>");
  return out.join("\n") + "\n";
}

function rootSize(svg: string, index: number): { width: number; height: number; open: string } {
  const m = /<svg\b[^>]*>/.exec(svg);
  if (m === null) throw new Error(`composeSvgs: input ${index} has no <svg> element`);
  const open = m[0];
  const num = (attr: string): number => {
    const a = new RegExp(`\\s${attr}="([0-9.]+)"`).exec(open);
    if (a === null) throw new Error(`composeSvgs: input ${index} has no numeric ${attr} attribute on <svg>`);
    return Number(a[1]);
  };
  return { width: num("width"), height: num("height"), open };
}

/** Stack SVG documents vertically (left-aligned, 16 px apart) in one SVG document, as nested <svg> elements. */
export function composeSvgs(...svgs: string[]): string {
  const gap = 16;
  const parts: string[] = [];
  let y = 0;
  let width = 0;
  svgs.forEach((svg, i) => {
    const body = svg.replace(/^\s*<\?xml[^>]*\?>\s*/, "").trim();
    const { width: w, height: h, open } = rootSize(body, i);
    const reopened = open.replace(/\s(x|y)="[^"]*"/g, "").replace(/^<svg\b/, `<svg x="0" y="${n(y)}"`);
    parts.push(body.replace(open, () => reopened));
    width = Math.max(width, w);
    y += h + gap;
  });
  const height = Math.max(0, y - gap);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${n(width)}" height="${n(height)}" ` +
    `viewBox="0 0 ${n(width)} ${n(height)}">`,
    `<rect x="0" y="0" width="${n(width)}" height="${n(height)}" fill="#ffffff"/>`,
    ...parts,
    "</svg>",
  ].join("\n") + "\n";
}
