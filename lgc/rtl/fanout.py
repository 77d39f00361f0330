"""Copies of the input register for bits that many gates read.

An input bit of a trained network feeds gates all over the first layer (the example's: up to 46
LUTs, the 128k-gate model's: up to 330), and nextpnr routes such a net slowly wherever its readers
sit. The input register therefore holds a bit once per `limit` of the first gate stage's readers
(readers in id order, `limit` each); nextpnr then places every copy near its own readers. The
copies are `(* keep *)` processes in lgc_inputs (text): yosys's opt_merge keeps identical
flip-flops only when both carry `keep` (on the process; on the `reg` it is ignored).
"""

import numpy as np


def input_copies(stage, n_signals, limit):
    """The extra copies the first gate stage reads: (copy_of, reads). copy_of: int64 [E], the
    position on the stage's input vector each extra copy repeats (the copies follow the input
    vector: copy k sits at len(stage.inputs) + k); reads: per layer of `stage.gates`, int64
    [n, K] the position each gate reads on the widened vector (-1: no input, or a wire made in
    the stage). Without a limit (0) or below it, no copies and the plain positions."""
    position = np.full(n_signals, -1, dtype=np.int64)
    position[stage.inputs] = np.arange(len(stage.inputs))
    reads = [np.where(layer.inputs >= 0, position[np.maximum(layer.inputs, 0)], -1)
             for layer in stage.gates]
    flat = np.concatenate([r.ravel() for r in reads] + [np.zeros(0, np.int64)])
    on_input = np.flatnonzero(flat >= 0)
    count = np.bincount(flat[on_input], minlength=len(stage.inputs))
    if not limit or not len(count) or count.max() <= limit:
        return np.zeros(0, np.int64), reads
    # rank of every read among the reads of its bit (stable: readers in id order)
    order = on_input[np.argsort(flat[on_input], kind="stable")]
    first = np.concatenate([[0], np.cumsum(count)[:-1]])
    rank = np.arange(len(order)) - first[flat[order]]
    copy = rank // limit                            # 0: the bit itself
    extra = np.maximum(-(-count // limit) - 1, 0)   # extra copies per bit
    start = len(stage.inputs) + np.concatenate([[0], np.cumsum(extra)[:-1]])
    widened = flat.copy()
    moved = copy > 0
    widened[order[moved]] = start[flat[order[moved]]] + copy[moved] - 1
    copy_of = np.repeat(np.arange(len(stage.inputs)), extra)
    out, at = [], 0
    for r in reads:
        out.append(widened[at:at + r.size].reshape(r.shape))
        at += r.size
    return copy_of, out
