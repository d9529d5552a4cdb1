import assert from "node:assert/strict";
import { JsonlWriter, readJsonl } from "../src/io/jsonl.ts";

Deno.test("JsonlWriter writes one object per line and readJsonl reads them back", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/run/metrics.jsonl`;
    const w = JsonlWriter.open(path);
    w.write({ step: 1, loss: 2.5 });
    // Each line reaches the file at once (readable before close).
    assert.equal(Deno.readTextFileSync(path), '{"step":1,"loss":2.5}\n');
    w.write({ step: 2, loss: NaN, tag: "a\nb" });
    w.close();
    w.close();
    assert.throws(() => w.write({}), /write after close/);
    assert.equal(
      Deno.readTextFileSync(path),
      '{"step":1,"loss":2.5}\n{"step":2,"loss":null,"tag":"a\\nb"}\n',
    );
    assert.deepEqual(readJsonl(path), [{ step: 1, loss: 2.5 }, { step: 2, loss: null, tag: "a\nb" }]);
    // Reopening without append truncates.
    const w2 = JsonlWriter.open(path);
    w2.write({ step: 0 });
    w2.close();
    assert.deepEqual(readJsonl(path), [{ step: 0 }]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("append mode keeps lines and repairs a line cut off by a crash", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/m.jsonl`;
    Deno.writeTextFileSync(path, '{"epoch":1}\n{"epoch":2}\n{"epo');
    // The unterminated last line is dropped by the reader.
    assert.deepEqual(readJsonl(path), [{ epoch: 1 }, { epoch: 2 }]);
    const w = JsonlWriter.open(path, { append: true });
    w.write({ epoch: 3 });
    w.close();
    assert.equal(Deno.readTextFileSync(path), '{"epoch":1}\n{"epoch":2}\n{"epo\n{"epoch":3}\n');
    // Now the broken line is followed by others: that is an error naming the line.
    assert.throws(() => readJsonl(path), /m\.jsonl: line 3 is not valid JSON/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("readJsonl reports a missing file", () => {
  assert.throws(() => readJsonl("/nonexistent/m.jsonl"), /jsonl: cannot read \/nonexistent\/m\.jsonl/);
});
