"""From a Netlist to pipelined Verilog: `generate(netlist, out_dir, **options)`, and the `Core`
component that board tops instantiate (with `core.verilog_files()` added to the build)."""

import os

from .core import DEFAULTS, Core
from .verilog import TOP, core_verilog

__all__ = ["Core", "DEFAULTS", "TOP", "generate"]


def generate(netlist, out_dir, **options):
    """Write the core's Verilog into `out_dir` (top module `lgc_core`); returns (core, summary)
    with the summary as report.json's "rtl" section. Options: layers_per_stage,
    adder_levels_per_stage, lut_size (see Core)."""
    core = Core(netlist, **options)
    files = {**core.verilog_files(), **core_verilog(core)}
    os.makedirs(out_dir, exist_ok=True)
    for name, text in files.items():
        with open(os.path.join(out_dir, name), "w") as f:
            f.write(text)
    return core, summary(core, sorted(files))


def summary(core, files):
    logic = core.logic
    return {
        "top": TOP,
        "files": files,
        **core.options,
        "latency": core.latency,
        "ports": {"in_bits": core.n_inputs, "out_scores": core.n_classes * core.score_width,
                  "out_class": core.class_width},
        "score_width": core.score_width,
        "score_signed": core.score_signed,
        "gates": core.netlist.gate_count(),
        "live_gates": logic.live_gates,
        "lut_levels": logic.lut_levels,
        "gate_stages": len(logic.stages) if logic.registered else 0,
        "popcount_levels": core.popcount.depth,
        "argmax_levels": core.argmax.depth,
        "reduction_registers_after_levels": list(core.popcount_cuts)
        + ([core.popcount.depth] if core.register_scores else [])
        + [core.popcount.depth + c for c in core.argmax.cuts],
        "registers": core.registers(),
    }
