/**
 * The SimCLR image augmentation of `augmentImages` computed with tensor ops on the images' own backend
 * (docs/shared.md#augmentations), so that a device-resident batch is augmented where it lives: the random
 * choices are the host's ({@link imageAugmentParams}, the same B·DRAWS_PER_IMAGE uniforms, the same
 * per-image parameters), only the pixel work moves. It uses the ordinary tensor ops (matmul, elementwise,
 * where, mean, gather, concat) and no kernel of its own, so it runs on every backend.
 *
 * - RandomResizedCrop, bilinear resize and flip: out[b] = Ry[b] · img[b] · Rx[b]ᵀ with per-image
 *   interpolation matrices (two non-zeros per row, the flip folded into Rx's row order), densified on the
 *   device from the host's {@link bilinearTable} indices and weights.
 * - ColorJitter in each image's random order: at each of the four positions the batch is partitioned by the
 *   operation the images apply there (gathered into groups, each group transformed once, concatenated), so
 *   every operation runs once per position on the images that need it, never on the whole batch for nothing.
 * - grayscale: a [1, 3] matmul with {@link GRAY_WEIGHTS}, selected per image with `where`.
 * - Gaussian blur: By[b] · img · Bx[b]ᵀ with banded matrices whose reflect padding is folded in (a constant
 *   0/1 tap-to-source table times each image's taps, a delta for images without the blur coin).
 * - normalisation: a broadcast (x - mean) · (1 / std).
 *
 * @module
 */
import type { Philox } from "../random/philox.ts";
import {
  add,
  addScalar,
  affine,
  clamp,
  concat,
  div,
  equal,
  gtScalar,
  indexSelect,
  ltScalar,
  matmul,
  maximum,
  mean,
  minimum,
  mul,
  mulScalar,
  noGrad,
  reshape,
  split,
  sub,
  Tensor,
  tensor,
  tidy,
  where,
} from "../tensor/mod.ts";
import {
  bilinearTable,
  gaussianKernel,
  GRAY_WEIGHTS,
  type ImageAugmentOptions,
  type ImageAugmentParams,
  imageAugmentParams,
  type ImageAugmentPlan,
  type JitterOp,
  jitterOpApplies,
  reflect,
} from "./augment_image.ts";

/** Uploads host values as a tensor of `shape` on the images' backend. */
type Upload = (values: ArrayLike<number>, shape: number[]) => Tensor;

function uploaderFor(like: Tensor): Upload {
  const on = like.backend;
  return (values, shape) => tensor(values, shape, { on });
}

/** [0, 1, …, n - 1] as a tensor of `shape` (whose sizes multiply to n). */
function arange(up: Upload, n: number, shape: number[]): Tensor {
  return up(Array.from({ length: n }, (_, i) => i), shape);
}

/** The [n, 1, H, W] luma of an [n, 3, H, W] tensor. */
function luma(x: Tensor, weights: Tensor): Tensor {
  const [n, , h, w] = x.shape;
  return reshape(matmul(weights, reshape(x, [n, 3, h * w])), [n, 1, h, w]);
}

/**
 * The [B, 1, n, len] bilinear matrices of one axis: row d of image b holds 1 - w at column i0 and w at
 * column i1 (offset by the crop's top or left), rows reversed for flipped images on the column axis.
 */
function interpolationMatrices(plan: ImageAugmentPlan, cols: boolean, up: Upload): Tensor {
  const [b, , h, w] = plan.shape;
  const n = cols ? plan.outWidth : plan.outHeight, len = cols ? w : h;
  const i0 = new Int32Array(n), i1 = new Int32Array(n), wt = new Float32Array(n);
  const lo = new Float32Array(b * n), hi = new Float32Array(b * n), wHi = new Float32Array(b * n);
  plan.images.forEach((p, i) => {
    bilinearTable(cols ? p.cropWidth : p.cropHeight, n, i0, i1, wt);
    const off = cols ? p.left : p.top, flip = cols && p.flip;
    for (let d = 0; d < n; d++) {
      const row = i * n + (flip ? n - 1 - d : d);
      lo[row] = off + i0[d];
      hi[row] = off + i1[d];
      wHi[row] = wt[d];
    }
  });
  const source = arange(up, len, [1, 1, 1, len]), weight = up(wHi, [b, 1, n, 1]);
  const first = mul(equal(source, up(lo, [b, 1, n, 1])), affine(weight, -1, 1));
  return add(first, mul(equal(source, up(hi, [b, 1, n, 1])), weight));
}

