"""Spatial layers unrolled into IR gate layers over image positions (whole arrays, no per-gate loops).

Activations are bit vectors in torch's flatten order of (C, H, W): bit c*H*W + h*W + w, so a
Flatten after them changes nothing. Zero padding is folded into the gates: an input that reads
padding is a constant 0, so the gate's table becomes its cofactor at 0 and the port is tied to
bit 0 (the table no longer depends on it).
"""

import numpy as np

from ..errors import LgcError
from ..ir.truthtable import port_cofactors, table_mask

# OR-pooling windows become OR gates of at most this many inputs (a tree of them for larger
# windows): 4 fits the LUT4 of ECP5/iCE40 parts, the smallest target.
POOL_ARITY = 4


def conv_tree(in_shape, padding, indices, level_tables, what="LogicConv2d"):
    """Gate layers of a LogicConv2d: one layer per tree level, leaves first.

    `indices[0]` is `_indices_L0` [r, K, P, S, 3]: the (h, w, c) of input j of leaf node s of kernel
    k at position p, in the padded input; `indices[l]` (l >= 1) is [r, S_l]: node s of level l takes
    nodes indices[l][j, s] of level l-1. `level_tables[l]` are the IR tables [S_l, K] of level l.
    Gates are ordered (k, p, s), so the last level's outputs are (k, p): channel-major, as torch.
    """
    channels, height, width = in_shape
    leaf = indices[0]
    if leaf.ndim != 5 or leaf.shape[-1] != 3 or leaf.dtype.kind not in "iu":
        raise LgcError(f"{what}: _indices_L0 must be integer [lut_rank, kernels, positions, "
                       f"nodes, 3], got {list(leaf.shape)}")
    rank, kernels, positions, nodes, _ = leaf.shape
    h, w, c = (leaf[..., i].astype(np.int64) for i in range(3))
    h, w = h - padding, w - padding
    if c.min() < 0 or c.max() >= channels or h.min() < -padding or h.max() >= height + padding \
            or w.min() < -padding or w.max() >= width + padding:
        raise LgcError(f"{what}: _indices_L0 reaches outside the padded {channels}x{height}x{width} input")
    inside = (h >= 0) & (h < height) & (w >= 0) & (w < width)
    flat = np.where(inside, c * (height * width) + h * width + w, 0)
    order = (1, 2, 3, 0)  # [r, K, P, S] -> [K, P, S, r]: gate (k, p, s), port j
    fanin = flat.transpose(order).reshape(-1, rank)
    tt = _per_position(level_tables[0], positions, nodes, kernels, what, 0)
    layers = [(tie_to_zero(tt, inside.transpose(order).reshape(-1, rank), rank), fanin)]
    for level in range(1, len(indices)):
        children = indices[level]
        if children.ndim != 2 or children.shape[0] != rank or children.dtype.kind not in "iu":
            raise LgcError(f"{what}: _indices_L{level} must be integer [{rank}, nodes]")
        if children.size and (children.min() < 0 or children.max() >= nodes):
            raise LgcError(f"{what}: _indices_L{level} names nodes outside 0..{nodes - 1}")
        below, nodes = nodes, children.shape[1]
        base = np.arange(kernels * positions, dtype=np.int64)[:, None, None] * below
        fanin = (base + children.T[None, :, :]).reshape(-1, rank)
        layers.append((_per_position(level_tables[level], positions, nodes, kernels, what, level),
                       fanin))
    if nodes != 1:
        raise LgcError(f"{what}: the last tree level has {nodes} nodes per kernel, not 1")
    return layers


def _per_position(tables, positions, nodes, kernels, what, level):
    """Tables [S, K] of one level broadcast to every position, in gate order (k, p, s)."""
    if tables.shape != (nodes, kernels):
        raise LgcError(f"{what}: tree level {level} has weights for {tables.shape[0]} nodes x "
                       f"{tables.shape[1]} kernels, its connections {nodes} x {kernels}")
    return np.broadcast_to(tables.T[:, None, :], (kernels, positions, nodes)).reshape(-1)


def or_pool(in_shape, kernel_size, stride, padding, what="OrPooling2d"):
    """Gate layers of OrPooling2d (max_pool2d over 0/1 values: padding never wins) and its output
    shape (C, H_out, W_out)."""
    channels, height, width = in_shape
    (kh, kw), (sh, sw), (ph, pw) = (pair(v, name, what) for v, name in
                                    ((kernel_size, "kernel_size"), (stride, "stride"), (padding, "padding")))
    if min(kh, kw, sh, sw) < 1 or min(ph, pw) < 0 or 2 * ph > kh or 2 * pw > kw:
        raise LgcError(f"{what}: kernel {kh}x{kw}, stride {sh}x{sw}, padding {ph}x{pw} is not a "
                       "valid pooling (padding may be at most half the kernel)")
    out_h, out_w = (height + 2 * ph - kh) // sh + 1, (width + 2 * pw - kw) // sw + 1
    if out_h < 1 or out_w < 1:
        raise LgcError(f"{what}: a {kh}x{kw} window does not fit the {height}x{width} input")
    rows = (np.arange(out_h) * sh - ph)[:, None] + np.arange(kh)[None, :]  # [out_h, kh]
    cols = (np.arange(out_w) * sw - pw)[:, None] + np.arange(kw)[None, :]  # [out_w, kw]
    r = rows[None, :, None, :, None]
    q = cols[None, None, :, None, :]
    c = np.arange(channels)[:, None, None, None, None]
    inside = np.broadcast_to((r >= 0) & (r < height) & (q >= 0) & (q < width),
                             (channels, out_h, out_w, kh, kw))
    members = c * (height * width) + np.clip(r, 0, height - 1) * width + np.clip(q, 0, width - 1)
    size = kh * kw
    return or_tree(members.reshape(-1, size), inside.reshape(-1, size)), (channels, out_h, out_w)


def or_tree(members, valid, arity=POOL_ARITY):
    """Layers of OR gates computing, for each row g, the OR of members[g, i] where valid[g, i]."""
    layers = []
    while True:
        groups, size = members.shape
        chunks = -(-size // arity)
        width = -(-size // chunks)
        pad = chunks * width - size
        members = np.pad(members, ((0, 0), (0, pad))).reshape(-1, width)
        valid = np.pad(valid, ((0, 0), (0, pad))).reshape(-1, width)
        tt = np.full(len(members), table_mask(width) & ~np.uint64(1), dtype=np.uint64)
        layers.append((tie_to_zero(tt, valid, width), np.where(valid, members, 0)))
        if chunks == 1:
            return layers
        members = np.arange(groups * chunks, dtype=np.int64).reshape(groups, chunks)
        valid = np.ones_like(members, dtype=bool)


def tie_to_zero(tt, valid, arity):
    """Tables of gates whose port p reads a constant 0 wherever valid[:, p] is False."""
    tt = np.array(tt, dtype=np.uint64)
    for port in range(arity):
        zero = ~valid[:, port]
        if zero.any():
            tt[zero] = port_cofactors(tt[zero], arity, port)[0]
    return tt


def pair(value, name, what):
    """(a, b) from an int or a pair, as torch's _pair; LgcError for anything else."""
    both = tuple(value) if isinstance(value, (list, tuple)) and len(value) == 2 else (value, value)
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in both):
        raise LgcError(f"{what}: {name} must be an integer or a pair of integers, got {value!r}")
    return tuple(int(v) for v in both)
