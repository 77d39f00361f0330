"""torch-dwn models, saved whole and as state_dict + arch spec: exact scores against the library's
eval-mode outputs, the PyTorch reference, hand-built LUTs, thermometer encodings, and bad input."""

import json

import numpy as np
import pytest
import torch

import lgc
from lgc.errors import LgcError
from lgc.frontend.dwn import group_columns
from lgc.frontend.torchfile import read
from lgc.reference import reference
from tests.support.cli import error_line, run_lgc
from tests.support.fixtures import (
    DWN_DIGITS,
    DWN_FIXTURES,
    SAVED_AS,
    fixture_path,
    fixture_vectors,
    model,
)
from tests.support.torchfiles import edit_dwn

THERMOMETERS = ["dwn_mixed", "dwn_small_n123", "dwn_gaussian_global"]  # NAME.thermometer.pt


@pytest.mark.parametrize("saved_as", SAVED_AS)
@pytest.mark.parametrize("name", DWN_FIXTURES)
def test_ir_and_reference_equal_the_librarys_outputs(name, saved_as):
    path, options = model(name, saved_as)
    netlist = lgc.load(path, **options)
    v = fixture_vectors(name)
    scores, pred = netlist.evaluate(v["x"])
    assert np.array_equal(scores, np.rint(v["scores"].astype(np.float64) * netlist.tau))
    assert np.array_equal(pred, v["scores"].argmax(axis=1))
    ref = reference(path, bits=v["x"], **options)
    assert np.array_equal(ref.scores, v["scores"]) and np.array_equal(ref.counts, scores)
    assert netlist.graph.graph["source"]["format"] == "dwn"


def test_fixtures_cover_the_format():
    """Every mapping kind, n = 1..6, padding, randperm, no STE inside, exact-zero LUT entries,
    ties: what the tests above are worth."""
    mixed = lgc.load(fixture_path("dwn_mixed"))
    groups = mixed.graph.nodes[mixed.output_node]["groups"]
    assert [len(g) for g in groups] == [12, 12, 12, 9]             # 45 outputs padded to 48
    assert sorted(np.concatenate(groups).tolist()) == list(range(45))
    assert np.concatenate(groups).tolist() != list(range(45))    # permuted
    ranks = set()
    for name in DWN_FIXTURES:
        ranks |= set(lgc.load(fixture_path(name)).graph.graph["source"]["lut_ranks"])
        top = np.sort(fixture_vectors(name)["scores"], axis=1)
        assert (top[:, -1] == top[:, -2]).any()
    assert ranks == {1, 2, 3, 4, 5, 6}
    small = read(fixture_path("dwn_small_n123"))._modules
    assert (small["2"]._parameters["luts"] == 0).sum() >= 2 and small["1"].ste is False


def test_luts_are_lsb_first_and_zero_entries_give_zero(tmp_path):
    """One hand-made 3-input LUT: the address bit l is input l, entries 0.0 and -0.0 give 0."""
    entries = torch.tensor([[0.5, -0.5, 0.0, 1.0, -0.0, -1.0, 0.25, -0.25]])

    def edit(m):
        layer = m[2]
        layer.n, layer.input_size, layer.output_size = 3, 30, 1
        layer.luts = torch.nn.Parameter(entries)
        layer.mapping = torch.nn.Parameter(torch.tensor([[7, 3, 12]], dtype=torch.int32),
                                           requires_grad=False)
        m[3].k = 1
    path = edit_dwn(fixture_path("dwn_small_n123"), tmp_path / "one.pt", edit)
    netlist = lgc.load(path)
    layer = netlist.logic_layers()[-1]
    assert netlist.graph.nodes[layer]["fanin"].tolist() == [[7, 3, 12]]
    assert int(netlist.graph.nodes[layer]["tt"][0]) == 0b01001001  # rows 0, 3, 6 are > 0


def test_learnable_mapping_reads_the_argmax_columns():
    layer = read(fixture_path("dwn_mixed"))._modules["0"]
    selected = layer._modules["mapping"]._parameters["weights"].argmax(axis=0)
    dummy = layer._parameters["_LUTLayer__dummy_mapping"]
    assert dummy.tolist() == np.arange(600).reshape(100, 6).tolist()
    netlist = lgc.load(fixture_path("dwn_mixed"))
    assert np.array_equal(netlist.graph.nodes["layer1"]["fanin"], selected.reshape(100, 6))


