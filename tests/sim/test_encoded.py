"""The encoded top (input encoder + core) in Verilator: every byte value against torch's float `>`,
and the fixtures that binarize their own input bit-exact on their raw features; proof that a
wrong comparator or a forgotten encoder cycle is caught."""

import json

import numpy as np
import pytest
import torch

import lgc
from lgc.compile import compile_model
from lgc.ir import Netlist
from lgc.reference import forward, load_model
from lgc.rtl import generate, input_format
from lgc.sim.simulate import run_rtl, simulate
from tests.support.cli import run_lgc
from tests.support.fixtures import (
    EDGE_THRESHOLDS,
    ENCODED,
    EXAMPLE,
    SAVED_AS,
    fixture_path,
    fixture_vectors,
    model,
)

BYTES = np.arange(256)[:, None]
U8 = input_format.parse("u8")


def thresholds_everyone():
    learned = lgc.load(fixture_path("torchlogix_zoo_learnable_thresholds")).graph.graph["encoding"]
    return EDGE_THRESHOLDS + learned["threshold"]


def bits_as_scores(encoding):
    """A netlist whose class i scores input bit i (groups of one input bit, no gates) under
    `encoding`, so the scores the RTL gives are the encoder's bits themselves."""
    n = len(encoding["feature"])
    return Netlist.from_layers(n, [], groups=[[i] for i in range(n)], encoding=encoding).validate()


def one_feature(thresholds):
    """The encoding `feature 0 > threshold i` for every threshold."""
    return {"kind": "threshold", "feature": [0] * len(thresholds), "n_features": 1, "shape": [1],
            "threshold": list(thresholds), "source": "test"}


def torch_bits(thresholds):
    return (torch.arange(256, dtype=torch.float32)[:, None]
            > torch.tensor(thresholds, dtype=torch.float32)).long().numpy()


def run_bytes(tmp_path, netlist, expected, latency=None, raw=BYTES):
    _, rtl = generate(netlist, tmp_path / "rtl")
    return run_rtl(tmp_path / "rtl", rtl, tmp_path / "sim", input_format.port_bits(U8, raw),
                   expected, expected.argmax(axis=1), latency=latency, encoded=True), rtl


def test_every_byte_through_the_compiled_encoder(tmp_path):
    thresholds = thresholds_everyone()
    expected = torch_bits(thresholds)
    result, rtl = run_bytes(tmp_path, bits_as_scores(one_feature(thresholds)), expected)
    assert result.report["bit_exact"], result.report["first_mismatches"]
    assert np.array_equal(result.scores, expected)       # the bits themselves, not only classes
    assert rtl["encoder"]["latency"] == rtl["latency"] + 1
    assert rtl["encoder"]["constant_bits"] == 7  # -1e9, -5.5, -1 always; 255, 255.5, 256, 1e9 never
    assert result.report["top"] == "lgc_encoded"


def test_one_wrong_comparator_is_caught(tmp_path):
    thresholds = thresholds_everyone()
    wrong = list(thresholds)
    wrong[thresholds.index(6.0)] = 5.0                 # x > 5 instead of x > 6: byte 6 only
    result, _ = run_bytes(tmp_path, bits_as_scores(one_feature(wrong)), torch_bits(thresholds))
    assert np.flatnonzero(~result.match).tolist() == [6]


def test_forgetting_the_encoders_clock_is_caught(tmp_path):
    thresholds = thresholds_everyone()
    netlist = bits_as_scores(one_feature(thresholds))
    core_latency = generate(netlist, tmp_path / "plan")[1]["latency"]
    result, _ = run_bytes(tmp_path, netlist, torch_bits(thresholds), latency=core_latency)
    # bytes in order: a result sampled a clock early is the previous byte's, which differs
    # wherever a threshold lies between the two; out_valid comes a clock late too
    assert not result.report["bit_exact"] and result.report["mismatches"] > 20
    assert result.report["stray_out_valid"] > 0


def every_byte_on_every_feature(n_features):
    """256 vectors of byte features in which every feature takes every value 0..255 once, each
    feature in an order of its own (so a comparator reading the wrong feature is seen too)."""
    rng = np.random.default_rng(0)
    return np.stack([rng.permutation(256) for _ in range(n_features)], axis=1)


