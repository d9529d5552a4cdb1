/**
 * Layer check: the code under `src/` and `ffi/` is split into ranked layers (see {@linkcode LAYERS}); a file
 * may import from its own layer or a lower one, never from a higher one. The check also rejects import
 * cycles between layers of the same rank, file-level import cycles anywhere in `src/` and `ffi/`, and `.ts`
 * files under `src/` that are in no known layer.
 *
 * Only relative specifiers are followed (`npm:`, `jsr:`, `node:`, `https:` are ignored), and only `.ts`
 * targets count (text imports of `.c` or `.h` files are skipped). Type-only imports count like any other.
 *
 * Run from the repository: `deno run -R .ci/check_layers.ts [root] [--ignore-type-cycles]`. It prints one
 * line per violation and exits 1, or prints `layers: N files, M imports, no violations`.
 *
 * @module
 */

/** One layer: a folder prefix (repository-relative, no trailing slash) and its rank (0 is lowest). */
export interface Layer {
  /** The folder, e.g. `src/nn`, or `mod.ts` for the root module. */
  name: string;
  /** Lowest is 0; a file may import only from layers of its own rank or lower. */
  rank: number;
}

/**
 * The layer table, lowest first. A new top-level folder under `src/` must be added here.
 * `mod.ts` at the root is above everything: it may import anything and nothing in `src/` or `ffi/` may
 * import it.
 */
export const LAYERS: readonly Layer[] = [
  { name: "ffi", rank: 0 },
  { name: "src/io", rank: 0 }, // file formats and terminal output; no tensors
  { name: "src/random", rank: 0 },
  { name: "src/backend", rank: 1 },
  { name: "src/tensor", rank: 2 },
  { name: "src/nn", rank: 3 },
  { name: "src/optim", rank: 3 },
  { name: "src/kernels", rank: 3 },
  { name: "src/objectives", rank: 4 },
  { name: "src/models", rank: 4 },
  { name: "src/methods", rank: 5 }, // one folder per method
  { name: "src/data", rank: 6 },
  { name: "src/eval", rank: 6 },
  { name: "src/train", rank: 7 },
  { name: "src/cli", rank: 8 },
  { name: "mod.ts", rank: 9 },
];

/** How a module reference was written. */
export type ImportKind = "static" | "side-effect" | "dynamic";

/** One module reference found in a source file. */
export interface ImportRef {
  /** The specifier as written, e.g. `../tensor/mod.ts`. */
  specifier: string;
  /** `import type`, `export type ... from` or `typeof import(...)`. */
  typeOnly: boolean;
  /** `static` for `import/export ... from`, `side-effect` for `import "..."`, `dynamic` for `import("...")`. */
  kind: ImportKind;
  /** The `with { type: "..." }` attribute, e.g. `text`, when there is one. */
  attributeType?: string;
  /** 1-based line of the `import`/`export` keyword. */
  line: number;
}

/** What a violation is about. */
export type ViolationKind = "upward" | "outside" | "unknown-layer" | "layer-cycle" | "file-cycle";

/** One broken rule, with a one-line message naming the files and layers involved. */
export interface Violation {
  /** Which rule. */
  kind: ViolationKind;
  /** One line, ready to print. */
  message: string;
}

/** Options for {@linkcode checkImports}. */
export interface CheckOptions {
  /** Count `import type`/`export type` edges when looking for file cycles (default true). */
  typeOnlyCycles?: boolean;
}

/** The outcome of a check: how much was looked at, and what is wrong. */
export interface LayerReport {
  /** Source files checked (`.ts` under `src/`, `ffi/`, and `mod.ts`). */
  files: number;
  /** Relative imports of `.ts` files that were checked. */
  imports: number;
  /** Everything that breaks a rule; empty when the tree is clean. */
  violations: Violation[];
}

// ---------------------------------------------------------------------------------------------------------
// Parsing

const IDENT = /[\w$]/;
/** Words after which a `/` starts a regular expression rather than a division. */
const REGEX_AFTER_WORD = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
]);

