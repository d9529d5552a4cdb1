/**
 * Translating a kernel body (a JavaScript subset) to C: a tokenizer, a recursive-descent parser for the
 * subset, and a C emitter. {@link parseKernel} reads `fn.toString()` into a small syntax tree without knowing
 * the argument kinds; {@link translateKernel} resolves every name against the argument and constant kinds of
 * one call and emits one C function over the whole output.
 *
 * The subset: numeric literals, `true`/`false`, `Infinity`, `NaN`; `+ - * / % **`, unary `- + !`,
 * comparisons, `&&`, `||`, the ternary; `Math.exp/log/sqrt/abs/pow/min/max/floor/ceil/round/sin/cos/tanh/sign`
 * and `Math.PI/E`; `let/const/var` scalars (also `const { x, y } = this.thread` / `this.output`); `=`,
 * `+= -= *= /= %=`, `++`/`--` as statements and for-loop updates; `for (init; test; update)`, `if`/`else`,
 * blocks, `return expr;`; `this.thread.x/y/z`, `this.output.x/y/z`, `this.constants.name` (a number) and
 * `this.constants.name[i]` (a 1-D array); argument reads `a[i]`, `a[y][x]`, `a[z][y][x]`; `a.length`.
 * Anything else throws a {@link KernelTranslationError} naming the construct and its line (line 1 is the
 * line of the `function` keyword in `fn.toString()`).
 *
 * JavaScript semantics are kept: every value is a C `double` (JavaScript numbers are doubles; only array
 * elements and the result are float32), `%` is `fmod` (the sign of the dividend, as in JavaScript),
 * `Math.round` rounds half up (`floor`, then +1 when the fraction is at least 0.5), `Math.min/max/pow/sign`
 * follow JavaScript on NaN, ±0 and ±Infinity, truthiness is JavaScript's (NaN and 0 are false), `&&`/`||`
 * give an operand's value. An out-of-range or fractional index reads NaN, as `undefined` does in JavaScript.
 *
 * The emitted C function (all arrays row-major float32, `dims` three ints per array slot):
 * `int <symbol>(float* out, int ox, int oy, int oz, const float* const* arrays, const int* dims,
 * const double* scalars)`. It loops z, y, x (x fastest) and returns 0, or 1 as soon as an element came out
 * NaN or a row index of a 2-D/3-D argument was out of range (where JavaScript would throw); the caller then
 * reruns the kernel as JavaScript to report the exact error.
 *
 * @module
 */
import { createHash } from "node:crypto";

/** Any function whose source can be read (a kernel body). */
// deno-lint-ignore no-explicit-any
export type KernelSourceFunction = (this: any, ...args: any[]) => unknown;

/** The kind of one argument as the C code sees it. */
export type ArgKind = "scalar" | "array1" | "array2" | "array3";

/** What {@link translateKernel} needs to know about a call besides the body. */
export interface TranslateInfo {
  /** One kind per argument position. */
  argKinds: readonly ArgKind[];
  /** The kernel's constants that C can read: numbers ("scalar") and 1-D arrays ("array1"). */
  constantKinds: Readonly<Record<string, "scalar" | "array1">>;
  /** The number of output axes. */
  outputRank: 1 | 2 | 3;
}

/** Where one slot of `arrays` or `scalars` comes from: an argument position or a constant's name. */
export type KernelSlot = { arg: number } | { constant: string };

/** A translated kernel: the C source, its exported symbol, and the order of its array and scalar slots. */
export interface KernelTranslation {
  /** The complete C file. */
  source: string;
  /** The exported function's name (a hash of the code, so equal kernels share it). */
  symbol: string;
  /** What `arrays[k]` (and `dims[3k..3k+2]`, the shape) holds. */
  arrays: readonly KernelSlot[];
  /** What `scalars[k]` holds. */
  scalars: readonly KernelSlot[];
}

/**
 * A construct the translator does not handle. `construct` is the construct as written (e.g. `while`,
 * `foo()`, `this.size`) and `line` its line within the kernel source.
 *
 * @example
 * ```ts
 * import { KernelTranslationError, parseKernel } from "./src/kernels/mod.ts";
 * try {
 *   parseKernel(function spin() { while (true) {} return 0; });
 * } catch (e) {
 *   console.log(e instanceof KernelTranslationError, (e as KernelTranslationError).line); // true 1
 * }
 * ```
 */
export class KernelTranslationError extends Error {
  /** The construct that could not be translated, as written. */
  readonly construct: string;
  /** Its line within the kernel source (1 is the `function` line). */
  readonly line: number;
  /** A message of the form `createKernel "name": cannot translate 'construct' at line N (why)`. */
  constructor(kernel: string, construct: string, line: number, why?: string) {
    super(
      `createKernel "${kernel}": cannot translate '${construct}' at line ${line}${why ? ` (${why})` : ""}`,
    );
    this.name = "KernelTranslationError";
    this.construct = construct;
    this.line = line;
  }
}

// ---- tokens -------------------------------------------------------------------------------------------------

type TokType = "num" | "id" | "str" | "punct" | "eof";
interface Token {
  type: TokType;
  text: string;
  line: number;
}

