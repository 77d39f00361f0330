"""ECP5 synthesis options by gate arity: `synth_ecp5 -nowidelut` (the family's default) against
wide LUTs, and the gate stages with wide LUTs beside the rest without (what
lgc.synth.flow.default_synth_opts chooses where most gates are wide), on cores whose gates read 2
and 6 inputs.

    python -m bench.synth_options [--gates 300] [--model PATH ...] [--engine native|wasm]

Per arity, a random one-layer netlist of that many gates is compiled with the fixed pipelining
(`--layers-per-stage 1 --adder-levels-per-stage 1`), and each --model (a trained model) as
`lgc compile --device LFE5U-85F` plans it; each is synthesized by yosys alone (no place and
route) the three ways: LUT4s, the wide-LUT muxes (PFUMX, L6MUX21), CCU2C, the gate block's LUT4s
and yosys's seconds.
"""

import argparse
import pathlib
import tempfile

import numpy as np

from lgc.compile import compile_model
from lgc.rtl import generate
from lgc.synth import report
from lgc.synth.devices import FAMILIES
from lgc.synth.flow import synth_commands, yosys_script
from lgc.tools import yosys
from tests.support.netlists import random_netlist

# (name, synth_ecp5's options, the gate stages' own or None)
VARIANTS = (("-nowidelut", "-nowidelut", None), ("wide LUTs", "", None),
            ("gates wide", "-nowidelut", ""))


def synthesize(rtl_dir, files, name, opts, gate_opts, engine):
    work = rtl_dir / f"synth-{name.replace(' ', '-')}"
    work.mkdir()
    run = yosys.in_folder(work, engine)
    seconds = run.run("synth", yosys_script([f"../{f}" for f in files], "lgc_core",
                                  *synth_commands(FAMILIES["ecp5"], opts, "lgc_core",
                                                  gate_opts=gate_opts)))
    stat = report.read_json(str(work / "stat.json"), "yosys statistics")
    cells = report.cell_counts(stat)
    _, kinds = report.blocks(stat, "lgc_core", "lgc_core", FAMILIES["ecp5"])
    gates = kinds.get("gate layers", {})
    return {"luts": cells.get("LUT4", 0), "pfumx": cells.get("PFUMX", 0),
            "l6mux": cells.get("L6MUX21", 0), "carry": cells.get("CCU2C", 0),
            "gate_luts": gates.get("luts", 0), "seconds": seconds}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gates", type=int, default=300)
    parser.add_argument("--model", type=pathlib.Path, nargs="*", default=[])
    parser.add_argument("--engine", choices=yosys.ENGINES)
    args = parser.parse_args()
    print(f"{'core':<24} {'options':<11} {'LUT4':>5} {'PFUMX':>5} {'L6MUX21':>7} {'CCU2C':>5} "
          f"{'gate LUT4':>9} {'yosys s':>8}")
    cores = [(f"{args.gates} gates of {arity}", random_netlist(
        np.random.default_rng(arity), 64, [args.gates], [arity], 10)) for arity in (2, 6)]
    for name, core in cores + [(model.stem, model) for model in args.model]:
        with tempfile.TemporaryDirectory() as tmp:
            rtl_dir = pathlib.Path(tmp) / "rtl"
            if isinstance(core, pathlib.Path):
                rtl = compile_model(core, tmp, device="LFE5U-85F")["rtl"]
            else:
                _, rtl = generate(core, rtl_dir, layers_per_stage=1, adder_levels_per_stage=1)
            for variant, opts, gate_opts in VARIANTS:
                r = synthesize(rtl_dir, rtl["files"], variant, opts, gate_opts, args.engine)
                print(f"{name[:24]:<24} {variant:<11} {r['luts']:>5} {r['pfumx']:>5} "
                      f"{r['l6mux']:>7} {r['carry']:>5} {r['gate_luts']:>9} "
                      f"{r['seconds']:>8.1f}", flush=True)


if __name__ == "__main__":
    main()
