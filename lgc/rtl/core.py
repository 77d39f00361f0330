"""The inference core: a netlist as a pipelined Amaranth component, one inference per clock.

    in_valid, in_bits ─▶ input register ─▶ lgc_datapath (gate stages, popcount; text) ─▶
        Argmax (Amaranth) ─▶ output register ─▶ out_valid, out_scores, out_class

Ports (docs/design.md): `clk`, `rst` (the sync domain), `in_valid`, `in_bits[n_inputs]`,
`out_valid`, `out_scores` (k fields of `score_width` bits, class 0 in the low bits; two's
complement when `score_signed`), `out_class`. Inputs and outputs are registered; only the valid
chain is reset.
`latency` is the number of clock edges from an input to its result; a new input every clock.

The gate and popcount logic is Verilog text (`verilog_files()`), instantiated here; a platform
build adds those files next to the core (Amaranth elaborates the rest). `Plan` holds every number
of a core without building it.
"""

import copy
import dataclasses
import math

import numpy as np
from amaranth import Cat, ClockDomain, ClockSignal, DomainRenamer, Instance, Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ..errors import LgcError
from ..ir.truthtable import MAX_ARITY
from . import compressor
from .argmax import Argmax, argmax_depth, argmax_registers
from .compressor import CarrySave
from .datapath import datapath_files
from .estimate import argmax_luts, gate_luts, joined_wide_luts, popcount_luts, sum_luts
from .fanout import input_copies
from .popcount import Popcount
from .stages import (
    crossings,
    entry_levels,
    fewest_bits_cuts,
    first_stage_sums,
    gate_levels,
    inside_gates,
    plan_logic,
    reduction_cuts,
    schedule_sums,
    stage_starts,
    timed_schedule,
)
from .timing import Delays

# Options of a core. With a clock target (and the family's delay model) registers go where paths
# would exceed the period; layers_per_stage / adder_levels_per_stage fix them instead (and
# override the target for their part). Without a target, the fixed FIXED_DEFAULTS apply.
DEFAULTS = {"target_mhz": None, "layers_per_stage": None, "adder_levels_per_stage": None,
            "lut_size": 4}
FIXED_DEFAULTS = {"layers_per_stage": 1, "adder_levels_per_stage": 1}
_MAX_PORT_BITS = 65_000  # Amaranth numbers the bits of a port or cell with 16 bits


