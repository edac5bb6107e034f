#!/usr/bin/env python3
"""Folds the outputs of tools/gpu/gpu-check.sh into report.json and report.md (the table issue 10 asks for).

usage: summarize.py REPORT_DIR SCRATCH_DIR BUILD_MACHINE_GENERATE_JSON TORCH_VERSION TORCH_CUDA
Every number comes from a file the run wrote; a missing file is reported as missing, never filled in.
"""
import datetime
import json
import os
import statistics
import sys


def load(path):
    try:
        with open(path) as fh:
            return json.load(fh)
    except (OSError, ValueError) as e:
        return {"missing": f"{os.path.basename(path)}: {e.__class__.__name__}: {e}"}


def main():
    report_dir, scratch, cpu_ids_path, torch_version, torch_cuda = sys.argv[1:6]
    steps = load(os.path.join(scratch, "steps.json"))
    gpu = open(os.path.join(scratch, "gpu.txt")).read().strip() if os.path.exists(os.path.join(scratch, "gpu.txt")) else "?"
    doctor = {k: load(os.path.join(scratch, f"doctor-{k}.json")) for k in ("cpu", "cuda")}
    build_ids = load(cpu_ids_path)
    gen = {k: load(os.path.join(report_dir, f"generate-{k}.json")) for k in ("cuda", "cpu-here")}
    rounds = sorted(int(f[len("bench-"):-len(".json")]) for f in os.listdir(scratch) if f.startswith("bench-") and f.endswith(".json"))
    benches = [load(os.path.join(scratch, f"bench-{r}.json")) for r in rounds] or [load(os.path.join(report_dir, "bench.json"))]
    peers = [load(os.path.join(scratch, f"peer-{r}.json")) for r in rounds] or [load(os.path.join(report_dir, "peer.json"))]
    bench, peer = benches[0], peers[0]
    symbols = open(os.path.join(report_dir, "symbols.txt")).read().splitlines() if os.path.exists(os.path.join(report_dir, "symbols.txt")) else []

    def same_ids(a, b):
        if "new_ids" not in a or "new_ids" not in b:
            return None
        return a["new_ids"] == b["new_ids"] and a.get("prompt_ids") == b.get("prompt_ids")

    def rows_of(bench, peer):
        """(engine, runner, prefill p50 ms, decode mean ms/token, (prefill speedup, realized), (decode speedup, realized))."""
        rows = []
        if "baseline" in bench and bench.get("runs"):
            base, run = bench["baseline"], bench["runs"][0]
            rows.append(("TorchSharp (cqil bench)", "baseline", base["prefill"]["p50"], base["decode_per_token"]["mean"], None, None))
            rows.append(("TorchSharp (cqil bench)", f"{run['mode']} {run['plan']}", run["prefill"]["p50"], run["decode_per_token"]["mean"],
                         (run["prefill_speedup"]["speedup"], run["prefill_realized"]),
                         (run["decode_speedup"]["speedup"], run["decode_realized"]) if run.get("decode_speedup") else None))
        if "runners" in peer:
            b, f = peer["runners"]["baseline"], peer["runners"]["fused"]
            rows.append(("PyTorch eager (torch_peer.py)", "baseline", b["prefill"]["p50"], b["decode_per_token"]["mean"], None, None))
            rows.append(("PyTorch eager (torch_peer.py)", f"fused {peer['plan']}", f["prefill"]["p50"], f["decode_per_token"]["mean"],
                         (f["prefill_speedup"], f["prefill_realized"]), (f["decode_speedup"], f["decode_realized"])))
        return rows

    per_round = [rows_of(b, p) for b, p in zip(benches, peers)]
    rows = per_round[0]
    if len(per_round) > 1 and all(len(r) == len(rows) for r in per_round):
        # The median over rounds of every number, row by row (each round is one alternating cqil/PyTorch pair).
        med = statistics.median
        pick = lambda i, k, j: med(r[i][k][j] for r in per_round)
        rows = [(e, n, med(r[i][2] for r in per_round), med(r[i][3] for r in per_round),
                 (pick(i, 4, 0), pick(i, 4, 1)) if ps else None, (pick(i, 5, 0), pick(i, 5, 1)) if ds else None)
                for i, (e, n, _, _, ps, ds) in enumerate(rows)]
    summary = dict(
        schema="cqil-lab/gpu-check", date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        gpu=gpu, pytorch=torch_version, pytorch_cuda=torch_cuda, steps=steps,
        undefined_symbols=sum(s.startswith("undefined symbol") for s in symbols), doctor=doctor,
        generate=dict(cuda=gen["cuda"], cpu_here=gen["cpu-here"], build_machine_cpu=build_ids,
                      cuda_equals_build_machine_cpu=same_ids(gen["cuda"], build_ids),
                      cpu_here_equals_build_machine_cpu=same_ids(gen["cpu-here"], build_ids)),
        bench_machine=bench.get("machine"), ideal_reduction=bench.get("runs", [{}])[0].get("ideal_reduction") if bench.get("runs") else peer.get("ideal_reduction"),
        table=[dict(engine=e, runner=r, prefill_ms_p50=p, decode_ms_per_token_mean=d,
                    prefill_speedup=ps[0] if ps else None, prefill_realized=ps[1] if ps else None,
                    decode_speedup=ds[0] if ds else None, decode_realized=ds[1] if ds else None) for e, r, p, d, ps, ds in rows],
        rounds=[[dict(engine=e, runner=r, prefill_ms_p50=p, decode_ms_per_token_mean=d, prefill_speedup=ps[0] if ps else None,
                      decode_speedup=ds[0] if ds else None) for e, r, p, d, ps, ds in rr] for rr in per_round],
        peer_peak_memory_gib=peer.get("peak_memory_gib"),
        missing=[v["missing"] for v in [*benches, *peers, *gen.values(), *doctor.values()] if "missing" in v],
    )
    with open(os.path.join(report_dir, "report.json"), "w") as fh:
        json.dump(summary, fh, indent=1)

    def fmt(x, spec):
        return "–" if x is None else format(x, spec)

    lines = [f"GPU check {summary['date']}: {gpu}; PyTorch {torch_version} (CUDA {torch_cuda}); "
             f"libLibTorchSharp.so undefined symbols against it: {summary['undefined_symbols']}",
             "", "| step | exit | seconds |", "|---|---|---|"]
    lines += [f"| {k} | {v['exit']} | {v['seconds']} |" for k, v in steps.items()] if "missing" not in steps else ["| (steps missing) | | |"]
    lines += ["", f"doctor: cpu {doctor['cpu'].get('passed', doctor['cpu'].get('missing'))}, cuda {doctor['cuda'].get('passed', doctor['cuda'].get('missing'))}"
              f" (max relative error {doctor['cuda'].get('max_relative_error', '–')}, product {doctor['cuda'].get('product_ms', '–')} ms)",
              f"generate stories260K, 64 greedy tokens: cuda ids = build machine's CPU ids: {summary['generate']['cuda_equals_build_machine_cpu']}; "
              f"this box's CPU = build machine's CPU: {summary['generate']['cpu_here_equals_build_machine_cpu']}",
              "", f"Random LLaMA-7B shape, bf16, batch 1, prompt 128, 32 decode tokens; ideal reduction {fmt(summary['ideal_reduction'], '.1%')}",
              "", "| engine | runner | prefill ms (p50) | decode ms/token (mean) | speedup prefill | speedup decode | realized/ideal (prefill, decode) |",
              "|---|---|---|---|---|---|---|"]
    if len(per_round) > 1:
        at = next(i for i, line in enumerate(lines) if line.startswith("Random LLaMA-7B shape"))
        lines[at] += f"; median of {len(per_round)} rounds (cqil and PyTorch alternating), each round below"
    for e, r, p, d, ps, ds in rows:
        lines.append(f"| {e} | {r} | {p:.2f} | {d:.3f} | {fmt(ps and ps[0], '.3f')} | {fmt(ds and ds[0], '.3f')} | "
                     f"{fmt(ps and ps[1], '.2f')}, {fmt(ds and ds[1], '.2f')} |")
    if len(rows) == 4:
        lines.append(f"\nTorchSharp / PyTorch time, baseline: prefill {rows[0][2] / rows[2][2]:.2f}x, decode {rows[0][3] / rows[2][3]:.2f}x; "
                     f"fused: prefill {rows[1][2] / rows[3][2]:.2f}x, decode {rows[1][3] / rows[3][3]:.2f}x")
    for i, rr in enumerate(per_round if len(per_round) > 1 else [], 1):
        lines.append(f"round {i}: " + "; ".join(f"{e.split()[0]} {r.split()[0]} {p:.2f} / {d:.3f} ms" for e, r, p, d, _, _ in rr))
    kernel = load(os.path.join(scratch, "kernel-time.json"))
    if "runners" in kernel:
        summary["kernel_time"] = kernel
        lines += ["", f"Kernel time (torch.profiler, PyTorch peer; one prefill, mean of {kernel['decode_steps']} decode steps) "
                      "against wall time: where kernels fill far less than the wall time, the host issuing them is the bound.",
                  "", "| runner | prefill wall ms | prefill kernel ms | decode wall ms/token | decode kernel ms/token |", "|---|---|---|---|---|"]
        lines += [f"| {n} | {r['prefill_wall_ms']:.2f} | {r['prefill_kernel_ms']:.2f} | {r['decode_wall_ms']:.3f} | {r['decode_kernel_ms']:.3f} |"
                  for n, r in kernel["runners"].items()]
        with open(os.path.join(report_dir, "report.json"), "w") as fh:
            json.dump(summary, fh, indent=1)
    if summary["missing"]:
        lines.append("\nmissing: " + "; ".join(summary["missing"]))
    with open(os.path.join(report_dir, "report.md"), "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
