"""Random difflogic-shaped netlists for benchmarks: n_inputs -> depth layers of width gates."""

import numpy as np

from lgc.ir import Netlist
from lgc.ir.truthtable import DIFFLOGIC_TABLES


def random_difflogic_netlist(n_inputs, width, depth, k=10, seed=0):
    rng = np.random.default_rng(seed)
    layers, in_dim = [], n_inputs
    for _ in range(depth):
        tt = DIFFLOGIC_TABLES[rng.integers(0, 16, width)]
        fanin = rng.integers(0, in_dim, (width, 2), dtype=np.int32)
        layers.append((tt, fanin))
        in_dim = width
    return Netlist.from_layers(n_inputs, layers, groups=k, tau=1.0, name=f"random_{depth}x{width}")
