"""torchlogix models, saved whole and as state_dict + arch spec: exact scores against the upstream
library's own outputs, the PyTorch reference, hand-computed truth tables, and bad input."""

import json
import pathlib
import tempfile

import numpy as np
import pytest
import torch

import lgc
from lgc.errors import LgcError
from lgc.frontend import luts, unroll
from lgc.ir import Netlist
from lgc.ir.truthtable import DIFFLOGIC_TABLES
from lgc.reference import reference
from tests.support.cli import error_line, run_lgc
from tests.support.fixtures import (
    ENCODED,
    SAVED_AS,
    TORCHLOGIX_FIXTURES,
    arch_of,
    fixture_path,
    fixture_vectors,
    model,
)
from tests.support.models import random_torchlogix_state_dict
from tests.support.netlists import plain_evaluate
from tests.support.torchfiles import save_torchlogix


@pytest.mark.parametrize("saved_as", SAVED_AS)
@pytest.mark.parametrize("name", TORCHLOGIX_FIXTURES)
def test_ir_scores_equal_upstream(name, saved_as):
    path, options = model(name, saved_as)
    netlist = lgc.load(path, **options)
    v = fixture_vectors(name)
    beta = netlist.graph.nodes[netlist.output_node]["beta"]
    scores, pred = netlist.evaluate(v["x"])
    # upstream = (popcount + beta) / tau; the integer scores keep beta out
    assert np.array_equal(scores, np.rint(v["scores"].astype(np.float64) * netlist.tau - beta))
    assert np.array_equal(pred, v["scores"].argmax(axis=1))
    floats = (scores.astype(np.float32) + np.float32(beta)) / np.float32(netlist.tau)
    assert np.array_equal(floats, v["scores"])
    assert netlist.graph.graph["source"]["format"] == "torchlogix"


@pytest.mark.parametrize("saved_as", SAVED_AS)
@pytest.mark.parametrize("name", TORCHLOGIX_FIXTURES)
def test_reference_equals_upstream(name, saved_as):
    path, options = model(name, saved_as)
    v = fixture_vectors(name)
    ref = reference(path, bits=v["x"], **options)
    assert np.array_equal(ref.scores, v["scores"])
    assert np.array_equal(ref.pred, v["scores"].argmax(axis=1))
    if "raw" in v:
        assert np.array_equal(reference(path, raw=v["raw"], **options).scores, v["scores"])


def test_fixtures_have_ties():
    for name in ("torchlogix_dense_warp", "torchlogix_conv_channels", "torchlogix_conv_mixed"):
        top = np.sort(fixture_vectors(name)["scores"], axis=1)
        assert (top[:, -1] == top[:, -2]).mean() > 0.1


@pytest.mark.parametrize("saved_as", SAVED_AS)
@pytest.mark.parametrize("name", ENCODED)
def test_recorded_encoding_gives_the_models_own_bits(name, saved_as):
    path, options = model(name, saved_as)
    enc = lgc.load(path, **options).graph.graph["encoding"]
    v = fixture_vectors(name)
    assert enc["kind"] == "threshold" and enc["n_features"] == v["raw"].shape[1]
    bits = v["raw"][:, enc["feature"]] > np.asarray(enc["threshold"], dtype=np.float32)
    assert np.array_equal(bits, v["x"])
    if "learnable" not in name:  # raw values equal to a threshold occur: strict > gives 0 there
        assert np.isin(v["raw"], np.unique(enc["threshold"])).any()


def test_conv_encoding_records_the_image_shape():
    enc = lgc.load(fixture_path("torchlogix_conv_mixed")).graph.graph["encoding"]
    # channel-wise thresholds [[2, 6, 10]] merged into the channels: bit t*64 + h*8 + w
    assert enc["shape"] == [1, 8, 8]
    assert enc["feature"][:3] == [0, 1, 2] and enc["feature"][64] == 0
    assert enc["threshold"][0] == 2.0 and enc["threshold"][64] == 6.0 \
        and enc["threshold"][128] == 10.0


