// Training progress reporting. Output goes to STDERR by default, so a user who pipes or redirects stdout still
// gets only the results table there. On a terminal it draws one live line (redrawn with "\r", at most 10 times a
// second); otherwise (logs, CI, pipes) it prints a plain line every `intervalSec` seconds and at epoch ends.

/** Options of {@link Progress}. */
export interface ProgressOptions {
  /** Total number of steps the run will take. */
  total: number;
  /** Text in front of every line, e.g. the method name. */
  label?: string;
  /** Draw a live bar (true) or print plain lines (false). Default: whether stderr is a terminal. */
  isTerminal?: boolean;
  /** Where text goes. Default: synchronous writes to stderr. */
  write?: (text: string) => void;
  /** Clock in milliseconds. Default: performance.now. */
  now?: () => number;
  /** Plain mode: least seconds between two progress lines (epoch ends always print). Default 10. */
  intervalSec?: number;
  /** Step already done when this reporter starts (resumed runs); the ETA is measured from here. Default 0. */
  startStep?: number;
  /** Terminal width for truncating the live line. Default: the console size, if known. */
  columns?: number;
}

/** One progress report. `step` counts completed steps (1..total). */
export interface ProgressUpdate {
  /** Completed steps so far. */
  step: number;
  /** Current epoch. */
  epoch?: number;
  /** Latest (or running mean) loss. */
  loss?: number;
  /** Training throughput. */
  samplesPerSec?: number;
  /** More fields to show, in order, as "name value". */
  extra?: Record<string, number | string>;
  /** Marks the last step of an epoch; in plain mode this always prints a line. */
  epochEnd?: boolean;
}

/** Human-readable duration: "4.2s", "42s", "3m05s", "2h03m", "1d02h"; "--" when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "--";
  if (seconds < 9.95) return `${seconds.toFixed(1)}s`;
  const t = Math.round(seconds);
  const pad = (v: number) => String(v).padStart(2, "0");
  if (t < 60) return `${t}s`;
  if (t < 3600) return `${Math.floor(t / 60)}m${pad(t % 60)}s`;
  if (t < 86400) return `${Math.floor(t / 3600)}h${pad(Math.floor(t / 60) % 60)}m`;
  return `${Math.floor(t / 86400)}d${pad(Math.floor(t / 3600) % 24)}h`;
}

/** A loss-like number: 4 decimals, or 3 significant digits in exponent form when very small or large. */
export function formatMetric(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e4 || (a !== 0 && a < 1e-3)) return v.toExponential(2);
  return v.toFixed(4);
}

function defaultWrite(): (text: string) => void {
  const enc = new TextEncoder();
  return (text) => {
    const b = enc.encode(text);
    let w = 0;
    while (w < b.length) w += Deno.stderr.writeSync(b.subarray(w));
  };
}

function defaultIsTerminal(): boolean {
  try {
    return Deno.stderr.isTerminal();
  } catch {
    return false;
  }
}

function defaultColumns(): number {
  try {
    return Deno.consoleSize().columns;
  } catch {
    return 0;
  }
}

const REDRAW_MS = 100;
const BAR_WIDTH = 24;

/** Reports training progress with an ETA. See the module comment for where output goes. */
export class Progress {
  /** Total number of steps. */
  readonly total: number;
  /** Text in front of every line. */
  readonly label: string;
  /** Whether the live single-line bar is drawn (else plain lines). */
  readonly isTerminal: boolean;
  #write: (text: string) => void;
  #now: () => number;
  #intervalMs: number;
  #startStep: number;
  #columns: number;
  #startMs: number;
  #lastDrawMs = -Infinity;
  #lastLine = ""; // terminal mode: the line currently on screen
  #last: ProgressUpdate | null = null;
  #printedFinal = false;

  /** Start the clock; nothing is written until the first update. */
  constructor(opts: ProgressOptions) {
    if (!(Number.isFinite(opts.total) && opts.total >= 0)) {
      throw new Error(`Progress: total must be a non-negative number, got ${opts.total}`);
    }
    this.total = opts.total;
    this.label = opts.label ?? "train";
    this.isTerminal = opts.isTerminal ?? defaultIsTerminal();
    this.#write = opts.write ?? defaultWrite();
    this.#now = opts.now ?? (() => performance.now());
    this.#intervalMs = (opts.intervalSec ?? 10) * 1000;
    this.#startStep = opts.startStep ?? 0;
    this.#columns = opts.columns ?? (this.isTerminal ? defaultColumns() : 0);
    this.#startMs = this.#now();
  }

