"""The input encoder: comparators from raw integer features to the core's input bits.

A netlist's `encoding` (lgc/frontend/encoding.py) says bit i = raw[feature[i]] > threshold[i],
with float32 thresholds compared as torch does. In hardware the features are unsigned integers of
`width` bits (bytes by default; float features are not taken: `feature_values` refuses them); for
an integer x and a finite threshold t, x > t exactly when x > floor(t), so each bit is one
comparison with an integer constant (or a constant bit when t lies outside the features' range).
One register stage: `out_bits` and `out_valid` follow `in_raw` and `in_valid` by one cycle; only
the valid bit is reset.
"""

import numpy as np
from amaranth.hdl import Cat, Const, Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ..errors import LgcError

WIDTH = 8  # bits of a raw feature: one byte, as the board top receives it


def comparator_constants(threshold, width):
    """int64 constants c with x > threshold  <=>  x > c for integers x; -1 means always 1 and
    2**width - 1 always 0 (no x of `width` bits exceeds it)."""
    threshold = np.asarray(threshold, dtype=np.float32).astype(np.float64)
    if not np.isfinite(threshold).all():
        raise LgcError("encoding thresholds must be finite")
    top = (1 << width) - 1
    return np.clip(np.floor(threshold), -1, top).astype(np.int64)


def fixed_bits(constant, width):
    """Which comparisons x > c give the same bit for every x of `width` bits (c = -1: always 1,
    c = 2**width - 1: always 0)."""
    return (constant < 0) | (constant >= (1 << width) - 1)


class Encoder(wiring.Component):
    """Raw features in (feature f at bits [f*width, (f+1)*width) of `in_raw`), input bits out.

    `live` (optional, sorted) lists the input bits anything reads: `out_bits` holds those only,
    bit j being input bit live[j] (all input bits by default). Bits whose threshold lies outside
    the features' range are constants, with no comparator and no register."""

    def __init__(self, encoding, width=WIDTH, live=None):
        if not isinstance(width, int) or not 1 <= width <= 32:
            raise LgcError(f"feature width must be 1..32 bits, got {width!r}")
        self.width = width
        self.feature = np.asarray(encoding["feature"], dtype=np.int64)
        self.constant = comparator_constants(encoding["threshold"], width)
        self.n_features = int(encoding["n_features"])
        if len(self.feature) != len(self.constant) or not len(self.feature) or \
                self.feature.min() < 0 or self.feature.max() >= self.n_features:
            raise LgcError("encoding: feature and threshold lists must match and name features "
                           f"0..{self.n_features - 1}")
        self.live = np.arange(len(self.feature)) if live is None else np.asarray(live, np.int64)
        super().__init__({
            "in_valid": In(1),
            "in_raw": In(width * self.n_features),
            "out_valid": Out(1),
            "out_bits": Out(len(self.live)),
        })

    def compared(self):
        """The live input bits that need a comparator (and a register): not constant."""
        return self.live[~fixed_bits(self.constant, self.width)[self.live]]

    def registers(self):
        data = len(self.compared())
        return {"data": data, "valid": 1, "total": data + 1}

    def elaborate(self, platform):
        m = Module()
        compared = self.compared().tolist()
        fields = [self.in_raw[f * self.width:(f + 1) * self.width] for f in range(self.n_features)]
        # x > c compared as {1, x} > 2**width + c: Amaranth writes constants at their smallest
        # width, and verilator -Wall flags an 8-bit field compared with a 3-bit 6; a constant
        # whose top bit is set keeps the full width (synthesis drops the constant bit).
        flag = 1 << self.width
        registered = Signal(len(compared), reset_less=True)
        m.d.sync += [registered.eq(Cat(Cat(fields[self.feature[i]], 1) > flag + int(self.constant[i])
                                       for i in compared)),
                     self.out_valid.eq(self.in_valid)]
        out = {i: Const(int(self.constant[i] < 0), 1) for i in self.live.tolist()}  # constants
        for j, i in enumerate(compared):
            out[i] = registered[j]
        m.d.comb += self.out_bits.eq(Cat(*out.values()))
        return m


def feature_values(raw, encoding, width=WIDTH):
    """Raw features as int64 [N, n_features], flattened in torch's order from [N, *shape] or
    given flat; LgcError unless every value is an unsigned integer of `width` bits (the encoder
    takes no floats: 2.0 is the integer 2, 2.5 is refused)."""
    raw = np.asarray(raw)
    n = int(encoding["n_features"])
    shape = tuple(encoding.get("shape") or (n,))
    if raw.ndim == 1 + len(shape) and raw.shape[1:] == shape:
        raw = raw.reshape(len(raw), n)
    if raw.ndim != 2 or raw.shape[1] != n:
        also = f" or {[None, *shape]}".replace("None", "N") if len(shape) > 1 else ""
        raise LgcError(f"raw features must have shape [N, {n}]{also}, got {list(raw.shape)}")
    if raw.dtype.kind not in "biuf":
        raise LgcError(f"raw features must be numbers, got {raw.dtype}")
    top = (1 << width) - 1
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(raw) | (raw != np.round(raw)) | (raw < 0) | (raw > top) \
            if raw.dtype.kind == "f" else (raw < 0) | (raw > top)
    if bad.any():
        i, f = np.argwhere(bad)[0]
        raise LgcError(f"the hardware input encoder takes unsigned integer features of {width} "
                       f"bits (0..{top}): raw[{i}, {f}] is {raw[i, f]}")
    return raw.astype(np.int64)


def feature_bits(values, width=WIDTH):
    """int [N, F] features -> uint8 [N, F*width], the bits of `in_raw` (bit j of feature f at
    f*width + j)."""
    values = np.asarray(values, dtype=np.int64)
    bits = (values[:, :, None] >> np.arange(width)) & 1
    return bits.reshape(len(values), -1).astype(np.uint8)


def random_features(rng, n, encoding, width=WIDTH):
    """n random feature vectors; feature f is uniform over 0 .. (its largest comparator constant
    + 1), the values its thresholds tell apart (larger values give the same bits)."""
    constant = comparator_constants(encoding["threshold"], width)
    high = np.full(int(encoding["n_features"]), -1, dtype=np.int64)
    np.maximum.at(high, np.asarray(encoding["feature"], dtype=np.int64), constant)
    high = np.clip(high + 1, 0, (1 << width) - 1)
    return np.floor(rng.random((n, len(high))) * (high + 1)).astype(np.int64)