/** [B, 1, n, n] blur matrices for one axis of size n: Σ_t taps[b, t] · [reflect(x + t - r, n) = j]. */
function blurMatrices(taps: Tensor, n: number, up: Upload): Tensor {
  const [b, ks] = taps.shape, r = (ks - 1) / 2;
  const src = new Float32Array(ks * n);
  for (let t = 0; t < ks; t++) for (let x = 0; x < n; x++) src[t * n + x] = reflect(x + t - r, n);
  const hits = equal(arange(up, n, [1, 1, n]), up(src, [ks, n, 1])); // [ks, n, n]
  return reshape(matmul(taps, reshape(hits, [ks, n * n])), [b, 1, n, n]);
}

/** The masks [x < k] for the integers k in (lo, hi]. */
function thresholds(x: Tensor, lo: number, hi: number): Tensor[] {
  return Array.from({ length: hi - lo }, (_, i) => ltScalar(x, lo + 1 + i));
}

/** floor(x) for x known to lie in [lo, hi + 1), from its masks [x < k], k in (lo, hi]: hi - their sum. */
function boundedFloor(x: Tensor, below: Tensor[], lo: number): Tensor {
  if (below.length === 0) return affine(x, 0, lo);
  return affine(below.reduce((acc, m) => add(acc, m)), -1, lo + below.length);
}

/** cases[i] for the sextant i = floor(i6) of each pixel, from the masks below[k] = [i6 < k + 1]. */
function sextant(below: Tensor[], cases: Tensor[]): Tensor {
  let out = cases[5];
  for (let k = 4; k >= 0; k--) out = where(below[k], cases[k], out);
  return out;
}

/**
 * torchvision's hue shift (`shiftHue` of augment_image.ts: RGB to HSV, hue moved by dh turns, back to
 * RGB) of every pixel of an [N, 3, H, W] tensor, image n shifted by dh[n], as elementwise tensor ops on x's
 * backend (the N shifts are its only upload). Grey pixels (max = min) are left unchanged, as on the host.
 * Throws when x is not [N, 3, H, W] or dh does not have N entries.
 *
 * @example
 * ```ts
 * import { shiftHueOn } from "./src/data/augment_image_tensor.ts";
 * import { tensor } from "./mod.ts";
 * const red = tensor([1, 0, 0], [1, 3, 1, 1]);
 * console.log(shiftHueOn(red, [1 / 3]).dataSync()); // Float32Array [0, 1, 0] (red -> green)
 * ```
 */
export function shiftHueOn(x: Tensor, dh: readonly number[]): Tensor {
  if (x.rank !== 4 || x.shape[1] !== 3) throw new Error(`shiftHueOn: expects [N, 3, H, W], got [${x.shape}]`);
  if (dh.length !== x.shape[0]) throw new Error(`shiftHueOn: ${dh.length} shifts for ${x.shape[0]} images`);
  const up = uploaderFor(x);
  return tidy(() =>
    noGrad(() => {
      const [r, g, b] = split(x, [1, 1, 1], 1);
      const v = maximum(maximum(r, g), b), cr = sub(v, minimum(minimum(r, g), b));
      const coloured = gtScalar(cr, 0), greyOne = affine(coloured, -1, 1); // 1 exactly where cr = 0
      const crSafe = add(cr, greyOne), s = div(cr, add(v, greyOne));
      const hr = div(sub(g, b), crSafe);
      const hg = addScalar(div(sub(b, r), crSafe), 2);
      const hb = addScalar(div(sub(r, g), crSafe), 4);
      const h6 = where(equal(v, r), hr, where(equal(v, g), hg, hb)); // in [-1, 5]
      const shift = up(dh, [dh.length, 1, 1, 1]);
      const turns = add(mulScalar(h6, 1 / 6), shift);
      // turns lies in [-1/6 + min dh, 5/6 + max dh] up to rounding: floor from the comparisons it can need
      const lo = Math.floor(-1 / 6 + Math.min(...dh) - 1e-3), hi = Math.floor(5 / 6 + Math.max(...dh) + 1e-3);
      const i6 = mulScalar(sub(turns, boundedFloor(turns, thresholds(turns, lo, hi), lo)), 6); // [0, 6]
      const below = thresholds(i6, 0, 5);
      const f = sub(i6, boundedFloor(i6, below, 0)); // i6 = 6 (a rounding of 6 - ε) gives sextant 5, f = 1
      const p = mul(v, affine(s, -1, 1));
      const q = mul(v, affine(mul(s, f), -1, 1));
      const t = mul(v, affine(mul(s, affine(f, -1, 1)), -1, 1));
      const rgb = concat([
        sextant(below, [v, q, p, p, t, v]),
        sextant(below, [t, v, v, q, p, p]),
        sextant(below, [p, p, t, v, v, q]),
      ], 1);
      return where(coloured, rgb, x);
    })
  );
}

