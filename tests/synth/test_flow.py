"""The synthesis flows on the hand-written stand-in core: real yosys/nextpnr/packer runs, small."""

import json
import os
import subprocess
import sys
import time

import psutil
import pytest

from lgc.compile import compile_model
from lgc.deploy.board_build import synthesize
from lgc.deploy.boards import board_names, list_boards, load_board
from lgc.errors import LgcError
from lgc.synth.devices import DEVICES, FAMILIES
from lgc.synth.flow import default_pnr_opts, nextpnr_opts, summary_lines
from lgc.tools import yosys
from tests.support.cli import run_lgc
from tests.support.fixtures import DATA
from tests.support.processes import gone
from tests.support.standin_core import REGISTERS, make_build


@pytest.fixture
def build(tmp_path):
    return make_build(tmp_path / "build")


def _check_capacity(section):
    device = DEVICES[section["target"]["device"]]
    family = FAMILIES[device.family]
    util = section["utilization"]
    assert util[family.logic_bel]["available"] == device.luts
    assert util[family.ff_bel]["available"] == device.ffs


def test_ecp5_out_of_context_counts_exactly_the_cores_registers(build):
    section = synthesize(build.path, device="LFE5U-85F")
    assert section["target"]["out_of_context"]
    assert section["ffs"] == REGISTERS
    assert section["utilization"]["TRELLIS_FF"]["used"] == REGISTERS
    assert "TRELLIS_IO" not in section["utilization"]        # no pins: out of context
    assert section["luts"] == section["cells_by_type"]["LUT4"] > 0
    assert set(section["blocks"]) == {"popcount", "argmax", "core (other)"}
    assert section["blocks"]["core (other)"]["ffs"] == REGISTERS
    assert {m["module"]: m["instances"] for m in section["modules"]}["lgc_popcount4"] == 3
    (clock, f), = section["fmax"].items()
    default = FAMILIES["ecp5"].target_mhz   # the stand-in core was compiled for no clock
    assert f["target_mhz"] == default and f["achieved_mhz"] > 50
    assert f["slack_ns"] == pytest.approx(1e3 / default - 1e3 / f["achieved_mhz"], abs=1e-3)
    path = section["critical_paths"][0]
    assert path["delay_ns"] == pytest.approx(1e3 / f["achieved_mhz"], rel=0.02)
    assert path["logic_levels"] >= 1
    assert section["options"]["synth"] == "synth_ecp5 -nowidelut"
    assert section["options"]["pnr"] == "--placer-heap-timingweight 40"
    assert section["options"]["pnr_opts_chosen"] == "the family's default"
    assert "--placer-heap-timingweight 40" in open(build.file("synth", "commands.sh")).read()
    assert section["bitstream"] is None
    assert section["tools"]["yosys"] == yosys.version(yosys.choose(None, "synth"))
    assert set(section["times"]) == {"yosys", "nextpnr"}
    _check_capacity(section)
    assert json.load(open(build.report_path))["synthesis"]["ffs"] == REGISTERS


def test_ice40_counts_exactly_the_cores_registers(build):
    section = synthesize(build.path, device="iCE40HX8K", freq=50)
    assert section["ffs"] == REGISTERS
    assert section["fmax"] and all(f["target_mhz"] == 50 for f in section["fmax"].values())
    _check_capacity(section)


def test_synth_options_pass_through(build):
    section = synthesize(build.path, device="LFE5U-25F", synth_opts="", pnr_opts="--placer sa",
                         seed=7)
    assert section["options"] == {"synth": "synth_ecp5",
                                  "pnr": "--placer-heap-timingweight 40 --placer sa", "seed": 7,
                                  "target_mhz": FAMILIES["ecp5"].target_mhz,
                                  "synth_gate_stages": None, "synth_opts_chosen": "given",
                                  "pnr_opts_chosen": "given"}
    commands = open(build.file("synth", "commands.sh")).read()
    assert "--seed 7" in commands and "--placer sa" in commands
    with open(build.file("synth", "synth.ys")) as f:
        assert "synth_ecp5  -top lgc_core" in f.read()


