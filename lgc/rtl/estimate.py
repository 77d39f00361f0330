"""How many LUTs a core will take, before synthesis: the fit check's estimate (LUT4-equivalents,
a carry cell counting as the LUTs it holds), by block, from the core's structure.

- gate layers: one LUT per gate whose output leaves its cone (cones.py: read by a gate that does
  not absorb it, or by a register or the GroupSum); a gate wider than a LUT is any function of
  its inputs (a trained LUT): 2**(inputs - lut_size) LUTs joined by the slices' wide-LUT muxes
  (the gate stages get them: lgc.synth.flow.default_synth_opts), or as the family builds it
  where there are none (`Delays.wide_gate_luts`: its cofactors and muxes written apart, or the
  family's `wide_gate_factor` times the cofactors);
- popcount: per sum, the LUTs yosys maps it to: measured ones for those that become LUT logic,
  else two LUTs per full adder of its compressor (fewer over single bits) and a carry chain;
- argmax: per comparator a carry-chain compare and the select of its score and index.
`python -m bench.qor` compares the estimate with yosys on the bench models.
"""

import math

import numpy as np

from .stages import schedule_sums
from .timing import _LUT_SUM_LEVELS

# LUT4s of the sums yosys maps to LUT logic, by operand width and operands (`stat` after
# synth_ecp5: python -m bench.lut_sums)
_LUT_SUM_LUTS = {
    1: {2: 2, 3: 2, 4: 3, 5: 6, 6: 7, 7: 7, 8: 11, 9: 12, 10: 14, 11: 15, 12: 17, 13: 18, 14: 21,
        15: 21},
    2: {2: 3, 3: 5, 4: 10, 5: 13},
    3: {2: 5},
}
assert all(_LUT_SUM_LUTS[w].keys() == _LUT_SUM_LEVELS[w].keys() for w in _LUT_SUM_LEVELS)


def joined_wide_luts(extra_inputs):
    """LUTs of gates `extra_inputs` (an array) wider than a LUT whose LUTs muxes join."""
    return 2.0 ** np.asarray(extra_inputs)


def gate_luts(levels, logic, lut_size, wide_luts=joined_wide_luts):
    """LUTs of the gate stages (of a LogicPlan `logic`, or before one); `wide_luts`: those of
    gates wider than a LUT, by their extra inputs (Delays.wide_gate_luts)."""
    ids = np.concatenate([layer.ids for layer in levels.layers] + [np.zeros(0, np.int64)])
    gate = np.zeros(levels.signals.count, dtype=bool)
    gate[ids] = True
    root = np.zeros(levels.signals.count, dtype=bool)
    leaves = levels.cone[ids]
    root[leaves[leaves >= 0]] = True
    extra = 0
    for layer in levels.layers:   # gates wider than a LUT: their inputs are leaves
        reads = (layer.inputs >= 0).sum(axis=1)
        wide = reads > lut_size
        inputs = layer.inputs[wide]
        root[inputs[inputs >= 0]] = True
        extra += (wide_luts(reads[wide] - lut_size) - 1).sum()
    bounds = logic.boundaries[1:] if logic is not None else \
        [np.flatnonzero(levels.alive & (levels.read == levels.depth + 1))]
    for bound in bounds:   # registered (without a plan: the GroupSum's bits only)
        root[bound] = True
    return int((root & gate).sum()) + int(round(float(extra)))


def sum_luts(rows, width, result_width, lut_adder_bits):
    """LUT4-equivalents of one multi-operand sum."""
    if rows < 2:
        return 0
    if result_width <= lut_adder_bits and rows in _LUT_SUM_LUTS.get(width, {}):
        return _LUT_SUM_LUTS[width][rows]
    per_adder = 1.5 if width == 1 else 2
    return round(per_adder * (rows - 2) * width) + 2 * math.ceil(result_width / 2)


def popcount_luts(popcount, schedule, lut_adder_bits):
    return sum(sum_luts(*made, lut_adder_bits) for sums, _ in schedule_sums(popcount, schedule)
               for made in sums)


def argmax_luts(n_classes, width, index_bits):
    """n - 1 comparators: a carry-chain compare (~ width + 1) and the select (width + index)."""
    return (n_classes - 1) * (2 * width + 1 + index_bits)
