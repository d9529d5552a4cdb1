/**
 * A backend profiler for benchmarks: wraps every method of a backend instance with a timer (own properties
 * shadow the prototype's methods; `unprofile` removes them) and sums time and calls per category and per
 * detailed key (e.g. "binary:add [3200,2048]", "matmul 3200x2048x40 NT b1").
 * The timer costs about 0.1 µs per call; time outside the backend (op layer, autograd, tidy) is what the
 * caller's wall clock minus the kernel total leaves.
 */
import type { Backend, MatmulArgs } from "../src/backend/backend.ts";

/** Time and calls of one key. */
export interface ProfileEntry {
  ms: number;
  calls: number;
  /** Floating-point operations (GEMMs only). */
  flops: number;
}

/** Accumulated profile of a backend. */
export interface Profile {
  byCategory: Map<string, ProfileEntry>;
  byKey: Map<string, ProfileEntry>;
  /** A label the caller sets (e.g. "forward", "backward"); calls are also summed per phase and category. */
  phase: string;
  byPhase: Map<string, ProfileEntry>;
}

const CATEGORY: Record<string, string> = {
  matmul: "matmul (GEMM via FFI)",
  unary: "elementwise",
  unaryGrad: "elementwise",
  scalar: "elementwise",
  binary: "elementwise",
  where: "elementwise",
  softmax: "softmax",
  softmaxGrad: "softmax",
  normalizeRows: "layernorm",
  normalizeRowsGrad: "layernorm",
  reduce: "reduce (sum/max)",
  copyStrided: "copies (permute/slice/concat/expand)",
  gather: "copies (permute/slice/concat/expand)",
  scatterAdd: "copies (permute/slice/concat/expand)",
  alloc: "memory (alloc/free/fill/upload)",
  free: "memory (alloc/free/fill/upload)",
  fill: "memory (alloc/free/fill/upload)",
  fromHost: "memory (alloc/free/fill/upload)",
  write: "memory (alloc/free/fill/upload)",
  readSync: "memory (alloc/free/fill/upload)",
  read: "memory (alloc/free/fill/upload)",
  adamw: "optimizer",
  im2col: "conv/pool",
  col2im: "conv/pool",
  maxPool2d: "conv/pool",
  // the fused kernels: without these entries their time fell under "outside kernels"
  attention: "attention (fused)",
  attentionGrad: "attention (fused)",
  biasActivation: "bias + activation (fused)",
  biasActivationGrad: "bias + activation (fused)",
  dropout: "elementwise",
  randomUniform: "random draws",
  sync: "memory (alloc/free/fill/upload)",
};

function bump(map: Map<string, ProfileEntry>, key: string, ms: number, flops: number): void {
  let e = map.get(key);
  if (!e) map.set(key, e = { ms: 0, calls: 0, flops: 0 });
  e.ms += ms;
  e.calls++;
  e.flops += flops;
}

function sizeOf(s: unknown): number {
  return (s as { size?: number } | null)?.size ?? 0;
}

/** A detailed key for one backend call (op name and the sizes that matter). */
function keyOf(method: string, args: unknown[]): string {
  switch (method) {
    case "matmul": {
      const a = args[3] as MatmulArgs;
      return `matmul m${a.m} n${a.n} k${a.k} ${a.transA ? "T" : "N"}${a.transB ? "T" : "N"} batch ${a.batch}`;
    }
    case "unary":
    case "unaryGrad":
    case "scalar":
      return `${method}:${args[0]} n=${sizeOf(args[method === "unaryGrad" ? 3 : 2])}`;
    case "binary": {
      const shape = args[6] as number[];
      const bc = (args[2] as number[]).includes(0) || (args[4] as number[]).includes(0) ? " bcast" : "";
      return `binary:${args[0]} [${shape}]${bc}`;
    }
    case "softmax":
      return `softmax ${args[2]}x${args[3]}${args[4] ? " log" : ""}`;
    case "softmaxGrad":
      return `softmaxGrad ${args[3]}x${args[4]}${args[5] ? " log" : ""}`;
    case "normalizeRows":
    case "normalizeRowsGrad":
      return `${method} ${args[4]}x${args[5]}`;
    case "reduce":
      return `reduce:${args[0]} [${args[3]},${args[4]},${args[5]}]`;
    case "copyStrided":
      return `copyStrided [${args[6]}] src strides [${args[2]}]`;
    case "attention":
    case "attentionGrad": {
      const a = args[args.length - 1] as {
        batch: number;
        heads: number;
        tq: number;
        tk: number;
        headDim: number;
      };
      return `${method} B${a.batch} H${a.heads} Tq${a.tq} Tk${a.tk} d${a.headDim}`;
    }
    default:
      return method;
  }
}

const originals = new WeakMap<Backend, string[]>();

/** Wraps every method of `b` with timers feeding a fresh Profile; returns the profile (reset with resetProfile). */
export function profileBackend(b: Backend): Profile {
  const profile: Profile = { byCategory: new Map(), byKey: new Map(), phase: "", byPhase: new Map() };
  const names: string[] = [];
  let proto = Object.getPrototypeOf(b);
  const seen = new Set<string>();
  while (proto && proto !== Object.prototype) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === "constructor" || seen.has(name) || !(name in CATEGORY)) continue;
      seen.add(name);
      const fn = (b as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
      if (typeof fn !== "function") continue;
      const category = CATEGORY[name];
      const wrapped = function (this: Backend, ...args: unknown[]): unknown {
        const t0 = performance.now();
        const r = fn.apply(this, args);
        const ms = performance.now() - t0;
        let flops = 0;
        if (name === "matmul") {
          const a = args[3] as MatmulArgs;
          flops = 2 * a.batch * a.m * a.n * a.k;
        }
        bump(profile.byCategory, category, ms, flops);
        bump(profile.byKey, keyOf(name, args), ms, flops);
        bump(profile.byPhase, `${profile.phase}\t${category}`, ms, flops);
        return r;
      };
      Object.defineProperty(b, name, { value: wrapped, configurable: true, writable: true });
      names.push(name);
    }
    proto = Object.getPrototypeOf(proto);
  }
  originals.set(b, names);
  return profile;
}

/** Removes the timers installed by profileBackend. */
export function unprofile(b: Backend): void {
  for (const name of originals.get(b) ?? []) delete (b as unknown as Record<string, unknown>)[name];
  originals.delete(b);
}

/** Clears the accumulated numbers (e.g. after warm-up). */
export function resetProfile(p: Profile): void {
  p.byCategory.clear();
  p.byKey.clear();
  p.byPhase.clear();
}
