"""Recurrent netlists: state nodes, their save/load round trip, evaluation over sequences against
the model's own forward and the independent PyTorch reference."""

import numpy as np
import pytest
import torch

import lgc
from lgc.errors import LgcError
from lgc.ir import Netlist
from lgc.ir.sequence import evaluate_sequences
from lgc.reference import sequence_reference
from tests.support.models import random_recurrent_model


@pytest.mark.parametrize("reads, initial", [("new", 0), ("old", 1)])
def test_sequences_match_the_model_and_the_reference(tmp_path, reads, initial):
    path = tmp_path / "m.pt"
    model = random_recurrent_model(path, output_reads=reads, initial_state=initial, seed=3)
    netlist = lgc.load(path)
    assert netlist.is_recurrent and netlist.state_nodes() == ["state"]
    rng = np.random.default_rng(0)
    x = rng.integers(0, 2, (130, 9, 6))
    lengths = rng.integers(1, 10, 130)
    scores, pred = evaluate_sequences(netlist, x, lengths)
    ref = sequence_reference(path, x, lengths)
    assert (scores == ref.counts).all() and (pred == ref.pred).all()
    with torch.no_grad():
        out = model(torch.tensor(x, dtype=torch.float32)).numpy() * model.group_sum.tau
    running = np.arange(9)[None, :] < lengths[:, None]
    assert np.array_equal(out[running], scores[running])
    assert (scores[~running] == 0).all()
    # the state matters: the same steps from a fresh state give other scores somewhere
    fresh, _ = evaluate_sequences(netlist, x[:, 1:], lengths - 1 + (lengths == 1))
    assert not np.array_equal(fresh[:, :4], scores[:, 1:5])


def test_save_load_round_trip(tmp_path):
    random_recurrent_model(tmp_path / "m.pt", output_reads="old", initial_state=1)
    netlist = lgc.load(tmp_path / "m.pt")
    netlist.save(tmp_path / "n.npz")
    loaded = Netlist.load(tmp_path / "n.npz")
    state = loaded.graph.nodes["state"]
    assert state["next"] == "next2" and state["reset"].tolist() == [1] * 8
    assert loaded.sources("layer1") == ["input", "state"]
    x = np.random.default_rng(1).integers(0, 2, (64, 5, 6))
    assert np.array_equal(evaluate_sequences(loaded, x)[0], evaluate_sequences(netlist, x)[0])


def test_broken_state_is_refused(tmp_path):
    random_recurrent_model(tmp_path / "m.pt")
    netlist = lgc.load(tmp_path / "m.pt")
    wrong = netlist.copy()
    wrong.graph.nodes["state"]["next"] = "next1"  # 16 bits for an 8-bit state
    with pytest.raises(LgcError, match="8 bits but its next value 'next1' 16"):
        wrong.validate()
    wrong = netlist.copy()
    wrong.graph.nodes["state"]["reset"] = np.full(8, 2, np.uint8)
    with pytest.raises(LgcError, match="reset must be 8 bits of 0/1"):
        wrong.validate()
    with pytest.raises(LgcError, match="over sequences"):
        netlist.evaluate(np.zeros((1, 6)))
    with pytest.raises(LgcError, match=r"shape \[N, T, 6\]"):
        evaluate_sequences(netlist, np.zeros((3, 6)))
