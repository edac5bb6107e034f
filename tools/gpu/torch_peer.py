#!/usr/bin/env python3
"""The PyTorch peer of `cqil bench` on a GPU: the same random LLaMA shape, the same arithmetic and weight layout
as the lab's engine (Cqil.Lab.Core/Model/DecoderLayer.cs, Cqil/Execution/FusedExecutor.cs), timed the same way:
a fresh KV cache per repetition, prefill of the prompt with logits at the last position, then each decode step
timed on its own, device synchronized before every clock read, baseline and plan interleaved (A, B, A, B ...).

This is what a researcher would otherwise write in eager PyTorch. It is not the lab's code and shares none of it;
run by tools/gpu/gpu-check.sh. Writes one JSON document (--out) and prints a table.
"""
import argparse
import json
import math
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--layers", type=int, default=32)
    p.add_argument("--hidden", type=int, default=4096)
    p.add_argument("--heads", type=int, default=32)
    p.add_argument("--ffn", type=int, default=11008)
    p.add_argument("--vocab", type=int, default=32000)
    p.add_argument("--dtype", default="bf16", choices=["bf16", "f16", "f32"])
    p.add_argument("--start", type=int, default=12, help="first layer of the grouped span (authors' S)")
    p.add_argument("--end", type=int, default=30, help="end of the grouped span, exclusive (authors' E)")
    p.add_argument("--group", type=int, default=2, help="layers per group (authors' P)")
    p.add_argument("--prompt-len", type=int, default=128)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--decode-tokens", type=int, default=32)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--reps", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out")
    return p.parse_args()


DTYPES = {"bf16": torch.bfloat16, "f16": torch.float16, "f32": torch.float32}


def rms_normalize(x, eps=1e-5):
    xf = x.float()
    return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)).to(x.dtype)


def rotary(x, cos, sin):
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], -1)


def swiglu(gate_up):
    inner = gate_up.shape[-1] // 2
    return F.silu(gate_up[..., :inner]) * gate_up[..., inner:]


def attend(q, k, v, cache, past):
    """q [B, H, T, D]; k, v [B, H, T, D] appended to cache (k_cache, v_cache [B, H, cap, D]) at `past`."""
    k_cache, v_cache = cache
    t = k.shape[2]
    k_cache[:, :, past:past + t] = k
    v_cache[:, :, past:past + t] = v
    if past == 0:
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)
    # Decode (t == 1): the new query sees every cached position, so no mask is needed.
    return F.scaled_dot_product_attention(q, k_cache[:, :, :past + t], v_cache[:, :, :past + t])


