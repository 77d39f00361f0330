"""The RTL in Verilator (cocotb streaming testbench): bit-exact against the PyTorch reference for
the fixtures, against the IR for netlists with every feature the IR allows; and proof that the
check fails when the RTL or the testbench's timing is wrong."""

import dataclasses
import json
import re
import shutil

import numpy as np
import pytest

import lgc
from lgc.build import BuildDir
from lgc.compile import compile_model
from lgc.rtl import generate
from lgc.sim.simulate import run_rtl, simulate
from lgc.synth.devices import FAMILIES
from tests.support import mutants
from tests.support.cli import run_lgc
from tests.support.fixtures import (
    DIFFLOGIC_FIXTURES,
    FULL,
    TORCHLOGIX_FIXTURES,
    arch_of,
    fixture_path,
    quick_or_full,
)
from tests.support.netlists import random_dag_netlist

SMALLEST = "difflogic_untrained_ties"
ECP5 = FAMILIES["ecp5"]
MATRIX = [(0, 0), (1, 1), (2, 3)]
COPY_EVERY_2 = dataclasses.replace(ECP5.delays, fanout_limit=2)
# State_dict + arch spec fixtures compile to the same netlist as the whole pickles: one of them
# runs by default (simulate must hand the recorded spec to the reference), all with make test-full.
STATE_DICTS = TORCHLOGIX_FIXTURES if FULL else ["torchlogix_conv_channels",
                                                 "torchlogix_residual_projection"]
# The option matrix: one point of it on the smallest fixture by default
# (test_any_netlist_is_bit_exact has the others' kinds of stage), all of it on every fixture with
# make test-full.
MATRIX_FIXTURES = DIFFLOGIC_FIXTURES + TORCHLOGIX_FIXTURES if FULL else [SMALLEST]


@pytest.fixture(scope="module")
def ties_build(tmp_path_factory):
    """The smallest fixture compiled with default options (through the CLI)."""
    out = tmp_path_factory.mktemp("ties") / "build"
    result = run_lgc("compile", fixture_path(SMALLEST), "-o", out)
    assert result.returncode == 0, result.stderr
    return out


def vectors_file(tmp_path, name):
    shutil.copy(fixture_path(name, ".vectors.npz"), tmp_path / "v.npz")
    return tmp_path / "v.npz"


def test_default_build_is_bit_exact_and_cached(ties_build, tmp_path):
    v = vectors_file(tmp_path, SMALLEST)
    first = run_lgc("simulate", ties_build, "--vectors", v, "--random", 500, "--out",
                    tmp_path / "out.npz")
    assert first.returncode == 0, first.stderr
    assert "bit-exact" in first.stdout
    report = json.loads((ties_build / "report.json").read_text())
    sim = report["simulation"]
    assert sim["bit_exact"] and sim["vectors"] == 700 and sim["ties"] > 50
    assert not sim["verilator_build_cached"] and "simulate" in report["steps"]
    out = np.load(tmp_path / "out.npz")
    netlist = lgc.load(fixture_path(SMALLEST))
    x = np.concatenate([np.load(v)["x"],
                        np.random.default_rng(0).integers(0, 2, (500, 256), dtype=np.uint8)])
    scores, pred = netlist.evaluate(x)
    assert np.array_equal(out["scores"], scores) and np.array_equal(out["pred"], pred)
    again = run_lgc("simulate", ties_build, "--random", 50, "--seed", 3)
    assert again.returncode == 0, again.stderr
    assert json.loads(
        (ties_build / "report.json").read_text())["simulation"]["verilator_build_cached"]


@pytest.mark.parametrize("layers, adders", MATRIX if FULL else [(2, 3)])
@pytest.mark.parametrize("name", MATRIX_FIXTURES)
def test_fixture_option_matrix(tmp_path, name, layers, adders):
    out = tmp_path / "build"
    result = run_lgc("compile", fixture_path(name), "-o", out, "--layers-per-stage", layers,
                     "--adder-levels-per-stage", adders)
    assert result.returncode == 0, result.stderr
    result = run_lgc("simulate", out, "--vectors", vectors_file(tmp_path, name),
                     "--random", 300)
    assert result.returncode == 0, result.stderr + result.stdout
    rtl = json.loads((out / "report.json").read_text())["rtl"]
    assert (rtl["layers_per_stage"], rtl["adder_levels_per_stage"]) == (layers, adders)


# make test: one trained difflogic model and two torchlogix shapes (a 3-d convolution, a residual
# projection); the frontend tests evaluate every layer kind, make test-full simulates them all.
@pytest.mark.parametrize("name", quick_or_full(
    [n for n in DIFFLOGIC_FIXTURES + TORCHLOGIX_FIXTURES if n != SMALLEST],
    ["difflogic_digits_3x600", "torchlogix_conv3d", "torchlogix_residual_projection"]))
