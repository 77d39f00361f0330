"""`make demo`: the flow end to end on the shipped example model, saying what each step did.

The IR is checked against PyTorch, then the CLI compiles the model to pipelined Verilog with the
UART board top of the ULX3S-85F (`lgc compile --board`), runs that RTL in Verilator on the test
vectors plus random ones (`lgc simulate`), comparing every score and class with the PyTorch
reference, and synthesizes, places, routes and packs it for the board (`lgc synth`). A table
sums it up from the build's report.json.
"""

import json
import pathlib
import subprocess
import sys
import time

import numpy as np

import lgc
from lgc.ir.stats import summary
from lgc.reference import reference

HERE = pathlib.Path(__file__).parent
MODEL = HERE / "digits.pt"
VECTORS = HERE / "digits.vectors.npz"
BUILD = pathlib.Path("build") / "digits"
BOARD = "ulx3s-85f"


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
    lgc_cli("compile", MODEL, "-o", BUILD, "--board", BOARD)
    lgc_cli("simulate", BUILD, "--vectors", VECTORS, "--random", 2000, "--out", out)
    lgc_cli("synth", BUILD)
    rtl_pred = np.load(out)["pred"][:len(labels)]
    with open(BUILD / "report.json") as f:
        report = json.load(f)
    print_summary(report, np.mean(ref.pred == labels), np.mean(rtl_pred == labels), len(labels))


def print_summary(report, torch_accuracy, rtl_accuracy, n_test):
    """One table of what the build holds, from its report.json."""
    sim, syn, rtl = report["simulation"], report["synthesis"], report["rtl"]
    util = syn["utilization"]
    device = syn["target"]["device"]
    (clock, fmax), = syn["fmax"].items()
    rows = [
        (f"accuracy on {n_test} test digits",
         f"PyTorch {torch_accuracy:.3f}, RTL {rtl_accuracy:.3f}"
         f" (scores and classes bit-exact on all {sim['vectors']} simulated vectors)"),
        ("gates", f"{report['passes']['gates_before']} before the passes, "
                  f"{report['passes']['gates_after']} after"),
        ("LUTs", f"{syn['luts']} ({util['TRELLIS_COMB']['percent']:g}% of the {device}'s logic "
                 f"cells, with {syn['carry']} carry cells)"),
        ("FFs", f"{syn['ffs']} ({rtl['registers']['total']} of them the core's registers)"),
        ("Fmax", f"{fmax['achieved_mhz']:g} MHz (placed and routed for {fmax['target_mhz']:g} "
                 f"MHz, the board's clock)"),
        ("latency", f"{rtl['latency']} clocks"),
        ("bitstream", str(BUILD / syn["bitstream"])),
        ("report", str(BUILD / "report.json")),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"\n{MODEL.name} on {syn['target']['board']} ({device})")
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")


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