class Model:
    def __init__(self, a, device, dtype):
        g = torch.Generator(device=device).manual_seed(a.seed)
        h, f, heads = a.hidden, a.ffn, a.heads
        self.heads, self.d = heads, h // heads

        def normal(*shape):
            return (torch.randn(shape, generator=g, device=device, dtype=dtype) * 0.02)

        def ones(n):
            return torch.randn((n,), generator=g, device=device, dtype=dtype) * 0.1 + 1

        self.embedding = normal(a.vocab, h)
        # Pre-transposed [in, out] weights applied with mm, q/k/v and gate/up concatenated: the lab's layout.
        self.layers = [dict(attn_norm=ones(h), qkv=normal(h, 3 * h), out=normal(h, h), ffn_norm=ones(h),
                            gate_up=normal(h, 2 * f), down=normal(f, h)) for _ in range(a.layers)]
        self.final_norm = ones(h)
        self.head = normal(a.vocab, h)
        inv_freq = 1.0 / (10000.0 ** (torch.arange(0, self.d, 2, device=device, dtype=torch.float32) / self.d))
        positions = torch.arange(a.prompt_len + a.decode_tokens + 1, device=device, dtype=torch.float32)
        angles = positions[:, None] * inv_freq[None, :]
        self.cos, self.sin = angles.cos().to(dtype), angles.sin().to(dtype)
        # Groups: [start, end) in runs of `group`; every other layer alone.
        self.units = []
        i = 0
        while i < a.layers:
            if a.group > 1 and a.start <= i and i + a.group <= a.end:
                self.units.append(list(range(i, i + a.group)))
                i += a.group
            else:
                self.units.append([i])
                i += 1
        self.stacks = {}
        for unit in self.units:
            if len(unit) > 1:
                self.stacks[unit[0]] = {name: torch.stack([self.layers[j][name] for j in unit])
                                        for name in self.layers[unit[0]]}

    def rope(self, past, t):
        return self.cos[past:past + t, None, :], self.sin[past:past + t, None, :]

    def layer(self, w, x, cache, past):
        b, t, h = x.shape
        heads, d = self.heads, self.d
        cos, sin = self.rope(past, t)
        qkv = ((rms_normalize(x) * w["attn_norm"]).view(b * t, h) @ w["qkv"]).view(b, t, 3 * heads, d)
        qk = rotary(qkv[:, :, :2 * heads], cos, sin)
        q, k, v = qk[:, :, :heads].transpose(1, 2), qk[:, :, heads:].transpose(1, 2), qkv[:, :, 2 * heads:].transpose(1, 2)
        att = attend(q, k, v, cache, past).transpose(1, 2).reshape(b * t, h)
        u = x + (att @ w["out"]).view(b, t, h)
        m = swiglu((rms_normalize(u) * w["ffn_norm"]).view(b * t, h) @ w["gate_up"]) @ w["down"]
        return u + m.view(b, t, h)

    def fused_group(self, w, x, cache, past):
        """y = x + sum_k (a_k + m_k), u_k = x + a_k: all members' products batched (bmm), one attention call."""
        p = w["qkv"].shape[0]
        b, t, h = x.shape
        heads, d, n = self.heads, self.d, b * t
        cos, sin = self.rope(past, t)
        normed = rms_normalize(x).view(1, n, h) * w["attn_norm"][:, None, :]
        qkv = torch.bmm(normed, w["qkv"]).view(p, b, t, 3 * heads, d)
        qk = rotary(qkv[..., :2 * heads, :], cos, sin)
        q = qk[..., :heads, :].permute(1, 0, 3, 2, 4).reshape(b, p * heads, t, d)
        k = qk[..., heads:, :].permute(1, 0, 3, 2, 4).reshape(b, p * heads, t, d)
        v = qkv[..., 2 * heads:, :].permute(1, 0, 3, 2, 4).reshape(b, p * heads, t, d)
        att = attend(q, k, v, cache, past).view(b, p, heads, t, d).permute(1, 0, 3, 2, 4).reshape(p, n, h)
        a = torch.bmm(att, w["out"])
        u = x.reshape(1, n, h) + a
        m = torch.bmm(swiglu(torch.bmm(rms_normalize(u) * w["ffn_norm"][:, None, :], w["gate_up"])), w["down"])
        return x + (a + m).sum(0).view(b, t, h)

    def new_cache(self, batch, capacity, fused):
        """One (keys, values) pair per layer; a fused group keeps one for all its members, heads stacked."""
        def pair(heads):
            shape = (batch, heads, capacity, self.d)
            like = dict(device=self.embedding.device, dtype=self.embedding.dtype)
            return torch.empty(shape, **like), torch.empty(shape, **like)
        caches = {}
        for unit in self.units:
            if fused and len(unit) > 1:
                caches[unit[0]] = pair(self.heads * len(unit))
            else:
                for j in unit:
                    caches[j] = pair(self.heads)
        return caches

    @torch.inference_mode()
    def forward(self, ids, caches, past, fused):
        x = self.embedding[ids]
        for unit in self.units:
            if fused and len(unit) > 1:
                x = self.fused_group(self.stacks[unit[0]], x, caches[unit[0]], past)
            else:
                for j in unit:
                    x = self.layer(self.layers[j], x, caches[j], past)
        last = rms_normalize(x[:, -1]) * self.final_norm
        return (last @ self.head.T).argmax(-1)


def measure_once(model, prompt, decode_tokens, fused):
    caches = model.new_cache(prompt.shape[0], prompt.shape[1] + decode_tokens + 1, fused)
    torch.cuda.synchronize()
    start = time.perf_counter()
    nxt = model.forward(prompt, caches, 0, fused)
    torch.cuda.synchronize()
    prefill = (time.perf_counter() - start) * 1000
    decode = []
    past = prompt.shape[1]
    for _ in range(decode_tokens):
        torch.cuda.synchronize()
        start = time.perf_counter()
        nxt = model.forward(nxt[:, None], caches, past, fused)
        torch.cuda.synchronize()
        decode.append((time.perf_counter() - start) * 1000)
        past += 1
    return prefill, decode