/**
 * Blanks out comments, regular expressions and the text of template literals, and replaces every string
 * literal (and every template literal without substitutions) by a placeholder `"#N"`, where N indexes
 * `literals`. Newlines are kept, so line numbers still match. Code inside `${...}` stays code.
 */
function maskSource(source: string): { code: string; literals: string[] } {
  const literals: string[] = [];
  const out: string[] = [];
  /** For each open `${`, the depth of `{` braces opened inside it. */
  const substitutions: number[] = [];
  /** The last significant token: a word, a single punctuation character, or "" at the start. */
  let prev = "";
  let i = 0;
  const n = source.length;
  const newlinesIn = (s: string): string => s.replace(/[^\n]/g, "");
  const blank = (s: string): string => s.replace(/[^\n]/g, " ");

  const placeholder = (value: string, raw: string): void => {
    out.push(`"#${literals.length}"`, newlinesIn(raw));
    literals.push(value);
    prev = "literal";
  };

  /** Reads template text from `i` (just after a backtick or a closing `}`) to the next `${` or backtick. */
  const templateText = (head: boolean): void => {
    const start = i;
    let text = "";
    while (i < n && source[i] !== "`" && !(source[i] === "$" && source[i + 1] === "{")) {
      if (source[i] === "\\") {
        text += source[i + 1] ?? "";
        i += 2;
      } else text += source[i++];
    }
    const raw = source.slice(start, i);
    if (i >= n || source[i] === "`") {
      i++;
      if (head) placeholder(text, raw); // a plain template: as good as a string literal
      else {
        out.push(blank(raw), "`");
        prev = "literal";
      }
    } else {
      i += 2;
      out.push(head ? "`" : "", blank(raw), "${");
      substitutions.push(0);
      prev = "{";
    }
  };

  while (i < n) {
    const c = source[i];
    const next = source[i + 1];
    if (c === "/" && next === "/") {
      const end = source.indexOf("\n", i);
      i = end < 0 ? n : end;
    } else if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      out.push(blank(source.slice(i, stop)));
      i = stop;
    } else if (c === '"' || c === "'") {
      const start = i++;
      let value = "";
      while (i < n && source[i] !== c && source[i] !== "\n") {
        if (source[i] === "\\") {
          value += source[i + 1] ?? "";
          i += 2;
        } else value += source[i++];
      }
      i++;
      placeholder(value, source.slice(start, i));
    } else if (c === "`") {
      i++;
      templateText(true);
    } else if (c === "}" && substitutions.length > 0 && substitutions[substitutions.length - 1] === 0) {
      substitutions.pop();
      out.push("}");
      i++;
      templateText(false);
    } else if (
      c === "/" && (prev === "" || (!IDENT.test(prev[0]) && !")]}".includes(prev)) ||
        REGEX_AFTER_WORD.has(prev))
    ) {
      // A regular expression literal: skip to the closing slash (not one inside a [...] class).
      const start = i++;
      let inClass = false;
      while (i < n && source[i] !== "\n" && (inClass || source[i] !== "/")) {
        if (source[i] === "\\") i++;
        else if (source[i] === "[") inClass = true;
        else if (source[i] === "]") inClass = false;
        i++;
      }
      i++;
      out.push("/", blank(source.slice(start + 1, i - 1)), "/");
      prev = "literal";
    } else if (IDENT.test(c)) {
      const start = i;
      while (i < n && IDENT.test(source[i])) i++;
      prev = source.slice(start, i);
      out.push(prev);
    } else {
      if (c === "{" && substitutions.length > 0) substitutions[substitutions.length - 1]++;
      if (c === "}" && substitutions.length > 0) substitutions[substitutions.length - 1]--;
      if (!/\s/.test(c)) prev = c;
      out.push(c);
      i++;
    }
  }
  return { code: out.join(""), literals };
}

