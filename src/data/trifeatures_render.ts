/**
 * Rasteriser for Trifeatures images (docs/shared.md#generator, after Hermann & Lampinen 2020): a textured,
 * coloured shape on a grey background, at any square size S.
 *
 * Geometry is resolution independent: the shape's template box is 128/224 of the canvas (as in
 * the 128² template on a 224² canvas), rotated by `rotation` degrees about its centre and moved
 * by (dx, dy) canvas fractions. The texture is a periodic pattern in canvas pixels, rotated by
 * `textureRotation` degrees about the canvas centre. Pixel = m·colour + (1 − m)·0.5 where m is
 * shape-mask × texture, averaged over ss×ss sub-pixel samples (anti-aliasing).
 *
 * @module
 */

/** Shape names, in label order. */
export const TRIFEATURES_SHAPES: readonly string[] = [
  "triangle",
  "square",
  "plus",
  "circle",
  "tee",
  "rhombus",
  "pentagon",
  "star",
  "fivesquare",
  "trapezoid",
];
/** Texture names, in label order. */
export const TRIFEATURES_TEXTURES: readonly string[] = [
  "solid",
  "stripes",
  "grid",
  "hexgrid",
  "dots",
  "noise",
  "triangles",
  "zigzags",
  "rain",
  "pluses",
];
/** Colour names, in label order. */
export const TRIFEATURES_COLOURS: readonly string[] = [
  "red",
  "green",
  "blue",
  "yellow",
  "pink",
  "cyan",
  "purple",
  "ocean",
  "orange",
  "white",
];
/** RGB in [0, 1] of each colour. */
export const TRIFEATURES_RGB: readonly (readonly [number, number, number])[] = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
  [1, 1, 0],
  [1, 0.5, 0.75],
  [0, 1, 1],
  [0.5, 0, 0.5],
  [0, 0.45, 0.6],
  [1, 0.5, 0],
  [1, 1, 1],
];

/** Per-render random parameters. */
export interface RenderParams {
  /** Shape rotation in degrees (the recipe: integer in [-45, 45]). */
  rotation: number;
  /** Texture rotation in degrees. */
  textureRotation: number;
  /** Shape centre x offset from the canvas centre, as a fraction of the canvas size. */
  dx: number;
  /** Shape centre y offset (downwards), as a fraction of the canvas size. */
  dy: number;
  /** Seed of the "noise" texture's cells. */
  noiseSeed: number;
}

/** Fraction of the canvas covered by the shape template box (128 / 224). */
export const TEMPLATE_FRACTION = 128 / 224;

type Poly = Float64Array; // x0, y0, x1, y1, ... in template coordinates [-1, 1]², y down

function rect(x0: number, y0: number, x1: number, y1: number): Poly {
  return Float64Array.from([x0, y0, x1, y0, x1, y1, x0, y1]);
}

function regular(n: number, r: number, rInner?: number): Poly {
  const k = rInner === undefined ? n : 2 * n;
  const out = new Float64Array(2 * k);
  for (let i = 0; i < k; i++) {
    const rad = rInner !== undefined && i % 2 === 1 ? rInner : r;
    const a = -Math.PI / 2 + (2 * Math.PI * i) / k;
    out[2 * i] = rad * Math.cos(a);
    out[2 * i + 1] = rad * Math.sin(a);
  }
  return out;
}

// Each shape is a union of polygons (circle is special-cased).
const SHAPE_POLYS: Poly[][] = [
  [Float64Array.from([0, -0.9, 0.95, 0.75, -0.95, 0.75])], // triangle
  [rect(-0.7, -0.7, 0.7, 0.7)], // square
  [rect(-0.3, -0.9, 0.3, 0.9), rect(-0.9, -0.3, 0.9, 0.3)], // plus
  [], // circle
  [rect(-0.9, -0.9, 0.9, -0.4), rect(-0.25, -0.4, 0.25, 0.9)], // tee
  [Float64Array.from([0, -0.95, 0.6, 0, 0, 0.95, -0.6, 0])], // rhombus
  [regular(5, 0.92)], // pentagon
  [regular(5, 0.97, 0.4)], // star
  [
    rect(-0.25, -0.25, 0.25, 0.25),
    rect(-0.85, -0.85, -0.35, -0.35),
    rect(0.35, -0.85, 0.85, -0.35),
    rect(-0.85, 0.35, -0.35, 0.85),
    rect(0.35, 0.35, 0.85, 0.85),
  ], // fivesquare
  [Float64Array.from([-0.5, -0.6, 0.5, -0.6, 0.92, 0.6, -0.92, 0.6])], // trapezoid
];