def digits_test_pixels():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    data = load_digits()
    return train_test_split(data.images.astype(np.float32), data.target, test_size=0.3,
                            random_state=0)[1]


@pytest.mark.parametrize("name, given", [
    ("torchlogix_dense_warp", {"thresholds": [2, 6, 10, 14]}),
    ("torchlogix_conv_channels", {"thresholds": [2, 6], "feature_dim": 1}),
])
def test_user_encoding_of_the_fixtures_inputs(name, given):
    # these fixtures' first 540 rows are scikit-learn's test digits, binarized outside the model
    pixels = digits_test_pixels().reshape(540, -1)
    v = fixture_vectors(name)
    netlist = lgc.load(fixture_path(name), encoding=json.dumps(given))
    enc = netlist.graph.graph["encoding"]
    bits = pixels[:, enc["feature"]] > np.asarray(enc["threshold"], dtype=np.float32)
    assert np.array_equal(bits, v["x"][:540])
    ref = reference(fixture_path(name), raw=pixels, encoding=enc)
    assert np.array_equal(ref.scores, v["scores"][:540])


# --- truth tables by hand: IR bit j is the output when input p carries bit p of j ---------------

def test_raw_gates_by_hand():
    weights = np.zeros((16, 16), np.float32)
    weights[np.arange(16), np.arange(16)] = 1.0
    tt = luts.tables(weights, "raw", 2)
    assert tt[2] == 0b0010   # id 2 "A and not B": only A=1, B=0 (j = 1)
    assert tt[4] == 0b0100   # id 4 "B and not A": only A=0, B=1 (j = 2)
    assert tt[11] == 0b1011  # id 11 "B implies A": all but A=0, B=1
    assert tt[1] == 0b1000 and tt[7] == 0b1110 and tt[6] == 0b0110
    assert np.array_equal(tt, DIFFLOGIC_TABLES)
    # ties: the first maximum wins, as torch.argmax
    assert luts.tables(np.array([[0, 3, 3] + [0] * 13], np.float32), "raw", 2)[0] == 0b1000


def test_light_gates_by_hand():
    # rows MSB-first: (A, B) = 00, 01, 10, 11; only row 10 positive: "A and not B"
    assert luts.tables(np.array([[-1, -1, 1, -1]], np.float32), "light", 2)[0] == 0b0010
    # rank 4: rows x0x1x2x3 = 0101 and 1111 -> IR j = x0 + 2x1 + 4x2 + 8x3 = 10 and 15
    w = -np.ones((1, 16), np.float32)
    w[0, [0b0101, 0b1111]] = 0.5
    assert luts.tables(w, "light", 4)[0] == (1 << 10) | (1 << 15)
    # rank 6: only row 100000 (x0 = 1, the rest 0) -> j = 1; w = 0 is not > 0
    w = np.zeros((1, 64), np.float32)
    w[0, 0b100000] = 1e-30
    assert luts.tables(w, "light", 6)[0] == 0b10


def test_warp_gates_by_hand():
    # torchlogix's Walsh coefficients of AND and of "A and not B" (functional.py's table)
    tt = luts.tables(np.array([[0.5, 0.5, 0.5, -0.5], [0.5, -0.5, 0.5, 0.5]], np.float32),
                     "warp", 2)
    assert tt.tolist() == [0b1000, 0b0010]
    # rank 6: only the coefficient of input 0 (s = 100000), -1: sum = -(1 - 2 x0) < 0 iff x0 = 0
    w = np.zeros((1, 64), np.float32)
    w[0, 0b100000] = -1
    assert luts.tables(w, "warp", 6)[0] == 0x5555555555555555
    # rank 1: sum = w0 + w1 (1 - 2 x0)
    assert luts.tables(np.array([[0.0, -1.0]], np.float32), "warp", 1)[0] == 0b01