def test_wide_gate_stages_get_wide_luts_and_the_rest_of_the_core_does_not(tmp_path):
    """A DWN core of mostly 5- and 6-input LUTs: its gate stages take the wide-LUT muxes, the
    popcount and argmax none (they map to fewer LUT4s without), and the gates' LUT4s are what
    the fit check estimated for them."""
    out = tmp_path / "build"
    report = compile_model(DATA / "dwn_mixed.pt", out, device="LFE5U-85F", target_mhz=100)
    section = synthesize(out, device="LFE5U-85F")
    assert section["options"]["synth"] == "synth_ecp5 -nowidelut"
    assert section["options"]["synth_gate_stages"] == "synth_ecp5"
    assert section["options"]["synth_opts_chosen"].endswith("the gate stages with wide LUTs")
    stat = json.load(open(out / "synth" / "stat.json"))["modules"]
    muxes = {m.lstrip("\\"): sum(cells["num_cells_by_type"].get(t, 0) for t in ("PFUMX", "L6MUX21"))
             for m, cells in stat.items()}
    gates = [m for m in muxes if m.startswith("lgc_gates_")]
    assert gates and all(muxes[m] > 0 for m in gates)
    assert not any(n for m, n in muxes.items() if m not in gates)
    estimated = report["rtl"]["luts_estimate"]["gate layers"]
    assert section["blocks"]["gate layers"]["luts"] == pytest.approx(estimated, rel=0.1)



def test_wide_gates_without_wide_lut_muxes_take_the_luts_the_fit_estimated(tmp_path):
    """iCE40 has no muxes to join LUT4s into wider ones: yosys spends more LUT4s on a trained
    LUT6 than the 4 that ECP5's muxes join, and the fit check's estimate follows it."""
    out = tmp_path / "build"
    report = compile_model(DATA / "dwn_mixed.pt", out, device="iCE40HX8K")
    section = synthesize(out, device="iCE40HX8K")
    estimated = report["rtl"]["luts_estimate"]["gate layers"]
    assert section["blocks"]["gate layers"]["luts"] == pytest.approx(estimated, rel=0.1)


def test_gowin_wide_gates_take_lut4_trees_whose_delays_nextpnr_counts(tmp_path):
    """nextpnr-himbaechel-gowin's timing misses gate stages made of MUX2_LUT5/6: those of 6-input
    LUTs go without them, in LUT4 trees the fit check estimates."""
    out = tmp_path / "build"
    report = compile_model(DATA / "dwn_gaussian_global.pt", out, device="GW1NR-9C")
    section = synthesize(out, device="GW1NR-9C")
    assert section["options"]["synth_gate_stages"] is None
    stat = json.load(open(out / "synth" / "stat.json"))["modules"]
    assert not any(t.startswith("MUX2_LUT") for cells in stat.values()
                   for t in cells["num_cells_by_type"])
    estimated = report["rtl"]["luts_estimate"]["gate layers"]
    assert section["blocks"]["gate layers"]["luts"] == pytest.approx(estimated, rel=0.1)


def test_a_core_far_faster_than_its_clock_is_placed_for_wirelength():
    ecp5, ice40 = FAMILIES["ecp5"], FAMILIES["ice40"]
    rtl = {"timing": {"family": "ecp5", "target_mhz": 25.0, "predicted_mhz": 44.3}}
    assert default_pnr_opts(ecp5, rtl, 25) == (
        "--no-tmdriv", "the core's plan predicts 44.3 MHz, 1.8 times its clock")
    assert default_pnr_opts(ecp5, rtl, 40)[0] == "--placer-heap-timingweight 40"
    assert default_pnr_opts(ice40, rtl, 25) == ("", "the family's default")
    other = {"timing": {**rtl["timing"], "family": "ice40"}}   # a plan for another family's delays
    assert default_pnr_opts(ecp5, other, 25)[0] == "--placer-heap-timingweight 40"
    assert default_pnr_opts(ecp5, {}, 25)[0] == "--placer-heap-timingweight 40"   # recurrent


