/**
 * Classification and regression metrics on plain typed arrays. Scores are fractions in [0, 1].
 *
 * Balanced accuracy follows torchmetrics MulticlassAccuracy(average="macro") by default, the metric the
 * reference reports as "acc1": the mean per-class recall tp/(tp+fn) over the classes that occur in the
 * targets OR in the predictions. A class that is predicted but absent from the targets therefore counts
 * with recall 0 (torchmetrics drops a class only when tp+fp+fn = 0). `absentClasses: "ignore"` gives
 * sklearn's balanced_accuracy_score instead: the mean over classes present in the targets only. The two
 * agree whenever every predicted class occurs in the targets.
 */

/** Integer labels (class indices, or 0/1 entries for multi-label arrays). */
export type IntLabels = Int32Array | Uint8Array | ArrayLike<number>;

function checkSameLength(
  fn: string,
  a: { length: number },
  b: { length: number },
  an: string,
  bn: string,
): void {
  if (a.length !== b.length) {
    throw new Error(`${fn}: ${an} has length ${a.length} but ${bn} has length ${b.length}`);
  }
  if (a.length === 0) throw new Error(`${fn}: empty input`);
}

function inferNumClasses(fn: string, yTrue: IntLabels, yPred: IntLabels): number {
  let k = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const a = yTrue[i];
    const b = yPred[i];
    if (!Number.isInteger(a) || a < 0 || !Number.isInteger(b) || b < 0) {
      throw new Error(`${fn}: labels must be non-negative integers, got true=${a} pred=${b} at index ${i}`);
    }
    if (a + 1 > k) k = a + 1;
    if (b + 1 > k) k = b + 1;
  }
  return k;
}

/** Fraction of positions where the predicted class equals the true class. */
export function accuracy(yTrue: IntLabels, yPred: IntLabels): number {
  checkSameLength("accuracy", yTrue, yPred, "yTrue", "yPred");
  let hit = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) hit++;
  return hit / yTrue.length;
}

/**
 * Confusion matrix [K, K] row-major: entry (t, p) counts samples of true class t predicted as p
 * (sklearn's convention: rows are true classes). `numClasses` defaults to 1 + the largest label seen.
 */
export function confusionMatrix(yTrue: IntLabels, yPred: IntLabels, numClasses?: number): Int32Array {
  checkSameLength("confusionMatrix", yTrue, yPred, "yTrue", "yPred");
  const seen = inferNumClasses("confusionMatrix", yTrue, yPred);
  const k = numClasses ?? seen;
  if (seen > k) {
    throw new Error(`confusionMatrix: label ${seen - 1} is out of range for numClasses=${k}`);
  }
  const cm = new Int32Array(k * k);
  for (let i = 0; i < yTrue.length; i++) cm[yTrue[i] * k + yPred[i]]++;
  return cm;
}

/** Options of {@link balancedAccuracy}. */
export interface BalancedAccuracyOptions {
  /** Number of classes (default: 1 + the largest label seen). */
  numClasses?: number;
  /**
   * How a class that is predicted but absent from the targets counts: "torchmetrics" (default) averages
   * it in with recall 0; "ignore" leaves it out (sklearn's balanced_accuracy_score).
   */
  absentClasses?: "torchmetrics" | "ignore";
}

/** Macro-averaged recall (balanced accuracy); see the module comment for absent classes. */
export function balancedAccuracy(
  yTrue: IntLabels,
  yPred: IntLabels,
  opts: BalancedAccuracyOptions = {},
): number {
  const k = opts.numClasses ?? inferNumClasses("balancedAccuracy", yTrue, yPred);
  const cm = confusionMatrix(yTrue, yPred, k);
  const ignoreAbsent = (opts.absentClasses ?? "torchmetrics") === "ignore";
  let sum = 0;
  let counted = 0;
  for (let c = 0; c < k; c++) {
    let support = 0; // tp + fn
    let predicted = 0; // tp + fp
    for (let j = 0; j < k; j++) {
      support += cm[c * k + j];
      predicted += cm[j * k + c];
    }
    if (support > 0) {
      sum += cm[c * k + c] / support;
      counted++;
    } else if (predicted > 0 && !ignoreAbsent) {
      counted++; // recall 0/0 counted as 0, as torchmetrics does
    }
  }
  return sum / counted;
}

