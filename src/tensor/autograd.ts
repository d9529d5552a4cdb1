/**
 * Reverse-mode autodiff: ops record a GradNode; backward() walks the graph in reverse topological order and
 * calls each op's gradient function from the registry, accumulating gradients (summed over broadcasts).
 */
import { isGradEnabled, keep, noGrad, tidy } from "./engine.ts";
import { type GradNode, Tensor } from "./tensor.ts";
import { shapeStr } from "./shape.ts";

/**
 * A gradient function: given the upstream gradient of the op's output, return one gradient per input (null
 * where an input needs none). Each returned gradient has its input's shape.
 */
export type GradientFn = (gy: Tensor, node: GradNode, y: Tensor) => (Tensor | null)[];

const registry = new Map<string, GradientFn>();

/** Registers the gradient of an op by name (once per op). */
export function registerGradient(op: string, fn: GradientFn): void {
  if (registry.has(op)) throw new Error(`gradient for op "${op}" registered twice`);
  registry.set(op, fn);
}

/** Names of ops with a registered gradient. */
export function registeredGradients(): string[] {
  return [...registry.keys()];
}

/** Whether an op over these inputs records a node. */
export function needsGrad(inputs: Tensor[]): boolean {
  return isGradEnabled() && inputs.some((t) => t.requiresGrad);
}

/** The node to attach to an op's output (null when no input needs a gradient). */
export function record(
  op: string,
  inputs: Tensor[],
  saved: Tensor[] = [],
  attrs: Record<string, unknown> = {},
): GradNode | null {
  return needsGrad(inputs) ? { op, inputs, saved, attrs } : null;
}

function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<number>();
  // Iterative DFS (post-order) so deep graphs do not overflow the JS stack.
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root.id);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const inputs = t.node?.inputs ?? [];
    if (i < inputs.length) {
      top[1]++;
      const c = inputs[i];
      if (c.requiresGrad && !seen.has(c.id)) {
        seen.add(c.id);
        stack.push([c, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order;
}

/** A new tensor holding a + b (same size), made with backend primitives so autograd needs no op module. */
function addSame(a: Tensor, b: Tensor): Tensor {
  const out = a.backend.alloc(a.size);
  const strides = [1];
  a.backend.binary("add", a.storage, strides, b.storage, strides, out, [a.size]);
  return new Tensor(out, a.shape, a.backend);
}

function cloneOf(a: Tensor): Tensor {
  const out = a.backend.alloc(a.size);
  a.backend.copyStrided(a.storage, 0, [1], out, 0, [1], [a.size]);
  return new Tensor(out, a.shape, a.backend);
}

/**
 * Backpropagates from `root`. Without `gradOutput` the root must be a scalar (gradient 1); with it,
 * `gradOutput` must have root's size. Leaf tensors with requiresGrad receive (accumulate) `.grad`;
 * intermediate gradients are freed as they are consumed.
 *
 * @throws {Error} When root does not require grad, is not a scalar without `gradOutput`, or the sizes differ.
 *
 * @example
 * ```ts
 * import { backward, tensor } from "./mod.ts";
 * const w = tensor([1, 2, 3], [3], { requiresGrad: true });
 * backward(w.mul(w).sum()); // same as .backward()
 * console.log(w.grad?.dataSync()); // Float32Array [2, 4, 6]
 * ```
 */
export function backward(root: Tensor, gradOutput?: Tensor): void {
  if (!root.requiresGrad) throw new Error(`backward(): tensor ${shapeStr(root.shape)} does not require grad`);
  if (!gradOutput && root.size !== 1) {
    throw new Error(
      `backward(): called on a non-scalar tensor of shape ${shapeStr(root.shape)}; pass a gradient`,
    );
  }
  if (gradOutput && gradOutput.size !== root.size) {
    throw new Error(
      `backward(): gradient ${shapeStr(gradOutput.shape)} does not match ${shapeStr(root.shape)}`,
    );
  }
  // Everything made while backpropagating, other than the leaves' gradients (kept), is freed at the end.
  tidy(() =>
    noGrad(() => {
      const order = topoOrder(root);
      const grads = new Map<number, Tensor>();
      const seed = gradOutput
        ? cloneOf(gradOutput)
        : new Tensor(root.backend.fromHost(new Float32Array([1])), root.shape, root.backend);
      grads.set(root.id, seed);
      for (let i = order.length - 1; i >= 0; i--) {
        const t = order[i];
        const g = grads.get(t.id);
        if (!g) continue;
        grads.delete(t.id);
        if (!t.node) {
          if (t.grad) {
            const sum = addSame(t.grad, g);
            t.grad.dispose();
            g.dispose();
            t.grad = keep(sum);
          } else {
            t.grad = keep(g);
          }
          continue;
        }
        const node = t.node;
        const fn = registry.get(node.op);
        if (!fn) throw new Error(`backward(): op "${node.op}" has no registered gradient`);
        const inGrads = fn(g, node, t);
        const used = new Set<Tensor>();
        node.inputs.forEach((inp, k) => {
          let gi = inGrads[k];
          if (!gi || !inp.requiresGrad) return;
          if (gi.size !== inp.size) {
            throw new Error(
              `backward(): gradient of op "${node.op}" input ${k} has shape ${shapeStr(gi.shape)}, ` +
                `expected ${shapeStr(inp.shape)}`,
            );
          }
          if (used.has(gi)) gi = cloneOf(gi); // the same tensor returned for two inputs
          used.add(gi);
          const prev = grads.get(inp.id);
          if (prev) {
            grads.set(inp.id, addSame(prev, gi));
            prev.dispose();
            gi.dispose();
          } else grads.set(inp.id, gi);
        });
        for (const gi of inGrads) if (gi && !used.has(gi) && gi !== g) gi.dispose();
        if (!used.has(g)) g.dispose();
      }
    })
  );
}
