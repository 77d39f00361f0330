"""torchlogix's LUT parametrizations, decoded into IR truth tables exactly as its eval mode decides.

A LUT of rank r has 2**r rows, indexed MSB-first (input 0 is the most significant bit of the row
index, torchlogix's order for every rank); the IR indexes them LSB-first, so rows are bit-reversed.
- raw   (rank 2 only): 16 logits; the gate is id = argmax (first maximum),
  row j = (id >> (3 - j)) & 1.
- light (ranks 2, 4, 6): one logit per row; row = w > 0.
- warp  (ranks 1, 2, 4, 6): Walsh coefficients w_s; row x is 1 iff
  sum_s w_s * prod_{j in s}(1 - 2x_j) < 0.
  The library adds the terms one by one in float32, s = 0, 1, 2, ...; sums can sit within 1e-5 of
  zero, so the sign is decided with that same arithmetic, never with a reordered (matmul) sum.
"""

import numpy as np

from ..errors import LgcError
from ..ir.truthtable import from_rows, msb_first_to_ir

RANKS = {"raw": (2,), "light": (2, 4, 6), "warp": (1, 2, 4, 6)}


def n_weights(parametrization, lut_rank):
    """Length of one LUT's weight vector."""
    return 16 if parametrization == "raw" else 1 << lut_rank


def tables(weight, parametrization, lut_rank, what="layer"):
    """IR truth tables uint64 [n] of n LUTs from their weights [n, E], after checking them."""
    if parametrization not in RANKS:
        raise LgcError(f"{what}: unknown parametrization {parametrization!r}; torchlogix has "
                       f"{', '.join(RANKS)}")
    if lut_rank not in RANKS[parametrization]:
        raise LgcError(f"{what}: parametrization {parametrization!r} has no LUT rank {lut_rank} "
                       f"(torchlogix supports {', '.join(map(str, RANKS[parametrization]))})")
    width = n_weights(parametrization, lut_rank)
    if not isinstance(weight, np.ndarray) or weight.ndim != 2 or weight.shape[1] != width \
            or weight.dtype.kind != "f":
        raise LgcError(f"{what}: {parametrization} weights of rank {lut_rank} must be float "
                       f"[n, {width}], got {_shape(weight)}")
    if not np.isfinite(weight).all():
        raise LgcError(f"{what}: weights hold NaN or infinity")
    if parametrization == "raw":
        ids = weight.argmax(axis=1)
        rows = (ids[:, None] >> (3 - np.arange(4))[None, :]) & 1
    elif parametrization == "light":
        rows = weight > 0
    else:
        rows = walsh_sums(weight.astype(np.float32), lut_rank) < 0
    return from_rows(msb_first_to_ir(rows))


def walsh_sums(weight, lut_rank):
    """float32 [n, 2**r]: each LUT's Walsh sum at every row, summed in the library's order.

    The term of coefficient s at row x is +-w_s with sign (-1)**popcount(s & x) (s and x share the
    MSB-first bit order); products of +-1 are exact, so only the order of the additions matters.
    """
    size = 1 << lut_rank
    rows = np.arange(size)
    parity = np.zeros((size, size), dtype=np.int64)  # [s, x]: popcount(s & x) mod 2
    for bit in range(lut_rank):
        parity ^= ((rows[:, None] & rows[None, :]) >> bit) & 1
    signs = (1 - 2 * parity).astype(np.float32)
    acc = weight[:, :1] * signs[0][None, :]
    for s in range(1, size):
        acc = acc + weight[:, s:s + 1] * signs[s][None, :]
    return acc


def _shape(value):
    return list(value.shape) if isinstance(value, np.ndarray) else type(value).__name__
