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


def run(netlist):
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
        rep = np.arange(n_in + gates.n_gates, dtype=gates.fanin.dtype)
        rep[n_in:] = n_in + first
        gates.fanin, gates.bits = rep[gates.fanin], rep[gates.bits]
        merged += np.count_nonzero(dup)
        sweeps += 1
    return gates.result(merged, f"{merged} gates merged into an earlier copy of the same function "
                                f"of the same inputs ({sweeps} sweeps)")


def _first_copies(gates):
    """int [G]: for each gate the index of the first gate with the same canonical key."""
    first = np.arange(gates.n_gates)
    k = gates.arity
    fanin = np.where(np.arange(gates.fanin.shape[1])[None, :] < k[:, None], gates.fanin, -1)
    # Only gates reading the same set of values as another gate can be copies: find those first.
    maybe = np.flatnonzero(_repeated(_hash_rows([k, *np.sort(fanin, axis=1).T])))
    tt, fanin, k = gates.tt[maybe], fanin[maybe], k[maybe]
    width = fanin.shape[1]
    for step in range(width):  # odd-even transposition sort of each gate's inputs
        for p in range(step % 2, width - 1, 2):
            s = (p + 1 < k) & (fanin[:, p] > fanin[:, p + 1])
            tt[s] = swap_inputs(tt[s], p)
            fanin[s, p], fanin[s, p + 1] = fanin[s, p + 1], fanin[s, p]
    keys = [k, tt, *fanin.T]
    order = np.argsort(_hash_rows(keys))  # any order within a run: its lowest id is taken
    same = np.ones(len(order) - 1 if len(order) else 0, dtype=bool)  # sorted neighbours, equal keys
    for key in keys:  # exact: a hash collision can only hide a copy, never merge different gates
        same &= key[order[1:]] == key[order[:-1]]
    run_start = np.concatenate([[True], ~same]) if len(order) else np.zeros(0, dtype=bool)
    if len(order):
        lowest = np.minimum.reduceat(maybe[order], np.flatnonzero(run_start))
        first[maybe[order]] = lowest[np.cumsum(run_start) - 1]
    return first


def _hash_rows(columns):
    """uint64 hash of each row of the given integer columns (a multiply-xorshift mix)."""
    h = np.zeros(len(columns[0]), dtype=np.uint64)
    for column in columns:
        h = (h ^ column.astype(np.uint64)) * np.uint64(0x9E37_79B9_7F4A_7C15)
        h ^= h >> np.uint64(29)
    return h


def _repeated(values):
    """bool mask of the entries whose value occurs more than once."""
    order = np.argsort(values)  # quicksort: 5x faster than a stable sort of uint64 here
    equal = values[order[1:]] == values[order[:-1]]
    out = np.zeros(len(values), dtype=bool)
    out[order[1:][equal]] = out[order[:-1][equal]] = True
    return out