def test_other_fixtures_default_options(tmp_path, name):
    compile_model(fixture_path(name), tmp_path / "build")
    result = simulate(tmp_path / "build", np.load(fixture_path(name, ".vectors.npz"))["x"],
                      random=200)
    assert result.report["bit_exact"], result.report["first_mismatches"]
    # one precompiled header for the fast and the slow objects (a large design's build has both)
    assert (tmp_path / "build" / "sim" / "build.log").read_text().count("-x c++-header") <= 1


@pytest.mark.parametrize("name", STATE_DICTS)
def test_state_dict_fixtures(tmp_path, name):
    compile_model(fixture_path(name, ".state_dict.pt"), tmp_path / "build",
                  load_options={"arch": arch_of(name)})
    result = simulate(tmp_path / "build", np.load(fixture_path(name, ".vectors.npz"))["x"])
    assert result.report["bit_exact"], result.report["first_mismatches"]


def test_unoptimized_netlist(tmp_path):
    """--no-opt: the frontend's netlist as it is (dead and constant gates, wires) in hardware."""
    out = tmp_path / "build"
    result = run_lgc("compile", fixture_path(SMALLEST), "-o", out, "--no-opt")
    assert result.returncode == 0, result.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["passes"]["skipped"] and report["rtl"]["gates"] == 320
    result = run_lgc("simulate", out, "--vectors", vectors_file(tmp_path, SMALLEST))
    assert result.returncode == 0, result.stderr + result.stdout


@pytest.mark.parametrize("seed, options", [
    (0, {"layers_per_stage": 1, "adder_levels_per_stage": 1, "lut_size": 2}),
    (1, {"layers_per_stage": 0, "adder_levels_per_stage": 2, "lut_size": 6}),
    (2, {"layers_per_stage": 2, "adder_levels_per_stage": 3, "lut_size": 4}),
    # timing-driven: many stages, compare and select split (210); few, gates and sums sharing
    # stages (100, with negative offsets)
    (4, {"target_mhz": 210, "delays": ECP5.delays, "lut_size": 4}),
    (5, {"target_mhz": 100, "delays": ECP5.delays, "lut_size": 4}),
    # the input register with copies of its bits, two gates each (lgc.rtl.fanout)
    (6, {"target_mhz": 150, "delays": COPY_EVERY_2, "lut_size": 4}),
])
def test_any_netlist_is_bit_exact(tmp_path, seed, options):
    """Skip edges, several layers per depth, arities 1-6, constant gates, repeated / empty /
    unequal groups, groups reading inputs and inner layers, negative offsets (odd seeds)."""
    rng = np.random.default_rng(seed)
    netlist = random_dag_netlist(rng, n_inputs=16, n_layers=8, max_width=40, n_classes=7,
                                 offsets=(-4, 4) if seed % 2 else (0, 4))
    _, rtl = generate(netlist, tmp_path / "rtl", **options)
    x = rng.integers(0, 2, (2000, netlist.n_inputs), dtype=np.uint8)
    scores, pred = netlist.evaluate(x)
    result = run_rtl(tmp_path / "rtl", rtl, tmp_path / "sim", x, scores, pred)
    assert result.report["bit_exact"], result.report["first_mismatches"]
    assert rtl["registers"]["delay"] > 0 or not options.get("layers_per_stage", 1)


def test_an_input_copy_inverted_is_caught(tmp_path):
    rng = np.random.default_rng(6)
    netlist = random_dag_netlist(rng, n_inputs=16, n_layers=8, max_width=40, n_classes=7)
    core, rtl = generate(netlist, tmp_path / "rtl", target_mhz=150, delays=COPY_EVERY_2)
    assert core.plan.copies > 0
    x = rng.integers(0, 2, (2000, netlist.n_inputs), dtype=np.uint8)
    scores, pred = netlist.evaluate(x)
    path = tmp_path / "rtl" / "lgc_inputs.v"
    # the register's concatenation starts with the last copy: invert it
    path.write_text(re.sub(r"<= \{(i\[\d+\])", r"<= {~\1", path.read_text(), count=1))
    result = run_rtl(tmp_path / "rtl", rtl, tmp_path / "sim", x, scores, pred)
    assert not result.report["bit_exact"]


@pytest.mark.full
def test_two_thousand_classes(tmp_path):
    """Small groups (2 gates per class), an 11-level argmax tree pipelined every 2 levels."""
    import torch

    from lgc.nn import GroupSum, LogicLayer

    gen = torch.Generator().manual_seed(0)
    model = torch.nn.Sequential(LogicLayer(48, 1000, generator=gen),
                                LogicLayer(1000, 4000, generator=gen), GroupSum(2000, 2.0)).eval()
    torch.save(model, tmp_path / "wide.pt")
    report = compile_model(tmp_path / "wide.pt", tmp_path / "build")
    rtl = report["rtl"]
    assert rtl["argmax_levels"] == 11
    assert [c for c in rtl["reduction_registers_after_levels"] if c > rtl["popcount_levels"]]
    result = simulate(tmp_path / "build", random=1000)
    assert result.report["bit_exact"], result.report["first_mismatches"]
    assert result.report["ties"] == 1000  # 2000 classes of scores 0..2: the lowest index wins


