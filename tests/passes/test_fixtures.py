"""The pass pipeline on models saved by the upstream libraries: scores still equal the library's own
outputs, and tests/data/passes_removed.json records how many gates each pass removed.

Regenerate the record after a deliberate change to the passes with
    LGC_UPDATE_RECORDS=1 .venv/bin/python -m pytest tests/test_passes_fixtures.py
"""

import json
import os

import numpy as np
import pytest

import lgc
from lgc.ir.stats import function_counts
from lgc.passes import run_pipeline
from lgc.reference import reference
from tests.support.fixtures import DATA, DIFFLOGIC_FIXTURES, EXAMPLE, fixture_path, fixture_vectors

RECORD = DATA / "passes_removed.json"
TORCHLOGIX_FIXTURES = sorted(p.name[:-3] for p in DATA.glob("torchlogix_*.pt")
                             if not p.name.endswith(".state_dict.pt"))


def optimized(name):
    netlist = lgc.load(fixture_path(name))
    v = fixture_vectors(name)
    out, stats = run_pipeline(netlist, vectors=v["x"])
    return netlist, out, stats, v


@pytest.mark.parametrize("name", DIFFLOGIC_FIXTURES)
def test_optimized_scores_equal_upstream(name):
    netlist, out, stats, v = optimized(name)
    scores, pred = out.evaluate(v["x"])
    assert np.array_equal(scores, np.rint(v["scores"].astype(np.float64) * netlist.tau))
    assert np.array_equal(pred, v["scores"].argmax(axis=1))
    assert stats["verification"]["given_vectors"] == len(v["x"])


@pytest.mark.parametrize("name", TORCHLOGIX_FIXTURES)
def test_optimized_torchlogix_scores_equal_upstream(name):
    netlist = lgc.load(fixture_path(name))
    v = fixture_vectors(name)
    out = lgc.optimize(netlist, vectors=v["x"])
    scores, pred = out.evaluate(v["x"])
    beta = netlist.graph.nodes[netlist.output_node]["beta"]
    assert np.array_equal(scores, np.rint(v["scores"].astype(np.float64) * netlist.tau - beta))
    assert np.array_equal(pred, v["scores"].argmax(axis=1))


def test_digits_3x600_loses_over_a_third_of_its_gates():
    netlist, out, stats, _ = optimized("difflogic_digits_3x600")
    # wires ("A", "B") and inverters ("not A", "not B") are 40% of this model's gates
    functions = [function_counts(netlist.graph.nodes[v]["tt"], 2) for v in netlist.logic_layers()]
    passing = sum(f.get(name, 0) for f in functions for name in ("A", "B", "not A", "not B"))
    assert passing / netlist.gate_count() > 0.39
    assert stats["removed_percent"] >= 35 and out.gate_count() <= 0.65 * netlist.gate_count()


def test_example_model_optimized_equals_pytorch():
    netlist = lgc.load(EXAMPLE)
    with np.load(EXAMPLE.with_suffix(".vectors.npz")) as v:
        raw, bits = v["raw"], v["x"]
    out = lgc.optimize(netlist, vectors=bits)
    ref = reference(EXAMPLE, raw=raw)
    scores, pred = out.evaluate(bits)
    assert np.array_equal(scores, ref.counts) and np.array_equal(pred, ref.pred)
    assert out.gate_count() < 0.5 * netlist.gate_count()


def removal_record():
    record = {}
    models = [(n, fixture_path(n)) for n in DIFFLOGIC_FIXTURES + TORCHLOGIX_FIXTURES]
    for name, path in models + [("examples/digits", EXAMPLE)]:
        _, stats = run_pipeline(lgc.load(path), verify=False)
        record[name] = {"gates": stats["gates_before"], "after": stats["gates_after"],
                        "removed_percent": stats["removed_percent"], "rounds": stats["rounds"],
                        "removed_by_pass": stats["removed_by_pass"]}
    return record


def test_gates_removed_per_pass_match_the_record():
    record = removal_record()
    if os.environ.get("LGC_UPDATE_RECORDS") == "1":
        RECORD.write_text(json.dumps(record, indent=2) + "\n")
    assert record == json.loads(RECORD.read_text())
