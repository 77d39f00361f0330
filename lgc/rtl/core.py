"""The inference core: a netlist as a pipelined Amaranth component, one inference per clock.

    in_valid, in_bits ─▶ input register ─▶ lgc_datapath (gate stages, popcount; text) ─▶
        Argmax (Amaranth) ─▶ output register ─▶ out_valid, out_scores, out_class

Ports (docs/design.md): `clk`, `rst` (the sync domain), `in_valid`, `in_bits[n_inputs]`,
`out_valid`, `out_scores` (k fields of `score_width` bits, class 0 in the low bits; two's
complement when `score_signed`), `out_class`. Inputs and outputs are registered; only the valid chain is reset.
`latency` is the number of clock edges from an input to its result; a new input every clock.

The gate and popcount logic is Verilog text (`verilog_files()`), instantiated here; a platform
build adds those files next to the core (Amaranth elaborates the rest). `Plan` holds every number
of a core without building it.
"""

import numpy as np
from amaranth import Cat, ClockDomain, ClockSignal, DomainRenamer, Instance, Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ..errors import LgcError
from ..ir.truthtable import MAX_ARITY
from .argmax import Argmax, argmax_depth, argmax_registers
from .datapath import datapath_files
from .popcount import Popcount
from .stages import plan_logic, reduction_cuts

# (1, 1): the highest Fmax and, of the settings that bound the gates' logic depth, the most Fmax
# per cell on ECP5 (python -m bench.synth_pipelining; figures in bench/README.md)
DEFAULTS = {"layers_per_stage": 1, "adder_levels_per_stage": 1, "lut_size": 4}
_MAX_PORT_BITS = 65_000  # Amaranth numbers the bits of a port or cell with 16 bits


class Plan:
    """Where everything of a core goes: gate stages, popcount trees, reduction registers."""

    def __init__(self, netlist, layers_per_stage=DEFAULTS["layers_per_stage"],
                 adder_levels_per_stage=DEFAULTS["adder_levels_per_stage"],
                 lut_size=DEFAULTS["lut_size"]):
        check_options(layers_per_stage, adder_levels_per_stage, lut_size)
        self.netlist = netlist
        self.options = {"layers_per_stage": int(layers_per_stage),
                        "adder_levels_per_stage": int(adder_levels_per_stage),
                        "lut_size": int(lut_size)}
        self.n_inputs, self.n_classes = netlist.n_inputs, netlist.n_classes
        self.logic = plan_logic(netlist, layers_per_stage, lut_size)

        on_vector = np.full(self.logic.signals.count, -1, dtype=np.int64)
        on_vector[self.logic.boundaries[-1]] = np.arange(len(self.logic.boundaries[-1]))
        groups = [on_vector[g] for g in self.logic.signals.groups()]
        self.popcount = Popcount(groups, netlist.graph.nodes[netlist.output_node]["offset"])
        self.score_width, self.score_signed = self.popcount.width, self.popcount.signed

        depth = self.popcount.depth + argmax_depth(self.n_classes)
        cuts = reduction_cuts(depth, adder_levels_per_stage)
        self.popcount_cuts = tuple(c for c in cuts if c < self.popcount.depth)
        self.register_scores = self.popcount.depth in cuts
        self.argmax_cuts = [c - self.popcount.depth for c in cuts if c > self.popcount.depth]
        self.class_width = max(1, argmax_depth(self.n_classes))
        self.latency = 2 + len(self.logic.stages) * self.logic.registered + len(cuts)
        if max(self.n_inputs, self.n_classes * self.score_width) > _MAX_PORT_BITS:
            raise LgcError(f"the core's ports would be wider than {_MAX_PORT_BITS} bits "
                           f"({self.n_inputs} inputs, {self.n_classes} classes x "
                           f"{self.score_width} bits), more than Amaranth can build")

    @property
    def clocked_datapath(self):
        return bool(self.logic.registered and self.logic.stages or self.popcount_cuts
                    or self.register_scores)

    def popcount_modules(self):
        return self.popcount.modules(self.popcount_cuts, len(self.logic.boundaries[-1]),
                                     self.register_scores)

    def registers(self):
        """Flip-flop counts: data (computed values), delay (values carried over stages), valid;
        and per block, named as synthesis reports name them: the gate stages' registers, the
        popcount's, the argmax's, and the core's own (input, output, valid chain)."""
        k, w = self.n_classes, self.score_width
        registered = [m for m in self.popcount_modules() if m.registered]
        arg_fresh, arg_delay = argmax_registers(k, w, self.argmax_cuts)
        logic = self.logic
        inputs, outputs = len(logic.boundaries[0]), k * w + self.class_width
        data = (inputs + logic.stage_bits + sum(m.fresh_bits for m in registered) + arg_fresh
                + outputs)
        delay = logic.delay_bits + sum(m.carried_bits for m in registered) + arg_delay
        blocks = {"gate layers": logic.stage_bits + logic.delay_bits,
                  "popcount": sum(m.out_width for m in registered),
                  "argmax": arg_fresh + arg_delay,
                  "core (other)": inputs + outputs + self.latency}
        return {"data": data, "delay": delay, "valid": self.latency,
                "total": data + delay + self.latency, "blocks": blocks}


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
            self._files = datapath_files(plan.logic, plan.popcount_modules(), name)
        return self._files

    def elaborate(self, platform):
        plan = self.plan
        m = Module()
        valid = Signal(plan.latency, name="valid")  # the only registers with a reset
        m.d.sync += valid.eq(Cat(self.in_valid, valid[:-1]))
        # Only the input bits something reads are registered (the others would be dropped by
        # synthesis anyway; lgc_core.v marks them unused for the linter).
        live = plan.logic.boundaries[0].tolist()
        bits = Signal(len(live), name="bits", reset_less=True)
        m.d.sync += bits.eq(Cat(self.in_bits[lo:hi] for lo, hi in _runs(live)))

        scores = Signal(len(self.out_scores), name="scores")
        ports = {"o_scores": scores}
        if live:
            ports["i_b0"] = bits
        if plan.clocked_datapath:
            ports["i_clk"] = ClockSignal("sync")
        m.submodules.datapath = Instance("lgc_datapath", **ports)
        # Data registers below the core have no reset: a reset-less domain on the same clock, so
        # submodules get no reset port they would not use.
        m.domains.data = data = ClockDomain("data", reset_less=True, local=True)
        m.d.comb += data.clk.eq(ClockSignal("sync"))
        argmax = Argmax(plan.n_classes, plan.score_width, plan.argmax_cuts, plan.score_signed)
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


def check_options(layers_per_stage, adder_levels_per_stage, lut_size):
    for name, value, low in (("layers per stage", layers_per_stage, 0),
                             ("adder levels per stage", adder_levels_per_stage, 0),
                             ("LUT size", lut_size, 2)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise LgcError(f"{name} must be an integer >= {low}, got {value!r}")
    if lut_size > MAX_ARITY:
        raise LgcError(f"LUT size must be at most {MAX_ARITY}, got {lut_size}")