def test_warp_sign_follows_the_librarys_float32_order():
    # Row 00: 1 + 1e-8 - 1 - 1e-8 is 0 exactly, but -1e-8 summed left to right in float32
    # (1 + 1e-8 rounds to 1), as the library's forward adds; so the gate outputs 1 there only.
    w = np.array([[1.0, 1e-8, -1.0, -1e-8]], np.float32)
    assert (w.astype(np.float64) * [1, 1, 1, 1]).sum() == 0
    assert luts.tables(w, "warp", 2)[0] == 0b0001
    # and torch's own evaluation of the layer agrees on all four inputs
    spec = {"layers": [{"type": "LogicDense", "in_dim": 2, "parametrization": "warp"},
                       {"type": "GroupSum", "k": 1}]}
    state = {"0.weight": torch.from_numpy(w), "0.connections.indices": torch.tensor([[0], [1]])}
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.uint8)
    assert _frontend_and_reference(state, spec, x)[0][:, 0].tolist() == [1, 0, 0, 0]


def _frontend_and_reference(state, spec, x):
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "model.pt"
        torch.save(state, path)
        netlist = lgc.load(path, arch=spec)
        scores, _ = netlist.evaluate(x)
        ref = reference(path, bits=x, arch=spec)
    assert np.array_equal(scores, ref.counts)
    return scores, netlist


def test_conv_padding_folds_into_the_gates_by_hand():
    # 1x2x2 input, padding 1, one kernel of one OR gate on window cells (0, 0) and (1, 1):
    # 3x3 positions; at (0, 0) input 0 is padding, at (2, 2) input 1 is.
    positions = np.array([(ph, pw) for ph in range(3) for pw in range(3)])
    leaf = np.zeros((2, 1, 9, 1, 3), np.int64)
    leaf[0, 0, :, 0, :2] = positions
    leaf[1, 0, :, 0, :2] = positions + 1
    or_table = np.array([[DIFFLOGIC_TABLES[7]]], np.uint64)  # [nodes, kernels]
    [(tt, fanin)] = unroll.conv_tree((1, 2, 2), 1, [leaf], [or_table])
    assert (tt[0], fanin[0].tolist()) == (0b1100, [0, 0])  # = input 1 (pixel 0)
    assert (tt[4], fanin[4].tolist()) == (0b1110, [0, 3])  # pixel 0 or pixel 3
    assert (tt[8], fanin[8].tolist()) == (0b1010, [3, 0])  # = input 0 (pixel 3)
    assert (tt[2], fanin[2].tolist()) == (0b0000, [0, 0])  # both inputs in the padding


def test_or_pooling_by_hand():
    layers, shape = unroll.or_pool((2, 3, 3), 2, 1, 1)  # windows of 1, 2 or 4 real pixels
    assert shape == (2, 4, 4) and [f.shape[1] for _, f in layers] == [4]
    x = np.array([[(j >> i) & 1 for i in range(18)] for j in range(0, 1 << 18, 997)], np.uint8)
    padded = np.pad(x.reshape(-1, 2, 3, 3), ((0, 0), (0, 0), (1, 1), (1, 1)))
    expected = np.stack([padded[:, :, i:i + 2, j:j + 2].max(axis=(2, 3))
                         for i in range(4) for j in range(4)], axis=-1).reshape(len(x), -1)
    netlist = Netlist.from_layers(18, layers, groups=[[i] for i in range(32)])
    assert np.array_equal(netlist.evaluate(x)[0], expected)
    assert np.array_equal(plain_evaluate(netlist, x[:50])[0], expected[:50])


def test_wide_pooling_windows_become_or_trees():
    layers, shape = unroll.or_pool((1, 5, 5), 3, 2, 1)
    assert shape == (1, 3, 3) and [f.shape[1] for _, f in layers] == [3, 3]
    x = np.random.default_rng(0).integers(0, 2, (500, 25)).astype(np.uint8)
    padded = np.pad(x.reshape(-1, 5, 5), ((0, 0), (1, 1), (1, 1)))
    expected = np.stack([padded[:, 2 * i:2 * i + 3, 2 * j:2 * j + 3].max(axis=(1, 2))
                         for i in range(3) for j in range(3)], axis=-1)
    netlist = Netlist.from_layers(25, layers, groups=[[i] for i in range(9)])
    assert np.array_equal(netlist.evaluate(x)[0], expected)