def test_a_given_nextpnr_option_replaces_the_familys_own():
    ecp5, ice40 = FAMILIES["ecp5"].pnr_opts, FAMILIES["ice40"].pnr_opts
    assert nextpnr_opts(ecp5, None) == ["--placer-heap-timingweight", "40"]
    assert nextpnr_opts(ecp5, "--placer-heap-timingweight 10 --no-route") == [
        "--placer-heap-timingweight", "10", "--no-route"]
    assert nextpnr_opts(ecp5, "--no-route") == ["--placer-heap-timingweight", "40", "--no-route"]
    assert nextpnr_opts(ice40, "--no-route") == ["--no-route"]
    assert nextpnr_opts(FAMILIES["gatemate"].pnr_opts, "--placer-heap-beta 0.9") == [
        "--tmg-ripup", "--placer-heap-beta", "0.9"]


def test_ulx3s_board_build_makes_a_bitstream(build):
    section = synthesize(build.path, board="ulx3s-85f")
    bit = build.file(section["bitstream"])
    assert section["bitstream"] == "synth/top.bit" and os.path.getsize(bit) > 10_000
    board = section["board"]
    assert board["pll"] is None and board["clock_mhz"] == 25 and board["baud_divisor"] == 217
    assert board["pack_opts"] == ["--compress"]             # from amaranth-boards' ULX3S
    lpf = open(build.file("board", "top.lpf")).read()
    assert 'LOCATE COMP "uart_0__rx__io" SITE "M1"' in lpf    # pins from amaranth-boards
    assert section["utilization"]["TRELLIS_IO"]["used"] >= 11  # clock, UART, 8 LEDs
    assert section["blocks"]["uart"]["ffs"] > 0 \
        and section["blocks"]["core (other)"]["ffs"] == REGISTERS


def test_a_frequency_above_the_oscillator_gets_a_pll(build):
    section = synthesize(build.path, board="ulx3s-85f", freq=100)
    assert section["board"]["pll"]["primitive"] == "EHXPLLL"
    assert section["board"]["clock_mhz"] == 100 and section["board"]["baud_divisor"] == 868
    assert section["utilization"]["EHXPLLL"]["used"] == 1
    assert all(f["target_mhz"] == 100 and f["slack_ns"] > 0 for f in section["fmax"].values())


def test_icebreaker_with_a_pll(build):
    section = synthesize(build.path, board="icebreaker", freq=30)
    assert section["board"]["pll"]["primitive"] == "SB_PLL40_PAD"
    assert section["utilization"]["ICESTORM_PLL"]["used"] == 1
    assert os.path.getsize(build.file(section["bitstream"])) > 10_000


def test_tangnano9k_gowin_bitstream(build):
    section = synthesize(build.path, board="tangnano9k")
    assert section["bitstream"] == "synth/top.fs"
    assert os.path.getsize(build.file(section["bitstream"])) > 10_000
    assert section["board"]["pack_opts"] == ["--sspi_as_gpio", "--mspi_as_gpio"]
    assert section["ffs"] == section["utilization"]["DFF"]["used"]
    _check_capacity(section)


def test_target_mistakes_are_one_clear_error(build, tmp_path):
    with pytest.raises(LgcError, match="not both"):
        synthesize(build.path, board="ulx3s-85f", device="LFE5U-85F")
    with pytest.raises(LgcError, match="compiled for no board or device"):
        synthesize(build.path)
    with pytest.raises(LgcError, match="unknown device 'XC7A35T'"):
        synthesize(build.path, device="XC7A35T")
    with pytest.raises(LgcError, match="unknown board"):
        synthesize(build.path, board="../ulx3s-85f")
    with pytest.raises(LgcError, match="not an lgc build directory"):
        synthesize(tmp_path / "nothing", device="LFE5U-85F")
    with pytest.raises(LgcError, match="cannot make 9600 baud|no PLL setting"):
        synthesize(build.path, board="icebreaker", freq=1000)