def library_bits(name, raw):
    """The model's own binarization of raw features in torch's float32 `>`: its first layer and
    thresholds as the PyTorch reference reads them from the file (no lgc decoding)."""
    binarization = load_model(fixture_path(name))[0]
    assert type(binarization).__name__.endswith("Binarization")
    shape = lgc.load(fixture_path(name)).graph.graph["encoding"]["shape"]   # the raw layout only
    with torch.no_grad():
        bits = forward(binarization,
                       torch.tensor(raw, dtype=torch.float32).reshape(len(raw), *shape))
    return bits.flatten(1).long().numpy()


@pytest.mark.parametrize("name", ["torchlogix_zoo_learnable_thresholds", "torchlogix_conv_mixed"])
def test_every_byte_on_every_feature_of_a_models_encoder(tmp_path, name):
    """The issue's check: every byte value on every raw feature through the encoded top that lgc
    compiles from the model's encoding, each of its bits against the library's float `>`."""
    encoding = lgc.load(fixture_path(name)).graph.graph["encoding"]
    raw = every_byte_on_every_feature(encoding["n_features"])
    expected = library_bits(name, raw)
    assert 0 < expected.mean() < 1
    result, rtl = run_bytes(tmp_path, bits_as_scores(encoding), expected, raw=raw)
    assert result.report["bit_exact"], result.report["first_mismatches"]
    assert np.array_equal(result.scores, expected)       # every bit, not only the classes
    assert rtl["encoder"]["comparators"] == len(encoding["feature"])


def test_a_model_threshold_off_by_one_in_the_rtl_is_caught(tmp_path):
    """The same check on RTL whose encoder compares one bit with its threshold minus one: exactly
    the vector where that bit's feature equals floor(threshold) must differ."""
    name = "torchlogix_zoo_learnable_thresholds"
    encoding = lgc.load(fixture_path(name)).graph.graph["encoding"]
    raw = every_byte_on_every_feature(encoding["n_features"])
    bit = 37
    threshold = encoding["threshold"][bit]
    assert 1 <= threshold < 255
    wrong = {**encoding, "threshold": [t - 1 if i == bit else t
                                       for i, t in enumerate(encoding["threshold"])]}
    result, _ = run_bytes(tmp_path, bits_as_scores(wrong), library_bits(name, raw), raw=raw)
    at = np.flatnonzero(raw[:, encoding["feature"][bit]] == np.floor(threshold))
    assert len(at) == 1 and np.flatnonzero(~result.match).tolist() == at.tolist()


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
    assert np.array_equal(np.load(tmp_path / "out.npz")["scores"][:len(raw)],
                          netlist.evaluate(x)[0])
    # a file with both x and raw feeds x to the bare core unless --raw is given
    bits = run_lgc("simulate", zoo_build, "--vectors",
                   fixture_path("torchlogix_zoo_fixed", ".vectors.npz"))
    assert bits.returncode == 0 and "of bits into lgc_core" in bits.stdout, bits.stderr


def example_digits():
    with np.load(EXAMPLE.with_suffix(".vectors.npz")) as v:
        return v["raw"]


def encoded_model(name, saved_as):
    """(path, load options, raw features of the test digits) of a fixture or the example; a
    difflogic model (which has no encoder layer) gets the thermometer its fixture was trained on
    (pixel > [2, 6, 10, 14], bit pixel*4 + t) as --encoding."""
    if name == "example":
        return EXAMPLE, {}, example_digits()
    if saved_as == "--encoding":
        return fixture_path(name), {"encoding": {"thresholds": [2, 6, 10, 14]}}, example_digits()
    path, options = model(name, saved_as)
    return path, options, integer_rows(fixture_vectors(name)["raw"])


@pytest.mark.parametrize("name, saved_as", [
    ("torchlogix_conv_mixed", "state_dict"),
    *[pytest.param(n, s, marks=pytest.mark.full) for n in ENCODED for s in SAVED_AS
      if (n, s) != ("torchlogix_conv_mixed", "state_dict")],
    pytest.param("example", "whole", marks=pytest.mark.full),
    pytest.param("difflogic_digits_3x600", "--encoding", marks=pytest.mark.full)])
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