/** What one batch's stages share: the plan, the uploader and the luma weights (uploaded once). */
interface Stage {
  plan: ImageAugmentPlan;
  up: Upload;
  gray: () => Tensor;
}

/** One ColorJitter operation on the images `ps` (an [n, C, H, W] group, clamped as the host does). */
function jitterGroup(op: JitterOp, x: Tensor, ps: ImageAugmentParams[], st: Stage): Tensor {
  const factor = (f: (p: ImageAugmentParams) => number) => st.up(ps.map(f), [ps.length, 1, 1, 1]);
  if (op === 3) return shiftHueOn(x, ps.map((p) => p.hue));
  if (op === 0) return clamp(mul(x, factor((p) => p.bright)), 0, 1);
  const key = op === 1 ? (p: ImageAugmentParams) => p.contrast : (p: ImageAugmentParams) => p.sat;
  // contrast blends with the mean luma (mean value for C != 3), saturation with each pixel's luma
  const toward = op === 2
    ? luma(x, st.gray())
    : mean(x.shape[1] === 3 ? luma(x, st.gray()) : x, [1, 2, 3], true);
  return clamp(add(mul(x, factor(key)), mul(toward, factor((p) => 1 - key(p)))), 0, 1);
}

/**
 * The rows of x (positions `pos[image]`) holding `images`, in that order: x itself when that is every row in
 * place, otherwise a gather.
 */
function rowsOf(x: Tensor, images: readonly number[], pos: Int32Array): Tensor {
  if (images.length === x.shape[0] && images.every((img, j) => pos[img] === j)) return x;
  return indexSelect(x, 0, images.map((img) => pos[img]));
}

/**
 * ColorJitter with each image's own order: at position k the images are grouped by the operation they
 * apply there (those without the jitter coin, or for which it changes nothing, pass through), each group
 * is transformed once and the groups are concatenated, so the batch's row order changes; `order` tracks
 * which image each row holds and one gather at the end restores the batch order.
 */
function colourJitter(x: Tensor, st: Stage): Tensor {
  const ims = st.plan.images, [b, c] = st.plan.shape;
  let cur = x, order = Array.from({ length: b }, (_, i) => i);
  const positions = () => {
    const pos = new Int32Array(b);
    order.forEach((img, j) => (pos[img] = j));
    return pos;
  };
  for (let k = 0; k < 4; k++) {
    const groups: number[][] = [[], [], [], []], rest: number[] = [];
    ims.forEach((p, i) => {
      const op = p.order[k];
      (p.jitter && jitterOpApplies(op, c, p.hue) ? groups[op] : rest).push(i);
    });
    if (rest.length === b) continue;
    const pos = positions(), pieces: Tensor[] = [];
    groups.forEach((g, op) => {
      if (g.length) {
        pieces.push(jitterGroup(op as JitterOp, rowsOf(cur, g, pos), g.map((i) => ims[i]), st));
      }
    });
    if (rest.length) pieces.push(rowsOf(cur, rest, pos));
    cur = pieces.length === 1 ? pieces[0] : concat(pieces, 0);
    order = [...groups.flat(), ...rest];
  }
  return rowsOf(cur, Array.from({ length: b }, (_, i) => i), positions());
}

