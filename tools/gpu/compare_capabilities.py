#!/usr/bin/env python3
"""Compares what tools/gpu/gpu-capabilities.sh got on the CPU and on cuda:0 (same binary, same box, float32).

usage: compare_capabilities.py RAW_DIR REPORT_DIR  ->  REPORT_DIR/capabilities.json and capabilities.md
A missing or unreadable output is reported as such, never filled in.
"""
import json
import os
import sys

from summarize import load  # same folder: a missing or unreadable file becomes {"missing": why}


def items(path):
    try:
        with open(path) as fh:
            return [json.loads(line) for line in fh if line.strip()]
    except (OSError, ValueError):
        return None


def flat(values):
    """A metric's means: a matrix (pairs of layers) or a vector (one per layer), as one list."""
    return [x for row in values for x in (row if isinstance(row, list) else [row])]


def metric(result, name):
    return next((m["value"] for m in result.get("metrics", []) if m["name"] == name), None)


def compare_eval(raw, stem):
    cpu, gpu = load(f"{raw}/{stem}-cpu.json"), load(f"{raw}/{stem}-cuda.json")
    out = {"missing": [r["missing"] for r in (cpu, gpu) if "missing" in r]}
    if out["missing"]:
        return out
    ci, gi = items(f"{raw}/{stem}-cpu.items.jsonl"), items(f"{raw}/{stem}-cuda.items.jsonl")
    out.update({name: {"cpu": metric(cpu, name), "cuda": metric(gpu, name)} for name in ("acc", "acc_norm")})
    if ci and gi and len(ci) == len(gi):
        deltas = [abs(a - b) for c, g in zip(ci, gi) for a, b in zip(c["loglikelihoods"], g["loglikelihoods"])]
        out.update(items=len(ci), same_predictions=sum(c["pred"] == g["pred"] and c["pred_norm"] == g["pred_norm"] for c, g in zip(ci, gi)),
                   max_abs_loglikelihood_delta=max(deltas), scoring_seconds={"cpu": cpu.get("timing"), "cuda": gpu.get("timing")})
    return out


def seconds(e, device):
    timing = (e.get("scoring_seconds") or {}).get(device) or {}
    return f"{timing['seconds']:.1f}" if "seconds" in timing else "?"


def main():
    raw, report = sys.argv[1:3]
    result = {"schema": "cqil-lab/gpu-capabilities"}
    a_cpu, a_gpu = load(f"{raw}/analyze-cpu.json"), load(f"{raw}/analyze-cuda.json")
    if "missing" in a_cpu or "missing" in a_gpu:
        result["analyze"] = {"missing": [r["missing"] for r in (a_cpu, a_gpu) if "missing" in r]}
    else:
        result["analyze"] = {metric_name: max(abs(x - y) for x, y in zip(flat(a_cpu[metric_name]["Mean"]), flat(a_gpu[metric_name]["Mean"])))
                             for metric_name in ("cosine", "last_token_cosine", "angular_distance", "block_influence")}
        result["analyze"]["layers"] = len(a_cpu["cosine"]["Mean"])
    result["eval_piqa"] = compare_eval(raw, "eval")
    result["eval_piqa_fused_plan"] = compare_eval(raw, "eval-plan")
    f_cpu, f_gpu = load(f"{raw}/fidelity-cpu.json"), load(f"{raw}/fidelity-cuda.json")
    result["fidelity"] = ({"missing": [r["missing"] for r in (f_cpu, f_gpu) if "missing" in r]} if "missing" in f_cpu or "missing" in f_gpu
                          else {k: {"cpu": f_cpu["report"][k], "cuda": f_gpu["report"][k]} for k in ("Top1Agreement", "MeanKl", "MaxKl", "MeanRelativeLogitDifference")})
    g_cpu, g_gpu = load(f"{raw}/generate-656k-cpu.json"), load(f"{raw}/generate-656k-cuda.json")
    result["generate_656k"] = ({"missing": [r["missing"] for r in (g_cpu, g_gpu) if "missing" in r]} if "missing" in g_cpu or "missing" in g_gpu
                               else {"same_ids": g_cpu["new_ids"] == g_gpu["new_ids"], "tokens": len(g_gpu["new_ids"]), "text_cuda": g_gpu["text"]})
    with open(os.path.join(report, "capabilities.json"), "w") as fh:
        json.dump(result, fh, indent=1)
    lines = ["| capability (stories260K unless named; f32) | CPU vs cuda:0 on the same box |", "|---|---|"]
    an = result["analyze"]
    lines.append("| analyze: layer-input similarity, 8×64 tokens | " + (
        f"max abs difference, {an['layers']} layers: cosine {an['cosine']:.2e}, last-token {an['last_token_cosine']:.2e}, "
        f"angular {an['angular_distance']:.2e}, block influence {an['block_influence']:.2e}" if "missing" not in an else "missing: " + "; ".join(an["missing"])) + " |")
    for key, label in (("eval_piqa", "eval PIQA, 1838 items"), ("eval_piqa_fused_plan", "eval PIQA under X-S1-E3-P2-D0, fused")):
        e = result[key]
        lines.append(f"| {label} | " + (
            f"acc {e['acc']['cpu']:.4f} / {e['acc']['cuda']:.4f}, acc_norm {e['acc_norm']['cpu']:.4f} / {e['acc_norm']['cuda']:.4f}; "
            f"same predictions on {e.get('same_predictions', '?')} of {e.get('items', '?')} items; max abs Δ loglikelihood {e.get('max_abs_loglikelihood_delta', float('nan')):.2e}; "
            f"scoring {seconds(e, 'cpu')} s (CPU) / {seconds(e, 'cuda')} s (cuda)"
            if not e["missing"] else "missing: " + "; ".join(e["missing"])) + " |")
    f = result["fidelity"]
    lines.append("| fidelity of X-S1-E3-P2-D0 (fused) vs unchanged, 8×64 tokens | " + (
        "; ".join(f"{k} {v['cpu']:.6g} / {v['cuda']:.6g}" for k, v in f.items()) if "missing" not in f else "missing: " + "; ".join(f["missing"])) + " |")
    g = result["generate_656k"]
    lines.append("| generate TinyStories-656K (safetensors, tokenizer.json), 64 greedy tokens | " + (
        f"same ids: {g['same_ids']}" if "missing" not in g else "missing: " + "; ".join(g["missing"])) + " |")
    with open(os.path.join(report, "capabilities.md"), "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
