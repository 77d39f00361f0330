"""Structural hashing (CSE): gates computing the same function of the same inputs merge.

Each gate's inputs are put in a canonical order (sorted by the value they read, the table permuted
to match), so "A and not B" of (x, y) and "not A and B" of (y, x) are the same key, as are the two
input orders of any commutative gate. All gates of one arity are hashed at once, across layers;
readers of a duplicate read its first copy (the lowest global id: never later than the duplicate,
so reads still go back). Group bits are redirected one by one, so a class that counted both copies
counts the survivor twice. Sweeps repeat until no merge exposes new duplicates.
"""

import numpy as np

from ..ir.truthtable import swap_inputs
from .gates import Gates


def merge_duplicates(netlist):
    gates = Gates.of(netlist)
    n_in = gates.n_inputs
    merged = sweeps = 0
    gone = np.zeros(gates.n_gates, dtype=bool)  # merged already: unread, dropped at the rebuild
    while True:
        first = _first_copies(gates)
        dup = (first != np.arange(gates.n_gates)) & ~gone
        if not dup.any():
            break
        gone |= dup
        rep = np.arange(n_in + gates.n_gates)
        rep[n_in:] = n_in + first
        gates.fanin, gates.bits = rep[gates.fanin], rep[gates.bits]
        merged += np.count_nonzero(dup)
        sweeps += 1
    return gates.result(merged, f"{merged} gates merged into an earlier copy of the same function "
                                f"of the same inputs ({sweeps} sweeps)")


def _first_copies(gates):
    """int [G]: for each gate the index of the first gate with the same canonical key."""
    tt, fanin, k = gates.tt.copy(), gates.fanin.copy(), gates.arity
    width = fanin.shape[1]
    for step in range(width):  # odd-even transposition sort of each gate's inputs
        for p in range(step % 2, width - 1, 2):
            s = (p + 1 < k) & (fanin[:, p] > fanin[:, p + 1])
            tt[s] = swap_inputs(tt[s], p)
            fanin[s, p], fanin[s, p + 1] = fanin[s, p + 1], fanin[s, p]
    fanin[np.arange(width)[None, :] >= k[:, None]] = -1
    keys = [fanin[:, p] for p in reversed(range(width))] + [tt, k]
    order = np.lexsort(keys)  # the last key sorts first
    same = np.ones(max(len(order) - 1, 0), dtype=bool)  # sorted neighbours with equal keys
    for key in keys:
        same &= key[order[1:]] == key[order[:-1]]
    run_start = np.concatenate([[True], ~same])[:len(order)]
    run = np.cumsum(run_start) - 1
    first = np.empty(gates.n_gates, dtype=np.int64)
    first[order] = np.minimum.reduceat(order, np.flatnonzero(run_start))[run] if len(order) else order
    return first
