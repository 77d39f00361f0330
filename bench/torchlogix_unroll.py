"""Loading an MNIST-size LogicTreeNet: torchlogix's ClgnMnist layer stack (28x28 input, 3 conv
tree levels of depth 3 with OR pooling, 3 dense layers), random weights, as a state_dict + spec.
Prints the gates and the time to unroll it into a netlist (target: under 5 s at k_num 16).

    python -m bench.torchlogix_unroll [--k-num 16 64 256] [--parametrization raw]
"""

import argparse
import pathlib
import tempfile
import time

import torch

import lgc
from tests.support.models import clgn_mnist_spec, random_torchlogix_state_dict


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k-num", type=int, nargs="+", default=[16, 64, 256])
    parser.add_argument("--parametrization", default="raw", choices=["raw", "light", "warp"])
    args = parser.parse_args()
    for k_num in args.k_num:
        spec = clgn_mnist_spec(k_num, args.parametrization)
        with tempfile.TemporaryDirectory() as tmp:
            path = pathlib.Path(tmp) / f"clgn_mnist_k{k_num}.state_dict.pt"
            torch.save(random_torchlogix_state_dict(spec), path)
            start = time.perf_counter()
            netlist = lgc.load(path, arch=spec)
            elapsed = time.perf_counter() - start
        conv = sum(len(netlist.graph.nodes[n]["tt"]) for n in netlist.logic_layers()[:-3])
        print(f"k_num {k_num:3d}: {netlist.gate_count():>10,} gates ({conv:,} in conv trees and "
              f"pooling), {len(netlist.logic_layers())} layers; loaded and unrolled in "
              f"{elapsed:.2f} s")


if __name__ == "__main__":
    main()
