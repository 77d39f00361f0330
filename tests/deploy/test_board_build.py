"""The board section lgc.deploy.board_build writes: the UART's baud rate against the board's
USB-serial bridge and its clock (no synthesis: the board top is written, not built)."""

import pytest

from lgc.deploy.board_build import write_board_top
from lgc.deploy.boards import load_board
from lgc.errors import LgcError
from tests.support.cli import error_line, run_lgc
from tests.support.fixtures import fixture_path
from tests.support.standin_core import make_build


@pytest.fixture
def build(tmp_path):
    return make_build(tmp_path / "build")


def test_the_default_rate_is_the_boards(build):
    section = write_board_top(build, load_board("ulx3s-85f"))
    assert (section["baud"], section["baud_divisor"], section["clock_mhz"]) == (115200, 217, 25)
    assert section["baud_error_percent"] == pytest.approx(100 * abs(25e6 / 217 - 115200) / 115200,
                                                          abs=1e-3)


def test_a_rate_the_clock_misses_names_the_clocks_that_make_it(build):
    # 25 MHz / 3 Mbaud = 8.33 clocks per bit: divisor 8 makes 3.125 Mbaud, 4.2% off. The ECP5
    # PLL makes neither 24 nor 27 MHz from 25 exactly, but 15 and 30 (divisors 5 and 10).
    with pytest.raises(LgcError, match=r"3000000 baud on the ulx3s-85f: the nearest divisor at "
                       r"25 MHz, 8, makes 3125000 baud, 4\.2% off \(at most 2%\); give --freq 15 "
                       r"or --freq 30 \(the PLL makes it"):
        write_board_top(build, load_board("ulx3s-85f"), baud=3_000_000)
    section = write_board_top(build, load_board("ulx3s-85f"), 30, 3_000_000)
    assert (section["clock_mhz"], section["baud_divisor"], section["baud_error_percent"]) == (
        30, 10, 0)
    assert section["pll"]["primitive"] == "EHXPLLL"


def test_too_few_clocks_per_bit(build):
    with pytest.raises(LgcError, match="12 MHz gives 1 clocks per bit, the UART needs 4; give "
                       "--freq 48"):
        write_board_top(build, load_board("icebreaker"), baud=12_000_000)


def test_a_rate_above_the_bridge_is_refused(build):
    with pytest.raises(LgcError, match=r"the ulx3s-85f's USB-serial bridge \(FT231X\) takes 1 to "
                       "3000000 baud"):
        write_board_top(build, load_board("ulx3s-85f"), baud=4_000_000)


def test_every_board_names_its_bridge():
    from lgc.deploy.boards import board_names
    for name in board_names():
        board = load_board(name)
        assert board.bridge and board.max_baud >= board.baud, name


def test_compile_records_the_rate(tmp_path):
    out = tmp_path / "b"
    result = run_lgc("compile", fixture_path("difflogic_untrained_ties"), "-o", out, "--board",
                     "icebreaker", "--baud", "3000000")
    assert result.returncode == 0, result.stderr
    assert "3000000 baud at 12 MHz" in result.stdout
    result = run_lgc("compile", fixture_path("difflogic_untrained_ties"), "-o", out, "--baud",
                     "3000000")
    assert result.returncode == 1 and error_line(result) == (
        "lgc: error: --baud sets a board's UART: give --board too")
    result = run_lgc("compile", fixture_path("difflogic_untrained_ties"), "-o", out, "--board",
                     "tangnano9k", "--baud", "921600")
    assert result.returncode == 1 and "(BL702) takes 1 to 115200 baud" in error_line(result)


def test_synth_keeps_the_compiled_rate_unless_given(build, monkeypatch):
    from lgc.deploy import board_build
    monkeypatch.setattr(board_build.flow, "synthesize", lambda path, board, **_: board)
    build.update_report(board=write_board_top(build, load_board("icebreaker"), baud=3_000_000))
    assert board_build.synthesize(build.path)["baud"] == 3_000_000
    assert board_build.synthesize(build.path, baud=1_000_000)["baud_divisor"] == 12
    assert board_build.synthesize(build.path, board="ulx3s-85f")["baud"] == 115200
    with pytest.raises(LgcError, match="--baud sets a board's UART: give --board, not --device"):
        board_build.synthesize(build.path, device="LFE5U-85F", baud=3_000_000)


def test_synth_builds_for_the_device_the_core_was_compiled_for(build, monkeypatch):
    # `lgc compile --device D` checks the core against D: `lgc synth DIR` then builds for D.
    from lgc.deploy import board_build
    monkeypatch.setattr(board_build.flow, "synthesize", lambda path, device, **_: device)
    build.update_report(rtl={**build.rtl(), "fit": {"device": "iCE40HX8K"}})
    assert board_build.synthesize(build.path) == "iCE40HX8K"
    assert board_build.synthesize(build.path, device="LFE5U-25F") == "LFE5U-25F"
    with pytest.raises(LgcError, match="--baud sets a board's UART"):
        board_build.synthesize(build.path, baud=115200)


def test_synth_keeps_the_compiled_clock_and_says_when_the_core_is_slower(build, monkeypatch,
                                                                         caplog):
    # As `lgc compile --board ulx3s-85f --target-mhz 100` leaves it: the core pipelined for 100
    # MHz, the board top clocked at 100 by the PLL. `lgc synth DIR` used to rewrite the board top
    # at the board's 25 MHz.
    from lgc.deploy import board_build
    monkeypatch.setattr(board_build.flow, "synthesize", lambda path, board, **_: board)
    rtl = build.rtl()
    build.update_report(rtl={**rtl, "timing": {"target_mhz": 100.0, "family": "ecp5"}},
                        board=write_board_top(build, load_board("ulx3s-85f"), 100))
    with caplog.at_level("WARNING", logger="lgc"):
        assert board_build.synthesize(build.path)["clock_mhz"] == 100
        assert board_build.synthesize(build.path, freq=50)["clock_mhz"] == 50
        assert not caplog.records
        assert board_build.synthesize(build.path, freq=150)["clock_mhz"] == 150
    assert caplog.messages == [
        "the core was pipelined for 100 MHz but the ulx3s-85f board top runs at 150 MHz: it may "
        "miss timing; compile with --target-mhz 150 (or synthesize with --freq 100)"]
    caplog.clear()
    with caplog.at_level("WARNING", logger="lgc"):   # another family: the core's plan says nothing
        assert board_build.synthesize(build.path, board="icebreaker", freq=150)
    assert not caplog.records
