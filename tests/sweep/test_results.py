"""The Pareto front: per model, the points no other point beats in LUTs, FFs and Fmax; the
rows as sweep.csv and sweep.parquet."""

import csv

import pyarrow.parquet as pq
import pytest

from lgc.build import write_json
from lgc.errors import LgcError
from lgc.sweep.results import SWEEP_CSV, SWEEP_JSON, SWEEP_PARQUET, finished, mark_pareto, write


def _row(model, luts, ffs, fmax, status="ok"):
    return {"model": model, "luts": luts, "ffs": ffs, "fmax_mhz": fmax, "status": status}


def test_the_front_keeps_every_trade_off_and_drops_the_dominated():
    rows = mark_pareto([
        _row("a", 100, 50, 200),      # front: fewest LUTs
        _row("a", 120, 60, 250),      # front: fastest
        _row("a", 120, 60, 240),      # dominated by the one above
        _row("a", 100, 50, 200),      # a tie dominates nothing: front too
        _row("a", 90, 80, 150),       # front: fewest LUTs, more FFs
        _row("b", 500, 500, 100),     # another model has its own front
        _row("a", None, None, None, status="failed")])
    assert [r["pareto"] for r in rows] == [True, True, False, True, True, True, None]


def test_a_rerun_keeps_finished_points_and_retries_lost_ones(tmp_path):
    rows = [{"id": "ok", "status": "ok"}, {"id": "own", "status": "failed", "reason": "synth: x"},
            {"id": "lost", "status": "failed", "reason": "KilledWorker: y", "retry": True}]
    write_json(tmp_path / SWEEP_JSON, {"rows": rows})
    assert set(finished(tmp_path)) == {"ok", "own"}
    assert set(finished(tmp_path, retry_failed=True)) == {"ok"}
    assert finished(tmp_path / "new") == {}
    (tmp_path / SWEEP_JSON).write_text("[1, 2]")
    with pytest.raises(LgcError, match="not a sweep's results"):
        finished(tmp_path)


def test_the_parquet_table_holds_the_csv_rows_typed(tmp_path):
    sweep = {"axes": {"target_mhz": [150.0, 200.0]}, "devices": ["LFE5U-12F"],
             "checks": {"verify": True}}
    ok = {"model": "a.pt", "target_mhz": 150.0, "status": "ok", "verify": "pass", "luts": 75,
          "ffs": 93, "fmax_mhz": 285.959, "constraint_mhz": 200, "slack_ns": 1.5}
    rows = write(tmp_path, sweep, [
        {"id": "p1", **ok},
        {"id": "p2", **ok, "target_mhz": 200.0, "fmax_mhz": 301.0, "constraint_mhz": 250.5},
        {"id": "p3", "model": "a.pt", "target_mhz": 300.0, "status": "failed", "verify": "fail",
         "reason": "verify: not equivalent"}])
    table = pq.read_table(tmp_path / SWEEP_PARQUET)
    with open(tmp_path / SWEEP_CSV) as f:
        text = list(csv.reader(f))
    assert table.column_names == text[0]

    def as_text(value):     # as the CSV writes it; a whole number of a column of fractions too
        return "" if value is None else str(value).removesuffix(".0")

    assert [[as_text(v) for v in row.values()] for row in table.to_pylist()] == \
        [[cell.removesuffix(".0") for cell in row] for row in text[1:]]
    assert table.column("luts").to_pylist() == [75, 75, None]          # nulls, not NaN or ""
    assert table.column("constraint_mhz").to_pylist() == [200.0, 250.5, None]
    assert table.column("pareto").to_pylist() == [r["pareto"] for r in rows] == [False, True, None]
