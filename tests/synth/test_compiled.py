"""Synthesis of cores compiled by lgc from real model files: the issue's acceptance checks.

- ECP5 out of context and iCE40: nextpnr's flip-flops are exactly the registers the generator
  reports, block by block (gate layers, popcount, argmax, the core's own), and the fully
  pipelined core reaches at least 1.5x the combinational one's Fmax.
- `lgc compile --board ulx3s-85f` then `lgc synth DIR`: a bitstream of the UART top around the core;
  for a model with an input encoding, around the encoder and the core (iCEBreaker).
- A model too large for the iCEBreaker stops with "does not fit" and the numbers (make test-full).
- GateMate and Nexus: the core behind the pin harness keeps every register, block by block.
"""

import os

import pytest

from lgc.build import BuildDir
from lgc.compile import compile_model
from lgc.deploy.board_build import synthesize
from lgc.errors import LgcError
from tests.support.cli import run_lgc
from tests.support.fixtures import fixture_path
from tests.support.torchfiles import save_difflogic

COMBINATIONAL = {"layers_per_stage": 0, "adder_levels_per_stage": 0}
FULLY_PIPELINED = {"layers_per_stage": 1, "adder_levels_per_stage": 1}
MODEL = fixture_path("difflogic_untrained_ties")


def _fmax(section):
    return min(f["achieved_mhz"] for f in section["fmax"].values())


def _compile_and_synth(model, out, options, **target):
    report = compile_model(model, out, **options)
    return report["rtl"], synthesize(out, seed=1, **target)


def _check_registers_per_block(rtl, section):
    """Every block holds exactly the registers the generator put there."""
    ffs = {kind: block["ffs"] for kind, block in section["blocks"].items()}
    for kind, n in rtl["registers"]["blocks"].items():
        assert ffs.pop(kind, 0) == n, kind
    assert not any(ffs.values()), ffs       # flip-flops in no block of the core's


def test_ecp5_out_of_context_registers_and_pipelining(tmp_path):
    results = {}
    for name, options in (("comb", COMBINATIONAL), ("pipe", FULLY_PIPELINED)):
        rtl, section = _compile_and_synth(MODEL, tmp_path / name, options, device="LFE5U-85F",
                                          freq=250)
        assert section["ffs"] == rtl["registers"]["total"], name
        assert section["utilization"]["TRELLIS_FF"]["used"] == rtl["registers"]["total"]
        _check_registers_per_block(rtl, section)
        assert section["blocks"]["gate layers"]["luts"] > 0
        assert section["blocks"]["popcount"]["luts"] > 0
        assert section["blocks"]["argmax"]["luts"] > 0
        results[name] = _fmax(section)
    assert results["pipe"] >= 1.5 * results["comb"], results


def test_ice40_registers_and_pipelining(tmp_path):
    model = tmp_path / "small.pt"          # few enough ports for the iCE40UP5K's 39 pins
    save_difflogic(model, in_dim=16, widths=(96, 64), k=2, seed=3)
    results = {}
    for name, options in (("comb", COMBINATIONAL), ("pipe", FULLY_PIPELINED)):
        rtl, section = _compile_and_synth(model, tmp_path / name, options, device="iCE40UP5K",
                                          freq=100)
        assert section["ffs"] == rtl["registers"]["total"], name
        _check_registers_per_block(rtl, section)
        results[name] = _fmax(section)
    assert results["pipe"] >= 1.5 * results["comb"], results


# (Nexus always takes the harness: tests/synth/test_flow.py has it on a smaller core)
@pytest.mark.parametrize("device, logic_bel", [
    ("CCGM1A1", "CPE_LT"), pytest.param("LIFCL-40", "OXIDE_COMB", marks=pytest.mark.full)])