# --- random torchlogix-shaped models: the unrolled netlist against torch's forward --------------

def _conv_spec(parametrization, rank, depth, rfs, stride, padding, pool):
    return {"parametrization": parametrization, "layers": [
        {"type": "LogicConv2d", "in_dim": 7, "channels": 3, "num_kernels": 5, "tree_depth": depth,
         "receptive_field_size": rfs, "stride": stride, "padding": padding, "lut_rank": rank},
        {"type": "OrPooling2d", **pool},
        {"type": "Flatten"},
        {"type": "LogicDense", "in_dim": None, "out_dim": 40, "lut_rank": rank},
        {"type": "GroupSum", "k": 4, "tau": 3.0, "beta": 0.25}]}


@pytest.mark.parametrize("parametrization, rank, depth, rfs, stride, padding, pool", [
    ("raw", 2, 3, 3, 1, 1, {"kernel_size": 2, "stride": 2}),
    ("light", 4, 2, 3, 2, 1, {"kernel_size": 3, "stride": 1, "padding": 1}),
    ("warp", 6, 1, 4, 1, 2, {"kernel_size": 2, "stride": 1, "padding": 1}),
    ("warp", 2, 2, 2, 2, 0, {"kernel_size": 1, "stride": 1}),
    ("light", 2, 3, 5, 1, 2, {"kernel_size": 3, "stride": 3, "padding": 1}),
])
def test_random_conv_models_match_the_reference(parametrization, rank, depth, rfs, stride, padding,
                                                 pool):
    spec = _conv_spec(parametrization, rank, depth, rfs, stride, padding, pool)
    out = (7 + 2 * padding - rfs) // stride + 1
    pooled = (out + 2 * pool.get("padding", 0) - pool["kernel_size"]) // pool["stride"] + 1
    spec["layers"][3]["in_dim"] = 5 * pooled * pooled
    state = random_torchlogix_state_dict(spec, seed=rank + depth)
    x = np.random.default_rng(rank).integers(0, 2, (300, 3 * 49)).astype(np.uint8)
    scores, netlist = _frontend_and_reference(state, spec, x)
    assert netlist.graph.graph["source"]["input_shape"] == [3, 7, 7]
    assert len(np.unique(scores, axis=0)) > 10  # the model is not constant


# --- bad input: one clear error -----------------------------------------------------------------

DENSE_SPEC = {"layers": [{"type": "Flatten"}, {"type": "LogicDense", "in_dim": 256, "out_dim": 500},
                         {"type": "LogicDense", "in_dim": 500, "out_dim": 400},
                         {"type": "GroupSum", "k": 10, "tau": 5.0}]}


def _with(changes, spec=DENSE_SPEC):
    spec = json.loads(json.dumps(spec))
    for i, change in changes.items():
        if i == "top":
            spec.update(change)
        else:
            spec["layers"][i].update(change)
    return spec


@pytest.mark.parametrize("spec, message", [
    (_with({1: {"type": "LogicDenser"}}), "torchlogix specs know LogicDense, "),
    (_with({1: {"outdim": 5}}), "unknown key(s) outdim"),
    (_with({"top": {"layer": []}}), "unknown key(s) layer"),
    (_with({3: {"k": 7}}), "equal groups"),
    (_with({3: {"tau": 0}}), "tau"),
    (_with({1: {"out_dim": 499}}), "out_dim 499"),
    (_with({1: {"lut_rank": 4}}), "lut_rank"),
    (_with({1: {"parametrization": "light"}}), "light LUTs of rank 2 have 4"),
    (_with({1: {"in_dim": "256"}}), "must be a number"),
    (_with({2: {"in_dim": 300}}), "reads [300] but gets [500]"),
    (_with({1: {"in_dim": 100}}), "outside 0..99"),
    ({"layers": DENSE_SPEC["layers"][:2] + DENSE_SPEC["layers"][3:]}, "logic layers"),
    ({"layers": [{"type": "LogicDense"}]}, "needs in_dim"),
    ({"layers": ["LogicDense"]}, "layer 0 must be an object with a type"),
    ({"layers": [{"type": ["LogicDense"]}]}, "has type ['LogicDense']; torchlogix specs know"),
    ({"layers": []}, "non-empty list"),
    ({"format": "difflogic", "layers": DENSE_SPEC["layers"]}, "torchlogix or dwn models"),
])
def test_bad_specs(spec, message):
    with pytest.raises(LgcError) as e:
        lgc.load(fixture_path("torchlogix_dense_raw", ".state_dict.pt"), arch=spec)
    assert message in str(e.value)


