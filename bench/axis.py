"""The AXI4-Stream top against the bare core on ECP5, out of context, on the same seeds.

    python -m bench.axis [--model PATH] [--axis-width W] [--seeds 1 2 3]

Compiles the model (default: the shipped example) once, then runs `lgc synth --device
LFE5U-85F` on lgc_core and on lgc_axis for every seed and prints, side by side, LUT4s, FFs, LUT
RAM (TRELLIS_RAMW) and block RAM (DP16KD) of the whole design, the wrapper's own LUT4s and FFs
(its block: lgc_axis, lgc_axis_stream and the FIFO) and Fmax, with lgc_axis' Fmax as a share of
the core's.
"""

import argparse
import pathlib
import statistics
import tempfile

from lgc.compile import compile_model
from lgc.synth.flow import synthesize
from tests.support.fixtures import EXAMPLE

DEVICE = "LFE5U-85F"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=pathlib.Path, default=EXAMPLE)
    parser.add_argument("--axis-width", type=int)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        build = pathlib.Path(tmp) / "build"
        compile_model(args.model, build, device=DEVICE, axis_width=args.axis_width)
        print(f"{args.model.name} on {DEVICE}, out of context; axis width "
              f"{args.axis_width or 'one vector per beat'}")
        print(f"{'top':<9} {'seed':>4} {'LUT4':>7} {'FF':>7} {'RAMW':>5} {'DP16KD':>6} "
              f"{'wrapper LUT4':>12} {'wrapper FF':>10} {'Fmax MHz':>9}")
        fmax = {}
        for seed in args.seeds:
            for axis in (False, True):
                s = synthesize(build, device=DEVICE, seed=seed, axis=axis)
                used = s["utilization"]
                wrapper = s["blocks"].get("axi4-stream wrapper", {"luts": 0, "ffs": 0})
                mhz = min(c["achieved_mhz"] for c in s["fmax"].values())
                fmax.setdefault(s["top"], []).append(mhz)
                print(f"{s['top']:<9} {seed:>4} {s['luts']:>7} {s['ffs']:>7} "
                      f"{used.get('TRELLIS_RAMW', {}).get('used', 0):>5} "
                      f"{used.get('DP16KD', {}).get('used', 0):>6} {wrapper['luts']:>12} "
                      f"{wrapper['ffs']:>10} {mhz:>9.1f}")
        core, axis = (statistics.median(fmax[t]) for t in ("lgc_core", "lgc_axis"))
        print(f"median Fmax: lgc_core {core:.1f} MHz, lgc_axis {axis:.1f} MHz "
              f"({100 * axis / core:.1f}% of the core's)")


if __name__ == "__main__":
    main()