function inPoly(p: Poly, x: number, y: number): boolean {
  // even-odd ray casting
  let inside = false;
  const n = p.length / 2;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = p[2 * i], yi = p[2 * i + 1], xj = p[2 * j], yj = p[2 * j + 1];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Whether template point (u, v) ∈ [-1, 1]² lies inside shape s. */
export function shapeContains(s: number, u: number, v: number): boolean {
  if (u < -1 || u > 1 || v < -1 || v > 1) return false;
  if (s === 3) return u * u + v * v <= 0.85 * 0.85;
  const polys = SHAPE_POLYS[s];
  for (let i = 0; i < polys.length; i++) if (inPoly(polys[i], u, v)) return true;
  return false;
}

function frac(x: number): number {
  return x - Math.floor(x);
}

function hash2(ix: number, iy: number, seed: number): number {
  let h = Math.imul(ix, 0x27d4eb2d) ^ Math.imul(iy, 0x165667b1) ^ seed;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const SQRT3 = Math.sqrt(3);

/** Honeycomb lines: hex cells of inradius r centred on a triangular lattice. */
function hexLine(x: number, y: number, r: number): boolean {
  // lattice a1 = (2r, 0), a2 = (r, √3 r); the nearest centre is a corner of the containing cell
  const j0 = Math.floor(y / (SQRT3 * r));
  const i0 = Math.floor((x - j0 * r) / (2 * r));
  let best = Infinity, bx = 0, by = 0;
  for (let dj = 0; dj <= 1; dj++) {
    for (let di = -1; di <= 1; di++) {
      const j = j0 + dj, i = i0 + di;
      const cx = 2 * r * i + r * j, cy = SQRT3 * r * j;
      const d2 = (x - cx) ** 2 + (y - cy) ** 2;
      if (d2 < best) [best, bx, by] = [d2, x - cx, y - cy];
    }
  }
  const d = Math.max(Math.abs(bx), Math.abs(bx / 2 + (by * SQRT3) / 2), Math.abs(bx / 2 - (by * SQRT3) / 2));
  return d > 0.72 * r;
}

/** Texture t's value (0 or 1) at texture-plane pixel (x, y) with period p. */
export function textureValue(t: number, x: number, y: number, p: number, noiseSeed: number): number {
  switch (t) {
    case 0: // solid
      return 1;
    case 1: // stripes
      return frac(y / p) < 0.5 ? 1 : 0;
    case 2: // grid
      return frac(x / p) < 0.3 || frac(y / p) < 0.3 ? 1 : 0;
    case 3: // hexgrid
      return hexLine(x, y, p / 2) ? 1 : 0;
    case 4: { // dots
      const fx = frac(x / p) - 0.5, fy = frac(y / p) - 0.5;
      return fx * fx + fy * fy < 0.33 * 0.33 ? 1 : 0;
    }
    case 5: { // noise: random binary cells of half a period
      const c = p / 2;
      return hash2(Math.floor(x / c), Math.floor(y / c), noiseSeed) & 1;
    }
    case 6: { // triangles
      const fx = frac(x / p), fy = frac(y / p);
      return fy > 0.15 && fy < 0.85 && Math.abs(fx - 0.5) < 0.45 * (fy - 0.15) / 0.7 ? 1 : 0;
    }
    case 7: { // zigzags
      const tri = Math.abs(frac(x / p) - 0.5) * p;
      return frac((y + tri) / p) < 0.4 ? 1 : 0;
    }
    case 8: { // rain: short slanted dashes on a staggered lattice
      const row = Math.floor(y / (1.5 * p));
      const fy = frac(y / (1.5 * p)) - 0.5;
      const fx = frac(x / p + (row & 1) * 0.5) - 0.5;
      return Math.abs(fy) < 0.35 && Math.abs(fx + 0.35 * fy) < 0.13 ? 1 : 0;
    }
    case 9: { // pluses
      const fx = Math.abs(frac(x / p) - 0.5), fy = Math.abs(frac(y / p) - 0.5);
      return (fx < 0.11 && fy < 0.36) || (fy < 0.11 && fx < 0.36) ? 1 : 0;
    }
    default:
      throw new Error(`textureValue: texture id ${t} is not in [0, 10)`);
  }
}

/** Default texture period in pixels for canvas size S (10 px at 224, at least 5 px). */
export function defaultTexturePeriod(size: number): number {
  return Math.max(5, (10 * size) / 224);
}

/**
 * Render one image into out[offset .. offset + 3·S·S) as [3, S, S] floats in [0, 1].
 * ss = sub-samples per pixel side; period = texture period in pixels. Throws when an id is outside [0, 10)
 * or `out` is too short.
 */
export function renderTrifeaturesImage(
  shape: number,
  texture: number,
  colour: number,
  params: RenderParams,
  size: number,
  out: Float32Array,
  offset = 0,
  ss = 2,
  period: number = defaultTexturePeriod(size),
): void {
  if (!(shape >= 0 && shape < 10 && texture >= 0 && texture < 10 && colour >= 0 && colour < 10)) {
    throw new Error(`renderTrifeaturesImage: ids must be in [0, 10), got ${shape}, ${texture}, ${colour}`);
  }
  if (out.length < offset + 3 * size * size) {
    throw new Error(
      `renderTrifeaturesImage: output too short for a [3, ${size}, ${size}] image at ${offset}`,
    );
  }
  const half = (size * TEMPLATE_FRACTION) / 2;
  const cx = size / 2 + params.dx * size, cy = size / 2 + params.dy * size;
  const a = (-params.rotation * Math.PI) / 180; // inverse rotation into template coords
  const ca = Math.cos(a), sa = Math.sin(a);
  const b = (-params.textureRotation * Math.PI) / 180;
  const cb = Math.cos(b), sb = Math.sin(b);
  const [r, g, bl] = TRIFEATURES_RGB[colour];
  const plane = size * size;
  const inv = 1 / (ss * ss);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let m = 0;
      for (let sy = 0; sy < ss; sy++) {
        const y = py + (sy + 0.5) / ss;
        for (let sx = 0; sx < ss; sx++) {
          const x = px + (sx + 0.5) / ss;
          const rx = x - cx, ry = y - cy;
          const u = (ca * rx - sa * ry) / half, v = (sa * rx + ca * ry) / half;
          if (!shapeContains(shape, u, v)) continue;
          const tx = x - size / 2, ty = y - size / 2;
          m += textureValue(texture, cb * tx - sb * ty, sb * tx + cb * ty, period, params.noiseSeed);
        }
      }
      m *= inv;
      const o = offset + py * size + px;
      out[o] = m * r + (1 - m) * 0.5;
      out[o + plane] = m * g + (1 - m) * 0.5;
      out[o + 2 * plane] = m * bl + (1 - m) * 0.5;
    }
  }
}
