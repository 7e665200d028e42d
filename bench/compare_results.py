"""Side-by-side table of two benchmark result files (JSON lines from wan_transformer_bench and
wan_transformer_bench.py): one row per (dtype, measurement) with the Reel/diffusers ratios.
Notes follow the table where the two sides did not measure the same thing (shape, adapters,
trainable parameter count) or an output was not finite.

    python bench/compare_results.py REEL.jsonl DIFFUSERS.jsonl

A ratio below 1 means Reel is faster (time) or uses less memory. Memory compared is the
peak on CUDA (the caching allocator's max allocated: weights + activations + gradients) and,
on CPU, the rise of the resident set above its level before the measurement (peak VmHWM
minus RSS before), because the two processes start from different baselines (a Python
interpreter with diffusers imported vs a C++ binary).
"""

import json
import sys

SHAPE_KEYS = ("device", "layers", "dim", "batch", "frames", "height", "width", "text_len", "grad",
              "trainable_params", "lora_rank", "adapter_dtype", "optimizer", "gradient_checkpointing", "threads")


def load(path):
    rows = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                r = json.loads(line)
                rows[(r["dtype"], r["measurement"])] = r
    return rows


def mem_compared(r):
    if r["device"] == "cuda":
        return r["peak_mem_bytes"]
    return r["peak_mem_bytes"] - r["base_mem_bytes"]


def ratio(a, b):
    return f"{a / b:.2f}" if b > 0 else "-"


def main(reel_path, diffusers_path):
    reel, diff = load(reel_path), load(diffusers_path)
    keys = [k for k in reel if k in diff] + [k for k in diff if k not in reel]
    if not keys:
        sys.exit("compare_results: no measurements found")
    mib = 1048576.0
    first = reel.get(keys[0]) or diff[keys[0]]
    print(f"\nWan transformer, Reel vs diffusers | {first['device']} | {first['layers']} layers, dim {first['dim']}, "
          f"{first['tokens']} video + {first['text_len']} text tokens, batch {first['batch']}, "
          f"{first['threads']} threads, median of {first['repeat']} after {first['warmup']} warm-up")
    mem_label = "peak MiB" if first["device"] == "cuda" else "RSS rise MiB"
    header = (f"{'dtype':<5} {'measurement':<17} {'grad':<5} {'reel ms':>10} {'diffusers ms':>13} {'time ratio':>10} "
              f"{'reel ' + mem_label:>18} {'diffusers ' + mem_label:>23} {'mem ratio':>9}")
    print(header)
    print("-" * len(header))
    problems = []
    for key in keys:
        r, d = reel.get(key), diff.get(key)
        if r is None or d is None:
            have = "reel" if r else "diffusers"
            problems.append(f"{key[0]} {key[1]}: only {have} has this measurement")
            continue
        for k in SHAPE_KEYS:
            if r.get(k) != d.get(k):
                problems.append(f"{key[0]} {key[1]}: {k} differs (reel {r[k]}, diffusers {d[k]})")
        for who, x in (("reel", r), ("diffusers", d)):
            if not x["finite"]:
                problems.append(f"{key[0]} {key[1]}: {who}'s output has inf/nan (timing still valid)")
        mr, md = mem_compared(r), mem_compared(d)
        print(f"{key[0]:<5} {key[1]:<17} {r['grad']:<5} {r['ms_median']:10.1f} {d['ms_median']:13.1f} "
              f"{ratio(r['ms_median'], d['ms_median']):>10} {mr / mib:18.1f} {md / mib:23.1f} {ratio(mr, md):>9}")
    print("ratio = reel / diffusers: below 1 means Reel is faster or smaller")
    trains = [reel[k] for k in keys if k[1] == "train_step" and k in reel]
    if trains:
        t = trains[0]
        print(f"train_step: forward, MSE loss (float32) against a random target, backward, AdamW step, "
              f"zero_grad; LoRA rank {t['lora_rank']} on to_q,to_k,to_v,to_out.0 ({t['trainable_params']:,} "
              f"{t['adapter_dtype']} parameters; diffusers side: peft)")
    for p in problems:
        print(f"note: {p}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
