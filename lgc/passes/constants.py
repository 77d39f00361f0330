"""Constant propagation through the truth tables.

Root by root in topological order, every input of a gate that reads a constant gate is fixed to
that constant in the gate's table (its cofactor); a gate whose table becomes constant is itself a
constant for the roots after it, so constants flow on through the whole network in one sweep.
The folded inputs are then dropped (`unused_inputs.narrow`), which leaves the constants unread
by gates: they die, unless a group reads them (then `group_offsets` takes them out).
"""

import numpy as np

from ..ir.truthtable import cofactor, constant_value
from .gates import Gates
from .unused_inputs import narrow


def run(netlist):
    gates = Gates.of(netlist)
    const = gates.constants()
    touched = np.zeros(gates.n_gates, dtype=bool)
    folded = 0
    for lo, hi in gates.batches():
        tt, k, fanin = gates.tt[lo:hi], gates.arity[lo:hi], gates.fanin[lo:hi]
        varies = constant_value(tt, k) < 0
        for p in range(fanin.shape[1]):
            value = const[fanin[:, p]]
            fold = varies & (p < k) & (value >= 0)
            tt[fold] = cofactor(tt[fold], p, value[fold] == 1)  # tt is a view: edits gates.tt
            touched[lo:hi] |= fold
            folded += np.count_nonzero(fold)
        const[gates.n_inputs + lo:gates.n_inputs + hi] = constant_value(tt, k)
    now_constant = np.count_nonzero(touched & (const[gates.n_inputs:] >= 0))
    narrow(gates, np.flatnonzero(touched))
    return gates.result(folded, f"{folded} constant inputs folded into {np.count_nonzero(touched)} "
                                f"gates, {now_constant} of which became constant")