/** `import ... from "#N"` and `export ... from "#N"`, with an optional `with { type: "#M" }`. */
const STATIC_RE =
  /(?<![\w$.])(import|export)(\s+type(?!\s+from\s*"#)(?=[\s{*]))?[\s\w$,{}*]*?\bfrom\s*"#(\d+)"(?:\s*(?:with|assert)\s*\{\s*type\s*:\s*"#(\d+)")?/g;
/** `import "#N"`, with an optional `with { type: "#M" }`. */
const SIDE_EFFECT_RE = /(?<![\w$.])import\s*"#(\d+)"(?:\s*(?:with|assert)\s*\{\s*type\s*:\s*"#(\d+)")?/g;
/** `import("#N")` or `import("#N", { with: { type: "#M" } })`. */
const DYNAMIC_RE =
  /(?<![\w$.])import\s*\(\s*"#(\d+)"\s*(?:\)|,\s*(?:\{\s*(?:with|assert)\s*:\s*\{\s*type\s*:\s*"#(\d+)")?)/g;

/**
 * Finds the module references in a TypeScript source: static `import`/`export ... from`, side-effect
 * `import "..."`, dynamic `import("...")` with a string literal, and import attributes such as
 * `with { type: "text" }`. Matches inside comments (including JSDoc `@example` blocks), string literals,
 * template literals and regular expressions are ignored. Results are in source order.
 *
 * @example
 * ```ts
 * import { parseImports } from "./check_layers.ts";
 * parseImports('import type { T } from "./t.ts";'); // [{ specifier: "./t.ts", typeOnly: true, ... }]
 * ```
 */
export function parseImports(source: string): ImportRef[] {
  const { code, literals } = maskSource(source);
  const lineAt = (index: number): number => {
    let line = 1;
    for (let k = code.indexOf("\n"); k >= 0 && k < index; k = code.indexOf("\n", k + 1)) line++;
    return line;
  };
  const found: { index: number; ref: ImportRef }[] = [];
  const add = (index: number, ref: Omit<ImportRef, "line" | "attributeType">, attr?: string): void => {
    const full: ImportRef = { ...ref, line: lineAt(index) };
    if (attr !== undefined) full.attributeType = literals[Number(attr)];
    found.push({ index, ref: full });
  };
  for (const m of code.matchAll(STATIC_RE)) {
    add(m.index, { specifier: literals[Number(m[3])], typeOnly: m[2] !== undefined, kind: "static" }, m[4]);
  }
  for (const m of code.matchAll(SIDE_EFFECT_RE)) {
    add(m.index, { specifier: literals[Number(m[1])], typeOnly: false, kind: "side-effect" }, m[2]);
  }
  for (const m of code.matchAll(DYNAMIC_RE)) {
    const typeOnly = /\btypeof\s*$/.test(code.slice(Math.max(0, m.index - 16), m.index));
    add(m.index, { specifier: literals[Number(m[1])], typeOnly, kind: "dynamic" }, m[2]);
  }
  return found.sort((a, b) => a.index - b.index).map((f) => f.ref);
}

// ---------------------------------------------------------------------------------------------------------
// Layers and paths

/**
 * The layer of a repository-relative path (`src/nn/linear.ts`, `ffi/cc.ts`, `mod.ts`), or `undefined` when
 * the path is in no layer (outside `src/` and `ffi/`, or in a `src/` folder missing from {@linkcode LAYERS}).
 */
export function layerOf(path: string): Layer | undefined {
  return LAYERS.find((l) => path === l.name || path.startsWith(l.name + "/"));
}

/** Whether a path is part of the layered code: `mod.ts`, or anything under `src/` or `ffi/`. */
function isLayeredCode(path: string): boolean {
  return path === "mod.ts" || path.startsWith("src/") || path.startsWith("ffi/");
}

/**
 * Resolves a relative specifier against the repository-relative path of the importing file; returns
 * `undefined` for non-relative specifiers (`npm:`, `jsr:`, `node:`, `https:`, bare names).
 */
export function resolveSpecifier(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith("./") && !specifier.startsWith("../")) return undefined;
  const parts = from.split("/").slice(0, -1);
  for (const seg of specifier.replace(/[?#].*$/, "").split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === ".." && parts.length > 0 && parts[parts.length - 1] !== "..") parts.pop();
    else parts.push(seg);
  }
  return parts.join("/");
}

const describe = (l: Layer): string => `${l.name}, rank ${l.rank}`;

// ---------------------------------------------------------------------------------------------------------
// Cycles

/**
 * Elementary cycles of a directed graph, as node chains without the closing repeat: for every node in a
 * strongly connected component, the shortest cycle through it, deduplicated and rotated to start at its
 * smallest node. Deterministic for sorted input.
 */
function findCycles(adjacency: Map<string, string[]>): string[][] {
  // Tarjan's strongly connected components.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of adjacency.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      components.push(component);
    }
  };
  for (const v of [...adjacency.keys()].sort()) if (!index.has(v)) visit(v);

  const cycles = new Map<string, string[]>();
  for (const component of components) {
    const members = new Set(component);
    const selfLoop = component.length === 1 && (adjacency.get(component[0]) ?? []).includes(component[0]);
    if (component.length === 1 && !selfLoop) continue;
    for (const start of [...component].sort()) {
      // Breadth-first search from start back to start, inside the component.
      const parent = new Map<string, string>();
      const queue = [start];
      let closing: string | undefined;
      for (let q = 0; q < queue.length && closing === undefined; q++) {
        for (const w of adjacency.get(queue[q]) ?? []) {
          if (!members.has(w)) continue;
          if (w === start) {
            closing = queue[q];
            break;
          }
          if (!parent.has(w)) {
            parent.set(w, queue[q]);
            queue.push(w);
          }
        }
      }
      const chain: string[] = [];
      for (let v: string | undefined = closing; v !== undefined && v !== start; v = parent.get(v)) {
        chain.unshift(v);
      }
      chain.unshift(start);
      const smallest = chain.indexOf([...chain].sort()[0]);
      const rotated = [...chain.slice(smallest), ...chain.slice(0, smallest)];
      cycles.set(rotated.join("\0"), rotated);
    }
  }
  return [...cycles.values()].sort((a, b) => a.join("\0").localeCompare(b.join("\0")));
}

// ---------------------------------------------------------------------------------------------------------
// The check

/**
 * Checks a tree given as repository-relative paths (`src/nn/linear.ts`) mapped to their sources, and counts
 * what it checked. Files outside `src/`, `ffi/` and `mod.ts` are ignored. See {@linkcode checkImports}.
 */
export function analyzeImports(files: Map<string, string>, options: CheckOptions = {}): LayerReport {
  const typeOnlyCycles = options.typeOnlyCycles ?? true;
  const violations: Violation[] = [];
  const paths = [...files.keys()].filter(isLayeredCode).sort();
  const fileEdges = new Map<string, string[]>();
  /** Layer edges between different layers of one rank, each with the first import that makes it. */
  const layerEdges = new Map<string, Map<string, string>>();
  let imports = 0;

  for (const path of paths) {
    if (path.startsWith("src/") && path.endsWith(".ts") && layerOf(path) === undefined) {
      const parts = path.split("/");
      const where = parts.length > 2
        ? `is in src/${parts[1]}/, which is not in the layer table`
        : "is directly in src/, in no layer folder";
      violations.push({
        kind: "unknown-layer",
        message: `unknown layer: ${path} ${where}; add its folder to LAYERS in .ci/check_layers.ts`,
      });
    }
  }

  for (const path of paths) {
    const from = layerOf(path);
    const edges: string[] = [];
    for (const ref of parseImports(files.get(path)!)) {
      const target = resolveSpecifier(path, ref.specifier);
      if (target === undefined || !/\.(ts|tsx|mts)$/.test(target)) continue;
      imports++;
      const where = `${path}:${ref.line}`;
      if ((typeOnlyCycles || !ref.typeOnly) && files.has(target) && target !== "mod.ts") edges.push(target);
      if (path === "mod.ts") continue; // the root module may import anything
      if (!isLayeredCode(target)) {
        violations.push({
          kind: "outside",
          message: `outside import: ${where} imports ${target}, which is outside src/, ffi/ and mod.ts`,
        });
        continue;
      }
      const to = layerOf(target);
      if (from === undefined || to === undefined) continue; // reported as an unknown layer
      if (to.rank > from.rank) {
        violations.push({
          kind: "upward",
          message: `upward import: ${where} (${describe(from)}) imports ${target} (${describe(to)})`,
        });
      } else if (to.rank === from.rank && to.name !== from.name) {
        const out = layerEdges.get(from.name) ?? new Map<string, string>();
        if (!out.has(to.name)) out.set(to.name, `${where} imports ${target}`);
        layerEdges.set(from.name, out);
      }
    }
    if (path !== "mod.ts") fileEdges.set(path, [...new Set(edges)].sort());
  }

  const layerAdjacency = new Map([...layerEdges].map(([k, v]) => [k, [...v.keys()].sort()]));
  for (const cycle of findCycles(layerAdjacency)) {
    const how = cycle.map((l, k) => layerEdges.get(l)!.get(cycle[(k + 1) % cycle.length])!);
    const rank = layerOf(cycle[0])!.rank;
    violations.push({
      kind: "layer-cycle",
      message: `layer cycle (rank ${rank}): ${[...cycle, cycle[0]].join(" -> ")} (${how.join("; ")})`,
    });
  }
  for (const cycle of findCycles(fileEdges)) {
    violations.push({ kind: "file-cycle", message: `file cycle: ${[...cycle, cycle[0]].join(" -> ")}` });
  }
  return { files: paths.length, imports, violations };
}

/**
 * Checks the layer rules on a tree given as repository-relative paths mapped to their sources:
 * 1. no import from a higher layer (and none of `mod.ts` or of files outside `src/`, `ffi/`, `mod.ts` from
 *    within `src/` or `ffi/`);
 * 2. no import cycle between layers of the same rank, and no file-level import cycle in `src/` and `ffi/`;
 * 3. every `.ts` file under `src/` belongs to a layer in {@linkcode LAYERS}.
 *
 * @example
 * ```ts
 * import { checkImports } from "./check_layers.ts";
 * const files = new Map([["src/io/a.ts", 'import { t } from "../tensor/t.ts";'], ["src/tensor/t.ts", ""]]);
 * checkImports(files); // [{ kind: "upward", message: "upward import: src/io/a.ts:1 (src/io, rank 0) ..." }]
 * ```
 */
export function checkImports(files: Map<string, string>, options: CheckOptions = {}): Violation[] {
  return analyzeImports(files, options).violations;
}

/** Reads every `.ts` file under `root/src` and `root/ffi`, and `root/mod.ts`, keyed by relative path. */
export async function readTree(root: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(`${root}/${dir}`));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return;
      throw e;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (entry.isFile && entry.name.endsWith(".ts")) {
        files.set(path, await Deno.readTextFile(`${root}/${path}`));
      }
    }
  };
  await walk("src");
  await walk("ffi");
  try {
    files.set("mod.ts", await Deno.readTextFile(`${root}/mod.ts`));
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return files;
}

/** Reads the tree at `root` with {@linkcode readTree} and checks it with {@linkcode analyzeImports}. */
export async function checkTree(root: string, options: CheckOptions = {}): Promise<LayerReport> {
  return analyzeImports(await readTree(root), options);
}

if (import.meta.main) {
  const flags = Deno.args.filter((a) => a.startsWith("--"));
  const unknown = flags.filter((f) => f !== "--ignore-type-cycles");
  if (unknown.length > 0) {
    console.error(`unknown option ${unknown[0]}; usage: check_layers.ts [root] [--ignore-type-cycles]`);
    Deno.exit(2);
  }
  const root = Deno.args.find((a) => !a.startsWith("--")) ?? `${import.meta.dirname}/..`;
  const report = await checkTree(root, { typeOnlyCycles: !flags.includes("--ignore-type-cycles") });
  for (const v of report.violations) console.error(v.message);
  if (report.violations.length > 0) {
    console.error(
      `layers: ${report.files} files, ${report.imports} imports, ${report.violations.length} violations`,
    );
    Deno.exit(1);
  }
  console.log(`layers: ${report.files} files, ${report.imports} imports, no violations`);
}