const PUNCTS = [
  ">>>=",
  "===",
  "!==",
  "**=",
  "...",
  "<<=",
  ">>=",
  ">>>",
  "=>",
  "==",
  "!=",
  "<=",
  ">=",
  "&&",
  "||",
  "??",
  "?.",
  "++",
  "--",
  "+=",
  "-=",
  "*=",
  "/=",
  "%=",
  "&=",
  "|=",
  "^=",
  "**",
  "<<",
  ">>",
];

function tokenize(src: string, fail: (what: string, line: number, why?: string) => never): Token[] {
  const toks: Token[] = [];
  let i = 0, line = 1;
  while (i < src.length) {
    const c = src[i];
    if (c === "\n") {
      line++, i++;
    } else if (/\s/.test(c)) i++;
    else if (src.startsWith("//", i)) {
      while (i < src.length && src[i] !== "\n") i++;
    } else if (src.startsWith("/*", i)) {
      const end = src.indexOf("*/", i + 2);
      const stop = end < 0 ? src.length : end + 2;
      for (; i < stop; i++) if (src[i] === "\n") line++;
    } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(src[i + 1] ?? ""))) {
      const m = /^(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)/.exec(
        src.slice(i),
      )!;
      if (/^[\w$]/.test(src[i + m[0].length] ?? "")) {
        fail(src.slice(i, i + m[0].length + 1), line, "a number literal form that is not supported");
      }
      toks.push({ type: "num", text: m[0], line });
      i += m[0].length;
    } else if (/[A-Za-z_$]/.test(c)) {
      const m = /^[\w$]+/.exec(src.slice(i))!;
      toks.push({ type: "id", text: m[0], line });
      i += m[0].length;
    } else if (c === '"' || c === "'" || c === "`") {
      const start = i, startLine = line;
      for (i++; i < src.length && src[i] !== c; i++) {
        if (src[i] === "\\") i++;
        if (src[i] === "\n") line++;
      }
      i++;
      toks.push({ type: "str", text: src.slice(start, Math.min(i, start + 20)), line: startLine });
    } else {
      const p = PUNCTS.find((p) => src.startsWith(p, i)) ?? c;
      toks.push({ type: "punct", text: p, line });
      i += p.length;
    }
  }
  toks.push({ type: "eof", text: "end of the kernel", line });
  return toks;
}

// ---- syntax tree --------------------------------------------------------------------------------------------

/** An expression of the subset. */
export type KExpr =
  | { t: "num"; v: number; line: number }
  | { t: "id"; name: string; line: number }
  | { t: "this"; line: number }
  | { t: "member"; obj: KExpr; prop: string; line: number }
  | { t: "index"; obj: KExpr; index: KExpr; line: number }
  | { t: "call"; callee: KExpr; args: KExpr[]; line: number }
  | { t: "unary"; op: string; arg: KExpr; line: number }
  | { t: "binary"; op: string; left: KExpr; right: KExpr; line: number }
  | { t: "cond"; test: KExpr; cons: KExpr; alt: KExpr; line: number };

/** A statement of the subset. */
export type KStmt =
  | { t: "decl"; kind: string; name: string; init: KExpr | null; line: number }
  | { t: "destructure"; kind: string; names: { key: string; local: string }[]; from: KExpr; line: number }
  | { t: "assign"; target: KExpr; op: string; value: KExpr; line: number }
  | { t: "if"; test: KExpr; cons: KStmt; alt: KStmt | null; line: number }
  | { t: "for"; init: KStmt[]; test: KExpr | null; update: KStmt | null; body: KStmt; line: number }
  | { t: "return"; arg: KExpr | null; line: number }
  | { t: "block"; body: KStmt[]; line: number };

/** A parsed kernel body: its name, parameter names and statements. */
export interface ParsedKernel {
  /** The function's name, or "anonymous kernel". */
  name: string;
  /** The parameter names in order. */
  params: string[];
  /** The body's statements. */
  body: KStmt[];
}

const UNSUPPORTED_WORDS: Record<string, string> = {
  while: "only for loops are translated",
  do: "only for loops are translated",
  break: "loops must run to their bound",
  continue: "loops must run to their bound",
  switch: "use if/else",
  function: "functions inside the kernel are not translated",
  class: "",
  new: "",
  try: "",
  throw: "",
  typeof: "",
  delete: "",
  void: "",
  in: "",
  instanceof: "",
  async: "",
  await: "",
  yield: "",
  with: "",
  null: "only numbers are translated",
  undefined: "only numbers are translated",
  arguments: "",
};

const ASSIGN_OPS = new Set(["=", "+=", "-=", "*=", "/=", "%="]);

class Parser {
  private pos = 0;
  constructor(private readonly toks: Token[], public kernel: string) {}

  fail(what: string, line: number, why?: string): never {
    throw new KernelTranslationError(this.kernel, what, line, why);
  }
  peek(k = 0): Token {
    return this.toks[Math.min(this.pos + k, this.toks.length - 1)];
  }
  next(): Token {
    return this.toks[Math.min(this.pos++, this.toks.length - 1)];
  }
  is(text: string, k = 0): boolean {
    const t = this.peek(k);
    return (t.type === "punct" || t.type === "id") && t.text === text;
  }
  eat(text: string): boolean {
    if (!this.is(text)) return false;
    this.pos++;
    return true;
  }
  expect(text: string): Token {
    const t = this.peek();
    if (!this.is(text)) this.fail(t.text, t.line, `expected '${text}'`);
    return this.next();
  }
  ident(): Token {
    const t = this.peek();
    if (t.type !== "id") this.fail(t.text, t.line, "expected a name");
    if (t.text in UNSUPPORTED_WORDS) this.unsupportedWord(t);
    return this.next();
  }
  unsupportedWord(t: Token): never {
    return this.fail(t.text, t.line, UNSUPPORTED_WORDS[t.text] || undefined);
  }

