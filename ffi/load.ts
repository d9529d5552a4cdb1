/**
 * Native library discovery for Deno FFI: try an environment override first, then each candidate soname or
 * path in order, and fail with an error that lists everything that was tried.
 */

/** Result of a successful open: the library and the name that worked. */
export interface OpenedLibrary<S extends Deno.ForeignLibraryInterface> {
  lib: Deno.DynamicLibrary<S>;
  path: string;
}

/** Thrown when no candidate could be opened; `tried` lists each candidate with its error. */
export class LibraryNotFoundError extends Error {
  readonly tried: string[];
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
