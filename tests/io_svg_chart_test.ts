import assert from "node:assert/strict";
import {
  barChartSvg,
  composeSvgs,
  escapeXml,
  formatTick,
  lineChartSvg,
  niceTicks,
  seriesColor,
} from "../src/io/svg_chart.ts";
import { uniformSource } from "./helpers.ts";

const rng = uniformSource;

interface El {
  name: string;
  attrs: Record<string, string>;
  text: string;
}

/**
 * A strict little XML checker: balanced tags, one root, quoted attributes without duplicates, '&' only in
 * entities, no '<' in text. Returns every element with its attributes and direct text.
 */
function parseXml(xml: string): El[] {
  const els: El[] = [];
  const stack: El[] = [];
  let roots = 0;
  let i = 0;
  const checkEntities = (s: string) => {
    assert.ok(!/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(s), `bare '&' in ${JSON.stringify(s)}`);
  };
  while (i < xml.length) {
    const lt = xml.indexOf("<", i);
    const text = xml.slice(i, lt < 0 ? xml.length : lt);
    checkEntities(text);
    if (text.trim() !== "") {
      assert.ok(stack.length > 0, `text outside the root: ${JSON.stringify(text)}`);
      stack[stack.length - 1].text += text;
    }
    if (lt < 0) break;
    const m = /^<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/.exec(xml.slice(lt));
    assert.ok(m !== null, `malformed tag at ${lt}: ${xml.slice(lt, lt + 60)}`);
    const [whole, close, name, attrText, selfClose] = m;
    if (close) {
      const top = stack.pop();
      assert.equal(top?.name, name, `closing </${name}> does not match <${top?.name}>`);
    } else {
      const attrs: Record<string, string> = {};
      for (const a of attrText.matchAll(/([\w:-]+)="([^"]*)"/g)) {
        assert.ok(!(a[1] in attrs), `duplicate attribute ${a[1]} on <${name}>`);
        checkEntities(a[2]);
        attrs[a[1]] = a[2];
      }
      const el = { name, attrs, text: "" };
      els.push(el);
      if (stack.length === 0) roots++;
      if (!selfClose) stack.push(el);
    }
    i = lt + whole.length;
  }
  assert.equal(stack.length, 0, "unclosed elements");
  assert.equal(roots, 1, "exactly one root element");
  return els;
}

