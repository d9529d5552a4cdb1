import assert from "node:assert/strict";
import { blasInfo, chooseCoreType, type CoreTypeCpu, describeBlas, loadOpenBlas } from "../ffi/openblas.ts";
import { decodeLibgccCpuModel, parseCpuInfo, readCpuFeatures } from "../ffi/cpu_features.ts";

const AVX2 = "fpu sse sse2 ssse3 sse4_1 sse4_2 avx fma avx2 bmi2";
const AVX512 = `${AVX2} avx512f avx512dq avx512cd avx512bw avx512vl`;

function x86(vendor: string, flags: string): CoreTypeCpu {
  return { arch: "x86_64", vendor, flags: new Set(flags.split(" ")) };
}

Deno.test("chooseCoreType: AVX-512 Intel gets SkylakeX", () => {
  const c = chooseCoreType(x86("GenuineIntel", AVX512), undefined);
  assert.equal(c.core, "SkylakeX");
  assert.equal(c.setBy, "mmssl");
  assert.deepEqual(c.flags, ["avx512f", "avx512bw", "avx512vl", "avx512dq"]);
});

Deno.test("chooseCoreType: AVX2 Intel gets Haswell, AVX2 AMD gets Zen, AVX-512 AMD gets SkylakeX", () => {
  assert.equal(chooseCoreType(x86("GenuineIntel", AVX2), undefined).core, "Haswell");
  assert.equal(chooseCoreType(x86("AuthenticAMD", AVX2), undefined).core, "Zen");
  assert.equal(chooseCoreType(x86("HygonGenuine", AVX2), "").core, "Zen");
  assert.equal(chooseCoreType(x86("AuthenticAMD", AVX512), undefined).core, "SkylakeX");
  // AVX-512 F alone (Knights Landing) is not enough for SkylakeX.
  assert.equal(chooseCoreType(x86("GenuineIntel", `${AVX2} avx512f`), undefined).core, "Haswell");
});

Deno.test("chooseCoreType: the user's OPENBLAS_CORETYPE is kept", () => {
  const c = chooseCoreType(x86("GenuineIntel", AVX512), "Prescott");
  assert.deepEqual(c, { core: "Prescott", setBy: "user", flags: [] });
  assert.equal(chooseCoreType(null, " zen ").core, "zen");
});

Deno.test("chooseCoreType: unknown CPUs and missing flags are left to the library", () => {
  const none = { core: null, setBy: "library", flags: [] };
  assert.deepEqual(chooseCoreType(null, undefined), none);
  assert.deepEqual(chooseCoreType(x86("GenuineIntel", ""), undefined), none);
  assert.deepEqual(chooseCoreType(x86("GenuineIntel", "sse sse2 sse3 avx"), undefined), none);
  assert.deepEqual(chooseCoreType(x86("CentaurHauls", AVX2), undefined), none);
  assert.deepEqual(chooseCoreType(x86("", AVX512), undefined), none);
  assert.deepEqual(
    chooseCoreType({ arch: "aarch64", vendor: "", flags: new Set(["fp", "asimd", "sve"]) }, undefined),
    none,
  );
});

Deno.test("parseCpuInfo: vendor and flags of the first processor", () => {
  const text = [
    "processor\t: 0",
    "vendor_id\t: AuthenticAMD",
    "cpu family\t: 25",
    "flags\t\t: fpu FMA avx2 sse2",
    "",
    "processor\t: 1",
    "vendor_id\t: Other",
    "flags\t\t: fpu",
  ].join("\n");
  const cpu = parseCpuInfo(text, "x86_64");
  assert.equal(cpu.vendor, "AuthenticAMD");
  assert.deepEqual([...cpu.flags], ["fpu", "fma", "avx2", "sse2"]);
  assert.equal(chooseCoreType(cpu, undefined).core, "Zen");
  const arm = parseCpuInfo(
    "processor\t: 0\nFeatures\t: fp asimd evtstrm\nCPU implementer\t: 0x41\n",
    "aarch64",
  );
  assert.deepEqual([...arm.flags], ["fp", "asimd", "evtstrm"]);
  assert.equal(arm.vendor, "");
});

Deno.test("decodeLibgccCpuModel: GCC's feature bits under their /proc/cpuinfo names", () => {
  const avx2 = (1 << 9) | (1 << 10) | (1 << 14); // avx, avx2, fma
  const amd = decodeLibgccCpuModel(2, avx2);
  assert.equal(amd.vendor, "AuthenticAMD");
  assert.deepEqual([...amd.flags].sort(), ["avx", "avx2", "fma"]);
  assert.equal(chooseCoreType(amd, undefined).core, "Zen");
  const avx512 = avx2 | (1 << 15) | (1 << 20) | (1 << 21) | (1 << 22); // f, vl, bw, dq
  assert.equal(chooseCoreType(decodeLibgccCpuModel(1, avx512), undefined).core, "SkylakeX");
  assert.equal(chooseCoreType(decodeLibgccCpuModel(1, avx2), undefined).core, "Haswell");
  assert.equal(chooseCoreType(decodeLibgccCpuModel(3, avx2), undefined).core, null);
});

Deno.test({
  name: "readCpuFeatures: an x86_64 Linux CPU lists SSE2 whichever source answers",
  ignore: Deno.build.os !== "linux" || Deno.build.arch !== "x86_64",
  fn() {
    const cpu = readCpuFeatures();
    assert.ok(cpu, "neither /proc/cpuinfo nor libgcc answered");
    assert.ok(cpu.flags.has("sse2"), [...cpu.flags].join(" "));
  },
});

const loaded = loadOpenBlas();

Deno.test({
  name: "blasInfo: a loaded OpenBLAS names its version, core and threading",
  ignore: loaded.lib === null,
  fn() {
    const info = blasInfo();
    assert.ok(info);
    assert.ok(info.core.length > 0 && info.core !== "unknown", `core "${info.core}"`);
    assert.match(info.version, /^OpenBLAS \d+\.\d+/);
    assert.ok(["sequential", "pthreads", "openmp"].includes(info.threading), info.threading);
    assert.ok(["user", "mmssl", "library"].includes(info.coreTypeSetBy));
    const line = describeBlas(info);
    assert.ok(line.includes(info.core) && line.includes(info.path), line);
    // The variable mmssl sets for loading is removed again; a user's value stays.
    if (info.coreTypeSetBy === "mmssl") assert.equal(Deno.env.get("OPENBLAS_CORETYPE"), undefined);
  },
});
