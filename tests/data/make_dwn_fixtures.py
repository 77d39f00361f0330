"""Make the small dwn_* fixtures (run by hand, not by the tests).

Needs torch-dwn 1.1.1's Python modules importable, without its CUDA extension (`pip download
torch-dwn==1.1.1 --no-deps`, untar, put its `src` on PYTHONPATH; on a machine without a GPU the
package never imports the kernel):

    PYTHONPATH=/path/to/torch_dwn-1.1.1/src python tests/data/make_dwn_fixtures.py tests/data

The models are built with torch-dwn's own classes (`LUTLayer`, `LearnableMapping`, `GroupSum`,
the thermometers, fitted on scikit-learn data) and saved with `torch.save`, whole and as a
state_dict; they are not trained (torch-dwn's forward runs only on CUDA), so their LUTs are the
library's random initialization, with a few entries set to exactly 0.0 and -0.0 (outputs 0: the
library tests `lut > 0`). The eval-mode outputs in NAME.vectors.npz are computed here in numpy
from the CUDA kernel's code (efd_cuda_kernel.cu: address bit l = input[mapping[j][l]] > 0, LSB
first; output luts[j][addr]; STE `> 0`) and GroupSum's (randperm, zero padding to a multiple of
k, contiguous sums, / tau): `raw` float32 features, `x` the input bits (the thermometer's
`binarize`, flattened), `thresholds`, `scores`, `y` (-1 for the random rows).
"""

import json
import sys

import numpy as np
import torch
from sklearn.datasets import make_classification
from torch_dwn import DistributiveThermometer, GaussianThermometer, GroupSum, LUTLayer, Thermometer
from torch_dwn.mapping import LearnableMapping


def kernel_forward(model, bits):
    """The eval-mode forward of a Sequential of LUTLayers and a GroupSum, in numpy."""
    x = bits.astype(np.float32)
    for layer in model:
        if isinstance(layer, LUTLayer):
            if isinstance(layer.mapping, LearnableMapping):
                x = x[:, layer.mapping.weights.detach().numpy().argmax(axis=0)]
                mapping = layer._LUTLayer__dummy_mapping.numpy()
            else:
                mapping = layer.mapping.detach().numpy()
            addr = sum((x[:, mapping[:, l]] > 0).astype(np.int64) << l for l in range(layer.n))
            luts = layer.luts.detach().numpy()
            x = luts[np.arange(len(luts))[None, :], addr]
            if layer.ste:
                x = (x > 0).astype(np.float32)
        else:
            if layer.randperm is not None:
                x = x[:, layer.randperm.numpy()]
            pad = -x.shape[1] % layer.k
            x = np.pad(x, ((0, 0), (0, pad)))
            x = x.reshape(len(x), layer.k, -1).sum(axis=2) / layer.tau
    return x.astype(np.float32)


def features(n_features, n_classes, seed):
    raw, y = make_classification(n_samples=600, n_features=n_features,
                                 n_informative=n_features // 2,
                                 n_classes=n_classes, random_state=seed)
    return raw.astype(np.float32), y


def edge_rows(thresholds, n_features, rng, n=64):
    """Random rows, and rows whose features sit exactly on, and one float32 step either side
    of, the thresholds (strict `>`), at +-0 and far out."""
    t = np.broadcast_to(thresholds, (n_features, thresholds.shape[-1])).astype(np.float32)
    pick = t[np.arange(n_features), rng.integers(0, t.shape[1], (n, n_features))]
    step = rng.integers(-1, 2, (n, n_features)).astype(np.float32)
    rows = np.nextafter(pick, np.where(step > 0, np.inf, -np.inf).astype(np.float32))
    rows = np.where(step == 0, pick, rows).astype(np.float32)
    rows[:4] = [[0.0] * n_features, [-0.0] * n_features, [1e30] * n_features, [-1e30] * n_features]
    return np.concatenate([rows, rng.normal(0, 2, (n, n_features)).astype(np.float32)])


def save(out, name, model, thermometer, raw, y, spec=None):
    bits = thermometer.binarize(torch.as_tensor(raw)).flatten(1).numpy().astype(np.uint8)
    scores = kernel_forward(model, bits)
    thresholds = thermometer.thresholds.numpy().astype(np.float32)
    torch.save(model, f"{out}/{name}.pt")
    torch.save(model.state_dict(), f"{out}/{name}.state_dict.pt")
    torch.save(thermometer, f"{out}/{name}.thermometer.pt")
    np.savez_compressed(f"{out}/{name}.vectors.npz", raw=raw, x=bits, thresholds=thresholds,
                        scores=scores, y=y)
    if spec is not None:
        with open(f"{out}/{name}.arch.json", "w") as f:
            json.dump(spec, f, indent=1)
            f.write("\n")
    top = np.sort(scores, axis=1)
    print(f"{name}: {bits.shape[1]} input bits, ties {np.mean(top[:, -1] == top[:, -2]):.2f}")


