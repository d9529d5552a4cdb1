"""PyTorch twins of the engine benchmarks (bench/cases.ts), timed like bench/harness.ts.

Run: /tmp/tv/bin/python bench/torch_baselines.py [--quick]
Prints one JSON object: {"meta": {...}, "cases": {name: {"median_ms", "min_ms", "max_ms", "iters", "repeats",
"gflops"?}}}. Uses 2 threads (the project's machines have 2 cores); never run it at the same time as Deno
benchmarks.
"""

import json
import os
import sys

import numpy as np
import torch
from torch_timing import time_it as shared_time_it

# 2 threads (the project's machines have 2 cores) unless MMSSL_TORCH_THREADS says otherwise; compare.ts
# passes the OpenBLAS thread count here so both sides use the same number.
torch.set_num_threads(int(os.environ.get("MMSSL_TORCH_THREADS", "2")))
torch.manual_seed(0)

QUICK = "--quick" in sys.argv
REPEATS = 3 if QUICK else 7
MIN_REPEAT_MS = 30.0 if QUICK else 100.0
WARMUP_MS = 50.0 if QUICK else 200.0


LAYER_GEMMS = [
    (3200, 2048, 40, False, True),
    (3200, 40, 2048, False, True),
    (3200, 2048, 40, False, False),
    (40, 2048, 3200, True, False),
    (3200, 40, 2048, False, False),
    (2048, 40, 3200, True, False),
]


def time_it(fn):
    return shared_time_it(fn, REPEATS, MIN_REPEAT_MS, WARMUP_MS)


def main():
    cases = {}
    with torch.no_grad():
        for n in (256, 512, 1024, 2048):
            a, b = torch.randn(n, n), torch.randn(n, n)
            c = torch.empty(n, n)
            r = time_it(lambda: torch.mm(a, b, out=c))
            r["gflops"] = 2 * n**3 / (r["median_ms"] * 1e6)
            cases[f"sgemm_{n}"] = r

        # numpy's a @ b into a preallocated output (its own bundled OpenBLAS)
        rng = np.random.default_rng(0)
        for n in (256, 512, 1024, 2048):
            a = rng.standard_normal((n, n), dtype=np.float32)
            b = rng.standard_normal((n, n), dtype=np.float32)
            c = np.empty((n, n), dtype=np.float32)
            r = time_it(lambda: np.matmul(a, b, out=c))
            r["gflops"] = 2 * n**3 / (r["median_ms"] * 1e6)
            cases[f"numpy_sgemm_{n}"] = r

        # The six large GEMMs of one transformer-layer step (bench/cases.ts LAYER_GEMMS); transposed operands
        # are views, as in our backend.
        for m, n, k, ta, tb in LAYER_GEMMS:
            a = torch.randn(k, m).t() if ta else torch.randn(m, k)
            b = torch.randn(n, k).t() if tb else torch.randn(k, n)
            c = torch.empty(m, n)
            r = time_it(lambda: torch.mm(a, b, out=c))
            r["gflops"] = 2 * m * n * k / (r["median_ms"] * 1e6)
            cases[f"gemm_m{m}_n{n}_k{k}_{'T' if ta else 'N'}{'T' if tb else 'N'}"] = r

        n = 1 << 20
        x, y = torch.randn(n), torch.randn(n)
        cases["add_1M"] = time_it(lambda: torch.add(x, y))
        cases["mul_1M"] = time_it(lambda: torch.mul(x, y))
        cases["exp_1M"] = time_it(lambda: torch.exp(x))
        cases["gelu_1M"] = time_it(lambda: torch.nn.functional.gelu(x))

        a4, b4 = torch.randn(4), torch.randn(4)
        cases["small_add_4"] = time_it(lambda: torch.add(a4, b4))
        a1, b1, c1 = torch.randn(1, 1), torch.randn(1, 1), torch.empty(1, 1)
        cases["matmul_1x1x1_backend"] = time_it(lambda: torch.mm(a1, b1, out=c1))
        cases["matmul_1x1x1_op"] = time_it(lambda: torch.matmul(a1, b1))

    meta = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "numpy": np.__version__,
        "note": "sgemm uses torch.mm(out=) (no allocation); elementwise/small ops allocate their output",
    }
    print(json.dumps({"meta": meta, "cases": cases}))


if __name__ == "__main__":
    main()