def _state_dict(tmp_path, name, edit):
    from lgc.frontend import torchfile

    state = {k: torch.from_numpy(np.array(v)) for k, v in torchfile.read(
        fixture_path(name, ".state_dict.pt")).items()}
    edit(state)
    torch.save(state, tmp_path / "m.pt")
    return tmp_path / "m.pt"


@pytest.mark.parametrize("name, edit, message", [
    ("torchlogix_dense_raw", lambda s: s["1.weight"].__setitem__((3, 4), float("nan")), "NaN"),
    ("torchlogix_dense_raw", lambda s: s["1.weight"].__setitem__((3, 4), float("inf")), "infinity"),
    ("torchlogix_dense_raw", lambda s: s.update({"1.weight": s["1.weight"][:, :8]}),
     "light or warp"),
    ("torchlogix_dense_raw", lambda s: s.update({"1.weight": s["1.weight"].long()}),
     "must be float"),
    ("torchlogix_dense_raw", lambda s: s["1.connections.indices"].__setitem__((0, 0), 256),
     "outside"),
    ("torchlogix_dense_raw", lambda s: s["1.connections.indices"].__setitem__((0, 0), -1),
     "outside"),
    ("torchlogix_dense_raw", lambda s: s.pop("2.connections.indices"), "no 2.connections.indices"),
    ("torchlogix_dense_raw", lambda s: s.update({"9.running_mean": torch.zeros(3)}),
     "9.running_mean"),
    ("torchlogix_conv_channels",
     lambda s: s["0.connections._indices_L0"].__setitem__((0, 0, 0, 0, 2), 2),
     "outside the padded 2x8x8"),
    ("torchlogix_conv_channels", lambda s: s["0.connections._indices_L1"].__setitem__((0, 0), 5),
     "outside 0..1"),
    ("torchlogix_conv_channels",
     lambda s: s.update({"0.tree_weights.1": s["0.tree_weights.1"][:, :4]}),
     "connections"),
])
def test_broken_state_dicts(tmp_path, name, edit, message):
    path = _state_dict(tmp_path, name, edit)
    with pytest.raises(LgcError) as e:
        lgc.load(path, arch=arch_of(name))
    assert message in str(e.value) and str(path) in str(e.value)


def test_conv_then_dense_needs_a_flatten(tmp_path):
    spec = json.loads(json.dumps(
        lgc.load(fixture_path("torchlogix_conv_channels", ".state_dict.pt"),
                 arch=arch_of("torchlogix_conv_channels")).graph.graph["source"]["arch"]))
    del spec["layers"][2]
    with pytest.raises(LgcError, match="put a Flatten before it"):
        lgc.load(fixture_path("torchlogix_conv_channels", ".state_dict.pt"), arch=spec)


def test_3d_or_pooling_equals_max_pool3d():
    layers, shape = unroll.or_pool((2, 3, 4, 5), (2, 3, 2), (1, 2, 2), (1, 1, 0))
    x = np.random.default_rng(1).integers(0, 2, (300, 120)).astype(np.uint8)
    expected = torch.nn.functional.max_pool3d(
        torch.tensor(x, dtype=torch.float32).reshape(-1, 2, 3, 4, 5),
        (2, 3, 2), (1, 2, 2), (1, 1, 0))
    assert shape == tuple(expected.shape[1:])
    netlist = Netlist.from_layers(120, layers, groups=[[i] for i in range(expected[0].numel())])
    assert np.array_equal(netlist.evaluate(x)[0], expected.flatten(1).numpy())


