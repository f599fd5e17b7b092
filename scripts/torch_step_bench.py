#!/usr/bin/env python3
"""PyTorch reference for `tucker-train bench step --model toy`: the same toy network, batch and
loss, plain SGD, timed the same way (median ms per training step after warm-up), with torch's
default thread count unless --threads says otherwise.

toy: conv 3->32 3x3 same + ReLU, conv 32->64 3x3 same + ReLU, max-pool 2, flatten, dense 10;
input 32x32x3 (src/bench/stepBench.ts, buildToy).

  python3 scripts/torch_step_bench.py --batch 64 --steps 10 --warmup 2 [--threads N] [--json]
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn


def toy() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(32, 64, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * 16 * 16, 10),
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's own choice)")
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    if a.threads is not None:
        torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = toy()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.rand(a.batch, 3, 32, 32)
    y = torch.randint(0, 10, (a.batch,))
    loss_fn = nn.CrossEntropyLoss()

    def step() -> float:
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        loss.item()
        return (time.perf_counter() - t0) * 1000

    for _ in range(a.warmup):
        step()
    times = [step() for _ in range(a.steps)]
    med = statistics.median(times)
    r = {
        "model": "toy",
        "framework": f"pytorch {torch.__version__}",
        "threads": torch.get_num_threads(),
        "batch": a.batch,
        "steps": a.steps,
        "msPerStep": round(med, 1),
        "msMin": round(min(times), 1),
        "msMax": round(max(times), 1),
        "imagesPerSecond": round(a.batch * 1000 / med, 1),
    }
    if a.json:
        print(json.dumps(r))
    else:
        for k, v in r.items():
            print(f"{k:16} {v}")


if __name__ == "__main__":
    main()