  /** `function name(a, b) { ... }` or the method form `name(a, b) { ... }`. */
  header(): { name: string; params: string[] } {
    let name = "";
    this.eat("function");
    if (this.peek().type === "id") name = this.next().text;
    this.expect("(");
    const params: string[] = [];
    while (!this.is(")")) {
      const t = this.peek();
      if (t.type !== "id") this.fail(t.text, t.line, "parameters must be plain names");
      params.push(this.next().text);
      if (this.is("=")) this.fail("=", this.peek().line, "parameter defaults are not translated");
      if (!this.eat(",")) break;
    }
    this.expect(")");
    return { name, params };
  }

  block(): KStmt[] {
    this.expect("{");
    const body: KStmt[] = [];
    while (!this.is("}")) {
      if (this.peek().type === "eof") this.fail("{", this.peek().line, "unclosed block");
      body.push(...this.statement());
    }
    this.expect("}");
    return body;
  }

  /** One statement; a declaration of several names gives several. */
  statement(): KStmt[] {
    const t = this.peek();
    if (t.type === "punct" && t.text === "{") return [{ t: "block", body: this.block(), line: t.line }];
    if (t.type === "punct" && t.text === ";") return this.next(), [];
    if (t.type === "id") {
      if (this.is(":", 1)) this.fail(`${t.text}:`, t.line, "labels are not translated");
      switch (t.text) {
        case "let":
        case "const":
        case "var": {
          const d = this.declaration();
          this.semicolon();
          return d;
        }
        case "if": {
          this.next();
          this.expect("(");
          const test = this.expression();
          this.expect(")");
          const cons = this.single();
          const alt = this.eat("else") ? this.single() : null;
          return [{ t: "if", test, cons, alt, line: t.line }];
        }
        case "for": {
          this.next();
          this.expect("(");
          let init: KStmt[] = [];
          if (this.is("let") || this.is("const") || this.is("var")) init = this.declaration();
          else if (!this.is(";")) init = [this.simple()];
          if (this.is("of") || this.is("in")) this.fail(`for ... ${this.peek().text}`, t.line);
          this.expect(";");
          const test = this.is(";") ? null : this.expression();
          this.expect(";");
          const update = this.is(")") ? null : this.simple();
          this.expect(")");
          const body = this.single();
          return [{ t: "for", init, test, update, body, line: t.line }];
        }
        case "return": {
          this.next();
          const arg = this.is(";") || this.is("}") ? null : this.expression();
          this.semicolon();
          return [{ t: "return", arg, line: t.line }];
        }
      }
      if (t.text in UNSUPPORTED_WORDS) this.unsupportedWord(t);
    }
    const s = this.simple();
    this.semicolon();
    return [s];
  }

  single(): KStmt {
    const line = this.peek().line;
    const s = this.statement();
    return s.length === 1 ? s[0] : { t: "block", body: s, line };
  }

  semicolon(): void {
    if (this.eat(";") || this.is("}") || this.peek().type === "eof") return;
    const prev = this.toks[this.pos - 1];
    if (prev && prev.line < this.peek().line) return; // automatic semicolon insertion at a line break
    this.fail(this.peek().text, this.peek().line, "expected ';'");
  }

  declaration(): KStmt[] {
    const kind = this.next().text;
    const out: KStmt[] = [];
    do {
      const t = this.peek();
      if (this.is("[")) this.fail("[", t.line, "array destructuring is not translated");
      if (this.eat("{")) {
        const names: { key: string; local: string }[] = [];
        while (!this.is("}")) {
          const key = this.ident().text;
          const local = this.eat(":") ? this.ident().text : key;
          if (this.is("=")) this.fail("=", this.peek().line, "destructuring defaults are not translated");
          names.push({ key, local });
          if (!this.eat(",")) break;
        }
        this.expect("}");
        this.expect("=");
        out.push({ t: "destructure", kind, names, from: this.expression(), line: t.line });
      } else {
        const name = this.ident().text;
        const init = this.eat("=") ? this.expression() : null;
        out.push({ t: "decl", kind, name, init, line: t.line });
      }
    } while (this.eat(","));
    return out;
  }

  /** An assignment, `++`/`--`, or (rejected later) a bare expression. */
  simple(): KStmt {
    const t = this.peek();
    if (this.is("++") || this.is("--")) {
      const op = this.next().text;
      const target = this.unary();
      return { t: "assign", target, op: op === "++" ? "+=" : "-=", value: one(t.line), line: t.line };
    }
    const target = this.expression();
    const op = this.peek();
    if (op.type === "punct" && (op.text === "++" || op.text === "--")) {
      this.next();
      return { t: "assign", target, op: op.text === "++" ? "+=" : "-=", value: one(t.line), line: t.line };
    }
    if (op.type === "punct" && /^[-+*/%&|^<>]*=$|^\*\*=$|^>>>=$/.test(op.text) && op.text !== "==") {
      if (!ASSIGN_OPS.has(op.text)) this.fail(op.text, op.line);
      this.next();
      return { t: "assign", target, op: op.text, value: this.expression(), line: t.line };
    }
    return this.fail(describe(target), t.line, "an expression statement does nothing here");
  }

