/**
 * SimCLR-style image augmentation for [B, C, H, W] float images in [0, 1] (docs/shared.md#augmentations),
 * each image independently: RandomResizedCrop (bilinear back to the output size), horizontal flip,
 * ColorJitter with probability pJitter (brightness, contrast, saturation, hue, in a random order per
 * image, as torchvision's `randperm(4)`), grayscale, Gaussian blur, then per-channel normalisation. The
 * formulas follow torchvision's tensor transforms. Every image consumes exactly DRAWS_PER_IMAGE uniforms
 * of the Philox, so the stream position after a batch is predictable and images are independent of each
 * other (the layout of one image's draws is listed at {@link augmentImages}).
 *
 * @module
 */
import type { Philox } from "../random/philox.ts";
import type { ModalityArray } from "./types.ts";

/** ImageNet channel means. */
export const IMAGENET_MEAN: readonly number[] = [0.485, 0.456, 0.406];
/** ImageNet channel standard deviations. */
export const IMAGENET_STD: readonly number[] = [0.229, 0.224, 0.225];
/** Uniform draws each image consumes (49 used, see {@link augmentImages}; the budget has room to spare). */
export const DRAWS_PER_IMAGE = 50;
const CROP_ATTEMPTS = 10;

/** Parameters of the augmentation (defaults: the SimCLR recipe of CoMM / InfMasking / COrAL). */
export interface ImageAugmentOptions {
  /** Output side(s); default the input H×W. */
  outSize?: number | [number, number];
  /** RandomResizedCrop area fraction range (default [0.08, 1]). */
  scale?: [number, number];
  /** RandomResizedCrop aspect ratio range (default [3/4, 4/3]). */
  ratio?: [number, number];
  /** Horizontal flip probability (default 0.5). */
  pFlip?: number;
  /** ColorJitter probability (default 0.8). */
  pJitter?: number;
  /** Brightness factor range 1 ± this (default 0.4). */
  brightness?: number;
  /** Contrast factor range 1 ± this (default 0.4). */
  contrast?: number;
  /** Saturation factor range 1 ± this (default 0.4). */
  saturation?: number;
  /** Hue shift range ± this, in turns (default 0.1). */
  hue?: number;
  /** Grayscale probability (default 0.2). */
  pGray?: number;
  /** Gaussian blur probability (default 0.5). */
  pBlur?: number;
  /** Blur sigma range in pixels (default [0.1, 2]). */
  sigma?: [number, number];
  /** Odd blur kernel size; default about 10% of the output side (odd, at least 3). */
  blurKernel?: number;
  /** Apply normalisation (default true). */
  normalize?: boolean;
  /** Per-channel mean; default ImageNet for 3 channels, 0.449 repeated otherwise. */
  mean?: readonly number[];
  /** Per-channel std; default ImageNet for 3 channels, 0.226 repeated otherwise. */
  std?: readonly number[];
}

function imageDims(m: ModalityArray, what: string): [number, number, number, number] {
  if (m.kind !== "image" || m.shape.length !== 4) {
    throw new Error(`${what}: expects an image modality [B, C, H, W], got ${m.kind} [${m.shape.join(", ")}]`);
  }
  const [b, c, h, w] = m.shape;
  if (m.data.length !== b * c * h * w) {
    throw new Error(`${what}: data length ${m.data.length} does not match shape [${m.shape.join(", ")}]`);
  }
  return [b, c, h, w];
}

function channelStats(c: number, mean?: readonly number[], std?: readonly number[]): [number[], number[]] {
  const m = mean ? [...mean] : c === 3 ? [...IMAGENET_MEAN] : new Array(c).fill(0.449);
  const s = std ? [...std] : c === 3 ? [...IMAGENET_STD] : new Array(c).fill(0.226);
  if (m.length !== c || s.length !== c) {
    throw new Error(`image normalisation: mean/std need ${c} values, got ${m.length} and ${s.length}`);
  }
  if (s.some((x) => !(x > 0))) throw new Error(`image normalisation: std must be > 0, got [${s}]`);
  return [m, s];
}

/**
 * Per-channel (x - mean) / std without augmentation (features for probing); mean and std default as in
 * {@link ImageAugmentOptions}. Throws on a modality that is not a consistent [B, C, H, W] image, or on
 * mean / std of the wrong length or with a value <= 0.
 */
