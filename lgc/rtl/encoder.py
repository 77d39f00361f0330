"""The input encoder: comparators from raw features to the core's input bits.

A netlist's `encoding` (lgc/frontend/encoding.py) says bit i = raw[feature[i]] > threshold[i],
with float32 thresholds compared as torch does. In hardware a feature arrives in a numeric input
format (input_format.py: unsigned or signed fixed point of any width, or float32; bytes by
default), and each bit is one unsigned comparison of the feature's key with a constant (or a
constant bit, when the threshold lies outside the format's range). One register stage:
`out_bits` and `out_valid` follow `in_raw` and `in_valid` by one cycle; only the valid bit is
reset.
"""

import numpy as np
from amaranth.hdl import Cat, Const, Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ..errors import LgcError
from . import input_format


def comparison(fmt, field, constant):
    """The Amaranth expression key(field) > constant for one feature's bits `field`.

    A float32 key is not formed: with s the sign and m the other 31 bits, x > t is
    ~s & (m > m_t) for t >= +0 and ~s | (m < m_t) for t < 0, m_t being t's own 31 bits
    (`constant` is 2**31 + m_t, or ~bits(t))."""
    if fmt.kind == "float":
        sign, magnitude = field[31], field[:31]
        if constant >> 31:
            return ~sign & greater(magnitude, constant - (1 << 31))
        below = 0x7FFF_FFFF - constant   # m_t; m < m_t is ~(m > m_t - 1)
        return ~sign | (~greater(magnitude, below - 1) if below else Const(0, 1))
    key = field if fmt.kind == "unsigned" else Cat(field[:-1], ~field[-1])
    return greater(key, constant)


def greater(bits, constant):
    """bits > constant (unsigned, 0 <= constant < 2**len(bits)) as logic: from the top bit down,
    bits is greater where it has a 1 over the constant's 0 and equals it above. Synthesis maps
    this to a few LUTs; a `>` would become a carry chain of a cell per bit or two
    (bench/README.md, "The input encoder as logic")."""
    terms, equal = [], Const(1, 1)
    for i in reversed(range(len(bits))):
        if (constant >> i) & 1:
            equal = equal & bits[i]
        else:
            terms.append(equal & bits[i])
            equal = equal & ~bits[i]
    return Cat(*terms).any() if terms else Const(0, 1)


class Encoder(wiring.Component):
    """Raw features in (feature f at bits [f*W, (f+1)*W) of `in_raw`, W the format's width),
    input bits out.

    `live` (optional, sorted) lists the input bits anything reads: `out_bits` holds those only,
    bit j being input bit live[j] (all input bits by default). Bits whose threshold lies outside
    the format's range are constants, with no comparator and no register."""

    def __init__(self, encoding, fmt=None, live=None):
        self.format = fmt or input_format.parse(input_format.DEFAULT)
        self.width = self.format.width
        self.feature = np.asarray(encoding["feature"], dtype=np.int64)
        self.constant = input_format.constants(self.format, encoding["threshold"])
        self.n_features = int(encoding["n_features"])
        if len(self.feature) != len(self.constant) or not len(self.feature) or \
                self.feature.min() < 0 or self.feature.max() >= self.n_features:
            raise LgcError("encoding: feature and threshold lists must match and name features "
                           f"0..{self.n_features - 1}")
        self.live = np.arange(len(self.feature)) if live is None else np.asarray(live, np.int64)
        super().__init__({
            "in_valid": In(1),
            "in_raw": In(self.width * self.n_features),
            "out_valid": Out(1),
            "out_bits": Out(len(self.live)),
        })

    def compared(self):
        """The live input bits that need a comparator (and a register): not constant."""
        return self.live[~input_format.fixed(self.format, self.constant)[self.live]]

    def registers(self):
        data = len(self.compared())
        return {"data": data, "valid": 1, "total": data + 1}

    def elaborate(self, platform):
        m = Module()
        compared = self.compared().tolist()
        w = self.width
        fields = [self.in_raw[f * w:(f + 1) * w] for f in range(self.n_features)]
        registered = Signal(len(compared), reset_less=True)
        m.d.sync += [registered.eq(Cat(comparison(self.format, fields[self.feature[i]],
                                                  int(self.constant[i])) for i in compared)),
                     self.out_valid.eq(self.in_valid)]
        out = {i: Const(int(self.constant[i] < 0), 1) for i in self.live.tolist()}  # constants
        for j, i in enumerate(compared):
            out[i] = registered[j]
        m.d.comb += self.out_bits.eq(Cat(*out.values()))
        return m