def test_a_gate_flipped_in_the_rtl_only_is_caught(ties_build, tmp_path):
    build = tmp_path / "build"
    shutil.copytree(ties_build, build)
    netlist = lgc.Netlist.load(BuildDir(build).netlist_path)
    x = np.load(fixture_path(SMALLEST, ".vectors.npz"))["x"]
    scores, _ = netlist.evaluate(x)
    first = netlist.logic_layers()[0]
    tt = netlist.graph.nodes[first]["tt"]
    for gate in range(len(tt)):   # one truth-table entry whose flip changes some scores
        flipped = netlist.copy()
        flipped.graph.nodes[first]["tt"][gate] ^= np.uint64(1)
        changed = (flipped.evaluate(x)[0] != scores).any(axis=1)
        if 0 < changed.sum() < len(x):
            break
    rtl = json.loads((build / "report.json").read_text())["rtl"]
    options = {k: rtl[k] for k in ("target_mhz", "layers_per_stage", "adder_levels_per_stage",
                                   "lut_size")}
    if rtl["target_mhz"] is not None:  # the same registers: compiled for the family's clock
        options["delays"] = FAMILIES[rtl["timing"]["family"]].delays
    assert generate(flipped, build / "rtl", **options)[1]["files"] == rtl["files"]
    np.savez(tmp_path / "v.npz", x=x)
    result = run_lgc("simulate", build, "--vectors", tmp_path / "v.npz", "--out",
                     tmp_path / "o.npz")
    assert result.returncode != 0
    assert f"{changed.sum()} of {len(x)} vectors mismatch" in result.stderr
    assert np.array_equal(~np.load(tmp_path / "o.npz")["match"], changed)
    assert f"vector {np.flatnonzero(changed)[0]}:" in result.stdout


@pytest.mark.parametrize("name, target", [
    ("torchlogix_conv_channels", None),
    pytest.param("difflogic_digits_cuda_3x1000", 150, marks=pytest.mark.full),
    pytest.param("torchlogix_dense_light", 100, marks=pytest.mark.full)])
def test_sums_beside_the_last_gate_stage_are_bit_exact_and_a_broken_one_is_caught(tmp_path, name,
                                                                                 target):
    # the first popcount stage reads the group bits the last gate stage's input register holds
    # (gates_s1's output, the input register for dense_light's single gate stage) beside it
    build = tmp_path / "build"
    compile_model(fixture_path(name), build, target_mhz=target)
    assert json.loads((build / "report.json").read_text())["rtl"]["popcount_early_bits"] > 0
    x = np.load(fixture_path(name, ".vectors.npz"))["x"]
    result = simulate(build, x, random=500)
    assert result.report["bit_exact"], result.report["first_mismatches"]
    mutants.break_early_sum(build)
    assert simulate(build, x, random=500).report["mismatches"] > 0


def test_wide_gates_as_cofactors_are_bit_exact_and_swapped_cofactors_are_caught(tmp_path):
    # on iCE40 a DWN LUT of 5 or 6 inputs is written as its cofactors' LUT4s and 2:1 muxes
    build = tmp_path / "build"
    compile_model(fixture_path("dwn_mixed"), build, device="iCE40HX8K")
    x = np.load(fixture_path("dwn_mixed", ".vectors.npz"))["x"]
    result = simulate(build, x, random=500)
    assert result.report["bit_exact"], result.report["first_mismatches"]
    mutants.swap_cofactors(build)
    assert simulate(build, x, random=500).report["mismatches"] > 0


def test_sampling_one_cycle_early_is_caught(ties_build):
    latency = json.loads((ties_build / "report.json").read_text())["rtl"]["latency"]
    result = simulate(ties_build, random=300, latency=latency - 1)
    assert not result.report["bit_exact"]
    assert result.report["mismatches"] > 250 and result.report["stray_out_valid"] > 0


def test_raw_features_need_an_input_encoding(ties_build, tmp_path):
    assert "encoder" not in json.loads((ties_build / "report.json").read_text())["rtl"]
    np.savez(tmp_path / "raw.npz", raw=np.zeros((3, 64)))
    result = run_lgc("simulate", ties_build, "--vectors", tmp_path / "raw.npz")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "the model has no input encoding, so the build has no encoder" in result.stderr


@pytest.mark.parametrize("args, message", [
    (["simulate", "{tmp}"], "not an lgc build directory"),
    (["simulate", "{build}", "--vectors", "{tmp}/bad.npz"], "vectors must have shape"),
    (["simulate", "{build}"], "no vectors to simulate"),
    (["compile", fixture_path(SMALLEST), "-o", "{tmp}"], "not an lgc build directory"),
])
def test_cli_errors_are_one_line(ties_build, tmp_path, args, message):
    np.savez(tmp_path / "bad.npz", x=np.zeros((3, 5), np.uint8))
    (tmp_path / "user_file.txt").write_text("keep me")
    result = run_lgc(*[str(a).format(tmp=tmp_path, build=ties_build) for a in args])
    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0 and message in lines[-1] and lines[-1].startswith("lgc: error:")
    assert "Traceback" not in result.stderr
    assert (tmp_path / "user_file.txt").exists()
