"""The passes on recurrent netlists: the combinational part optimized and verified, unread state
bits dropped, state bits folded to constants only when induction shows it; the result equal to
the original over sequences (and in Verilator, tests/sim/test_sequences.py)."""

import numpy as np
import pytest

import lgc
from lgc.ir import Netlist
from lgc.ir.sequence import evaluate_sequences
from lgc.passes import VerificationError
from lgc.passes.recurrent_passes import check_sequences, optimize_recurrent
from tests.support.models import random_recurrent_model

AND, OR, XOR, NOT_A, A = 8, 14, 6, 5, 10  # IR tables: bit j = f(A = j & 1, B = j >> 1)


def hand_netlist():
    """One input x and six state bits, reset 0, the output showing state bits 0..4 (new):
    s0' = s0 & x (constant by induction), s1' = s1 | x, s2' = ~s2 (toggles: constant under a
    combinational look with s2 at its reset, not by induction), s3' = s4 and s4' = s3 (constant
    together, not one alone), s5' = s5 ^ x (read by nothing)."""
    next_layer = (np.array([AND, OR, NOT_A, A, A, XOR], np.uint64),
                  np.array([[1, 0], [2, 0], [3, 3], [5, 5], [4, 4], [6, 0]], np.int32))
    output = (np.full(5, A, np.uint64), np.array([[1 + i, 1 + i] for i in range(5)], np.int32))
    return Netlist.from_recurrent_layers(1, [next_layer], [output], 5, np.zeros(6, np.uint8),
                                         output_reads="new").validate()


def test_state_bits_fold_by_induction_and_unread_ones_drop():
    netlist = hand_netlist()
    optimized, stats = optimize_recurrent(netlist)
    assert stats["state"] == {"bits_before": 6, "bits_after": 2, "constant_by_induction": 3,
                              "unread": 1, "induction_rounds": 2}
    assert optimized.width("state") == 2
    x = np.random.default_rng(0).integers(0, 2, (200, 12, 1))
    scores = evaluate_sequences(optimized, x)[0]
    assert np.array_equal(scores, evaluate_sequences(netlist, x)[0])
    assert (scores[:, :, [0, 3, 4]] == 0).all() and scores[:, :, 2].any()


def test_a_wrong_fold_is_caught_over_sequences():
    """Folding the toggling bit s2 to its reset value (what a look at one step from reset might
    conclude for a bit that is 0 there) changes the scores over sequences."""
    netlist = hand_netlist()
    wrong = netlist.copy()
    wrong.graph.nodes["next1"]["tt"][2] = np.uint64(0)  # s2' = 0: s2 treated as constant
    with pytest.raises(VerificationError, match="changed the scores over sequences"):
        check_sequences(netlist, wrong, 256, 0)


@pytest.mark.parametrize("reads", ["new", "old"])
def test_random_models_stay_equal_over_sequences(tmp_path, reads):
    random_recurrent_model(tmp_path / "m.pt", next_state=(16, 12, 8), output_reads=reads, seed=4)
    netlist = lgc.load(tmp_path / "m.pt")
    optimized, stats = optimize_recurrent(netlist)
    assert optimized.gate_count() < netlist.gate_count()
    assert stats["state"]["bits_after"] <= 8
    x = np.random.default_rng(3).integers(0, 2, (300, 20, 6))
    lengths = np.random.default_rng(4).integers(1, 21, 300)
    assert np.array_equal(evaluate_sequences(optimized, x, lengths)[0],
                          evaluate_sequences(netlist, x, lengths)[0])


def test_more_than_255_inputs_and_state_bits(tmp_path):
    """The view's constant ids (inputs and state bits, then the constants) above 255: the reset
    values are uint8, their ids must not wrap (regression)."""
    random_recurrent_model(tmp_path / "m.pt", n_inputs=200, next_state=(96, 64), seed=4)
    netlist = lgc.load(tmp_path / "m.pt")
    optimized, stats = optimize_recurrent(netlist)
    x = np.random.default_rng(1).integers(0, 2, (100, 6, 200))
    assert np.array_equal(evaluate_sequences(optimized, x)[0], evaluate_sequences(netlist, x)[0])
