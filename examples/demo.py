"""`make demo`: the flow end to end on the shipped example model, saying what each step did.

The IR is checked against PyTorch, then the CLI compiles the model to pipelined Verilog
(`lgc compile`) and runs that RTL in Verilator on the test vectors plus random ones
(`lgc simulate`), comparing every score and class with the PyTorch reference.
"""

import pathlib
import subprocess
import sys
import time

import numpy as np

import lgc
from lgc.ir.stats import summary
from lgc.sim.reference import reference

HERE = pathlib.Path(__file__).parent
MODEL = HERE / "digits.pt"
VECTORS = HERE / "digits.vectors.npz"
BUILD = pathlib.Path("build") / "digits"


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

    out = BUILD.parent / "digits.rtl_outputs.npz"
    lgc_cli("compile", MODEL, "-o", BUILD)
    lgc_cli("simulate", BUILD, "--vectors", VECTORS, "--random", 2000, "--out", out)
    rtl_pred = np.load(out)["pred"][:len(labels)]
    print(f"RTL accuracy on the {len(labels)} test digits: {np.mean(rtl_pred == labels):.3f}; "
          f"Verilog in {BUILD / 'rtl'}, everything measured in {BUILD / 'report.json'}")


def lgc_cli(*args):
    """Run one CLI step, showing the command and its output; stop the demo if it fails."""
    args = [str(a) for a in args]
    print(f"\n$ lgc {' '.join(args)}", flush=True)
    start = time.perf_counter()
    if subprocess.run([sys.executable, "-m", "lgc", *args]).returncode:
        raise SystemExit(f"demo: lgc {args[0]} failed")
    print(f"[{time.perf_counter() - start:.1f} s]")


if __name__ == "__main__":
    main()