def summary(values):
    s = sorted(values)
    q = lambda f: s[min(len(s) - 1, int(round(f * (len(s) - 1))))]
    return dict(count=len(s), mean=statistics.fmean(s), std_dev=statistics.stdev(s) if len(s) > 1 else 0.0,
                p50=statistics.median(s), p90=q(0.9), p99=q(0.99), min=s[0], max=s[-1])


def main():
    a = parse_args()
    if not torch.cuda.is_available():
        sys.exit("torch_peer.py: CUDA is not available to this PyTorch")
    device, dtype = torch.device("cuda:0"), DTYPES[a.dtype]
    built = time.perf_counter()
    model = Model(a, device, dtype)
    torch.cuda.synchronize()
    build_s = time.perf_counter() - built
    prompt = torch.randint(0, a.vocab, (a.batch, a.prompt_len), device=device,
                           generator=torch.Generator(device=device).manual_seed(1))
    runners = {"baseline": False, "fused": True}
    samples = {name: dict(prefill=[], decode=[], decode_rep_means=[]) for name in runners}
    for rep in range(a.warmup + a.reps):
        for name, fused in runners.items():
            prefill, decode = measure_once(model, prompt, a.decode_tokens, fused)
            if rep >= a.warmup:
                samples[name]["prefill"].append(prefill)
                samples[name]["decode"].extend(decode)
                samples[name]["decode_rep_means"].append(statistics.fmean(decode))
    grouped = sum(len(u) - 1 for u in model.units)
    ideal = grouped / a.layers
    result = dict(schema="cqil-lab/torch-peer", torch=torch.__version__, cuda=torch.version.cuda,
                  gpu=torch.cuda.get_device_name(0), dtype=a.dtype, args=vars(a), build_seconds=build_s,
                  plan=f"S{a.start}-E{a.end}-P{a.group}", ideal_reduction=ideal,
                  peak_memory_gib=torch.cuda.max_memory_allocated() / 2 ** 30, runners={})
    base = samples["baseline"]
    for name in runners:
        s = samples[name]
        entry = dict(prefill=summary(s["prefill"]), decode_per_token=summary(s["decode"]), raw=s)
        if name != "baseline":
            pre = statistics.median(b / p for b, p in zip(base["prefill"], s["prefill"]))
            dec = statistics.median(b / p for b, p in zip(base["decode_rep_means"], s["decode_rep_means"]))
            entry.update(prefill_speedup=pre, decode_speedup=dec,
                         prefill_realized=(1 - 1 / pre) / ideal, decode_realized=(1 - 1 / dec) / ideal)
        result["runners"][name] = entry
    print(f"PyTorch {torch.__version__} (CUDA {torch.version.cuda}) on {result['gpu']}, {a.dtype}, "
          f"{a.layers} layers, hidden {a.hidden}; plan {result['plan']} (ideal reduction {ideal:.1%}); "
          f"prompt {a.prompt_len}, {a.decode_tokens} decode tokens, {a.reps} reps after {a.warmup} warm-up")
    print("| runner | prefill ms p50 | decode ms/token p50 | decode mean | speedup prefill | speedup decode | realized/ideal (prefill, decode) |")
    print("|---|---|---|---|---|---|---|")
    for name, e in result["runners"].items():
        extra = ("| 1 | 1 | –" if name == "baseline" else
                 f"| {e['prefill_speedup']:.3f} | {e['decode_speedup']:.3f} | {e['prefill_realized']:.2f}, {e['decode_realized']:.2f}")
        print(f"| {name} | {e['prefill']['p50']:.2f} | {e['decode_per_token']['p50']:.3f} | {e['decode_per_token']['mean']:.3f} {extra} |")
    if a.out:
        with open(a.out, "w") as fh:
            json.dump(result, fh, indent=1)


if __name__ == "__main__":
    main()
