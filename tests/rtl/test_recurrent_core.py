"""The recurrent core's Verilog: lint-clean, its loop stages cut by gate levels."""

import pytest

import lgc
from lgc.errors import LgcError
from lgc.rtl.recurrent_core import loop_stages, write_recurrent
from lgc.tools import verilator
from tests.support.models import random_recurrent_model


@pytest.fixture(scope="module")
def netlist(tmp_path_factory):
    path = tmp_path_factory.mktemp("rec") / "m.pt"
    random_recurrent_model(path, next_state=(16, 12, 8), output_reads="old")
    return lgc.load(path)


@pytest.mark.parametrize("cslow, last_only, adder_levels",
                         [(1, False, 0), (3, True, None), (1, False, 1)])
def test_lint_clean(tmp_path, netlist, cslow, last_only, adder_levels):
    rtl = write_recurrent(netlist, tmp_path, cslow, last_only, adder_levels)
    assert verilator.lint([tmp_path / name for name in rtl["files"]], "lgc_recurrent") == ""
    assert rtl["latency"] == cslow + 1 + rtl["output_registers"] and rtl["state_bits"] == 8
    assert (rtl["output_registers"] == 0) == (adder_levels == 0)


def test_loop_stages(netlist):
    stage, depth = loop_stages(netlist, 3)
    assert depth == 3
    assert stage == {"next1": 1, "next2": 2, "next3": 3, "layer1": 4, "layer2": 4}
    assert set(loop_stages(netlist, 1)[0].values()) == {1, 2}
    with pytest.raises(LgcError, match="--cslow 4 needs a next-state logic at least 4 gate"):
        loop_stages(netlist, 4)