  /** Seconds since the reporter was created. */
  elapsedSeconds(): number {
    return (this.#now() - this.#startMs) / 1000;
  }

  /** Estimated seconds left at `step`, from the average rate since the start; NaN before any measurable progress. */
  etaSeconds(step: number): number {
    const done = step - this.#startStep;
    if (step >= this.total) return 0;
    if (done <= 0 || this.elapsedSeconds() <= 0) return NaN;
    return Math.max(0, (this.elapsedSeconds() * (this.total - step)) / done);
  }

  /** Report progress; draws or prints only as often as the mode allows. */
  update(u: ProgressUpdate): void {
    this.#last = u;
    const now = this.#now();
    const final = u.step >= this.total;
    if (this.isTerminal) {
      if (final || u.epochEnd || now - this.#lastDrawMs >= REDRAW_MS) this.#draw(this.#terminalLine(u), now);
      return;
    }
    if (final && this.#printedFinal) return;
    if (final || u.epochEnd || now - this.#lastDrawMs >= this.#intervalMs) {
      this.#write(this.#plainLine(u) + "\n");
      this.#lastDrawMs = now;
      if (final) this.#printedFinal = true;
    }
  }

  /** Print a message on its own line without disturbing the live bar. */
  log(message: string): void {
    if (this.isTerminal && this.#lastLine !== "") {
      this.#write(`\r\x1b[K${message}\n${this.#lastLine}`);
    } else {
      this.#write(message + "\n");
    }
  }

  /** Finish: leave the final bar on screen (terminal) and print the total time. */
  done(): void {
    const u = this.#last;
    if (this.isTerminal) {
      if (u !== null) this.#draw(this.#terminalLine(u), this.#now());
      if (this.#lastLine !== "") this.#write("\n");
      this.#lastLine = "";
    } else if (u !== null && !this.#printedFinal) {
      this.#write(this.#plainLine(u) + "\n");
      this.#printedFinal = true;
    }
    const steps = u === null ? 0 : u.step - this.#startStep;
    this.#write(`${this.label}: done, ${steps} steps in ${formatDuration(this.elapsedSeconds())}\n`);
  }

  #draw(line: string, now: number): void {
    const text = this.#columns > 1 && line.length > this.#columns - 1
      ? line.slice(0, this.#columns - 1)
      : line;
    this.#write(`\r\x1b[K${text}`);
    this.#lastLine = text;
    this.#lastDrawMs = now;
  }

  #fields(u: ProgressUpdate): string[] {
    const f: string[] = [];
    if (u.epoch !== undefined) f.push(`epoch ${u.epoch}`);
    if (u.loss !== undefined) f.push(`loss ${formatMetric(u.loss)}`);
    if (u.samplesPerSec !== undefined && Number.isFinite(u.samplesPerSec)) {
      f.push(`${u.samplesPerSec >= 100 ? u.samplesPerSec.toFixed(0) : u.samplesPerSec.toFixed(1)} samples/s`);
    }
    for (const [k, v] of Object.entries(u.extra ?? {})) {
      f.push(`${k} ${typeof v === "number" ? formatMetric(v) : v}`);
    }
    return f;
  }

  #fraction(step: number): number {
    return this.total > 0 ? Math.min(1, Math.max(0, step / this.total)) : 1;
  }

  #terminalLine(u: ProgressUpdate): string {
    const frac = this.#fraction(u.step);
    const filled = Math.round(frac * BAR_WIDTH);
    const bar = "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled);
    const pct = `${(frac * 100).toFixed(0).padStart(3)}%`;
    const eta = u.step >= this.total
      ? `in ${formatDuration(this.elapsedSeconds())}`
      : `ETA ${formatDuration(this.etaSeconds(u.step))}`;
    return [`${this.label} [${bar}] ${pct} ${u.step}/${this.total}`, ...this.#fields(u), eta].join("  ");
  }

  #plainLine(u: ProgressUpdate): string {
    const pct = (this.#fraction(u.step) * 100).toFixed(1);
    return [
      `${this.label} step ${u.step}/${this.total} (${pct}%)`,
      ...this.#fields(u),
      `elapsed ${formatDuration(this.elapsedSeconds())}`,
      `ETA ${formatDuration(u.step >= this.total ? 0 : this.etaSeconds(u.step))}`,
    ].join("  ");
  }
}
