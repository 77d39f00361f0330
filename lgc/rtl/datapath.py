"""The text half of a core: gate stages and popcount modules, chained by `lgc_datapath`, as
{file name: Verilog text}.

Written as text because it grows with the gates: per bit, Amaranth spends microseconds to
milliseconds (a 256k-gate layer took 107 s; 5 stage registers of 200k bits, 26 s), text a
microsecond. Each module holds the pipeline register after it, so synthesis reports count every
register in its block; `lgc_datapath` only wires them. The core instantiates `lgc_datapath`
(ports: `clk` when it has registers, `b0` the registered input bits some gate or group reads,
`scores`) and adds the per-class rest around it.
"""

from .gate_stages import stage_module
from .text import render


def datapath_files(logic, popcount_modules, model_name):
    """{file name: text} of lgc_datapath and the modules it instantiates."""
    files, steps = {}, []
    previous = "b0" if len(logic.boundaries[0]) else None
    for s, stage in enumerate(logic.stages, start=1):
        name = f"lgc_gates_s{s}"
        layers = ", ".join(f"{layer.node} ({len(layer.ids)})" for layer in stage.gates)
        files[f"{name}.v"] = stage_module(
            name, stage, logic.signals.count,
            f"{model_name}: gates of stage {s} of {len(logic.stages)}, by layer: {layers}",
            stage.registered)
        steps.append(_step(name, previous, f"gates_s{s}_o", len(stage.outputs), stage.registered))
        previous = steps[-1]["out"]
    for j, module in enumerate(popcount_modules, start=1):
        files[f"{module.name}.v"] = module.text
        steps.append(_step(module.name, previous if module.in_width else None, f"popcount_s{j}_o",
                           module.out_width, module.registered))
        previous = steps[-1]["out"]
    files["lgc_datapath.v"] = render(
        "datapath.v.j2", comment=f"{model_name}: datapath", steps=steps,
        clocked=any(step["clocked"] for step in steps), live_inputs=len(logic.boundaries[0]),
        scores_width=popcount_modules[-1].out_width, scores=previous)
    return files


def _step(module, source, out, width, clocked):
    return {"module": module, "input": source, "out": out, "width": width, "clocked": clocked}