export function normalizeImages(
  m: ModalityArray,
  mean?: readonly number[],
  std?: readonly number[],
): ModalityArray {
  const [b, c, h, w] = imageDims(m, "normalizeImages");
  const [mu, sd] = channelStats(c, mean, std);
  const out = new Float32Array(m.data.length);
  const plane = h * w;
  for (let i = 0; i < b; i++) {
    for (let ch = 0; ch < c; ch++) {
      const o = (i * c + ch) * plane, inv = 1 / sd[ch], mc = mu[ch];
      for (let p = 0; p < plane; p++) out[o + p] = (m.data[o + p] - mc) * inv;
    }
  }
  return { kind: "image", shape: [b, c, h, w], data: out };
}

/**
 * torchvision RandomResizedCrop.get_params from uniforms u[0 .. 4·CROP_ATTEMPTS):
 * returns [top, left, height, width].
 */
export function cropParams(
  h: number,
  w: number,
  scale: [number, number],
  ratio: [number, number],
  u: Float32Array,
  at: number,
): [number, number, number, number] {
  const area = h * w;
  const lr0 = Math.log(ratio[0]), lr1 = Math.log(ratio[1]);
  for (let k = 0; k < CROP_ATTEMPTS; k++) {
    const base = at + 4 * k;
    const target = area * (scale[0] + (scale[1] - scale[0]) * u[base]);
    const aspect = Math.exp(lr0 + (lr1 - lr0) * u[base + 1]);
    const cw = Math.round(Math.sqrt(target * aspect));
    const ch = Math.round(Math.sqrt(target / aspect));
    if (cw > 0 && cw <= w && ch > 0 && ch <= h) {
      const top = Math.min(h - ch, Math.floor(u[base + 2] * (h - ch + 1)));
      const left = Math.min(w - cw, Math.floor(u[base + 3] * (w - cw + 1)));
      return [top, left, ch, cw];
    }
  }
  // fallback: centre crop with the ratio clamped into range
  const inRatio = w / h;
  let cw = w, ch = h;
  if (inRatio < ratio[0]) ch = Math.round(w / ratio[0]);
  else if (inRatio > ratio[1]) cw = Math.round(h * ratio[1]);
  return [Math.floor((h - ch) / 2), Math.floor((w - cw) / 2), ch, cw];
}

/**
 * Bilinear (align_corners = false, as torch's `interpolate`) tables for n outputs resampled from a span of
 * len inputs: output d blends inputs i0[d] and i1[d] as (1 - wt[d])·x[i0[d]] + wt[d]·x[i1[d]] (i1 = i0 at the
 * last input). Writes the first n entries of each array.
 *
 * @example
 * ```ts
 * import { bilinearTable } from "./src/data/augment_image.ts";
 * const i0 = new Int32Array(4), i1 = new Int32Array(4), wt = new Float32Array(4);
 * bilinearTable(2, 4, i0, i1, wt); // upsample 2 -> 4
 * console.log([...i0], [...i1], [...wt]); // [0, 0, 0, 1] [1, 1, 1, 1] [0, 0.25, 0.75, 0.25]
 * ```
 */
export function bilinearTable(
  len: number,
  n: number,
  i0: Int32Array,
  i1: Int32Array,
  wt: Float32Array,
): void {
  const sc = len / n;
  for (let d = 0; d < n; d++) {
    let s = (d + 0.5) * sc - 0.5;
    if (s < 0) s = 0;
    const a = Math.min(Math.floor(s), len - 1);
    i0[d] = a;
    i1[d] = Math.min(a + 1, len - 1);
    wt[d] = s - a;
  }
}

/**
 * The normalised Gaussian taps exp(-x² / 2σ²), x = -(ks - 1)/2 … (ks - 1)/2, of torchvision's
 * `gaussian_blur`, written to out[0 .. ks).
 *
 * @example
 * ```ts
 * import { gaussianKernel } from "./src/data/augment_image.ts";
 * const k = new Float32Array(3);
 * gaussianKernel(3, 1, k);
 * console.log(k[0] === k[2], Math.abs(k[0] + k[1] + k[2] - 1) < 1e-6); // true true
 * ```
 */
export function gaussianKernel(ks: number, sigma: number, out: Float32Array): void {
  const r = (ks - 1) / 2;
  let sum = 0;
  for (let i = 0; i < ks; i++) {
    const x = i - r;
    out[i] = Math.exp(-(x * x) / (2 * sigma * sigma));
    sum += out[i];
  }
  for (let i = 0; i < ks; i++) out[i] /= sum;
}