def test_transposed_conv_reads_its_dilated_input():
    # 1 channel of 3 pixels, stride 2, output padding 1, padded by 1: the connections see
    # [0, p0, 0, p1, 0, p2, 0, 0, 0]; one leaf reads positions q and q + 1 at each of 7 positions
    positions = np.arange(7)
    leaf = np.zeros((2, 1, 7, 1, 3), np.int64)
    leaf[0, 0, :, 0, 1], leaf[1, 0, :, 0, 1] = positions, positions + 1
    or_table = np.array([[DIFFLOGIC_TABLES[7]]], np.uint64)
    [(tt, fanin)] = unroll.conv_tree((1, 1, 3), (0, 1), [leaf], [or_table], dilation=(1, 2),
                                     output_padding=(0, 1))
    x = np.array([[(j >> i) & 1 for i in range(3)] for j in range(8)], np.uint8)
    netlist = Netlist.from_layers(3, [(tt, fanin)], groups=[[i] for i in range(7)])
    seen = np.zeros((8, 9), np.uint8)
    seen[:, 1:6:2] = x
    assert np.array_equal(netlist.evaluate(x)[0], seen[:, :-2] | seen[:, 1:-1])


def test_residual_paths_must_agree(tmp_path):
    spec = json.loads(arch_of("torchlogix_residual_projection").read_text())
    spec["layers"][0]["main"][3].update(kernel_size=1, stride=1)  # main no longer downsamples
    with pytest.raises(LgcError,
                       match=r"the main path gives \[4, 4, 4\], the shortcut \[4, 2, 2\]"):
        lgc.load(fixture_path("torchlogix_residual_projection", ".state_dict.pt"), arch=spec)


@pytest.mark.parametrize("block, message", [
    ({"main": [], "shortcut": []}, "main must be a non-empty list"),
    ({"main": [{"type": "Flatten"}], "in_dim": 8}, "not both"),
    ({"in_dim": 8, "in_channels": 4}, "needs out_channels"),
    ({"in_dim": 8, "in_channels": 4, "out_channels": 4, "downsample": 1}, "true or false"),
    ({"main": [{"type": "Conv"}]}, "layer 0.main.0 has type 'Conv'"),
])
def test_bad_residual_block_specs(block, message):
    spec = {"layers": [{"type": "ResidualLogicBlock", **block}, {"type": "GroupSum", "k": 2}]}
    with pytest.raises(LgcError, match=message):
        lgc.load(fixture_path("torchlogix_residual", ".state_dict.pt"), arch=spec)


def test_pooling_padding_beyond_half_the_kernel():
    with pytest.raises(LgcError, match="at most half the kernel"):
        unroll.or_pool((1, 4, 4), 2, 2, 2)


def _set(attr, value, layer=0):
    return lambda layers, gs: setattr(layers[layer], attr, value)


@pytest.mark.parametrize("edit, message", [
    (lambda layers, gs: layers[0].weight.data.__setitem__((0, 0), float("nan")), "NaN"),
    (lambda layers, gs: delattr(layers[1], "parametrization"), "no LUT parametrization"),
    (lambda layers, gs: layers[1].connections.indices.__setitem__((1, 2), 12), "outside 0..11"),
    (_set("out_dim", 11), "12 LUTs for out_dim 11"),
    (_set("lut_rank", 4), "rank 4"),
    (_set("export_mode", True), "export mode"),
    (lambda layers, gs: setattr(gs, "k", 3), "equal groups"),
    (lambda layers, gs: setattr(gs, "beta", float("nan")), "beta"),
])
def test_broken_whole_models(tmp_path, edit, message):
    with pytest.raises(LgcError) as e:
        lgc.load(save_torchlogix(tmp_path / "m.pt", edit=edit))
    assert message in str(e.value)