  expression(): KExpr {
    const test = this.binary(0);
    const t = this.peek();
    if (!this.eat("?")) return test;
    const cons = this.expression();
    this.expect(":");
    return { t: "cond", test, cons, alt: this.expression(), line: t.line };
  }

  binary(level: number): KExpr {
    const levels = [["||"], ["&&"], ["==", "!=", "===", "!=="], ["<", ">", "<=", ">="], ["+", "-"], [
      "*",
      "/",
      "%",
    ]];
    if (level === levels.length) return this.power();
    let left = this.binary(level + 1);
    for (;;) {
      const t = this.peek();
      if (t.type === "punct" && ["??", "&", "|", "^", "<<", ">>", ">>>"].includes(t.text)) {
        this.fail(t.text, t.line, t.text === "??" ? undefined : "bitwise operators are not translated");
      }
      if (t.type === "id" && (t.text === "in" || t.text === "instanceof")) this.unsupportedWord(t);
      if (t.type !== "punct" || !levels[level].includes(t.text)) return left;
      this.next();
      left = { t: "binary", op: t.text, left, right: this.binary(level + 1), line: t.line };
    }
  }

  power(): KExpr {
    const base = this.unary();
    const t = this.peek();
    if (!this.eat("**")) return base;
    return { t: "binary", op: "**", left: base, right: this.power(), line: t.line };
  }

  unary(): KExpr {
    const t = this.peek();
    if (t.type === "punct" && (t.text === "-" || t.text === "+" || t.text === "!")) {
      this.next();
      return { t: "unary", op: t.text, arg: this.unary(), line: t.line };
    }
    if (t.type === "punct" && (t.text === "~" || t.text === "++" || t.text === "--")) {
      this.fail(
        t.text,
        t.line,
        t.text === "~" ? "bitwise operators are not translated" : "use it as a statement",
      );
    }
    return this.postfix();
  }

  postfix(): KExpr {
    let e = this.primary();
    for (;;) {
      const t = this.peek();
      if (this.eat(".")) {
        const p = this.peek();
        if (p.type !== "id") this.fail(`${describe(e)}.${p.text}`, p.line);
        e = { t: "member", obj: e, prop: this.next().text, line: t.line };
      } else if (this.eat("[")) {
        const index = this.expression();
        this.expect("]");
        e = { t: "index", obj: e, index, line: t.line };
      } else if (this.eat("(")) {
        const args: KExpr[] = [];
        while (!this.is(")")) {
          if (this.is("...")) this.fail(`${describe(e)}(...)`, t.line, "spread arguments are not translated");
          args.push(this.expression());
          if (!this.eat(",")) break;
        }
        this.expect(")");
        e = { t: "call", callee: e, args, line: t.line };
      } else if (t.type === "punct" && t.text === "?.") {
        this.fail(`${describe(e)}?.`, t.line, "optional chaining is not translated");
      } else if (t.type === "punct" && t.text === "=>") {
        this.fail("=>", t.line, "functions inside the kernel are not translated");
      } else return e;
    }
  }

  primary(): KExpr {
    const t = this.next();
    switch (t.type) {
      case "num":
        return { t: "num", v: Number(t.text), line: t.line };
      case "str":
        return this.fail(t.text, t.line, "strings are not translated");
      case "eof":
        return this.fail(t.text, t.line, "the kernel ends early");
      case "id":
        if (t.text === "this") return { t: "this", line: t.line };
        if (t.text === "true" || t.text === "false") {
          return { t: "num", v: t.text === "true" ? 1 : 0, line: t.line };
        }
        if (t.text === "Infinity") return { t: "num", v: Infinity, line: t.line };
        if (t.text === "NaN") return { t: "num", v: NaN, line: t.line };
        if (
          t.text in UNSUPPORTED_WORDS ||
          ["let", "const", "var", "if", "for", "return", "else"].includes(t.text)
        ) {
          return this.fail(t.text, t.line, UNSUPPORTED_WORDS[t.text] || undefined);
        }
        return { t: "id", name: t.text, line: t.line };
    }
    if (t.text === "(") {
      const e = this.expression();
      this.expect(")");
      return e;
    }
    if (t.text === "[") return this.fail("[...]", t.line, "arrays created in the kernel are not translated");
    if (t.text === "{") return this.fail("{...}", t.line, "objects are not translated");
    return this.fail(t.text, t.line);
  }
}

function one(line: number): KExpr {
  return { t: "num", v: 1, line };
}

/** A short source-like text of an expression, for messages. */
function describe(e: KExpr): string {
  switch (e.t) {
    case "num":
      return String(e.v);
    case "id":
      return e.name;
    case "this":
      return "this";
    case "member":
      return `${describe(e.obj)}.${e.prop}`;
    case "index":
      return `${describe(e.obj)}[...]`;
    case "call":
      return `${describe(e.callee)}()`;
    case "unary":
      return `${e.op}${describe(e.arg)}`;
    case "binary":
      return `${describe(e.left)} ${e.op} ${describe(e.right)}`;
    case "cond":
      return `${describe(e.test)} ? ...`;
  }
}

