"""`lgc verify` on recurrent cores: the RTL proven equal to the model file over all input streams
(one sequence, C interleaved ones, only the last step emitted, the group sums and argmax
pipelined or not), and refuted, with a
counterexample sequence the PyTorch reference confirms, when one gate of the next-state logic is
changed (in the RTL, or in a copy of the model given with --model), when the state takes a wrong
value on one input pattern in 2**20 (random streams miss it: ABC finds it), when the C-slow ring has
one register too many and when empty slots overwrite their state."""

import ast
import json
import pathlib
import re
import shutil

import numpy as np
import pytest

from lgc.compile import compile_model
from lgc.formal import spec_recurrent
from lgc.formal.proof import elaborate
from lgc.reference import sequence_reference
from lgc.tools import yosys
from tests.support.cli import error_line, run_lgc
from tests.support.fixtures import fixture_path
from tests.support.models import random_recurrent_model

N_INPUTS = 24


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """A random recurrent model with 24 inputs, a next-state logic 3 layers deep, the output
    net reading the old state, the state starting at ones."""
    path = tmp_path_factory.mktemp("recurrent") / "m.pt"
    random_recurrent_model(path, n_inputs=N_INPUTS, next_state=(64, 48, 24), output=(60, 20),
                           output_reads="old", initial_state=1, seed=5)
    return path


@pytest.fixture(scope="module")
def builds(model, tmp_path_factory):
    folder = tmp_path_factory.mktemp("builds")
    for cslow in (1, 3):
        compile_model(str(model), str(folder / f"c{cslow}"), cslow=cslow)
    return folder


@pytest.fixture
def build(builds, tmp_path, request):
    """A fresh copy of the build with --cslow request.param, to break."""
    return shutil.copytree(builds / f"c{request.param}", tmp_path / "b")


def section(path):
    return json.loads((path / "report.json").read_text())["verify"]


def edit(path, pattern, replace):
    """The RTL's first match of `pattern` becomes `replace(match)`."""
    file = path / "rtl" / "lgc_recurrent.v"
    text = file.read_text()
    match = re.search(pattern, text, flags=re.M)
    assert match, pattern
    file.write_text(text[:match.start()] + replace(match) + text[match.end():])


def refuted(path, model):
    """Run lgc verify, expect a refutation; returns the verify section after checking that the
    counterexample is one sequence whose last step the PyTorch reference scores as the spec
    does and the RTL does not."""
    result = run_lgc("verify", path)
    assert result.returncode == 1 and "is not proven equivalent" in result.stderr, result.stderr
    verify = section(path)
    assert not verify["equivalent"] and verify["method"] == "recurrent"
    cex = verify["counterexample"]
    saved = np.load(path / "verify" / "counterexample.npz")
    x = saved["x"]
    assert x.shape == (1, len(cex["bits"]), N_INPUTS)
    ref = sequence_reference(model, x)
    assert ref.counts[0, -1].tolist() == cex["reference_scores"] == cex["spec_scores"]
    assert (cex["rtl_scores"], cex["rtl_class"]) != (cex["spec_scores"], cex["spec_class"])
    assert f"counterexample: a sequence of {x.shape[1]} steps" in result.stdout
    return verify


@pytest.mark.parametrize("cslow", [1, 3])
def test_random_model_is_proven(builds, cslow):
    result = run_lgc("verify", builds / f"c{cslow}")
    assert result.returncode == 0, result.stderr
    assert "at every step of every sequence, for every input stream: proven in" in result.stdout
    verify = section(builds / f"c{cslow}")
    assert verify["equivalent"] and verify["method"] == "recurrent"
    rtl = json.loads((builds / f"c{cslow}" / "report.json").read_text())["rtl"]
    assert verify["latency"] == rtl["latency"] == cslow + 1 + rtl["output_registers"]
    assert rtl["output_registers"] > 0 and verify["pairs"] > 0  # the popcount and argmax pipelined


def test_a_proof_method_is_refused(builds):
    result = run_lgc("verify", builds / "c1", "--method", "stages")
    assert error_line(result) == ("lgc: error: --method stages does not apply to a recurrent core "
                                  "(its proof is sequential, docs/formal.md)")


@pytest.mark.parametrize("options", [(), *(pytest.param(o, marks=pytest.mark.full) for o in [
    ("--cslow", 2), ("--emit-last",), ("--adder-levels-per-stage", 0)])])
def test_trained_digits_model_is_proven(tmp_path, options):
    result = run_lgc("-q", "compile", fixture_path("recurrent_digits"), "-o", tmp_path / "b",
                     *options)
    assert result.returncode == 0, result.stderr
    result = run_lgc("-q", "verify", tmp_path / "b")
    assert result.returncode == 0, result.stderr
    assert section(tmp_path / "b")["equivalent"]


@pytest.mark.parametrize("build", [1], indirect=True)
def test_one_gate_changed_in_the_next_state_logic_is_refuted(build, model):
    # the first state bit computed by a gate (not a wire to an input bit): its value inverted
    edit(build, r"^    assign state_next_s1\[\d+\] = (?!input)(.*);$",
         lambda m: m.group(0).replace(m.group(1), f"~({m.group(1)})"))
    refuted(build, model)


