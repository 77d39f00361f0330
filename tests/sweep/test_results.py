"""The Pareto front: per model, the points no other point beats in LUTs, FFs and Fmax."""

from lgc.sweep.results import mark_pareto


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
