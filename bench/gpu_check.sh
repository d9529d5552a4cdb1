#!/usr/bin/env bash
# The GPU checks (issue 13) as one script for one H100/H200, about 8 minutes: the CUDA conformance suite and
# the device-side tests (with device memory over 1,000 training steps), then the InfMasking step on the MOSI
# and the Trifeatures 224 px configurations beside PyTorch eager on the same GPU, then short
# Trifeatures runs (64 px) of InfMasking and Cross with the probe. Each part writes OUT/<part>.txt as it
# finishes and OUT/<part>.done when it passed, so a rerun with the same OUT skips what passed.
#
# Usage (in the repository root on the GPU machine):
#   bash bench/gpu_check.sh [OUT]          OUT defaults to $OUT (the device tool's result folder) or /tmp/gpu_check
# Deno: the one on PATH, else .device/deno.xz (an xz-compressed deno 2.9.6 binary carried in the ignored
# .device/ folder). PyTorch: $MMSSL_TORCH_PYTHON, default python3 (the device image's own, with CUDA torch).
# Budget per part: $PART_LIMIT seconds (default 150); the Trifeatures runs get $TRI_EPOCHS epochs (default 2).
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-${OUT:-/tmp/gpu_check}}
mkdir -p "$out"

if ! command -v deno >/dev/null 2>&1; then
  if [[ -f .device/deno.xz ]]; then
    xz -dc .device/deno.xz >/tmp/deno && chmod +x /tmp/deno && export PATH="/tmp:$PATH"
  else
    echo "no deno on PATH and no .device/deno.xz: nothing can run" | tee "$out/summary.txt"
    exit 1
  fi
fi
export MMSSL_TORCH_PYTHON=${MMSSL_TORCH_PYTHON:-python3}
export NO_COLOR=1
limit=${PART_LIMIT:-150}
epochs=${TRI_EPOCHS:-2}

{
  date -u +%FT%TZ
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -n 1
  deno --version | head -n 1
  git rev-parse --short HEAD 2>/dev/null || echo "(no git)"
} >"$out/machine.txt"

# part NAME COMMAND...: runs once per OUT, records its output, its time and whether it passed.
part() {
  local name=$1
  shift
  if [[ -e "$out/$name.done" ]]; then
    echo "skip $name (passed before)"
    return
  fi
  echo "== $name"
  local t0=$SECONDS
  timeout "$limit" "$@" >"$out/$name.txt" 2>&1
  local rc=$?
  local secs=$((SECONDS - t0))
  if [[ $rc -eq 0 ]]; then
    touch "$out/$name.done"
    echo "$name passed in ${secs} s" | tee -a "$out/summary.txt"
  else
    echo "$name FAILED (exit $rc, ${secs} s; 124 = over ${limit} s)" | tee -a "$out/summary.txt"
    tail -n 15 "$out/$name.txt"
  fi
}

# 1. Every primitive and gradient against the CPU backend, the device masks, dropout and image augmentation.
part conformance deno test -P=test tests/cuda_backend_test.ts tests/cuda_autograd_test.ts \
  tests/models_device_masks_test.ts tests/data_augment_image_tensor_test.ts tests/kernels_cuda_test.ts \
  tests/backend_native_test.ts tests/train_resident_test.ts tests/train_memory_test.ts

# 2. One InfMasking step on the MOSI configuration, ours and PyTorch eager on the same GPU; device pool bytes.
part mosi_step deno run -A bench/mosi_step.ts --backend cuda --steps 20 --warmup 3

# 2b. The same step on the Trifeatures 224 px configuration (AlexNet features encoders, K 6), beside PyTorch.
part trifeatures_step deno run -A bench/mosi_step.ts --config trifeatures --backend cuda --steps 10 --warmup 2

# 2c. Mask sampling on the device against its copy bandwidth.
part mask_sampling deno run -A bench/mask_sampling.ts --backend cuda

# 3. Trifeatures at 64 px, InfMasking and Cross, a few epochs each, with the probe (R/U/S) and samples/s.
tri_config="$out/trifeatures_64.json"
echo '{"data": {"options": {"size": 64}}, "run": {"epochs": '"$epochs"'}}' >"$tri_config"
for method in infmasking cross; do
  part "trifeatures_$method" deno task train -- --dataset trifeatures --method "$method" --backend cuda \
    --config "$tri_config" --out "$out/trifeatures_$method"
done

echo "summary in $out/summary.txt"
cat "$out/summary.txt"
