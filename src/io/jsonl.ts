// Append-only JSON-lines files (metrics.jsonl): one JSON object per line. Each record is handed to the OS in a
// single write as soon as it is logged (Deno file handles are unbuffered), so a crash loses at most the line
// being written. Non-finite numbers (NaN, Infinity) are not valid JSON and are written as null.

import { dirnameOf, ensureDir } from "./atomic.ts";

/** Writes one JSON value per line to a file it keeps open. */
export class JsonlWriter {
  /** The file being written. */
  readonly path: string;
  #file: Deno.FsFile | null;
  #encoder = new TextEncoder();

  private constructor(path: string, file: Deno.FsFile) {
    this.path = path;
    this.#file = file;
  }

  /**
   * Open `path` for writing (creating parent directories). With `append: true` existing lines are kept (for
   * resumed runs) and a partial last line left by a crash is terminated first; otherwise the file is truncated.
   */
  static open(path: string, opts: { append?: boolean } = {}): JsonlWriter {
    ensureDir(dirnameOf(path));
    const append = opts.append ?? false;
    let file: Deno.FsFile;
    try {
      file = Deno.openSync(path, { write: true, create: true, append, truncate: !append });
    } catch (err) {
      throw new Error(`jsonl: cannot open ${path} (${(err as Error).message})`, { cause: err });
    }
    const writer = new JsonlWriter(path, file);
    if (append && needsNewline(path)) writer.#writeText("\n");
    return writer;
  }

  /** Append `record` as one line. */
  write(record: unknown): void {
    const line = JSON.stringify(record);
    if (line === undefined) throw new Error(`jsonl ${this.path}: value is not JSON-serialisable`);
    if (line.includes("\n")) throw new Error(`jsonl ${this.path}: serialised record contains a newline`);
    this.#writeText(line + "\n");
  }

  #writeText(text: string): void {
    if (this.#file === null) throw new Error(`jsonl ${this.path}: write after close`);
    const bytes = this.#encoder.encode(text);
    let written = 0;
    while (written < bytes.length) written += this.#file.writeSync(bytes.subarray(written));
  }

  /** Flush the file's data to disk (fsync). Not needed for crash-safety against process death, only power loss. */
  sync(): void {
    this.#file?.syncDataSync();
  }

  /** Close the file; further writes throw. Safe to call twice. */
  close(): void {
    this.#file?.close();
    this.#file = null;
  }
}

function needsNewline(path: string): boolean {
  const info = Deno.statSync(path);
  if (info.size === 0) return false;
  const f = Deno.openSync(path, { read: true });
  try {
    f.seekSync(-1, Deno.SeekMode.End);
    const b = new Uint8Array(1);
    f.readSync(b);
    return b[0] !== 0x0a;
  } finally {
    f.close();
  }
}

/**
 * Read a JSON-lines file. Blank lines are skipped. A final line without a trailing newline that does not parse
 * (a write cut off by a crash) is dropped; any other bad line is an error naming the file and line number.
 */
export function readJsonl(path: string): unknown[] {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (err) {
    throw new Error(`jsonl: cannot read ${path} (${(err as Error).message})`, { cause: err });
  }
  const lines = text.split("\n");
  const out: unknown[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    try {
      out.push(JSON.parse(line));
    } catch (err) {
      const isUnterminatedLast = i === lines.length - 1; // no "\n" followed it
      if (isUnterminatedLast) break;
      throw new Error(`jsonl ${path}: line ${i + 1} is not valid JSON (${(err as Error).message})`);
    }
  }
  return out;
}