def zero_some(layer, rng, count=6):
    """Set a few LUT entries to exactly 0.0 and -0.0 (both give output 0)."""
    with torch.no_grad():
        rows = rng.integers(0, layer.luts.shape[0], count)
        cols = rng.integers(0, layer.luts.shape[1], count)
        layer.luts[rows[::2], cols[::2]] = 0.0
        layer.luts[rows[1::2], cols[1::2]] = -0.0


def main(out):
    torch.manual_seed(0)
    rng = np.random.default_rng(0)

    # every mapping kind but a given tensor, n = 6, 4, 5; GroupSum with randperm and padding
    # (45 outputs into 4 classes of 12: 3 zero columns); a feature-wise distributive thermometer
    raw, y = features(12, 4, seed=1)
    thermometer = DistributiveThermometer(6).fit(raw[:400])
    model = torch.nn.Sequential(
        LUTLayer(72, 100, n=6, mapping="learnable"),
        LUTLayer(100, 64, n=4, mapping="arange"),
        LUTLayer(64, 45, n=5, mapping="random"),
        GroupSum(4, tau=1.5, randperm=45))
    zero_some(model[1], rng)
    rows = np.concatenate([raw[400:], edge_rows(thermometer.thresholds.numpy(), 12, rng)])
    labels = np.concatenate([y[400:], -np.ones(len(rows) - len(y[400:]), np.int64)])
    save(out, "dwn_mixed", model, thermometer, rows, labels, spec={"format": "dwn", "layers": [
        {"type": "LUTLayer", "input_size": 72, "output_size": 100, "n": 6, "mapping": "learnable"},
        {"type": "LUTLayer", "input_size": 100, "output_size": 64, "n": 4, "mapping": "arange"},
        {"type": "LUTLayer", "input_size": 64, "output_size": 45, "n": 5},
        {"type": "GroupSum", "k": 4, "tau": 1.5, "randperm": model[3].randperm.tolist()}]})

    # n = 1, 2, 3 with given mapping tensors, an intermediate layer without STE (its float
    # outputs are read as `> 0` by the next layer), padding without randperm (22 -> 24); a global
    # thermometer (feature_wise=False: thresholds [1, T])
    raw, y = features(6, 3, seed=2)
    thermometer = Thermometer(5, feature_wise=False).fit(raw[:400])
    gen = torch.Generator().manual_seed(3)
    model = torch.nn.Sequential(
        LUTLayer(30, 40, n=1,
                 mapping=torch.randint(0, 30, (40, 1), generator=gen, dtype=torch.int32)),
        LUTLayer(40, 30, n=2, mapping="random", ste=False),
        LUTLayer(30, 22, n=3,
                 mapping=torch.randint(0, 30, (22, 3), generator=gen, dtype=torch.int32)),
        GroupSum(3, tau=1))
    zero_some(model[2], rng)
    rows = np.concatenate([raw[400:], edge_rows(thermometer.thresholds.numpy(), 6, rng)])
    labels = np.concatenate([y[400:], -np.ones(len(rows) - len(y[400:]), np.int64)])
    save(out, "dwn_small_n123", model, thermometer, rows, labels, spec={"format": "dwn", "layers": [
        {"type": "LUTLayer", "input_size": 30},
        {"type": "LUTLayer", "input_size": 40, "ste": False},
        {"type": "LUTLayer", "input_size": 30},
        {"type": "GroupSum", "k": 3}]})

    # a Gaussian thermometer without feature_wise (thresholds [T]), 2 layers of n = 6
    raw, y = features(8, 2, seed=4)
    thermometer = GaussianThermometer(4, feature_wise=False).fit(raw[:400])
    model = torch.nn.Sequential(LUTLayer(32, 60, n=6), LUTLayer(60, 20, n=6), GroupSum(2, tau=3))
    rows = np.concatenate([raw[400:], edge_rows(thermometer.thresholds.numpy(), 8, rng)])
    labels = np.concatenate([y[400:], -np.ones(len(rows) - len(y[400:]), np.int64)])
    save(out, "dwn_gaussian_global", model, thermometer, rows, labels,
         spec={"format": "dwn", "layers": [
             {"type": "LUTLayer", "input_size": 32, "output_size": 60, "n": 6, "mapping": "random"},
             {"type": "LUTLayer", "input_size": 60, "output_size": 20, "n": 6, "mapping": "random"},
             {"type": "GroupSum", "k": 2, "tau": 3}]})


if __name__ == "__main__":
    main(sys.argv[1])
