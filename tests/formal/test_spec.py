"""The specification `lgc verify` proves against: behavioural Verilog from the model file's gates,
simulated as yosys elaborates it, gives the upstream libraries' own scores and classes on every
fixture; it imports nothing of what it checks."""

import ast
import pathlib

import numpy as np
import pytest

import lgc
from lgc.formal.proof import elaborate
from lgc.formal.spec import write_spec
from lgc.formal.spec_aig import build_spec_aig
from lgc.tools import yosys
from tests.support.fixtures import (
    DATA,
    DIFFLOGIC_FIXTURES,
    DWN_FIXTURES,
    EXAMPLE,
    SAVED_AS,
    fixture_path,
    fixture_vectors,
    model,
)

TORCHLOGIX = sorted(p.name[:-3] for p in DATA.glob("torchlogix_*.pt")
                    if not p.name.endswith(".state_dict.pt"))
SPEC_PY = pathlib.Path(lgc.__file__).parent / "formal" / "spec.py"


def spec_outputs(tmp_path, model, x, **options):
    """(scores [N, k], classes [N]) of the spec of `model` on bits x, through yosys's AIG."""
    spec = write_spec(model, tmp_path / "spec.v", **options)
    out = elaborate(yosys.in_folder(tmp_path, job="verify"), "spec", "read_verilog -sv spec.v",
                    spec.module).evaluate({"in_bits": x})
    w = spec.score_width
    scores = (out["out_scores"].reshape(len(x), spec.n_classes, w).astype(np.int64)
              << np.arange(w)).sum(-1)
    return scores, (out["out_class"].astype(np.int64)
                    << np.arange(out["out_class"].shape[1])).sum(-1)


def upstream(path, v, **options):
    netlist = lgc.load(path, **options)
    beta = netlist.graph.nodes[netlist.output_node]["beta"]
    return np.rint(v["scores"].astype(np.float64) * netlist.tau - beta), v["scores"].argmax(axis=1)


@pytest.mark.parametrize("name", DIFFLOGIC_FIXTURES + TORCHLOGIX + DWN_FIXTURES)
def test_spec_equals_upstream(tmp_path, name):
    v = fixture_vectors(name)
    scores, classes = spec_outputs(tmp_path, fixture_path(name), v["x"])
    want_scores, want_classes = upstream(fixture_path(name), v)
    assert np.array_equal(scores, want_scores)
    assert np.array_equal(classes, want_classes)


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.full) for n in TORCHLOGIX]
                         + DWN_FIXTURES)
def test_spec_of_state_dict_equals_upstream(tmp_path, name):
    arch = next(DATA.glob(f"{name}.arch.*"))
    v = fixture_vectors(name)
    path = fixture_path(name, ".state_dict.pt")
    scores, classes = spec_outputs(tmp_path, path, v["x"], arch=arch)
    want_scores, want_classes = upstream(path, v, arch=arch)
    assert np.array_equal(scores, want_scores) and np.array_equal(classes, want_classes)


def test_spec_of_the_example_with_its_thermometer(tmp_path):
    with np.load(EXAMPLE.with_suffix(".vectors.npz")) as v:
        x = v["x"]
    scores, classes = spec_outputs(tmp_path, EXAMPLE, x)
    want_scores, want_classes = lgc.load(EXAMPLE).evaluate(x)
    assert np.array_equal(scores, want_scores) and np.array_equal(classes, want_classes)


def test_a_gate_changed_in_the_spec_is_seen(tmp_path):
    # the check above can fail: one gate's rows inverted changes scores on the fixture's vectors
    name = "difflogic_untrained_ties"
    spec = write_spec(fixture_path(name), tmp_path / "spec.v")
    text = (tmp_path / "spec.v").read_text()
    line = next(ln for ln in text.splitlines() if ln.startswith("  assign x2[7] = "))
    flipped = line.replace("1'b0", "1'bZ").replace("1'b1", "1'b0").replace("1'bZ", "1'b1")
    (tmp_path / "spec.v").write_text(text.replace(line, flipped))
    v = fixture_vectors(name)
    out = elaborate(yosys.in_folder(tmp_path, job="verify"), "spec", "read_verilog -sv spec.v",
                    spec.module).evaluate({"in_bits": v["x"]})
    scores = (out["out_scores"].reshape(len(v["x"]), 10, spec.score_width).astype(np.int64)
              << np.arange(spec.score_width)).sum(-1)
    assert not np.array_equal(scores, upstream(fixture_path(name), v)[0])


def test_aig_evaluation_equals_yosys_eval(tmp_path):
    # the bit-parallel AIG evaluator against yosys's own evaluator of the spec, on a few vectors
    name = "torchlogix_conv_tree"
    x = fixture_vectors(name)["x"][:3]
    scores, _ = spec_outputs(tmp_path, fixture_path(name), x)
    commands = ["read_verilog -sv spec.v", "hierarchy -top lgc_spec", "proc", "flatten"]
    for row in x:
        commands.append(f"eval -set in_bits {len(row)}'b{''.join(map(str, row[::-1]))} "
                        "-show out_scores")
    yosys.in_folder(tmp_path, job="verify").run("eval", commands)
    log = (tmp_path / "eval.log").read_text()
    results = [line.split("=")[1].strip().rstrip(".") for line in log.splitlines()
               if line.startswith("Eval result: \\out_scores")]
    w = 4
    for want, text in zip(scores, results):
        value = int(text.split("'")[1], 2)
        assert [(value >> (c * w)) & ((1 << w) - 1) for c in range(10)] == want.tolist()
    assert len(results) == 3


def test_spec_imports_nothing_it_checks():
    # a spec sharing code with the frontends' decoding, the passes or the RTL would prove nothing
    tree = ast.parse(SPEC_PY.read_text())
    imported = {f"{node.module or ''}.{a.name}" for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) for a in node.names}
    imported |= {a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for a in node.names}
    parts = {part for name in imported for part in name.split(".")}
    assert not parts & {"frontend", "passes", "rtl", "ir", "truthtable", "luts", "unroll"}
    assert {"reference", "torchlogix_layers", "load_model"} <= parts


@pytest.mark.parametrize("saved_as", SAVED_AS)
@pytest.mark.parametrize("name", ["torchlogix_conv3d", "torchlogix_conv_transpose",
                                  "torchlogix_residual", "torchlogix_residual_projection"])
def test_reader_of_3d_transposed_and_residual_layers(name, saved_as):
    """The reader's 3-d and transposed convs, 3-d pooling and residual blocks, through the AIG
    sink (no yosys): each class's count of group bits is torchlogix's score."""
    path, options = model(name, saved_as)
    v = fixture_vectors(name)
    spec = build_spec_aig(path, **options)
    groups = spec.aig.evaluate({"in_bits": v["x"]})["groups"].astype(np.int64)
    counts = groups.reshape(len(v["x"]), spec.n_classes, spec.group_size).sum(-1)
    assert np.array_equal(counts, upstream(path, v, **options)[0])