class Plan:
    """Where everything of a core goes: gate stages, the popcount's sums, reduction registers;
    with a delay model, the predicted path of every stage."""

    def __init__(self, netlist, target_mhz=None, delays=None, layers_per_stage=None,
                 adder_levels_per_stage=None, lut_size=DEFAULTS["lut_size"],
                 target_is_ceiling=False, capacity=None):
        """target_is_ceiling: the target is a default, not the user's: a core that cannot reach
        it is pipelined for the fastest clock the delay model allows it instead of refused.
        capacity: {"ffs", "luts"} of the device the core is for: of the plans that meet the
        target, the one with the fewest registers that fits it (else the fewest registers)."""
        check_options(layers_per_stage, adder_levels_per_stage, lut_size, target_mhz, delays)
        if target_mhz is None:
            layers_per_stage = _default(layers_per_stage, "layers_per_stage")
            adder_levels_per_stage = _default(adder_levels_per_stage, "adder_levels_per_stage")
        self.netlist, self.target_mhz = netlist, target_mhz
        self.options = {"target_mhz": target_mhz, "layers_per_stage": layers_per_stage,
                        "adder_levels_per_stage": adder_levels_per_stage,
                        "lut_size": int(lut_size)}
        self.n_inputs, self.n_classes = netlist.n_inputs, netlist.n_classes
        self.levels = levels = gate_levels(
            netlist, lut_size, delays.mux_inputs if delays is not None else 0)
        self.popcount = _popcount(netlist, levels)
        self.early = None   # positions of the group bits summed beside the last gate stage
        self._carry_save = (None, None)   # (what its modules were written for, the modules)
        self.score_width, self.score_signed = self.popcount.width, self.popcount.signed
        self.class_width = max(1, argmax_depth(self.n_classes))
        # the core's size the gates' nets grow with: its gates and about 2 LUTs per group bit
        self._wide_luts = delays.wide_gate_luts if delays is not None else joined_wide_luts
        self._size = (gate_luts(levels, None, lut_size, self._wide_luts)
                      + 2 * sum(len(g) for g in self.popcount.groups))
        self._use(delays)
        self._copy_limit = delays.fanout_limit if delays is not None else 0
        self._fanout = _gate_fanout(levels, self._copy_limit)
        # the muxes that join the LUTs of the widest gates (one level with them: cones.py), and
        # the most levels a gate takes (wider than a LUT and its muxes)
        self._muxes = (min(max(levels.widest - int(lut_size), 0), delays.mux_inputs)
                       if delays is not None else 0)
        self._span = int(levels.span[levels.alive].max(initial=0))
        self._entry = entry_levels(levels)
        self.lowered_from_mhz = None
        if target_is_ceiling and target_mhz is not None and target_mhz > self.fastest_mhz:
            self.lowered_from_mhz = target_mhz
            self.target_mhz = self.options["target_mhz"] = target_mhz = math.floor(self.fastest_mhz)
        if target_mhz is None or adder_levels_per_stage is not None:
            self._fixed(netlist, levels, lut_size)
            self._pipeline()
        else:
            self._timed(netlist, levels, lut_size, capacity)
        if max(self.n_inputs, self.n_classes * self.score_width) > _MAX_PORT_BITS:
            raise LgcError(f"the core's ports would be wider than {_MAX_PORT_BITS} bits "
                           f"({self.n_inputs} inputs, {self.n_classes} classes x "
                           f"{self.score_width} bits), more than Amaranth can build")

    def _fixed(self, netlist, levels, lut_size):
        """Registers every N gate levels and every M reduction levels (a stage of M popcount
        levels adds 2**M operands per sum); the gates' part may also come from the target."""
        layers, adders = self.options["layers_per_stage"], self.options["adder_levels_per_stage"]
        self.logic = (plan_logic(netlist, layers, lut_size, levels=levels) if layers is not None
                      else self._timed_logic(netlist, levels, lut_size)[-1][0])
        depth = self.popcount.depth + argmax_depth(self.n_classes)
        cuts = reduction_cuts(depth, adders)
        self.schedule = self.popcount.binary_schedule([c for c in cuts if c < self.popcount.depth])
        self.register_scores = self.popcount.depth in cuts
        self.argmax_cuts = [c - self.popcount.depth for c in cuts if c > self.popcount.depth]
        self.argmax_split = []

    def _pipeline(self):
        """What follows from where the registers are: the input register's copies, the latency."""
        limit, stages = self._copy_limit, self.logic.stages
        self.input_copies = (input_copies(stages[0], self.levels.signals.count, limit)
                             if limit and stages else None)
        self.latency = (2 + sum(stage.registered for stage in stages)
                        + sum(m.registered for m in self.popcount_modules())
                        + len(self.argmax_cuts) + len(self.argmax_split))

    def _timed(self, netlist, levels, lut_size, capacity):
        """Registers only where a path would exceed the period: the gate stages hold as many LUT
        levels as fit, the popcount's stages as wide sums (stages.timed_schedule) or as many
        full-adder levels (compressor.schedule) as fit, the argmax compares as many levels per
        stage as fit; of the ways to share the last gate stage with the first sums and of the
        two popcount shapes, the one with the fewest registers that fits `capacity`. Where the
        last gate stage shares its clock with the first sums, the group bits its input register
        already holds may be summed beside it, within the whole period (`_beside`)."""
        budget = self.delays.budget(self.target_mhz)
        margin = self._margin(budget)
        budget -= margin
        k, w = self.n_classes, self.score_width
        plans = []
        for logic, first_budget in self._timed_logic(netlist, levels, lut_size):
            first_budget -= margin
            for logic, popcount, early in [(logic, self.popcount, None)] + _beside(logic):
                for schedule in (timed_schedule(popcount, self.delays, budget, first_budget),
                                 compressor.schedule(popcount, self.delays, budget, first_budget)):
                    if schedule is None:
                        continue
                    scores, cuts, split = self._argmax_plan(
                        budget, self._popcount_paths(popcount, schedule, logic)[-1])
                    registers = (logic.stage_bits + logic.delay_bits
                                 + sum(_popcount_registers(popcount, schedule))
                                 + scores * k * w + sum(argmax_registers(k, w, cuts, split)))
                    stages = len(getattr(schedule, "levels", schedule))
                    key = (registers, stages + scores + len(cuts) + len(split))
                    plans.append((key, (logic, popcount, early, schedule, scores, cuts, split)))
        if not plans:
            raise LgcError(self._beyond())
        plans.sort(key=lambda plan: plan[0])   # stable: of equal keys, the first found
        for _, plan in plans:
            self._adopt(*plan)
            if capacity is None or self._fits(capacity):
                return
        self._adopt(*plans[0][1])

    def _adopt(self, logic, popcount, early, schedule, scores, argmax_cuts, argmax_split):
        self.logic, self.popcount, self.early, self.schedule = logic, popcount, early, schedule
        self.register_scores = bool(scores)
        self.argmax_cuts, self.argmax_split = argmax_cuts, argmax_split
        self._pipeline()

    def _fits(self, capacity):
        need = self.needs()
        return all(need[r] <= capacity[r] for r in need)

    def _margin(self, budget):
        """ns the popcount's and argmax's stages keep free of the budget: the family's margin
        where a stage of gates fills the budget to within it (nextpnr places some gate net at
        the model's worst, while sums and compares scatter around their prediction: planned to
        the same edge, one of them would often be slower), else none."""
        margin, level = self.delays.margin, self.gate_level
        return margin if budget - math.floor(budget / level) * level < margin else 0.0

    def _timed_logic(self, netlist, levels, lut_size):
        """Gate plans for the target: (plan, ns its last stage leaves for the first sums when
        they share it, else the whole budget), for every way to share it."""
        budget = self.delays.budget(self.target_mhz)
        if self._widest_gate_ns > budget:   # a stage holds at least one whole gate
            raise LgcError(self._beyond())
        fixed = self.options["layers_per_stage"]
        if fixed is not None:
            return [(plan_logic(netlist, fixed, lut_size, levels=levels), budget)]
        crossing, depth = crossings(levels), levels.depth
        starts = stage_starts(self._level_ns, budget)
        # The last stage, levels after `start`, shares its clock with the first sums; from
        # `depth` on, the gates end in a register. No cut inside a gate of several levels,
        # unless gates that overlap leave no such plan.
        for barred in (inside_gates(levels), None):
            plans = []
            for start in range(int(starts[depth]), depth + 1):
                registered = start == depth and depth > 0
                cuts = fewest_bits_cuts(crossing, starts, None if registered else start, barred)
                if cuts is None:
                    continue
                logic = plan_logic(netlist, None, lut_size, cuts, registered, levels)
                shared = 0.0 if registered or not logic.stages else self._stage_ns(logic)[-1]
                plans.append((logic, budget - shared))
                if registered or not depth:
                    break
            if plans:
                return plans

    def _argmax_plan(self, budget, used):
        """(register the scores first: 0/1, levels after which a register sits, levels with a
        register between compare and select), placed greedily after `used` ns of the last
        popcount stage: a level joins the stage it fits in, else the next one; a level longer
        than a stage is split."""
        depth, c, s = argmax_depth(self.n_classes), self._compare, self.delays.select_path
        if depth and max(c, s) > budget:
            raise LgcError(self._beyond())
        scores, cuts, split = 0, [], []
        for level in range(1, depth + 1):
            if used + c + s <= budget:
                used += c + s
                continue
            if c + s <= budget or used + c > budget:   # a register before this level
                scores, cuts = (1, cuts) if level == 1 else (scores, cuts + [level - 1])
                used = 0
            if used + c + s <= budget:
                used += c + s
            else:
                split.append(level)
                used = s
        return scores, cuts, split

    def _argmax_paths(self, used):
        """ns of the stage the argmax starts in (`used` ns by the popcount before), then of
        every argmax stage after a register."""
        paths, c, s = [], self._compare, self.delays.select_path
        if self.register_scores:
            paths.append(used)
            used = 0
        for level in range(1, argmax_depth(self.n_classes) + 1):
            if level in self.argmax_split:
                paths.append(used + c)
                used = s
            else:
                used += c + s
            if level in self.argmax_cuts:
                paths.append(used)
                used = 0
        return paths + [used]

    @property
    def _compare(self):
        return self.delays.compare_path(self.score_width)

    def _popcount_paths(self, popcount, schedule, logic):
        """ns of every popcount stage; the first one includes the last gate stage's levels when
        it shares their clock (its sums over early bits run beside them)."""
        shared = self._stage_ns(logic)[-1] \
            if logic.stages and not logic.stages[-1].registered else 0.0
        if isinstance(schedule, CarrySave):   # (its last stage adds the base itself)
            (late, early), *rest = compressor.paths(popcount, self.delays, schedule)
            return [max(shared + late, early)] + rest
        path = lambda made: max([0.0] + [self.delays.sum_path(*x) for x in made])
        paths = [path(made) for made, _ in schedule_sums(popcount, schedule)]
        if paths:
            late, early = first_stage_sums(popcount, schedule)
            paths[0] = max(shared + path(late), path(early))
        if self.score_signed and paths:   # base joins the last sum: one more add
            paths[-1] += self.delays.sum_path(2, self.score_width, self.score_width)
        return paths

    @property
    def delays(self):
        """The family's delay model in this core (Delays.in_core); None without one."""
        return self._delays

    def _use(self, family_delays):
        self.family_delays = family_delays
        self._delays = family_delays.in_core(self._size) if family_delays else None

    def with_delays(self, family_delays):
        """This plan, its registers where they are, with its paths predicted by another delay
        model (bench's fits of the model's fields)."""
        plan = copy.copy(self)
        plan._use(family_delays)
        return plan

    @property
    def cofactor_lut(self):
        """The LUT size gates wider than it are written as cofactors of (Delays.cofactor_gates;
        None: as their tables)."""
        if self.delays is not None and self.delays.cofactor_gates:
            return self.options["lut_size"]
        return None

    @property
    def gate_level(self):
        """Predicted ns of one LUT level of this core's gates."""
        return self.delays.gate_level(self._size, self._fanout, self._muxes)

    @property
    def _level_ns(self):
        """Predicted ns of every gate level (index 0 unused): a gate level where a gate starts;
        a LUT level where only wide gates go on (their own LUTs, placed side by side, read
        each other over short nets)."""
        ns = np.where(self._entry, self.gate_level, self.delays.lut_level)
        ns[0] = 0.0
        return ns

    @property
    def _widest_gate_ns(self):
        """Predicted ns of the gate of the most levels."""
        return self.gate_level + max(self._span - 1, 0) * self.delays.lut_level

    def _stage_ns(self, logic):
        """Predicted ns of every gate stage of a LogicPlan."""
        ends = np.cumsum(self._level_ns)
        edges = np.cumsum([0] + [stage.levels for stage in logic.stages])
        return [float(ends[b] - ends[a]) for a, b in zip(edges, edges[1:])]

    @property
    def fastest_mhz(self):
        """The fastest clock the delay model allows this core: a stage holds at least one LUT
        level of gates (all the levels of its widest gate), a comparison, a two-operand sum (of
        any width the tree adds: a narrow one is LUT logic, sometimes slower than a wider one's
        carry chain), the last sums with the classes' constants and, for signed scores, the
        base; where a stage of gates then fills the budget, those others within the margin
        (`_margin`)."""
        d, w, popcount = self.delays, self.score_width, self.popcount
        sums = [d.sum_path(2, v, v + 1) for v in range(1, w)]
        base = d.sum_path(2, w, w) if popcount.signed else 0.0
        last = [d.sum_path(2 + any(popcount.consts), v, r) + base
                for v in range(1, w) for r in range(v + 1, w + 1)]
        level, rest = self.gate_level, max([self._compare if self.n_classes > 1 else 0.0]
                                           + last + sums)
        budget = max(self._widest_gate_ns, rest)
        if rest > budget - self._margin(budget):   # a stage of gates fills it: leave the margin
            budget = math.floor(budget / level) * level + d.margin
        return 1e3 / d.period(budget)

    def _beyond(self):
        return (f"{self.target_mhz:g} MHz is beyond what the delay model allows for this core "
                f"(at most about {math.floor(self.fastest_mhz)} MHz: a stage holds at least one "
                "LUT level of gates, a comparison, a two-operand sum); choose a lower --target-mhz")

    def stage_paths(self):
        """Predicted ns of every stage's logic and routing (register to register), in order:
        gate stages (a last one without register shares its clock with the first sums),
        popcount stages, argmax stages; None without a delay model."""
        d = self.delays
        if d is None:
            return None
        gates = self._stage_ns(self.logic)
        pops = self._popcount_paths(self.popcount, self.schedule, self.logic)
        if self.logic.stages and not self.logic.stages[-1].registered:
            gates.pop()   # shares the first popcount stage's clock
        argmax = self._argmax_paths(pops[-1])
        pops[-1] = argmax.pop(0)
        return {"gates": gates, "popcount": pops, "argmax": argmax}

    def timing(self):
        """report.json's rtl "timing": the target, the predicted path of every stage and the
        critical one (None without a delay model)."""
        paths = self.stage_paths()
        if paths is None:
            return None
        d = self.delays
        worst = max((p, kind, i) for kind, ps in paths.items() for i, p in enumerate(ps, 1))
        critical = d.period(worst[0])
        return {"target_mhz": self.target_mhz,
                **({"lowered_from_mhz": self.lowered_from_mhz} if self.lowered_from_mhz else {}),
                "predicted_critical_ns": round(critical, 3),
                "predicted_mhz": round(1e3 / critical, 1),
                "critical_stage": f"{worst[1]} stage {worst[2]}",
                "stage_ns": {k: [round(d.period(p), 3) for p in ps] for k, ps in paths.items()},
                "delays": dataclasses.asdict(self.family_delays)}

    @property
    def copies(self):
        """Extra copies of input bits in the input register (fanout.py)."""
        return 0 if self.input_copies is None else len(self.input_copies[0])

    def popcount_modules(self):
        if isinstance(self.schedule, CarrySave):   # written once (the latency reads them first)
            key = (self.schedule, self.popcount_inputs, self.register_scores)
            if self._carry_save[0] != key:
                self._carry_save = key, compressor.modules(self.popcount, *key)
            return self._carry_save[1]
        return self.popcount.modules(self.schedule, self.popcount_inputs, self.register_scores)

    @property
    def popcount_inputs(self):
        """Bits the first popcount stage reads: the GroupSum's vector, then the early bits."""
        return len(self.logic.boundaries[-1]) + (0 if self.early is None else len(self.early))

    @property
    def popcount_levels(self):
        """Levels of a binary adder tree each popcount stage stands for (its widest sum's; a
        carry-save stage's: its full-adder levels)."""
        if isinstance(self.schedule, CarrySave):
            return [max(1, self.schedule.levels[0], self.schedule.early_levels)] + \
                [max(1, n) for n in self.schedule.levels[1:]]
        return [max([1] + [math.ceil(math.log2(n)) for sizes in stage for n in sizes if n > 1])
                for stage in self.schedule]

    @property
    def popcount_sums(self):
        """Per popcount stage, the operands its sums add (a carry-save stage's: 3)."""
        if isinstance(self.schedule, CarrySave):
            return [[3]] * len(self.schedule.levels)
        return [sorted({n for sizes in stage for n in sizes}) for stage in self.schedule]

    def estimated_luts(self):
        """LUT4-equivalents by block, estimated from the structure (estimate.py)."""
        adder_bits = self.delays.lut_adder_bits if self.delays else Delays.lut_adder_bits
        if isinstance(self.schedule, CarrySave):   # two LUTs a full adder, and the last adders
            adders, last = compressor.full_adders(self.popcount, self.schedule)
            popcount = 2 * adders + sum(sum_luts(rows, w, w, adder_bits) for rows, w in last)
        else:
            popcount = popcount_luts(self.popcount, self.schedule, adder_bits)
        return {"gate layers": gate_luts(self.levels, self.logic, self.options["lut_size"],
                                         self._wide_luts),
                "popcount": popcount,
                "argmax": argmax_luts(self.n_classes, self.score_width, self.class_width)}

    def estimate_luts(self):
        return sum(self.estimated_luts().values())

    def needs(self):
        """What the core takes of a device: {"ffs": exact, "luts": estimate}."""
        return {"ffs": self.registers()["total"], "luts": self.estimate_luts()}

    def gate_arities(self):
        """{inputs: live gates that read that many} (synthesis options are chosen by it)."""
        reads = [(layer.inputs >= 0).sum(axis=1) for stage in self.logic.stages
                 for layer in stage.gates]
        arity, count = np.unique(np.concatenate(reads + [np.zeros(0, np.int64)]),
                                 return_counts=True)
        return {str(a): int(n) for a, n in zip(arity.tolist(), count.tolist())}

    def registers(self):
        """Flip-flop counts: data (computed values), delay (values carried over stages), valid;
        and per block, named as synthesis reports name them: the gate stages' registers, the
        popcount's, the argmax's, and the core's own (input, output, valid chain)."""
        k, w = self.n_classes, self.score_width
        registered = [m for m in self.popcount_modules() if m.registered]
        arg_fresh, arg_delay = argmax_registers(k, w, self.argmax_cuts, self.argmax_split)
        logic = self.logic
        inputs, outputs = len(logic.boundaries[0]) + self.copies, k * w + self.class_width
        data = (inputs + logic.stage_bits + sum(m.fresh_bits for m in registered) + arg_fresh
                + outputs)
        delay = logic.delay_bits + sum(m.carried_bits for m in registered) + arg_delay
        blocks = {"gate layers": logic.stage_bits + logic.delay_bits,
                  "popcount": sum(m.out_width for m in registered),
                  "argmax": arg_fresh + arg_delay,
                  "core (other)": inputs + outputs + self.latency}
        return {"data": data, "delay": delay, "valid": self.latency,
                "total": data + delay + self.latency, "blocks": blocks}


