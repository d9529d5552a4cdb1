/**
 * The active backend. `setBackend("auto")` picks CUDA when a GPU and its libraries load, else the CPU.
 * Backends register a factory here so this module never imports a device's code eagerly.
 */
import type { Backend } from "./backend.ts";
import { createCpuBackend } from "./native/native_cpu_backend.ts";
import { CudaBackend } from "./cuda/cuda_backend.ts";

/** Names accepted by setBackend. */
export type BackendName = "cpu" | "cuda" | "gpujs" | "auto";

/** Makes a backend instance; called once, on the first use of its name. */
export type Factory = () => Backend;
const factories = new Map<string, Factory>();
const instances = new Map<string, Backend>();
let current: Backend | null = null;

/**
 * Registers a backend factory under a name (called by device modules when imported). Registering a name
 * again replaces its factory and forgets the instance made by the old one, so the next setBackend(name)
 * calls the new factory.
 */
export function registerBackend(name: string, factory: Factory): void {
  factories.set(name, factory);
  instances.delete(name);
}

// The built-in backends, in one place. Creating the registry loads no device library: a factory runs on the
// first use of its name, and the CUDA one throws a one-line "CUDA unavailable: ..." when something is missing.
registerBackend("cpu", () => createCpuBackend());
registerBackend("cuda", () => new CudaBackend());
// gpu.js loads asynchronously: `await useGpuJsBackend()` (src/backend/gpujs) replaces this factory.
registerBackend("gpujs", () => {
  throw new Error('gpujs backend not loaded: call "await useGpuJsBackend()" before setBackend("gpujs")');
});

function instance(name: string): Backend {
  let b = instances.get(name);
  if (!b) {
    const f = factories.get(name);
    if (!f) throw new Error(`unknown backend "${name}" (registered: ${[...factories.keys()].join(", ")})`);
    b = f();
    instances.set(name, b);
  }
  return b;
}

/**
 * Selects the backend for new tensors. "auto" tries CUDA and falls back to the CPU with one line on stderr.
 * Throws when "cuda" is asked for explicitly and cannot start.
 */
export function setBackend(name: BackendName): void {
  if (name === "auto") {
    if (factories.has("cuda")) {
      try {
        current = instance("cuda");
        return;
      } catch (e) {
        console.error(
          `[mmssl] using the CPU: ${e instanceof Error ? e.message.split("\n")[0] : e}`,
        );
      }
    }
    current = instance("cpu");
    return;
  }
  current = instance(name);
}

/** The name of the active backend ("cpu" unless set otherwise). */
export function getBackend(): string {
  return backend().name;
}

/** The active backend object. */
export function backend(): Backend {
  if (!current) current = instance("cpu");
  return current;
}
