"""The text half of a core: gate stages and popcount modules, chained by `lgc_datapath`, as
{file name: Verilog text}.

Written as text because it grows with the gates: per bit, Amaranth spends microseconds to
milliseconds (a 256k-gate layer took 107 s; 5 stage registers of 200k bits, 26 s), text a
microsecond. Each module holds the pipeline register after it, so synthesis reports count every
register in its block; `lgc_datapath` only wires them. The core instantiates `lgc_datapath`
(ports: `clk` when it has registers, `live` the input bits some gate or group reads, `scores`)
and adds the per-class rest around it. The input register is lgc_inputs (`b0`: the live bits,
then the copies the first gate stage reads, fanout.py). The first popcount stage reads the last
gate stage's output, then (`early`) the group bits it sums beside that stage, from its input.
"""

import numpy as np

from .gate_stages import stage_module
from .text import concat, render, slices


def datapath_files(logic, popcount_modules, model_name, copies=None, early=None,
                   cofactor_lut=None):
    """{file name: text} of lgc_datapath and the modules it instantiates; `copies`: the first
    gate stage's input copies (fanout.input_copies); `early`: positions on the last gate stage's
    input vector of the bits the first popcount stage reads from there; `cofactor_lut`: gates
    wider than this are written as its cofactors (gate_stages.cofactor_lines)."""
    files, steps = {}, []
    live = len(logic.boundaries[0])
    previous = None
    if live:
        copy_of = np.zeros(0, np.int64) if copies is None else copies[0]
        bits = [("i", p) for p in range(live)] + [("i", int(p)) for p in copy_of]
        files["lgc_inputs.v"] = render(
            "inputs.v.j2", name="lgc_inputs", in_width=live, out_width=len(bits), keep=True,
            registered=True, outputs=slices(bits),
            comment=f"{model_name}: input register ({live} bits, {len(copy_of)} copies)")
        steps.append(_step("lgc_inputs", "live", "b0", len(bits), True))
        previous = "b0"
    for s, stage in enumerate(logic.stages, start=1):
        name = f"lgc_gates_s{s}"
        layers = ", ".join(f"{layer.node} ({len(layer.ids)})" for layer in stage.gates)
        files[f"{name}.v"] = stage_module(
            name, stage, logic.signals.count,
            f"{model_name}: gates of stage {s} of {len(logic.stages)}, by layer: {layers}",
            stage.registered, copies if s == 1 else None, cofactor_lut)
        steps.append(_step(name, previous, f"gates_s{s}_o", len(stage.outputs), stage.registered))
        previous = steps[-1]["out"]
    if early is not None:
        last = steps[-1]
        previous = concat([(last["out"], p) for p in range(last["width"])]
                          + [(last["input"], int(p)) for p in early])
    for j, module in enumerate(popcount_modules, start=1):
        files[f"{module.name}.v"] = module.text
        steps.append(_step(module.name, previous if module.in_width else None, f"popcount_s{j}_o",
                           module.out_width, module.registered))
        previous = steps[-1]["out"]
    files["lgc_datapath.v"] = render(
        "datapath.v.j2", comment=f"{model_name}: datapath", steps=steps,
        clocked=any(step["clocked"] for step in steps), live_inputs=live,
        scores_width=popcount_modules[-1].out_width, scores=previous)
    return files


def _step(module, source, out, width, clocked):
    return {"module": module, "input": source, "out": out, "width": width, "clocked": clocked}
