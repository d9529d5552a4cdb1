import assert from "node:assert/strict";
import {
  analyzeImports,
  checkImports,
  checkTree,
  type ImportRef,
  layerOf,
  parseImports,
  resolveSpecifier,
} from "../.ci/check_layers.ts";

const specs = (refs: ImportRef[]): string[] => refs.map((r) => r.specifier);
const tree = (entries: Record<string, string>): Map<string, string> => new Map(Object.entries(entries));

Deno.test("parseImports reads multi-line import and export lists with their lines", () => {
  const refs = parseImports(
    [
      "import {",
      "  add,",
      "  type Tensor,",
      '} from "../tensor/mod.ts";',
      'import * as nn from "./nn.ts";',
      'import def, { x as y } from "./def.ts";',
      'export { a, b as c } from "./reexport.ts";',
      'export * from "./star.ts";',
      'export * as ns from "./ns.ts";',
      "const z = 1;",
    ].join("\n"),
  );
  assert.deepEqual(specs(refs), [
    "../tensor/mod.ts",
    "./nn.ts",
    "./def.ts",
    "./reexport.ts",
    "./star.ts",
    "./ns.ts",
  ]);
  assert.deepEqual(refs.map((r) => r.line), [1, 5, 6, 7, 8, 9]);
  assert.ok(refs.every((r) => r.kind === "static" && !r.typeOnly));
});

Deno.test("parseImports marks type-only imports and exports", () => {
  const refs = parseImports(
    [
      'import type { A } from "./a.ts";',
      'import type * as B from "./b.ts";',
      'export type { C } from "./c.ts";',
      'import { type D } from "./d.ts";',
      'import type from "./default_named_type.ts";',
      'type E = typeof import("./e.ts");',
    ].join("\n"),
  );
  assert.deepEqual(refs.map((r) => [r.specifier, r.typeOnly]), [
    ["./a.ts", true],
    ["./b.ts", true],
    ["./c.ts", true],
    ["./d.ts", false],
    ["./default_named_type.ts", false],
    ["./e.ts", true],
  ]);
});

Deno.test("parseImports finds dynamic, side-effect and text imports", () => {
  const refs = parseImports(
    [
      'import "./register.ts"; // registers a backend',
      'const m = await import("../data/avmnist.ts");',
      "const t = await import(`./template.ts`);",
      'const j = await import("./data.json", { with: { type: "json" } });',
      'import mathH from "../native/csrc/mm_math.h" with { type: "text" };',
      "import src from './f.ts' with { type: 'text' };",
      "const skipped = import(name);",
      "console.log(import.meta.url);",
    ].join("\n"),
  );
  assert.deepEqual(refs.map((r) => [r.specifier, r.kind, r.attributeType]), [
    ["./register.ts", "side-effect", undefined],
    ["../data/avmnist.ts", "dynamic", undefined],
    ["./template.ts", "dynamic", undefined],
    ["./data.json", "dynamic", "json"],
    ["../native/csrc/mm_math.h", "static", "text"],
    ["./f.ts", "static", "text"],
  ]);
});

Deno.test("parseImports ignores comments, JSDoc examples, strings, templates and regexes", () => {
  const refs = parseImports(
    [
      "/**",
      " * Example:",
      " * @example",
      " * ```ts",
      ' * import { x } from "./mod.ts";',
      ' * const y = await import("./lazy.ts");',
      " * ```",
      " */",
      '// import { old } from "./old.ts";',
      '/* import "./block.ts"; */',
      "const doc = `",
      'import { x } from "./in_template.ts";',
      "`;",
      "const s = 'import { x } from \"./in_string.ts\"';",
      'const d = "export * from \\"./escaped.ts\\"";',
      'const t = `${n} items: import "./sub.ts"`;',
      'const r = /"|import/g;',
      'const half = a / b; // "not a string',
      'import { real } from "./real.ts";',
      'const later = `${await import("./inside_substitution.ts")}`;',
    ].join("\n"),
  );
  assert.deepEqual(specs(refs), ["./real.ts", "./inside_substitution.ts"]);
  assert.equal(refs[0].line, 19);
});

