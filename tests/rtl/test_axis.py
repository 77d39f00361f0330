"""lgc_axis is clean under verilator -Wall for every wrapped top and beat width; widths that are
not whole bytes are refused before any work."""

import numpy as np
import pytest

import lgc
from lgc.rtl import AXIS_TOP, generate
from lgc.tools.verilator import lint
from tests.support.cli import error_line, run_lgc
from tests.support.fixtures import fixture_path
from tests.support.netlists import random_dag_netlist


@pytest.mark.parametrize("name", ["difflogic_untrained_ties",
                                  "torchlogix_zoo_learnable_thresholds"])
@pytest.mark.parametrize("width", [None, 8, 32, 64])
def test_axis_tops_are_lint_clean(tmp_path, name, width):
    _, rtl = generate(lgc.load(fixture_path(name)), tmp_path, axis_width=width)
    axis = rtl["axis"]
    problems = lint([tmp_path / f for f in rtl["files"] + axis["files"]], AXIS_TOP)
    assert problems == "", problems
    n = rtl["encoder"]["ports"]["in_raw"] if "encoder" in rtl else rtl["ports"]["in_bits"]
    assert axis["beat_width"] == (width or 8 * -(-n // 8))
    assert axis["beats_per_vector"] == -(-n // axis["beat_width"])


def test_a_signed_score_core_is_lint_clean(tmp_path):
    netlist = random_dag_netlist(np.random.default_rng(1), offsets=(-3, 3))
    _, rtl = generate(netlist, tmp_path, axis_width=16)
    assert lint([tmp_path / f for f in rtl["files"] + rtl["axis"]["files"]], AXIS_TOP) == ""


@pytest.mark.parametrize("width", ["12", "0", "-8"])
def test_a_width_that_is_not_whole_bytes_is_refused(tmp_path, width):
    result = run_lgc("compile", fixture_path("difflogic_untrained_ties"), "-o", tmp_path / "b",
                     "--axis-width", width)
    assert result.returncode != 0
    assert "multiple of 8" in error_line(result)
    assert not (tmp_path / "b").exists()
