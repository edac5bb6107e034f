#!/usr/bin/env bash
# Builds, on the build machine, what tools/gpu/gpu-check.sh needs on a GPU box that has PyTorch but no .NET:
# a self-contained `cqil` (linux-x64, .NET runtime included, no libtorch: TorchBackend=external, so TorchSharp
# binds to the box's own PyTorch libtorch), xz-compressed to stay far below the 64 MiB that may travel; the
# stories260K checkpoint and tokenizer from ../shared (never committed: the bundle folder is git-ignored); and the
# ids `cqil generate` produces for them on this machine's CPU, which the GPU must reproduce; and, for
# tools/gpu/gpu-capabilities.sh, PIQA, TinyStories-656K and the TinyStories sample.
#
#   tools/gpu/pack.sh [BUNDLE_DIR=.gpu]      (needs the .NET SDK; reads CQIL_SHARED_DIR or ../shared)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
bundle=$(realpath -m "${1:-$repo/.gpu}")
shared=${CQIL_SHARED_DIR:-$repo/../shared}
work=$(mktemp -d /tmp/cqil-gpu-pack.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$bundle"

# A copy of the tracked and untracked-but-not-ignored sources, so the external-backend restore and build do not
# disturb this checkout's obj/ folders (restore state is per backend).
(cd "$repo" && git ls-files -co --exclude-standard | grep -v '^models/' | tar -cf - -T -) | tar -xf - -C "$work" --one-top-level=src
dotnet publish "$work/src/Cqil.Lab.Cli" -c Release -r linux-x64 --self-contained -p:TorchBackend=external -o "$work/cqil" -nologo -v quiet
if ls "$work/cqil" | grep -q '^libtorch_cpu'; then
  echo "pack.sh: the external build must not carry libtorch itself" >&2; exit 1
fi
tar -cJf "$bundle/cqil.tar.xz" -C "$work" cqil

# Data and the CPU's answer for the same-ids check (greedy, float32, this machine's CPU build).
cp "$shared/data/stories260K/stories260K.bin" "$shared/data/stories260K/tok512.bin" "$shared/data/tinystories/tinystories_sample.txt" "$bundle/"
mkdir -p "$bundle/piqa" "$bundle/TinyStories-656K"     # for tools/gpu/gpu-capabilities.sh
cp "$shared/data/piqa/valid.jsonl" "$shared/data/piqa/valid-labels.lst" "$bundle/piqa/"
cp "$shared/data/TinyStories-656K/"* "$bundle/TinyStories-656K/"
(cd "$repo" && dotnet build Cqil.Lab.Cli -c Release -nologo -v quiet >/dev/null)
"$repo/Cqil.Lab.Cli/bin/Release/net10.0/cqil" generate --model "$bundle/stories260K.bin" --tokenizer "$bundle/tok512.bin" \
  --device cpu --dtype f32 --max-new-tokens 64 --prompt "Once upon a time" --json > "$bundle/generate-cpu.json"
(cd "$repo" && git rev-parse HEAD) > "$bundle/commit.txt"
if [ -n "$(cd "$repo" && git status --porcelain --untracked-files=no)" ]; then echo "+ uncommitted changes" >> "$bundle/commit.txt"; fi
du -sh "$bundle"/*
