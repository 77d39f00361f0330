"""Train a dense torchlogix model on the digits the way the upstream fixtures were made
(../shared/fixtures/make_fixtures.py: thermometer bits `pixel > [2, 6, 10, 14]`, Adam, lr 0.05,
batches of 128, the 25% test split of random_state 42), for bench/peers.py at sizes the fixtures
do not have. Writes NAME.pt (torch.save of the whole model) and NAME.vectors.npz (`x`: the first
200 test digits' bits, `scores`: the model's eval-mode output, `y`: their labels).

    python -m bench.train_torchlogix OUT_DIR [--layers 1200 1200 1000] [--tau 10]
                                     [--parametrization raw] [--epochs 20] [--seed 21]
"""

import argparse
import pathlib

import numpy as np


def encode(pixels):
    return (pixels[:, :, None] > np.array([2, 6, 10, 14])).reshape(len(pixels), -1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--layers", nargs="+", type=int, default=[1200, 1200, 1000])
    parser.add_argument("--tau", type=float, default=10.0)
    parser.add_argument("--parametrization", default="raw")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=21)
    args = parser.parse_args()

    from bench.peers import import_torchlogix, require_peers

    require_peers()
    import torch
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    layers = import_torchlogix().layers
    digits = load_digits()
    x = encode(digits.data).astype(np.float32)
    x_train, x_test, y_train, y_test = train_test_split(x, digits.target, test_size=0.25,
                                                        random_state=42)
    x_test, y_test = x_test[:200], y_test[:200]

    torch.manual_seed(args.seed)
    widths = [x.shape[1], *args.layers]
    model = torch.nn.Sequential(torch.nn.Flatten(), *(
        layers.LogicDense(a, b, parametrization=args.parametrization)
        for a, b in zip(widths, widths[1:])), layers.GroupSum(k=10, tau=args.tau))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    inputs, labels = torch.tensor(x_train), torch.tensor(y_train)
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(inputs))
        for i in range(0, len(inputs), 128):
            batch = order[i:i + 128]
            loss = torch.nn.functional.cross_entropy(model(inputs[batch]), labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        scores = model(torch.tensor(x_test)).numpy()
    name = (f"torchlogix_dense_{args.parametrization}_"
            + "x".join(map(str, args.layers)) + f"_tau{args.tau:g}")
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.save(model, out / f"{name}.pt")
    np.savez_compressed(out / f"{name}.vectors.npz", x=x_test.astype(np.uint8), scores=scores,
                        y=y_test)
    print(f"{out / name}.pt: {sum(args.layers)} gates, test accuracy "
          f"{(scores.argmax(1) == y_test).mean():.1%} on {len(y_test)} digits")


if __name__ == "__main__":
    main()
