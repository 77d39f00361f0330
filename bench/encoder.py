"""Time to build the encoded top (input encoder + the core's instance) as input encodings grow.

    python -m bench.encoder [--levels 4 10 31] [--image 3,32,32]

Thermometer encodings of a C×H×W byte image at L levels (C·H·W·L input bits, thresholds spread
over 0..255) in front of a core that reads every input bit (one wire gate per bit, 8 groups):
lgc.rtl.generate with and without the encoding (the difference is the encoded top: Amaranth
elaboration of the comparators and the yosys conversion).
"""

import argparse
import os
import tempfile
import time

import numpy as np


def one(shape, levels):
    from lgc.ir import Netlist
    from lgc.ir.truthtable import DIFFLOGIC_TABLES
    from lgc.rtl import generate

    n_features = int(np.prod(shape))
    n_bits = n_features * levels
    wires = (DIFFLOGIC_TABLES[np.full(n_bits, 3)], np.stack([np.arange(n_bits)] * 2, 1))
    thresholds = np.linspace(0, 255, levels + 2)[1:-1]
    encoding = {"kind": "threshold", "source": "bench", "n_features": n_features,
                "shape": list(shape), "feature": np.repeat(np.arange(n_features), levels).tolist(),
                "threshold": np.tile(thresholds, n_features).tolist()}
    seconds = {}
    for name, enc in (("core", None), ("with encoder", encoding)):
        netlist = Netlist.from_layers(n_bits, [wires], groups=8, encoding=enc)
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            _, rtl = generate(netlist, tmp)
            seconds[name] = time.perf_counter() - start
            size = sum(os.path.getsize(os.path.join(tmp, f)) for f in rtl["encoder"]["files"]) \
                if enc else 0
    print(f"{'x'.join(map(str, shape))} x {levels:>2} levels = {n_bits:>6} bits: generate "
          f"{seconds['core']:5.2f} s for the core, {seconds['with encoder']:5.2f} s with the "
          f"encoded top ({rtl['encoder']['comparators']} comparators, {size / 1e6:.1f} MB of "
          "Verilog)", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", type=int, nargs="+", default=[4, 10, 31])
    parser.add_argument("--image", default="3,32,32")
    args = parser.parse_args()
    shape = tuple(int(d) for d in args.image.split(","))
    for levels in args.levels:
        one(shape, levels)


if __name__ == "__main__":
    main()
