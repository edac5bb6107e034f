#!/usr/bin/env bash
# The GPU check of issue 10, in one run on a GPU box with PyTorch and CUDA but no .NET and no network.
# Prepare the bundle on the build machine first (tools/gpu/pack.sh), then, on the GPU box, from the repo root:
#
#   bash tools/gpu/gpu-check.sh [BUNDLE_DIR=.gpu] [REPORT_DIR=$OUT or /tmp/cqil-gpu-report]
#
# It finds the PyTorch installation's libtorch and CUDA libraries, makes the self-contained `cqil` (built with
# TorchBackend=external) bind to them through LD_LIBRARY_PATH, and runs, each step on its own time limit so one
# failure does not hide the rest: a symbol check of libLibTorchSharp.so against that libtorch; `cqil doctor` on the
# CPU and on cuda:0; `cqil generate` on stories260K on cuda:0 and the CPU, compared with the build machine's ids;
# `cqil bench` of a random LLaMA-7B shape (bf16) against the S12-E30-P2 plan, fused mode; and the same shapes
# timed in eager PyTorch (tools/gpu/torch_peer.py). Writes log.txt, symbols.txt, generate-{cuda,cpu-here}.json,
# bench.json, peer.json, report.json and report.md (tools/gpu/summarize.py) into the report folder: eight files,
# the most the device tool brings back. Every command and its output is in log.txt.
GPU_SCRIPT="GPU check"
source "$(cd "$(dirname "$0")" && pwd)/env.sh"

# Which C++ symbols TorchSharp's native library (built for libtorch 2.10) does not find in this libtorch. The
# loader binds functions lazily, so a missing one only fails when called; a missing data symbol fails the load.
{
  echo "# undefined symbols of libLibTorchSharp.so against $torch_lib (PyTorch $torch_version), ldd -r"
  ldd -r "$app/cqil/libLibTorchSharp.so" 2>&1 | grep -E "undefined symbol|not found" | sed 's/^\s*//' | (command -v c++filt >/dev/null && c++filt || cat)
} > "$report/symbols.txt" 2>&1
say "undefined symbols: $(grep -c '^undefined symbol' "$report/symbols.txt") (list in symbols.txt)"

scratch=/tmp/cqil-gpu-steps   # intermediate files: at most 8 files come back from the report folder
rm -rf "$scratch"; mkdir -p "$scratch"
step doctor-cpu 120 bash -o pipefail -c "'$cqil' doctor --device cpu --json | tee '$scratch/doctor-cpu.json'"
step doctor-cuda 120 bash -o pipefail -c "'$cqil' doctor --device cuda --json | tee '$scratch/doctor-cuda.json'"

gen=(generate --model "$bundle/stories260K.bin" --tokenizer "$bundle/tok512.bin" --dtype f32 --max-new-tokens 64 --prompt "Once upon a time" --json)
step generate-cuda 120 sh -c "'$cqil' $(printf "'%s' " "${gen[@]}") --device cuda > '$report/generate-cuda.json'"
step generate-cpu 120 sh -c "'$cqil' $(printf "'%s' " "${gen[@]}") --device cpu > '$report/generate-cpu-here.json'"
cat "$report"/generate-*.json >> "$log" 2>/dev/null

# Both engines are timed in separate processes, so they alternate (cqil, PyTorch, cqil, PyTorch ...) for
# CQIL_GPU_ROUNDS rounds (default 1): host drift then hits both. Round 1's files come back as bench.json and
# peer.json; every round's numbers go into report.json. CQIL_GPU_PROJECTION=1 also profiles unit times and prints
# the projection to P devices (costs ~20 s per round).
projection=--no-projection; [ -n "${CQIL_GPU_PROJECTION:-}" ] && projection=
shape=(--prompt-len 128 --batch 1 --decode-tokens 32 --warmup 2 --reps "${CQIL_GPU_REPS:-10}")
for round in $(seq 1 "${CQIL_GPU_ROUNDS:-1}"); do
  step "bench-$round" 240 "$cqil" bench --model random:llama-7b --dtype bf16 --device cuda --plan LLaMA-7B-S12-E30-P2-D0 --mode fused \
    "${shape[@]}" $projection --out "$scratch/bench-$round.json"
  step "peer-$round" 200 python3 "$here/torch_peer.py" --layers 32 --hidden 4096 --heads 32 --ffn 11008 --vocab 32000 --dtype bf16 \
    --start 12 --end 30 --group 2 "${shape[@]}" --out "$scratch/peer-$round.json"
done
# CQIL_GPU_KERNEL_TIME=1: how much of each step's wall time the GPU spends in kernels (tools/gpu/kernel_time.py).
if [ -n "${CQIL_GPU_KERNEL_TIME:-}" ]; then
  step kernel-time 200 python3 "$here/kernel_time.py" --layers 32 --hidden 4096 --heads 32 --ffn 11008 --vocab 32000 --dtype bf16 \
    --start 12 --end 30 --group 2 --prompt-len 128 --batch 1 --out "$scratch/kernel-time.json"
fi
cp "$scratch/bench-1.json" "$report/bench.json" 2>/dev/null
cp "$scratch/peer-1.json" "$report/peer.json" 2>/dev/null

steps=$(for k in "${order[@]}"; do printf '"%s": {"exit": %s, "seconds": %s}, ' "$k" "${rc[$k]}" "${secs[$k]}"; done)
echo "{${steps%, }}" > "$scratch/steps.json"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > "$scratch/gpu.txt" 2>/dev/null
python3 "$here/summarize.py" "$report" "$scratch" "$bundle/generate-cpu.json" "$torch_version" "$torch_cuda" >> "$log" 2>&1
say "done"
tail -n 40 "$report/report.md" 2>/dev/null
