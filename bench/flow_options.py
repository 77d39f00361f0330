"""ECP5 flow options side by side: yosys's `synth_ecp5` options and nextpnr-ecp5's placer,
router and constraint options on the same cores, seeds and machine, in one run.

    python -m bench.flow_options [--model PATH] [--targets default 150] [--seeds 1 2 3]
                                 [--fanout-limits N ...] [--delays NAME=VALUE ...]
                                 [--variants NAME ...] [--out FILE.json]

Per target the model is compiled once (`lgc compile --device LFE5U-85F [--target-mhz F]`), then
every variant runs `lgc synth` per seed with its options (`--synth-opts`, `--pnr-opts`, the
constraint). It prints per variant the Fmax per seed and their median, LUT4, CCU2C, FFs and the
worst arrival per kind of stage (bench.qor's reading of nextpnr's detailed timing report).
`today`: the flow's choice for the build (lgc.synth.flow.default_synth_opts and the family's
nextpnr options). `--fanout-limits`: compile each target once per copy limit of the input
register (lgc.rtl.fanout; 0: no copies) instead of the family's own; `--delays`: compile with
these fields of the family's delay model (lgc.rtl.timing.Delays) changed, e.g. to plan a clock the
model refuses today.
"""

import argparse
import contextlib
import dataclasses
import json
import pathlib
import shutil
import statistics
import tempfile
import time

import lgc
from lgc.compile import compile_model
from lgc.synth.devices import DEVICES, FAMILIES
from lgc.synth.flow import synthesize
from tests.support.fixtures import EXAMPLE

from .qor import DEVICE, stage_arrivals

# name: (synth_ecp5 options or None for the flow's choice, nextpnr options, constraint factor)
VARIANTS = {
    "today": (None, "", 1.0),
    "timingweight10": (None, "--placer-heap-timingweight 10", 1.0),   # nextpnr's default
    "widelut": ("", "", 1.0),
    "widelut-tw10": ("", "--placer-heap-timingweight 10", 1.0),
    "dff": ("-nowidelut -dff", "", 1.0),
    "tmg-ripup": (None, "--tmg-ripup", 1.0),
    "router2": (None, "--router router2", 1.0),
    "router2-ripup": (None, "--router router2 --tmg-ripup", 1.0),
    "timingweight40": (None, "--placer-heap-timingweight 40", 1.0),
    "timingweight80": (None, "--placer-heap-timingweight 80", 1.0),
    "timingweight150": (None, "--placer-heap-timingweight 150", 1.0),
    "critexp4": (None, "--placer-heap-critexp 4", 1.0),
    "sa": (None, "--placer sa", 1.0),
    "static": (None, "--placer static", 1.0),
    "over1.15": (None, "", 1.15),
    "over1.25": (None, "", 1.25),
}


def measure(build, target_mhz, name, seeds):
    synth_opts, pnr_opts, over = VARIANTS[name]
    runs = []
    start = time.perf_counter()
    for seed in seeds:
        s = synthesize(build, device=DEVICE, seed=seed, synth_opts=synth_opts,
                       freq=target_mhz * over,
                       pnr_opts=f"--detailed-timing-report {pnr_opts}".strip())
        for kept in ("pnr.json", "nextpnr.log"):   # each seed's, for its critical path
            shutil.copy(build / "synth" / kept, build / f"{name}.seed{seed}.{kept}")
        (clock,) = s["fmax"].values()
        runs.append({"seed": seed, "fmax": clock["achieved_mhz"],
                     "critical": s["critical_paths"][0] if s["critical_paths"] else None,
                     "arrivals": stage_arrivals(build / "synth" / "pnr.json"),
                     "luts": s["luts"], "carry": s["carry"], "ffs": s["ffs"],
                     "synth": _synth_label(s["options"]), "yosys_s": s["times"]["yosys"],
                     "nextpnr_s": s["times"]["nextpnr"]})
    fmax = [r["fmax"] for r in runs]
    worst = {k: statistics.median(r["arrivals"].get(k, 0.0) for r in runs)
             for k in runs[0]["arrivals"]}
    row = {"variant": name, "synth": runs[0]["synth"], "pnr": pnr_opts,
           "constraint_mhz": round(target_mhz * over, 3), "fmax": fmax,
           "fmax_median": statistics.median(fmax), "luts": runs[0]["luts"],
           "carry": runs[0]["carry"], "ffs": runs[0]["ffs"], "arrivals_median": worst,
           "yosys_s": [r["yosys_s"] for r in runs], "nextpnr_s": [r["nextpnr_s"] for r in runs],
           "critical": [r["critical"] for r in runs],
           "seconds": round(time.perf_counter() - start, 1)}
    print(f"  {name:<15} {row['synth']:<28} {pnr_opts:<34} {row['constraint_mhz']:>7g} "
          f"{'/'.join(f'{f:.1f}' for f in fmax):>17} {row['fmax_median']:>6.1f} {row['luts']:>6} "
          f"{row['carry']:>5} {row['ffs']:>6}  "
          + ", ".join(f"{k} {v:.2f}" for k, v in sorted(worst.items()))
          + f"  {row['seconds']:.0f}s", flush=True)
    return row