def test_whole_model_stand_in_is_valid(tmp_path):
    path = save_torchlogix(tmp_path / "m.pt")
    netlist = lgc.load(path)
    x = np.random.default_rng(0).integers(0, 2, (100, 16)).astype(np.uint8)
    assert np.array_equal(netlist.evaluate(x)[0], reference(path, bits=x).counts)


def test_options_that_do_not_apply():
    with pytest.raises(LgcError, match="whole model: arch is only for state_dicts"):
        lgc.load(fixture_path("torchlogix_dense_raw"), arch=DENSE_SPEC)
    with pytest.raises(LgcError, match="carries its own input encoding"):
        lgc.load(fixture_path("torchlogix_zoo_fixed"), encoding={"thresholds": [1]})
    with pytest.raises(LgcError, match="unknown option"):
        lgc.load(fixture_path("torchlogix_dense_raw"), archh=DENSE_SPEC)
    with pytest.raises(LgcError, match="one entry for each of the model's 256 input bits"):
        lgc.load(fixture_path("torchlogix_dense_raw"), encoding={"feature": [0], "threshold": [1]})


# --- the CLI ------------------------------------------------------------------------------------

def test_cli_state_dict_without_spec_says_what_to_pass():
    line = error_line(run_lgc("inspect", fixture_path("torchlogix_conv_tree", ".state_dict.pt")))
    assert "torchlogix" in line and "--arch" in line


def test_cli_light_or_warp_needs_the_option():
    path = fixture_path("torchlogix_dense_warp", ".state_dict.pt")
    spec = json.dumps({"layers": [{"type": "Flatten"}, {"type": "LogicDense", "in_dim": 256},
                                  {"type": "LogicDense", "in_dim": 400},
                                  {"type": "GroupSum", "k": 10}]})
    assert "--parametrization" in error_line(run_lgc("inspect", path, "--arch", spec))
    result = run_lgc("inspect", path, "--arch", spec, "--parametrization", "warp")
    assert result.returncode == 0, result.stderr
    assert "torchlogix model (warp)" in result.stdout and "state_dict" in result.stdout


def test_cli_reports_format_parametrization_and_encoding():
    result = run_lgc("inspect", fixture_path("torchlogix_conv_mixed"), "--json")
    info = json.loads(result.stdout)
    assert info["source"]["format"] == "torchlogix"
    assert info["source"]["parametrization"] == "light/warp" \
        and info["source"]["lut_ranks"] == [2, 4, 6]
    assert info["encoding"].endswith("FixedBinarization") and info["beta"] == 0.5


def test_cli_bad_spec_file(tmp_path):
    (tmp_path / "spec.toml").write_text("[[layers]\ntype = 1\n")
    line = error_line(run_lgc("inspect", fixture_path("torchlogix_dense_raw", ".state_dict.pt"),
                              "--arch", tmp_path / "spec.toml"))
    assert "not valid TOML" in line
    line = error_line(run_lgc("inspect", fixture_path("torchlogix_dense_raw", ".state_dict.pt"),
                              "--arch", tmp_path / "missing.json"))
    assert "cannot read" in line


# --- binarization layouts of images feeding a Flatten (DlgnCifar10Dwn's feature_dim=1) -----------

def _image_dense_spec(thresholds, levels):
    return {"layers": [
        {"type": "FixedBinarization", "thresholds": thresholds, "feature_dim": 1},
        {"type": "Flatten"},
        {"type": "LogicDense", "in_dim": 3 * levels * 16, "out_dim": 60},
        {"type": "GroupSum", "k": 3}]}