def test_group_columns():
    assert [g.tolist() for g in group_columns(5, 2)] == [[0, 1, 2], [3, 4]]
    assert [g.tolist() for g in group_columns(3, 2, np.array([2, -3, 1]))] == [[2, 0], [1]]
    assert [g.tolist() for g in group_columns(2, 4)] == [[0], [1], [], []]
    with pytest.raises(LgcError, match="randperm holds an index outside -3..2"):
        group_columns(3, 2, np.array([0, 3]))


@pytest.mark.parametrize("name", THERMOMETERS)
@pytest.mark.parametrize("given", ["thermometer", "npy", "json", "inline", "list"])
def test_thermometer_encodings(tmp_path, name, given):
    v = fixture_vectors(name)
    thresholds = v["thresholds"]
    value = {"thermometer": fixture_path(name, ".thermometer.pt"),
             "npy": tmp_path / "t.npy", "json": tmp_path / "t.json",
             "inline": json.dumps(thresholds.tolist()), "list": thresholds.tolist()}[given]
    np.save(tmp_path / "t.npy", thresholds)
    (tmp_path / "t.json").write_text(json.dumps(thresholds.tolist()))
    netlist = lgc.load(fixture_path(name), encoding=value)
    enc = netlist.graph.graph["encoding"]
    assert enc["n_features"] == v["raw"].shape[1]
    bits = v["raw"][:, enc["feature"]] > np.asarray(enc["threshold"], dtype=np.float32)
    assert np.array_equal(bits, v["x"])
    ref = reference(fixture_path(name), raw=v["raw"], encoding=enc)
    assert np.array_equal(ref.scores, v["scores"])


def test_float64_thresholds_round_down():
    """A float64 threshold t between two float32 values: x > t for float32 x is x > the lower
    one."""
    t = float(np.float32(1.5)) + 2.0 ** -30              # just above 1.5, not a float32
    netlist = lgc.load(fixture_path("dwn_small_n123"), encoding=[[0.0, 0.5, 1.0, t, 2.0]])
    assert netlist.graph.graph["encoding"]["threshold"][3] == 1.5   # 1.5 > t is false, as it must
    x = np.float32(1.5)
    assert not x > t and not x > 1.5 and np.nextafter(x, np.float32(2)) > t


def test_a_float32_thermometer_is_kept_exactly():
    v = fixture_vectors("dwn_mixed")
    enc = lgc.load(fixture_path("dwn_mixed"), encoding=v["thresholds"]).graph.graph["encoding"]
    assert np.array_equal(np.float32(enc["threshold"]), v["thresholds"].reshape(-1))


@pytest.mark.full
@pytest.mark.skipif(not DWN_DIGITS, reason="LGC_DWN_DIGITS names the 15 MB digits fixture")
def test_the_digits_model():
    v = dict(np.load(DWN_DIGITS.removesuffix(".pt") + ".vectors.npz"))
    netlist = lgc.load(DWN_DIGITS, encoding=v["thresholds"])
    scores, pred = netlist.evaluate(v["x"])
    assert np.array_equal(pred, v["scores"].argmax(axis=1))
    assert np.array_equal(scores, np.rint(v["scores"].astype(np.float64) * netlist.tau))
    assert np.array_equal(reference(DWN_DIGITS, raw=v["raw"],
                                    encoding=netlist.graph.graph["encoding"]).pred,
                          v["scores"].argmax(axis=1))


# --- bad input -------------------------------------------------------------------------------

def _set(index, **attrs):
    def edit(m):
        for key, value in attrs.items():
            setattr(m[index], key, value)
    return edit


def _mapping(index, value):
    def edit(m):
        m[index].mapping = torch.nn.Parameter(value, requires_grad=False)
    return edit


def _luts(index, value):
    def edit(m):
        with torch.no_grad():
            m[index].luts[0, 0] = value
    return edit


@pytest.mark.parametrize("edit, message", [
    (_set(0, n=7), "n = 7: lgc compiles LUTs of 1..6 inputs"),
    (_mapping(0, torch.full((40, 1), 30, dtype=torch.int32)),
     "mapping holds an index outside 0..29"),
    (_mapping(0, torch.zeros((40, 2), dtype=torch.int32)),
     "mapping must be integer [40, 1], got [40, 2]"),
    (_luts(2, float("nan")), "luts hold NaN or infinity"),
    (_set(2, ste=False), "the last LUTLayer has ste=False"),
    (_set(3, randperm=torch.tensor([0, 22])), "randperm holds an index outside -22..21"),
    (_set(3, randperm=5), "randperm must be a 1-d integer tensor"),
    (_set(1, input_size=41), "module 1 (LUTLayer) reads 41 bits but gets 40"),
    (lambda m: torch.nn.Sequential(*list(m)[:3]), "no GroupSum"),
    (lambda m: torch.nn.Sequential(m[0], m[1], m[3], m[2]),
     "module 3 (LUTLayer) follows the GroupSum"),
])
def test_bad_models_are_refused(tmp_path, edit, message):
    path = edit_dwn(fixture_path("dwn_small_n123"), tmp_path / "bad.pt", edit)
    with pytest.raises(LgcError) as info:
        lgc.load(path)
    assert message in str(info.value)


