"""ECP5's `crowd_share` (lgc.rtl.timing.Delays: in a core more crowded than the square-root spread
describes, every net gets that share of the gates' extra spread) fitted to nextpnr's critical
path of large cores.

    python -m bench.crowd_fit BUILD [BUILD ...]

Each BUILD is an `lgc compile --device LFE5U-85F` build that `lgc synth --device LFE5U-85F` has
run on (`--pnr-opts=--no-route` is enough: nextpnr's log then holds its estimate after placement;
after routing, its routed figure is read instead). The share is chosen so that the model's
critical path of each build's own plan (the same cuts, re-timed) matches nextpnr's, the relative
errors' mean zero; it changes nothing in cores up to the example's size (there the spread is the
square root's). Prints the fitted share for lgc/synth/devices.py and per build the model's
critical path before and after against nextpnr's, and its stages after (`python -m
bench.placed_arrivals` gives nextpnr's per stage from the SDF).
"""

import argparse
import dataclasses
import json
import pathlib

from lgc.ir.netlist import Netlist
from lgc.rtl import Plan
from lgc.rtl.timing import Delays
from lgc.synth.flow import SYNTH_DIR
from lgc.synth.report import fmax_from_log


def nextpnr_ns(build):
    """nextpnr's critical path (ns) of the build and what it is: routed, else placed (estimate)."""
    log = build / SYNTH_DIR / "nextpnr.log"
    figures, routed = fmax_from_log(log)
    if not figures:
        raise SystemExit(f"{log}: nextpnr gave no critical path (did placement finish?)")
    return 1e3 / min(float(f) for f in figures.values()), "routed" if routed else "placed"


def critical_ns(plan, delays):
    """The model's critical path of the plan's own stages with these (family) delays."""
    return plan.with_delays(delays).timing()["predicted_critical_ns"]


def fit(runs, delays):
    """The share that makes the model's mean relative error over the runs zero (it grows with
    the share), by bisection."""
    def error(share):
        d = dataclasses.replace(delays, crowd_share=share)
        return sum(critical_ns(plan, d) / ns - 1 for plan, ns in runs) / len(runs)
    low, high = 0.0, 1.0
    for _ in range(40):
        mid = (low + high) / 2
        low, high = (mid, high) if error(mid) < 0 else (low, mid)
    return dataclasses.replace(delays, crowd_share=round((low + high) / 2, 3))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("builds", type=pathlib.Path, nargs="+")
    args = parser.parse_args()
    runs, rows, delays = [], [], None
    for build in args.builds:
        timing = json.loads((build / "report.json").read_text())["rtl"]["timing"]
        plan = Plan(Netlist.load(build / "netlist.npz"), target_mhz=timing["target_mhz"],
                    delays=Delays(**timing["delays"]))
        delays = delays or plan.family_delays
        ns, how = nextpnr_ns(build)
        runs.append((plan, ns))
        rows.append((build.name, timing, ns, how))
    fitted = fit(runs, delays)
    print(f"fitted: crowd_share={fitted.crowd_share} (was {delays.crowd_share})")
    for (plan, ns), (name, timing, _, how) in zip(runs, rows):
        model = plan.with_delays(fitted).timing()
        before, after = critical_ns(plan, delays), model["predicted_critical_ns"]
        stages = {k: "/".join(f"{period:.2f}" for period in periods)
                  for k, periods in model["stage_ns"].items() if periods}
        print(f"  {name}: {timing['target_mhz']:g} MHz plan, nextpnr {ns:.2f} ns ({how}); model"
              f" before {before:.2f} ns ({before / ns - 1:+.1%}), fitted {after:.2f} ns"
              f" ({after / ns - 1:+.1%}; stages {stages})")

if __name__ == "__main__":
    main()