/**
 * Parses a kernel body (`function name(a, b) { ... }` or a method `name(a, b) { ... }`) into the subset's
 * syntax tree. Does not need the argument kinds; names are resolved by {@link translateKernel}.
 *
 * @throws {KernelTranslationError} On the first construct outside the subset, with its line.
 *
 * @example
 * ```ts
 * import { parseKernel } from "./src/kernels/mod.ts";
 * const p = parseKernel(function add(a: number[], b: number[]) { return a[0] + b[0]; });
 * console.log(p.name, p.params); // add ["a", "b"]
 * ```
 */
export function parseKernel(fn: KernelSourceFunction | string): ParsedKernel {
  const src = typeof fn === "string" ? fn : Function.prototype.toString.call(fn);
  const guess = typeof fn === "function" && fn.name ? fn.name : "anonymous kernel";
  const fail = (what: string, line: number, why?: string): never => {
    throw new KernelTranslationError(guess, what, line, why);
  };
  const p = new Parser(tokenize(src, fail), guess);
  if (p.is("async") || p.is("*", 1)) p.fail(p.peek().text, p.peek().line, "async and generator kernels");
  const { name, params } = p.header();
  if (name) p.kernel = name;
  const body = p.block();
  return { name: name || guess, params, body };
}

// ---- C emission ---------------------------------------------------------------------------------------------

const PRELUDE = `#include <math.h>

static inline int js_truthy(double v) { return v == v && v != 0.0; }
static inline double js_and(double a, double b) { return js_truthy(a) ? b : a; }
static inline double js_or(double a, double b) { return js_truthy(a) ? a : b; }
/* Math.round: half up, and a zero result keeps x's sign (Math.round(-0.5) is -0). */
static inline double js_round(double x) {
  double r = floor(x);
  r = x - r >= 0.5 ? r + 1.0 : r;
  return r == 0.0 ? copysign(0.0, x) : r;
}
static inline double js_sign(double x) { return x != x ? x : (double)((x > 0) - (x < 0)); }
static inline double js_pow(double x, double y) {
  if (y != y || (fabs(x) == 1.0 && isinf(y))) return NAN;
  return pow(x, y);
}
static inline double js_max(double a, double b) {
  if (a != a || b != b) return NAN;
  if (a == b) return signbit(a) ? b : a;
  return a > b ? a : b;
}
static inline double js_min(double a, double b) {
  if (a != a || b != b) return NAN;
  if (a == b) return signbit(a) ? a : b;
  return a < b ? a : b;
}
/* An index JavaScript would accept: an integer in [0, n); anything else reads undefined (NaN). */
static inline int js_index(double i, int n) { return i >= 0 && i < n && (double)(int)i == i; }
static inline double rd1(const float* p, int n, double i) { return js_index(i, n) ? (double)p[(int)i] : NAN; }
static inline double rd2(const float* p, const int* d, double y, double x, int* bad) {
  if (!js_index(y, d[0])) { *bad = 1; return NAN; }
  return rd1(p + (long)(int)y * d[1], d[1], x);
}
static inline double rd3(const float* p, const int* d, double z, double y, double x, int* bad) {
  if (!js_index(z, d[0]) || !js_index(y, d[1])) { *bad = 1; return NAN; }
  return rd1(p + ((long)(int)z * d[1] + (int)y) * d[2], d[2], x);
}
`;

const MATH_1: Record<string, string> = {
  exp: "exp",
  log: "log",
  sqrt: "sqrt",
  abs: "fabs",
  floor: "floor",
  ceil: "ceil",
  round: "js_round",
  sin: "sin",
  cos: "cos",
  tanh: "tanh",
  sign: "js_sign",
};

interface Local {
  c: string;
  constant: boolean;
}

class Emitter {
  private scopes: Map<string, Local>[] = [];
  private readonly params: Map<string, { kind: ArgKind; slot: number }> = new Map();
  private readonly constants: Map<string, { kind: "scalar" | "array1"; slot: number }> = new Map();
  readonly arrays: KernelSlot[] = [];
  readonly scalars: KernelSlot[] = [];
  private lines: string[] = [];
  private depth = 1;

  constructor(private readonly parsed: ParsedKernel, private readonly info: TranslateInfo) {
    parsed.params.forEach((p, i) => {
      const kind = info.argKinds[i];
      if (kind === undefined) return; // not passed: using it is an error
      const list = kind === "scalar" ? this.scalars : this.arrays;
      this.params.set(p, { kind, slot: list.length });
      list.push({ arg: i });
    });
    for (const name of Object.keys(info.constantKinds).sort()) {
      const kind = info.constantKinds[name];
      const list = kind === "scalar" ? this.scalars : this.arrays;
      this.constants.set(name, { kind, slot: list.length });
      list.push({ constant: name });
    }
  }

  fail(what: string, line: number, why?: string): never {
    throw new KernelTranslationError(this.parsed.name, what, line, why);
  }

  run(): string {
    this.block(this.parsed.body);
    return this.lines.join("\n");
  }

  private emit(line: string): void {
    this.lines.push("  ".repeat(this.depth) + line);
  }

  private block(body: KStmt[]): void {
    this.scopes.push(new Map());
    for (const s of body) this.statement(s);
    this.scopes.pop();
  }

