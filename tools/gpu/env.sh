#!/usr/bin/env bash
# Shared by tools/gpu/gpu-check.sh and tools/gpu/gpu-capabilities.sh (sourced, not run): the report folder and its
# log, `step` (a command on a time limit, its output in the log), and the binding of the self-contained `cqil` to
# the PyTorch installation's libtorch and CUDA libraries. Expects $1 = bundle folder, $2 = report folder.
set -u
here=$(cd "$(dirname "$0")" && pwd)
bundle=$(realpath "${1:-.gpu}")
report=${2:-${OUT:-/tmp/cqil-gpu-report}}
mkdir -p "$report"
log="$report/log.txt"
: > "$log"
say() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$log"; }
# step NAME SECONDS COMMAND...: runs with a limit, appends its output to the log, records rc and seconds.
declare -A rc secs
order=()
step() {
  local name=$1 limit=$2; shift 2
  order+=("$name")
  say "== $name: $*"
  local t0=$(date +%s.%N)
  timeout --kill-after=10 "$limit" "$@" >> "$log" 2>&1
  rc[$name]=$?
  secs[$name]=$(python3 -c "print(round($(date +%s.%N) - $t0, 1))")
  say "== $name: exit ${rc[$name]} after ${secs[$name]} s"
}

say "${GPU_SCRIPT:-GPU run}, bundle $bundle, report $report"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv >> "$log" 2>&1
{ uname -a; grep PRETTY_NAME /etc/os-release; nproc; } >> "$log" 2>&1

# PyTorch's own libraries: libtorch*.so in torch/lib, and the CUDA runtime libraries it ships as nvidia-* wheels.
eval "$(python3 - <<'PY'
import glob, os, torch
lib = os.path.join(os.path.dirname(torch.__file__), "lib")
site = os.path.dirname(os.path.dirname(torch.__file__))
nvidia = sorted({os.path.dirname(p) for p in glob.glob(os.path.join(site, "nvidia", "**", "lib*.so*"), recursive=True)})
print(f"torch_lib={lib!r}; torch_version={torch.__version__!r}; torch_cuda={str(torch.version.cuda)!r}")
print(f"nvidia_libs={':'.join(nvidia)!r}")
PY
)"
say "PyTorch $torch_version (CUDA $torch_cuda), libtorch at $torch_lib"
{ ls "$torch_lib"; python3 -c "import torch; print('cxx11 abi', torch._C._GLIBCXX_USE_CXX11_ABI)"; command -v g++ cmake nvcc c++filt;
  ls "$(dirname "$torch_lib")/include" | head -5; } >> "$log" 2>&1
export LD_LIBRARY_PATH="$torch_lib${nvidia_libs:+:$nvidia_libs}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 CQIL_DEBUG=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
export CQIL_GIT_COMMIT=$(head -1 "$bundle/commit.txt")
say "cqil built from $(tr '\n' ' ' < "$bundle/commit.txt")"

app=/tmp/cqil-gpu
rm -rf "$app"; mkdir -p "$app"
step unpack 120 sh -c "tar -xJf '$bundle/cqil.tar.xz' -C '$app' 2>/dev/null || python3 -c \"import tarfile; tarfile.open('$bundle/cqil.tar.xz').extractall('$app')\""
cqil="$app/cqil/cqil"

