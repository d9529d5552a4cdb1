/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
/** Worker for tests/ffi_cc_test.ts: builds one library into the given cache folder and posts its path. */
import { buildSharedLibrary } from "../../ffi/cc.ts";

self.onmessage = (e: MessageEvent<{ dir: string; source: string }>) => {
  const r = buildSharedLibrary({
    name: "ccrace",
    sources: { "add.c": e.data.source },
    flags: ["-O2"],
    cacheDir: e.data.dir,
  });
  self.postMessage(r.ok ? { path: r.path } : { error: r.reason });
};
