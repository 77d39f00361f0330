"""Unused inputs: a gate keeps only the inputs its function depends on, each read once.

Ports that read the same value merge (f(a, a) becomes a function of one input), then ports the
function ignores are dropped: a 2-input "A" becomes a 1-input wire, "not B" a 1-input inverter,
a 4-input LUT that ignores one input a 3-input LUT. The gate moves to its root's node of that
arity (`ROOT.kM`, see gates.py), so later stages read its true arity from `fanin.shape[1]`; the
producers it stopped reading may become dead and go. Constant gates keep their inputs (a gate has
at least one in the IR): constant propagation and group offsets remove their readers instead.
"""

import numpy as np

from ..ir.truthtable import constant_value, merge_inputs, support, swap_inputs, table_masks
from .gates import Gates

CHUNK = 1 << 18  # gates narrowed per numpy call: bounds the temporaries on large models


def run(netlist):
    gates = Gates.of(netlist)
    before = gates.arity.copy()
    merged = changed = 0
    for lo in range(0, gates.n_gates, CHUNK):
        m, c = narrow(gates, np.arange(lo, min(lo + CHUNK, gates.n_gates)))
        merged, changed = merged + m, changed + c
    counts = np.bincount(gates.arity, minlength=1)
    by_arity = ", ".join(f"{counts[k]} of {k}" for k in range(len(counts) - 1, 0, -1) if counts[k])
    return gates.result(changed, f"{merged} repeated inputs merged, "
                                 f"{int((before - gates.arity).sum())} ignored inputs dropped "
                                 f"from {changed} gates; gates by inputs: {by_arity or 'none'}")


def narrow(gates, idx):
    """Rewrite the gates `idx` (indices) in place so that each reads every value once and only
    the values its function depends on (constant gates are left as they are). Returns (ports of
    non-constant gates merged into an earlier port reading the same value, gates changed)."""
    tt, k, fanin = gates.tt[idx], gates.arity[idx].copy(), gates.fanin[idx]
    old_tt, old_k = tt.copy(), k.copy()
    varied = constant_value(tt, k) < 0
    width = fanin.shape[1]
    merged = 0
    for q in range(1, width):  # port q follows the first earlier port reading the same value
        done = np.zeros(len(idx), dtype=bool)
        for p in range(q):
            same = ~done & (q < k) & (fanin[:, q] == fanin[:, p])
            tt[same] = merge_inputs(tt[same], p, q)
            done |= same
        merged += np.count_nonzero(done & varied)
    used = support(tt, k, width)
    varies = used.any(axis=1)
    for p in reversed(range(width)):  # move each ignored port to the top, then cut it off
        drop = varies & (p < k) & ~used[:, p]
        for r in range(p, width - 1):
            s = drop & (r + 1 < k)
            tt[s] = swap_inputs(tt[s], r)
            fanin[s, r], fanin[s, r + 1] = fanin[s, r + 1], fanin[s, r]  # (masked reads are copies)
            used[s, r], used[s, r + 1] = used[s, r + 1], used[s, r]
        k -= drop
        tt[drop] &= table_masks(k[drop])
    unused = np.arange(width)[None, :] >= k[:, None]  # columns past the arity repeat column 0
    gates.tt[idx], gates.arity[idx], gates.fanin[idx] = tt, k, np.where(unused, fanin[:, :1], fanin)
    return merged, int(np.count_nonzero((tt != old_tt) | (k != old_k)))
