"""The input encoder: comparators from raw integer features to the core's input bits.

A netlist's `encoding` (lgc/frontend/encoding.py) says bit i = raw[feature[i]] > threshold[i],
with float32 thresholds compared as torch does. In hardware the features are unsigned integers of
`width` bits (bytes by default); for an integer x and a finite threshold t, x > t exactly when
x > floor(t), so each bit is one comparison with an integer constant (or a constant bit when t
lies outside the features' range). One register stage: `out_bits` and `out_valid` follow
`in_raw` and `in_valid` by one cycle; only the valid bit is reset.
"""

import math

import numpy as np
from amaranth.hdl import Cat, Const, Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ..errors import LgcError


def comparator_constants(threshold, width):
    """int64 constants c with x > threshold  <=>  x > c for integers x; -1 means always 1 and
    2**width - 1 always 0 (no x of `width` bits exceeds it)."""
    threshold = np.asarray(threshold, dtype=np.float32).astype(np.float64)
    if not np.isfinite(threshold).all():
        raise LgcError("encoding thresholds must be finite")
    top = (1 << width) - 1
    return np.clip(np.floor(threshold), -1, top).astype(np.int64)


class Encoder(wiring.Component):
    """Raw features in (feature f at bits [f*width, (f+1)*width) of `in_raw`), input bits out."""

    def __init__(self, encoding, width=8):
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
        super().__init__({
            "in_valid": In(1),
            "in_raw": In(width * self.n_features),
            "out_valid": Out(1),
            "out_bits": Out(len(self.feature)),
        })

    def elaborate(self, platform):
        m = Module()
        top = (1 << self.width) - 1
        fields = [self.in_raw[f * self.width:(f + 1) * self.width] for f in range(self.n_features)]
        bits = [Const(1, 1) if c < 0 else Const(0, 1) if c >= top else fields[f] > int(c)
                for f, c in zip(self.feature.tolist(), self.constant.tolist())]
        bits_reg = Signal(len(bits), reset_less=True)
        m.d.sync += [bits_reg.eq(Cat(*bits)), self.out_valid.eq(self.in_valid)]
        m.d.comb += self.out_bits.eq(bits_reg)
        return m

