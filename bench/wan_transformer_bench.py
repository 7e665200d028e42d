"""Peer of bench/wan_transformer_bench.cpp: the same measurements of diffusers'
WanTransformer3DModel, with the same flags and the same JSON lines. Its train_step is the
usual Python LoRA training step: peft LoRA attached with diffusers' add_adapter,
torch.optim.AdamW, MSE loss in float32.

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

TEXT_LENGTH = 512  # the official model's text_len; WanPipeline's max_sequence_length
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
    run.add_argument("--measure", default="forward,forward_backward",
                     help="any of forward, forward_backward, train_step; train_step always runs last")
    run.add_argument("--grad", choices=["all", "lora"], default="all",
                     help="forward_backward: what requires grad. all: every weight and the input; lora: "
                          "rank-r adapters on attn1/attn2 to_q,to_k,to_v,to_out.0 and the input, base "
                          "weights frozen")
    run.add_argument("--lora-rank", type=int, default=16, help="rank of both kinds of adapters")
    run.add_argument("--lora-dtype", choices=["fp32", "bf16"], default="fp32",
                     help="train_step's adapter weights")
    run.add_argument("--gradient-checkpointing", action="store_true",
                     help="checkpoint every block in forward_backward and train_step")
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
        if m not in ("forward", "forward_backward", "train_step"):
            p.error(f"--measure {m}: expected forward, forward_backward or train_step")
    # train_step replaces --grad lora's adapters with peft's for good: it runs last.
    a.measurements.sort(key=lambda m: m == "train_step")
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


def detach_loras(model):
    """Puts the plain Linears back in place of attach_loras' wrappers."""
    for name, m in list(model.named_modules()):
        if isinstance(m, BenchLora):
            parent_name, _, child = name.rpartition(".")
            setattr(model.get_submodule(parent_name), child, m.base)


def attach_peft_lora(model, rank, dtype):
    """Standard LoRA as SimpleTuner attaches it to Wan: peft through diffusers' add_adapter."""
    try:
        from peft import LoraConfig
    except ImportError:
        sys.exit("wan_transformer_bench.py: train_step needs peft (bench/setup_env installs it)")
    from diffusers.training_utils import cast_training_params
    model.requires_grad_(False)
    model.add_adapter(LoraConfig(r=rank, lora_alpha=rank, lora_dropout=0.0, init_lora_weights=True,
                                 target_modules=["to_q", "to_k", "to_v", "to_out.0"]))
    # peft creates the adapter in the base layer's dtype; diffusers' training scripts (and
    # SimpleTuner) then cast the trainable parameters to the dtype they train in.
    cast_training_params(model, dtype=dtype)
    return [p for p in model.parameters() if p.requires_grad]


# ---- measuring ------------------------------------------------------------------------------

LEARNING_RATE = 1e-4  # train_step's (any finite value would do: it only scales the update)


class Timing:
    pass