def _popcount(netlist, levels):
    """The popcount over the GroupSum's input vector (the last gate boundary: the bits the
    groups read, in id order)."""
    last = np.flatnonzero(levels.alive & (levels.read == levels.depth + 1))
    on_vector = np.full(levels.signals.count, -1, dtype=np.int64)
    on_vector[last] = np.arange(len(last))
    groups = [on_vector[g] for g in levels.signals.groups()]
    return Popcount(groups, netlist.graph.nodes[netlist.output_node]["offset"])


def _popcount_registers(popcount, schedule):
    """Bits every popcount stage but the last registers."""
    if isinstance(schedule, CarrySave):
        return compressor.registers(popcount, schedule)
    return [bits for _, bits in schedule_sums(popcount, schedule)[:-1]]


def _beside(logic):
    """[(the plan with the group bits its last gate stage's input register holds read from there,
    the popcount over them, their positions on that register)] when the last gate stage shares
    its clock with the first sums (else []): those bits then leave the last gate stage's
    output, and its first sums need not wait for the last gate levels."""
    if not logic.stages or logic.stages[-1].registered:
        return []
    before, last = logic.boundaries[-2], logic.boundaries[-1]
    early = np.intersect1d(last, before)
    if not len(early):
        return []
    late = np.setdiff1d(last, early)
    stage = dataclasses.replace(logic.stages[-1], outputs=late)
    logic = dataclasses.replace(logic, stages=logic.stages[:-1] + [stage],
                                boundaries=logic.boundaries[:-1] + [late])
    on_vector = np.full(logic.signals.count, -1, dtype=np.int64)
    on_vector[late] = np.arange(len(late))
    on_vector[early] = len(late) + np.arange(len(early))
    groups = logic.signals.groups()
    is_early = lambda g: np.isin(g, early)
    popcount = Popcount([on_vector[g[~is_early(g)]] for g in groups],
                        logic.signals.netlist.graph.nodes[logic.signals.netlist.output_node]["offset"],
                        [on_vector[g[is_early(g)]] for g in groups])
    return [(logic, popcount, np.searchsorted(before, early))]


