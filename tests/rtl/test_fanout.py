"""Copies of the input register for bits many gates read (lgc.rtl.fanout)."""

import dataclasses

import numpy as np
import pytest

from lgc.rtl import Plan
from lgc.rtl.fanout import input_copies
from lgc.synth.devices import FAMILIES
from tests.support.netlists import random_dag_netlist

ECP5 = FAMILIES["ecp5"]


@pytest.mark.parametrize("limit", [1, 2, 5])
def test_every_copy_feeds_at_most_limit_gates_and_holds_its_bit(limit):
    rng = np.random.default_rng(3)
    netlist = random_dag_netlist(rng, n_inputs=10, n_layers=5, max_width=40)
    plan = Plan(netlist, target_mhz=150, delays=dataclasses.replace(ECP5.delays,
                                                                    fanout_limit=limit))
    stage = plan.logic.stages[0]
    copy_of, reads = plan.input_copies
    assert plan.copies == len(copy_of) > 0
    widened = np.concatenate([stage.inputs, stage.inputs[copy_of]])   # the id each position holds
    plain = input_copies(stage, plan.levels.signals.count, 0)[1]
    per_position = np.zeros(len(widened), np.int64)
    for layer, positions, before in zip(stage.gates, reads, plain):
        on_input = positions >= 0
        assert np.array_equal(on_input, before >= 0)   # the same reads, of input bits only
        assert np.array_equal(widened[positions[on_input]], layer.inputs[on_input])
        np.add.at(per_position, positions[on_input], 1)
    assert per_position.max() <= limit
    # the fewest copies that do it: one per `limit` readers of a bit
    extra = np.bincount(copy_of, minlength=len(stage.inputs))
    total = np.zeros(len(stage.inputs), np.int64)
    np.add.at(total, np.searchsorted(stage.inputs, widened), per_position)
    assert np.array_equal(extra, np.maximum(-(-total // limit) - 1, 0))
    # and they are registers of the core's own count
    assert plan.registers()["blocks"]["core (other)"] == (
        len(stage.inputs) + plan.copies + plan.n_classes * plan.score_width + plan.class_width
        + plan.latency)


def test_no_limit_no_copies():
    netlist = random_dag_netlist(np.random.default_rng(0))
    plan = Plan(netlist, target_mhz=150, delays=dataclasses.replace(ECP5.delays, fanout_limit=0))
    assert plan.input_copies is None and plan.copies == 0
