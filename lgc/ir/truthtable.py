"""Truth-table helpers for gates of arity k (1..6) stored as uint64 words.

Convention (the FPGA LUT INIT convention, docs/design.md): bit `j` of a gate's table is its
output when input port `p` carries bit `p` of `j`. For a 2-input gate with ports (A, B),
`j = A + 2*B`. All helpers work on whole arrays of tables at once.
"""

import numpy as np

MAX_ARITY = 6


def table_mask(k):
    """The uint64 with the low 2**k bits set: the bits a table of arity k may use."""
    return np.uint64((1 << (1 << k)) - 1)


def rows(tt, k):
    """Tables [n] -> bool [n, 2**k]: column j is the output for input combination j."""
    tt = np.asarray(tt, dtype=np.uint64)
    shifts = np.arange(1 << k, dtype=np.uint64)
    return ((tt[:, None] >> shifts[None, :]) & np.uint64(1)).astype(bool)


def from_rows(bits):
    """bool [n, 2**k] (column j = output for combination j) -> uint64 tables [n]."""
    bits = np.asarray(bits, dtype=np.uint64)
    weights = np.uint64(1) << np.arange(bits.shape[1], dtype=np.uint64)
    return (bits * weights[None, :]).sum(axis=1, dtype=np.uint64)


def msb_first_to_ir(row_bits):
    """Reorder rows indexed MSB-first (input 0 = most significant bit, torchlogix) into IR order.

    `row_bits` is [n, 2**k] with row r = sum(x_p * 2**(k-1-p)); the IR indexes j = sum(x_p * 2**p),
    so IR column j is the row whose index is j with its k bits reversed.
    """
    row_bits = np.asarray(row_bits)
    k = int(row_bits.shape[1]).bit_length() - 1
    return row_bits[:, bit_reverse(np.arange(1 << k), k)]


def bit_reverse(values, k):
    """Reverse the low k bits of each integer in `values`."""
    values = np.asarray(values)
    out = np.zeros_like(values)
    for p in range(k):
        out |= ((values >> p) & 1) << (k - 1 - p)
    return out


# difflogic's 16 gates: id = f(0,0) f(0,1) f(1,0) f(1,1) read MSB first, with f(A, B).
# IR bit j = A + 2B, so bit0 = f(0,0), bit1 = f(1,0), bit2 = f(0,1), bit3 = f(1,1).
_ids = np.arange(16)
DIFFLOGIC_TABLES = (((_ids >> 3) & 1) | (((_ids >> 1) & 1) << 1) | (((_ids >> 2) & 1) << 2)
                    | ((_ids & 1) << 3)).astype(np.uint64)
DIFFLOGIC_NAMES = ("0", "A and B", "A and not B", "A", "not A and B", "B", "A xor B", "A or B",
                   "not (A or B)", "not (A xor B)", "not B", "A or not B", "not A",
                   "not A or B", "not (A and B)", "1")


def port_cofactors(tt, k, port):
    """The tables with input `port` forced to 0 and to 1 (both still of arity k, ignoring it)."""
    if not 0 <= port < k:
        raise ValueError(f"port {port} is outside 0..{k - 1}")
    return cofactor(tt, port, 0), cofactor(tt, port, 1)


def support(tt, k, width=None):
    """bool [n, width]: whether each gate's output depends on each input port.

    `k` is the arity, or an array of each gate's arity; `width` defaults to the largest."""
    tt = np.asarray(tt, dtype=np.uint64)
    k = np.asarray(k)
    if width is None:
        width = int(k.max(initial=0))
    out = np.zeros((len(tt), width), dtype=bool)
    for p in range(width):
        out[:, p] = (p < k) & (cofactor(tt, p, 0) != cofactor(tt, p, 1))
    return out


