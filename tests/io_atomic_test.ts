import assert from "node:assert/strict";
import {
  dirnameOf,
  ensureDir,
  writeFileAtomic,
  writeFileAtomicAsync,
  writeJsonAtomic,
} from "../src/io/atomic.ts";

function leftovers(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.includes(".tmp-"));
}

Deno.test("dirnameOf splits paths", () => {
  assert.equal(dirnameOf("a/b/c.txt"), "a/b");
  assert.equal(dirnameOf("c.txt"), ".");
  assert.equal(dirnameOf("/c.txt"), "/");
});

Deno.test("writeFileAtomic writes, overwrites, creates parents and leaves no temp files", () => {
  const root = Deno.makeTempDirSync();
  try {
    const path = `${root}/x/y/out.bin`;
    writeFileAtomic(path, new Uint8Array([1, 2, 3, 250]));
    assert.deepEqual([...Deno.readFileSync(path)], [1, 2, 3, 250]);
    writeFileAtomic(path, "héllo\n");
    assert.equal(Deno.readTextFileSync(path), "héllo\n");
    assert.deepEqual(leftovers(`${root}/x/y`), []);
    writeJsonAtomic(`${root}/r.json`, { a: 1, b: [2] });
    assert.deepEqual(JSON.parse(Deno.readTextFileSync(`${root}/r.json`)), { a: 1, b: [2] });
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("writeFileAtomicAsync writes and overwrites", async () => {
  const root = Deno.makeTempDirSync();
  try {
    const path = `${root}/a.txt`;
    await writeFileAtomicAsync(path, "one");
    await writeFileAtomicAsync(path, new TextEncoder().encode("two"));
    assert.equal(Deno.readTextFileSync(path), "two");
    assert.deepEqual(leftovers(root), []);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("a failed atomic write leaves the target untouched and removes its temp file", async () => {
  const root = Deno.makeTempDirSync();
  try {
    // The target is a non-empty directory, so the final rename fails after the temp file was written.
    const target = `${root}/target`;
    ensureDir(`${target}/inner`);
    assert.throws(() => writeFileAtomic(target, "data"), /writeFileAtomic: could not write .*target/);
    await assert.rejects(() => writeFileAtomicAsync(target, "data"), /could not write/);
    assert.ok(Deno.statSync(`${target}/inner`).isDirectory);
    assert.deepEqual(leftovers(root), []);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