/**
 * Index i (possibly outside [0, n)) mirrored into [0, n) without repeating the edge, as "reflect" padding
 * does (… 2 1 | 0 1 2 … n-1 | n-2 …), reflecting again as often as needed.
 *
 * @example
 * ```ts
 * import { reflect } from "./src/data/augment_image.ts";
 * console.log(reflect(-1, 5), reflect(5, 5), reflect(-6, 5)); // 1 3 2
 * ```
 */
export function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;
  return i;
}

/** Separable blur of one [C, H, W] image in place (reflect padding), tmp has C·H·W floats. */
function blurImage(
  img: Float32Array,
  c: number,
  h: number,
  w: number,
  k: Float32Array,
  ks: number,
  tmp: Float32Array,
) {
  const r = (ks - 1) / 2;
  // padded index -> source index tables, so the inner loops do no border logic
  const rx = new Int32Array(w + ks - 1), ry = new Int32Array(h + ks - 1);
  for (let i = 0; i < rx.length; i++) rx[i] = reflect(i - r, w);
  for (let i = 0; i < ry.length; i++) ry[i] = reflect(i - r, h) * w;
  for (let ch = 0; ch < c; ch++) {
    const o = ch * h * w;
    for (let y = 0; y < h; y++) {
      const row = o + y * w;
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let t = 0; t < ks; t++) s += k[t] * img[row + rx[x + t]];
        tmp[row + x] = s;
      }
    }
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let t = 0; t < ks; t++) s += k[t] * tmp[o + ry[y + t] + x];
        img[o + y * w + x] = s;
      }
    }
  }
}

const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);

/** torchvision's hue shift of one RGB pixel (dh in [-0.5, 0.5]), written to out[0..2]. */
export function shiftHue(r: number, g: number, b: number, dh: number, out: Float64Array): void {
  const maxc = Math.max(r, g, b), minc = Math.min(r, g, b);
  const v = maxc, cr = maxc - minc;
  if (cr === 0) { // grey: hue undefined, colour unchanged
    out[0] = r;
    out[1] = g;
    out[2] = b;
    return;
  }
  const s = cr / maxc;
  let hh: number;
  if (maxc === r) hh = (g - b) / cr;
  else if (maxc === g) hh = 2 + (b - r) / cr;
  else hh = 4 + (r - g) / cr;
  hh = hh / 6 + dh;
  hh -= Math.floor(hh);
  const i6 = hh * 6, i = Math.floor(i6) % 6, f = i6 - Math.floor(i6);
  const p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
  let rr: number, gg: number, bb: number;
  switch (i) {
    case 0:
      [rr, gg, bb] = [v, t, p];
      break;
    case 1:
      [rr, gg, bb] = [q, v, p];
      break;
    case 2:
      [rr, gg, bb] = [p, v, t];
      break;
    case 3:
      [rr, gg, bb] = [p, q, v];
      break;
    case 4:
      [rr, gg, bb] = [t, p, v];
      break;
    default:
      [rr, gg, bb] = [v, p, q];
  }
  out[0] = rr;
  out[1] = gg;
  out[2] = bb;
}

/** ColorJitter operation ids, in the order of torchvision's `fn_idx`: 0 brightness, 1 contrast, 2 saturation, 3 hue. */
export type JitterOp = 0 | 1 | 2 | 3;

/** The luma weights (R, G, B) of torchvision's `rgb_to_grayscale`, for grayscale, contrast and saturation. */
export const GRAY_WEIGHTS: readonly [number, number, number] = [0.2989, 0.587, 0.114];

/**
 * Whether ColorJitter operation `op` changes a `c`-channel image with hue shift `hue`: saturation and hue
 * need 3 channels (torchvision leaves other images unchanged), and a hue shift of exactly 0 is skipped;
 * brightness and contrast always apply.
 *
 * @example
 * ```ts
 * import { jitterOpApplies } from "./src/data/augment_image.ts";
 * console.log(jitterOpApplies(0, 1, 0), jitterOpApplies(2, 1, 0)); // true false
 * console.log(jitterOpApplies(3, 3, 0), jitterOpApplies(3, 3, 0.1)); // false true
 * ```
 */
