"""PyTorch twin of bench/transformer_layer.ts: one pre-LN nn.TransformerEncoderLayer (d_model 40, 5 heads,
FFN 2048, ReLU, dropout 0, batch_first) on a [64, 50, 40] batch, forward + backward of sum(y * w) with a fixed
random w, timed like bench/harness.ts (median ms per iteration). Also times the forward alone.

Run: /tmp/tv/bin/python bench/torch_transformer_layer.py [--quick]
Prints one JSON object {"meta": {...}, "cases": {"layer_fwd_bwd": {...}, "layer_fwd": {...}}}.
"""

import json
import os
import sys

import torch
from torch_timing import time_it as shared_time_it

# 2 threads (the project's machines have 2 cores) unless MMSSL_TORCH_THREADS says otherwise; compare.ts
# passes the OpenBLAS thread count here so both sides use the same number.
torch.set_num_threads(int(os.environ.get("MMSSL_TORCH_THREADS", "2")))
torch.manual_seed(0)

QUICK = "--quick" in sys.argv
REPEATS = 3 if QUICK else 7
MIN_REPEAT_MS = 100.0 if QUICK else 300.0
WARMUP_MS = 200.0 if QUICK else 500.0

BATCH, TOKENS, WIDTH, HEADS, FFN = 64, 50, 40, 5, 2048


def time_it(fn):
    return shared_time_it(fn, REPEATS, MIN_REPEAT_MS, WARMUP_MS)


def main():
    layer = torch.nn.TransformerEncoderLayer(
        WIDTH, HEADS, dim_feedforward=FFN, dropout=0.0, activation="relu", batch_first=True, norm_first=True
    )
    layer.train()
    x = torch.randn(BATCH, TOKENS, WIDTH, requires_grad=True)
    w = torch.randn(BATCH, TOKENS, WIDTH)

    def step():
        layer.zero_grad(set_to_none=True)
        x.grad = None
        (layer(x) * w).sum().backward()

    def fwd():
        with torch.no_grad():
            layer(x)

    cases = {"layer_fwd_bwd": time_it(step), "layer_fwd": time_it(fwd)}
    meta = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "shape": [BATCH, TOKENS, WIDTH],
        "heads": HEADS,
        "ffn": FFN,
    }
    print(json.dumps({"meta": meta, "cases": cases}))


if __name__ == "__main__":
    main()
