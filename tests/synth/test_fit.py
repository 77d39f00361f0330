"""The fit check of `lgc compile --device/--board`: flip-flops exact, LUTs estimated, and a core
that does not fit names the resource and the clock target at which it would."""

import dataclasses
import re

import pytest

import lgc
from lgc.compile import compile_model
from lgc.deploy.boards import load_board
from lgc.errors import LgcError
from lgc.rtl import Core, Plan
from lgc.synth.devices import DEVICES, FAMILIES
from lgc.synth.fit import capacity, check_fit, clock_target
from tests.support.fixtures import EXAMPLE, fixture_path

ECP5 = FAMILIES["ecp5"]


@pytest.fixture(scope="module")
def netlist():
    return lgc.optimize(lgc.load(fixture_path("difflogic_digits_cuda_3x1000")))


def core_at(netlist, mhz):
    return Core(netlist, target_mhz=mhz, delays=ECP5.delays)


def test_a_core_that_fits(netlist):
    core = core_at(netlist, 150)
    target = clock_target(DEVICES["LFE5U-25F"], None, 150, {})
    fit = check_fit(core, DEVICES["LFE5U-25F"], None, netlist, target, {})
    assert fit["ffs"] == core.registers()["total"] and fit["ffs_available"] == 24288
    assert 0 < fit["luts_estimate"] == core.plan.estimate_luts() < 24288


def test_too_many_flip_flops_at_this_target_names_the_one_that_fits(netlist):
    fast, slow = core_at(netlist, 200), core_at(netlist, 100)
    assert slow.registers()["total"] < fast.registers()["total"]
    # a part with room for the slow core's flip-flops, not the fast one's
    part = dataclasses.replace(DEVICES["LFE5U-25F"], name="small",
                               ffs=slow.registers()["total"] + 10)
    target = clock_target(part, None, 200, {})
    with pytest.raises(LgcError, match=r"does not fit small: it needs [\d,]+ flip-flops \(\d+% of "
                       r"its [\d,]+\); at --target-mhz \d+ it would fit"):
        check_fit(fast, part, None, netlist, target, {})
    # as `lgc compile` passes them: the LUT size given, an input format, nothing pinned
    cli_options = {"lut_size": 4, "input_format": None, "layers_per_stage": None,
                   "adder_levels_per_stage": None}
    with pytest.raises(LgcError, match=r"at --target-mhz \d+ it would fit"):
        check_fit(fast, part, None, netlist, target, cli_options)


def test_too_many_luts_at_any_target(netlist):
    part = dataclasses.replace(DEVICES["LFE5U-25F"], name="tiny", luts=100)
    target = clock_target(part, None, 150, {})
    with pytest.raises(LgcError, match=r"LUTs \(estimated\).*no clock target makes it fit: "
                       r"use a larger device"):
        check_fit(core_at(netlist, 150), part, None, netlist, target, {})


def test_a_board_top_counts_against_the_part(netlist):
    """On a board, the top's input register, UART and encoder take their share of the part: a
    core that fits alone may not fit beside them, and the advice leaves them their room."""
    fast, slow = core_at(netlist, 200), core_at(netlist, 100)
    part = dataclasses.replace(DEVICES["LFE5U-25F"], name="small",
                               ffs=fast.registers()["total"] + 10)
    board, top = load_board("ulx3s-25f"), {"ffs": 500, "luts": 300}
    target = clock_target(part, board, 200, {})
    fit = check_fit(fast, part, None, netlist, target, {})
    assert fit["board_top"] is None and fit["ffs"] == fast.registers()["total"]
    assert slow.registers()["total"] + 500 <= part.ffs
    with pytest.raises(LgcError, match=r"does not fit the ulx3s-25f board's small: with its board "
                       r"top it needs ([\d,]+) flip-flops .*; at --target-mhz \d+ it would fit"):
        check_fit(fast, part, board, netlist, target, {}, board_top=top)
    fit = check_fit(slow, part, board, netlist, target, {}, board_top=top)
    assert fit["ffs"] == slow.registers()["total"] + 500
    assert fit["luts_estimate"] == slow.plan.estimate_luts() + 300
    assert fit["board_top"] == {"ffs": 500, "luts_estimate": 300}


