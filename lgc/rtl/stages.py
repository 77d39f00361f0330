"""Where the registers go: gate stages, the vectors that cross each stage register, and the cuts
in the GroupSum/argmax reduction.

Time runs from the core's input register (the live input bits are boundary 0). With N LUT levels
per stage (cones.py), a gate at LUT level L is computed in stage ceil(L / N) and its output is
registered at the end of that stage; a bit read in a later stage rides along in every register
between (a delay register, counted apart). Boundary s is the vector after stage s: every bit made by then and read
later. The last boundary is what the GroupSum reads. N = 0 puts every gate in one unregistered
stage.

The reduction after the gates is one sequence of levels: the popcount tree's levels, then the
argmax comparator levels. With M levels per stage a register follows every M-th level; the last
level feeds the core's output register.
"""

import dataclasses

import numpy as np

from . import cones
from .signals import Signals, live


@dataclasses.dataclass
class Stage:
    gates: list          # [signals.Layer]: the gates this stage computes, per netlist layer
    inputs: np.ndarray   # ids on the stage's input vector (the previous boundary)
    outputs: np.ndarray  # ids on its output vector (the next boundary)


@dataclasses.dataclass
class LogicPlan:
    signals: Signals
    stages: list         # [Stage]
    boundaries: list     # ids on boundary 0 (the live input bits) ... boundary S (the GroupSum's)
    registered: bool     # a register after every stage
    lut_levels: int      # depth of the deepest live gate in LUTs
    live_gates: int
    stage_bits: int      # register bits holding a value computed in the stage just before
    delay_bits: int      # register bits carrying an older value on to a later stage


def plan_logic(netlist, layers_per_stage, lut_size):
    """Assign every live gate to a stage and work out the vector crossing every stage boundary."""
    signals = Signals(netlist)
    layers = signals.layers()
    alive = live(signals, layers)
    layers = [layer.subset(alive[layer.ids]) for layer in layers]
    level = cones.lut_levels(signals, layers, lut_size)

    # Producer stage of every bit (inputs: 0) and the last stage that reads it (GroupSum: S + 1).
    made = np.zeros(signals.count, dtype=np.int64)
    for layer in layers:
        lv = level[layer.ids].astype(np.int64)
        made[layer.ids] = np.maximum(1, -(-lv // layers_per_stage)) if layers_per_stage else 1
    n_stages = int(max((made[layer.ids].max() for layer in layers if len(layer.ids)), default=0))
    last_read = np.full(signals.count, -1, dtype=np.int64)
    for layer in layers:
        reads = layer.inputs >= 0
        np.maximum.at(last_read, layer.inputs[reads],
                      np.broadcast_to(made[layer.ids][:, None], layer.inputs.shape)[reads])
    groupsum_bits = np.unique(np.concatenate(signals.groups() + [np.zeros(0, np.int64)]))
    last_read[groupsum_bits] = n_stages + 1

    def boundary(b):
        return np.flatnonzero(alive & (made <= b) & (last_read > b))

    stages, stage_bits, delay_bits = [], 0, 0
    bounds = [boundary(b) for b in range(n_stages + 1)]
    for s in range(1, n_stages + 1):
        gates = [layer.subset(made[layer.ids] == s) for layer in layers]
        stages.append(Stage([g for g in gates if len(g.ids)], bounds[s - 1], bounds[s]))
        if layers_per_stage:
            fresh = int((made[bounds[s]] == s).sum())
            stage_bits += fresh
            delay_bits += len(bounds[s]) - fresh
    max_level = max((int(level[layer.ids].max()) for layer in layers if len(layer.ids)), default=0)
    return LogicPlan(signals, stages, bounds, bool(layers_per_stage), max_level,
                     sum(len(layer.ids) for layer in layers), stage_bits, delay_bits)


def reduction_cuts(levels, levels_per_stage):
    """Levels (1-based) of the popcount + argmax reduction after which a register sits; the
    output register after the last level belongs to the core and is not listed."""
    if not levels_per_stage:
        return []
    return list(range(levels_per_stage, levels, levels_per_stage))
