"""The delay model's crowding (in a core larger than the square-root spread describes, every net
is a share of the gates' extra spread longer, and nothing changes in smaller cores) and margin
(where a stage of gates fills the budget, the popcount's and argmax's stages keep it free), and
the wide-LUT muxes a level of wide gates adds."""

import dataclasses
import math

import pytest

import lgc
from lgc.errors import LgcError
from lgc.rtl import Plan
from lgc.synth.devices import FAMILIES
from tests.support.fixtures import DATA, EXAMPLE

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


def test_where_gates_fill_the_budget_sums_and_compares_keep_the_margin_free():
    netlist = lgc.optimize(lgc.load(str(EXAMPLE)))
    without = dataclasses.replace(ECP5, margin=0.0)
    mhz = math.floor(Plan(netlist, target_mhz=100, delays=without).fastest_mhz)
    budget = ECP5.budget(mhz)
    plan, edge = Plan(netlist, target_mhz=mhz, delays=ECP5), Plan(netlist, mhz, without)
    assert 0 <= budget - plan.gate_level < ECP5.margin   # a stage of one gate level fills it
    after_gates = lambda p: p.stage_paths()["popcount"] + p.stage_paths()["argmax"]
    assert max(after_gates(plan)) <= budget - ECP5.margin < max(after_gates(edge))
    assert plan.registers()["total"] > edge.registers()["total"]
    for mhz in (100, 150, 200):   # the gates leave more than the margin: nothing changes
        assert Plan(netlist, mhz, ECP5).stage_paths() == Plan(netlist, mhz, without).stage_paths()


def test_the_fastest_clock_leaves_the_margin_where_the_gates_fill_it():
    netlist = lgc.optimize(lgc.load(str(DATA / "difflogic_digits_3x600.pt")))
    without = dataclasses.replace(ECP5, margin=0.0)
    fastest = Plan(netlist, target_mhz=100, delays=ECP5).fastest_mhz
    fastest_without = Plan(netlist, target_mhz=100, delays=without).fastest_mhz
    assert math.floor(fastest) < math.floor(fastest_without)   # its sums are within the margin
    Plan(netlist, target_mhz=math.floor(fastest), delays=ECP5)
    Plan(netlist, target_mhz=math.floor(fastest_without), delays=without)
    with pytest.raises(LgcError, match="beyond what the delay model allows"):
        Plan(netlist, target_mhz=math.floor(fastest_without), delays=ECP5)


def test_a_level_of_wide_gates_takes_its_muxes_and_one_of_narrow_gates_does_not():
    # every level of gates is timed as one of the widest gates (a conservative plan)
    wide = lgc.optimize(lgc.load(str(DATA / "dwn_mixed.pt")))
    plan = Plan(wide, target_mhz=150, delays=ECP5)
    without = Plan(wide, target_mhz=150, delays=dataclasses.replace(ECP5, mux=0.0))
    muxes = min(plan.levels.widest - 4, ECP5.mux_inputs)
    assert muxes == 2   # its widest gates read 6 inputs: a PFUMX and an L6MUX21
    assert plan.gate_level - without.gate_level == pytest.approx(muxes * ECP5.mux)
    narrow = lgc.optimize(lgc.load(str(EXAMPLE)))
    assert Plan(narrow, 150, ECP5).gate_level == Plan(
        narrow, 150, dataclasses.replace(ECP5, mux=0.0)).gate_level
