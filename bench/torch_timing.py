"""Timing loop shared by the PyTorch baseline scripts (the twin of bench/harness.ts' timeIt)."""

import time


def time_it(fn, repeats, min_repeat_ms, warmup_ms):
    """Warm up, size the inner loop to about min_repeat_ms, return median ms per call over `repeats`."""
    calls = 0
    w0 = time.perf_counter()
    while calls < 2 or (time.perf_counter() - w0) * 1e3 < warmup_ms:
        fn()
        calls += 1
    per_call = (time.perf_counter() - w0) * 1e3 / calls
    iters = max(1, int(-(-min_repeat_ms // max(per_call, 1e-6))))
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(iters):
            fn()
        samples.append((time.perf_counter() - t0) * 1e3 / iters)
    samples.sort()
    return {
        "median_ms": samples[len(samples) // 2],
        "min_ms": samples[0],
        "max_ms": samples[-1],
        "iters": iters,
        "repeats": repeats,
    }
