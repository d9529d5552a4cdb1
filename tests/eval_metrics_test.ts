import assert from "node:assert/strict";
import {
  accuracy,
  aurocBinary,
  balancedAccuracy,
  confusionMatrix,
  macroF1,
  meanSquaredError,
  weightedF1,
} from "../src/eval/metrics.ts";
import { seededUniform } from "../src/eval/split.ts";

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

Deno.test("accuracy and balanced accuracy differ under imbalance", () => {
  const yTrue = Int32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
  // Always predicting the majority: 80 % accurate, but recall 1 and 0 -> balanced 0.5.
  const allZero = new Int32Array(10);
  close(accuracy(yTrue, allZero), 0.8);
  close(balancedAccuracy(yTrue, allZero), 0.5);
  // Class 0: 6 of 8 right (0.75); class 1: 1 of 2 right (0.5).
  const yPred = Int32Array.from([0, 0, 0, 0, 0, 0, 1, 1, 1, 0]);
  close(accuracy(yTrue, yPred), 0.7);
  close(balancedAccuracy(yTrue, yPred), (0.75 + 0.5) / 2);
});

Deno.test("balanced accuracy: classes absent from the targets", () => {
  const yTrue = Int32Array.from([0, 0, 1, 1]);
  const yPred = Int32Array.from([0, 2, 1, 1]);
  // torchmetrics: class 2 is predicted (fp = 1) but never true -> counted with recall 0.
  close(balancedAccuracy(yTrue, yPred, { numClasses: 3 }), (0.5 + 1 + 0) / 3);
  // sklearn: only classes present in y_true.
  close(balancedAccuracy(yTrue, yPred, { numClasses: 3, absentClasses: "ignore" }), (0.5 + 1) / 2);
  // A class absent from both targets and predictions never counts.
  close(balancedAccuracy(yTrue, yPred, { numClasses: 5 }), (0.5 + 1 + 0) / 3);
  close(
    balancedAccuracy(Int32Array.from([1, 1, 3]), Int32Array.from([1, 3, 3]), { numClasses: 4 }),
    (0.5 + 1) / 2,
  );
});

Deno.test("confusion matrix rows are true classes", () => {
  const cm = confusionMatrix(Int32Array.from([0, 1, 2, 2, 1, 0]), Int32Array.from([0, 2, 2, 1, 1, 1]), 3);
  assert.deepEqual(Array.from(cm), [1, 1, 0, 0, 1, 1, 0, 1, 1]);
  assert.throws(() => confusionMatrix(Int32Array.from([0, 3]), Int32Array.from([0, 1]), 3), /out of range/);
  assert.throws(() => accuracy(Int32Array.from([0, 1]), Int32Array.from([0])), /length/);
});

Deno.test("binary AUROC by hand, with ties", () => {
  // No ties: positives 0.35, 0.8 vs negatives 0.1, 0.4 -> 3 of 4 pairs ordered.
  close(aurocBinary(Int32Array.from([0, 0, 1, 1]), [0.1, 0.4, 0.35, 0.8]), 0.75);
  // Ties: pos {0.2, 0.5, 0.9}, neg {0.2, 0.5}: pairs 0.5 + 0 + 1 + 0.5 + 1 + 1 = 4 of 6.
  close(aurocBinary(Int32Array.from([0, 1, 0, 1, 1]), [0.2, 0.2, 0.5, 0.5, 0.9]), 4 / 6);
  // All scores equal -> 0.5; perfectly reversed -> 0.
  close(aurocBinary(Int32Array.from([0, 1, 0, 1]), [3, 3, 3, 3]), 0.5);
  close(aurocBinary(Int32Array.from([1, 1, 0]), [0, 1, 2]), 0);
  assert.throws(() => aurocBinary(Int32Array.from([1, 1]), [0.1, 0.2]), /both classes/);
});

Deno.test("binary AUROC equals the pairwise count on random tied scores", () => {
  const r = seededUniform(11);
  const n = 301;
  const y = new Int32Array(n);
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = r() < 0.3 ? 1 : 0;
    s[i] = Math.floor(r() * 12) / 4 + y[i] * 0.5; // coarse values -> many ties
  }
  let num = 0;
  let pairs = 0;
  for (let i = 0; i < n; i++) {
    if (y[i] !== 1) continue;
    for (let j = 0; j < n; j++) {
      if (y[j] !== 0) continue;
      pairs++;
      num += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
    }
  }
  close(aurocBinary(y, s), num / pairs, 1e-12);
});

Deno.test("multi-label macro and weighted F1 by hand", () => {
  // Rows are samples, columns labels.
  const yTrue = Int32Array.from([1, 0, 1, 0, 1, 1, 1, 0, 0]);
  const yPred = Int32Array.from([1, 0, 1, 0, 1, 1, 0, 1, 0]);
  // label 0: tp 1, fn 1 -> 2/3; label 1: tp 1, fp 1 -> 2/3; label 2: tp 2 -> 1.
  close(macroF1(yTrue, yPred, 3), (2 / 3 + 2 / 3 + 1) / 3);
  // supports 2, 1, 2.
  close(weightedF1(yTrue, yPred, 3), (2 * (2 / 3) + 1 * (2 / 3) + 2 * 1) / 5);
  // A label never true nor predicted scores 0 in the macro mean and has weight 0 in the weighted one.
  // Label 0: tp 1, fn 1 -> 2/3; label 1: never true nor predicted.
  const t4 = Int32Array.from([1, 0, 1, 0, 0, 0]);
  const p4 = Int32Array.from([1, 0, 0, 0, 0, 0]);
  close(macroF1(t4, p4, 2), (2 / 3 + 0) / 2);
  close(weightedF1(t4, p4, 2), 2 / 3);
  assert.throws(() => macroF1(Int32Array.from([1, 2]), Int32Array.from([1, 0]), 2), /0\/1/);
  assert.throws(() => macroF1(Int32Array.from([1, 0, 1]), Int32Array.from([1, 0, 1]), 2), /multiple/);
});

Deno.test("mean squared error", () => {
  close(meanSquaredError([1, 2, 3, 4], [1.5, 2, 2, 6]), (0.25 + 0 + 1 + 4) / 4);
});
