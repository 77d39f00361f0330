"""Spatial layers unrolled into IR gate layers over image positions (whole arrays, no per-gate
loops).

Activations are bit vectors in torch's flatten order of (C, H, W): bit c*H*W + h*W + w, so a
Flatten after them changes nothing. Zero padding is folded into the gates: an input that reads
padding is a constant 0, so the gate's table becomes its cofactor at 0 and the port is tied to
bit 0 (the table no longer depends on it).
"""

import math

import numpy as np

from ..errors import LgcError
from ..ir.truthtable import port_cofactors, table_mask

# OR-pooling windows become OR gates of at most this many inputs (a tree of them for larger
# windows): 4 fits the LUT4 of ECP5/iCE40 parts, the smallest target.
POOL_ARITY = 4


def conv_tree(in_shape, padding, indices, level_tables, what="LogicConv2d", dilation=1,
              output_padding=0):
    """Gate layers of a LogicConv2d/3d or LogicConvTranspose2d/3d: one layer per tree level,
    leaves first, over an input of shape (C, *spatial).

    `indices[0]` is `_indices_L0` [r, K, P, S, n + 1]: the (spatial..., c) coordinates of input j
    of leaf node s of kernel k at position p, in the input as the layer's connections see it:
    dilated by `dilation` (a transposed conv's stride: dilation - 1 zeros between pixels, then
    `output_padding` zeros at the end of each axis) and zero-padded by `padding` on both sides.
    `indices[l]` (l >= 1) is [r, S_l]: node s of level l takes nodes indices[l][j, s] of level
    l-1. `level_tables[l]` are the IR tables [S_l, K] of level l. Gates are ordered (k, p, s), so
    the last level's outputs are (k, p): channel-major, as torch.
    """
    channels, *size = in_shape
    leaf = indices[0]
    if leaf.ndim != 5 or leaf.shape[-1] != len(size) + 1 or leaf.dtype.kind not in "iu":
        raise LgcError(f"{what}: _indices_L0 must be integer [lut_rank, kernels, positions, "
                       f"nodes, {len(size) + 1}], got {list(leaf.shape)}")
    rank, kernels, positions, nodes, _ = leaf.shape
    padding, dilation, output_padding = (ntuple(v, len(size), name, what) for v, name in (
        (padding, "padding"), (dilation, "stride"), (output_padding, "output_padding")))
    c = leaf[..., -1].astype(np.int64)
    flat = c * math.prod(size)
    inside = np.ones(c.shape, dtype=bool)
    reach = c.min() >= 0 and c.max() < channels
    for axis, (d, pad, step, extra) in enumerate(zip(size, padding, dilation, output_padding)):
        q = leaf[..., axis].astype(np.int64) - pad  # position in the dilated input
        reach &= q.min() >= -pad and q.max() < (d - 1) * step + 1 + extra + pad
        inside &= (q >= 0) & (q % step == 0) & (q // step < d)
        flat = flat + np.clip(q // step, 0, d - 1) * math.prod(size[axis + 1:])
    if not reach:
        raise LgcError(f"{what}: _indices_L0 reaches outside the padded "
                       f"{'x'.join(map(str, [channels, *size]))} input")
    flat = np.where(inside, flat, 0)
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
    """Gate layers of OrPooling2d/3d (max pooling over 0/1 values: padding never wins) on an
    input (C, *spatial), and its output shape (C, *spatial_out)."""
    channels, *size = in_shape
    n = len(size)
    kernel, step, pad = (ntuple(v, n, name, what) for v, name in
                         ((kernel_size, "kernel_size"), (stride, "stride"), (padding, "padding")))
    out = [(d + 2 * p - k) // s + 1 for d, k, s, p in zip(size, kernel, step, pad)]
    if min(kernel + step) < 1 or min(pad) < 0 or any(2 * p > k for p, k in zip(pad, kernel)):
        raise LgcError(f"{what}: kernel {_dims(kernel)}, stride {_dims(step)}, "
                       f"padding {_dims(pad)} is not a valid pooling (padding may be at most half "
                       "the kernel)")
    if min(out) < 1:
        raise LgcError(f"{what}: a {_dims(kernel)} window does not fit the {_dims(size)} input")
    # axes of the arrays below: channel, the n output positions, the n window offsets
    members = np.arange(channels).reshape([-1] + [1] * 2 * n) * math.prod(size)
    inside = np.ones([1] * (1 + 2 * n), dtype=bool)
    for axis in range(n):
        shape = [1] * (1 + 2 * n)
        shape[1 + axis], shape[1 + n + axis] = out[axis], kernel[axis]
        q = ((np.arange(out[axis]) * step[axis] - pad[axis])[:, None]
             + np.arange(kernel[axis])[None, :]).reshape(shape)
        inside = inside & (q >= 0) & (q < size[axis])
        members = members + np.clip(q, 0, size[axis] - 1) * math.prod(size[axis + 1:])
    members = members.reshape(channels * math.prod(out), -1)
    inside = np.broadcast_to(inside, (channels, *out, *kernel)).reshape(members.shape)
    return or_tree(members, inside), (channels, *out)


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


def side_by_side(paths, width):
    """Gate layers computing two paths from the same input vector of `width` bits at once: layer
    i holds path 0's layer i then path 1's, each reading its own part of the layer before (a
    shorter path's output is carried on by identity gates); the last layer's outputs are path 0's
    then path 1's. `paths` are two lists of (tt, fanin) layers."""
    depth = max(len(path) for path in paths)
    widths = [width, width]  # each path's current output width
    layers = []
    for i in range(depth):
        step = [path[i] if i < len(path) else _identity(widths[p]) for p, path in enumerate(paths)]
        arity = max(fanin.shape[1] for _, fanin in step)
        offsets = (0, 0 if i == 0 else widths[0])  # the first layer: both read the input itself
        tt = np.concatenate([widen(np.asarray(t, dtype=np.uint64), f.shape[1], arity)
                             for t, f in step])
        # added ports read bit 0, on which the widened tables do not depend
        fanin = np.concatenate([np.pad(np.asarray(f, dtype=np.int64) + off,
                                       ((0, 0), (0, arity - f.shape[1])))
                                for (_, f), off in zip(step, offsets)])
        layers.append((tt, fanin))
        widths = [len(t) for t, _ in step]
    return layers


def _identity(width):
    """One layer of 1-input gates passing on each bit."""
    return np.full(width, 0b10, dtype=np.uint64), np.arange(width, dtype=np.int64)[:, None]


def widen(tt, arity, wider):
    """Tables of `arity` inputs as tables of `wider` inputs that ignore the added ones (the IR's
    rows are LSB-first in the ports, so each table repeats)."""
    for k in range(arity, wider):
        tt = tt | (tt << np.uint64(1 << k))
    return tt


def tie_to_zero(tt, valid, arity):
    """Tables of gates whose port p reads a constant 0 wherever valid[:, p] is False."""
    tt = np.array(tt, dtype=np.uint64)
    for port in range(arity):
        zero = ~valid[:, port]
        if zero.any():
            tt[zero] = port_cofactors(tt[zero], arity, port)[0]
    return tt


def ntuple(value, n, name, what):
    """n integers from an int or a sequence of n, as torch's _pair/_triple; LgcError otherwise."""
    values = tuple(value) if isinstance(value, (list, tuple)) and len(value) == n else (value,) * n
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values):
        raise LgcError(f"{what}: {name} must be an integer or {n} integers, got {value!r}")
    return tuple(int(v) for v in values)


def _dims(values):
    return "x".join(map(str, values))
