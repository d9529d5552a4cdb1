// Atomic file writes: the data goes to a temporary file in the same directory, is flushed to disk, and is
// then renamed over the target. A rename within one directory is atomic on POSIX file systems, so a reader
// (or a crash) sees either the previous complete file or the new complete file, never a partial one.

/** Split a path into its directory part ("." when there is none). */
export function dirnameOf(path: string): string {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  if (i < 0) return ".";
  if (i === 0) return "/";
  return path.slice(0, i);
}

/** Create `dir` and its parents when missing; a no-op when it exists. */
export function ensureDir(dir: string): void {
  Deno.mkdirSync(dir, { recursive: true });
}

/** Async form of {@link ensureDir}. */
export async function ensureDirAsync(dir: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
}

function tempPathFor(path: string): string {
  const rand = Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, "0");
  return `${path}.tmp-${Deno.pid}-${rand}`;
}

function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === "string" ? new TextEncoder().encode(data) : data;
}

/** Write `data` to `path` atomically (temp file + fsync + rename). Creates the parent directory. */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  ensureDir(dirnameOf(path));
  const tmp = tempPathFor(path);
  const bytes = toBytes(data);
  try {
    const file = Deno.openSync(tmp, { write: true, create: true, truncate: true });
    try {
      let written = 0;
      while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
      file.syncDataSync();
    } finally {
      file.close();
    }
    Deno.renameSync(tmp, path);
  } catch (err) {
    try {
      Deno.removeSync(tmp);
    } catch { /* the temp file may not exist */ }
    throw new Error(`writeFileAtomic: could not write ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Async form of {@link writeFileAtomic}. */
export async function writeFileAtomicAsync(path: string, data: Uint8Array | string): Promise<void> {
  await ensureDirAsync(dirnameOf(path));
  const tmp = tempPathFor(path);
  const bytes = toBytes(data);
  try {
    const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
    try {
      let written = 0;
      while (written < bytes.length) written += await file.write(bytes.subarray(written));
      await file.syncData();
    } finally {
      file.close();
    }
    await Deno.rename(tmp, path);
  } catch (err) {
    try {
      await Deno.remove(tmp);
    } catch { /* the temp file may not exist */ }
    throw new Error(`writeFileAtomic: could not write ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Atomically write `value` as pretty-printed JSON (2-space indent, trailing newline). */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n");
}