export function jitterOpApplies(op: JitterOp, c: number, hue: number): boolean {
  if (op === 2) return c === 3;
  if (op === 3) return c === 3 && hue !== 0;
  return true;
}

/**
 * The order of ColorJitter's four operations from one uniform u in (0, 1]: index floor(24·u) (24 when
 * u = 1 is taken as 23) of the 24 permutations of [0, 1, 2, 3] (0 brightness, 1 contrast, 2 saturation,
 * 3 hue), decoded as a Lehmer code: digits ⌊i/6⌋, ⌊(i mod 6)/2⌋, i mod 2 pick from the ops not yet
 * taken, in increasing order. Every order has probability 1/24 (up to float32 resolution, about 2^-24).
 */
export function jitterOrder(u: number): JitterOp[] {
  let i = Math.min(23, Math.floor(24 * u));
  const left: JitterOp[] = [0, 1, 2, 3];
  const order: JitterOp[] = [];
  for (const radix of [6, 2, 1]) {
    const d = Math.floor(i / radix);
    i %= radix;
    order.push(left.splice(d, 1)[0]);
  }
  order.push(left[0]);
  return order;
}

/** ColorJitter (operations in `order`) and grayscale on one [C, H, W] image in place. */
function colourOps(
  img: Float32Array,
  c: number,
  plane: number,
  f: ImageAugmentParams,
  px: Float64Array,
): void {
  const n = c * plane;
  const [wr, wg, wb] = GRAY_WEIGHTS;
  const gray = (p: number): number => wr * img[p] + wg * img[p + plane] + wb * img[p + 2 * plane];
  if (f.jitter) {
    for (const op of f.order) {
      if (!jitterOpApplies(op, c, f.hue)) continue;
      if (op === 0) {
        for (let i = 0; i < n; i++) img[i] = clamp01(img[i] * f.bright);
      } else if (op === 1) {
        let mean = 0;
        if (c === 3) { for (let p = 0; p < plane; p++) mean += gray(p); }
        else for (let i = 0; i < n; i++) mean += img[i];
        mean /= c === 3 ? plane : n;
        for (let i = 0; i < n; i++) img[i] = clamp01(f.contrast * img[i] + (1 - f.contrast) * mean);
      } else if (op === 2) {
        for (let p = 0; p < plane; p++) {
          const g = gray(p);
          for (let ch = 0; ch < 3; ch++) {
            img[p + ch * plane] = clamp01(f.sat * img[p + ch * plane] + (1 - f.sat) * g);
          }
        }
      } else {
        for (let p = 0; p < plane; p++) {
          shiftHue(img[p], img[p + plane], img[p + 2 * plane], f.hue, px);
          img[p] = px[0];
          img[p + plane] = px[1];
          img[p + 2 * plane] = px[2];
        }
      }
    }
  }
  if (f.gray && c === 3) {
    for (let p = 0; p < plane; p++) {
      const g = gray(p);
      img[p] = g;
      img[p + plane] = g;
      img[p + 2 * plane] = g;
    }
  }
}

/** One image's augmentation, every random choice made ({@link imageAugmentParams} draws them). */
export interface ImageAugmentParams {
  /** First row of the RandomResizedCrop box in the input. */
  top: number;
  /** First column of the crop box. */
  left: number;
  /** Rows of the crop box. */
  cropHeight: number;
  /** Columns of the crop box. */
  cropWidth: number;
  /** Mirror the output horizontally. */
  flip: boolean;
  /** Apply ColorJitter (its four operations in `order`). */
  jitter: boolean;
  /** Brightness factor. */
  bright: number;
  /** Contrast factor. */
  contrast: number;
  /** Saturation factor. */
  sat: number;
  /** Hue shift in turns. */
  hue: number;
  /** The order of ColorJitter's operations ({@link jitterOrder}). */
  order: readonly JitterOp[];
  /** Convert to grayscale (3-channel images only). */
  gray: boolean;
  /** Blur (the coin came up and the kernel is wider than 1). */
  blur: boolean;
  /** Blur sigma in pixels (drawn for every image, used when `blur`). */
  sigma: number;
}

/**
 * An augmentation of one [B, C, H, W] batch made concrete: the options resolved (defaults of
 * {@link ImageAugmentOptions} filled in and checked) and every image's {@link ImageAugmentParams}.
 */
