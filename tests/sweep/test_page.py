"""index.html as a browser shows it: headless Chromium renders the page (scripts run) and its
DOM holds both plots and a table whose cells are sweep.csv's. Rows made by hand here: the page
does not care where they came from (test_explore.py checks it on a real sweep)."""

import csv
import shutil
import subprocess

import pytest

from lgc.sweep.page import _axis, write_page
from lgc.sweep.results import write
from tests.support.page import Dom

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SWEEP = {"models": {"a&b.pt": "1", "<c>.pt": "2"}, "axes": {"target_mhz": [150.0, 250.0]},
         "devices": ["LFE5U-12F"]}


def _row(i, model, target, luts, ffs, fmax, status="ok"):
    results = {"luts": luts, "ffs": ffs, "fmax_mhz": fmax} if status == "ok" else {}
    return {"id": f"p{i}", "model": model, "target_mhz": target, "device": "LFE5U-12F",
            "family": "ecp5", "seed": 1, "status": status,
            "reason": None if status == "ok" else "synth: <it> failed", **results}


ROWS = [_row(0, "a&b.pt", 150.0, 75, 93, 285.9), _row(1, "a&b.pt", 250.0, 75, 132, 341.3),
        _row(2, "a&b.pt", 250.0, 80, 140, 300.0), _row(3, "<c>.pt", 150.0, 1200, 900, 120.5),
        _row(4, "<c>.pt", 250.0, None, None, None, status="failed")]


@pytest.mark.skipif(CHROMIUM is None, reason="needs chromium (.ci/run installs Debian's)")
def test_chromium_renders_the_plots_and_the_csvs_numbers(tmp_path):
    rows = write(tmp_path, SWEEP, [dict(r) for r in ROWS])
    write_page(tmp_path, SWEEP, rows)
    rendered = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
         (tmp_path / "index.html").as_uri()], capture_output=True, text=True, timeout=120)
    assert rendered.returncode == 0, rendered.stderr[-2000:]
    dom = Dom()
    dom.feed(rendered.stdout)
    with open(tmp_path / "sweep.csv") as f:
        table = list(csv.reader(f))
    assert dom.rows == table
    assert dom.plots == 2 and dom.circles == 2 * 4      # the failed point has no circle
    assert [r[table[0].index("pareto")] for r in table[1:]] == ["True", "True", "False", "True",
                                                               ""]


def test_axes_have_round_ticks_around_the_data():
    assert _axis(75, 1200) == (0, 1250, [0, 250, 500, 750, 1000, 1250])
    assert _axis(282.1, 341.3) == (280, 360, [280, 300, 320, 340, 360])
    assert _axis(5, 5) == (4, 6, [4, 4.5, 5, 5.5, 6])
