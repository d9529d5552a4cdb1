/**
 * Registers the CUDA backend as "cuda". Importing this module never touches the GPU or loads a library:
 * the factory runs only when "cuda" (or "auto") is selected, and throws a one-line "CUDA unavailable: ..."
 * error naming what is missing.
 */
import { registerBackend } from "../registry.ts";
import { CudaBackend } from "./cuda_backend.ts";

registerBackend("cuda", () => new CudaBackend());
