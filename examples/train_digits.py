"""Train the shipped example: a DLGN on scikit-learn's bundled 8x8 digits (no download), CPU only.

Pixels (0..16) are thermometer-encoded inside the model (lgc.nn.Thermometer: pixel > 2, 6, 10, 14),
so the saved file carries its own input encoding. Writes examples/digits.pt (whole model, as
torch.save(model)) and examples/digits.vectors.npz (test set: raw pixels, bits, labels).

    python examples/train_digits.py [--out examples] [--epochs 40] [--seed 0]
"""

import argparse
import os
import time

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from lgc.nn import GroupSum, LogicLayer, Thermometer

THRESHOLDS = [2.0, 6.0, 10.0, 14.0]


def build_model(generator, width, depth, tau=10.0):
    layers = [Thermometer(np.tile(THRESHOLDS, (64, 1)))]
    in_dim = 64 * len(THRESHOLDS)
    for _ in range(depth):
        layers.append(LogicLayer(in_dim, width, generator=generator))
        in_dim = width
    return torch.nn.Sequential(*layers, GroupSum(10, tau))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--width", type=int, default=2000)
    parser.add_argument("--depth", type=int, default=4)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    digits = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(
        digits.data.astype(np.float32), digits.target, test_size=0.25, random_state=args.seed)
    model = build_model(torch.Generator().manual_seed(args.seed), args.width, args.depth)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    xt, yt = torch.tensor(x_train), torch.tensor(y_train)
    start = time.time()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(xt))
        for i in range(0, len(xt), 128):
            idx = perm[i:i + 128]
            loss = torch.nn.functional.cross_entropy(model(xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        if (epoch + 1) % 10 == 0:
            acc = evaluate(model, x_test, y_test)
            print(f"epoch {epoch + 1}: loss {loss.item():.3f}, eval accuracy {acc:.3f}", flush=True)
    model.eval()
    print(f"trained in {time.time() - start:.0f} s; "
          f"eval accuracy {evaluate(model, x_test, y_test):.3f}")

    torch.save(model, os.path.join(args.out, "digits.pt"))
    with torch.no_grad():
        bits = model[0](torch.tensor(x_test)).numpy().astype(np.uint8)
    np.savez_compressed(os.path.join(args.out, "digits.vectors.npz"), raw=x_test.astype(np.uint8),
                        x=bits, y=y_test.astype(np.int64))


def evaluate(model, x, y):
    model.eval()
    with torch.no_grad():
        return (model(torch.tensor(x)).argmax(-1).numpy() == y).mean()


if __name__ == "__main__":
    main()