@pytest.mark.parametrize("build", [1, pytest.param(3, marks=pytest.mark.full)], indirect=True)
def test_a_state_wrong_on_one_input_pattern_in_2_20_is_found(build, model):
    """State bit 0 flips when 10 given input bits are 1 and 10 others 0: random streams miss it
    (so do the proof's own), ABC's sequential proof finds the stream, the sequence shows it."""
    cslow = json.loads((build / "report.json").read_text())["rtl"]["cslow"]
    top = re.search(r"reg \[(\d+):0\] state_q;",
                    (build / "rtl" / "lgc_recurrent.v").read_text()).group(1)
    rare = "(&in_bits[9:0] & ~|in_bits[19:10])"
    edit(build, rf"state_q <= valid_s{cslow} \? state_next_s{cslow}",
         lambda m: m.group(0) + f" ^ {{{{{top}{{1'b0}}}}, {rare}}}")
    verify = refuted(build, model)
    assert verify["refinements"] >= 1  # the refuting stream came from ABC


@pytest.mark.parametrize("build", [3], indirect=True)
def test_a_wrong_ring_order_is_refuted(build, model):
    """One more register in the 3-slot loop: each slot reads another slot's state."""
    file = build / "rtl" / "lgc_recurrent.v"
    text = file.read_text()
    width = re.search(r"reg \[(\d+):0\] state_q;", text).group(1)
    text = text.replace("state_q;  // the state register",
                        f"state_q;  // the state register\n    reg [{width}:0] state_extra;")
    file.write_text(text.replace("state_q <= valid_s3", "state_q <= state_extra;\n"
                                 "        state_extra <= valid_s3"))
    refuted(build, model)


@pytest.mark.parametrize("build", [3], indirect=True)
def test_empty_slots_must_carry_their_state(build, model):
    edit(build, r"state_q <= valid_s3 \?", lambda m: "state_q <= 1'b1 ?")
    refuted(build, model)


def test_spec_imports_nothing_it_checks():
    # a spec sharing code with the frontends, the passes or the RTL would prove nothing
    tree = ast.parse(pathlib.Path(spec_recurrent.__file__).read_text())
    imported = {f"{node.module or ''}.{a.name}" for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) for a in node.names}
    parts = {part for name in imported for part in name.split(".")}
    assert not parts & {"frontend", "passes", "rtl", "ir", "truthtable", "recurrent"}
    assert {"reference", "load_model", "spec"} <= parts


@pytest.mark.parametrize("name", ["model", "digits"])
def test_spec_step_function_gives_the_reference_scores(tmp_path, model, name):
    """The spec's step function as yosys elaborates it, run step by step over sequences from the
    reset state: every step's scores and class are the PyTorch reference's."""
    path = model if name == "model" else fixture_path("recurrent_digits")
    spec = spec_recurrent.write_recurrent_spec(path, tmp_path / "spec_step.v", "s")
    step = elaborate(yosys.in_folder(tmp_path, job="verify"), "step",
                     "read_verilog -sv spec_step.v", "s_step")
    rng = np.random.default_rng(3)
    x = (rng.random((64, 6, spec.n_inputs)) < 0.4).astype(np.uint8)
    ref = sequence_reference(path, x)
    state = np.tile(np.asarray(spec.reset, np.uint8), (len(x), 1))
    k = spec.n_classes
    for t in range(x.shape[1]):
        out = step.evaluate({"in_bits": x[:, t], "state": state})
        w = out["out_scores"].shape[1] // k
        scores = (out["out_scores"].reshape(len(x), k, w).astype(np.int64) << np.arange(w)).sum(-1)
        assert (scores == ref.counts[:, t]).all()
        assert ((out["out_class"].astype(np.int64) << np.arange(out["out_class"].shape[1])).sum(-1)
                == ref.pred[:, t]).all()
        state = out["next"]


def changed_model(model, path):
    """A copy of the model with one gate of the next-state net's last layer complemented: the
    first whose change the PyTorch reference sees on random sequences."""
    import torch

    copy = torch.load(model, weights_only=False)
    x = np.random.default_rng(2).integers(0, 2, (64, 8, N_INPUTS))
    before = sequence_reference(model, x).counts
    last = list(copy.next_state.children())[-1]
    for gate in range(last.out_dim):
        with torch.no_grad():
            last.weights[gate] = last.weights[gate].flip(0)  # argmax i -> 15 - i: the complement
        torch.save(copy, path)
        if (sequence_reference(path, x).counts != before).any():
            return path
        with torch.no_grad():
            last.weights[gate] = last.weights[gate].flip(0)
    raise AssertionError("no gate of the last next-state layer changes the scores")


@pytest.mark.parametrize("build", [1], indirect=True)
def test_the_model_with_one_next_state_gate_changed_is_refuted(build, model, tmp_path):
    """`--model` names a copy with one gate of the next-state net changed: the spec is that
    copy's, the counterexample sequence is scored by the reference as the copy does."""
    changed = changed_model(model, tmp_path / "changed.pt")
    result = run_lgc("verify", build, "--model", changed)
    assert result.returncode == 1 and "is not proven equivalent" in result.stderr, result.stderr
    cex = section(build)["counterexample"]
    x = np.load(build / "verify" / "counterexample.npz")["x"]
    assert sequence_reference(changed, x).counts[0, -1].tolist() == cex["reference_scores"] \
        == cex["spec_scores"]
    assert sequence_reference(model, x).counts[0, -1].tolist() == cex["rtl_scores"]