Deno.test("layerOf and resolveSpecifier", () => {
  assert.deepEqual(layerOf("src/nn/linear.ts"), { name: "src/nn", rank: 3 });
  assert.deepEqual(layerOf("ffi/cuda/driver.ts"), { name: "ffi", rank: 0 });
  assert.deepEqual(layerOf("src/methods/comm/model.ts"), { name: "src/methods", rank: 5 });
  assert.equal(layerOf("mod.ts")?.rank, 9);
  assert.equal(layerOf("src/newthing/a.ts"), undefined);
  assert.equal(layerOf("src/nnx/a.ts"), undefined);
  assert.equal(layerOf("tests/helpers.ts"), undefined);
  assert.equal(resolveSpecifier("src/nn/linear.ts", "../tensor/mod.ts"), "src/tensor/mod.ts");
  assert.equal(resolveSpecifier("src/nn/linear.ts", "./init.ts"), "src/nn/init.ts");
  assert.equal(resolveSpecifier("src/backend/cpu/x.ts", "../../../ffi/cc.ts"), "ffi/cc.ts");
  assert.equal(resolveSpecifier("src/a.ts", "../../up.ts"), "../up.ts");
  assert.equal(resolveSpecifier("src/a.ts", "npm:zod"), undefined);
  assert.equal(resolveSpecifier("src/a.ts", "jsr:@std/path"), undefined);
  assert.equal(resolveSpecifier("src/a.ts", "node:fs"), undefined);
  assert.equal(resolveSpecifier("src/a.ts", "https://deno.land/x.ts"), undefined);
});

Deno.test("checkImports passes a clean tree", () => {
  const files = tree({
    "mod.ts": 'export * from "./src/cli/main.ts";\nexport * from "./src/io/table.ts";',
    "ffi/cc.ts": 'import { join } from "node:path";',
    "src/io/table.ts": "export const t = 1;",
    "src/random/philox.ts": "export class Philox {}",
    "src/backend/cpu.ts":
      'import { cc } from "../../ffi/cc.ts";\nimport h from "./csrc/a.h" with { type: "text" };',
    "src/tensor/core.ts": 'import "../backend/cpu.ts";\nimport type { Philox } from "../random/philox.ts";',
    "src/nn/linear.ts": 'import { core } from "../tensor/core.ts";\nimport { sgd } from "../optim/sgd.ts";',
    "src/optim/sgd.ts": 'import { core } from "../tensor/core.ts";',
    "src/models/m.ts": 'import { linear } from "../nn/linear.ts";',
    "src/objectives/o.ts": 'import { m } from "../models/m.ts";',
    "src/methods/comm/model.ts":
      'import { m } from "../../models/m.ts";\nimport { o } from "../../objectives/o.ts";',
    "src/methods/comm/loss.ts": 'import { model } from "./model.ts";',
    "src/data/d.ts": 'import { model } from "../methods/comm/model.ts";',
    "src/eval/e.ts": 'import { d } from "../data/d.ts";',
    "src/train/loop.ts": 'const d = await import("../data/d.ts");\nimport { e } from "../eval/e.ts";',
    "src/cli/main.ts": 'import { loop } from "../train/loop.ts";\nimport { z } from "npm:zod";',
    "tests/anything_test.ts": 'import "../mod.ts";',
  });
  const report = analyzeImports(files);
  assert.deepEqual(report.violations, []);
  assert.equal(report.files, 16);
  assert.equal(report.imports, 18);
});

Deno.test("checkImports reports an upward import with both files and layers", () => {
  const violations = checkImports(tree({
    "src/io/table.ts": '// fine\nimport type { Tensor } from "../tensor/core.ts";',
    "src/tensor/core.ts": "export type Tensor = number;",
    "src/nn/a.ts": 'import "../../mod.ts";',
    "mod.ts": 'export * from "./src/io/table.ts";',
  }));
  assert.deepEqual(violations.map((v) => [v.kind, v.message]), [
    [
      "upward",
      "upward import: src/io/table.ts:2 (src/io, rank 0) imports src/tensor/core.ts (src/tensor, rank 2)",
    ],
    ["upward", "upward import: src/nn/a.ts:1 (src/nn, rank 3) imports mod.ts (mod.ts, rank 9)"],
  ]);
});

Deno.test("checkImports reports imports from outside the layered code", () => {
  const violations = checkImports(tree({
    "src/nn/a.ts": 'import { rng } from "../../tests/helpers.ts";',
    "tests/helpers.ts": "export const rng = 1;",
  }));
  assert.equal(violations.length, 1);
  assert.equal(violations[0].kind, "outside");
  assert.match(violations[0].message, /src\/nn\/a\.ts:1 imports tests\/helpers\.ts/);
});

