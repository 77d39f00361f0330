"""Wall time of one lgc sweep on local Dask clusters of 1 and of 2 worker processes, side by side,
and what one point costs (the figures a plan for a large sweep rests on).

    python -m bench.sweep [MODEL | --random INPUTS,WIDTH,DEPTH] [--targets 150,200,250]
                          [--seeds 4] [--device LFE5U-12F] [--workers 1,2]
                          [--simulate VECTORS] [--verify]

MODEL defaults to the example; --random sweeps a random lgc.nn model of that shape instead
(tests.support.models), for a shorter run. --simulate and --verify check each compile as
`lgc sweep` does (their mean seconds per compile are printed too).

Each run starts from an empty sweep directory (nothing resumed); the rows of the runs must be
the same (the same compiles, seeds and tools), which the script checks.
"""

import argparse
import os
import statistics
import tempfile
import time

from lgc.sweep.explore import run_sweep
from lgc.sweep.grid import parse_axis
from tests.support.fixtures import EXAMPLE
from tests.support.models import save_lgc_nn_model

RESULTS = ("luts", "ffs", "fmax_mhz", "latency_clocks")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default=str(EXAMPLE))
    parser.add_argument("--targets", default="150,200,250", help="target_mhz values")
    parser.add_argument("--seeds", type=int, default=4, help="placement seeds 1..N")
    parser.add_argument("--device", default="LFE5U-12F")
    parser.add_argument("--workers", default="1,2", help="cluster sizes to compare")
    parser.add_argument("--random", metavar="INPUTS,WIDTH,DEPTH",
                        help="a random lgc.nn model of this shape instead of MODEL")
    parser.add_argument("--simulate", metavar="VECTORS", help="lgc simulate each compile on these")
    parser.add_argument("--verify", action="store_true", help="lgc verify each compile")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.random:
            n_inputs, width, depth = map(int, args.random.split(","))
            args.model = save_lgc_nn_model(os.path.join(tmp, f"random_{depth}x{width}.pt"),
                                           n_inputs, width, depth)
        measure(args)


def measure(args):
    axes = dict([parse_axis(f"target_mhz={args.targets}"), parse_axis(f"seed=1..{args.seeds}")])
    points = len(axes["target_mhz"]) * args.seeds
    print(f"{args.model}: {points} points ({len(axes['target_mhz'])} compiles) on {args.device}, "
          f"load {os.getloadavg()[0]:.1f} at the start")
    checks = [c for c in ("simulate", "verify") if getattr(args, c)]
    print(f"{'workers':>7} {'wall s':>7} {'speed-up':>8} {'compile s':>9} "
          + "".join(f"{c + ' s':>11}" for c in checks)
          + f"{'synth s':>8} {'yosys s':>8} {'nextpnr s':>9} {'load':>5}")
    first, reference = None, None
    for workers in map(int, args.workers.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            rows = run_sweep([args.model], axes, [args.device], os.path.join(tmp, "sweep"),
                             workers=workers, simulate=args.simulate, verify=args.verify)
            wall = time.perf_counter() - start
        failed = [r["reason"] for r in rows if r["status"] != "ok"]
        if failed:
            raise SystemExit(f"failed points: {failed}")
        results = [{k: r[k] for k in RESULTS} for r in rows]
        if reference is not None and results != reference:
            raise SystemExit("the rows differ between cluster sizes")
        reference, first = results, first or wall

        def mean(key):
            return statistics.mean(r[key] for r in rows)

        print(f"{workers:>7} {wall:>7.1f} {first / wall:>8.2f} {mean('compile_seconds'):>9.1f} "
              + "".join(f"{mean(c + '_seconds'):>11.1f}" for c in checks)
              + f"{mean('synth_seconds'):>8.1f} {mean('yosys_seconds'):>8.1f} "
              f"{mean('nextpnr_seconds'):>9.1f} {os.getloadavg()[0]:>5.1f}", flush=True)


if __name__ == "__main__":
    main()
