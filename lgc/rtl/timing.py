"""The delay model behind `--target-mhz`: what one register, LUT level, routed net and carry chain
cost on a family (`Delays`, the data each family in lgc.synth.devices holds), and the delay of the
paths lgc's cores are made of.

A stage is the logic between two registers. Its delay is the register's clock-to-out, then for
every LUT level a routed net into the LUT and the LUT itself, and for a carry chain a net into it,
its entry, a step per bit and its exit; the last hop into the next register counts in `setup`.
The gates' nets are longer than the popcount's and argmax's: trained networks wire each gate to
inputs anywhere in the previous layer (and the input bits fan out to the whole first layer), so
their nets span the core, and grow with it and with their fanout: `net + spread + net_fanout *
log2(largest fanout)` (the input bits' fanout counted per copy of the input register,
fanout.py), where spread is `net_spread * sqrt(core LUTs / 1000)`, or in a core so large that
it is more, `net_crowd * (core LUTs / 1000) ** crowd_power` (the worst of many spread nets
grows faster than the core's side). Such a crowded core lengthens every net, the popcount's and
argmax's too: `crowd_share` of the gates' spread beyond the square root's (`Delays.in_core`).
Where a stage of gates fills the period, the popcount's and argmax's stages are planned `margin`
shorter (lgc.rtl.core.Plan): nextpnr places some gate net at the model's worst, the others
scatter around their prediction.
The paths are the core's three kinds: gate LUT levels (their depth from cones.py), multi-operand
sums of the popcount (yosys builds each as a 3:2 compressor tree and a final adder: a carry chain
when the result is wider than `lut_adder_bits`, LUT logic otherwise) and the argmax's comparators
(the sign of a difference: a carry chain) and selects (a LUT level).
"""

import dataclasses
import math

import numpy as np


