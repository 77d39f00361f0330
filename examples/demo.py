"""`make demo`: the flow end to end on the shipped example model, saying what each step did."""

import pathlib
import time

import numpy as np

import lgc
from lgc.ir.stats import summary
from lgc.sim.reference import reference

HERE = pathlib.Path(__file__).parent
MODEL = HERE / "digits.pt"
VECTORS = HERE / "digits.vectors.npz"


def main():
    start = time.perf_counter()
    netlist = lgc.load(MODEL)
    info = summary(netlist)
    print(f"loaded {MODEL.name}: {info['source']['format']} model, {info['inputs']} input bits "
          f"({info['encoding']} encoding), {info['gates']} gates in {len(info['layers'])} layers, "
          f"{info['classes']} classes, tau {info['tau']:g}  [{time.perf_counter() - start:.2f} s]")
    with np.load(VECTORS) as v:
        raw, bits, labels = v["raw"], v["x"], v["y"]
    start = time.perf_counter()
    scores, pred = netlist.evaluate(bits)
    ref = reference(MODEL, raw=raw)
    exact = np.array_equal(scores, ref.counts) and np.array_equal(pred, ref.pred)
    print(f"evaluated {len(bits)} test vectors in the IR: scores {'==' if exact else '!='} PyTorch "
          f"reference on every vector; accuracy IR {np.mean(pred == labels):.3f}, PyTorch "
          f"{np.mean(ref.pred == labels):.3f}  [{time.perf_counter() - start:.2f} s]")
    if not exact:
        raise SystemExit("demo: the IR disagrees with PyTorch")


if __name__ == "__main__":
    main()
