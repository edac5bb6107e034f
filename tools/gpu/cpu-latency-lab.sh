#!/usr/bin/env bash
# Issue 6's two CPU scenarios (the `latency-lab` benchmark) on the device box's CPU, restricted to two physical
# cores: a second 2-core machine to set beside the build VM, whose CPU changed under the issue (Zen 5 with
# AVX-512 when it was written, Zen 3 with AVX2 since). The box has no .NET, so the scenarios run through the packed
# `cqil bench` (tools/gpu/pack.sh) with the same shapes, seed, plan, modes and repetitions as
#   dotnet run -c Release --project Cqil.Lab.Benchmarks -- latency-lab
# i.e. a random 12-layer model, plan S3-E9-P2-D0 (ideal 25% fewer layer steps), fused and concurrent against the
# baseline at its own fastest thread count, (A) batch-1 decode at hidden 512, (B) 1x256 prefill at hidden 256.
#
#   bash tools/gpu/cpu-latency-lab.sh [BUNDLE_DIR=.gpu] [REPORT_DIR=$OUT]     (CQIL_CPU_ROUNDS, default 2)
#
# Before the scenarios it checks that the two CPUs really are two cores: one-thread float32 products in PyTorch,
# alone and on both CPUs at once (SMT siblings would halve each other).
GPU_SCRIPT="CPU latency lab"
source "$(cd "$(dirname "$0")" && pwd)/env.sh"
{ lscpu; } >> "$log" 2>&1

# Two CPUs of one package on distinct physical cores, from sysfs.
pair=$(python3 - <<'PY'
import glob, os
seen = {}
for path in sorted(glob.glob("/sys/devices/system/cpu/cpu[0-9]*"), key=lambda p: int(p.rsplit("cpu", 1)[1])):
    cpu = int(path.rsplit("cpu", 1)[1])
    if cpu not in os.sched_getaffinity(0):
        continue
    read = lambda name: open(f"{path}/topology/{name}").read().strip()
    seen.setdefault(read("physical_package_id"), {}).setdefault(read("core_id"), cpu)
cores = max(seen.values(), key=len)
print(",".join(str(c) for c in list(cores.values())[:2]))
PY
)
say "CPUs used: $pair (distinct physical cores per sysfs)"
first=${pair%%,*}; second=${pair##*,}

cat > /tmp/cqil-mm-rate.py <<'PY'
import time, torch
torch.set_num_threads(1)
a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
for _ in range(3): a @ b
t, n = time.perf_counter(), 0
while time.perf_counter() - t < 2: a @ b; n += 1
print(f"{n * 2 * 1024**3 / (time.perf_counter() - t) / 1e9:.1f} GFLOP/s")
PY
step cores-alone 30 taskset -c "$first" python3 /tmp/cqil-mm-rate.py
step cores-together 30 bash -c "taskset -c $first python3 /tmp/cqil-mm-rate.py & taskset -c $second python3 /tmp/cqil-mm-rate.py; wait"

reps=${CQIL_CPU_REPS:-12}
for round in $(seq 1 "${CQIL_CPU_ROUNDS:-2}"); do
  step "A-$round" 200 taskset -c "$pair" "$cqil" bench --model random:layers=12,hidden=512,ffn=1408,heads=8,vocab=4096,seed=7 \
    --plan X-S3-E9-P2-D0 --mode fused,concurrent --prompt-len 32 --decode-tokens 48 --warmup 2 --reps "$reps" --out "$report/A-$round.json"
  step "B-$round" 200 taskset -c "$pair" "$cqil" bench --model random:layers=12,hidden=256,ffn=704,heads=4,vocab=4096,seed=7 \
    --plan X-S3-E9-P2-D0 --mode fused,concurrent --prompt-len 256 --decode-tokens 0 --warmup 2 --reps "$reps" --out "$report/B-$round.json"
done
say "done"
grep -E "GFLOP/s|^\| (baseline|fused|concurrent) |Ceiling|^\| (prefill|decode/token) \| (fused|concurrent), this" "$log"
