"""The encoder's numeric input formats in Verilator, each comparator bit against torch's `>`:
every code of formats up to 16 bits, the edges of every threshold (floor(t*2^F) - 1, +0, +1 or the
float32 neighbours of t), the formats' ends, +-0, subnormals and infinities for wider ones and
f32; a comparator off by one is caught at exactly its vector. Then models through their encoder
from raw features: dwn_tabular_small in f32 with no quantization at all, --quantize's report."""

import fractions
import json
import math

import numpy as np
import pytest
import torch

import lgc
from lgc.compile import compile_model
from lgc.ir import Netlist
from lgc.rtl import generate, input_format
from lgc.sim.simulate import run_rtl, simulate
from tests.support.cli import error_line, run_lgc
from tests.support.fixtures import DWN_DIGITS, EDGE_THRESHOLDS, fixture_path, fixture_vectors

F32 = np.float32
# Thresholds at and around the steps, signs and ends of the fixed-point formats below, and of
# float32.
THRESHOLDS = sorted(set(EDGE_THRESHOLDS + [
    -128.0, -128.00390625, -127.99609375, 127.99609375, 128.0, -0.5, -0.00390625, 0.00390625,
    0.001953125, -0.001953125, 0.1, -0.1, -7.5, 7.9375, 8.0, -8.0, -8.0625, 1e-45, -1e-45,
    1.1754942e-38, -1.1754942e-38, 3.4028235e38, -3.4028235e38, 32767.5, -32768.0, -32768.5,
    4095.9375, 255.9375, 256.0, -2.0e9, 1.5e5]))


def one_feature(thresholds):
    return {"kind": "threshold", "feature": [0] * len(thresholds), "n_features": 1, "shape": [1],
            "threshold": [float(F32(t)) for t in thresholds], "source": "test"}


def bits_as_scores(encoding):
    """Class i scores input bit i: the RTL's scores are the encoder's bits themselves."""
    n = len(encoding["feature"])
    return Netlist.from_layers(n, [], groups=[[i] for i in range(n)], encoding=encoding).validate()


def torch_bits(values, thresholds):
    """Each value against each float32 threshold with torch's `>` (float64 values: exact)."""
    return (torch.tensor(values, dtype=torch.float64)[:, None]
            > torch.tensor(thresholds, dtype=torch.float32)).long().numpy()


def run_format(tmp_path, fmt, codes, thresholds, rtl_thresholds=None):
    """Simulate the encoder of `fmt` (comparing with `rtl_thresholds`, default `thresholds`) on
    one feature's codes; expected: torch's `>` with `thresholds` on the codes' values."""
    netlist = bits_as_scores(one_feature(rtl_thresholds or thresholds))
    _, rtl = generate(netlist, tmp_path / "rtl", input_format=fmt.name)
    assert rtl["encoder"]["input_format"] == {"name": fmt.name, "kind": fmt.kind,
                                               "width": fmt.width,
                                               "fraction_bits": fmt.fraction_bits}
    expected = torch_bits(input_format.values(fmt, codes[:, None])[:, 0], thresholds)
    result = run_rtl(tmp_path / "rtl", rtl, tmp_path / "sim",
                     input_format.port_bits(fmt, codes[:, None]),
                     expected, expected.argmax(axis=1), encoded=True)
    return result, expected


def fixed_edges(fmt, thresholds):
    """Codes floor(t * 2^F) - 1, +0, +1 of every threshold (in range), computed in exact rational
    arithmetic, and the format's ends."""
    codes = {fmt.low, fmt.high, fmt.low + 1, fmt.high - 1, 0}
    for t in thresholds:
        at = math.floor(fractions.Fraction(float(F32(t))) * 2 ** fmt.fraction_bits)
        codes |= {c for c in (at - 1, at, at + 1) if fmt.low <= c <= fmt.high}
    return np.array(sorted(codes), dtype=np.int64)


def float_edges(thresholds):
    """float32 codes of every threshold and its two neighbours, +-0, the smallest and largest
    subnormals and normals, +-max, +-inf."""
    values = [0.0, -0.0, 1e-45, -1e-45, 1.1754942e-38, -1.1754942e-38, 1.17549435e-38,
              -1.17549435e-38, 3.4028235e38, -3.4028235e38, np.inf, -np.inf, 1.0, -1.0]
    with np.errstate(over="ignore"):  # the neighbours of +-max are +-inf
        for t in thresholds:
            t = F32(t)
            values += [t, np.nextafter(t, F32(np.inf)), np.nextafter(t, F32(-np.inf))]
    return np.unique(np.array(values, dtype=F32).view(np.uint32)).astype(np.int64)


