#!/usr/bin/env python3
"""PyTorch reference for `tucker-train bench speedup --model vgg19 --rank-policy ratio:F`: the
same CIFAR VGG19 (conv 3x3 no bias + batch norm + ReLU, max-pools, one dense layer; zoo/index.ts),
and the same network with every conv Tucker-2 decomposed at ranks round(F*C) (at least 1):
1x1 Cin->K1, 3x3 K1->K2 (stride, padding), 1x1 K2->Cout. Times one SGD training step of each,
alternately, after warm-up, and prints the medians, the measured speedup and eq. 11's prediction
(conv multiply-accumulates before / after) with the share of it measured.

  /usr/bin/python3 scripts/torch_vgg19_speedup.py --batch 32 --steps 7 --ratio 0.25 [--threads N]
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn

CFG = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"]


def rank(c: int, f: float) -> int:
    return max(1, round(f * c))


def vgg19(ratio=None):
    layers, cin, hw, macs = [], 3, 32, 0
    for v in CFG:
        if v == "M":
            layers.append(nn.MaxPool2d(2))
            hw //= 2
            continue
        if ratio is None:
            layers.append(nn.Conv2d(cin, v, 3, padding=1, bias=False))
            macs += hw * hw * 9 * cin * v
        else:
            k1, k2 = rank(cin, ratio), rank(v, ratio)
            layers += [
                nn.Conv2d(cin, k1, 1, bias=False),
                nn.Conv2d(k1, k2, 3, padding=1, bias=False),
                nn.Conv2d(k2, v, 1, bias=False),
            ]
            macs += hw * hw * (cin * k1 + 9 * k1 * k2 + k2 * v)
        layers += [nn.BatchNorm2d(v), nn.ReLU()]
        cin = v
    layers += [nn.Flatten(), nn.Linear(512, 10)]
    return nn.Sequential(*layers), macs


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--steps", type=int, default=7)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--ratio", type=float, default=0.25)
    p.add_argument("--threads", type=int, default=None)
    a = p.parse_args()
    if a.threads is not None:
        torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    x = torch.rand(a.batch, 3, 32, 32)
    y = torch.randint(0, 10, (a.batch,))
    nets = {}
    for name, r in (("original", None), ("decomposed", a.ratio)):
        m, macs = vgg19(r)
        nets[name] = (m, torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9), macs)
    loss_fn = nn.CrossEntropyLoss()

    def step(name: str) -> float:
        m, opt, _ = nets[name]
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(m(x), y)
        loss.backward()
        opt.step()
        loss.item()
        return (time.perf_counter() - t0) * 1000

    times = {"original": [], "decomposed": []}
    for i in range(a.warmup + a.steps):
        for name in times:  # alternate, so drift on a shared machine hits both alike
            t = step(name)
            if i >= a.warmup:
                times[name].append(t)
    orig, dec = statistics.median(times["original"]), statistics.median(times["decomposed"])
    predicted = nets["original"][2] / nets["decomposed"][2]
    measured = orig / dec
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), batch {a.batch}, ratio:{a.ratio}")
    print(f"original   {orig:8.1f} ms/step (median of {a.steps})")
    print(f"decomposed {dec:8.1f} ms/step")
    print(f"speedup {measured:.2f}x; eq. 11 predicts {predicted:.2f}x; measured is {100 * measured / predicted:.0f} % of it")


if __name__ == "__main__":
    main()