def test_a_bare_top_gets_pins_or_the_harness():
    from lgc.synth.flow import placement
    ports = [{"name": "in_bits", "direction": "input", "width": 256}]
    assert placement(DEVICES["LFE5U-85F"], ports) == "out of context"
    assert placement(DEVICES["iCE40UP5K"], ports) == "harness"        # 39 pins
    assert placement(DEVICES["CCGM1A1"], ports) == "harness"          # 162 pins
    assert placement(DEVICES["CCGM1A1"], ports[:0]) == "pins"
    assert placement(DEVICES["LIFCL-40"], ports[:0]) == "harness"     # nextpnr-nexus places no pin
    assert placement(DEVICES["GW1NR-9C"], ports[:0]) == "harness"     # nor does nextpnr's Gowin


def test_gatemate_counts_exactly_the_cores_registers(build):
    section = synthesize(build.path, device="CCGM1A1", freq=50)
    assert section["target"]["pins"] == "pins" and section["options"]["synth"] == (
        "synth_gatemate -luttree -nomx8")
    assert section["ffs"] == section["utilization"]["CPE_FF"]["used"] == REGISTERS
    assert section["utilization"]["GPIO"]["used"] == 4 + 12 + 9 + 2    # a pin per port bit
    assert section["luts"] > 0 and section["carry"] > 0
    assert all(f["target_mhz"] == 50 for f in section["fmax"].values())
    _check_capacity(section)
    # without CP-line pass-throughs (their post-route pass overflows the wasm build's stack),
    # cells spread to at most 60% of a placement bin, nets failing timing rerouted
    commands = open(build.file("synth", "commands.sh")).read()
    assert "--vopt no-cpe-cp" in commands and "--placer-heap-beta 0.6 --tmg-ripup" in commands


def test_nexus_through_the_pin_harness(build):
    section = synthesize(build.path, device="LIFCL-40")
    assert section["top"] == "lgc_pins" and section["target"]["pins"] == "harness"
    assert "(LIFCL-40, nexus, behind the pin harness)" in summary_lines(section)[0]
    assert section["blocks"]["core (other)"]["ffs"] == REGISTERS     # all of the core kept
    # one flip-flop per port bit but the clock: 14 shifted in, 12 loaded and shifted out
    assert section["blocks"]["pin harness"]["ffs"] == 14 + 12
    assert section["ffs"] == section["utilization"]["OXIDE_FF"]["used"] == REGISTERS + 26
    assert section["utilization"]["SEIO33_CORE"]["used"] == 4
    (clock, f), = section["fmax"].items()
    assert f["target_mhz"] == FAMILIES["nexus"].target_mhz and f["achieved_mhz"] > 50
    _check_capacity(section)
    assert "ldc_set_location -site {L13} [get_ports clk]" in open(
        build.file("synth", "pins.pdc")).read()


def test_every_board_matches_its_device_entry():
    assert board_names() == ["icebreaker", "tangnano9k", "ulx3s-12f", "ulx3s-25f", "ulx3s-45f",
                             "ulx3s-85f"]
    for name in board_names():
        board = load_board(name)
        platform = board.make_platform()
        device = board.device(platform)
        args = " ".join(device.nextpnr_args).lower()
        if device.family == "ecp5":
            assert f"caBGA{platform.package[2:]}".lower() in args \
                and f"--speed {platform.speed}" in args
        elif device.family == "ice40":
            assert platform.package.lower() in args
        else:
            assert platform.part.lower() in args
        assert board.led_resources(platform), name


def test_lgc_boards_lists_device_and_capacity():
    rows = {r["board"]: r for r in list_boards()}
    assert rows["ulx3s-85f"]["device"] == "LFE5U-85F" and rows["ulx3s-85f"]["luts"] == 83640
    assert rows["icebreaker"]["oscillator_mhz"] == 12
    out = run_lgc("boards")
    assert out.returncode == 0
    assert "tangnano9k" in out.stdout and "GW1NR-9C" in out.stdout and "8640 LUTs" in out.stdout
    assert "UART up to 3000000 baud" in out.stdout


