"""Wire and inverter absorption: readers of a gate that only passes on (or inverts) one input
read that input directly.

A wire or inverter is a gate whose function depends on exactly one input (of any arity: a 2-input
"A" or "not B" counts). Chains resolve root by root to their first non-wire source and the parity
of the inversions on the way. A gate reading one reads the source instead, the inversion folded
into its own table (its port complemented). A group bit that is a wire reads the source directly
(possibly from layers back: a skip connection, recorded as a graph edge). A group bit that is an
inverter of gate P reads P itself when no group reads P uninverted: P's table is complemented and
every gate reading P gets that input complemented back, so all other values stay as they were
(DESIGN's "fold it into the producer"; this also covers a P read by other gates). Otherwise, or
when P is an input bit, the group keeps its inverter: groups stay plain popcounts.
"""

import numpy as np

from ..ir.truthtable import invert_input, support, table_masks
from .gates import Gates


def absorb_wires(netlist):
    gates = Gates.of(netlist)
    n_in, ids = gates.n_inputs, np.arange(gates.n_inputs + gates.n_gates)
    used = support(gates.tt, gates.arity, gates.fanin.shape[1])
    single = gates.per_id(used.sum(axis=1) == 1, False)  # wires and inverters, over global ids
    source = gates.per_id(gates.fanin[np.arange(gates.n_gates), used.argmax(axis=1)], 0)
    inverts = single & gates.per_id((gates.tt & np.uint64(1)) == 1, False)  # f(0) = 1: "not x"
    target, parity = ids.copy(), np.zeros(len(ids), dtype=bool)
    for lo, hi in gates.batches():  # a chain's source is resolved before the roots reading it
        w = ids[n_in + lo:n_in + hi][single[n_in + lo:n_in + hi]]
        target[w], parity[w] = target[source[w]], parity[source[w]] ^ inverts[w]

    passed = np.zeros(len(ids), dtype=bool)  # wires and inverters some reader now reads past
    rewired = 0
    for p in range(gates.fanin.shape[1]):
        read = gates.fanin[:, p]
        hit = (p < gates.arity) & single[read]
        flip = hit & parity[read]
        gates.tt[flip] = invert_input(gates.tt[flip], p)
        passed[read[hit]] = True
        gates.fanin[hit, p] = target[read[hit]]
        rewired += np.count_nonzero(hit)

    bit_target, bit_parity = target[gates.bits], parity[gates.bits]
    read_plain = np.zeros(len(ids), dtype=bool)
    read_plain[bit_target[~bit_parity]] = True
    to_producer = bit_parity & (bit_target >= n_in) & ~read_plain[bit_target]
    complemented = np.zeros(len(ids), dtype=bool)
    complemented[bit_target[to_producer]] = True
    g = complemented[n_in:]
    gates.tt[g] ^= table_masks(gates.arity[g])
    for p in range(gates.fanin.shape[1]):
        flip = (p < gates.arity) & complemented[gates.fanin[:, p]]
        gates.tt[flip] = invert_input(gates.tt[flip], p)
    new_bits = np.where(~bit_parity | to_producer, bit_target, gates.bits)
    moved = new_bits != gates.bits
    passed[gates.bits[moved]] = True
    kept = np.count_nonzero(bit_parity & ~to_producer)
    gates.bits = new_bits
    gates.repad()
    return gates.result(
        rewired + np.count_nonzero(moved),
        f"{np.count_nonzero(passed & ~inverts)} wires and {np.count_nonzero(passed & inverts)} "
        f"inverters read past by {rewired} gate inputs and {np.count_nonzero(moved)} group bits; "
        f"{np.count_nonzero(g)} producers complemented; {kept} group bits still read an inverter")
