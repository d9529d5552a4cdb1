/**
 * ffi/cc.ts: compile-on-first-use and the cache. A tiny C source builds and loads; the second build is a
 * cache hit; an edit builds afresh; a broken source fails soft with the compiler, the command and its first
 * error line; two workers building the same source into one fresh cache at the same time both end with a
 * working library. Skipped where no C compiler runs.
 */
import assert from "node:assert/strict";
import { buildSharedLibrary, findCompiler } from "../ffi/cc.ts";

const compiler = findCompiler();
const ignore = "reason" in compiler;
if (ignore) console.log(`[cc] skipped: ${compiler.reason}`);

const SOURCE = "int mm_test_add(int a, int b) { return a + b; }\n";

/** Runs fn with a fresh cache folder (passed to the builds, never through the shared environment). */
async function withCacheDir(fn: (dir: string) => void | Promise<void>): Promise<void> {
  const dir = Deno.makeTempDirSync({ prefix: "mmssl-cc-test-" });
  try {
    await fn(dir);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

function callAdd(path: string, a: number, b: number): number {
  const lib = Deno.dlopen(path, { mm_test_add: { parameters: ["i32", "i32"], result: "i32" } });
  try {
    return lib.symbols.mm_test_add(a, b);
  } finally {
    lib.close();
  }
}

Deno.test({
  name: "cc: builds, loads, hits the cache the second time, rebuilds after an edit",
  ignore,
  async fn() {
    await withCacheDir((dir) => {
      const spec = { name: "cctest", sources: { "add.c": SOURCE }, flags: ["-O2"], cacheDir: dir };
      const first = buildSharedLibrary(spec);
      assert.ok(first.ok, first.ok ? "" : first.reason);
      assert.equal(first.cached, false);
      assert.ok(first.path.startsWith(`${dir}/native/`));
      assert.equal(callAdd(first.path, 40, 2), 42);
      const second = buildSharedLibrary(spec);
      assert.ok(second.ok && second.cached && second.path === first.path);
      const edited = buildSharedLibrary({ ...spec, sources: { "add.c": SOURCE + "int mm_unused;\n" } });
      assert.ok(edited.ok && !edited.cached && edited.path !== first.path);
      // no temporary build folders are left behind
      const left = [...Deno.readDirSync(`${dir}/native`)].filter((e) => e.isDirectory);
      assert.deepEqual(left, []);
    });
  },
});

Deno.test({
  name: "cc: a failed compile names the compiler, the command and the first error line",
  ignore,
  async fn() {
    await withCacheDir((dir) => {
      const r = buildSharedLibrary({
        name: "ccbad",
        sources: { "bad.c": "int f( { return 1; }\n" },
        flags: [],
        cacheDir: dir,
      });
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.compiled, true);
      assert.match(r.reason, /failed: \S+ .*-shared -fPIC bad\.c -o /);
      assert.match(r.reason, /bad\.c:1/);
    });
  },
});

Deno.test({
  name: "cc: two workers building the same library into one fresh cache both get a working library",
  ignore,
  async fn() {
    await withCacheDir(async (dir) => {
      const url = new URL("./workers/cc_build_worker.ts", import.meta.url);
      const results = await Promise.all([0, 1].map(() =>
        new Promise<string>((resolve, reject) => {
          const w = new Worker(url, { type: "module" });
          w.onmessage = (e: MessageEvent<{ path?: string; error?: string }>) => {
            w.terminate();
            if (e.data.path) resolve(e.data.path);
            else reject(new Error(e.data.error));
          };
          w.onerror = (e) => {
            w.terminate();
            reject(new Error(e.message));
          };
          w.postMessage({ dir, source: SOURCE });
        })
      ));
      assert.equal(results[0], results[1]);
      assert.equal(callAdd(results[0], 2, 3), 5);
    });
  },
});