/**
 * `augmentImages` on a tensor: the SimCLR recipe applied to `images` [B, C, H, W] (values in [0, 1])
 * on their own backend, returning a new [B, C, outH, outW] tensor there (no gradient recorded; the input is
 * left as it is). For the same generator state it equals the host version within float32 rounding (the
 * host computes each stage in float64 and stores float32; measured differences are about 1e-6 on [0, 1]
 * values and 4e-6 after normalisation) and consumes `rng` exactly as it does: one draw of
 * B·DRAWS_PER_IMAGE uniforms on the host, turned into per-image parameters by {@link imageAugmentParams}.
 * Every intermediate tensor is freed before it returns.
 *
 * Uploads per batch (float32, 4 bytes each), with out = outH + outW and n = outH · outW:
 * - crop/resize/flip: 3·B·out (source rows/columns and weights) + H + W (column indices);
 * - ColorJitter: per position where some image jitters, at most 2 factors per image and B gather indices,
 *   plus B indices at the end (at most 4·3·B + B = 13·B), and 3 luma weights;
 * - grayscale (when an image has the coin): B selectors (and the luma weights if not yet sent);
 * - blur (when an image has the coin): B·ks taps + ks·(outH + outW) reflect sources + outH + outW indices;
 * - normalisation: 2·C.
 *
 * For 64 images 3×32×32 to 32×32 (ks 3) that is at most 4·(12,288 + 64 + 832 + 3 + 64 + 192 + 256 + 6)
 * = 54,820 bytes, against 786,432 bytes of the images themselves.
 *
 * Throws as `augmentImages` does (outSize, blurKernel, mean / std), and when `images` is not rank 4.
 *
 * @example
 * ```ts
 * import { augmentImages, augmentImagesOn, Philox, tensor } from "./mod.ts";
 * const data = new Philox(1).uniform(2 * 3 * 20 * 24);
 * const onDevice = augmentImagesOn(tensor(data, [2, 3, 20, 24]), new Philox(7), { outSize: 16 });
 * const host = { kind: "image" as const, shape: [2, 3, 20, 24], data };
 * const onHost = augmentImages(host, new Philox(7), { outSize: 16 });
 * const d = onDevice.dataSync();
 * console.log(onHost.data.every((v, i) => Math.abs(v - d[i]) < 1e-4)); // true
 * ```
 */
export function augmentImagesOn(images: Tensor, rng: Philox, opts: ImageAugmentOptions = {}): Tensor {
  if (images.rank !== 4) {
    throw new Error(
      `augmentImagesOn: expects an image tensor [B, C, H, W], got [${images.shape.join(", ")}]`,
    );
  }
  const plan = imageAugmentParams(images.shape, rng, opts, "augmentImagesOn");
  const up = uploaderFor(images);
  const [b, c] = plan.shape, oh = plan.outHeight, ow = plan.outWidth, ks = plan.blurKernel;
  if (b === 0) return new Tensor(images.backend.alloc(0), [0, c, oh, ow], images.backend);
  return tidy(() =>
    noGrad(() => {
      let grayWeights: Tensor | null = null;
      const st: Stage = { plan, up, gray: () => (grayWeights ??= up(GRAY_WEIGHTS, [1, 3])) };
      // crop + bilinear resize + flip: Ry · img · Rxᵀ per image and channel
      const rx = interpolationMatrices(plan, true, up), ry = interpolationMatrices(plan, false, up);
      let x = matmul(ry, matmul(images, rx, { transB: true }));
      x = colourJitter(x, st);
      if (c === 3 && plan.images.some((p) => p.gray)) {
        x = where(up(plan.images.map((p) => (p.gray ? 1 : 0)), [b, 1, 1, 1]), luma(x, st.gray()), x);
      }
      if (plan.images.some((p) => p.blur)) {
        const taps = new Float32Array(b * ks), kernel = new Float32Array(ks);
        plan.images.forEach((p, i) => {
          if (p.blur) {
            gaussianKernel(ks, p.sigma, kernel);
            taps.set(kernel, i * ks);
          } else taps[i * ks + (ks - 1) / 2] = 1; // a delta: the identity matrix
        });
        const k = up(taps, [b, ks]);
        const bx = blurMatrices(k, ow, up), by = oh === ow ? bx : blurMatrices(k, oh, up);
        x = matmul(by, matmul(x, bx, { transB: true }));
      }
      if (plan.normalize) {
        const mu = up(plan.mean, [1, c, 1, 1]), inv = up(plan.std.map((s) => 1 / s), [1, c, 1, 1]);
        x = mul(sub(x, mu), inv);
      }
      return x;
    })
  );
}
