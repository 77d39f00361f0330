"""Bit-parallel evaluator speed: vectors per second on a 1M-gate random difflogic-shaped netlist.

    python -m bench.evaluator [--gates 1000000] [--vectors 4096]
"""

import argparse
import time

import numpy as np

from tests.support.models import random_difflogic_netlist


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gates", type=int, default=1_000_000)
    parser.add_argument("--depth", type=int, default=5)
    parser.add_argument("--vectors", type=int, nargs="+", default=[64, 1024, 4096])
    args = parser.parse_args()
    netlist = random_difflogic_netlist(784, args.gates // args.depth, args.depth)
    print(f"{netlist}")
    rng = np.random.default_rng(0)
    for n in args.vectors:
        x = rng.integers(0, 2, (n, netlist.n_inputs), dtype=np.uint8)
        start = time.perf_counter()
        netlist.evaluate(x)
        elapsed = time.perf_counter() - start
        print(f"{n:6d} vectors: {elapsed:7.2f} s, {n / elapsed:10.0f} vectors/s, "
              f"{n * netlist.gate_count() / elapsed / 1e9:6.2f} G gate-evaluations/s")


if __name__ == "__main__":
    main()
