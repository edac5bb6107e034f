#!/usr/bin/env bash
# Beyond the GPU check: does every capability give the same answer on cuda:0 as on the CPU? On a GPU box with
# PyTorch (bundle from tools/gpu/pack.sh), from the repo root:
#
#   bash tools/gpu/gpu-capabilities.sh [BUNDLE_DIR=.gpu] [REPORT_DIR=$OUT or /tmp/cqil-gpu-report]
#
# With the same binary on the same box, once on the CPU and once on cuda:0 (float32): `cqil analyze` of stories260K
# (layer-input similarity over the TinyStories sample), `cqil eval` of stories260K on PIQA (1838 items) unchanged
# and under a fused CQIL plan, `cqil fidelity` of that plan against the unchanged model, and `cqil generate` with TinyStories-656K (Hugging Face safetensors and
# tokenizer.json). tools/gpu/compare_capabilities.py then writes capabilities.json and capabilities.md; every raw
# output is in raw.tar.gz and every command in log.txt.
GPU_SCRIPT="GPU capabilities"
source "$(cd "$(dirname "$0")" && pwd)/env.sh"

raw=/tmp/cqil-gpu-raw
rm -rf "$raw"; mkdir -p "$raw"
stories=(--model "$bundle/stories260K.bin" --tokenizer "$bundle/tok512.bin" --dtype f32)
for device in cpu cuda; do
  step "analyze-$device" 120 "$cqil" analyze "${stories[@]}" --device "$device" --data "$bundle/tinystories_sample.txt" \
    --samples 8 --seq-len 64 --no-cache --out "$raw/analyze-$device.json"
  step "eval-$device" 240 "$cqil" eval "${stories[@]}" --device "$device" --task piqa --data "$bundle/piqa/valid.jsonl" \
    --quiet --out "$raw/eval-$device.json"
  step "eval-plan-$device" 240 "$cqil" eval "${stories[@]}" --device "$device" --task piqa --data "$bundle/piqa/valid.jsonl" \
    --plan X-S1-E3-P2-D0 --mode fused --quiet --out "$raw/eval-plan-$device.json"
  step "fidelity-$device" 120 "$cqil" fidelity "${stories[@]}" --device "$device" --plan X-S1-E3-P2-D0 --mode fused \
    --data "$bundle/tinystories_sample.txt" --seq-len 64 --windows 8 --out "$raw/fidelity-$device.json"
  step "generate-656k-$device" 120 sh -c "'$cqil' generate --model '$bundle/TinyStories-656K' --dtype f32 --device $device \
    --max-new-tokens 64 --prompt 'Once upon a time' --json > '$raw/generate-656k-$device.json'"
done
python3 "$here/compare_capabilities.py" "$raw" "$report" >> "$log" 2>&1
tar -czf "$report/raw.tar.gz" -C "$raw" .
say "done"
cat "$report/capabilities.md" 2>/dev/null
