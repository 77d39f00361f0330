"""Evaluation of a recurrent netlist over sequences: its combinational part once per step (all
sequences of the batch bit-parallel, as lgc.ir.evaluate does), the state carried between steps.

Every sequence starts from the states' reset values; a sequence past its length keeps its state
and its scores and classes there are zero (as `lgc simulate --out` writes them).
"""

import numpy as np

from ..errors import LgcError
from .evaluate import check_vectors, group_scores, layer_values, pack_bits


def check_sequences(x, n_inputs, lengths=None):
    """(uint8 [N, T, n_inputs] of 0/1, int64 lengths [N]) or LgcError saying what is wrong."""
    x = np.asarray(x)
    if x.ndim != 3 or x.shape[2] != n_inputs:
        raise LgcError(f"sequences must have shape [N, T, {n_inputs}], got {list(x.shape)}")
    n, t = x.shape[:2]
    bits = check_vectors(x.reshape(n * t, n_inputs), n_inputs).reshape(n, t, n_inputs)
    if lengths is None:
        return bits, np.full(n, t, dtype=np.int64)
    lengths = np.asarray(lengths)
    if lengths.shape != (n,) or not np.issubdtype(lengths.dtype, np.integer) \
            or (lengths < 1).any() or (lengths > t).any():
        raise LgcError(f"lengths must be {n} integers in 1..{t}")
    return bits, lengths.astype(np.int64)


def evaluate_sequences(netlist, x, lengths=None):
    """Scores int64 [N, T, k] and classes int64 [N, T] (lowest index among ties) of sequences x
    [N, T, n_inputs]; zero at the steps past a sequence's length."""
    x, lengths = check_sequences(x, netlist.n_inputs, lengths)
    n, steps = x.shape[:2]
    g = netlist.graph
    words = -(-n // 64)
    state = {s: reset_words(g.nodes[s]["reset"], words) for s in netlist.state_nodes()}
    scores = np.zeros((n, steps, netlist.n_classes), dtype=np.int64)
    for t in range(steps):
        values = dict(layer_values(netlist, pack_bits(x[:, t]), state))
        scores[:, t] = group_scores(netlist, values[netlist.output_node], n)
        live = pack_bits((t < lengths)[:, None].astype(np.uint8))  # [1, W]: sequences still running
        for s in state:
            new = values[g.nodes[s]["next"]]
            state[s] = (new & live) | (state[s] & ~live)
    done = np.arange(steps)[None, :] >= lengths[:, None]
    scores[done] = 0
    pred = scores.argmax(axis=2).astype(np.int64)
    return scores, pred


def reset_words(reset, n_words):
    """uint64 [width, n_words]: every sample's bit i is reset[i]."""
    return np.where(np.asarray(reset, bool)[:, None], np.uint64(0xFFFF_FFFF_FFFF_FFFF),
                    np.uint64(0)) * np.ones((1, n_words), np.uint64)