def test_lgc_synth_cli(build):
    out = run_lgc("-q", "synth", build.path, "--device", "LFE5U-45F", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["ffs"] == REGISTERS
    out = run_lgc("synth", build.path, "--device", "nope")
    assert out.returncode == 1 \
        and out.stderr.strip().splitlines()[-1].startswith("lgc: error: unknown device")


def test_a_terminated_lgc_synth_ends_its_tools_and_records_no_success(build):
    """`kill` (SIGTERM) on `lgc synth` ends it as Ctrl-C does: the tool it runs goes with it."""
    lgc = subprocess.Popen([sys.executable, "-m", "lgc", "synth", build.path, "--device",
                            "LFE5U-85F"], stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        while not (tools := psutil.Process(lgc.pid).children(recursive=True)):
            assert time.time() < deadline and lgc.poll() is None, "lgc synth started no tool"
            time.sleep(0.05)
        lgc.terminate()
        _, stderr = lgc.communicate(timeout=30)
    finally:
        lgc.kill()
    assert lgc.returncode == 130 and stderr.strip().endswith("lgc: aborted"), stderr
    assert all(gone(tool.pid) for tool in tools)
    assert build.report()["synthesis"] == {"failed": "interrupted"}


def test_a_trap_after_routing_says_the_design_was_routed(tmp_path):
    """nextpnr-himbaechel-gatemate 0.11.1 routed the example, printed its timing, then trapped
    before writing its report (with CP-line pass-throughs, before lgc passed --vopt no-cpe-cp):
    the error says so, with the Fmax of its log (the lines below are the end of such a log,
    shortened)."""
    from lgc.synth.flow import _explain_pnr_failure
    from lgc.tools import ToolError
    log = tmp_path / "nextpnr.log"
    lines = ["Info: Max frequency for clock '$iopadmap$clk': 90.07 MHz (FAIL at 100.00 MHz)",
             "Info: Routing complete.",
             "Warning: Max frequency for clock '$iopadmap$clk': 47.84 MHz (FAIL at 100.00 MHz)",
             "wasmtime._trap.Trap: error while executing at wasm backtrace:",
             "    0:  0x72b04 - <unknown>!<wasm function 1015>", "Caused by:",
             "    0: memory fault at wasm address 0x100000070 in linear memory of size 0x8bfb0000",
             "    1: wasm trap: out of bounds memory access"]
    log.write_text("\n".join(lines) + "\n")
    error = ToolError("nextpnr-himbaechel-gatemate", 1, str(log), lines[3:])
    with pytest.raises(LgcError, match=r"nextpnr-himbaechel-gatemate routed the design \(Fmax "
                       r"47.84 MHz by its log, .*\) but then stopped on a WebAssembly trap before "
                       r"writing its report \(.*out of bounds memory access\): a defect of "
                       r"yowasp-nextpnr-himbaechel-gatemate "):
        _explain_pnr_failure(DEVICES["CCGM1A1"], error, None)
    log.write_text("\n".join(lines[:1] + lines[3:]) + "\n")   # not routed: the tool's own error
    _explain_pnr_failure(DEVICES["CCGM1A1"], error, None)


def test_gowin_through_the_pin_harness(build):
    section = synthesize(build.path, device="GW1NR-9C")
    assert section["top"] == "lgc_pins" and section["target"]["pins"] == "harness"
    assert section["bitstream"] is None
    assert section["blocks"]["core (other)"]["ffs"] == REGISTERS     # all of the core kept
    assert section["blocks"]["pin harness"]["ffs"] == 14 + 12
    assert section["ffs"] == section["utilization"]["DFF"]["used"] == REGISTERS + 26
    assert section["utilization"]["IOB"]["used"] == 4     # buffered after synth_gowin -noiopads
    (clock, f), = section["fmax"].items()
    assert f["target_mhz"] == FAMILIES["gowin"].target_mhz and f["achieved_mhz"] > 50
    _check_capacity(section)
    assert 'IO_LOC "clk" 52;' in open(build.file("synth", "pins.cst")).read()
