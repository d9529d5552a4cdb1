/**
 * The CPU's vendor and feature flags (used to pick OpenBLAS's kernels before the library loads): from
 * /proc/cpuinfo when the process may read it (Deno asks for `--allow-all` there, plain `--allow-read` is not
 * enough), else on x86_64 Linux from libgcc's `__cpu_model`, the table behind `__builtin_cpu_supports`
 * (needs `--allow-ffi`). Reading never throws: when neither works the answer is null.
 */

/** Vendor and feature flags of the first CPU listed in /proc/cpuinfo. */
export interface CpuFeatures {
  /** `Deno.build.arch` ("x86_64", "aarch64"). */
  arch: string;
  /** x86 `vendor_id` ("GenuineIntel", "AuthenticAMD", "HygonGenuine", …); "" when not listed. */
  vendor: string;
  /** Lower-case feature names: x86 `flags`, aarch64 `Features` (with the /proc/cpuinfo spellings). */
  flags: ReadonlySet<string>;
  /** Where they were read. */
  source?: "/proc/cpuinfo" | "libgcc";
}

/** Parses /proc/cpuinfo text: the vendor and flags of the first processor entry that lists them. */
export function parseCpuInfo(text: string, arch: string = Deno.build.arch): CpuFeatures {
  let vendor = "";
  let flags: string[] | null = null;
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === "vendor_id" && !vendor) vendor = value;
    else if ((key === "flags" || key === "features") && flags === null) {
      flags = value.toLowerCase().split(/\s+/).filter((f) => f.length > 0);
    }
    if (vendor && flags !== null) break;
  }
  return { arch, vendor, flags: new Set(flags ?? []) };
}

/**
 * Bits of `__cpu_model.__cpu_features[0]` (GCC's `enum processor_features`, a stable ABI) under their
 * /proc/cpuinfo names. GCC sets the AVX and AVX-512 bits only when the OS saves those registers (XGETBV).
 */
export const LIBGCC_FEATURE_BITS: readonly (readonly [string, number])[] = [
  ["cmov", 0],
  ["mmx", 1],
  ["popcnt", 2],
  ["sse", 3],
  ["sse2", 4],
  ["pni", 5],
  ["ssse3", 6],
  ["sse4_1", 7],
  ["sse4_2", 8],
  ["avx", 9],
  ["avx2", 10],
  ["sse4a", 11],
  ["fma4", 12],
  ["xop", 13],
  ["fma", 14],
  ["avx512f", 15],
  ["bmi1", 16],
  ["bmi2", 17],
  ["aes", 18],
  ["pclmulqdq", 19],
  ["avx512vl", 20],
  ["avx512bw", 21],
  ["avx512dq", 22],
  ["avx512cd", 23],
];

/** Decodes libgcc's `__cpu_model` fields: vendor 1 is Intel, 2 AMD (others are left unnamed). */
export function decodeLibgccCpuModel(vendor: number, features: number, arch = "x86_64"): CpuFeatures {
  const name = vendor === 1 ? "GenuineIntel" : vendor === 2 ? "AuthenticAMD" : "";
  const flags = LIBGCC_FEATURE_BITS.filter(([, bit]) => (features >>> bit) & 1).map(([f]) => f);
  return { arch, vendor: name, flags: new Set(flags), source: "libgcc" };
}

function readLibgccCpuModel(): CpuFeatures | null {
  if (Deno.build.os !== "linux" || Deno.build.arch !== "x86_64") return null;
  const RTLD_NOW = 2;
  const cstr = (s: string) => new TextEncoder().encode(`${s}\0`);
  try {
    const libc = Deno.dlopen("libc.so.6", {
      dlopen: { parameters: ["buffer", "i32"], result: "pointer" },
      dlvsym: { parameters: ["pointer", "buffer", "buffer"], result: "pointer" },
    });
    try {
      // The handle is kept open on purpose: libgcc_s is loaded by Deno itself and must stay.
      const handle = libc.symbols.dlopen(cstr("libgcc_s.so.1"), RTLD_NOW);
      if (handle === null) return null;
      // Both are exported only as the non-default version GCC_4.8.0, which plain dlsym does not find.
      const init = libc.symbols.dlvsym(handle, cstr("__cpu_indicator_init"), cstr("GCC_4.8.0"));
      const model = libc.symbols.dlvsym(handle, cstr("__cpu_model"), cstr("GCC_4.8.0"));
      if (init === null || model === null) return null;
      // Idempotent; libgcc's own constructor has normally run it already.
      const initDef = { parameters: [], result: "i32" } as const;
      new Deno.UnsafeFnPointer(init as Deno.PointerObject<typeof initDef>, initDef).call();
      // struct __processor_model { unsigned vendor, type, subtype; unsigned features[1]; }
      const view = new Deno.UnsafePointerView(model);
      if (view.getUint32(0) === 0) return null; // vendor unset: not initialised
      return decodeLibgccCpuModel(view.getUint32(0), view.getUint32(12));
    } finally {
      libc.close();
    }
  } catch {
    return null;
  }
}

let cachedFeatures: CpuFeatures | null | undefined;

/**
 * The running CPU's features (see the module comment for the sources), or null when none can be read. Read
 * once per process: the OpenBLAS core choice and the native kernels' cache key both ask.
 */
export function readCpuFeatures(): CpuFeatures | null {
  if (cachedFeatures !== undefined) return cachedFeatures;
  if (Deno.build.os !== "linux") return cachedFeatures = null;
  try {
    cachedFeatures = { ...parseCpuInfo(Deno.readTextFileSync("/proc/cpuinfo")), source: "/proc/cpuinfo" };
  } catch {
    cachedFeatures = readLibgccCpuModel();
  }
  return cachedFeatures;
}
