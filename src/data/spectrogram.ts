/**
 * A small real FFT and a log-mel spectrogram, enough for short 8 kHz speech clips.
 * The FFT is iterative radix-2 (power-of-two sizes); the real transform of N points runs one complex FFT of
 * N/2 points on the even/odd samples packed as re/im and untangles the two halves.
 *
 * @module
 */

function checkPow2(what: string, n: number): void {
  if (!Number.isInteger(n) || n < 1 || (n & (n - 1)) !== 0) {
    throw new Error(`${what}: size ${n} is not a power of two`);
  }
}

/**
 * In-place forward complex DFT X[k] = sum_n x[n] e^{-2πikn/N} of (re, im); N a power of two. Throws when N is
 * not a power of two or the arrays differ in length.
 */
export function fftInPlace(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  checkPow2("fftInPlace", n);
  if (im.length !== n) throw new Error(`fftInPlace: re has ${n} values but im has ${im.length}`);
  // Bit-reversal permutation.
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const half = len >> 1;
    const ang = -2 * Math.PI / len;
    for (let k = 0; k < half; k++) {
      const wr = Math.cos(ang * k), wi = Math.sin(ang * k);
      for (let s = k; s < n; s += len) {
        const t = s + half;
        const xr = re[t] * wr - im[t] * wi;
        const xi = re[t] * wi + im[t] * wr;
        re[t] = re[s] - xr;
        im[t] = im[s] - xi;
        re[s] += xr;
        im[s] += xi;
      }
    }
  }
}

/** DFT bins 0..N/2 of a real signal of length N (a power of two, N >= 2; throws otherwise). */
export function realFft(x: ArrayLike<number>): { re: Float64Array; im: Float64Array } {
  const n = x.length;
  checkPow2("realFft", n);
  if (n < 2) throw new Error("realFft: need at least 2 samples");
  const m = n / 2;
  const zr = new Float64Array(m), zi = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    zr[i] = x[2 * i];
    zi[i] = x[2 * i + 1];
  }
  fftInPlace(zr, zi);
  const re = new Float64Array(m + 1), im = new Float64Array(m + 1);
  for (let k = 0; k <= m; k++) {
    // E = (Z[k] + conj Z[m-k]) / 2 is the DFT of the even samples, O = (Z[k] - conj Z[m-k]) / 2i of the odd.
    const a = k % m, b = (m - k) % m;
    const er = (zr[a] + zr[b]) / 2, ei = (zi[a] - zi[b]) / 2;
    const or = (zi[a] + zi[b]) / 2, oi = -(zr[a] - zr[b]) / 2;
    const wr = Math.cos(-2 * Math.PI * k / n), wi = Math.sin(-2 * Math.PI * k / n);
    re[k] = er + wr * or - wi * oi;
    im[k] = ei + wr * oi + wi * or;
  }
  return { re, im };
}

const hzToMel = (f: number): number => 2595 * Math.log10(1 + f / 700);
const melToHz = (m: number): number => 700 * (10 ** (m / 2595) - 1);

/**
 * Triangular mel filters (HTK mel scale, peak height 1) over the nFft/2+1 bins of an nFft-point spectrum:
 * filter j rises from mel point j to j+1 and falls to j+2, for nMels+2 points evenly spaced in mel on
 * [fMin, fMax]. Returns nMels rows of nFft/2+1 weights.
 */
export function melFilterbank(
  nFft: number,
  sampleRate: number,
  nMels: number,
  fMin = 0,
  fMax: number = sampleRate / 2,
): Float64Array[] {
  const bins = nFft / 2 + 1;
  const lo = hzToMel(fMin), hi = hzToMel(fMax);
  const pts = Array.from({ length: nMels + 2 }, (_, i) => melToHz(lo + (hi - lo) * i / (nMels + 1)));
  const out: Float64Array[] = [];
  for (let j = 0; j < nMels; j++) {
    const w = new Float64Array(bins);
    const [a, b, c] = [pts[j], pts[j + 1], pts[j + 2]];
    for (let k = 0; k < bins; k++) {
      const f = k * sampleRate / nFft;
      if (f > a && f < c) w[k] = f <= b ? (f - a) / (b - a) : (c - f) / (c - b);
    }
    out.push(w);
  }
  return out;
}

/** Options of logMelSpectrogram. */
export interface LogMelOptions {
  /** Sample rate of the signal in Hz (the mel filters span 0 .. sampleRate / 2). */
  sampleRate: number;
  /** FFT and window length, a power of two (default 256 = 32 ms at 8 kHz). */
  nFft?: number;
  /** Hop between frames in samples (default nFft / 2). */
  hop?: number;
  /** Mel bands (default 32). */
  nMels?: number;
  /** Added to the mel energies before the log (default 1e-6); log(floor) is the value of silence. */
  floor?: number;
}

/**
 * Log-mel spectrogram [T, nMels] (row-major) of a mono signal: periodic Hann window, power spectrum |X|²,
 * mel filters, natural log of (energy + floor). T = 1 + floor((len - nFft) / hop); a signal shorter than one
 * window is zero-padded to one frame. Throws when nFft is not a power of two or hop is below 1.
 */
export function logMelSpectrogram(
  signal: Float32Array,
  opts: LogMelOptions,
): { frames: number; nMels: number; data: Float32Array } {
  const nFft = opts.nFft ?? 256, hop = opts.hop ?? nFft / 2, nMels = opts.nMels ?? 32;
  const floor = opts.floor ?? 1e-6;
  checkPow2("logMelSpectrogram nFft", nFft);
  if (!(hop >= 1)) throw new Error(`logMelSpectrogram: hop must be >= 1, got ${hop}`);
  const filters = melFilterbank(nFft, opts.sampleRate, nMels);
  const window = Float64Array.from({ length: nFft }, (_, i) => 0.5 - 0.5 * Math.cos(2 * Math.PI * i / nFft));
  const frames = signal.length <= nFft ? 1 : 1 + Math.floor((signal.length - nFft) / hop);
  const data = new Float32Array(frames * nMels);
  const buf = new Float64Array(nFft);
  const power = new Float64Array(nFft / 2 + 1);
  for (let t = 0; t < frames; t++) {
    const start = t * hop;
    for (let i = 0; i < nFft; i++) buf[i] = start + i < signal.length ? signal[start + i] * window[i] : 0;
    const { re, im } = realFft(buf);
    for (let k = 0; k < power.length; k++) power[k] = re[k] * re[k] + im[k] * im[k];
    for (let j = 0; j < nMels; j++) {
      const w = filters[j];
      let e = 0;
      for (let k = 0; k < power.length; k++) e += w[k] * power[k];
      data[t * nMels + j] = Math.log(e + floor);
    }
  }
  return { frames, nMels, data };
}

/**
 * Fit a [frames, bins] spectrogram to exactly `target` frames: a longer one keeps its centre `target` frames,
 * a shorter one is centred and padded on both sides with `padValue` (the log of silence).
 */
export function fitFrames(
  spec: Float32Array,
  frames: number,
  bins: number,
  target: number,
  padValue: number,
): Float32Array {
  const out = new Float32Array(target * bins).fill(padValue);
  if (frames >= target) {
    const start = Math.floor((frames - target) / 2);
    out.set(spec.subarray(start * bins, (start + target) * bins));
  } else {
    const offset = Math.floor((target - frames) / 2);
    out.set(spec.subarray(0, frames * bins), offset * bins);
  }
  return out;
}
