"""Peer of bench/wan_transformer_bench.cpp: the same measurements of diffusers'
WanTransformer3DModel, with the same flags and the same JSON lines.

Random weights (diffusers' own initialisation from a config dict, seeded), no download.
Run it with bench/.venv/bin/python (bench/setup_env creates that venv); see bench/README.md.
"""

import argparse
import json
import math
import re
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from diffusers import WanTransformer3DModel
from diffusers.utils import logging as diffusers_logging

LORA_TARGET = re.compile(r"blocks\.\d+\.attn[12]\.(to_q|to_k|to_v|to_out\.0)")


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="diffusers WanTransformer3DModel microbenchmark (peer of wan_transformer_bench)")
    shape = p.add_argument_group("shape (defaults: Wan 2.1 1.3B widths, 4 layers, 8190 video + 512 text tokens)")
    shape.add_argument("--layers", type=int, default=4)
    shape.add_argument("--heads", type=int, default=12)
    shape.add_argument("--head-dim", type=int, default=128)
    shape.add_argument("--ffn-dim", type=int, default=8960)
    shape.add_argument("--text-dim", type=int, default=4096)
    shape.add_argument("--freq-dim", type=int, default=256)
    shape.add_argument("--in-channels", type=int, default=16)
    shape.add_argument("--out-channels", type=int, default=16)
    shape.add_argument("--batch", type=int, default=1)
    shape.add_argument("--frames", type=int, default=21, help="latent frames")
    shape.add_argument("--height", type=int, default=30, help="latent height; tokens = frames*height/2*width/2")
    shape.add_argument("--width", type=int, default=52, help="latent width")
    shape.add_argument("--text-len", type=int, default=512)
    run = p.add_argument_group("run")
    run.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    run.add_argument("--dtype", default="fp32", help="fp32, bf16 or fp32,bf16")
    run.add_argument("--measure", default="forward,forward_backward")
    run.add_argument("--grad", choices=["all", "lora"], default="all",
                     help="all: every weight and the input require grad; lora: rank-r adapters on "
                          "attn1/attn2 to_q,to_k,to_v,to_out.0 and the input, base weights frozen")
    run.add_argument("--lora-rank", type=int, default=16)
    run.add_argument("--gradient-checkpointing", action="store_true")
    run.add_argument("--warmup", type=int, default=1)
    run.add_argument("--repeat", type=int, default=3)
    run.add_argument("--threads", type=int, default=0, help="intra-op CPU threads (0: torch's default)")
    run.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    a.dtypes = [d for d in a.dtype.split(",") if d]
    a.measurements = [m for m in a.measure.split(",") if m]
    for d in a.dtypes:
        if d not in ("fp32", "bf16"):
            p.error(f"--dtype {d}: expected fp32 or bf16")
    for m in a.measurements:
        if m not in ("forward", "forward_backward"):
            p.error(f"--measure {m}: expected forward or forward_backward")
    if a.height % 2 or a.width % 2:
        p.error("--height and --width must be even (patch 1x2x2)")
    if a.repeat < 1 or a.warmup < 0:
        p.error("--repeat must be >= 1 and --warmup >= 0")
    return a


# ---- memory: as in the C++ bench ------------------------------------------------------------

def proc_status_kib(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return -1


class MemoryProbe:
    """CPU: VmHWM, reset through /proc/self/clear_refs; CUDA: the caching allocator's stats."""

    def __init__(self, device):
        self.device = device
        self.kind = "cuda_max_allocated" if device.type == "cuda" else "cpu_vmhwm"

    def sync(self):
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def current(self):
        if self.device.type == "cuda":
            return torch.cuda.memory_allocated(self.device)
        return proc_status_kib("VmRSS") * 1024

    def reset_peak(self):
        if self.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(self.device)
            return
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
        except OSError:
            self.kind = "cpu_vmhwm_since_start"

    def peak(self):
        if self.device.type == "cuda":
            return torch.cuda.max_memory_allocated(self.device)
        return proc_status_kib("VmHWM") * 1024


# ---- LoRA-like adapters ---------------------------------------------------------------------

class BenchLora(torch.nn.Module):
    """y = base(x) + scale * up(down(x)), as the C++ bench's adapter."""

    def __init__(self, base, rank, scale=1.0):
        super().__init__()
        self.base = base
        w = base.weight
        self.down = torch.nn.Parameter(torch.randn(rank, w.shape[1], device=w.device, dtype=w.dtype)
                                       / math.sqrt(w.shape[1]))
        self.up = torch.nn.Parameter(torch.randn(w.shape[0], rank, device=w.device, dtype=w.dtype) * 0.01)
        self.scale = scale

    def forward(self, x):
        return self.base(x) + F.linear(F.linear(x, self.down), self.up) * self.scale


def attach_loras(model, rank):
    targets = [name for name, m in model.named_modules()
               if isinstance(m, torch.nn.Linear) and LORA_TARGET.fullmatch(name)]
    params = []
    for name in targets:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name)
        lora = BenchLora(getattr(parent, child), rank)
        setattr(parent, child, lora)
        params += [lora.down, lora.up]
    return params


# ---- measuring ------------------------------------------------------------------------------