def constant_value(tt, k):
    """int8 [n]: 0 or 1 for constant tables, -1 for gates that depend on an input.

    `k` is the arity, or an array of each gate's arity."""
    tt = np.asarray(tt, dtype=np.uint64)
    out = np.full(len(tt), -1, dtype=np.int8)
    out[tt == 0] = 0
    out[tt == table_masks(k)] = 1
    return out


def popcount_u64(words):
    """Number of set bits of each uint64 (vectorized)."""
    w = np.asarray(words, dtype=np.uint64)
    return np.unpackbits(w.view(np.uint8).reshape(*w.shape, 8), axis=-1).sum(axis=-1)


# --- rewriting tables in place of their inputs -------------------------------------------------
# Each helper maps whole arrays of tables with 64-bit masks. They hold for any arity above `port`:
# a table of arity k keeps using only its low 2**k bits.

# _PORT_LOW[p]: the table bits whose input combination j has input p at 0.
_PORT_LOW = np.array([0x5555_5555_5555_5555, 0x3333_3333_3333_3333, 0x0F0F_0F0F_0F0F_0F0F,
                      0x00FF_00FF_00FF_00FF, 0x0000_FFFF_0000_FFFF, 0x0000_0000_FFFF_FFFF],
                     dtype=np.uint64)
_MASKS = np.array([(1 << (1 << k)) - 1 for k in range(MAX_ARITY + 1)], dtype=np.uint64)


def table_masks(arity):
    """table_mask of each entry of an array of arities."""
    return _MASKS[np.asarray(arity)]


def cofactor(tt, port, value):
    """The tables with input `port` held at `value` (0/1, or a bool array per table)."""
    tt = np.asarray(tt, dtype=np.uint64)
    low, shift = _PORT_LOW[port], np.uint64(1 << port)
    at0 = tt & low
    at1 = (tt >> shift) & low
    half = np.where(np.asarray(value, dtype=bool), at1, at0)
    return half | (half << shift)


def invert_input(tt, port):
    """The tables of the same functions with input `port` complemented."""
    tt = np.asarray(tt, dtype=np.uint64)
    low, shift = _PORT_LOW[port], np.uint64(1 << port)
    return ((tt & low) << shift) | ((tt >> shift) & low)


def swap_inputs(tt, port):
    """The tables with inputs `port` and `port + 1` exchanged (a delta swap of the table bits)."""
    tt = np.asarray(tt, dtype=np.uint64)
    shift = np.uint64(1 << port)
    moving = ~_PORT_LOW[port] & _PORT_LOW[port + 1]  # combinations with port = 1, port + 1 = 0
    t = (tt ^ (tt >> shift)) & moving
    return tt ^ t ^ (t << shift)


def merge_inputs(tt, port, other):
    """The tables with input `other` tied to input `port` (f(.., a, .., a, ..)); `other` is then
    ignored: each table bit takes the value of the combination where both inputs agree."""
    tt = np.asarray(tt, dtype=np.uint64)
    agree = ~(_PORT_LOW[port] ^ _PORT_LOW[other])
    kept = tt & agree
    return kept | invert_input(kept, other)


def reduce_to_support(tt, k):
    """Each table restricted to the ports it depends on: (support bool [n, k], uint64 tables [n]
    whose bit j' is the output when the i-th supported port, in port order, carries bit i of j')."""
    tt = np.asarray(tt, dtype=np.uint64)
    sup = support(tt, k)
    masks = sup.astype(np.int64) @ (1 << np.arange(k, dtype=np.int64))
    out = np.zeros(len(tt), dtype=np.uint64)
    table_rows = rows(tt, k)
    for mask in np.unique(masks).tolist():
        ports = [p for p in range(k) if (mask >> p) & 1]
        reduced = np.arange(1 << len(ports))
        full = sum(((reduced >> i) & 1) << p for i, p in enumerate(ports)) if ports else reduced * 0
        sel = masks == mask
        out[sel] = from_rows(table_rows[sel][:, full])
    return sup, out