  private lookup(name: string): Local | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const l = this.scopes[i].get(name);
      if (l) return l;
    }
    return undefined;
  }

  private declare(name: string, kind: string, line: number, init: string): void {
    const scope = this.scopes[this.scopes.length - 1];
    if (scope.has(name) || this.parsed.params.includes(name)) {
      this.fail(`${kind} ${name}`, line, "the name is declared twice");
    }
    const c = `v_${name.replace(/\$/g, "_S_")}_${this.lines.length}`;
    scope.set(name, { c, constant: kind === "const" });
    this.emit(`double ${c} = ${init};`);
  }

  private statement(s: KStmt): void {
    switch (s.t) {
      case "decl":
        if (s.kind === "const" && !s.init) this.fail(`const ${s.name}`, s.line, "a const needs a value");
        return this.declare(s.name, s.kind, s.line, s.init ? this.expr(s.init) : "NAN");
      case "destructure": {
        const from = s.from;
        const ok = from.t === "member" && from.obj.t === "this" &&
          (from.prop === "thread" || from.prop === "output");
        if (!ok) {
          this.fail(`{ ... } = ${describe(from)}`, s.line, "only this.thread and this.output destructure");
        }
        for (const { key, local } of s.names) {
          const member: KExpr = { t: "member", obj: from, prop: key, line: s.line };
          this.declare(local, s.kind, s.line, this.expr(member));
        }
        return;
      }
      case "assign": {
        if (s.target.t !== "id") {
          this.fail(describe(s.target), s.line, "only local variables can be assigned");
        }
        const local = this.lookup(s.target.name);
        if (!local) {
          this.fail(
            describe(s.target),
            s.line,
            this.params.has(s.target.name) || this.parsed.params.includes(s.target.name)
              ? "arguments cannot be assigned"
              : "not a local variable of the kernel",
          );
        }
        if (local.constant) this.fail(s.target.name, s.line, "assignment to a const");
        this.emit(`${this.assignment(local, s.op, this.expr(s.value))};`);
        return;
      }
      case "if":
        this.emit(`if (js_truthy(${this.expr(s.test)})) {`);
        this.nested(s.cons);
        if (s.alt) {
          this.emit("} else {");
          this.nested(s.alt);
        }
        this.emit("}");
        return;
      case "for": {
        this.emit("{");
        this.depth++;
        this.scopes.push(new Map());
        for (const i of s.init) this.statement(i);
        const test = s.test ? `js_truthy(${this.expr(s.test)})` : "1";
        let update = "";
        if (s.update) {
          const u = s.update;
          if (u.t !== "assign" || u.target.t !== "id") {
            this.fail("for (...)", s.line, "an unsupported loop update");
          }
          const local = this.lookup(u.target.name);
          if (!local || local.constant) {
            this.fail(
              u.target.name,
              u.line,
              local ? "assignment to a const" : "not a local variable of the kernel",
            );
          }
          update = this.assignment(local, u.op, this.expr(u.value));
        }
        this.emit(`for (; ${test}; ${update}) {`);
        this.nested(s.body);
        this.emit("}");
        this.scopes.pop();
        this.depth--;
        this.emit("}");
        return;
      }
      case "return":
        if (!s.arg) return this.emit("return NAN;");
        return this.emit(`return ${this.expr(s.arg)};`);
      case "block":
        this.emit("{");
        this.nested(s);
        this.emit("}");
        return;
    }
  }

  private nested(s: KStmt): void {
    this.depth++;
    this.block(s.t === "block" ? s.body : [s]);
    this.depth--;
  }

  private assignment(local: Local, op: string, value: string): string {
    if (op === "%=") return `${local.c} = fmod(${local.c}, ${value})`;
    return `${local.c} ${op} ${value}`;
  }

  private expr(e: KExpr): string {
    switch (e.t) {
      case "num":
        return number(e.v);
      case "id": {
        const local = this.lookup(e.name);
        if (local) return local.c;
        const p = this.params.get(e.name);
        if (p) {
          if (p.kind !== "scalar") {
            this.fail(e.name, e.line, `an array argument used as a number; index it as ${indexHint(p.kind)}`);
          }
          return `scalars[${p.slot}]`;
        }
        if (this.parsed.params.includes(e.name)) this.fail(e.name, e.line, "the argument is not passed");
        if (e.name === "Math") this.fail("Math", e.line, "use Math.<function>(...)");
        return this.fail(
          e.name,
          e.line,
          "a variable from outside the kernel; pass it as an argument or constant",
        );
      }
      case "this":
        return this.fail("this", e.line, "use this.thread, this.output or this.constants");
      case "member":
        return this.member(e);
      case "index":
        return this.index(e);
      case "call":
        return this.call(e);
      case "unary": {
        const a = this.expr(e.arg);
        if (e.op === "!") return `(double)!js_truthy(${a})`;
        return `(${e.op}${a})`;
      }
      case "binary":
        return this.binary(e);
      case "cond":
        return `(js_truthy(${this.expr(e.test)}) ? ${this.expr(e.cons)} : ${this.expr(e.alt)})`;
    }
  }

  private binary(e: KExpr & { t: "binary" }): string {
    const l = this.expr(e.left), r = this.expr(e.right);
    switch (e.op) {
      case "&&":
        return `js_and(${l}, ${r})`;
      case "||":
        return `js_or(${l}, ${r})`;
      case "%":
        return `fmod(${l}, ${r})`;
      case "**":
        return `js_pow(${l}, ${r})`;
      case "===":
      case "==":
        return `(double)(${l} == ${r})`;
      case "!==":
      case "!=":
        return `(double)(${l} != ${r})`;
      case "<":
      case ">":
      case "<=":
      case ">=":
        return `(double)(${l} ${e.op} ${r})`;
      default:
        return `(${l} ${e.op} ${r})`;
    }
  }

  private member(e: KExpr & { t: "member" }): string {
    const o = e.obj;
    if (o.t === "this") {
      const why = ["thread", "output", "constants"].includes(e.prop)
        ? `use this.${e.prop}.<name>`
        : "only this.thread, this.output and this.constants are translated";
      return this.fail(`this.${e.prop}`, e.line, why);
    }
    if (o.t === "member" && o.obj.t === "this" && (o.prop === "thread" || o.prop === "output")) {
      const axis = ["x", "y", "z"].indexOf(e.prop);
      if (axis < 0) this.fail(describe(e), e.line, "only .x, .y and .z");
      return o.prop === "thread" ? `(double)t${e.prop}` : `(double)o${e.prop}`;
    }
    if (o.t === "member" && o.obj.t === "this" && o.prop === "constants") {
      const c = this.constants.get(e.prop);
      if (!c) {
        this.fail(describe(e), e.line, "no such constant of a translatable kind (a number or a 1-D array)");
      }
      if (c.kind !== "scalar") {
        this.fail(describe(e), e.line, "a 1-D array constant used as a number; index it");
      }
      return `scalars[${c.slot}]`;
    }
    if (o.t === "id" && o.name === "Math") {
      if (e.prop === "PI") return number(Math.PI);
      if (e.prop === "E") return number(Math.E);
      return this.fail(describe(e), e.line, "only Math.PI and Math.E among Math's values");
    }
    if (e.prop === "length") {
      const slot = this.arraySlot(o);
      if (slot) return `(double)dims[${3 * slot.slot}]`;
    }
    return this.fail(describe(e), e.line, "only .length of an array argument");
  }

  /** The array slot of an argument name or of `this.constants.name`, or null. */
  private arraySlot(e: KExpr): { slot: number; rank: number } | null {
    if (e.t === "id" && !this.lookup(e.name)) {
      const p = this.params.get(e.name);
      if (p && p.kind !== "scalar") return { slot: p.slot, rank: Number(p.kind.slice(5)) };
    }
    if (e.t === "member" && e.obj.t === "member" && e.obj.obj.t === "this" && e.obj.prop === "constants") {
      const c = this.constants.get(e.prop);
      if (c && c.kind === "array1") return { slot: c.slot, rank: 1 };
    }
    return null;
  }

  private index(e: KExpr & { t: "index" }): string {
    const indices: KExpr[] = [];
    let base: KExpr = e;
    while (base.t === "index") {
      indices.unshift(base.index);
      base = base.obj;
    }
    const slot = this.arraySlot(base);
    if (!slot) {
      if (base.t === "id" && this.params.get(base.name)?.kind === "scalar") {
        this.fail(`${base.name}[...]`, e.line, "the argument is a number, not an array");
      }
      if (base.t === "member" || base.t === "id") this.expr(base); // its own error when it has one
      return this.fail(`${describe(base)}[...]`, e.line, "only arguments and 1-D constants can be indexed");
    }
    if (indices.length !== slot.rank) {
      this.fail(
        `${describe(base)}${"[...]".repeat(indices.length)}`,
        e.line,
        `it has ${slot.rank} ax${slot.rank === 1 ? "is" : "es"}; read one element, e.g. ${describe(base)}${
          ["[x]", "[y][x]", "[z][y][x]"][slot.rank - 1]
        }`,
      );
    }
    const ix = indices.map((i) => this.expr(i)).join(", ");
    const p = `arrays[${slot.slot}]`, d = `dims + ${3 * slot.slot}`;
    if (slot.rank === 1) return `rd1(${p}, dims[${3 * slot.slot}], ${ix})`;
    return `rd${slot.rank}(${p}, ${d}, ${ix}, bad)`;
  }

  private call(e: KExpr & { t: "call" }): string {
    const c = e.callee;
    if (c.t !== "member" || c.obj.t !== "id" || c.obj.name !== "Math") {
      return this.fail(describe(e), e.line, "only Math.* functions can be called");
    }
    const args = e.args.map((a) => this.expr(a));
    const f = c.prop;
    if (f in MATH_1) {
      if (args.length !== 1) this.fail(describe(e), e.line, `Math.${f} takes one argument here`);
      return `${MATH_1[f]}(${args[0]})`;
    }
    if (f === "pow") {
      if (args.length !== 2) this.fail(describe(e), e.line, "Math.pow takes two arguments here");
      return `js_pow(${args[0]}, ${args[1]})`;
    }
    if (f === "min" || f === "max") {
      if (args.length === 0) return f === "min" ? "INFINITY" : "(-INFINITY)";
      return args.reduce((acc, a) => `js_${f}(${acc}, ${a})`);
    }
    return this.fail(describe(e), e.line, "not among the translated Math functions");
  }
}

