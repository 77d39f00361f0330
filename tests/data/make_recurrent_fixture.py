"""Train the recurrent fixture: lgc.nn.RecurrentLogic on scikit-learn's digits fed row by row.

    python tests/data/make_recurrent_fixture.py   (from the checkout root; about a minute)

Each 8x8 digit is a sequence of 8 steps, one row each, every pixel as 4 thermometer bits
(> 2, 6, 10, 14): 32 bits per step. The loss is the cross-entropy of the last step's scores.
Writes recurrent_digits.pt (torch.save(model)) and recurrent_digits.vectors.npz: `x` [N, 8, 32]
(the 200 first test digits, then the same digits cut to random lengths 1..8), `lengths`, `y`.
"""

import os

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from lgc.nn import RecurrentLogic

HERE = os.path.dirname(os.path.abspath(__file__))
THRESHOLDS = np.array([2, 6, 10, 14])
EPOCHS = 80


def sequences(images):
    """[N, 64] pixels -> [N, 8, 32] bits: row r is step r."""
    bits = images.reshape(len(images), 8, 8)[..., None] > THRESHOLDS
    return bits.reshape(len(images), 8, 32).astype(np.float32)


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)  # many small ops: more threads only spin on a busy machine
    digits = load_digits()
    x, y = sequences(digits.data), digits.target
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=42)
    model = RecurrentLogic(32, next_state=(192, 64), output=(400,), k=10, tau=8,
                           output_reads="new", initial_state=0)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    xt, yt = torch.tensor(x_train), torch.tensor(y_train)
    for epoch in range(EPOCHS):
        model.train()
        order = torch.randperm(len(xt))
        for i in range(0, len(xt), 128):
            batch = order[i:i + 128]
            loss = torch.nn.functional.cross_entropy(model(xt[batch])[:, -1], yt[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        print(f"epoch {epoch + 1}/{EPOCHS}: loss {loss.item():.3f}", flush=True)
    model.eval()
    with torch.no_grad():
        pred = model(torch.tensor(x_test))[:, -1].argmax(-1).numpy()
    print(f"test accuracy (eval, discrete gates, last step): {(pred == y_test).mean():.3f}")
    torch.save(model, os.path.join(HERE, "recurrent_digits.pt"))
    rng = np.random.default_rng(0)
    first = x_test[:200]
    lengths = np.concatenate([np.full(200, 8), rng.integers(1, 9, 200)])
    np.savez(os.path.join(HERE, "recurrent_digits.vectors.npz"),
             x=np.concatenate([first, first]).astype(np.uint8), lengths=lengths,
             y=np.concatenate([y_test[:200], y_test[:200]]))


if __name__ == "__main__":
    main()
