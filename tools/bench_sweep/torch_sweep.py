#!/usr/bin/python3
"""PyTorch eager peer of `encore bench --sweep`.

Builds the model with the shared reference script's own loader and torch module
(../shared/reference/distilbert_ref.py, imported, not copied), times forward passes on random ids
for each SEQxBATCH configuration and prints the raw per-iteration times, so the sweep computes
every system's statistics the same way.

usage: torch_sweep.py REFERENCE_DIR MODEL_DIR THREADS 8x1,64x8 BUDGET_MS MIN_ITERS MAX_ITERS WARMUP
stdout: "ready", then one line per configuration: "seq,batch,ms ms ms ...".
"""
import sys
import time


def main():
    if len(sys.argv) != 9 or "--help" in sys.argv:
        print(__doc__, file=sys.stderr)
        return 0 if "--help" in sys.argv else 2
    reference_dir, model_dir, threads, configs = sys.argv[1:5]
    budget_ms, min_iters, max_iters, warmup = float(sys.argv[5]), *map(int, sys.argv[6:9])
    sys.path.insert(0, reference_dir)
    import numpy as np
    import torch
    import distilbert_ref

    cfg, weights, prefix = distilbert_ref.load(model_dir)
    model = distilbert_ref.torch_model(cfg, weights, prefix, int(threads))
    rng = np.random.default_rng(0)
    print("ready", flush=True)
    for config in configs.split(","):
        seq, batch = map(int, config.split("x"))
        ids = torch.from_numpy(rng.integers(1000, cfg["vocab_size"], (batch, seq)))
        mask = torch.ones((batch, seq), dtype=torch.int64)
        times = []
        with torch.no_grad():
            for _ in range(warmup):
                model(ids, mask)
            while len(times) < max_iters and (sum(times) < budget_ms or len(times) < min_iters):
                start = time.perf_counter()
                model(ids, mask)
                times.append((time.perf_counter() - start) * 1e3)
        print(f"{seq},{batch}," + " ".join(f"{t:.4f}" for t in times), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
