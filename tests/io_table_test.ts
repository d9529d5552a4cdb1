import assert from "node:assert/strict";
import { formatProbeTable, formatTable } from "../src/io/table.ts";

Deno.test("formatTable aligns text left and numbers right", () => {
  const t = formatTable(["name", "n", "score"], [["alpha", 3, 0.5], ["b", 120, 0.12345], ["c", null, NaN]]);
  assert.equal(
    t,
    [
      "name     n   score",
      "-----  ---  ------",
      "alpha    3  0.5000",
      "b      120  0.1235",
      "c        -     nan",
      "",
    ].join("\n"),
  );
});

Deno.test("formatTable honours explicit alignment and decimals", () => {
  const t = formatTable(["a", "b"], [[1.5, "x"], [-2, "yy"]], { align: ["left", "right"], decimals: 1 });
  assert.equal(t, "a      b\n----  --\n1.5    x\n-2.0  yy\n");
});

Deno.test("formatProbeTable lists every method and task", () => {
  const t = formatProbeTable([
    { method: "infmasking", probe: { redundancy: { balancedAccuracy: 0.9, accuracy: 0.91 } } },
    { method: "comm", probe: { label: { balancedAccuracy: 0.75, accuracy: 0.8, auroc: 0.8125 } } },
  ]);
  assert.equal(
    t,
    [
      "method      task        balanced acc  accuracy   AUROC",
      "----------  ----------  ------------  --------  ------",
      "infmasking  redundancy        0.9000    0.9100       -",
      "comm        label             0.7500    0.8000  0.8125",
      "",
    ].join("\n"),
  );
});