export interface ImageAugmentPlan {
  /** Input shape [B, C, H, W]. */
  shape: readonly [number, number, number, number];
  /** Output rows. */
  outHeight: number;
  /** Output columns. */
  outWidth: number;
  /** Odd blur kernel size (1: no blur). */
  blurKernel: number;
  /** Normalise per channel at the end. */
  normalize: boolean;
  /** Per-channel means of the normalisation. */
  mean: readonly number[];
  /** Per-channel standard deviations of the normalisation. */
  std: readonly number[];
  /** The B images' parameters, in batch order. */
  images: ImageAugmentParams[];
}

/**
 * Every random choice of an augmentation of a [B, C, H, W] batch (`shape`), the one place they are made:
 * {@link augmentImages} on the host and `augmentImagesOn` on a tensor backend both follow this plan. Checks
 * the options first (throwing as documented at {@link augmentImages}, with `what` naming the caller), then
 * draws exactly B·{@link DRAWS_PER_IMAGE} uniforms from rng in one call; image i's parameters come from
 * u[50i .. 50i + 50): 0–39 the 10 RandomResizedCrop attempts (area, log-ratio, top, left each), 40 flip,
 * 41 jitter coin, 42–45 brightness, contrast, saturation and hue factors, 46 grayscale coin, 47 blur coin,
 * 48 blur sigma, 49 the order of the jitter operations ({@link jitterOrder}).
 *
 * @example
 * ```ts
 * import { imageAugmentParams } from "./src/data/augment_image.ts";
 * import { Philox } from "./mod.ts";
 * const rng = new Philox(0);
 * const plan = imageAugmentParams([2, 3, 32, 32], rng, { outSize: 28, pFlip: 1 });
 * console.log(plan.images.length, plan.images[0].flip, rng.offset); // 2 true 100n
 * ```
 */
export function imageAugmentParams(
  shape: readonly number[],
  rng: Philox,
  opts: ImageAugmentOptions = {},
  what = "imageAugmentParams",
): ImageAugmentPlan {
  if (shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new Error(`${what}: expects an image shape [B, C, H, W], got [${shape.join(", ")}]`);
  }
  const [b, c, h, w] = shape;
  const os = opts.outSize ?? [h, w];
  const [oh, ow] = typeof os === "number" ? [os, os] : os;
  if (!(Number.isInteger(oh) && Number.isInteger(ow) && oh > 0 && ow > 0)) {
    throw new Error(`${what}: outSize must be positive integers, got ${os}`);
  }
  const scale = opts.scale ?? [0.08, 1];
  const ratio = opts.ratio ?? [3 / 4, 4 / 3];
  const pFlip = opts.pFlip ?? 0.5, pJitter = opts.pJitter ?? 0.8, pGray = opts.pGray ?? 0.2;
  const pBlur = opts.pBlur ?? 0.5;
  const bj = opts.brightness ?? 0.4,
    cj = opts.contrast ?? 0.4,
    sj = opts.saturation ?? 0.4,
    hj = opts.hue ?? 0.1;
  const sigma = opts.sigma ?? [0.1, 2];
  let ks = opts.blurKernel ?? Math.floor(0.1 * Math.min(oh, ow));
  if (opts.blurKernel === undefined) ks = Math.max(3, ks % 2 === 0 ? ks + 1 : ks);
  if (ks < 1 || ks % 2 === 0) {
    throw new Error(`${what}: blurKernel must be odd and positive, got ${ks}`);
  }
  const [mean, std] = channelStats(c, opts.mean, opts.std);

  const u = rng.uniform(b * DRAWS_PER_IMAGE);
  const images: ImageAugmentParams[] = new Array(b);
  for (let i = 0; i < b; i++) {
    const at = i * DRAWS_PER_IMAGE;
    const [top, left, cropHeight, cropWidth] = cropParams(h, w, scale, ratio, u, at);
    const r = at + 4 * CROP_ATTEMPTS; // 40: flip, jitter coin, 4 factors, gray, blur coin, sigma, jitter order
    images[i] = {
      top,
      left,
      cropHeight,
      cropWidth,
      flip: u[r] < pFlip,
      jitter: u[r + 1] < pJitter,
      bright: Math.max(0, 1 - bj) + (1 + bj - Math.max(0, 1 - bj)) * u[r + 2],
      contrast: Math.max(0, 1 - cj) + (1 + cj - Math.max(0, 1 - cj)) * u[r + 3],
      sat: Math.max(0, 1 - sj) + (1 + sj - Math.max(0, 1 - sj)) * u[r + 4],
      hue: hj * (2 * u[r + 5] - 1),
      gray: u[r + 6] < pGray,
      order: jitterOrder(u[r + 9]),
      blur: u[r + 7] < pBlur && ks > 1,
      sigma: sigma[0] + (sigma[1] - sigma[0]) * u[r + 8],
    };
  }
  return {
    shape: [b, c, h, w],
    outHeight: oh,
    outWidth: ow,
    blurKernel: ks,
    normalize: opts.normalize ?? true,
    mean,
    std,
    images,
  };
}

