"""lgc_axis in Verilator with cocotbext-axi: bit-exact against the PyTorch reference, in order,
nothing lost or duplicated under random pauses on both sides, full throughput without pauses;
multi-beat vectors with malformed TLASTs dropped and reported; multi-beat results; a wrapper
whose credit is one too generous loses results under backpressure and fails."""

import re
import shutil

import numpy as np
import pytest

from lgc.build import BuildDir
from lgc.compile import compile_model
from lgc.sim.simulate_axis import simulate_axis
from tests.support.cli import error_line, run_lgc
from tests.support.fixtures import FULL, fixture_path, fixture_vectors

CORE = "difflogic_untrained_ties"           # input bits in
ENCODED = "torchlogix_zoo_learnable_thresholds"   # raw features in, through the encoder


@pytest.fixture(scope="module", params=[{}, {"axis_width": 32}, {"axis_out_width": 16}],
                ids=["one-beat", "width32", "out16"])
def builds(request, tmp_path_factory):
    """Both fixtures compiled with the given --axis-width or --axis-out-width (in make test, the
    encoded one with one beat a vector and a result only)."""
    out = tmp_path_factory.mktemp("axis")
    names = (CORE, ENCODED) if FULL or not request.param else (CORE,)
    for name in names:
        compile_model(fixture_path(name), out / name, **request.param)
    return {name: out / name for name in names}


def built(builds, name):
    """The build of `name` at this fixture's width (skipped where make test leaves it out)."""
    if name not in builds:
        pytest.skip("the encoded fixture at this width runs in make test-full")
    return builds[name]


def inputs(name):
    vectors = fixture_vectors(name)
    if name == ENCODED:   # the fixture's raw features as the encoder's bytes (u8)
        return {"raw": np.clip(np.round(vectors["raw"]), 0, 255)}
    return {"x": vectors["x"]}


@pytest.mark.parametrize("name", [CORE, ENCODED])
def test_full_throughput_without_pauses(builds, name):
    build = built(builds, name)
    axis = BuildDir(build).rtl()["axis"]
    result = simulate_axis(build, **inputs(name), random=300)
    assert result.bit_exact and not result.error
    beats = len(result.expected_pred) * max(axis["beats_per_vector"], axis["beats_per_result"])
    # the first beat in to the last result out: one beat a clock on the busier side, then the
    # wrapper's latency
    assert result.clocks == beats + axis["latency"]


@pytest.mark.parametrize("name", [CORE, ENCODED])
# Pauses on both sides in make test; on one side only (sink, then source) in make test-full.
@pytest.mark.parametrize("pause", [(0.3, 0.3), *(pytest.param(p, marks=pytest.mark.full)
                                                  for p in [(0.0, 0.7), (0.6, 0.0)])])
def test_bit_exact_under_backpressure(builds, name, pause):
    result = simulate_axis(built(builds, name), **inputs(name), random=400, pause=pause, seed=3)
    assert result.bit_exact, (len(result.pred), len(result.expected_pred))
    assert not result.error


def test_malformed_tlast_is_dropped_and_reported(builds):
    if BuildDir(builds[CORE]).rtl()["axis"]["beats_per_vector"] == 1:
        pytest.skip("one beat per vector: TLAST frames packets, it cannot be early or late")
    for name in builds:
        bad = [3, 4, 10, 50, 51, 52]
        result = simulate_axis(builds[name], **inputs(name), random=200, pause=(0.2, 0.2),
                               malformed=bad)
        assert result.bit_exact and result.error
        assert len(result.pred) == len(result.expected_pred) == \
            len(inputs(name).popitem()[1]) + 200 - len(bad)
        clean = simulate_axis(builds[name], **inputs(name), random=20)
        assert clean.bit_exact and not clean.error


def test_a_credit_one_too_generous_loses_results(builds, tmp_path):
    """Broken on purpose: s_axis_tready admits one vector more than the FIFO holds."""
    axis = BuildDir(builds[CORE]).rtl()["axis"]
    if axis["beats_per_vector"] > 1:
        pytest.skip("a vector every 8 beats never fills the FIFO")
    if axis["beats_per_result"] > 1:
        pytest.skip("results slower than vectors fill the FIFO without pauses: "
                    "test_a_result_popped_per_beat_loses_results breaks this build")
    build = tmp_path / "build"
    shutil.copytree(builds[CORE], build)
    path = build / "rtl" / "lgc_axis_stream.v"
    text, n = re.subn(r"after < (\d+'h[0-9a-f]+);", r"after <= \1;", path.read_text())
    assert n == 1
    path.write_text(text)
    ok = simulate_axis(build, **inputs(CORE), random=300)   # no backpressure: nothing lost
    assert ok.bit_exact
    result = simulate_axis(build, **inputs(CORE), random=300, pause=(0.0, 0.8), seed=1)
    assert not result.bit_exact and len(result.pred) < len(result.expected_pred)
    assert not BuildDir(build).report()["axis_simulation"]["bit_exact"]
    failed = run_lgc("simulate", build, "--axis", "--random", 300, "--pause", 0.7)
    assert "(lost or duplicated)" in error_line(failed)


def test_a_result_popped_per_beat_loses_results(builds, tmp_path):
    """Broken on purpose: the credit counts a result out at each of its beats, not its last."""
    if BuildDir(builds[CORE]).rtl()["axis"]["beats_per_result"] == 1:
        pytest.skip("one beat per result")
    build = tmp_path / "build"
    shutil.copytree(builds[CORE], build)
    path = build / "rtl" / "lgc_axis_stream.v"
    text, n = re.subn(r"assign pop = (\\\$\d+) +& \\\$\d+ ;", r"assign pop = \1 ;",
                      path.read_text())
    assert n == 1
    path.write_text(text)
    result = simulate_axis(build, **inputs(CORE), random=300)
    assert not result.bit_exact and len(result.pred) < len(result.expected_pred)


def test_cli(builds):
    result = run_lgc("simulate", builds[CORE], "--axis", "--random", 100, "--pause", 0.3)
    assert result.returncode == 0, result.stderr
    assert "bit-exact: every result equals the PyTorch reference, in order, once" in result.stdout
    section = BuildDir(builds[CORE]).report()["axis_simulation"]
    assert section["bit_exact"] and section["results"] == 100 and section["pause"] == [0.3, 0.3]


def test_a_duplicated_result_is_not_bit_exact(builds):
    result = simulate_axis(builds[CORE], x=fixture_vectors(CORE)["x"][:40])
    assert result.bit_exact
    result.scores = np.insert(result.scores, 7, result.scores[7], axis=0)
    result.pred = np.insert(result.pred, 7, result.pred[7])
    result.frames[0] += 1
    assert not result.bit_exact
