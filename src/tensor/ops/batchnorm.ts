/**
 * Batch normalisation over the channel axis 1 of [N, C] or [N, C, ...] inputs (PyTorch semantics). Training
 * moves channels first, normalises each channel's row with the fused row kernel (whose gradient is exact
 * through the batch statistics) and moves them back; eval applies the running statistics as an affine map.
 */
import { noGrad, tidy } from "../engine.ts";
import type { Tensor } from "../tensor.ts";
import { shapeStr } from "../shape.ts";
import { add, addScalar, clamp, mul, mulScalar, reciprocal, rsqrt, square, sub } from "./elementwise.ts";
import { permute, reshape } from "./shape_ops.ts";
import { normalizeRowsOf } from "./normalize_rows.ts";

function checkChannelVector(name: string, t: Tensor | null, c: number, x: Tensor): void {
  if (t && t.size !== c) {
    throw new Error(
      `batchNorm: ${name} ${shapeStr(t.shape)} does not match ${c} channels of input ${shapeStr(x.shape)}`,
    );
  }
}

/** Overwrites `target`'s storage with `value` (same size), outside autograd. */
function writeInto(target: Tensor, value: Tensor): void {
  target.backend.copyStrided(value.storage, 0, [1], target.storage, 0, [1], [target.size]);
}

/**
 * Batch norm like torch.nn.functional.batch_norm over x [N, C] or [N, C, ...] (statistics per channel C). In
 * training it normalises with the batch mean and biased variance and, when running tensors are given, updates
 * them in place: running = (1 - momentum)·running + momentum·stat, with the unbiased variance. In eval it
 * uses the running statistics. weight and bias ([C]) are optional; momentum defaults to 0.1, eps to 1e-5.
 *
 * @throws {Error} When x has rank below 2, a channel vector does not have C elements, only one of the
 * running tensors is given, or eval mode has none.
 *
 * @example
 * ```ts
 * import { batchNorm, ones, randn, zeros } from "./mod.ts";
 * const x = randn([8, 3, 4, 4]); // [N, C, H, W]
 * const runMean = zeros([3]), runVar = ones([3]);
 * const y = batchNorm(x, runMean, runVar, null, null, true); // also updates runMean / runVar
 * console.log(y.shape); // [8, 3, 4, 4]
 * ```
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null,
  bias: Tensor | null,
  training: boolean,
  momentum = 0.1,
  eps = 1e-5,
): Tensor {
  if (x.rank < 2) throw new Error(`batchNorm: input must be [N, C] or [N, C, ...], got ${shapeStr(x.shape)}`);
  const c = x.shape[1];
  checkChannelVector("runningMean", runningMean, c, x);
  checkChannelVector("runningVar", runningVar, c, x);
  checkChannelVector("weight", weight, c, x);
  checkChannelVector("bias", bias, c, x);
  if (!!runningMean !== !!runningVar) {
    throw new Error("batchNorm: give both runningMean and runningVar, or neither");
  }
  const bshape = x.shape.map((d, i) => (i === 1 ? d : 1));
  if (!training) {
    if (!runningMean || !runningVar) throw new Error("batchNorm: eval mode needs runningMean and runningVar");
    // y = x * scale + shift with scale = weight / sqrt(var + eps), shift = bias - mean * scale.
    let scale = rsqrt(addScalar(runningVar, eps));
    if (weight) scale = mul(scale, reshape(weight, [c]));
    let shift = mul(runningMean, scale);
    shift = bias ? sub(reshape(bias, [c]), shift) : mulScalar(shift, -1);
    return add(mul(x, reshape(scale, bshape)), reshape(shift, bshape));
  }
  const m = x.size / c;
  if (m < 2) {
    throw new Error(
      `batchNorm: expected more than 1 value per channel when training, got input ${shapeStr(x.shape)}`,
    );
  }
  // [N, C, ...] -> [C, N, ...] -> [C, M]: one row per channel.
  const perm = x.shape.map((_, i) => (i === 0 ? 1 : i === 1 ? 0 : i));
  const movedShape = perm.map((p) => x.shape[p]);
  const rows = reshape(permute(x, perm), [c, m]);
  const normalized = normalizeRowsOf(rows, eps);
  const meanT = normalized.mean, rstd = normalized.rstd;
  let y = normalized.y;
  if (weight) y = mul(y, reshape(weight, [c, 1]));
  if (bias) y = add(y, reshape(bias, [c, 1]));
  if (runningMean && runningVar) {
    tidy(() =>
      noGrad(() => {
        // Biased variance from the kernel's rstd: 1/rstd² - eps, then the unbiased correction m/(m-1).
        const varB = clamp(addScalar(reciprocal(square(rstd)), -eps), 0);
        writeInto(runningMean, add(mulScalar(runningMean, 1 - momentum), mulScalar(meanT, momentum)));
        writeInto(
          runningVar,
          add(mulScalar(runningVar, 1 - momentum), mulScalar(varB, (momentum * m) / (m - 1))),
        );
      })
    );
  }
  meanT.dispose();
  if (!normalized.y.node) rstd.dispose();
  return permute(reshape(y, movedShape), perm);
}
