"""The Pareto front: per model, the points no other point beats in LUTs, FFs and Fmax."""

import pytest

from lgc.build import write_json
from lgc.errors import LgcError
from lgc.sweep.results import SWEEP_JSON, finished, mark_pareto


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
