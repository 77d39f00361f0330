"""The delay model's crowding: in a core larger than the square-root spread describes, every net
is a share of the gates' extra spread longer, and nothing changes in smaller cores."""

import dataclasses

import pytest

import lgc
from lgc.rtl import Plan
from lgc.synth.devices import FAMILIES
from tests.support.fixtures import EXAMPLE

ECP5 = FAMILIES["ecp5"].delays


def test_crowding_lengthens_every_net_only_beyond_the_square_root():
    assert ECP5.in_core(6_000) is ECP5   # the example's size: the square root's spread
    crowded = ECP5.in_core(54_000)
    extra = ECP5.net_crowd * 54 ** ECP5.crowd_power - ECP5.net_spread * 54 ** 0.5
    assert crowded.net == pytest.approx(ECP5.net + ECP5.crowd_share * extra)
    assert crowded.gate_level(54_000) - ECP5.gate_level(54_000) == pytest.approx(
        ECP5.crowd_share * extra)
    assert crowded.in_core(54_000) == crowded   # applied once


def test_a_crowded_plan_times_its_nets_longer_and_reports_the_family_delays():
    netlist = lgc.optimize(lgc.load(str(EXAMPLE)))
    plain = Plan(netlist, target_mhz=150, delays=ECP5)
    assert plain.delays is ECP5
    # the crowd curve above the square root already at the example's size
    crowded_family = dataclasses.replace(ECP5, net_crowd=1.0, crowd_share=0.5)
    crowded = Plan(netlist, target_mhz=100, delays=crowded_family)
    assert crowded.delays.net > ECP5.net
    assert crowded.timing()["delays"] == dataclasses.asdict(crowded_family)
    assert crowded.gate_level > Plan(netlist, target_mhz=100, delays=dataclasses.replace(
        crowded_family, crowd_share=0.0)).gate_level