def _gate_fanout(levels, limit):
    """The most gates one bit feeds (an input bit's per copy when the input register holds one
    per `limit` readers, fanout.py)."""
    reads = np.concatenate([layer.inputs[layer.inputs >= 0] for layer in levels.layers]
                           + [np.zeros(0, np.int64)])
    fanout = np.bincount(reads, minlength=levels.signals.n_inputs)
    if limit:
        fanout[:levels.signals.n_inputs] = np.minimum(fanout[:levels.signals.n_inputs], limit)
    return int(fanout.max(initial=1))


def _default(value, name):
    return FIXED_DEFAULTS[name] if value is None else value


class Core(wiring.Component):
    """The core of `netlist` with the given pipeline options (see Plan); `plan`, `latency`,
    `score_width`, `score_signed`, `registers()` describe it, `verilog_files()` is its text."""

    def __init__(self, netlist, **options):
        try:
            self.plan = plan = Plan(netlist, **options)
        except LgcError:
            self._MustUse__silence = True  # not an unused core: none could be made
            raise
        self.latency, self.score_width = plan.latency, plan.score_width
        self.score_signed = plan.score_signed
        self._files = None
        super().__init__({"in_valid": In(1), "in_bits": In(plan.n_inputs), "out_valid": Out(1),
                          "out_scores": Out(plan.n_classes * plan.score_width),
                          "out_class": Out(plan.class_width)})

    def registers(self):
        return self.plan.registers()

    def verilog_files(self):
        """{file name: Verilog text} of the modules the core instantiates (lgc_datapath & co)."""
        if self._files is None:
            plan = self.plan
            name = plan.netlist.graph.graph.get("name") or "netlist"
            self._files = datapath_files(plan.logic, plan.popcount_modules(), name,
                                         plan.input_copies, plan.early, plan.cofactor_lut)
        return self._files

    def elaborate(self, platform):
        plan = self.plan
        m = Module()
        valid = Signal(plan.latency, name="valid")  # the only registers with a reset
        m.d.sync += valid.eq(Cat(self.in_valid, valid[:-1]))
        # Only the input bits something reads go to the datapath's input register (the others
        # would be dropped by synthesis anyway; lgc_core.v marks them unused for the linter).
        live = plan.logic.boundaries[0].tolist()
        scores = Signal(len(self.out_scores), name="scores")
        ports = {"o_scores": scores}
        if live:
            ports["i_live"] = Cat(self.in_bits[lo:hi] for lo, hi in _runs(live))
        if live or plan.logic.registered or any(m.registered for m in plan.popcount_modules()):
            ports["i_clk"] = ClockSignal("sync")
        m.submodules.datapath = Instance("lgc_datapath", **ports)
        # Data registers below the core have no reset: a reset-less domain on the same clock, so
        # submodules get no reset port they would not use.
        m.domains.data = data = ClockDomain("data", reset_less=True, local=True)
        m.d.comb += data.clk.eq(ClockSignal("sync"))
        argmax = Argmax(plan.n_classes, plan.score_width, plan.argmax_cuts, plan.score_signed,
                        plan.argmax_split)
        m.submodules.argmax = DomainRenamer("data")(argmax)
        m.d.comb += argmax.scores.eq(scores)

        out_scores = Signal(len(self.out_scores), name="out_scores_q", reset_less=True)
        out_class = Signal(len(self.out_class), name="out_class_q", reset_less=True)
        m.d.sync += [out_scores.eq(argmax.scores_out), out_class.eq(argmax.index)]
        m.d.comb += [self.out_valid.eq(valid[-1]), self.out_scores.eq(out_scores),
                     self.out_class.eq(out_class)]
        return m