Deno.test("checkImports reports a cycle between layers of the same rank", () => {
  const violations = checkImports(tree({
    "src/nn/a.ts": 'import { b } from "../optim/b.ts";',
    "src/nn/c.ts": "export const c = 1;",
    "src/optim/b.ts": 'import { c } from "../nn/c.ts";',
  }));
  assert.deepEqual(violations.map((v) => [v.kind, v.message]), [[
    "layer-cycle",
    "layer cycle (rank 3): src/nn -> src/optim -> src/nn " +
    "(src/nn/a.ts:1 imports src/optim/b.ts; src/optim/b.ts:1 imports src/nn/c.ts)",
  ]]);
});

Deno.test("checkImports reports file cycles as chains, type-only edges included by default", () => {
  const files = tree({
    "src/tensor/a.ts": 'import { b } from "./b.ts";',
    "src/tensor/b.ts": 'import { c } from "./sub/c.ts";',
    "src/tensor/sub/c.ts": 'import type { A } from "../a.ts";',
    "src/tensor/self.ts": 'export * from "./self.ts";',
    "ffi/x.ts": 'import { y } from "./y.ts";',
    "ffi/y.ts": 'const x = await import("./x.ts");',
  });
  assert.deepEqual(checkImports(files).map((v) => [v.kind, v.message]), [
    ["file-cycle", "file cycle: ffi/x.ts -> ffi/y.ts -> ffi/x.ts"],
    [
      "file-cycle",
      "file cycle: src/tensor/a.ts -> src/tensor/b.ts -> src/tensor/sub/c.ts -> src/tensor/a.ts",
    ],
    ["file-cycle", "file cycle: src/tensor/self.ts -> src/tensor/self.ts"],
  ]);
  assert.deepEqual(checkImports(files, { typeOnlyCycles: false }).map((v) => v.message), [
    "file cycle: ffi/x.ts -> ffi/y.ts -> ffi/x.ts",
    "file cycle: src/tensor/self.ts -> src/tensor/self.ts",
  ]);
});

Deno.test("checkImports reports each shortest cycle of a tangle once", () => {
  const messages = checkImports(tree({
    "src/nn/a.ts": 'import "./b.ts";\nimport "./c.ts";',
    "src/nn/b.ts": 'import "./a.ts";',
    "src/nn/c.ts": 'import "./a.ts";',
  })).map((v) => v.message);
  assert.deepEqual(messages, [
    "file cycle: src/nn/a.ts -> src/nn/b.ts -> src/nn/a.ts",
    "file cycle: src/nn/a.ts -> src/nn/c.ts -> src/nn/a.ts",
  ]);
});

Deno.test("checkImports reports .ts files in no known layer", () => {
  const violations = checkImports(tree({
    "src/newthing/a.ts": 'import { t } from "../tensor/core.ts";',
    "src/loose.ts": "export const x = 1;",
    "src/newthing/kernel.c": "int main(void) { return 0; }",
    "src/tensor/core.ts": "export const t = 1;",
  }));
  assert.deepEqual(violations.map((v) => v.kind), ["unknown-layer", "unknown-layer"]);
  assert.match(violations[0].message, /src\/loose\.ts is directly in src\//);
  assert.match(
    violations[1].message,
    /^unknown layer: src\/newthing\/a\.ts is in src\/newthing\/, which is not in the layer table; .*\.ci\/check_layers\.ts/,
  );
});

Deno.test("checkTree reads src/, ffi/ and mod.ts from disk", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${root}/src/io`, { recursive: true });
    await Deno.mkdir(`${root}/src/tensor`, { recursive: true });
    await Deno.mkdir(`${root}/tests`, { recursive: true });
    await Deno.writeTextFile(`${root}/mod.ts`, 'export * from "./src/tensor/core.ts";');
    await Deno.writeTextFile(`${root}/src/tensor/core.ts`, 'import "../io/table.ts";');
    await Deno.writeTextFile(`${root}/src/io/table.ts`, 'import "../tensor/core.ts";');
    await Deno.writeTextFile(`${root}/tests/t_test.ts`, 'import "../src/io/table.ts";');
    const report = await checkTree(root);
    assert.equal(report.files, 3);
    assert.equal(report.imports, 3);
    assert.deepEqual(report.violations.map((v) => v.kind), ["upward", "file-cycle"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
