"""From a Netlist to pipelined Verilog: `generate(netlist, out_dir, **options)`, and the `Core`
component that board tops instantiate (with `core.verilog_files()` added to the build)."""

import logging
import os

from ..errors import LgcError
from . import input_format, interface
from .argmax import argmax_depth
from .axis import AXIS_TOP, AxisTop
from .compressor import CarrySave
from .core import DEFAULTS, Core, Plan
from .encoded import ENCODED_TOP, EncodedCore
from .ports import CorePorts
from .recurrent_core import write_recurrent
from .verilog import TOP, core_verilog

__all__ = ["AXIS_TOP", "AxisTop", "Core", "DEFAULTS", "ENCODED_TOP", "EncodedCore", "Plan", "TOP",
           "generate", "write_recurrent"]
log = logging.getLogger("lgc")


def generate(netlist, out_dir, **options):
    """Write the core's Verilog into `out_dir` (top module `lgc_core`); returns (core, summary)
    with the summary as report.json's "rtl" section. Options: layers_per_stage,
    adder_levels_per_stage, lut_size (see Core). When the netlist has an input encoding, the
    encoded top `lgc_encoded` (raw features in, in `input_format`: a name as
    lgc.rtl.input_format.parse takes, u8 by default) is written too, described in rtl["encoder"].
    The AXI4-Stream top `lgc_axis` (axis.py; input TDATA `axis_width` bits wide, by default one
    vector per beat; output TDATA `axis_out_width`, by default one result per beat) wraps the
    encoded top, else the core; rtl["axis"] describes it (its files are not in rtl["files"], which
    hold the core and the encoded top)."""
    netlist.require_feed_forward("lgc.rtl.generate (recurrent ones: write_recurrent)")
    encoding = netlist.graph.graph.get("encoding")
    fmt = options.pop("input_format", None)
    axis_width = options.pop("axis_width", None)
    axis_out_width = options.pop("axis_out_width", None)
    if fmt is not None and not encoding:
        raise LgcError("an input format is for models with an input encoding (the encoder's "
                       "raw features); this one takes input bits: give --encoding too")
    fmt = input_format.parse(fmt or input_format.DEFAULT)
    core = Core(netlist, **options)
    files = {**core.verilog_files(), **core_verilog(core)}
    encoded = EncodedCore(core, encoding, fmt) if encoding else None
    encoded_files = encoded.verilog() if encoded else {}
    files.update(encoded_files)
    wrapped = (CorePorts(len(encoded.in_raw), core.plan.n_classes, core.score_width,
                         core.plan.class_width, ENCODED_TOP, "in_raw") if encoded else
               CorePorts(core.plan.n_inputs, core.plan.n_classes, core.score_width,
                         core.plan.class_width))
    axis = AxisTop(wrapped, encoded.latency if encoded else core.latency, axis_width,
                   axis_out_width)
    axis_files = axis.verilog()
    os.makedirs(out_dir, exist_ok=True)
    for name, text in {**files, **axis_files}.items():
        with open(os.path.join(out_dir, name), "w") as f:
            f.write(text)
    report = summary(core, sorted(files))
    report["axis"] = axis.summary(sorted(axis_files))
    if encoded:
        report["encoder"] = encoded.summary(sorted(encoded_files))
        if report["encoder"]["constant_bits"]:
            log.warning("%d input bits have thresholds outside the range of %s: the encoder "
                        "makes them constant", report["encoder"]["constant_bits"], fmt.describe())
    report["interface"] = interface.describe(netlist, core, report, encoded, axis)
    return core, report


def summary(core, files):
    plan = core.plan
    popcount_levels = plan.popcount_levels
    return {
        "top": TOP,
        "files": files,
        **plan.options,
        "latency": plan.latency,
        "ports": {"in_bits": plan.n_inputs, "out_scores": plan.n_classes * plan.score_width,
                  "out_class": plan.class_width},
        "score_width": plan.score_width,
        "score_signed": plan.score_signed,
        "gates": plan.netlist.gate_count(),
        "live_gates": plan.logic.live_gates,
        "lut_levels": plan.logic.lut_levels,
        "gate_stages": sum(stage.registered for stage in plan.logic.stages),
        "gate_stage_levels": [stage.levels for stage in plan.logic.stages],
        "gate_cuts": plan.logic.cuts,
        "popcount_levels": sum(popcount_levels),
        "popcount_stages": len(popcount_levels),
        "popcount_sums": plan.popcount_sums,
        "popcount_tree": "carry-save" if isinstance(plan.schedule, CarrySave) else "sums",
        "popcount_early_bits": 0 if plan.early is None else len(plan.early),
        "argmax_levels": argmax_depth(plan.n_classes),
        "reduction_registers_after_levels": [sum(popcount_levels[:j + 1]) for j in
                                             range(len(popcount_levels) - 1)]
        + ([sum(popcount_levels)] if plan.register_scores else [])
        + [sum(popcount_levels) + c for c in plan.argmax_cuts],
        "argmax_split_levels": plan.argmax_split,
        "registers": plan.registers(),
        "luts_estimate": plan.estimated_luts(),
        "gate_arities": plan.gate_arities(),
        "timing": plan.timing(),
    }
