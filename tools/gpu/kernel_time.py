#!/usr/bin/env python3
"""How much of a step's wall time the GPU actually spends in kernels, for the baseline and the fused CQIL plan.

Eager batch-1 inference of a 7B model on an H200 can be bound by the host issuing kernels rather than by the GPU:
then CQIL's fused mode gains by issuing fewer, larger kernels, a gain CUDA graphs or a compiler would also take. This
sums the device time of every kernel (torch.profiler) in one prefill and in a few decode steps of the model of
torch_peer.py (same arguments), next to the wall time of the same steps, so a report can say which bound it measured.
"""
import json
import os
import statistics
import sys
import time

import torch
from torch.profiler import ProfilerActivity, profile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_peer  # noqa: E402

DECODE_STEPS = 8


def kernel_ms(prof):
    total_us = 0.0
    for e in prof.key_averages():
        total_us += getattr(e, "self_device_time_total", None) or getattr(e, "self_cuda_time_total", 0.0)
    return total_us / 1000


def phases(model, prompt, fused):
    """Wall ms and kernel ms of one prefill and the mean decode step (after a warm-up of the same steps)."""
    def run(profiled):
        caches = model.new_cache(prompt.shape[0], prompt.shape[1] + DECODE_STEPS + 1, fused)
        out = {}
        torch.cuda.synchronize()
        with profile(activities=[ProfilerActivity.CUDA]) if profiled else _null() as prof:
            t0 = time.perf_counter()
            nxt = model.forward(prompt, caches, 0, fused)
            torch.cuda.synchronize()
            out["prefill_wall_ms"] = (time.perf_counter() - t0) * 1000
        if profiled:
            out["prefill_kernel_ms"] = kernel_ms(prof)
        past = prompt.shape[1]
        with profile(activities=[ProfilerActivity.CUDA]) if profiled else _null() as prof:
            t0 = time.perf_counter()
            for _ in range(DECODE_STEPS):
                nxt = model.forward(nxt[:, None], caches, past, fused)
                past += 1
            torch.cuda.synchronize()
            out["decode_wall_ms"] = (time.perf_counter() - t0) * 1000 / DECODE_STEPS
        if profiled:
            out["decode_kernel_ms"] = kernel_ms(prof) / DECODE_STEPS
        return out

    run(False)
    unprofiled = [run(False) for _ in range(3)]
    result = run(True)
    # Wall times without the profiler's own overhead: the median of three plain runs.
    for key in ("prefill_wall_ms", "decode_wall_ms"):
        result[key + "_profiled"] = result[key]
        result[key] = statistics.median(u[key] for u in unprofiled)
    return result


class _null:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def main():
    a = torch_peer.parse_args()
    device, dtype = torch.device("cuda:0"), torch_peer.DTYPES[a.dtype]
    model = torch_peer.Model(a, device, dtype)
    prompt = torch.randint(0, a.vocab, (a.batch, a.prompt_len), device=device,
                           generator=torch.Generator(device=device).manual_seed(1))
    result = dict(schema="cqil-lab/kernel-time", torch=torch.__version__, gpu=torch.cuda.get_device_name(0),
                  plan=f"S{a.start}-E{a.end}-P{a.group}", decode_steps=DECODE_STEPS,
                  runners={name: phases(model, prompt, fused) for name, fused in (("baseline", False), ("fused", True))})
    print("| runner | prefill wall ms | prefill kernel ms | decode wall ms/token | decode kernel ms/token |")
    print("|---|---|---|---|---|")
    for name, r in result["runners"].items():
        print(f"| {name} | {r['prefill_wall_ms']:.2f} | {r['prefill_kernel_ms']:.2f} | {r['decode_wall_ms']:.3f} | {r['decode_kernel_ms']:.3f} |")
    if a.out:
        with open(a.out, "w") as fh:
            json.dump(result, fh, indent=1)


if __name__ == "__main__":
    main()
