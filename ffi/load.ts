/**
 * Native library discovery for Deno FFI: try an environment override first, then each candidate soname or
 * path in order, and fail with an error that lists everything that was tried.
 */

/** Result of a successful open: the library and the name that worked. */
export interface OpenedLibrary<S extends Deno.ForeignLibraryInterface> {
  /** The opened library with its bound symbols. */
  lib: Deno.DynamicLibrary<S>;
  /** The candidate (soname or path) that opened. */
  path: string;
}

/** Thrown when no candidate could be opened; `tried` lists each candidate with its error. */
export class LibraryNotFoundError extends Error {
  /** Each candidate that was tried, with the error it gave, in order. */
  readonly tried: string[];
  /** An error for library `what` (a human-readable name) listing every failed candidate. */
  constructor(what: string, tried: string[]) {
    super(`${what} not found; tried:\n  ${tried.join("\n  ")}`);
    this.name = "LibraryNotFoundError";
    this.tried = tried;
  }
}

/** Reads an environment variable without throwing when env permission is missing. */
export function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/** A positive integer from an environment variable ("4", " 2 "), or null when unset or anything else. */
export function readPositiveIntEnv(name: string): number | null {
  const v = readEnv(name);
  if (v === undefined || !/^\s*\d+\s*$/.test(v)) return null;
  const n = Number(v);
  return n > 0 ? n : null;
}

/**
 * Opens the first library that loads. `envVar` (if set in the environment) names a path or soname that is
 * tried before the candidates.
 */
export function openFirst<S extends Deno.ForeignLibraryInterface>(
  what: string,
  envVar: string,
  candidates: string[],
  symbols: S,
): OpenedLibrary<S> {
  const tried: string[] = [];
  const override = readEnv(envVar);
  const names = override ? [override, ...candidates] : candidates;
  for (const name of names) {
    try {
      return { lib: Deno.dlopen(name, symbols), path: name };
    } catch (e) {
      const msg = e instanceof Error ? e.message.split("\n")[0] : String(e);
      tried.push(`${name}: ${msg}`);
    }
  }
  if (!override) tried.push(`(set ${envVar} to a library path to override)`);
  throw new LibraryNotFoundError(what, tried);
}

/**
 * Keeps a library mapped until the process exits: a leaked second handle with RTLD_NODELETE (Linux). Deno
 * closes FFI libraries while shutting down, and unmapping an OpenMP library (OpenBLAS's OpenMP build, the
 * native kernels) while libgomp's worker threads still spin crashes the process (exit code 139).
 */
export function pinLoaded(name: string): void {
  if (Deno.build.os !== "linux") return;
  const RTLD_NOW = 2, RTLD_NOLOAD = 4, RTLD_NODELETE = 0x1000;
  for (const libcName of ["libc.so.6", "libc.so"]) {
    try {
      const libc = Deno.dlopen(libcName, { dlopen: { parameters: ["buffer", "i32"], result: "pointer" } });
      try {
        libc.symbols.dlopen(new TextEncoder().encode(`${name}\0`), RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
      } finally {
        libc.close();
      }
      return;
    } catch { /* try the next libc name; never fatal */ }
  }
}