/**
 * Augment a batch of images with the SimCLR recipe (options left out take the defaults listed in
 * {@link ImageAugmentOptions}); returns a new [B, C, outH, outW] image modality and leaves the input
 * unchanged. Draws exactly B·{@link DRAWS_PER_IMAGE} uniforms from rng, in one call; image i uses
 * u[50i .. 50i + 50) as listed at {@link imageAugmentParams}, which makes every random choice. Draws an
 * image does not need (a crop found early, coins that are off) are skipped, never passed on to the next
 * image.
 *
 * Throws on a modality that is not a consistent [B, C, H, W] image, an outSize that is not positive
 * integers, an even or non-positive blurKernel, or mean / std of the wrong length or with a value <= 0.
 *
 * @example
 * ```ts
 * import { augmentImages, type ModalityArray, Philox } from "./mod.ts";
 * const data = new Float32Array(2 * 3 * 32 * 32).fill(0.5);
 * const images: ModalityArray = { kind: "image", shape: [2, 3, 32, 32], data };
 * const view = augmentImages(images, new Philox(0), { outSize: 28 });
 * console.log(view.shape); // [2, 3, 28, 28]
 * ```
 */
export function augmentImages(m: ModalityArray, rng: Philox, opts: ImageAugmentOptions = {}): ModalityArray {
  const plan = imageAugmentParams(imageDims(m, "augmentImages"), rng, opts, "augmentImages");
  const [b, c, h, w] = plan.shape;
  const oh = plan.outHeight, ow = plan.outWidth, ks = plan.blurKernel, mu = plan.mean, sd = plan.std;
  const plane = oh * ow, img = c * plane;
  const out = new Float32Array(b * img);
  const y0 = new Int32Array(oh), y1 = new Int32Array(oh), wy = new Float32Array(oh);
  const x0 = new Int32Array(ow), x1 = new Int32Array(ow), wx = new Float32Array(ow);
  const kernel = new Float32Array(ks), tmp = new Float32Array(img), px = new Float64Array(3);
  for (let i = 0; i < b; i++) {
    const p = plan.images[i];
    const top = p.top, left = p.left, flip = p.flip;
    bilinearTable(p.cropHeight, oh, y0, y1, wy);
    bilinearTable(p.cropWidth, ow, x0, x1, wx);
    const dst = out.subarray(i * img, (i + 1) * img);
    for (let k = 0; k < c; k++) {
      const src = (i * c + k) * h * w;
      for (let y = 0; y < oh; y++) {
        const ra = src + (top + y0[y]) * w + left, rb = src + (top + y1[y]) * w + left, ty = wy[y];
        for (let x = 0; x < ow; x++) {
          const tx = wx[x];
          const top1 = m.data[ra + x0[x]] * (1 - tx) + m.data[ra + x1[x]] * tx;
          const bot1 = m.data[rb + x0[x]] * (1 - tx) + m.data[rb + x1[x]] * tx;
          dst[k * plane + y * ow + (flip ? ow - 1 - x : x)] = top1 * (1 - ty) + bot1 * ty;
        }
      }
    }
    colourOps(dst, c, plane, p, px);
    if (p.blur) {
      gaussianKernel(ks, p.sigma, kernel);
      blurImage(dst, c, oh, ow, kernel, ks, tmp);
    }
    if (plan.normalize) {
      for (let k = 0; k < c; k++) {
        const inv = 1 / sd[k], mk = mu[k], o = k * plane;
        for (let q = 0; q < plane; q++) dst[o + q] = (dst[o + q] - mk) * inv;
      }
    }
  }
  return { kind: "image", shape: [b, c, oh, ow], data: out };
}
