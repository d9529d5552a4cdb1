/**
 * Configuration files of any shape: a fuzzer mutates valid configs (wrong types, unknown fields, nulls,
 * arrays, out-of-range numbers, both layouts) and every result either resolves to a configuration that
 * passes validation or is refused with an Error naming the file or the field, never a TypeError or a crash.
 */
import assert from "node:assert/strict";
import { configFromJson, resolveConfig, validateConfig } from "../src/train/config.ts";
import { Philox } from "../src/random/philox.ts";

const SEEDS: unknown[] = [
  {},
  { method: "coral", run: { epochs: 2, batch: 16 }, methods: { coral: { wOrtho: 2 } } },
  { dataset: "trifeatures", preset: "trifeatures", optimizer: { lr: 1e-4 } },
  {
    architecture: { tokenDim: 32, fusionHeads: 4, encoders: ["tokens", "tokens"] },
    probe: { select: "best-val" },
  },
  { epochs: 3, lr: 1e-3, model: { tokenDim: 64, lambda: 0.5, coralRatio: 0.5 }, data: { T: 5 } },
  { data: { dir: "/data", options: { nSsl: 100 } }, probe: { imageCrop: [0.5, 1] } },
];
const ODD: unknown[] = [
  null,
  true,
  -1,
  0,
  1.5,
  1e308,
  Number.MAX_SAFE_INTEGER,
  "",
  "x",
  "infmasking",
  [],
  [1, 2],
  ["tokens"],
  {},
  { nested: { deep: 1 } },
];

function mutate(v: unknown, r: Philox, depth = 0): unknown {
  const u = r.uniform(3);
  if (depth > 0 && u[0] < 0.25) return ODD[Math.floor(u[1] * ODD.length)];
  if (v && typeof v === "object" && !Array.isArray(v)) {
    const o: Record<string, unknown> = { ...(v as Record<string, unknown>) };
    const keys = Object.keys(o);
    if (keys.length && u[1] < 0.7) {
      const k = keys[Math.floor(u[2] * keys.length)];
      o[k] = mutate(o[k], r, depth + 1);
    } else if (u[1] < 0.85) {
      o[["epoch", "methods", "run", "model", "zzz", "probe", "data"][Math.floor(u[2] * 7)]] =
        ODD[Math.floor(u[0] * ODD.length)];
    } else if (keys.length) {
      delete o[keys[Math.floor(u[2] * keys.length)]];
    }
    return o;
  }
  if (Array.isArray(v)) return u[1] < 0.5 ? [...v, ODD[Math.floor(u[2] * ODD.length)]] : v.slice(1);
  return ODD[Math.floor(u[1] * ODD.length)];
}

Deno.test("fuzzed config files resolve to a valid configuration or fail with a message naming what is wrong", () => {
  const r = new Philox(2026);
  let resolved = 0, refused = 0;
  for (let i = 0; i < 1500; i++) {
    let cfg: unknown = SEEDS[i % SEEDS.length];
    for (let k = 0; k < 1 + (i % 3); k++) cfg = mutate(cfg, r);
    try {
      const layer = configFromJson(cfg, "fuzz.json");
      const c = resolveConfig(layer);
      validateConfig(c);
      resolved++;
    } catch (e) {
      assert.ok(
        e instanceof Error && !(e instanceof TypeError),
        `case ${i}: ${e} for ${JSON.stringify(cfg)}`,
      );
      assert.match(
        e.message,
        /fuzz\.json|config: |unknown (method|dataset|preset)|preset ".*" is not defined/,
        `case ${i}: unhelpful message "${e.message}" for ${JSON.stringify(cfg)}`,
      );
      refused++;
    }
  }
  assert.ok(resolved > 50 && refused > 50, `both outcomes occur (${resolved} resolved, ${refused} refused)`);
});
