/**
 * Anomaly detection (the idea of torch.autograd.detect_anomaly): while a function runs, every backend
 * primitive call is checked, and the first one that turns a storage holding only finite values into one with
 * a NaN or an infinity stops the run with an error naming the primitive (and its op, such as `unary log`).
 * Slow: each call reads its storages back, so it is opt-in (`--detect-anomaly`).
 *
 * @module
 */
import type { Backend, Storage } from "../backend/backend.ts";

/**
 * Thrown by {@link withAnomalyDetection}; `primitive` names the first call that produced a non-finite value.
 */
export class AnomalyError extends Error {
  /** The backend primitive, with its op when it takes one (e.g. `unary log`). */
  readonly primitive: string;
  /** An error for `primitive` with the full `message`. */
  constructor(primitive: string, message: string) {
    super(message);
    this.name = "AnomalyError";
    this.primitive = primitive;
  }
}

function isStorage(v: unknown): v is Storage {
  return typeof v === "object" && v !== null && typeof (v as { size?: unknown }).size === "number";
}

/** The first non-finite value of a storage, or null. */
function firstNonFinite(b: Backend, s: Storage): number | null {
  const v = b.readSync(s);
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return v[i];
  return null;
}

/**
 * Runs `fn` with every primitive of backend `b` checked; restores the backend afterwards. Throws an
 * {@link AnomalyError} at the first primitive whose call leaves a non-finite value in a storage that was
 * all finite before it.
 */
export function withAnomalyDetection<T>(b: Backend, fn: () => T): T {
  const target = b as unknown as Record<string, unknown>;
  const saved = new Map<string, unknown>();
  const skip = new Set([
    "alloc",
    "free",
    "fromHost",
    "read",
    "readSync",
    "write",
    "fill",
    "sync",
    "constructor",
  ]);
  for (
    let proto = Object.getPrototypeOf(b);
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const f = target[name];
      if (skip.has(name) || saved.has(name) || typeof f !== "function") continue;
      saved.set(name, Object.prototype.hasOwnProperty.call(b, name) ? f : undefined);
      target[name] = function (this: unknown, ...args: unknown[]) {
        const storages = args.filter(isStorage);
        const finiteBefore = storages.map((s) => firstNonFinite(b, s) === null);
        const result = (f as (...a: unknown[]) => unknown).apply(b, args);
        storages.forEach((s, i) => {
          if (!finiteBefore[i]) return;
          const bad = firstNonFinite(b, s);
          if (bad === null) return;
          const op = typeof args[0] === "string" ? `${name} ${args[0]}` : name;
          const inputsBad = finiteBefore.some((ok) => !ok)
            ? " (another of its storages was already non-finite)"
            : "";
          throw new AnomalyError(
            op,
            `anomaly: ${op} produced ${bad} in a ${s.size}-element storage${inputsBad}`,
          );
        });
        return result;
      };
    }
  }
  try {
    return fn();
  } finally {
    for (const [name, own] of saved) {
      if (own === undefined) delete target[name];
      else target[name] = own;
    }
  }
}
