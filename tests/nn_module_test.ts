import assert from "node:assert/strict";
import {
  Dropout,
  LayerNorm,
  Linear,
  loadModule,
  MLP,
  Module,
  ModuleList,
  saveModule,
  Sequential,
} from "../src/nn/mod.ts";
import { loadSafetensors } from "../src/io/safetensors.ts";
import {
  linear,
  numLiveTensors,
  setSeed,
  square,
  sum,
  type Tensor,
  tensor,
  tidy,
  zeros,
} from "../src/tensor/mod.ts";
import { assertClose, randValues } from "./helpers.ts";

/** A small custom module exercising params, buffers (persistent or not) and children. */
class Block extends Module {
  readonly scale: Tensor;
  readonly fc: Linear;
  readonly norm: LayerNorm;
  readonly counter: Tensor;
  readonly table: Tensor;
  constructor(dim: number) {
    super();
    this.scale = this.param("scale", tensor(randValues([dim]), [dim]));
    this.fc = this.child("fc", new Linear(dim, dim));
    this.norm = this.child("norm", new LayerNorm(dim));
    this.counter = this.buffer("counter", zeros([1]));
    this.table = this.buffer("table", zeros([2, dim]), { persistent: false });
  }
  forward(x: Tensor): Tensor {
    return this.norm.forward(this.fc.forward(x)).mul(this.scale);
  }
}

class Net extends Module {
  readonly layers: ModuleList<Block>;
  readonly head: Linear;
  readonly drop: Dropout;
  constructor() {
    super();
    this.layers = this.child("layers", new ModuleList([new Block(4), new Block(4)]));
    this.head = this.child("head", new Linear(4, 3, false));
    this.drop = this.child("drop", new Dropout(0.5));
  }
  forward(x: Tensor): Tensor {
    let h = x;
    for (const b of this.layers) h = b.forward(h);
    return this.head.forward(this.drop.forward(h));
  }
}

Deno.test("namedParameters uses dotted PyTorch-style names in registration order", () => {
  const net = new Net();
  assert.deepEqual(net.namedParameters().map(([n]) => n), [
    "layers.0.scale",
    "layers.0.fc.weight",
    "layers.0.fc.bias",
    "layers.0.norm.weight",
    "layers.0.norm.bias",
    "layers.1.scale",
    "layers.1.fc.weight",
    "layers.1.fc.bias",
    "layers.1.norm.weight",
    "layers.1.norm.bias",
    "head.weight",
  ]);
  assert.deepEqual(net.namedBuffers().map(([n]) => n), [
    "layers.0.counter",
    "layers.0.table",
    "layers.1.counter",
    "layers.1.table",
  ]);
  // 2 blocks x (4 + 16 + 4 + 4 + 4) + 12
  assert.equal(net.numParameters(), 2 * 32 + 12);
  assert.ok(net.parameters().every((p) => p.requiresGrad && p.kept && p.node === null));
  // stateDict: params + persistent buffers only
  const keys = [...net.stateDict().keys()];
  assert.ok(keys.includes("layers.1.counter") && !keys.includes("layers.1.table"));
  assert.equal(keys.length, 11 + 2);
  net.dispose();
});

Deno.test("duplicate registration and dotted child names are rejected", () => {
  class Bad extends Module {
    constructor(kind: string) {
      super();
      this.param("w", zeros([2]));
      if (kind === "dup") this.buffer("w", zeros([2]));
      if (kind === "dot") this.child("a.b", new Linear(1, 1));
    }
    forward(): void {}
  }
  assert.throws(() => new Bad("dup"), /"w" is already registered/);
  assert.throws(() => new Bad("dot"), /contains a dot/);
});

