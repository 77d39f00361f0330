"""Cells, FFs and Fmax of the example model on ECP5-85F (out of context) per pipelining option.

    python -m bench.synth_pipelining [MODEL] [--freq MHZ] [--seed N]

For layers-per-stage in {0, 1, 2} and adder-levels-per-stage in {1, 2, 3} it compiles the model,
synthesizes the bare core with `lgc synth --device LFE5U-85F` and prints the figures nextpnr
reports, with Fmax per thousand cells (the trade-off the compile defaults are chosen by).
"""

import argparse
import pathlib
import tempfile
import time

from lgc.compile import compile_model
from lgc.synth.flow import synthesize
from tests.support.fixtures import EXAMPLE

DEVICE = "LFE5U-85F"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default=str(EXAMPLE))
    parser.add_argument("--freq", type=float, default=250, help="clock constraint, MHz")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"{args.model} on {DEVICE}, out of context, seed {args.seed}, "
          f"constraint {args.freq:g} MHz")
    print(f"{'layers/stage':>12} {'adders/stage':>12} {'latency':>7} {'cells':>7} {'LUTs':>6} "
          f"{'FFs':>6} {'Fmax MHz':>9} {'MHz/kcell':>9} {'time s':>7}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for layers in (0, 1, 2):
            for adders in (1, 2, 3):
                start = time.perf_counter()
                out = pathlib.Path(tmp) / f"l{layers}a{adders}"
                report = compile_model(args.model, out, layers_per_stage=layers,
                                       adder_levels_per_stage=adders)
                s = synthesize(out, device=DEVICE, freq=args.freq, seed=args.seed)
                fmax = min(f["achieved_mhz"] for f in s["fmax"].values())
                per_kcell = 1000 * fmax / s["cells"]
                rows.append((per_kcell, layers, adders))
                print(f"{layers:>12} {adders:>12} {report['rtl']['latency']:>7} {s['cells']:>7} "
                      f"{s['luts']:>6} {s['ffs']:>6} {fmax:>9.1f} {per_kcell:>9.2f} "
                      f"{time.perf_counter() - start:>7.1f}", flush=True)
    best = max(rows)
    print(f"best Fmax per cell: layers-per-stage {best[1]}, adder-levels-per-stage {best[2]} "
          f"({best[0]:.2f} MHz per 1000 cells)")


if __name__ == "__main__":
    main()
