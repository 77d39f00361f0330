"""One core on every FPGA family lgc synthesizes for, side by side.

    python -m bench.families [--model PATH] [--devices LFE5U-85F CCGM1A1 LIFCL-40] [--seeds 1]

Compiles the model (default: the shipped example) once with fixed pipelining (one LUT level of
gates and one adder level per stage: the RTL does not depend on a family's delay model), then
runs `lgc synth --device` on each device and prints, per device and seed: how the core met the
pins (ECP5 out of context; elsewhere lgc.synth.harness' four pins), yosys' LUT cells, carry
cells and flip-flops of the core alone (the harness' own block left out), nextpnr's logic cells
used of the device's (TRELLIS_COMB, CPE_LT halves of GateMate's CPEs, OXIDE_COMB) for the whole
design, the harness' flip-flops, Fmax and the yosys and nextpnr seconds.
"""

import argparse
import pathlib
import tempfile

from lgc.compile import compile_model
from lgc.synth.devices import DEVICES, FAMILIES
from lgc.synth.flow import synthesize
from tests.support.fixtures import EXAMPLE

FIXED = {"layers_per_stage": 1, "adder_levels_per_stage": 1}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=pathlib.Path, default=EXAMPLE)
    parser.add_argument("--devices", nargs="+", default=["LFE5U-85F", "CCGM1A1", "LIFCL-40"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        build = pathlib.Path(tmp) / "build"
        rtl = compile_model(args.model, build, **FIXED)["rtl"]
        print(f"{args.model.name}: latency {rtl['latency']}, "
              f"{rtl['registers']['total']} flip-flops in the generator's count")
        print(f"{'device':<10} {'seed':>4} {'pins':<15} {'LUT cells':>9} {'carry':>6} "
              f"{'core FFs':>8} {'logic used/available':>22} {'harness FFs':>11} "
              f"{'Fmax MHz':>8} {'yosys s':>7} {'pnr s':>6}")
        for device in args.devices:
            family = FAMILIES[DEVICES[device].family]
            for seed in args.seeds:
                s = synthesize(build, device=device, seed=seed)
                core = [b for kind, b in s["blocks"].items() if kind != "pin harness"]
                harness = s["blocks"].get("pin harness", {"ffs": 0})
                logic = s["utilization"][family.logic_bel]
                mhz = min(c["achieved_mhz"] for c in s["fmax"].values())
                print(f"{device:<10} {seed:>4} {s['target']['pins']:<15} "
                      f"{sum(b['luts'] for b in core):>9} {sum(b['carry'] for b in core):>6} "
                      f"{sum(b['ffs'] for b in core):>8} "
                      f"{logic['used']:>10} / {logic['available']:<9} {harness['ffs']:>11} "
                      f"{mhz:>8.1f} {s['times']['yosys']:>7.0f} {s['times']['nextpnr']:>6.0f}",
                      flush=True)


if __name__ == "__main__":
    main()
