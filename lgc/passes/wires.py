"""Wire and inverter absorption: readers of a gate that only passes on (or inverts) one input
read that input directly.

A wire or inverter is a gate whose function depends on exactly one input (of any arity: a 2-input
"A" or "not B" counts). Chains resolve root by root to their first non-wire source and the parity
of the inversions on the way. A gate reading one reads the source instead, the inversion folded
into its own table (its port complemented). A group bit that is a wire reads the source directly
(possibly from layers back: a skip connection, recorded as a graph edge). A group bit that is an
inverter of gate P reads P itself when no group reads P uninverted: P's table is complemented and
every gate reading P gets that input complemented back, so all other values stay as they were
(the inversion folds into the producer; this also covers a P read by other gates). Otherwise, or
when P is an input bit, the group keeps its inverter: groups stay plain popcounts.
"""

import numpy as np

from ..ir.truthtable import invert_input, support, table_masks
from .gates import Gates


def run(netlist):
    gates = Gates.of(netlist)
    wire, inverts, target, parity = _chains(gates)
    passed = np.zeros(len(wire), dtype=bool)  # wires and inverters some reader now reads past
    rewired = 0
    for p in range(gates.fanin.shape[1]):
        read = gates.fanin[:, p]
        hit = (p < gates.arity) & wire[read]
        flip = hit & parity[read]
        gates.tt[flip] = invert_input(gates.tt[flip], p)
        passed[read[hit]] = True
        gates.fanin[hit, p] = target[read[hit]]
        rewired += np.count_nonzero(hit)
    moved, complemented, kept = _group_bits(gates, target, parity)
    passed[moved] = True
    gates.repad()
    return gates.result(
        rewired + len(moved),
        f"{np.count_nonzero(passed & ~inverts)} wires and {np.count_nonzero(passed & inverts)} "
        f"inverters read past by {rewired} gate inputs and {len(moved)} group bits; "
        f"{complemented} producers complemented; {kept} group bits still read an inverter")


def _chains(gates):
    """Over global ids: (is a wire or inverter, is an inverter, the first non-wire source of a
    chain, whether the chain inverts an odd number of times); sources are themselves."""
    n_in, ids = gates.n_inputs, np.arange(gates.n_inputs + gates.n_gates)
    used = support(gates.tt, gates.arity, gates.fanin.shape[1])
    wire = gates.per_id(used.sum(axis=1) == 1, False)
    source = gates.per_id(gates.fanin[np.arange(gates.n_gates), used.argmax(axis=1)], 0)
    inverts = wire & gates.per_id((gates.tt & np.uint64(1)) == 1, False)  # f(0) = 1: "not x"
    target, parity = ids.copy(), np.zeros(len(ids), dtype=bool)
    for lo, hi in gates.batches():  # a chain's source is resolved before the roots reading it
        w = ids[n_in + lo:n_in + hi][wire[n_in + lo:n_in + hi]]
        target[w], parity[w] = target[source[w]], parity[source[w]] ^ inverts[w]
    return wire, inverts, target, parity


def _group_bits(gates, target, parity):
    """Point group bits past wires, and past inverters where the producer can be complemented.
    Returns (the wires and inverters groups stopped reading, producers complemented, group bits
    left on an inverter)."""
    n_in = gates.n_inputs
    bit_target, inverted = target[gates.bits], parity[gates.bits]
    read_plain = np.zeros(len(target), dtype=bool)
    read_plain[bit_target[~inverted]] = True
    to_producer = inverted & (bit_target >= n_in) & ~read_plain[bit_target]
    complemented = np.zeros(len(target), dtype=bool)
    complemented[bit_target[to_producer]] = True
    flipped = complemented[n_in:]
    gates.tt[flipped] ^= table_masks(gates.arity[flipped])
    for p in range(gates.fanin.shape[1]):  # its readers see the value they saw before
        flip = (p < gates.arity) & complemented[gates.fanin[:, p]]
        gates.tt[flip] = invert_input(gates.tt[flip], p)
    new_bits = np.where(~inverted | to_producer, bit_target, gates.bits)
    moved = gates.bits[new_bits != gates.bits]
    gates.bits = new_bits
    return moved, np.count_nonzero(flipped), np.count_nonzero(inverted & ~to_producer)