Deno.test("parameters survive tidy; shared parameters are listed once", () => {
  const lin = tidy(() => new Linear(3, 2));
  assert.ok(!lin.weight.isDisposed && !lin.bias!.isDisposed);
  class Tied extends Module {
    a: Linear;
    b: Sequential;
    constructor() {
      super();
      this.a = this.child("a", lin);
      this.b = this.child("b", new Sequential(lin));
    }
    forward(x: Tensor): Tensor {
      return this.b.forward(this.a.forward(x));
    }
  }
  const t = new Tied();
  assert.deepEqual(t.namedParameters().map(([n]) => n), ["a.weight", "a.bias"]);
  assert.equal(t.stateDict().size, 4); // the state dict lists every path, like PyTorch
  lin.dispose();
});

Deno.test("train/eval switches recursively and changes dropout behaviour", () => {
  setSeed(3);
  const net = new Net();
  const x = tensor(randValues([5, 4]), [5, 4]);
  assert.ok(net.namedModules().every(([, m]) => m.training));
  net.eval();
  assert.ok(net.namedModules().every(([, m]) => !m.training));
  const a = net.forward(x).dataSync(), b = net.forward(x).dataSync();
  assert.deepEqual(a, b, "eval mode is deterministic");
  net.train();
  assert.ok(net.layers.at(1).norm.training && net.drop.training);
  const c = net.forward(x).dataSync();
  assert.notDeepEqual(c, a, "dropout changes the output in training");
  net.dispose();
  x.dispose();
});

Deno.test("every parameter gets a gradient; zeroGrad frees them", () => {
  const net = new Net();
  net.eval();
  const x = tensor(randValues([6, 4]), [6, 4]);
  tidy(() => sum(square(net.forward(x))).backward());
  for (const [name, p] of net.namedParameters()) {
    assert.ok(p.grad, `${name} has a gradient`);
    assert.deepEqual(p.grad!.shape, p.shape);
    assert.ok(p.grad!.dataSync().some((v) => v !== 0), `${name} gradient is not all zero`);
  }
  const grads = net.parameters().map((p) => p.grad!);
  net.zeroGrad();
  assert.ok(net.parameters().every((p) => p.grad === null));
  assert.ok(grads.every((g) => g.isDisposed));
  net.dispose();
  x.dispose();
});

Deno.test("setRequiresGrad freezes parameters (no gradient)", () => {
  const lin = new Linear(3, 2);
  lin.setRequiresGrad(false);
  assert.equal(lin.numParameters(true), 0);
  assert.equal(lin.numParameters(), 8);
  const x = tensor(randValues([2, 3]), [2, 3], { requiresGrad: true });
  tidy(() => sum(lin.forward(x)).backward());
  assert.equal(lin.weight.grad, null);
  assert.ok(x.grad);
  lin.dispose();
  x.dispose();
});

Deno.test("loadStateDict copies in place; errors name missing, unexpected and mismatched keys", () => {
  const a = new Net(), b = new Net();
  const wBefore = b.head.weight;
  b.loadStateDict(a.stateDict());
  assert.equal(b.head.weight, wBefore, "tensors are kept, values copied");
  for (const [k, t] of a.stateDict()) assert.deepEqual(b.stateDict().get(k)!.dataSync(), t.dataSync(), k);

  const sd = new Map(a.stateDict());
  sd.delete("layers.0.fc.bias");
  const extra = zeros([2]);
  sd.set("layers.0.extra", extra);
  assert.throws(
    () => b.loadStateDict(sd),
    (e: Error) =>
      /missing keys: layers\.0\.fc\.bias/.test(e.message) &&
      /unexpected keys: layers\.0\.extra/.test(e.message),
  );
  const res = b.loadStateDict(sd, { strict: false });
  assert.deepEqual(res, { missingKeys: ["layers.0.fc.bias"], unexpectedKeys: ["layers.0.extra"] });

  const wrong = new Map(a.stateDict());
  const bad = zeros([4, 3]);
  wrong.set("head.weight", bad);
  assert.throws(
    () => b.loadStateDict(wrong),
    /shape mismatch for head\.weight \(expected \[3, 4\], got \[4, 3\]\)/,
  );
  a.dispose();
  b.dispose();
  extra.dispose();
  bad.dispose();
});