const NUMERIC = ["x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "width", "height"];

function assertFiniteNumbers(els: El[]): void {
  for (const e of els) {
    for (const k of NUMERIC) {
      if (k in e.attrs) assert.ok(Number.isFinite(Number(e.attrs[k])), `<${e.name} ${k}="${e.attrs[k]}">`);
    }
    if (e.name === "path") {
      for (const v of e.attrs.d.match(/-?[\d.]+(e-?\d+)?|[A-Za-z]+/g)!) {
        if (!/^[ML]$/.test(v)) assert.ok(Number.isFinite(Number(v)), `path value ${v}`);
      }
    }
  }
}

Deno.test("niceTicks and formatTick", () => {
  assert.deepEqual(niceTicks(0, 1, 5), { min: 0, max: 1, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] });
  assert.deepEqual(niceTicks(0.13, 0.87, 5).ticks, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
  assert.deepEqual(niceTicks(1, 97, 5).ticks, [0, 20, 40, 60, 80, 100]);
  assert.deepEqual(niceTicks(3, 3, 3).ticks, [2.6, 2.8, 3, 3.2, 3.4]);
  assert.deepEqual(niceTicks(NaN, 5).ticks, [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.equal(formatTick(0.4, 0.2), "0.4");
  assert.equal(formatTick(40, 20), "40");
  assert.equal(formatTick(0.05, 0.05), "0.05");
  assert.equal(formatTick(2e6, 1e6), "2.0e+6");
});

Deno.test("escapeXml and distinct colours", () => {
  assert.equal(escapeXml(`a<b & "c" 'd'>`), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
  const colours = new Set(Array.from({ length: 16 }, (_, i) => seriesColor(i)));
  assert.equal(colours.size, 16);
});

Deno.test("lineChartSvg is well-formed with one path per series, legend and escaped names", () => {
  const r = rng(5);
  const names = ["InfMasking", "CoMM <base> & co", "COrAL"];
  const series = names.map((name) => ({
    name,
    points: Array.from({ length: 30 }, (_, k) => [k + 1, 5 * Math.exp(-k / 10) + r()] as [number, number]),
  }));
  series[2].points[10] = [11, NaN]; // a gap splits the line
  const svg = lineChartSvg({ title: "Loss <per> epoch", xLabel: "epoch", yLabel: "loss", series });
  const els = parseXml(svg);
  assertFiniteNumbers(els);
  assert.ok(!/NaN|Infinity/.test(svg));
  assert.equal(els[0].name, "svg");
  assert.ok(svg.includes("Loss &lt;per&gt; epoch"));
  assert.ok(svg.includes("CoMM &lt;base&gt; &amp; co"));
  const paths = els.filter((e) => e.name === "path");
  assert.equal(paths.length, 3);
  assert.equal(new Set(paths.map((p) => p.attrs.stroke)).size, 3);
  assert.equal((paths[2].attrs.d.match(/M/g) ?? []).length, 2);
  assert.equal(els.filter((e) => e.name === "circle").length, 30 + 30 + 29);
  const texts = els.filter((e) => e.name === "text").map((e) => e.text);
  for (const label of ["epoch", "loss", "InfMasking", "CoMM &lt;base&gt; &amp; co", "COrAL"]) {
    assert.ok(texts.includes(label), label);
  }
});

Deno.test("lineChartSvg maps data to the axes", () => {
  const svg = lineChartSvg({
    title: "t",
    xLabel: "x",
    yLabel: "y",
    series: [{ name: "a", points: [[0, 0], [10, 1]] }],
  });
  const els = parseXml(svg);
  const circles = els.filter((e) => e.name === "circle").map((e) => [Number(e.attrs.cx), Number(e.attrs.cy)]);
  const axisX = els.filter((e) =>
    e.name === "line" && e.attrs.y1 === e.attrs.y2 && e.attrs.stroke === "#111827"
  );
  const xAxis = axisX[axisX.length - 1];
  // Grid lines carry the tick values' y positions; their labels are the following <text>.
  const grid = els.filter((e) => e.name === "line" && e.attrs.stroke === "#e5e7eb");
  assert.equal(grid.length, 6); // ticks 0, 0.2, ..., 1
  assert.deepEqual(circles[0], [Number(xAxis.attrs.x1), Number(grid[0].attrs.y1)]);
  assert.deepEqual(circles[1], [Number(xAxis.attrs.x2), Number(grid[5].attrs.y1)]);
});

Deno.test("barChartSvg draws bars proportional to values, error bars and a reference line", () => {
  const r = rng(9);
  const groups = ["redundancy", "uniqueness1", "uniqueness2", "synergy"];
  const series = ["infmasking", "comm", "coral"].map((name) => ({
    name,
    values: groups.map(() => 0.5 + 0.5 * r()),
    errors: groups.map(() => 0.05 * r()),
  }));
  const svg = barChartSvg({
    title: "Probe balanced accuracy",
    groups,
    series,
    yMin: 0,
    yMax: 1,
    referenceLine: { y: 0.5, label: "chance" },
  });
  const els = parseXml(svg);
  assertFiniteNumbers(els);
  const bars = els.filter((e) => e.name === "rect" && e.attrs.fill !== "#ffffff" && e.attrs.width !== "12");
  assert.equal(bars.length, 12);
  const grid = els.filter((e) => e.name === "line" && e.attrs.stroke === "#e5e7eb");
  const y0 = Number(grid[0].attrs.y1);
  const y1 = Number(grid[grid.length - 1].attrs.y1);
  const plotH = y0 - y1;
  const values = series.flatMap((s) => s.values);
  bars.forEach((b, k) => {
    // Bars are emitted series by series, group by group; height = value * plot height (within rounding).
    assert.ok(Math.abs(Number(b.attrs.height) - values[k] * plotH) < 0.02, `bar ${k}`);
    assert.ok(Math.abs(Number(b.attrs.y) + Number(b.attrs.height) - y0) < 0.02);
  });
  assert.equal(els.filter((e) => e.name === "path").length, 12);
  const ref = els.find((e) => e.name === "line" && e.attrs["stroke-dasharray"] !== undefined)!;
  assert.ok(Math.abs(Number(ref.attrs.y1) - (y0 + y1) / 2) < 0.02);
  const texts = els.filter((e) => e.name === "text").map((e) => e.text);
  for (const s of [...groups, "infmasking", "comm", "coral", "chance"]) assert.ok(texts.includes(s), s);
});

Deno.test("barChartSvg skips missing values and rejects mismatched series", () => {
  const svg = barChartSvg({ title: "t", groups: ["a", "b"], series: [{ name: "m", values: [0.7, NaN] }] });
  const els = parseXml(svg);
  assert.equal(els.filter((e) => e.name === "title").length, 1);
  assert.throws(
    () => barChartSvg({ title: "t", groups: ["a", "b"], series: [{ name: "m", values: [1] }] }),
    /series "m" has 1 values for 2 groups/,
  );
});

Deno.test("composeSvgs stacks charts into one document", () => {
  const a = lineChartSvg({
    title: "a",
    xLabel: "x",
    yLabel: "y",
    series: [{ name: "s", points: [[0, 1], [1, 2]] }],
  });
  const b = barChartSvg({
    title: "b",
    groups: ["g"],
    series: [{ name: "m", values: [1] }],
    width: 900,
    height: 300,
  });
  const svg = composeSvgs(a, b);
  const els = parseXml(svg);
  const svgs = els.filter((e) => e.name === "svg");
  assert.equal(svgs.length, 3);
  assert.equal(svgs[0].attrs.width, "900");
  assert.equal(svgs[0].attrs.height, String(420 + 16 + 300));
  assert.equal(svgs[1].attrs.y, "0");
  assert.equal(svgs[2].attrs.y, String(420 + 16));
});
