"""The encoded top (input encoder + core) in Verilator: every byte value against torch's float `>`,
and the fixtures that binarize their own input bit-exact on their raw features; proof that a
wrong comparator or a forgotten encoder cycle is caught."""

import json
import pathlib

import numpy as np
import pytest
import torch

import lgc
from lgc.compile import compile_model
from lgc.ir import Netlist
from lgc.rtl import generate
from lgc.sim.simulate import run_rtl, simulate
from lgc.rtl.encoder import feature_bits

from conftest import fixture_path, fixture_vectors
from helpers import run_lgc
from test_encoder import EDGE_THRESHOLDS
from test_frontend_torchlogix import ENCODED, SAVED_AS, model

EXAMPLE = pathlib.Path(__file__).parent.parent / "examples" / "digits.pt"
BYTES = np.arange(256)[:, None]


def thresholds_everyone():
    learned = lgc.load(fixture_path("torchlogix_zoo_learnable_thresholds")).graph.graph["encoding"]
    return EDGE_THRESHOLDS + learned["threshold"]


def bits_as_scores(thresholds, rtl_thresholds=None):
    """A netlist whose class i scores input bit i (groups of one input bit, no gates), with the
    encoding `feature 0 > threshold i` (`rtl_thresholds` if given), so the scores the RTL gives
    are the encoder's bits themselves."""
    n = len(thresholds)
    encoding = {"kind": "threshold", "feature": [0] * n, "n_features": 1, "shape": [1],
                "threshold": list(rtl_thresholds or thresholds), "source": "test"}
    return Netlist.from_layers(n, [], groups=[[i] for i in range(n)], encoding=encoding).validate()


def torch_bits(thresholds):
    return (torch.arange(256, dtype=torch.float32)[:, None]
            > torch.tensor(thresholds, dtype=torch.float32)).long().numpy()


def run_bytes(tmp_path, netlist, expected, latency=None):
    _, rtl = generate(netlist, tmp_path / "rtl")
    return run_rtl(tmp_path / "rtl", rtl, tmp_path / "sim", feature_bits(BYTES), expected,
                   expected.argmax(axis=1), latency=latency, encoded=True), rtl


def test_every_byte_through_the_compiled_encoder(tmp_path):
    thresholds = thresholds_everyone()
    expected = torch_bits(thresholds)
    result, rtl = run_bytes(tmp_path, bits_as_scores(thresholds), expected)
    assert result.report["bit_exact"], result.report["first_mismatches"]
    assert np.array_equal(result.scores, expected)       # the bits themselves, not only classes
    assert rtl["encoder"]["latency"] == rtl["latency"] + 1
    assert rtl["encoder"]["constant_bits"] == 7  # -1e9, -5.5, -1 always; 255, 255.5, 256, 1e9 never
    assert result.report["top"] == "lgc_encoded"


def test_one_wrong_comparator_is_caught(tmp_path):
    thresholds = thresholds_everyone()
    wrong = list(thresholds)
    wrong[thresholds.index(6.0)] = 5.0                 # x > 5 instead of x > 6: byte 6 only
    result, _ = run_bytes(tmp_path, bits_as_scores(thresholds, wrong), torch_bits(thresholds))
    assert np.flatnonzero(~result.match).tolist() == [6]


def test_forgetting_the_encoders_clock_is_caught(tmp_path):
    thresholds = thresholds_everyone()
    netlist = bits_as_scores(thresholds)
    core_latency = generate(netlist, tmp_path / "plan")[1]["latency"]
    result, _ = run_bytes(tmp_path, netlist, torch_bits(thresholds), latency=core_latency)
    # bytes in order: a result sampled a clock early is the previous byte's, which differs
    # wherever a threshold lies between the two; out_valid comes a clock late too
    assert not result.report["bit_exact"] and result.report["mismatches"] > 20
    assert result.report["stray_out_valid"] > 0


def integer_rows(raw):
    """The fixture's test digits (integer pixels); its random rows are floats, which the
    hardware encoder refuses."""
    return raw[(raw == np.round(raw)).all(axis=1)]