def test_bad_learnable_layers(tmp_path):
    def dummy(m):
        m[0]._parameters["_LUTLayer__dummy_mapping"] = torch.nn.Parameter(
            torch.full((100, 6), 600, dtype=torch.int32), requires_grad=False)
    with pytest.raises(LgcError, match="_LUTLayer__dummy_mapping holds an index outside 0..599"):
        lgc.load(edit_dwn(fixture_path("dwn_mixed"), tmp_path / "a.pt", dummy))

    def weights(m):
        m[0].mapping.weights = torch.nn.Parameter(torch.zeros(72, 5))
    with pytest.raises(LgcError, match=r"learnable mapping weights must be float \[72, 600\]"):
        lgc.load(edit_dwn(fixture_path("dwn_mixed"), tmp_path / "b.pt", weights))


@pytest.mark.parametrize("change, message", [
    (lambda s: s["layers"][3].update(randperm=45), "randperm must list the permutation itself"),
    (lambda s: s["layers"][0].update(n=5), "the spec says n 5, the state_dict's tensors 6"),
    (lambda s: s["layers"][1].update(mapping="learnable"), "the spec says mapping 'learnable'"),
    (lambda s: s["layers"][0].pop("input_size"), "needs input_size"),
    (lambda s: s["layers"].pop(1), "the spec has 2 LUTLayer(s), the state_dict 3"),
    (lambda s: s["layers"][1].update(mapping="tensor"),
     "mapping must be one of random, arange, learnable"),
    (lambda s: s["layers"][0].update(foo=1), "unknown key(s) foo"),
    (lambda s: s["layers"][2].update(type="LogicDense"),
     "dwn specs know LUTLayer, GroupSum, Flatten"),
    (lambda s: s["layers"].__setitem__(2, "Flatten"), "layer 2 must be an object with a type"),
])
def test_bad_specs(change, message):
    spec = json.loads(fixture_path("dwn_mixed", ".arch.json").read_text())
    change(spec)
    with pytest.raises(LgcError) as info:
        lgc.load(fixture_path("dwn_mixed", ".state_dict.pt"), arch=spec)
    assert message in str(info.value)


def test_state_dict_without_spec_says_what_to_give():
    line = error_line(run_lgc("inspect", fixture_path("dwn_tabular_small", ".state_dict.pt")))
    assert "a state_dict of a torch-dwn model" in line and "--arch" in line


def test_bad_encodings(tmp_path):
    def unfitted(t):
        t.thresholds = None
    path = edit_dwn(fixture_path("dwn_mixed", ".thermometer.pt"), tmp_path / "t.pt", unfitted)
    with pytest.raises(LgcError, match="a thermometer that was never fitted"):
        lgc.load(fixture_path("dwn_mixed"), encoding=path)
    with pytest.raises(LgcError, match="make 70 entries|cannot tell the raw input's shape"):
        lgc.load(fixture_path("dwn_mixed"), encoding=[[1.0] * 7] * 10)
    (tmp_path / "bad.npy").write_bytes(b"not numpy")
    with pytest.raises(LgcError, match="cannot read .* as a .npy array"):
        lgc.load(fixture_path("dwn_mixed"), encoding=tmp_path / "bad.npy")
    with pytest.raises(LgcError, match="holds no thresholds"):
        lgc.load(fixture_path("dwn_mixed"), encoding=fixture_path("dwn_mixed"))


def test_inspect_shows_a_dwn_model():
    result = run_lgc("inspect", fixture_path("dwn_mixed"), "--encoding",
                     fixture_path("dwn_mixed", ".thermometer.pt"))
    assert result.returncode == 0, result.stderr
    assert "dwn model (lut), 72 inputs, 4 classes, tau 1.5" in result.stdout
    assert "DistributiveThermometer" in result.stdout