def test_of_the_plans_that_meet_the_clock_the_one_that_fits_the_device(tmp_path):
    """The example at 60 MHz on the iCE40HX8K: its plan with the fewest registers needs more LUTs
    than the part has; planned for the part, it is another plan that meets 60 MHz and fits."""
    example, part = lgc.optimize(lgc.load(EXAMPLE)), DEVICES["iCE40HX8K"]
    delays = FAMILIES["ice40"].delays
    fewest = Plan(example, target_mhz=60, delays=delays)
    fitting = Plan(example, target_mhz=60, delays=delays, capacity=capacity(part))
    assert fewest.needs()["luts"] > part.luts
    assert fitting.needs()["luts"] <= part.luts and fitting.needs()["ffs"] <= part.ffs
    assert fitting.registers()["total"] > fewest.registers()["total"]
    assert fitting.timing()["predicted_mhz"] >= 60
    roomy = Plan(example, target_mhz=60, delays=delays, capacity=capacity(DEVICES["LFE5U-85F"]))
    assert roomy.registers() == fewest.registers()
    # as `lgc compile --device iCE40HX8K --target-mhz 60` plans it
    report = compile_model(EXAMPLE, tmp_path / "b", device="iCE40HX8K", target_mhz=60)
    assert report["rtl"]["registers"] == fitting.registers()


def test_the_clock_target_by_default():
    assert clock_target(None, None, None, {})["target_mhz"] == ECP5.target_mhz
    assert clock_target(DEVICES["LFE5U-85F"], None, 120, {})["target_mhz"] == 120
    for device in DEVICES.values():    # every family has its delay model
        assert clock_target(device, None, None, {})["delays"] == FAMILIES[device.family].delays
    assert clock_target(None, None, None, {})["target_is_ceiling"]          # nobody asked for it
    assert not clock_target(None, None, 120, {})["target_is_ceiling"]


def test_each_family_pipelines_for_a_clock_with_its_own_delay_model(netlist):
    fastest = {}
    for device, family, mhz in (("LIFCL-40", "nexus", 200), ("CCGM1A1", "gatemate", 40),
                                ("iCE40HX8K", "ice40", 100), ("GW1NR-9C", "gowin", 100)):
        target = clock_target(DEVICES[device], None, mhz, {})
        assert target["family"] == family and target["delays"] == FAMILIES[family].delays
        plan = Core(netlist, target_mhz=mhz, delays=target["delays"]).plan
        assert plan.timing()["predicted_mhz"] >= mhz
        fastest[family] = plan.fastest_mhz
    assert fastest["nexus"] > core_at(netlist, 150).plan.fastest_mhz > fastest["gatemate"]


def test_a_default_target_beyond_the_core_is_lowered_a_given_one_refused(netlist):
    with pytest.raises(LgcError, match="beyond what the delay model allows"):
        Core(netlist, target_mhz=1000, delays=ECP5.delays)
    core = Core(netlist, target_mhz=1000, delays=ECP5.delays, target_is_ceiling=True)
    timing = core.plan.timing()
    assert timing["lowered_from_mhz"] == 1000
    assert timing["target_mhz"] == int(core.plan.fastest_mhz) < 1000
    assert timing["predicted_mhz"] >= timing["target_mhz"]
    assert "lowered_from_mhz" not in core_at(netlist, 150).plan.timing()


@pytest.mark.parametrize("family", ["ecp5", "nexus", "gatemate", "ice40", "gowin"])
def test_the_clock_a_refusal_names_is_one_the_model_accepts(netlist, family):
    delays = FAMILIES[family].delays
    with pytest.raises(LgcError, match="beyond what the delay model allows") as refused:
        Plan(netlist, target_mhz=1000, delays=delays)
    named = int(re.search(r"at most about (\d+) MHz", str(refused.value)).group(1))
    assert Plan(netlist, target_mhz=named, delays=delays).timing()["predicted_mhz"] >= named