def run(a):
    # Casting the whole model with .to(dtype) makes diffusers warn that some modules (norms,
    # time embedder, modulation tables) would be kept in float32 by from_pretrained; the
    # benchmark casts everything on purpose, as Reel is given one dtype.
    diffusers_logging.set_verbosity_error()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    cuda_visible = torch.cuda.is_available()
    if a.device == "cuda" and not cuda_visible:
        sys.exit("wan_transformer_bench.py: --device cuda: no CUDA device visible")
    device = torch.device("cuda", 0) if a.device == "cuda" or (a.device == "auto" and cuda_visible) \
        else torch.device("cpu")
    config = dict(
        patch_size=(1, 2, 2), num_attention_heads=a.heads, attention_head_dim=a.head_dim,
        in_channels=a.in_channels, out_channels=a.out_channels, text_dim=a.text_dim, freq_dim=a.freq_dim,
        ffn_dim=a.ffn_dim, num_layers=a.layers, cross_attn_norm=True, qk_norm="rms_norm_across_heads",
        eps=1e-6, image_dim=None, added_kv_proj_dim=None, rope_max_seq_len=1024)
    tokens = a.frames * (a.height // 2) * (a.width // 2)
    dim = a.heads * a.head_dim
    mem = MemoryProbe(device)
    rows = []

    for dtype_flag in a.dtypes:
        dtype = torch.bfloat16 if dtype_flag == "bf16" else torch.float32
        torch.manual_seed(a.seed)
        model = WanTransformer3DModel(**config).to(device=device, dtype=dtype)
        model.train()  # no dropout in this model; train() only matters for checkpointing
        if a.gradient_checkpointing:
            model.enable_gradient_checkpointing()  # active only while grad is enabled
        model.requires_grad_(False)
        if a.grad == "all":
            trainable = list(model.parameters())
        else:
            trainable = attach_loras(model, a.lora_rank)
        n_trainable = sum(t.numel() for t in trainable)

        torch.manual_seed(a.seed)
        hidden_states = torch.randn(a.batch, a.in_channels, a.frames, a.height, a.width, device=device, dtype=dtype)
        timestep = torch.full((a.batch,), 500.0, device=device, dtype=torch.float32)
        encoder_hidden_states = torch.randn(a.batch, a.text_len, a.text_dim, device=device, dtype=dtype)
        grad_out = torch.randn(a.batch, a.out_channels, a.frames, a.height, a.width, device=device, dtype=dtype)

        for measurement in a.measurements:
            backward = measurement == "forward_backward"
            for t in trainable:
                t.requires_grad_(backward)
            hidden_states.requires_grad_(backward)

            def clear_grads():
                for t in trainable:
                    t.grad = None
                hidden_states.grad = None

            def step():
                if backward:
                    out = model(hidden_states, timestep, encoder_hidden_states, return_dict=False)[0]
                    out.backward(grad_out)
                    return out.detach()
                with torch.no_grad():
                    return model(hidden_states, timestep, encoder_hidden_states, return_dict=False)[0]

            clear_grads()
            mem.sync()
            base = mem.current()
            mem.reset_peak()
            for _ in range(a.warmup):
                step()
                clear_grads()
            times = []
            finite = True
            for i in range(a.repeat):
                mem.sync()
                t0 = time.perf_counter()
                out = step()
                mem.sync()
                times.append((time.perf_counter() - t0) * 1000.0)
                if i == 0:
                    finite = bool(torch.isfinite(out).all())
                del out
                clear_grads()
            mem.sync()
            peak = mem.peak()

            record = {
                "impl": "diffusers",
                "torch": torch.__version__.split("+")[0],
                "device": device.type,
                "dtype": dtype_flag,
                "measurement": measurement,
                "grad": a.grad if backward else "none",
                "trainable_params": n_trainable if backward else 0,
                "gradient_checkpointing": bool(backward and a.gradient_checkpointing),
                "layers": a.layers,
                "dim": dim,
                "batch": a.batch,
                "frames": a.frames,
                "height": a.height,
                "width": a.width,
                "tokens": tokens,
                "text_len": a.text_len,
                "threads": torch.get_num_threads(),
                "warmup": a.warmup,
                "repeat": a.repeat,
                "ms_median": statistics.median(times),
                "ms_min": min(times),
                "ms_mean": statistics.fmean(times),
                "times_ms": times,
                "peak_mem_bytes": peak,
                "base_mem_bytes": base,
                "mem_kind": mem.kind,
                "finite": finite,
            }
            print(json.dumps(record), flush=True)
            rows.append(record)

            for t in trainable:
                t.requires_grad_(False)
            hidden_states.requires_grad_(False)
        del model, trainable

    mib = 1048576.0
    print(f"\ndiffusers wan transformer | {device.type} | {a.layers} layers, dim {dim}, {tokens} video + "
          f"{a.text_len} text tokens, batch {a.batch}, grad {a.grad}"
          f"{', checkpointed' if a.gradient_checkpointing else ''}", file=sys.stderr)
    print(f"{'dtype':<6} {'measurement':<17} {'median ms':>12} {'min ms':>12} {'peak MiB':>12} "
          f"{'over base MiB':>14} finite", file=sys.stderr)
    for r in rows:
        print(f"{r['dtype']:<6} {r['measurement']:<17} {r['ms_median']:12.1f} {r['ms_min']:12.1f} "
              f"{r['peak_mem_bytes'] / mib:12.1f} {(r['peak_mem_bytes'] - r['base_mem_bytes']) / mib:14.1f} "
              f"{'yes' if r['finite'] else 'NO'}", file=sys.stderr)


if __name__ == "__main__":
    run(parse_args(sys.argv[1:]))