function indexHint(kind: ArgKind): string {
  return kind === "array1" ? "a[x]" : kind === "array2" ? "a[y][x]" : "a[z][y][x]";
}

function number(v: number): string {
  if (Number.isNaN(v)) return "NAN";
  if (v === Infinity) return "INFINITY";
  if (v === -Infinity) return "(-INFINITY)";
  const s = String(v);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/**
 * Translates a kernel body to a C function over the whole output, for one combination of argument kinds,
 * constant kinds and output rank. See the module doc for the subset, the semantics and the C signature.
 *
 * @throws {KernelTranslationError} Naming the first construct outside the subset and its line; also for a
 * name that is not resolvable for these kinds (an array argument used as a number, an unknown constant).
 *
 * @example
 * ```ts
 * import { translateKernel } from "./src/kernels/mod.ts";
 * const t = translateKernel(function scale(this: { thread: { x: number } }, a: number[], s: number) {
 *   return a[this.thread.x] * s;
 * }, { argKinds: ["array1", "scalar"], constantKinds: {}, outputRank: 1 });
 * console.log(t.symbol.startsWith("mmssl_kernel_"), t.arrays, t.scalars); // true [{ arg: 0 }] [{ arg: 1 }]
 * ```
 */
export function translateKernel(
  fn: KernelSourceFunction | ParsedKernel,
  info: TranslateInfo,
): KernelTranslation {
  const parsed = typeof fn === "function" ? parseKernel(fn) : fn;
  const em = new Emitter(parsed, info);
  const body = em.run();
  const hash = createHash("sha256").update(`${info.outputRank}\0${body}`).digest("hex").slice(0, 16);
  const symbol = `mmssl_kernel_${hash}`;
  const source = `/* createKernel "${parsed.name.replace(/\*\//g, "")}", translated from JavaScript */
${PRELUDE}
static double element(const float* const* arrays, const int* dims, const double* scalars, int* bad,
                      int tx, int ty, int tz, int ox, int oy, int oz) {
  (void)arrays; (void)dims; (void)scalars; (void)bad; (void)tx; (void)ty; (void)tz; (void)ox; (void)oy; (void)oz;
${body}
  return NAN;
}

int ${symbol}(float* out, int ox, int oy, int oz, const float* const* arrays, const int* dims,
    const double* scalars) {
  long n = (long)ox * oy * oz;
  int failed = 0;
  /* one element per iteration, shared among OpenMP threads when compiled with -fopenmp (else serial) */
  #pragma omp parallel for schedule(static) reduction(|:failed)
  for (long i = 0; i < n; i++) {
    int tx = (int)(i % ox), ty = (int)((i / ox) % oy), tz = (int)(i / ((long)ox * oy));
    int bad = 0;
    double v = element(arrays, dims, scalars, &bad, tx, ty, tz, ox, oy, oz);
    if (bad || v != v) failed = 1;
    else out[i] = (float)v;
  }
  return failed;
}
`;
  return { source, symbol, arrays: em.arrays, scalars: em.scalars };
}

/** A translation as CUDA C: NVRTC source with one `extern "C" __global__` entry point of `symbol`. */
export interface CudaKernelTranslation extends KernelTranslation {
  /** Threads per block the launcher should use (the grid covers ox · oy · oz threads, one per element). */
  blockSize: number;
}

/**
 * The same translation as {@link translateKernel}, emitted as CUDA C for NVRTC: the element function and the
 * JavaScript helpers become `__device__` functions, and the entry point
 * `extern "C" __global__ void <symbol>(float* out, int ox, int oy, int oz, const float* const* arrays,
 * const int* dims, const double* scalars, int* status)` computes one output element per thread (x fastest)
 * and sets `*status` to 1 where the C version returns 1 (a NaN result or an out-of-range row), so the caller
 * can rerun the call as JavaScript for its exact error. Locals stay double, as in JavaScript.
 *
 * @example
 * ```ts
 * import { translateKernelCuda } from "./src/kernels/mod.ts";
 * const t = translateKernelCuda(function twice(this: { thread: { x: number } }, a: number[]) {
 *   return 2 * a[this.thread.x];
 * }, { argKinds: ["array1"], constantKinds: {}, outputRank: 1 });
 * console.log(t.source.includes("__global__")); // true
 * ```
 */
export function translateKernelCuda(
  fn: KernelSourceFunction | ParsedKernel,
  info: TranslateInfo,
): CudaKernelTranslation {
  const c = translateKernel(fn, info);
  const symbol = `${c.symbol}_cuda`;
  const start = c.source.indexOf("static double element(");
  const end = c.source.indexOf(`int ${c.symbol}(`);
  const element = c.source.slice(start, end).replace(
    "static double element(",
    "__device__ static double element(",
  );
  const prelude = PRELUDE.replace("#include <math.h>\n", "").replaceAll(
    "static inline",
    "__device__ static inline",
  );
  const source = `/* createKernel, translated from JavaScript to CUDA C (NVRTC: no headers, math built in) */
#define NAN __longlong_as_double(0x7ff8000000000000LL)
${prelude}
${element}
extern "C" __global__ void ${symbol}(float* out, int ox, int oy, int oz, const float* const* arrays,
    const int* dims, const double* scalars, int* status) {
  long i = (long)blockIdx.x * blockDim.x + threadIdx.x;
  long n = (long)ox * oy * oz;
  if (i >= n) return;
  int tx = (int)(i % ox), ty = (int)((i / ox) % oy), tz = (int)(i / ((long)ox * oy));
  int bad = 0;
  double v = element(arrays, dims, scalars, &bad, tx, ty, tz, ox, oy, oz);
  if (bad || v != v) {
    *status = 1;
    return;
  }
  out[i] = (float)v;
}
`;
  return { ...c, source, symbol, blockSize: 256 };
}
