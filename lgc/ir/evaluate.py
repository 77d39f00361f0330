"""Bit-parallel evaluation of a Netlist: 64 samples per uint64 word, whole layers per numpy call.

A layer's gates are evaluated as a tree of multiplexers over their truth-table bits: at level p
the pairs of cofactors that differ only in input p are merged by that input's word. That is
2**k - 1 word-wide muxes per gate, with no per-gate Python.
"""

import numpy as np

from ..errors import LgcError

_ONES = np.uint64(0xFFFF_FFFF_FFFF_FFFF)
_WORD_BUDGET = 1 << 22  # uint64 words per temporary array (32 MiB): bounds memory on big layers


def evaluate(netlist, x):
    """Integer scores (popcount + offset) int64 [N, k] and classes int64 [N] for 0/1 inputs x."""
    if netlist.is_recurrent:
        raise LgcError("a recurrent netlist is evaluated over sequences (lgc.ir.sequence)")
    x = check_vectors(x, netlist.n_inputs)
    n = len(x)
    k = netlist.n_classes
    scores = np.empty((n, k), dtype=np.int64)
    # Samples in chunks so the words of the widest layer stay within budget.
    widest = max([netlist.n_inputs] + [netlist.width(v) for v in netlist.logic_layers()])
    chunk = max(64, min(1 << 16, (_WORD_BUDGET // max(widest, 1)) * 64))
    for start in range(0, n, chunk):
        words = pack_bits(x[start:start + chunk])
        scores[start:start + chunk] = _scores(netlist, words, min(chunk, n - start))
    return scores, scores.argmax(axis=1).astype(np.int64)


def check_vectors(x, n_inputs):
    """Input vectors as uint8 [N, n_inputs] of 0/1, or LgcError saying what is wrong."""
    x = np.asarray(x)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2 or x.shape[1] != n_inputs:
        raise LgcError(f"vectors must have shape [N, {n_inputs}], got {list(x.shape)}")
    if x.dtype == bool:
        return x.astype(np.uint8)
    if not np.issubdtype(x.dtype, np.number) or not np.isin(x, (0, 1)).all():
        raise LgcError("vectors must hold only 0 and 1")
    return x.astype(np.uint8)


def pack_bits(x):
    """uint8 [N, n] of 0/1 -> uint64 [n, ceil(N/64)]: bit s of word w is sample 64*w + s."""
    n_samples, n_bits = x.shape
    n_words = -(-n_samples // 64)
    padded = np.zeros((n_words * 64, n_bits), dtype=np.uint8)
    padded[:n_samples] = x
    packed = np.packbits(padded.T, axis=1, bitorder="little")  # [n_bits, n_words * 8]
    return np.ascontiguousarray(packed).view(np.uint64)


def unpack_bits(words, n_samples):
    """uint64 [n, W] -> uint8 [n_samples, n]; the inverse of pack_bits."""
    words = np.ascontiguousarray(words)
    bits = np.unpackbits(words.view(np.uint8), axis=1, bitorder="little")
    return bits[:, :n_samples].T


def eval_layer(tt, fanin, inputs):
    """Outputs uint64 [n, W] of gates with tables tt [n] and fanin [n, k] over input words
    [m, W]."""
    n, k = fanin.shape
    out = np.empty((n, inputs.shape[1]), dtype=np.uint64)
    step = max(1, _WORD_BUDGET // max(inputs.shape[1], 1) // (1 << k))
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        out[lo:hi] = _eval_tables(tt[lo:hi], fanin[lo:hi], inputs)
    return out


def _eval_tables(tt, fanin, inputs):
    k = fanin.shape[1]
    # The constant leaves of the mux tree: all ones where table bit j is set, one [n, 1] column
    # each; merged level by level in place (a long inner loop per numpy call, few temporaries).
    cofactors = [(((tt >> np.uint64(j)) & np.uint64(1)) * _ONES)[:, None] for j in range(1 << k)]
    for port in range(k):
        sel = np.take(inputs, fanin[:, port], axis=0)  # 5x faster than inputs[...] here
        merged = []
        for low, high in zip(cofactors[0::2], cofactors[1::2]):
            out = (low ^ high) & sel  # where the two cofactors differ, the input picks
            out ^= low
            merged.append(out)
        cofactors = merged
    return cofactors[0]


def layer_values(netlist, words, state=None):
    """Yield (node, output words) per logic layer in topological order, then (groupsum node, the
    words of its input vector), for input words uint64 [n_inputs, W] (and, in a recurrent
    netlist, `state`: {state node: its current words}). A layer's words are dropped once its
    last reader has run, so memory follows the widest cut, not the whole network."""
    values = {netlist.input_node: words, **(state or {})}
    readers_left = {u: netlist.graph.out_degree(u) for u in netlist.graph.nodes}
    for node in netlist.logic_layers() + [netlist.output_node]:
        vector = input_vector(netlist, node, values)
        for src in netlist.sources(node):
            readers_left[src] -= 1
            if readers_left[src] == 0:
                del values[src]
        attrs = netlist.graph.nodes[node]
        if attrs["op"] == "logic":
            values[node] = eval_layer(attrs["tt"], attrs["fanin"], vector)
            yield node, values[node]
        else:
            yield node, vector


def input_vector(netlist, node, values):
    """The words of a node's input vector: its sources' outputs concatenated in slot order."""
    parts = [values[u] for u in netlist.sources(node)]
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _scores(netlist, words, n_samples):
    for node, vector in layer_values(netlist, words):
        pass  # only the groupsum's input vector, yielded last, is needed here
    return group_scores(netlist, vector, n_samples)


def group_scores(netlist, vector, n_samples):
    """int64 [n_samples, k]: each class's popcount of the groupsum's input words, plus offset."""
    attrs = netlist.graph.nodes[netlist.output_node]
    counts = np.stack([popcounts(np.take(vector, grp, axis=0), n_samples)
                       for grp in attrs["groups"]], axis=1)
    return counts + attrs["offset"][None, :]


def popcounts(words, n_samples):
    """int64 [n_samples]: per sample, how many rows of words [m, W] have its bit set. Unpacked a
    slice of rows at a time (bounded memory), summed in uint16 (4x faster than int64 sums)."""
    counts = np.zeros(n_samples, dtype=np.int64)
    rows = max(1, min(0xFFFF, _WORD_BUDGET // max(words.shape[1], 1) // 8))
    for lo in range(0, len(words), rows):
        bits = np.unpackbits(words[lo:lo + rows].view(np.uint8), axis=1, bitorder="little")
        counts += bits[:, :n_samples].sum(axis=0, dtype=np.uint16)
    return counts
