"""The generated Verilog is clean under `verilator --lint-only -Wall`, for any netlist shape."""

import numpy as np
import pytest

import lgc
from lgc.ir import Netlist
from lgc.ir.truthtable import DIFFLOGIC_TABLES
from lgc.rtl import ENCODED_TOP, TOP, generate
from lgc.synth.devices import FAMILIES
from lgc.tools.verilator import lint
from tests.support.fixtures import fixture_path
from tests.support.netlists import random_dag_netlist

ECP5 = FAMILIES["ecp5"].delays
OPTIONS = [{}, {"layers_per_stage": 0, "adder_levels_per_stage": 0},
           {"layers_per_stage": 1, "adder_levels_per_stage": 1},
           {"layers_per_stage": 2, "adder_levels_per_stage": 3},
           {"target_mhz": 100, "delays": ECP5},
           # as a default target: lowered to what a core with signed scores reaches
           {"target_mhz": 210, "delays": ECP5, "target_is_ceiling": True}]


def assert_lint_clean(netlist, tmp_path, **options):
    _, rtl = generate(netlist, tmp_path, **options)
    problems = lint([tmp_path / name for name in rtl["files"]], TOP)
    assert problems == "", problems
    return rtl


@pytest.mark.parametrize("options", OPTIONS)
def test_fixture_is_lint_clean(tmp_path, options):
    assert_lint_clean(lgc.load(fixture_path("difflogic_untrained_ties")), tmp_path, **options)


@pytest.mark.parametrize("seed", range(6))
def test_random_netlists_are_lint_clean(tmp_path, seed):
    rng = np.random.default_rng(seed)
    netlist = random_dag_netlist(rng, offsets=(-3, 3) if seed % 2 else (0, 3))
    options = OPTIONS[seed % len(OPTIONS)] | {"lut_size": [4, 6, 2][seed % 3]}
    assert_lint_clean(netlist, tmp_path, **options)


def test_degenerate_netlists_are_lint_clean(tmp_path):
    and_ = DIFFLOGIC_TABLES[[1, 1]]
    one_class = Netlist.from_layers(3, [(and_, [[0, 1], [1, 2]])], groups=[[0, 1]])
    constant_scores = Netlist.from_layers(3, [(and_, [[0, 1], [1, 2]])], groups=[[], []],
                                          offset=[2, 1])
    for i, netlist in enumerate([one_class, constant_scores]):
        for options in OPTIONS:
            assert_lint_clean(netlist.validate(), tmp_path / f"{i}{len(options)}", **options)


@pytest.mark.parametrize("seed", range(4))
def test_encoded_tops_are_lint_clean(tmp_path, seed):
    """Input bits the core does not read, thresholds out of the bytes' range (constant bits), a
    feature no bit compares: the encoded top stays clean."""
    rng = np.random.default_rng(seed)
    netlist = random_dag_netlist(rng, n_inputs=24)
    n = netlist.n_inputs
    netlist.graph.graph["encoding"] = {
        "kind": "threshold", "source": "test", "n_features": 5, "shape": [5],
        "feature": rng.integers(0, 4, n).tolist(),            # feature 4 is never compared
        "threshold": rng.uniform(-20, 280, n).astype(np.float32).tolist()}
    _, rtl = generate(netlist, tmp_path, **OPTIONS[seed])
    assert rtl["encoder"]["constant_bits"] > 0
    problems = lint([tmp_path / name for name in rtl["files"]], ENCODED_TOP)
    assert problems == "", problems


def test_lint_reports_problems(tmp_path):
    (tmp_path / "bad.v").write_text("module bad(input wire [3:0] a, output wire y);\n"
                                    "assign y = a[0];\nendmodule\n")
    assert "UNUSEDSIGNAL" in lint([tmp_path / "bad.v"], "bad")