@pytest.mark.parametrize("name", ["s16.8", "u12.4", pytest.param("s5", marks=pytest.mark.full)])
def test_every_code_of_a_format(tmp_path, name):
    fmt = input_format.parse(name)
    codes = np.arange(fmt.low, fmt.high + 1, dtype=np.int64)
    result, expected = run_format(tmp_path, fmt, codes, THRESHOLDS)
    assert result.report["bit_exact"], result.report["first_mismatches"]
    assert np.array_equal(result.scores, expected)          # every bit, not only the classes
    assert 0.1 < expected.mean() < 0.9


@pytest.mark.parametrize("name", ["f32", "s32.16", pytest.param("u40.3", marks=pytest.mark.full)])
def test_the_edges_of_wide_formats(tmp_path, name):
    fmt = input_format.parse(name)
    codes = float_edges(THRESHOLDS) if fmt.kind == "float" else fixed_edges(fmt, THRESHOLDS)
    random = input_format.from_keys(fmt, np.random.default_rng(0).integers(0, 1 << fmt.width, 2000))
    codes = np.concatenate([codes, random])
    result, expected = run_format(tmp_path, fmt, codes, THRESHOLDS)
    assert result.report["bit_exact"], result.report["first_mismatches"]
    assert np.array_equal(result.scores, expected)


@pytest.mark.parametrize("name, threshold", [
    ("s16.8", 0.1), ("f32", 1e-45), ("s32.16", -32768.0),
    *(pytest.param(*p, marks=pytest.mark.full)
      for p in [("s16.8", -7.5), ("f32", -0.1), ("f32", 0.0)])])
def test_a_comparator_off_by_one_is_caught_at_its_vector(tmp_path, name, threshold):
    """The RTL compares one bit with a threshold just below c / 2^F, c = floor(t * 2^F) (for
    f32: the float32 just below t): exactly the code c (for f32: t itself) must differ."""
    fmt = input_format.parse(name)
    t = F32(threshold)
    if fmt.kind == "float":
        codes, lower = float_edges(THRESHOLDS), np.nextafter(t, F32(-np.inf))
        at = np.flatnonzero(codes == np.array([t], F32).view(np.uint32)[0])
        if t == 0:                                     # x > -tiny differs from x > 0 at +0 and -0
            at = np.flatnonzero(input_format.values(fmt, codes) == 0)
    else:
        c = math.floor(fractions.Fraction(float(t)) * 2 ** fmt.fraction_bits)
        step = F32(c / 2 ** fmt.fraction_bits)
        assert float(step) == c / 2 ** fmt.fraction_bits
        codes, lower = fixed_edges(fmt, THRESHOLDS), np.nextafter(step, F32(-np.inf))
        at = np.flatnonzero(codes == c)
    wrong = [float(lower) if x == float(t) else x for x in [float(F32(v)) for v in THRESHOLDS]]
    result, _ = run_format(tmp_path, fmt, codes, THRESHOLDS, rtl_thresholds=wrong)
    assert len(at) and np.flatnonzero(~result.match).tolist() == at.tolist()


def test_format_names_and_bad_ones():
    assert input_format.parse("s16.8").describe() == (
        "signed fixed-point features of 16 bits with 8 fraction bits (-128.0 .. 127.99609375 in "
        "steps of 2^-8)")
    for bad, message in (("u0", "width must be 1..53"), ("s64", "width must be 1..53"),
                         ("f16", "unknown input format"), ("x8", "unknown input format")):
        with pytest.raises(lgc.LgcError, match=message):
            input_format.parse(bad)


def test_codes_refuse_or_round():
    s8 = input_format.parse("s8.4")
    raw = np.array([[0.5, -8.0, 7.9375], [0.03, 100.0, -np.inf]])
    with pytest.raises(lgc.LgcError,
                       match=r"raw\[1, 0\] is 0.03 \(--quantize rounds such values\)"):
        input_format.to_codes(s8, raw)
    codes, rounded = input_format.to_codes(s8, raw, quantize=True)
    assert codes.tolist() == [[8, -128, 127], [0, 127, -128]]
    assert rounded.tolist() == [[False, False, False], [True, True, True]]
    f32 = input_format.parse("f32")
    with pytest.raises(lgc.LgcError, match=r"raw\[0, 1\] is NaN"):
        input_format.to_codes(f32, np.array([[1.0, np.nan]]), quantize=True)
    with pytest.raises(lgc.LgcError, match=r"raw\[0, 0\] is 0.1"):
        input_format.to_codes(f32, np.array([[0.1]]))            # a float64 no float32 holds
    assert input_format.to_codes(f32, np.array([[-0.0, np.inf]], F32))[0].tolist() == \
        [[1 << 31, 0x7F80_0000]]