def _synth_label(options):
    """yosys' options, and the gate stages' own where they have them."""
    gates = options.get("synth_gate_stages")
    return options["synth"] + (f", gates {gates.partition(' ')[2] or 'wide'}" if gates else "")


@contextlib.contextmanager
def delay_data(changes):
    """The device's family plans with these fields of its delay model changed."""
    name = DEVICES[DEVICE].family
    family = FAMILIES[name]
    FAMILIES[name] = dataclasses.replace(family,
                                         delays=dataclasses.replace(family.delays, **changes))
    try:
        yield
    finally:
        FAMILIES[name] = family


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(EXAMPLE))
    parser.add_argument("--targets", nargs="+", default=["default", "150"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--fanout-limits", nargs="+", type=int, default=[None],
                        help="input copies every N readers (0: none; default: the family's)")
    parser.add_argument("--delays", nargs="+", default=[], metavar="NAME=VALUE",
                        help="fields of the family's delay model to change (numbers)")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--out", help="also write every figure here (JSON)")
    parser.add_argument("--work", help="keep the builds here (default: a temporary folder)")
    args = parser.parse_args()
    changes = {k: float(v) for k, v in (d.split("=", 1) for d in args.delays)}
    print(f"{pathlib.Path(args.model).name} on {DEVICE} out of context, seeds {args.seeds}")
    print(f"  {'variant':<15} {'synth':<28} {'nextpnr':<34} {'constr':>7} {'Fmax per seed':>17} "
          f"{'median':>6} {'LUT4':>6} {'CCU2C':>5} {'FFs':>6}  worst arrival per kind (ns)")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(args.work or tmp)
        for target, limit in ((t, n) for t in args.targets for n in args.fanout_limits):
            copies = "" if limit is None else f"-copies{limit}"
            build = work / f"target-{target}{copies}"
            options = {} if target == "default" else {"target_mhz": float(target)}
            copies_data = {} if limit is None else {"fanout_limit": limit}
            with delay_data({**changes, **copies_data}):
                rtl = compile_model(args.model, str(build), device=DEVICE, **options)["rtl"]
            target_mhz = rtl["timing"]["target_mhz"]
            print(f"target {target}{copies}: {target_mhz:g} MHz, latency {rtl['latency']}, "
                  f"predicted {rtl['timing']['predicted_critical_ns']:.2f} ns, "
                  f"{rtl['registers']['total']} FFs", flush=True)
            for name in args.variants:
                try:
                    rows.append({"target": target, "fanout_limit": limit, "delays": changes,
                                 **measure(build, target_mhz, name, args.seeds)})
                except lgc.LgcError as e:
                    print(f"  {name:<15} failed: {e}", flush=True)
                if args.out:   # after every row: a long run stopped early keeps what it measured
                    with open(args.out, "w") as f:
                        json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