@pytest.fixture(scope="module")
def zoo_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("zoo") / "build"
    result = run_lgc("compile", fixture_path("torchlogix_zoo_fixed"), "-o", out)
    assert result.returncode == 0, result.stderr
    assert "input encoder: lgc_encoded takes 64 raw features of 8 bits" in result.stdout
    return out


def test_raw_features_through_the_cli(zoo_build, tmp_path):
    v = fixture_vectors("torchlogix_zoo_fixed")
    raw = integer_rows(v["raw"])
    np.savez(tmp_path / "raw.npz", raw=raw.astype(np.uint8))
    result = run_lgc("simulate", zoo_build, "--vectors", tmp_path / "raw.npz", "--random", 400,
                     "--out", tmp_path / "out.npz")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "raw features into lgc_encoded" in result.stdout and "bit-exact" in result.stdout
    sim = json.loads((zoo_build / "report.json").read_text())["simulation"]
    assert sim["bit_exact"] and sim["vectors"] == len(raw) + 400 and sim["input"] == "raw features"
    # the RTL's classes on the test digits are the bits' classes (the fixture's x rows)
    netlist = lgc.load(fixture_path("torchlogix_zoo_fixed"))
    x = v["x"][(v["raw"] == np.round(v["raw"])).all(axis=1)]
    assert np.array_equal(np.load(tmp_path / "out.npz")["scores"][:len(raw)], netlist.evaluate(x)[0])
    # a file with both x and raw feeds x to the bare core unless --raw is given
    bits = run_lgc("simulate", zoo_build, "--vectors", fixture_path("torchlogix_zoo_fixed", ".vectors.npz"))
    assert bits.returncode == 0 and "of bits into lgc_core" in bits.stdout, bits.stderr


def encoded_model(name, saved_as):
    """(path, load options, raw features of the test digits) of a fixture or the example."""
    if name == "example":
        with np.load(EXAMPLE.with_suffix(".vectors.npz")) as v:
            return EXAMPLE, {}, v["raw"]
    path, options = model(name, saved_as)
    return path, options, integer_rows(fixture_vectors(name)["raw"])


@pytest.mark.parametrize("name, saved_as", [
    ("torchlogix_conv_mixed", "state_dict"),
    *[pytest.param(n, s, marks=pytest.mark.full) for n in ENCODED for s in SAVED_AS
      if (n, s) != ("torchlogix_conv_mixed", "state_dict")],
    pytest.param("example", "whole", marks=pytest.mark.full)])
def test_encoded_models_bit_exact_on_raw_features(tmp_path, name, saved_as):
    path, options, raw = encoded_model(name, saved_as)
    compile_model(path, tmp_path / "build", load_options=options)
    shape = lgc.load(path, **options).graph.graph["encoding"]["shape"]
    result = simulate(tmp_path / "build", raw=raw.reshape(len(raw), *shape), random=300)
    assert result.report["bit_exact"], result.report["first_mismatches"]
    assert result.report["vectors"] == len(raw) + 300 and result.report["top"] == "lgc_encoded"


@pytest.mark.parametrize("args, message", [
    (["--vectors", "{tmp}/float.npz"], "takes unsigned integer features of 8 bits (0..255): "
                                       "raw[1, 3] is 2.5"),
    (["--vectors", "{tmp}/big.npz"], "raw[0, 0] is 256"),
    (["--vectors", "{tmp}/shape.npz"], "raw features must have shape [N, 64], got [2, 63]"),
    (["--vectors", "{tmp}/bits.npz", "--raw"], "holds no `raw` features"),
])
def test_bad_raw_features_are_one_line(zoo_build, tmp_path, args, message):
    floats = np.zeros((2, 64), np.float32)
    floats[1, 3] = 2.5
    np.savez(tmp_path / "float.npz", raw=floats)
    np.savez(tmp_path / "big.npz", raw=np.full((2, 64), 256))
    np.savez(tmp_path / "shape.npz", raw=np.zeros((2, 63)))
    np.savez(tmp_path / "bits.npz", x=np.zeros((2, 256), np.uint8))
    result = run_lgc("simulate", zoo_build, *[a.format(tmp=tmp_path) for a in args])
    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0 and lines[-1].startswith("lgc: error:") and message in lines[-1]
    assert "Traceback" not in result.stderr