@pytest.fixture(scope="module")
def tabular_f32(tmp_path_factory):
    """dwn_tabular_small (trained, 16 float features, Gaussian thermometer) compiled for f32."""
    tmp = tmp_path_factory.mktemp("tabular")
    np.save(tmp / "thresholds.npy", fixture_vectors("dwn_tabular_small")["thresholds"])
    result = run_lgc("compile", fixture_path("dwn_tabular_small"), "-o", tmp / "build",
                     "--encoding", tmp / "thresholds.npy", "--input-format", "f32")
    assert result.returncode == 0, result.stderr
    assert "takes 16 raw features of 32 bits, f32" in result.stdout
    return tmp


def test_a_float_model_bit_exact_from_its_float_features(tabular_f32, tmp_path):
    v = fixture_vectors("dwn_tabular_small")
    np.savez(tmp_path / "raw.npz", raw=v["raw"])
    result = run_lgc("simulate", tabular_f32 / "build", "--vectors", tmp_path / "raw.npz",
                     "--random", 300, "--out", tmp_path / "out.npz")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "bit-exact" in result.stdout
    report = json.loads((tabular_f32 / "build" / "report.json").read_text())
    assert report["simulation"]["input_format"] == "f32" and report["simulation"]["bit_exact"]
    # the RTL's scores on the features are the library's own outputs (its CUDA forward)
    scores = np.load(tmp_path / "out.npz")["scores"][:len(v["raw"])]
    assert np.array_equal(scores, np.rint(v["scores"].astype(np.float64) * 2))


def test_quantizing_reports_what_it_changes(tmp_path):
    v = fixture_vectors("dwn_mixed")
    compile_model(fixture_path("dwn_mixed"), tmp_path / "build", input_format="s8.4",
                  load_options={"encoding": fixture_path("dwn_mixed", ".thermometer.pt")})
    line = error_line(run_lgc("simulate", tmp_path / "build", "--vectors", _raw(tmp_path, v)))
    assert "takes signed fixed-point features of 8 bits with 4 fraction bits" in line
    result = simulate(tmp_path / "build", raw=v["raw"], quantize=True)
    assert result.report["bit_exact"] and result.report["input_format"] == "s8.4"
    q = result.report["quantization"]
    # against the reference on the float features: what rounding to s8.4 changed, counted
    netlist = lgc.load(fixture_path("dwn_mixed"),
                       encoding=fixture_path("dwn_mixed", ".thermometer.pt"))
    enc = netlist.graph.graph["encoding"]
    rounded = np.clip(np.rint(v["raw"].astype(np.float64) * 16), -128, 127) / 16
    bits = lambda raw: raw[:, enc["feature"]] > np.asarray(enc["threshold"], F32)  # noqa: E731
    changed = bits(rounded) != v["x"].astype(bool)
    assert q["vectors"] == len(v["raw"]) and q["input_bits_changed"] == changed.sum() > 0
    assert q["classes_changed"] == \
        (netlist.evaluate(bits(rounded))[1] != v["scores"].argmax(axis=1)).sum()
    assert q["features_rounded"] == (rounded != v["raw"]).sum()


def _raw(tmp_path, v):
    np.savez(tmp_path / "raw.npz", raw=v["raw"])
    return tmp_path / "raw.npz"


def test_an_input_format_needs_an_encoding(tmp_path):
    line = error_line(run_lgc("-q", "compile", fixture_path("dwn_mixed"), "-o", tmp_path / "b",
                              "--input-format", "f32"))
    assert "an input format is for models with an input encoding" in line
    line = error_line(run_lgc("compile", fixture_path("dwn_mixed"), "-o", tmp_path / "b",
                              "--encoding", fixture_path("dwn_mixed", ".thermometer.pt"),
                              "--input-format", "q8"))
    assert "unknown input format 'q8'" in line


@pytest.mark.full
@pytest.mark.skipif(not DWN_DIGITS, reason="LGC_DWN_DIGITS names the 15 MB digits fixture")
def test_the_digits_model_from_its_pixels(tmp_path):
    """dwn_digits_n6_learnable (trained with torch-dwn's CUDA kernel): u8 pixels through the
    encoder bit-exact in Verilator, and proven by lgc verify."""
    v = dict(np.load(DWN_DIGITS.removesuffix(".pt") + ".vectors.npz"))
    np.save(tmp_path / "thresholds.npy", v["thresholds"])
    compile_model(DWN_DIGITS, tmp_path / "build",
                  load_options={"encoding": tmp_path / "thresholds.npy"})
    result = simulate(tmp_path / "build", raw=v["raw"].astype(np.uint8), random=1000)
    assert result.report["bit_exact"] and result.report["input_format"] == "u8"
    n = len(v["raw"])
    assert np.array_equal(result.scores[:n], np.rint(v["scores"].astype(np.float64) / 0.3))
    assert run_lgc("-q", "verify", tmp_path / "build").returncode == 0
