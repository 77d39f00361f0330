"""Verilator build time and simulated vectors/s of the RTL at 8k / 32k gates (and at scale:
--gates 256000 --opt Os, the size `lgc simulate` must build within 10 minutes).

    python -m bench.sim [--gates 8000 32000] [--vectors 20000] [--opt O0 Os]

Random difflogic-shaped netlists (bench/random_models.py, 784 inputs, 4 layers, 10 classes),
default RTL options, checked bit-exact against the IR; vectors/s counts the simulation itself
(cocotb's test time), the wall time adds starting the simulator. Builds go to a temporary
directory (the Verilator runtime objects are cached in ~/.cache/lgc after the first build).
"""

import argparse
import tempfile

import numpy as np

from lgc.rtl import generate
from lgc.sim.simulate import run_rtl
from tests.support.models import random_difflogic_netlist


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gates", type=int, nargs="+", default=[8000, 32000])
    parser.add_argument("--vectors", type=int, default=20000)
    parser.add_argument("--opt", nargs="+", default=["O0", "Os"], choices=["O0", "Os", "O2"])
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    for gates in args.gates:
        netlist = random_difflogic_netlist(784, gates // 4, 4)
        x = rng.integers(0, 2, (args.vectors, 784), dtype=np.uint8)
        scores, pred = netlist.evaluate(x)
        with tempfile.TemporaryDirectory() as tmp:
            _, rtl = generate(netlist, f"{tmp}/rtl")
            for opt in args.opt:
                r = run_rtl(f"{tmp}/rtl", rtl, f"{tmp}/sim_{opt}", x, scores, pred, opt=opt).report
                print(f"{gates:>6,} gates ({rtl['live_gates']:,} live), C++ -{opt}: Verilator "
                      f"build {r['verilator_build_seconds']:.1f} s; {args.vectors:,} vectors in "
                      f"{r['sim_seconds']:.2f} s = {r['vectors_per_second']:,.0f} vectors/s "
                      f"({r['sim_wall_seconds']:.1f} s wall); "
                      f"{'bit-exact' if r['bit_exact'] else 'MISMATCH'}", flush=True)


if __name__ == "__main__":
    main()
