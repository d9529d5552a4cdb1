/**
 * Builds a shared library from C sources with the system compiler on first use and caches it, the way
 * PyTorch's Inductor and tinygrad's CPU device do: the sources travel as text with the TypeScript modules,
 * the compiled library lives under the user's cache directory, keyed by a hash of the sources, the compiler,
 * its flags and the CPU, so an edit, a new compiler or another machine builds afresh.
 *
 * Concurrency: each build happens in a private temporary folder and the finished library is renamed into
 * place (rename is atomic), so two processes building at once both end with a complete library and a
 * reader never sees a half-written file.
 */
import { createHash } from "node:crypto";
import { readCpuFeatures } from "./cpu_features.ts";
import { readEnv } from "./load.ts";

/** A compiler found on the PATH: the command and its first `--version` line. */
export interface Compiler {
  /** The command that ran: one of {@link COMPILER_CANDIDATES}, or `$MMSSL_CC` when set. */
  command: string;
  /** The first line of its `--version` output (part of the cache key). */
  version: string;
}

/** What to build: a name for the file, the sources (file name to text) and the flags. */
export interface SharedLibrarySpec {
  /** Base name of the library file, e.g. "mmssl_kernels". */
  name: string;
  /** File name to C text. Every `.c` entry is compiled; other entries (headers) are only written beside. */
  sources: Record<string, string>;
  /** Compiler flags, e.g. `["-O3", "-march=native", "-fopenmp"]`. */
  flags: string[];
  /** The cache root to use instead of {@link cacheRoot}'s. */
  cacheDir?: string;
  /** Called with the command line just before a compile (not on a cache hit), e.g. to print a notice. */
  onCompile?: (command: string) => void;
}

/** Outcome of {@link buildSharedLibrary}: the library path, or why there is none. */
export type BuildResult =
  | { ok: true; path: string; compiler: Compiler; cached: boolean }
  /** `compiled`: the compiler ran and failed (other flags may work), as against no compiler at all. */
  | { ok: false; reason: string; compiled: boolean };

/** The compilers tried in order, or just `$MMSSL_CC` when set. */
export const COMPILER_CANDIDATES: readonly string[] = ["cc", "gcc", "clang"];

/** Whether the process may run `command` (never prompts). */
function mayRun(command: string): boolean {
  try {
    return Deno.permissions.querySync({ name: "run", command }).state === "granted";
  } catch {
    return false;
  }
}

/**
 * The first compiler that runs, or a reason naming what was tried. A compiler is skipped when the process
 * lacks `run` permission for it.
 */
export function findCompiler(): Compiler | { reason: string } {
  const override = readEnv("MMSSL_CC");
  const candidates = override ? [override] : COMPILER_CANDIDATES;
  const tried: string[] = [];
  for (const command of candidates) {
    if (!mayRun(command)) {
      tried.push(`${command}: no run permission`);
      continue;
    }
    try {
      const out = new Deno.Command(command, { args: ["--version"], stdout: "piped", stderr: "piped" })
        .outputSync();
      if (out.success) {
        const version = new TextDecoder().decode(out.stdout).split("\n")[0].trim();
        return { command, version };
      }
      tried.push(`${command}: --version exited with ${out.code}`);
    } catch (e) {
      tried.push(`${command}: ${e instanceof Deno.errors.NotFound ? "not found" : String(e)}`);
    }
  }
  return { reason: `no C compiler (${tried.join("; ")})` };
}

/** The cache root: $MMSSL_CACHE_DIR, else $XDG_CACHE_HOME/mmssl, else ~/.cache/mmssl. */
export function cacheRoot(): string | null {
  const own = readEnv("MMSSL_CACHE_DIR");
  if (own) return own;
  const xdg = readEnv("XDG_CACHE_HOME");
  if (xdg) return `${xdg}/mmssl`;
  const home = readEnv("HOME") ?? readEnv("USERPROFILE");
  return home ? `${home}/.cache/mmssl` : null;
}

/**
 * What identifies the CPU for `-march=native`: its vendor and feature flags (from /proc/cpuinfo, or from
 * libgcc's CPU table where reading /proc needs more permission than the process has).
 */
function cpuIdentity(): string {
  const cpu = readCpuFeatures();
  return cpu ? `${Deno.build.target} ${cpu.vendor} ${[...cpu.flags].sort().join(" ")}` : Deno.build.target;
}

/** Hex SHA-256 of a string, synchronously (backends start synchronously). */
function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function libraryExtension(): string {
  return Deno.build.os === "darwin" ? "dylib" : Deno.build.os === "windows" ? "dll" : "so";
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns the path of the compiled library for `spec`, building it when the cache lacks it. Never throws:
 * a missing compiler, a missing permission or a failed compile comes back as `{ ok: false, reason }`, where
 * a failed compile names the compiler, the command and the first lines of its errors.
 */
export function buildSharedLibrary(spec: SharedLibrarySpec): BuildResult {
  const compiler = findCompiler();
  if ("reason" in compiler) return { ok: false, reason: compiler.reason, compiled: false };
  const root = spec.cacheDir ?? cacheRoot();
  if (!root) {
    return {
      ok: false,
      reason: "no cache directory (set MMSSL_CACHE_DIR, XDG_CACHE_HOME or HOME)",
      compiled: false,
    };
  }
  const names = Object.keys(spec.sources).sort();
  const key = sha256Hex(
    [
      compiler.command,
      compiler.version,
      spec.flags.join(" "),
      cpuIdentity(),
      ...names.flatMap((n) => [
        n,
        spec.sources[n],
      ]),
    ].join("\0"),
  );
  const dir = `${root}/native`;
  const path = `${dir}/${spec.name}-${key.slice(0, 16)}.${libraryExtension()}`;
  if (exists(path)) return { ok: true, path, compiler, cached: true };

  let work: string | undefined;
  try {
    Deno.mkdirSync(dir, { recursive: true });
    work = Deno.makeTempDirSync({ dir, prefix: `${spec.name}-build-` });
    for (const n of names) Deno.writeTextFileSync(`${work}/${n}`, spec.sources[n]);
    const out = `${work}/${spec.name}.${libraryExtension()}`;
    const args = [...spec.flags, "-shared", "-fPIC", ...names.filter((n) => n.endsWith(".c")), "-o", out];
    spec.onCompile?.(`${compiler.command} ${args.join(" ")}`);
    const run = new Deno.Command(compiler.command, { args, cwd: work, stdout: "piped", stderr: "piped" })
      .outputSync();
    if (!run.success) {
      const errors = new TextDecoder().decode(run.stderr).split("\n").filter((l) => l.trim()).slice(0, 6);
      return {
        ok: false,
        reason:
          `${compiler.command} (${compiler.version}) failed: ${compiler.command} ${args.join(" ")}\n  ` +
          errors.join("\n  "),
        compiled: true,
      };
    }
    Deno.renameSync(out, path);
    return { ok: true, path, compiler, cached: false };
  } catch (e) {
    const reason = `building ${spec.name} in ${dir}: ${e instanceof Error ? e.message : e}`;
    return { ok: false, reason, compiled: false };
  } finally {
    if (work) {
      try {
        Deno.removeSync(work, { recursive: true });
      } catch { /* a leftover temp folder is harmless */ }
    }
  }
}