@dataclasses.dataclass(frozen=True)
class Delays:
    """A family's delay model, in ns, fitted to nextpnr's timing reports on lgc's own designs
    (`python -m bench.qor` prints the predicted path of each kind of stage against nextpnr's)."""
    clock_to_out: float   # register clock to output
    setup: float          # register setup, with the last hop into it
    lut: float            # one LUT
    net: float            # one routed connection into a LUT or a carry chain
    net_spread: float     # more per gate net, per sqrt(1000 LUTs) of the core
    carry_in: float       # entering a carry chain
    carry_bit: float      # one bit along it
    carry_out: float      # leaving it
    lut_adder_bits: int = 4   # sums this wide or narrower are LUT logic (yosys' arith map)
    fanout_limit: int = 0     # gates of the first stage per copy of an input bit (0: one copy)
    net_fanout: float = 0.0   # more per gate net, per doubling of the gates' largest fanout
    net_crowd: float = 0.0     # the spread of large cores: net_crowd * (LUTs / 1000) ** crowd_power
    crowd_power: float = 1.0
    crowd_share: float = 0.0   # of that spread beyond the square root's, what every net gets
    margin: float = 0.0        # what sums and compares leave free where gates fill the budget
    full_adder_luts: int = 1   # LUT levels of one level of full adders (yosys' `ltp`)
    # LUTs of a gate wider than a LUT, per 2**(inputs - LUT inputs): 1 where the slices' muxes
    # join LUTs into wider ones (ECP5's PFUMX and L6MUX21, Nexus' WIDEFN9)
    wide_gate_factor: float = 1.0
    # a gate wider than a LUT is written as its cofactors' LUTs, kept apart, and a tree of 2:1
    # muxes (gate_stages.cofactor_lines): where no muxes join LUTs, yosys maps a LUT6 so to 7
    # LUT4s in 3 levels, from its table to about 10 in 4 (wide_gate_factor then unused)
    cofactor_gates: bool = False
    # inputs beyond a LUT's that a gate may read and still take one LUT level (the muxes join
    # its LUTs within a slice; lgc.rtl.cones)
    mux_inputs: int = 0
    mux: float = 0.0      # each such input's mux after the gate's LUTs (ECP5: PFUMX, L6MUX21)

    def wide_gate_luts(self, extra_inputs):
        """LUTs of gates that read `extra_inputs` (an array) more inputs than a LUT: their
        2**extra cofactors' LUTs and, where they are written apart, the muxes that join them."""
        cofactors = 2.0 ** np.asarray(extra_inputs)
        return 2 * cofactors - 1 if self.cofactor_gates else self.wide_gate_factor * cofactors

    @property
    def lut_level(self):
        return self.net + self.lut

    @property
    def full_adder_level(self):
        """One level of full adders (3:2): one LUT level on ECP5, two on GateMate, whose LUT
        trees (`-luttree`) take a full adder's carry, a majority of three, in two (bench/README.md,
        "GateMate: the full adders' depth")."""
        return self.full_adder_luts * self.lut_level

    def _spreads(self, core_luts):
        size = max(core_luts, 0) / 1000
        square_root = self.net_spread * size ** 0.5
        return square_root, max(square_root, self.net_crowd * size ** self.crowd_power)

    def gate_level(self, core_luts, fanout=1, muxes=0):
        """One LUT level of gates in a core of about `core_luts` LUTs whose gates' nets reach at
        most `fanout` gates each and whose widest gates join their LUTs through `muxes` muxes."""
        return (self.lut_level + self._spreads(core_luts)[1]
                + self.net_fanout * math.log2(max(fanout, 1)) + self.mux * muxes)

    def in_core(self, core_luts):
        """These delays in a core of about `core_luts` LUTs: in one more crowded than the square
        root spread describes, every net (the popcount's and argmax's too) is `crowd_share` of
        the gates' extra spread longer (their gate levels keep their own spread)."""
        square_root, spread = self._spreads(core_luts)
        if not self.crowd_share or spread <= square_root:
            return self
        extra = self.crowd_share * (spread - square_root)
        return dataclasses.replace(self, net=self.net + extra, crowd_share=0.0)

    def budget(self, target_mhz):
        """ns of logic and routing a stage may hold at this clock."""
        return 1e3 / target_mhz - self.clock_to_out - self.setup

    def period(self, path):
        """The clock period a stage of `path` ns needs."""
        return self.clock_to_out + path + self.setup

    def lut_path(self, levels):
        return levels * self.lut_level

    def carry_path(self, bits):
        return self.net + self.carry_in + bits * self.carry_bit + self.carry_out

    def sum_path(self, rows, width, result_width):
        """A sum of `rows` operands of at most `width` bits into `result_width` bits."""
        if rows < 2:
            return 0.0
        if result_width <= self.lut_adder_bits:
            return self.lut_path(lut_sum_levels(rows, width))
        return compressor_rounds(rows) * self.full_adder_level + self.carry_path(result_width)

    def compare_path(self, width):
        """a > b of two `width`-bit scores, as the sign of b - a (width + 1 bits): LUTs when that
        is narrow, else a carry chain whose last sum bit is the result."""
        if width + 1 <= self.lut_adder_bits:
            return self.lut_path(1 + (width > 2))
        return self.carry_path(width + 1)

    @property
    def select_path(self):
        """The select after a comparison: a LUT level (its net fans out to every bit selected)."""
        return self.lut_level


def compressor_rounds(rows):
    """3:2 rounds yosys's maccmap spends bringing `rows` summands down to two (three at a time,
    the rest passed on)."""
    rounds = 0
    while rows > 2:
        rows = 2 * (rows // 3) + rows % 3
        rounds += 1
    return rounds


# LUT4 levels of a sum that yosys maps entirely to LUT logic (its result at most 4 bits), by
# (operands, operand width): yosys's `ltp` after synth_ecp5 (python -m bench.lut_sums).
_LUT_SUM_LEVELS = {
    1: {2: 1, 3: 1, 4: 1, 5: 2, 6: 3, 7: 3, 8: 4, 9: 4, 10: 4, 11: 4, 12: 5, 13: 6, 14: 5, 15: 6},
    2: {2: 1, 3: 2, 4: 3, 5: 4},
    3: {2: 2},
}


def lut_sum_levels(rows, width):
    known = _LUT_SUM_LEVELS.get(width, {})
    if rows in known:
        return known[rows]
    return compressor_rounds(rows) + 2   # not measured: the rounds and a 2-level adder
