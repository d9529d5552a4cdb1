/** Learning-rate schedules: functions from the 0-based step (or epoch) to the learning rate. */

/** A learning-rate schedule. */
export type LrSchedule = (step: number) => number;

/**
 * The same rate at every step.
 *
 * @throws {Error} When lr is negative or NaN.
 */
export function constantSchedule(lr: number): LrSchedule {
  if (!(lr >= 0)) throw new Error(`constantSchedule: invalid lr ${lr}`);
  return () => lr;
}

/** Options of {@link warmupCosineSchedule}. */
export interface WarmupCosineOptions {
  /** Peak rate, reached at the last warmup step. */
  baseLr: number;
  /** Number of linear warmup steps W (an integer >= 0). */
  warmupSteps: number;
  /** Step at which the cosine reaches minLr (an integer > warmupSteps). */
  totalSteps: number;
  /** Rate at step 0 of the warmup (default 0). */
  startLr?: number;
  /** Rate at the end of the cosine (default 0). */
  minLr?: number;
}

/**
 * Linear warmup then cosine annealing, as pl_bolts' LinearWarmupCosineAnnealingLR (closed form), which the
 * reference code steps once per epoch:
 * ```text
 * s < W:  startLr + s·(baseLr - startLr)/max(1, W - 1)                  (reaches baseLr at s = W - 1)
 * s ≥ W:  minLr + ½(baseLr - minLr)(1 + cos(π (s - W)/(total - W)))     (minLr from s = total on)
 * ```
 *
 * @throws {Error} When warmupSteps and totalSteps are not integers with 0 <= W < total, a rate is negative,
 * or the schedule is called with a negative step.
 *
 * @example
 * ```ts
 * import { warmupCosineSchedule } from "./mod.ts";
 * const lr = warmupCosineSchedule({ baseLr: 1e-3, warmupSteps: 10, totalSteps: 100 });
 * console.log(lr(0), lr(9), lr(100)); // 0 0.001 0
 * ```
 */
export function warmupCosineSchedule(opts: WarmupCosineOptions): LrSchedule {
  const { baseLr, warmupSteps: W, totalSteps: total } = opts;
  const startLr = opts.startLr ?? 0, minLr = opts.minLr ?? 0;
  if (!Number.isInteger(W) || W < 0 || !Number.isInteger(total) || total <= W) {
    throw new Error(
      `warmupCosineSchedule: need integers 0 <= warmupSteps < totalSteps, got ${W} and ${total}`,
    );
  }
  for (const [k, v] of [["baseLr", baseLr], ["startLr", startLr], ["minLr", minLr]] as const) {
    if (!(v >= 0)) throw new Error(`warmupCosineSchedule: invalid ${k} ${v}`);
  }
  return (step: number): number => {
    if (step < 0) throw new Error(`warmupCosineSchedule: negative step ${step}`);
    if (step < W) return startLr + (step * (baseLr - startLr)) / Math.max(1, W - 1);
    const progress = Math.min(1, (step - W) / (total - W));
    return minLr + 0.5 * (baseLr - minLr) * (1 + Math.cos(Math.PI * progress));
  };
}