/**
 * Area under the ROC curve for a binary task: the probability that a random positive scores above a
 * random negative, ties counting one half (Mann-Whitney U with average ranks). `yTrue` holds 0/1.
 * Throws when only one class is present (the AUROC is undefined).
 */
export function aurocBinary(yTrue: IntLabels, scores: ArrayLike<number>): number {
  checkSameLength("aurocBinary", yTrue, scores, "yTrue", "scores");
  const n = yTrue.length;
  let nPos = 0;
  for (let i = 0; i < n; i++) {
    const v = yTrue[i];
    if (v !== 0 && v !== 1) throw new Error(`aurocBinary: yTrue must hold 0/1, got ${v} at index ${i}`);
    if (!Number.isFinite(scores[i])) {
      throw new Error(`aurocBinary: score ${scores[i]} at index ${i} is not finite`);
    }
    nPos += v;
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) {
    throw new Error(`aurocBinary: needs both classes, got ${nPos} positives and ${nNeg} negatives`);
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[a] - scores[b]);
  // Sum of the (1-based, tie-averaged) ranks of the positives.
  let rankSumPos = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let r = i; r <= j; r++) if (yTrue[order[r]] === 1) rankSumPos += avgRank;
    i = j + 1;
  }
  return (rankSumPos - nPos * (nPos + 1) / 2) / (nPos * nNeg);
}

/** Per-label true positives, false positives and false negatives of multi-label 0/1 arrays [N, L]. */
function multilabelCounts(fn: string, yTrue: IntLabels, yPred: IntLabels, numLabels: number) {
  checkSameLength(fn, yTrue, yPred, "yTrue", "yPred");
  if (!Number.isInteger(numLabels) || numLabels < 1 || yTrue.length % numLabels !== 0) {
    throw new Error(`${fn}: length ${yTrue.length} is not a multiple of numLabels=${numLabels}`);
  }
  const tp = new Float64Array(numLabels);
  const fp = new Float64Array(numLabels);
  const fn_ = new Float64Array(numLabels);
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i];
    const p = yPred[i];
    if ((t !== 0 && t !== 1) || (p !== 0 && p !== 1)) {
      throw new Error(`${fn}: entries must be 0/1, got true=${t} pred=${p} at flat index ${i}`);
    }
    const l = i % numLabels;
    if (t === 1 && p === 1) tp[l]++;
    else if (p === 1) fp[l]++;
    else if (t === 1) fn_[l]++;
  }
  return { tp, fp, fn: fn_ };
}

function f1(tp: number, fp: number, fn: number): number {
  const denom = 2 * tp + fp + fn;
  return denom === 0 ? 0 : (2 * tp) / denom;
}

/**
 * Macro F1 of multi-label 0/1 arrays [N, L] row-major: the unweighted mean of per-label F1 over all L
 * labels; a label with no positives in targets or predictions scores 0 (torchmetrics' and sklearn's
 * zero_division=0 behaviour).
 */
export function macroF1(yTrue: IntLabels, yPred: IntLabels, numLabels: number): number {
  const c = multilabelCounts("macroF1", yTrue, yPred, numLabels);
  let s = 0;
  for (let l = 0; l < numLabels; l++) s += f1(c.tp[l], c.fp[l], c.fn[l]);
  return s / numLabels;
}

/**
 * Weighted F1 of multi-label 0/1 arrays [N, L]: per-label F1 weighted by the label's support
 * (number of true positives in the targets). Returns 0 when no label has any support.
 */
export function weightedF1(yTrue: IntLabels, yPred: IntLabels, numLabels: number): number {
  const c = multilabelCounts("weightedF1", yTrue, yPred, numLabels);
  let s = 0;
  let w = 0;
  for (let l = 0; l < numLabels; l++) {
    const support = c.tp[l] + c.fn[l];
    s += support * f1(c.tp[l], c.fp[l], c.fn[l]);
    w += support;
  }
  return w === 0 ? 0 : s / w;
}

/** Mean of squared differences over all entries (for [N, T] targets: the mean over outputs of each MSE). */
export function meanSquaredError(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  checkSameLength("meanSquaredError", yTrue, yPred, "yTrue", "yPred");
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const e = yTrue[i] - yPred[i];
    s += e * e;
  }
  return s / yTrue.length;
}
