/**
 * Tensor lifetime and gradient-recording state: the tidy scope stack and the no-grad switch.
 * Memory is explicit: a tensor's storage is returned to its backend by dispose(), never by GC.
 */

/** What the engine needs to know about a tensor to manage it. */
export interface Disposable {
  /** Whether the storage was already released. */
  readonly isDisposed: boolean;
  /** Set by {@link keep}: the object survives every enclosing tidy scope. */
  kept: boolean;
  /** Releases the storage; must be safe to call twice. */
  dispose(): void;
}

let gradEnabled = true;
const scopes: Set<Disposable>[] = [];
let liveCount = 0;

/** Whether ops currently record gradients. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/**
 * Runs fn with gradient recording switched off (restored afterwards, also on throw); use it for evaluation
 * and for in-place parameter updates.
 *
 * @example
 * ```ts
 * import { noGrad, tensor } from "./mod.ts";
 * const w = tensor([1, 2], [2], { requiresGrad: true });
 * const y = noGrad(() => w.mul(3));
 * console.log(y.requiresGrad); // false
 * ```
 */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Called by the Tensor constructor: counts the tensor and adds it to the innermost tidy scope. */
export function track(t: Disposable): void {
  liveCount++;
  if (scopes.length > 0) scopes[scopes.length - 1].add(t);
}

/** Called by dispose(). */
export function untrack(): void {
  liveCount--;
}

/** Number of tensors made and not yet disposed (for leak checks). */
export function numLiveTensors(): number {
  return liveCount;
}

/**
 * Marks a tensor as surviving every enclosing tidy scope (parameters, optimizer state, gradients); it must
 * then be disposed by hand. Returns `t` for chaining.
 *
 * @example
 * ```ts
 * import { keep, tensor, tidy } from "./mod.ts";
 * let total = tensor([0], [1]);
 * tidy(() => {
 *   total = keep(total.add(1)); // outlives the scope
 * });
 * console.log(total.item()); // 1
 * total.dispose();
 * ```
 */
export function keep<T extends Disposable>(t: T): T {
  t.kept = true;
  for (const s of scopes) s.delete(t);
  return t;
}

function collect(value: unknown, out: Set<Disposable>, depth = 0): void {
  if (value === null || value === undefined || depth > 6) return;
  if (typeof value !== "object") return;
  if ("isDisposed" in value && "dispose" in value && "kept" in value) {
    out.add(value as Disposable);
    return;
  }
  if (Array.isArray(value)) { for (const v of value) collect(v, out, depth + 1); }
  else if (value instanceof Map) { for (const v of value.values()) collect(v, out, depth + 1); }
  else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, out, depth + 1);
  }
}

/**
 * Runs fn and disposes every tensor made inside it that the result does not hold (tensors inside arrays, Maps
 * and plain objects of the result are kept and move to the enclosing scope). Kept tensors are never disposed.
 *
 * @throws {Error} When fn returns a Promise (scopes must be synchronous).
 *
 * @example
 * ```ts
 * import { numLiveTensors, tensor, tidy } from "./mod.ts";
 * const x = tensor([1, 2, 3], [3]);
 * const before = numLiveTensors();
 * const y = tidy(() => x.mul(2).add(1).sum()); // the two intermediates are freed
 * console.log(y.item(), numLiveTensors() - before); // 15 1
 * ```
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Disposable>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) if (!t.kept && !t.isDisposed) t.dispose();
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) throw new Error("tidy: fn must be synchronous (it returned a Promise)");
  const held = new Set<Disposable>();
  collect(result, held);
  for (const t of scope) {
    if (held.has(t) || t.kept || t.isDisposed) continue;
    t.dispose();
  }
  if (scopes.length > 0) {
    const parent = scopes[scopes.length - 1];
    for (const t of held) if (scope.has(t)) parent.add(t);
  }
  return result;
}
