/**
 * Running a kernel body as JavaScript: one call per output element with `this` bound to a per-run context
 * ({@link KernelThis}) whose `thread` is advanced x fastest, then y, then z. Results are stored as float32
 * in row-major order ((z · h + y) · w + x). A result that is not a number, or is NaN, stops the run with an
 * error naming the kernel and the thread; so does an exception from the body (for example reading `a[y][x]`
 * with `y` past the rows of `a`).
 *
 * @module
 */
import type { KernelView } from "./args.ts";
import type { KernelOutput } from "./output.ts";

/** A value of `this.constants`: a number, a boolean, or a float32 view of a (nested) number array. */
export type KernelConstant = KernelView;

/** What `this` is inside a kernel body. */
export interface KernelThis {
  /** The element being computed: x is the fastest-varying index; y and z are 0 when the output lacks them. */
  readonly thread: { readonly x: number; readonly y: number; readonly z: number };
  /** The output's extents (y and z are 1 when the output lacks them). */
  readonly output: { readonly x: number; readonly y: number; readonly z: number };
  /**
   * The kernel's constants, as given to setConstants (arrays as float32 views). Typed loosely, as in
   * JavaScript, so `i < this.constants.size` and `this.constants.w[i]` both type-check.
   */
  // deno-lint-ignore no-explicit-any
  readonly constants: { readonly [name: string]: any };
}

/** A kernel body: a `function` (not an arrow, which cannot receive `this`) returning one number. */
export type KernelBody = (this: KernelThis, ...args: never[]) => number;

/**
 * Runs `body` over every thread of `out` with `args` as its arguments; returns the float32 results,
 * row-major. `what` names the run in errors (e.g. `kernel "matMult"` or `gradient 1 of kernel "matMult"`).
 *
 * @throws {Error} When the body throws, or returns a non-number or NaN, naming `what` and the thread.
 *
 * @example
 * ```ts
 * import { normalizeOutput, runBody } from "./src/kernels/mod.ts";
 * const out = runBody(function () { return this.thread.x * 10 + this.thread.y; }, normalizeOutput([2, 2], "k"), [], {}, "k");
 * console.log(out); // Float32Array [0, 10, 1, 11]
 * ```
 */
export function runBody(
  body: KernelBody,
  out: KernelOutput,
  args: readonly KernelView[],
  constants: Readonly<Record<string, KernelConstant>>,
  what: string,
): Float32Array {
  const thread = { x: 0, y: 0, z: 0 };
  const ctx: KernelThis = { thread, output: { x: out.x, y: out.y, z: out.z }, constants };
  const fn = body as unknown as (...a: KernelView[]) => unknown;
  const res = new Float32Array(out.size);
  const { x: w, y: h, z: d } = out;
  let i = 0;
  for (let z = 0; z < d; z++) {
    thread.z = z;
    for (let y = 0; y < h; y++) {
      thread.y = y;
      for (let x = 0; x < w; x++) {
        thread.x = x;
        let v: unknown;
        try {
          v = fn.apply(ctx, args as KernelView[]);
        } catch (e) {
          const hint = e instanceof TypeError && /undefined|null/.test(e.message)
            ? " (an argument was probably read out of range: a row index past its rows gives undefined)"
            : "";
          throw new Error(
            `${what} threw at output index ${where(out, x, y, z)}: ${(e as Error)?.message ?? e}${hint}`,
            { cause: e },
          );
        }
        if (typeof v !== "number" || v !== v) {
          const got = typeof v === "number" ? "NaN" : v === undefined ? "undefined" : `a ${typeof v}`;
          throw new Error(
            `${what} returned ${got} at output index ${
              where(out, x, y, z)
            }: an argument was probably read out ` +
              "of range (an index past an argument's shape reads undefined), or the body computed NaN " +
              "(e.g. Math.sqrt of a negative number) or returned nothing",
          );
        }
        res[i++] = v;
      }
    }
  }
  return res;
}

function where(out: KernelOutput, x: number, y: number, z: number): string {
  const t = out.dims.length === 1
    ? `x=${x}`
    : out.dims.length === 2
    ? `x=${x}, y=${y}`
    : `x=${x}, y=${y}, z=${z}`;
  return `(${t}) of output [${out.dims.join(", ")}]`;
}
