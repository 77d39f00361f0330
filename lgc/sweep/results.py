"""A sweep's results in its directory: sweep.json (the grid and every row; rewritten after each
point, so an interrupted sweep resumes from it), sweep.csv (one row per point; sweep.parquet
too when pyarrow is installed) and the Pareto front: per model, the points no other point beats
in LUTs, FFs and Fmax at once."""

import csv
import importlib.util
import json
import os

from ..build import write_json
from ..errors import LgcError
from ..version import __version__
from .grid import AXES

SWEEP_JSON, SWEEP_CSV, SWEEP_PARQUET = "sweep.json", "sweep.csv", "sweep.parquet"
CHECKS = ["simulate", "verify"]     # the checks a sweep may run after each compile
RESULTS = ["luts", "ffs", "carry", "logic_cells", "fmax_mhz", "constraint_mhz", "slack_ns",
           "latency_clocks", "latency_ns", "throughput_mvps", "gates", "pareto",
           "compile_seconds"]
AFTER = ["synth_seconds", "yosys_seconds", "nextpnr_seconds", "worker", "build", "compile_key"]


def columns(sweep):
    """The CSV's columns: the point's identity and options, then its results: the verdicts and
    seconds of the checks the sweep ran (sweep["checks"]) among them."""
    axes, checks = sweep["axes"], [c for c in CHECKS if c in sweep.get("checks", {})]
    return ["id", "model", *[a for a in AXES if a in axes and a != "seed"], "device", "family",
            "seed", "status", "reason", *checks, *RESULTS, *[f"{c}_seconds" for c in checks],
            *AFTER]


def finished(out_dir, retry_failed=False):
    """{point id: row} of the points an earlier run of this sweep finished: those that succeeded
    and those that failed on their own (not the lost worker's or the crashed task's), unless
    `retry_failed`."""
    path = os.path.join(out_dir, SWEEP_JSON)
    if not os.path.exists(path):
        return {}
    try:
        with open(path) as f:
            rows = json.load(f)["rows"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise LgcError(f"{path}: not a sweep's results ({e}); choose another -o") from None
    return {r["id"]: r for r in rows
            if r["status"] == "ok" or not (retry_failed or r.get("retry"))}


def mark_pareto(rows):
    """Set each row's `pareto`: True for a successful point that no other successful point of
    the same model dominates (as few or fewer LUTs and FFs, as high or higher Fmax, and better in
    one); None for a failed point."""
    ok = [r for r in rows if r["status"] == "ok" and r.get("fmax_mhz") is not None]
    for r in rows:
        r["pareto"] = None
    for r in ok:
        r["pareto"] = not any(_dominates(o, r) for o in ok if o["model"] == r["model"])
    return rows


def _dominates(a, b):
    no_worse = a["luts"] <= b["luts"] and a["ffs"] <= b["ffs"] and a["fmax_mhz"] >= b["fmax_mhz"]
    better = a["luts"] < b["luts"] or a["ffs"] < b["ffs"] or a["fmax_mhz"] > b["fmax_mhz"]
    return no_worse and better


def write(out_dir, sweep, rows):
    """sweep.json ({"lgc_version", sweep's grid description, "rows"}), sweep.csv and, with
    pyarrow, sweep.parquet, rows in the grid's order; the Pareto marks are recomputed."""
    rows = mark_pareto(rows)
    write_json(os.path.join(out_dir, SWEEP_JSON),
               {"lgc_version": __version__, **sweep, "rows": rows})
    names = columns(sweep)
    tmp = os.path.join(out_dir, SWEEP_CSV + ".tmp")
    with open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, names, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, os.path.join(out_dir, SWEEP_CSV))
    if importlib.util.find_spec("pyarrow"):
        write_parquet(os.path.join(out_dir, SWEEP_PARQUET), names, rows)
    return rows


def write_parquet(path, names, rows):
    """The rows as a Parquet table of the CSV's columns (typed: a column's missing values are
    nulls, whole numbers in a column of fractions become fractions)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({n: pa.array([r.get(n) for r in rows]) for n in names})
    pq.write_table(table, path + ".tmp")
    os.replace(path + ".tmp", path)