def _runs(indices):
    """(start, stop) of each run of consecutive integers in a sorted list."""
    runs = []
    for i in indices:
        if runs and runs[-1][1] == i:
            runs[-1][1] = i + 1
        else:
            runs.append([i, i + 1])
    return runs


def check_options(layers_per_stage, adder_levels_per_stage, lut_size, target_mhz=None,
                  delays=None):
    for name, value, low in (("layers per stage", layers_per_stage, 0),
                             ("adder levels per stage", adder_levels_per_stage, 0),
                             ("LUT size", lut_size, 2)):
        if value is None and name != "LUT size":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise LgcError(f"{name} must be an integer >= {low}, got {value!r}")
    if lut_size > MAX_ARITY:
        raise LgcError(f"LUT size must be at most {MAX_ARITY}, got {lut_size}")
    if target_mhz is not None:
        if isinstance(target_mhz, bool) or not isinstance(target_mhz, (int, float, np.number)) \
                or not target_mhz > 0 or not math.isfinite(target_mhz):
            raise LgcError(f"the target clock must be a positive number of MHz, got "
                           f"{target_mhz!r}")
        if delays is None:
            raise LgcError("a target clock needs the family's delay model (delays=, e.g. "
                           "lgc.synth.devices.FAMILIES['ecp5'].delays)")
