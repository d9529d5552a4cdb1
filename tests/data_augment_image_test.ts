import assert from "node:assert/strict";
import { Philox } from "../src/random/philox.ts";
import {
  augmentImages,
  cropParams,
  DRAWS_PER_IMAGE,
  IMAGENET_MEAN,
  IMAGENET_STD,
  jitterOrder,
  normalizeImages,
  shiftHue,
} from "../src/data/augment_image.ts";
import type { ModalityArray } from "../src/data/types.ts";

function images(seed: number, b: number, c: number, h: number, w: number): ModalityArray {
  return { kind: "image", shape: [b, c, h, w], data: new Philox(seed).uniform(b * c * h * w) };
}
const OFF = { pFlip: 0, pJitter: 0, pGray: 0, pBlur: 0 };
const close = (a: number, b: number, tol: number, msg?: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${msg ?? ""} ${a} vs ${b}`);

Deno.test("normalizeImages and the identity crop", () => {
  const x = images(1, 3, 3, 8, 8);
  const n = normalizeImages(x);
  for (let i = 0; i < x.data.length; i++) {
    const ch = Math.floor(i / 64) % 3;
    close(n.data[i], (x.data[i] - IMAGENET_MEAN[ch]) / IMAGENET_STD[ch], 1e-5);
  }
  const g = new Philox(2);
  const y = augmentImages(x, g, { ...OFF, scale: [1, 1], ratio: [1, 1] });
  assert.equal(g.offset, BigInt(3 * DRAWS_PER_IMAGE));
  for (let i = 0; i < x.data.length; i++) close(y.data[i], n.data[i], 1e-5);
  const flipped = augmentImages(x, new Philox(2), {
    ...OFF,
    scale: [1, 1],
    ratio: [1, 1],
    pFlip: 1,
    normalize: false,
  });
  for (let k = 0; k < 9; k++) {
    for (let r = 0; r < 8; r++) {
      for (let cc = 0; cc < 8; cc++) {
        assert.equal(flipped.data[k * 64 + r * 8 + cc], x.data[k * 64 + r * 8 + 7 - cc]);
      }
    }
  }
  assert.throws(() => normalizeImages(x, [0.5], [0.5]), /3 values/);
});

Deno.test("cropParams: area/ratio ranges, bounds, fallback", () => {
  const u = new Philox(3).uniform(40 * 500);
  for (let t = 0; t < 500; t++) {
    const [top, left, ch, cw] = cropParams(40, 60, [0.08, 1], [3 / 4, 4 / 3], u, 40 * t);
    assert.ok(top >= 0 && left >= 0 && top + ch <= 40 && left + cw <= 60);
    const area = (ch * cw) / 2400;
    assert.ok(area > 0.06 && area < 1.05, `area ${area}`);
    const ratio = cw / ch;
    assert.ok(ratio > 0.6 && ratio < 1.6, `ratio ${ratio}`);
  }
  // impossible scale: centre crop of the whole image with the ratio clamped (60/40 = 1.5 -> 4/3)
  assert.deepEqual(cropParams(40, 60, [2, 3], [3 / 4, 4 / 3], u, 0), [0, 3, 40, 53]);
});

Deno.test("random crop resamples bilinearly from the chosen crop", () => {
  const x = images(4, 2, 1, 20, 20);
  const opts = { ...OFF, outSize: 12, normalize: false };
  const y = augmentImages(x, new Philox(5), opts);
  const u = new Philox(5).uniform(2 * DRAWS_PER_IMAGE);
  for (let i = 0; i < 2; i++) {
    const [top, left, ch, cw] = cropParams(20, 20, [0.08, 1], [3 / 4, 4 / 3], u, i * DRAWS_PER_IMAGE);
    for (let oy = 0; oy < 12; oy++) {
      for (let ox = 0; ox < 12; ox++) {
        // float64 reference of torch's bilinear, align_corners = false
        const sy = Math.max(0, ((oy + 0.5) * ch) / 12 - 0.5), sx = Math.max(0, ((ox + 0.5) * cw) / 12 - 0.5);
        const ya = Math.min(Math.floor(sy), ch - 1), xa = Math.min(Math.floor(sx), cw - 1);
        const yb = Math.min(ya + 1, ch - 1), xb = Math.min(xa + 1, cw - 1);
        const at = (yy: number, xx: number) => x.data[i * 400 + (top + yy) * 20 + left + xx];
        const fy = sy - ya, fx = sx - xa;
        const want = (1 - fy) * ((1 - fx) * at(ya, xa) + fx * at(ya, xb)) +
          fy * ((1 - fx) * at(yb, xa) + fx * at(yb, xb));
        close(y.data[i * 144 + oy * 12 + ox], want, 1e-5);
      }
    }
  }
  assert.deepEqual(y.shape, [2, 1, 12, 12]);
});

Deno.test("colour ops: grayscale, brightness, hue", () => {
  const x = images(6, 4, 3, 6, 6);
  const g = augmentImages(x, new Philox(7), {
    ...OFF,
    scale: [1, 1],
    ratio: [1, 1],
    pGray: 1,
    normalize: false,
  });
  for (let i = 0; i < 4; i++) {
    for (let p = 0; p < 36; p++) {
      const o = i * 108 + p;
      const want = 0.2989 * x.data[o] + 0.587 * x.data[o + 36] + 0.114 * x.data[o + 72];
      for (let k = 0; k < 3; k++) close(g.data[o + 36 * k], want, 1e-5);
    }
  }
  const br = augmentImages(x, new Philox(8), {
    ...OFF,
    scale: [1, 1],
    ratio: [1, 1],
    pJitter: 1,
    contrast: 0,
    saturation: 0,
    hue: 0,
    normalize: false,
  });
  const u = new Philox(8).uniform(4 * DRAWS_PER_IMAGE);
  for (let i = 0; i < 4; i++) {
    const f = 0.6 + 0.8 * u[i * DRAWS_PER_IMAGE + 42];
    for (let p = 0; p < 108; p++) close(br.data[i * 108 + p], Math.min(1, x.data[i * 108 + p] * f), 1e-5);
  }
  const px = new Float64Array(3);
  shiftHue(1, 0, 0, 1 / 3, px);
  assert.deepEqual(Array.from(px, (v) => Math.round(v * 1e6) / 1e6), [0, 1, 0]);
  shiftHue(0.2, 0.5, 0.9, 0.17, px);
  const back = new Float64Array(3);
  shiftHue(px[0], px[1], px[2], -0.17, back);
  [0.2, 0.5, 0.9].forEach((v, k) => close(back[k], v, 1e-9));
  shiftHue(0.3, 0.3, 0.3, 0.25, px);
  assert.deepEqual(Array.from(px), [0.3, 0.3, 0.3]);
});

Deno.test("blur: constant stays constant, interior matches a float64 convolution", () => {
  const cst: ModalityArray = { kind: "image", shape: [1, 3, 10, 10], data: new Float32Array(300).fill(0.37) };
  const bc = augmentImages(cst, new Philox(1), {
    ...OFF,
    scale: [1, 1],
    ratio: [1, 1],
    pBlur: 1,
    normalize: false,
  });
  for (const v of bc.data) close(v, 0.37, 1e-6);
  const x = images(9, 1, 1, 21, 21);
  const y = augmentImages(x, new Philox(2), {
    ...OFF,
    scale: [1, 1],
    ratio: [1, 1],
    pBlur: 1,
    sigma: [1.5, 1.5],
    blurKernel: 5,
    normalize: false,
  });
  const k = [-2, -1, 0, 1, 2].map((t) => Math.exp(-(t * t) / (2 * 1.5 * 1.5)));
  const ks = k.reduce((a, b) => a + b);
  for (const [r, c] of [[10, 10], [3, 17], [5, 2]]) {
    let want = 0;
    for (let a = 0; a < 5; a++) {
      for (let b = 0; b < 5; b++) want += (k[a] * k[b] * x.data[(r + a - 2) * 21 + c + b - 2]) / ks ** 2;
    }
    close(y.data[r * 21 + c], want, 1e-5, `pixel ${r},${c}`);
  }
});

Deno.test("default pipeline: shapes, determinism, images differ, stats sane", () => {
  const x = images(10, 16, 3, 32, 32);
  const a = augmentImages(x, new Philox(11));
  const b = augmentImages(x, new Philox(11));
  assert.deepEqual(a, b);
  assert.deepEqual(a.shape, [16, 3, 32, 32]);
  assert.ok(a.data.every(Number.isFinite));
  const c = augmentImages(x, new Philox(12));
  assert.notDeepEqual(a.data, c.data);
  // normalised values of [0, 1] inputs lie within [(0 - mean)/std, (1 - mean)/std]
  for (let i = 0; i < a.data.length; i++) {
    const ch = Math.floor(i / 1024) % 3;
    assert.ok(a.data[i] >= -IMAGENET_MEAN[ch] / IMAGENET_STD[ch] - 1e-4);
    assert.ok(a.data[i] <= (1 - IMAGENET_MEAN[ch]) / IMAGENET_STD[ch] + 1e-4);
  }
  assert.throws(
    () => augmentImages({ kind: "sequence", shape: [1, 2, 3], data: new Float32Array(6) }, new Philox(1)),
    /image/,
  );
});

/** float64 reference of torchvision's four ColorJitter ops on one [3, P] image, in `order`. */
function jitterReference(
  img: Float64Array,
  plane: number,
  fac: [number, number, number, number],
  order: readonly number[],
): Float64Array {
  const x = img.slice();
  const cl = (v: number) => Math.min(1, Math.max(0, v));
  const gray = (p: number) => 0.2989 * x[p] + 0.587 * x[p + plane] + 0.114 * x[p + 2 * plane];
  const px = new Float64Array(3);
  for (const op of order) {
    if (op === 0) { for (let i = 0; i < x.length; i++) x[i] = cl(x[i] * fac[0]); }
    else if (op === 1) {
      let mean = 0;
      for (let p = 0; p < plane; p++) mean += gray(p) / plane;
      for (let i = 0; i < x.length; i++) x[i] = cl(fac[1] * x[i] + (1 - fac[1]) * mean);
    } else if (op === 2) {
      for (let p = 0; p < plane; p++) {
        const g = gray(p);
        for (let k = 0; k < 3; k++) x[p + k * plane] = cl(fac[2] * x[p + k * plane] + (1 - fac[2]) * g);
      }
    } else {
      for (let p = 0; p < plane; p++) {
        shiftHue(x[p], x[p + plane], x[p + 2 * plane], fac[3], px);
        for (let k = 0; k < 3; k++) x[p + k * plane] = px[k];
      }
    }
  }
  return x;
}

Deno.test("jitterOrder: all 24 permutations, each once over the 24 index bins", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 24; i++) {
    const o = jitterOrder((i + 0.5) / 24);
    assert.deepEqual([...o].sort(), [0, 1, 2, 3]);
    seen.add(o.join(""));
  }
  assert.equal(seen.size, 24);
  assert.deepEqual(jitterOrder(1e-9), [0, 1, 2, 3]);
  assert.deepEqual(jitterOrder(1), [3, 2, 1, 0]);
  assert.deepEqual(jitterOrder(7.5 / 24), [1, 0, 3, 2]); // index 7 = digits 1, 0, 1
});

Deno.test("ColorJitter: random order per image, each image = the four ops composed in its order", () => {
  const n = 600, plane = 9; // 3x3 images; bright inputs so that clamping makes the order matter
  const x = images(30, n, 3, 3, 3);
  const xin = x.data.map((v) => 0.35 + 0.65 * v);
  const src: ModalityArray = { kind: "image", shape: [n, 3, 3, 3], data: xin };
  const opts = { ...OFF, scale: [1, 1] as [number, number], ratio: [1, 1] as [number, number], pJitter: 1 };
  const y = augmentImages(src, new Philox(31), { ...opts, normalize: false });
  const u = new Philox(31).uniform(n * DRAWS_PER_IMAGE);
  const counts = new Map<string, number>();
  let fixedWrong = 0;
  for (let i = 0; i < n; i++) {
    const at = i * DRAWS_PER_IMAGE;
    // factors: u[42..45]; order: u[49], decoded here independently (Lehmer code of floor(24 u))
    const fac: [number, number, number, number] = [
      0.6 + 0.8 * u[at + 42],
      0.6 + 0.8 * u[at + 43],
      0.6 + 0.8 * u[at + 44],
      0.1 * (2 * u[at + 45] - 1),
    ];
    let idx = Math.min(23, Math.floor(24 * u[at + 49]));
    const left = [0, 1, 2, 3], order: number[] = [];
    for (const r of [6, 2, 1]) {
      order.push(left.splice(Math.floor(idx / r), 1)[0]);
      idx %= r;
    }
    order.push(left[0]);
    assert.deepEqual(jitterOrder(u[at + 49]), order);
    const key = order.join("");
    counts.set(key, (counts.get(key) ?? 0) + 1);
    const img = Float64Array.from(xin.subarray(i * 27, (i + 1) * 27));
    const want = jitterReference(img, plane, fac, order);
    const fixed = jitterReference(img, plane, fac, [0, 1, 2, 3]);
    let err = 0, dfix = 0;
    for (let p = 0; p < 27; p++) {
      err = Math.max(err, Math.abs(y.data[i * 27 + p] - want[p]));
      dfix = Math.max(dfix, Math.abs(y.data[i * 27 + p] - fixed[p]));
    }
    assert.ok(err < 1e-5, `image ${i} order ${key}: max error ${err}`);
    if (dfix > 1e-3) fixedWrong++;
  }
  // all 24 orders occur, about n/24 = 25 times each
  assert.equal(counts.size, 24);
  for (const [k, c] of counts) assert.ok(c >= 8 && c <= 45, `order ${k}: ${c} images`);
  // the fixed order b, c, s, h would not reproduce a large share of the images
  assert.ok(fixedWrong > n / 4, `${fixedWrong} images differ from the fixed order`);
  // still B * DRAWS_PER_IMAGE draws, images independent: image 1 alone with the stream skipped to it
  const g = new Philox(31);
  g.skip(DRAWS_PER_IMAGE);
  const one = augmentImages(
    { kind: "image", shape: [1, 3, 3, 3], data: xin.slice(27, 54) },
    g,
    { ...opts, normalize: false },
  );
  assert.deepEqual(one.data, y.data.slice(27, 54));
  assert.equal(g.offset, BigInt(2 * DRAWS_PER_IMAGE));
});