def measure(mem, a, run, setup=lambda: None, clear=lambda: None):
    """`setup` once after the memory baseline is taken (so what it allocates, e.g. optimizer
    state, counts in the peak), then `warmup` untimed and `repeat` timed calls of `run`, each
    followed by `clear` outside the timing. `run` returns the output (or loss) checked for
    inf/NaN."""
    t = Timing()
    clear()
    mem.sync()
    t.base = mem.current()
    mem.reset_peak()
    setup()
    for _ in range(a.warmup):
        run()
        clear()
    t.times, t.finite, t.first = [], True, None
    for i in range(a.repeat):
        mem.sync()
        t0 = time.perf_counter()
        out = run()
        mem.sync()
        t.times.append((time.perf_counter() - t0) * 1000.0)
        if i == 0:
            t.finite = bool(torch.isfinite(out).all())
            if out.numel() == 1:
                t.first = out.item()
        del out
        clear()
    mem.sync()
    t.peak = mem.peak()
    return t


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
        if a.text_len < TEXT_LENGTH:
            # What WanPipeline (and SimpleTuner's text-embed cache) hand the model: the prompt
            # zero-padded to 512 tokens. Reel pads inside forward, so both attend over 512.
            encoder_hidden_states = F.pad(encoder_hidden_states, (0, 0, 0, TEXT_LENGTH - a.text_len))
        # forward_backward's output gradient, train_step's regression target.
        target = torch.randn(a.batch, a.out_channels, a.frames, a.height, a.width, device=device, dtype=dtype)

        def forward():
            return model(hidden_states, timestep, encoder_hidden_states, return_dict=False)[0]

        for measurement in a.measurements:
            train = measurement == "train_step"
            backward = measurement != "forward"
            grad = "lora" if train else a.grad if backward else "none"
            adapter_dtype = a.lora_dtype if train else dtype_flag if grad == "lora" else "none"
            n_grad = n_trainable if backward else 0

            if train:
                detach_loras(model)
                lora_params = attach_peft_lora(model, a.lora_rank,
                                               torch.bfloat16 if a.lora_dtype == "bf16" else torch.float32)
                n_grad = sum(t.numel() for t in lora_params)
                hidden_states.requires_grad_(False)
                optimizer = None

                def setup():
                    nonlocal optimizer
                    # torch's defaults are torch-adamw's: betas (0.9, 0.999), eps 1e-8,
                    # weight decay 1e-2; the state is made at the first step (in the warm-up).
                    optimizer = torch.optim.AdamW(lora_params, lr=LEARNING_RATE)

                def step():
                    pred = forward()
                    loss = F.mse_loss(pred.float(), target.float())
                    loss.backward()
                    optimizer.step()
                    optimizer.zero_grad(set_to_none=True)
                    return loss.detach()

                t = measure(mem, a, step, setup=setup)
                del optimizer
            else:
                for p in trainable:
                    p.requires_grad_(backward)
                hidden_states.requires_grad_(backward)

                def clear_grads():
                    for p in trainable:
                        p.grad = None
                    hidden_states.grad = None

                def step():
                    if backward:
                        out = forward()
                        out.backward(target)
                        return out.detach()
                    with torch.no_grad():
                        return forward()

                t = measure(mem, a, step, clear=clear_grads)
                for p in trainable:
                    p.requires_grad_(False)
                hidden_states.requires_grad_(False)

            record = {
                "impl": "diffusers",
                "torch": torch.__version__.split("+")[0],
                "device": device.type,
                "dtype": dtype_flag,
                "measurement": measurement,
                "grad": grad,
                "trainable_params": n_grad,
                "lora_rank": a.lora_rank if grad == "lora" else 0,
                "adapter_dtype": adapter_dtype,
                "optimizer": "adamw" if train else "none",
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
                "ms_median": statistics.median(t.times),
                "ms_min": min(t.times),
                "ms_mean": statistics.fmean(t.times),
                "times_ms": t.times,
                "peak_mem_bytes": t.peak,
                "base_mem_bytes": t.base,
                "mem_kind": mem.kind,
                "finite": t.finite,
                "loss": t.first if train else None,
            }
            print(json.dumps(record), flush=True)
            rows.append(record)
        del model, trainable

    mib = 1048576.0
    print(f"\ndiffusers wan transformer | {device.type} | {a.layers} layers, dim {dim}, {tokens} video + "
          f"{a.text_len} text tokens, batch {a.batch}"
          f"{', checkpointed' if a.gradient_checkpointing else ''}", file=sys.stderr)
    print(f"{'dtype':<6} {'measurement':<17} {'grad':<5} {'median ms':>12} {'min ms':>12} {'peak MiB':>12} "
          f"{'over base MiB':>14} finite", file=sys.stderr)
    for r in rows:
        print(f"{r['dtype']:<6} {r['measurement']:<17} {r['grad']:<5} {r['ms_median']:12.1f} {r['ms_min']:12.1f} "
              f"{r['peak_mem_bytes'] / mib:12.1f} {(r['peak_mem_bytes'] - r['base_mem_bytes']) / mib:14.1f} "
              f"{'yes' if r['finite'] else 'NO'}", file=sys.stderr)


if __name__ == "__main__":
    run(parse_args(sys.argv[1:]))
