"""Recurrent cores in Verilator over sequences of different lengths back to back, every step
against the independent PyTorch reference; and proof that the check fails when one gate, the
latency or the C-slow ring is wrong."""

import json

import numpy as np
import pytest

import lgc
from lgc.compile import compile_model
from lgc.reference import sequence_reference
from lgc.rtl.recurrent_core import write_recurrent
from lgc.sim.sequences import run_sequences, simulate_sequences
from tests.support.cli import error_line, run_lgc
from tests.support.fixtures import fixture_path, fixture_vectors
from tests.support.models import random_recurrent_model


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """A random recurrent model whose next-state logic is 3 layers deep, and test sequences."""
    path = tmp_path_factory.mktemp("recurrent") / "m.pt"
    random_recurrent_model(path, next_state=(16, 12, 8), output_reads="old", initial_state=1,
                           seed=5)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 2, (40, 9, 6))
    lengths = rng.integers(1, 10, 40)
    return path, x, lengths, sequence_reference(path, x, lengths)


def simulate(tmp_path, model, netlist=None, cslow=1, off_by=0, edit=None, last_only=False,
             adder_levels=None):
    """The sequences through Verilator; `off_by` clocks added to the latency the check expects."""
    path, x, lengths, ref = model
    rtl = write_recurrent(netlist or lgc.load(path), tmp_path / "rtl", cslow, last_only,
                          adder_levels)
    if edit:
        verilog = tmp_path / "rtl" / "lgc_recurrent.v"
        verilog.write_text(edit(verilog.read_text()))
    return run_sequences(tmp_path / "rtl", rtl, tmp_path / "sim", x, lengths, ref.counts,
                         ref.pred, latency=rtl["latency"] + off_by)[3]


@pytest.mark.parametrize("cslow, adder_levels", [(1, 0), (1, 1), (3, None)])
def test_every_step_is_bit_exact(tmp_path, model, cslow, adder_levels):
    """With the group sums and argmax in one clock after the output net (adder levels 0), a
    register after every tree level, and the default."""
    report = simulate(tmp_path, model, cslow=cslow, adder_levels=adder_levels)
    assert report["bit_exact"], report["first_mismatches"]
    assert report["checked_steps"] == model[2].sum()
    # the loop, the output net's stage, then the registers of the popcount and argmax trees
    assert (report["latency"] == cslow + 1) == (adder_levels == 0)


def test_emit_on_last_only(tmp_path, model):
    report = simulate(tmp_path, model, last_only=True)
    assert report["bit_exact"] and report["checked_steps"] == len(model[1])


def test_one_gate_changed_in_the_next_state_logic_fails(tmp_path, model):
    netlist = lgc.load(model[0])
    fanin = netlist.graph.nodes["layer1"]["fanin"]
    read = int(fanin[fanin >= 6].min()) - 6  # a state bit the output net reads
    netlist.graph.nodes["next3"]["tt"][read] ^= np.uint64(0b1111)  # that gate's output inverted
    report = simulate(tmp_path, model, netlist=netlist)
    assert not report["bit_exact"] and report["mismatches"] > 0


@pytest.mark.parametrize("off_by", [-1, 1])
def test_a_latency_off_by_one_clock_fails(tmp_path, model, off_by):
    report = simulate(tmp_path, model, off_by=off_by)
    assert not report["bit_exact"] and report["stray_out_valid"] > 0


def test_a_wrong_ring_order_fails(tmp_path, model):
    """One more register in the 3-slot loop: each slot reads another slot's state."""
    def longer_ring(text):
        text = text.replace("reg [7:0] state_q;", "reg [7:0] state_q;\n    reg [7:0] state_extra;")
        return text.replace("state_q <= valid_s3", "state_q <= state_extra;\n"
                            "        state_extra <= valid_s3")
    report = simulate(tmp_path, model, cslow=3, edit=longer_ring)
    assert not report["bit_exact"] and report["mismatches"] > 0


def test_empty_slots_must_carry_their_state(tmp_path, model):
    """An empty slot that writes its next state anyway (in_valid ignored) is caught."""
    report = simulate(tmp_path, model, cslow=3,
                      edit=lambda text: text.replace("state_q <= valid_s3 ?", "state_q <= 1'b1 ?"))
    assert not report["bit_exact"]


def test_compile_and_simulate_sequences_through_the_cli(tmp_path):
    random_recurrent_model(tmp_path / "m.pt", next_state=(16, 12, 8), seed=2)
    rng = np.random.default_rng(1)
    np.savez(tmp_path / "seq.npz", x=rng.integers(0, 2, (20, 7, 6)),
             lengths=rng.integers(1, 8, 20))
    result = run_lgc("compile", tmp_path / "m.pt", "-o", tmp_path / "b", "--cslow", 2)
    assert result.returncode == 0, result.stderr  # optimized (the passes' own tests: tests/passes)
    assert "2 loop stages" in result.stdout
    result = run_lgc("simulate", tmp_path / "b", "--vectors", tmp_path / "seq.npz",
                     "--random", 10, "--out", tmp_path / "out.npz")
    assert result.returncode == 0, result.stderr
    assert "bit-exact" in result.stdout
    out = np.load(tmp_path / "out.npz")
    assert out["scores"].shape == (30, 7, 5) and out["pred"].shape == (30, 7) and out["match"].all()
    report = json.loads((tmp_path / "b" / "report.json").read_text())
    assert report["simulation"]["bit_exact"] and report["rtl"]["cslow"] == 2
    assert report["passes"]["state"]["bits_after"] == report["rtl"]["state_bits"]
    top = json.loads((tmp_path / "b" / "interface.json").read_text())["tops"]["lgc_recurrent"]
    assert top["latency"] == report["rtl"]["latency"] == report["simulation"]["latency"]
    assert "2 sequences in round-robin slots" in top["throughput"]


def test_cslow_deeper_than_the_loop_is_refused(tmp_path):
    random_recurrent_model(tmp_path / "m.pt")
    result = run_lgc("-q", "compile", tmp_path / "m.pt", "-o", tmp_path / "b", "--cslow", 3,
                     "--no-opt")
    assert error_line(result) == ("lgc: error: --cslow 3 needs a next-state logic at least 3 "
                                  "gate levels deep; this one has 2")


def test_trained_digits_model_is_bit_exact_in_verilator(tmp_path):
    """lgc.nn.RecurrentLogic trained on scikit-learn's digits fed row by row (8 steps of 32
    thermometer bits), optimized by the passes: every step of 400 test sequences (full digits,
    then the same cut to random lengths) back to back; and the last step classifies digits
    (a small net trained briefly: tests/data/README.md)."""
    data = fixture_vectors("recurrent_digits")
    compile_model(fixture_path("recurrent_digits"), tmp_path / "b")
    scores, pred, match, report = simulate_sequences(tmp_path / "b", data["x"], data["lengths"])
    assert report["bit_exact"] and match.all() and report["checked_steps"] == data["lengths"].sum()
    full = data["lengths"] == 8
    assert (pred[full, -1] == data["y"][full]).mean() > 0.55  # 0.63 when trained (chance 0.1)