def test_gatemate_and_nexus_through_the_pin_harness(tmp_path, device, logic_bel):
    """The fixture's 304 ports exceed the CCGM1A1's 162 pins (and Nexus always takes the
    harness): behind lgc_pins every register of the core is kept, block by block, and the harness
    holds one flip-flop per port bit but the clock."""
    rtl, section = _compile_and_synth(MODEL, tmp_path / "build", FULLY_PIPELINED, device=device)
    assert section["target"]["pins"] == "harness" and section["top"] == "lgc_pins"
    port_bits = 2 + sum(rtl["ports"].values()) + 1   # rst, in_valid, the buses, out_valid
    assert section["blocks"].pop("pin harness")["ffs"] == port_bits
    _check_registers_per_block(rtl, section)
    assert section["ffs"] == rtl["registers"]["total"] + port_bits
    assert section["utilization"][logic_bel]["used"] > 0
    assert min(f["achieved_mhz"] for f in section["fmax"].values()) > 20


def test_compile_for_a_board_then_synth_makes_its_bitstream(tmp_path):
    out = tmp_path / "build"
    result = run_lgc("compile", MODEL, "-o", out, "--board", "ulx3s-85f")
    assert result.returncode == 0, result.stderr
    result = run_lgc("-q", "synth", out)             # the board the build was compiled for
    assert result.returncode == 0, result.stderr
    assert "bitstream: synth/top.bit" in result.stdout
    assert os.path.getsize(out / "synth" / "top.bit") > 10_000
    report = BuildDir(out).report()
    section, rtl = report["synthesis"], report["rtl"]
    assert section["target"] == {"board": "ulx3s-85f", "device": "LFE5U-85F", "family": "ecp5",
                                 "out_of_context": False, "pins": "board"}
    # its core's plan is far faster than the board's 25 MHz: placed for wirelength
    assert section["options"]["pnr"] == "--no-tmdriv"
    blocks = dict(section["blocks"])
    assert blocks.pop("uart")["ffs"] > 0 and blocks.pop("board top (other)")["ffs"] > 0
    _check_registers_per_block(rtl, {"blocks": blocks})
    # compile's fit check counted the board top's flip-flops in, its UART's estimated
    assert rtl["fit"]["board_top"]["ffs"] > 0 and rtl["fit"]["ffs"] == pytest.approx(
        section["ffs"], abs=10)


def test_board_bitstream_of_a_model_with_an_input_encoding(tmp_path):
    """The encoded top on the iCEBreaker: the encoder is a block of its own holding exactly its
    registers (one per comparator, + valid); the core's blocks are unchanged by it."""
    out = tmp_path / "build"
    result = run_lgc("compile", fixture_path("torchlogix_zoo_fixed"), "-o", out, "--board",
                     "icebreaker")
    assert result.returncode == 0, result.stderr
    result = run_lgc("-q", "synth", out)
    assert result.returncode == 0, result.stderr
    assert os.path.getsize(out / "synth" / "top.bin") > 10_000
    report = BuildDir(out).report()
    blocks, encoder = dict(report["synthesis"]["blocks"]), report["rtl"]["encoder"]
    assert blocks.pop("input encoder")["ffs"] == encoder["registers"]["encoder"] == \
        encoder["comparators"] + 1
    assert blocks.pop("uart")["ffs"] > 0 and blocks.pop("board top (other)")["ffs"] > 0
    _check_registers_per_block(report["rtl"], {"blocks": blocks})
    assert report["rtl"]["fit"]["ffs"] == pytest.approx(report["synthesis"]["ffs"], abs=10)


@pytest.mark.full
def test_a_model_too_large_for_the_icebreaker_does_not_fit(tmp_path):
    model = tmp_path / "large.pt"
    save_difflogic(model, in_dim=256, widths=(3000, 3000, 3000), k=10, seed=4)
    compile_model(model, tmp_path / "large")
    with pytest.raises(LgcError, match=r"does not fit the icebreaker board's iCE40UP5K: it needs "
                       r"\d+ ICESTORM_LC \(\d+%\), the device has 5280 ICESTORM_LC"):
        synthesize(tmp_path / "large", board="icebreaker")
