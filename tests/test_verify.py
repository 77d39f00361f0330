"""`lgc verify`: a formal proof that a build's RTL computes the model's scores and class for every
input, and a counterexample when it does not (a gate of the model or of the RTL changed, a
difference on 1 input vector in 2**20, an unbalanced pipeline)."""

import json
import shutil

import numpy as np
import pytest

import lgc
from lgc.build import BuildDir
from lgc.passes import run_pipeline
from lgc.sim.equivalence import prove

from conftest import fixture_path
from helpers import run_lgc
from standin_rtl import flip_gate, make_build, rare_mutant
from torchfiles import change_gate

MODEL = "difflogic_untrained_ties"


def error_line(result):
    assert result.returncode != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lgc: error: "), result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A build directory of the (optimized) model, with the stand-in core."""
    path = tmp_path_factory.mktemp("build") / "ties"
    model = fixture_path(MODEL)
    make_build(path, model, run_pipeline(lgc.load(model))[0])
    return path


@pytest.fixture
def build(built, tmp_path):
    """A fresh copy of the build, to break."""
    return shutil.copytree(built, tmp_path / "ties")


def verify_section(path):
    return json.loads((path / "report.json").read_text())["verify"]


def last_layer(path):
    return BuildDir(path).load_netlist().logic_layers()[-1]


def test_proves_the_build_equivalent(build):
    result = run_lgc("-q", "verify", build)
    assert result.returncode == 0, result.stderr
    assert "for every input: proven in" in result.stdout and result.stderr == ""
    section = verify_section(build)
    assert section["equivalent"] and section["latency"] == 2 and section["pairs"] > 0
    assert section["total_seconds"] > 0 and "prove_group_bits" in section["seconds"]


def test_one_gate_of_the_rtl_edited_by_hand(build):
    flip_gate(build, last_layer(build), 3)
    result = run_lgc("-q", "verify", build)
    assert "not proven equivalent" in error_line(result)
    cex = verify_section(build)["counterexample"]
    # the vector runs through the PyTorch reference and the RTL: they disagree, the spec agrees
    assert cex["reference_scores"] == cex["spec_scores"] != cex["rtl_scores"]
    x = np.load(build / "verify" / "counterexample.npz")["x"]
    assert "".join(map(str, x[0])) == cex["bits"] and f"in_bits = {cex['bits']}" in result.stdout
    assert lgc.load(fixture_path(MODEL)).evaluate(x)[0][0].tolist() == cex["reference_scores"]


def test_a_copy_of_the_model_with_one_gate_changed(build, tmp_path):
    other = change_gate(fixture_path(MODEL), tmp_path / "changed.pt", layer=1, gate=5)
    result = run_lgc("-q", "verify", build, "--model", other)
    assert "not proven equivalent" in error_line(result)
    cex = verify_section(build)["counterexample"]
    assert cex["reference_scores"] == cex["spec_scores"] != cex["rtl_scores"]
    assert lgc.load(other).evaluate(np.load(build / "verify" / "counterexample.npz")["x"])[0][0].tolist() \
        == cex["reference_scores"]


def test_a_difference_on_one_input_in_2_to_the_20(build):
    rare_mutant(build, last_layer(build), 0)
    # 10**5 random vectors miss it: bits 0-9 all 1 and 10-19 all 0
    x = np.random.default_rng(0).integers(0, 2, (100_000, 20))
    assert not (x[:, :10].all(axis=1) & ~x[:, 10:].any(axis=1)).any()
    result = run_lgc("-q", "verify", build)
    assert "not proven equivalent" in error_line(result)
    section = verify_section(build)
    assert section["refinements"] >= 1  # the proof's own random vectors missed it too: SAT found it
    bits = section["counterexample"]["bits"]
    assert bits[:20] == "1" * 10 + "0" * 10


def test_an_unbalanced_pipeline_is_not_proven(tmp_path):
    model = fixture_path(MODEL)
    path = tmp_path / "late"
    make_build(path, model, run_pipeline(lgc.load(model))[0], late_class=4)
    line = error_line(run_lgc("-q", "verify", path))
    assert "unbalanced: the $gt at " in line and "crossed 1 and 2 registers" in line
    assert verify_section(path)["equivalent"] is False


def test_a_failed_run_does_not_leave_the_previous_success(build, tmp_path):
    assert run_lgc("-q", "verify", build).returncode == 0
    broken = tmp_path / "broken.pt"
    broken.write_bytes(fixture_path(MODEL).read_bytes()[:5000])
    line = error_line(run_lgc("-q", "verify", build, "--model", broken))
    assert "broken.pt" in line
    assert verify_section(build) == {"failed": line.removeprefix("lgc: error: ")}


def test_a_model_of_another_shape(build):
    line = error_line(run_lgc("-q", "verify", build, "--model", fixture_path("torchlogix_conv_tree")))
    assert "reads 256 input bits, the model 64" in line


def test_the_proof_as_a_function(built, tmp_path):
    # prove() directly, on the stand-in's Verilog, with the latency it must find
    rtl = json.loads((built / "report.json").read_text())["rtl"]
    proof = prove([built / "rtl" / f for f in rtl["files"]], fixture_path(MODEL), tmp_path / "work",
                  latency=rtl["latency"])
    assert proof.equivalent and proof.counterexample is None
    wrong = prove([built / "rtl" / f for f in rtl["files"]], fixture_path(MODEL), tmp_path / "work",
                  latency=3)
    assert not wrong.equivalent and "latency of 2 clocks" in wrong.reason