Deno.test("copyFrom deep-copies weights: later changes to the source do not leak", () => {
  const src = new MLP([3, 5, 2], { norm: "batch" });
  const dst = new MLP([3, 5, 2], { norm: "batch" });
  dst.copyFrom(src);
  const x = tensor(randValues([4, 3]), [4, 3]);
  src.eval();
  dst.eval();
  assert.deepEqual(dst.forward(x).dataSync(), src.forward(x).dataSync());
  const w = src.at(0) as Linear;
  w.weight.backend.write(w.weight.storage, new Float32Array(15).fill(7));
  assert.notDeepEqual((dst.at(0) as Linear).weight.dataSync(), w.weight.dataSync());
  assert.ok(dst.parameters().every((p, i) => p !== src.parameters()[i]));
  src.dispose();
  dst.dispose();
  x.dispose();
});

Deno.test("dispose frees every parameter and buffer", () => {
  const before = numLiveTensors();
  const net = new Net();
  assert.ok(numLiveTensors() > before);
  net.dispose();
  assert.equal(numLiveTensors(), before);
});

Deno.test("saveModule/loadModule round trip through safetensors with metadata", () => {
  const dir = Deno.makeTempDirSync();
  try {
    setSeed(11);
    const a = new MLP([4, 6, 3], { norm: "batch" });
    // make the running stats non-trivial
    tidy(() => a.forward(tensor(randValues([8, 4]), [8, 4])));
    const path = `${dir}/sub/model.safetensors`;
    saveModule(path, a, { step: "12" });
    const file = loadSafetensors(path);
    assert.deepEqual(Object.keys(file.tensors).sort(), [...a.stateDict().keys()].sort());
    assert.deepEqual(file.tensors["1.running_mean"].shape, [6]);
    setSeed(12);
    const b = new MLP([4, 6, 3], { norm: "batch" });
    const res = loadModule(path, b);
    assert.deepEqual(res.metadata, { step: "12" });
    for (const [k, t] of a.stateDict()) assertClose(b.stateDict().get(k)!.dataSync(), t.dataSync(), 0, 0, k);
    // a module of another shape fails with the file and key named
    const c = new MLP([4, 7, 3], { norm: "batch" });
    assert.throws(
      () => loadModule(path, c),
      (e: Error) => e.message.includes(path) && e.message.includes("0.weight"),
    );
    // metadata-free linear module, missing file
    assert.throws(() => loadModule(`${dir}/nope.safetensors`, c), /nope\.safetensors/);
    for (const m of [a, b, c]) m.dispose();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a Linear module computes x Wᵀ + b like the functional op", () => {
  const lin = new Linear(3, 2);
  const x = tensor(randValues([4, 3]), [4, 3]);
  assert.deepEqual(lin.forward(x).dataSync(), linear(x, lin.weight, lin.bias).dataSync());
  lin.dispose();
  x.dispose();
});

Deno.test("loadStateDict with allowUnitAxes takes a shape that differs only by size-1 axes (older files)", () => {
  class Holder extends Module {
    readonly token: Tensor;
    constructor() {
      super();
      this.token = this.param("token", tensor([0, 0, 0], [1, 1, 3]));
    }
    forward(x: Tensor): Tensor {
      return x;
    }
  }
  const m = new Holder();
  const old = new Map([["token", tensor([1, 2, 3], [3])]]);
  assert.throws(() => m.loadStateDict(old), /shape mismatch for token \(expected \[1, 1, 3\], got \[3\]\)/);
  m.loadStateDict(old, { allowUnitAxes: true });
  assert.deepEqual([...m.token.dataSync()], [1, 2, 3]);
  assert.deepEqual(m.token.shape, [1, 1, 3]);
  assert.throws(
    () => m.loadStateDict(new Map([["token", tensor([1, 2, 3, 4], [4])]]), { allowUnitAxes: true }),
    /shape mismatch/,
  );
});
