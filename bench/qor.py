"""Quality of results: lgc's cores per clock target on ECP5 (out of context), today's fixed
pipelining measured in the same run (the peers on one torchlogix model: bench/peers.py).

    python -m bench.qor [--model PATH ...] [--targets fixed default 100 150 200]
                        [--seeds 1 2 3] [--out FILE.json] [--work DIR]

Per model and target: `lgc compile --device LFE5U-85F --target-mhz F` (`default`: the family's
default target; `fixed`: today's `--layers-per-stage 1 --adder-levels-per-stage 1`), then
`lgc synth` per seed with nextpnr's detailed timing report. It prints the predicted critical
path and the achieved one (median over the seeds), Fmax per seed, LUT4, CCU2C and FFs by block,
the popcount's LUT4-equivalents (a CCU2C holds two LUT4s) and FFs per group bit, the LUT estimate
against yosys, and per kind of stage the predicted path against nextpnr's worst arrival (the
figures the family's delay model is fitted to). Every figure goes to `--out` as JSON too.
"""

import argparse
import json
import pathlib
import shutil
import statistics
import tempfile
import time

import numpy as np

import lgc
from lgc.compile import compile_model
from lgc.synth.devices import FAMILIES
from lgc.synth.flow import synthesize
from tests.support.fixtures import EXAMPLE

from .delay_fit import endpoint_arrivals, worst_by_stage

DEVICE = "LFE5U-85F"
FIXED = {"layers_per_stage": 1, "adder_levels_per_stage": 1}


def group_bits(model):
    netlist = lgc.optimize(lgc.load(model))
    return sum(len(g) for g in netlist.graph.nodes[netlist.output_node]["groups"])


def stage_arrivals(pnr_path):
    """Worst arrival (ns) at the registers of each kind of stage, from nextpnr's detailed
    timing report: gate stages, popcount stages, the argmax and output registers."""
    with open(pnr_path) as f:
        return worst_by_stage(endpoint_arrivals(json.load(f)))


def measure(model, name, options, seeds, bits, work):
    out = work / name
    start = time.perf_counter()
    report = compile_model(str(model), str(out), device=DEVICE, **options)
    rtl = report["rtl"]
    runs = []
    for seed in seeds:
        s = synthesize(out, device=DEVICE, seed=seed, pnr_opts="--detailed-timing-report")
        kept = out / "synth" / f"pnr.seed{seed}.json"   # each seed's report (bench.net_fanout)
        shutil.copy(out / "synth" / "pnr.json", kept)
        (clock,) = s["fmax"].values()
        runs.append({"seed": seed, "fmax": clock["achieved_mhz"], "target": clock["target_mhz"],
                     "critical_ns": s["critical_paths"][0]["delay_ns"],
                     "arrivals": stage_arrivals(kept),
                     "cells": s["cells_by_type"], "blocks": s["blocks"],
                     "luts": s["luts"], "carry": s["carry"], "ffs": s["ffs"],
                     "logic_cells": s["logic_cells"]})
    first = runs[0]
    pop = first["blocks"].get("popcount", {"luts": 0, "carry": 0, "ffs": 0})
    timing = rtl.get("timing") or {}
    predicted = {k: max(v) for k, v in (timing.get("stage_ns") or {}).items() if v}
    row = {"model": pathlib.Path(model).name, "name": name, "options": options,
           "target_mhz": timing.get("target_mhz"), "latency": rtl["latency"],
           "predicted_ns": timing.get("predicted_critical_ns"),
           "predicted_by_kind": predicted,
           "fmax": [r["fmax"] for r in runs],
           "fmax_median": statistics.median(r["fmax"] for r in runs),
           "achieved_ns": statistics.median(r["critical_ns"] for r in runs),
           "arrivals": first["arrivals"],
           "luts": first["luts"], "carry": first["carry"], "lut4_eq": first["logic_cells"],
           "ffs": first["ffs"], "ffs_expected": rtl["registers"]["total"],
           "luts_estimate": sum(rtl["luts_estimate"].values()),
           "blocks": first["blocks"], "group_bits": bits,
           "popcount_lut4_eq_per_bit": (pop["luts"] + 2 * pop["carry"]) / bits,
           "popcount_ffs_per_bit": pop["ffs"] / bits,
           "seconds": round(time.perf_counter() - start, 1)}
    print_row(row)
    return row


def print_row(r):
    fmax = "/".join(f"{f:.1f}" for f in r["fmax"])
    target = f"{r['target_mhz']:g}" if r["target_mhz"] else "-"
    pred = f"{r['predicted_ns']:.2f}" if r["predicted_ns"] else "-"
    est = 100 * (r["luts_estimate"] / r["lut4_eq"] - 1)
    print(f"{r['model']:<28} {r['name']:<8} {target:>6} {pred:>6} {r['achieved_ns']:>6.2f} "
          f"{fmax:>17} {r['fmax_median']:>6.1f} {r['latency']:>3} {r['luts']:>6} {r['carry']:>5} "
          f"{r['lut4_eq']:>6} {r['ffs']:>6} {r['popcount_lut4_eq_per_bit']:>5.2f} "
          f"{r['popcount_ffs_per_bit']:>5.2f} {est:>+5.1f}% {r['seconds']:>6.0f}s", flush=True)
    kinds = sorted(set(r["predicted_by_kind"]) | set(r["arrivals"]))
    print("    per kind, predicted/nextpnr ns: " + ", ".join(
        f"{k} {r['predicted_by_kind'].get(k, 0):.2f}/{r['arrivals'].get(k, 0):.2f}"
        for k in kinds) + "; FFs by block: " + ", ".join(
        f"{k} {b['ffs']}" for k, b in sorted(r["blocks"].items())))


HEADER = (f"{'model':<28} {'options':<8} {'target':>6} {'pred':>6} {'ns':>6} {'Fmax per seed':>17} "
          f"{'median':>6} {'lat':>3} {'LUT4':>6} {'CCU2C':>5} {'LUT4eq':>6} {'FFs':>6} "
          f"{'L/bit':>5} {'F/bit':>5} {'est':>6} {'time':>7}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", nargs="+", default=[str(EXAMPLE)])
    parser.add_argument("--targets", nargs="+", default=["fixed", "default", "100", "150", "200"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--out", help="also write every figure here (JSON)")
    parser.add_argument("--work", help="keep the builds here (default: a temporary folder)")
    args = parser.parse_args()
    family = FAMILIES["ecp5"]
    print(f"{DEVICE} out of context, seeds {args.seeds}; default target {family.target_mhz:g} "
          f"MHz; 'fixed' = --layers-per-stage 1 --adder-levels-per-stage 1 (the former defaults)")
    print(HEADER)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(args.work or tmp)
        for model in args.model:
            bits = group_bits(model)
            for target in args.targets:
                options = (FIXED if target == "fixed" else {} if target == "default"
                           else {"target_mhz": float(target)})
                name = target if target in ("fixed", "default") else f"{target}MHz"
                try:
                    rows.append(measure(model, name, options, args.seeds, bits, work))
                except lgc.LgcError as e:
                    print(f"{pathlib.Path(model).name:<28} {name:<8} refused: {e}", flush=True)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
