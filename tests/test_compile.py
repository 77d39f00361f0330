"""`lgc compile`: the build directory, the passes' options, atomic replacement."""

import json
import os

import numpy as np
import pytest

from lgc.build import BuildDir
from lgc.compile import compile_model
from lgc.errors import LgcError
from lgc.ir import Netlist
from tests.support.cli import run_lgc
from tests.support.fixtures import fixture_path

MODEL = fixture_path("difflogic_untrained_ties")


def test_default_directory_and_contents(tmp_path):
    result = run_lgc("compile", MODEL, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    build = BuildDir(tmp_path / "build" / "difflogic_untrained_ties").check()
    report = build.report()
    assert {"model", "passes", "rtl", "steps"} <= set(report)
    assert set(report["steps"]) == {"load", "optimize", "rtl", "save"}
    assert report["model"]["gates"] == 320 and report["rtl"]["gates"] == \
        Netlist.load(build.netlist_path).gate_count()
    assert os.path.getsize(build.model_path) == os.path.getsize(MODEL)
    assert sorted(os.listdir(build.file("rtl"))) == \
        sorted(report["rtl"]["files"] + report["rtl"]["axis"]["files"])
    assert json.loads(open(build.file("interface.json")).read()) == report["interface"]
    # one progress line per step on stderr, the summary on stdout
    assert [line.split()[1] for line in result.stderr.splitlines() if "done in" in line] == \
        ["load", "optimize", "rtl", "save"]
    assert "latency" in result.stdout


def test_pass_options_reach_the_pipeline(tmp_path):
    np.savez(tmp_path / "v.npz",
             x=np.load(fixture_path("difflogic_untrained_ties", ".vectors.npz"))["x"])
    result = run_lgc("compile", MODEL, "-o", tmp_path / "a", "--vectors", tmp_path / "v.npz")
    assert result.returncode == 0, result.stderr
    passes = json.loads((tmp_path / "a" / "report.json").read_text())["passes"]
    assert passes["verification"]["given_vectors"] == 200
    result = run_lgc("compile", MODEL, "-o", tmp_path / "b", "--passes", "dead-gates,constants",
                     "--no-verify")
    assert result.returncode == 0, result.stderr
    passes = json.loads((tmp_path / "b" / "report.json").read_text())["passes"]
    assert passes["passes"] == ["dead-gates", "constants"]
    assert passes["verification"]["mode"] == "off"


def test_a_failed_compile_leaves_the_previous_build(tmp_path):
    out = tmp_path / "build"
    compile_model(MODEL, out, layers_per_stage=1)
    before = (out / "report.json").read_text()
    with pytest.raises(LgcError, match="LUT size"):
        compile_model(MODEL, out, lut_size=7)
    assert (out / "report.json").read_text() == before
    assert os.listdir(tmp_path) == ["build"]    # no half-written directory left behind


def test_unknown_pass_is_one_line(tmp_path):
    result = run_lgc("compile", MODEL, "-o", tmp_path / "b", "--passes", "nonsense")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1].startswith("lgc: error: unknown pass")


def test_board_option_writes_the_board_top_and_records_the_board(tmp_path):
    out = tmp_path / "b"
    result = run_lgc("compile", MODEL, "-o", out, "--board", "icebreaker")
    assert result.returncode == 0, result.stderr
    report = BuildDir(out).check().report()
    board = report["board"]
    assert board["name"] == "icebreaker" and board["device"] == "iCE40UP5K"
    assert board["files"] == ["board/top.il", "board/top.pcf"]
    assert board["bytes_per_vector"] == 32 and board["baud_divisor"] == 104   # 12 MHz / 115200
    assert "board top" in report["steps"]
    assert "set_io" in (out / "board" / "top.pcf").read_text()    # pins from amaranth-boards
    assert "lgc_core" in (out / "board" / "top.il").read_text()   # the top instantiates the core
    assert "board top for icebreaker (iCE40UP5K)" in result.stdout


def test_board_top_of_a_model_with_an_input_encoding_takes_raw_bytes(tmp_path):
    out = tmp_path / "b"
    result = run_lgc("compile", fixture_path("torchlogix_zoo_fixed"), "-o", out, "--board",
                     "icebreaker")
    assert result.returncode == 0, result.stderr
    board = BuildDir(out).check().report()["board"]
    assert board["input"] == "raw features, one byte each" and board["bytes_per_vector"] == 64
    assert "lgc_encoded" in (out / "board" / "top.il").read_text()   # the encoder + core
    assert "64 bytes per vector in" in result.stdout


def test_unknown_board_is_one_line_before_any_work(tmp_path):
    result = run_lgc("compile", MODEL, "-o", tmp_path / "b", "--board", "ulx3s")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "lgc: error: unknown board 'ulx3s'; lgc knows icebreaker, tangnano9k, ulx3s-12f, "
        "ulx3s-25f, ulx3s-45f, ulx3s-85f"]
    assert not os.path.exists(tmp_path / "b")