def test_channel_thresholds_of_images_before_a_flatten(tmp_path):
    thresholds = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]  # [C, T]: viewed as [1, C, 1, 1, T]
    spec = _image_dense_spec(thresholds, 2)
    torch.save(random_torchlogix_state_dict(spec), tmp_path / "m.pt")
    netlist = lgc.load(tmp_path / "m.pt", arch=spec)
    enc = netlist.graph.graph["encoding"]
    raw = np.random.default_rng(0).integers(0, 8, (200, 3, 4, 4)).astype(np.float32)
    # torch: [N, 3, 4, 4, 2] merged into the channels: bit (c*T + t)*16 + h*4 + w
    expected = np.stack([raw[:, c] > thresholds[c][t] for c in range(3) for t in range(2)], axis=1)
    flat = raw.reshape(200, -1)
    assert np.array_equal(flat[:, enc["feature"]] > np.asarray(enc["threshold"], np.float32),
                          expected.reshape(200, -1))
    ref = reference(tmp_path / "m.pt", raw=flat, encoding=enc, arch=spec)
    assert np.array_equal(netlist.evaluate(expected.reshape(200, -1))[0], ref.counts)


def test_global_thresholds_of_images_need_the_input_shape(tmp_path):
    spec = _image_dense_spec([1.0, 2.0], 2)
    torch.save(random_torchlogix_state_dict(spec), tmp_path / "m.pt")
    with pytest.raises(LgcError, match="give input_shape"):
        lgc.load(tmp_path / "m.pt", arch=spec)
    enc = lgc.load(tmp_path / "m.pt", arch=spec, input_shape=(3, 4, 4)).graph.graph["encoding"]
    assert enc["shape"] == [3, 4, 4]
    assert enc["feature"][:17] == list(range(16)) + [0] and enc["threshold"][16] == 2.0


def test_netlist_with_spec_and_encoding_round_trips(tmp_path):
    path, options = model("torchlogix_conv_mixed", "state_dict")
    netlist = lgc.load(path, **options)
    netlist.save(tmp_path / "n.npz")
    again = Netlist.load(tmp_path / "n.npz")
    assert again.graph.graph == netlist.graph.graph
    # the recorded spec re-reads the file: the reference needs nothing else
    v = fixture_vectors("torchlogix_conv_mixed")
    ref = reference(path, raw=v["raw"], encoding=again.graph.graph["encoding"],
                    arch=again.graph.graph["source"]["arch"])
    assert np.array_equal(ref.scores, v["scores"])


@pytest.mark.parametrize("given, message", [
    ({"thresholds": "two"}, "thresholds must be a non-empty list of numbers"),
    ({"thresholds": [[1, 2], [3]]}, "thresholds must be a non-empty list of numbers"),
    ({"thresholds": []}, "thresholds must be a non-empty list of numbers"),
    ({"thresholds": [1.0, 2.0, 3.0], "feature_dim": 1}, "cannot tell the raw input's shape"),
    ({"feature": [0.5] * 256, "threshold": [1] * 256},
     "feature must be a non-empty list of integers"),
    ({"feature": [0] * 256, "threshold": [float("nan")] * 256}, "finite"),
    ({"thresholds": [1.0], "levels": 3}, "unknown key(s) levels"),
    ("{not json", "inline JSON is malformed"),
])
def test_bad_encoding_options(given, message):
    with pytest.raises(LgcError) as e:
        lgc.load(fixture_path("torchlogix_dense_raw"), encoding=given)
    assert message in str(e.value)


@pytest.mark.parametrize("given, message", [
    ({"thresholds": [[1.0, 2.0]] * 3, "feature_dim": 1},
     "thresholds [3, 2] do not fit an input of shape [1, 8, 8]"),
    ({"thresholds": [1.0], "feature_dim": 5}, "does not name a feature axis"),
    ({"thresholds": [1.0, 2.0, 3.0], "feature_dim": 1}, "3 threshold levels cannot make 2 entries"),
])
def test_bad_encoding_options_of_images(given, message):
    with pytest.raises(LgcError) as e:
        lgc.load(fixture_path("torchlogix_conv_channels"), encoding=given)
    assert message in str(e.value)


def test_bad_thresholds_in_a_spec():
    spec = _with({0: {"thresholds": [[1], [2, 3]]}}, {"layers": [{"type": "FixedBinarization"}] +
                                                     DENSE_SPEC["layers"]})
    with pytest.raises(LgcError, match="thresholds must be a non-empty list of numbers"):
        lgc.load(fixture_path("torchlogix_dense_raw", ".state_dict.pt"), arch=spec)
