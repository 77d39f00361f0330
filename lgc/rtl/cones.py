"""LUT levels: how deep each gate sits once the gates are packed into cones of at most K inputs.

A gate's cone is its own table plus, for each input gate, either that gate's whole cone (absorbed:
one LUT computes both) or just its output (a leaf). Among the choices whose leaves fit in K, each
gate takes the one of least depth, then fewest leaves (FlowMap-style labels, per layer in numpy).
Stage registers are then placed every N levels, so a cut never splits what one LUT could hold.

Free absorptions (an input gate with at most one leaf: a wire, an inverter, a constant) are always
taken; the others are tried in every combination for gates of up to 4 inputs, all or none above.
A gate that reads more than K inputs cannot be one LUT: it is a leaf for its readers, and a
trained table of k inputs is K-input LUTs of its cofactors joined by a tree of 2:1 muxes, one
LUT level per input beyond K, none where the slices' muxes join LUTs into one as wide as it
(`mux_inputs` more than K: ECP5's PFUMX and L6MUX21 make a LUT6 of four LUT4s in one level).
"""

import numpy as np

_CHUNK = 1 << 15       # gates per numpy batch: bounds the temporaries to tens of MB
_ENUMERATE_UP_TO = 4   # input count up to which every absorb/leaf combination is tried


def lut_levels(signals, layers, lut_size, mux_inputs=0):
    """The LUT level of every gate (input bits are level 0), int32 [signals.count]; each gate's
    cone: the ids of its leaves, int32 [signals.count, K] (-1: none; all -1 for a gate too wide
    for one LUT, whose inputs are its leaves); and the LUT levels each gate takes, int32
    [signals.count] (1; more for a gate wider than a LUT and its muxes; 0 for input bits)."""
    k_lut = int(lut_size)
    level = np.zeros(signals.count, dtype=np.int32)
    cone = np.full((signals.count, k_lut), -1, dtype=np.int32)
    span = np.zeros(signals.count, dtype=np.int32)
    absorbable = np.zeros(signals.count, dtype=bool)   # input bits are always leaves
    for layer in layers:
        for lo in range(0, len(layer.ids), _CHUNK):
            ids = layer.ids[lo:lo + _CHUNK]
            lv, cn, ab, sp = _cones(layer.inputs[lo:lo + _CHUNK], level, cone, absorbable, k_lut,
                                    mux_inputs)
            level[ids], cone[ids], absorbable[ids], span[ids] = lv, cn, ab, sp
    return level, cone, span


def _cones(inputs, level, cone, absorbable, k_lut, mux_inputs):
    n, k = inputs.shape
    used = inputs >= 0
    safe = np.where(used, inputs, 0)
    fanin_cones = cone[safe].astype(np.int64)                  # [n, k, K]
    can_absorb = used & absorbable[safe]
    free = can_absorb & ((fanin_cones >= 0).sum(axis=2) <= 1)
    costly = can_absorb & ~free
    combos = range(1 << k) if k <= _ENUMERATE_UP_TO else (0, (1 << k) - 1)
    never = np.iinfo(np.int64).max
    best_key = np.full(n, never)
    best_level = np.zeros(n, dtype=np.int32)
    best_cone = np.full((n, k_lut), -1, dtype=np.int32)
    first = None
    for combo in combos:
        pick = np.array([(combo >> p) & 1 for p in range(k)], dtype=bool)
        absorb = free | (costly & pick)
        leaves = np.where(absorb[:, :, None], fanin_cones, -1)
        leaves[:, :, 0] = np.where(used & ~absorb, inputs, leaves[:, :, 0])
        leaves = np.sort(leaves.reshape(n, k * k_lut), axis=1)
        distinct = (leaves >= 0) & (leaves != np.concatenate(
            [np.full((n, 1), -1), leaves[:, :-1]], axis=1))
        count = distinct.sum(axis=1)
        depth = np.where(distinct, level[np.maximum(leaves, 0)], -1).max(axis=1) + 1
        if first is None:
            first = depth, count
        key = np.where(count <= k_lut, depth.astype(np.int64) * 64 + count, best_key)
        better = key < best_key
        best_key[better], best_level[better] = key[better], depth[better]
        packed = np.sort(np.where(distinct, leaves, never), axis=1)[:, :k_lut]
        best_cone[better] = np.where(packed[better] < never, packed[better], -1)
    fits = best_key < never
    # Too many inputs for one LUT: its cofactors' LUTs and a mux level per input beyond.
    depth, count = first
    extra = np.where(fits, 0, np.maximum(count - k_lut - mux_inputs, 0))
    best_level = np.where(fits, best_level, depth + extra).astype(np.int32)
    best_cone[~fits] = -1
    return best_level, best_cone, fits, (1 + extra).astype(np.int32)
