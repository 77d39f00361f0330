"""The hardware input encoder: every byte value against torch's float `>`, in Amaranth's
simulator."""

import numpy as np
import pytest
import torch
from amaranth.sim import Simulator

import lgc
from lgc.errors import LgcError
from lgc.reference import forward, load_model
from lgc.rtl import input_format
from lgc.rtl.encoder import Encoder
from tests.support.fixtures import EDGE_THRESHOLDS, fixture_path, fixture_vectors


def simulate(encoder, raw_rows):
    """out_bits for each row of integer features, one per clock (and out_valid one cycle later)."""
    outputs = []

    async def bench(ctx):
        for row in raw_rows:
            word = sum(int(v) << (f * encoder.width) for f, v in enumerate(row))
            ctx.set(encoder.in_raw, word)
            ctx.set(encoder.in_valid, 1)
            await ctx.tick()
            assert ctx.get(encoder.out_valid) == 1
            bits = ctx.get(encoder.out_bits)
            outputs.append([(bits >> i) & 1 for i in range(len(encoder.feature))])
        ctx.set(encoder.in_valid, 0)
        await ctx.tick()
        assert ctx.get(encoder.out_valid) == 0

    sim = Simulator(encoder)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    return np.array(outputs, dtype=np.uint8)


def test_every_byte_against_torchs_float_compare():
    learned = lgc.load(
        fixture_path("torchlogix_zoo_learnable_thresholds")).graph.graph["encoding"]["threshold"]
    thresholds = EDGE_THRESHOLDS + learned
    encoder = Encoder({"feature": [0] * len(thresholds), "threshold": thresholds, "n_features": 1})
    raw = np.arange(256)[:, None]
    expected = (torch.arange(256, dtype=torch.float32)[:, None]
                > torch.tensor(thresholds, dtype=torch.float32))
    assert np.array_equal(simulate(encoder, raw), expected.numpy())


def test_model_encoding_in_hardware_equals_the_librarys_binarization():
    # the conv fixture's FixedBinarization on [N, 1, 8, 8] byte images, laid out by torch itself
    netlist = lgc.load(fixture_path("torchlogix_conv_mixed"))
    encoder = Encoder(netlist.graph.graph["encoding"])
    raw = np.random.default_rng(0).integers(0, 256, (40, 64))
    raw[:, :8] = np.arange(8) * 2  # hit the thresholds 2, 6, 10 exactly
    binarization = load_model(fixture_path("torchlogix_conv_mixed"))[0]  # read by torch itself
    bits = forward(binarization, torch.tensor(raw, dtype=torch.float32).reshape(40, 1, 8, 8))
    assert np.array_equal(simulate(encoder, raw), bits.flatten(1).numpy())
    # and those bits are what the model's own vectors hold for its byte-valued pixels
    v = fixture_vectors("torchlogix_conv_mixed")
    whole = v["raw"] == np.round(v["raw"])
    rows = np.flatnonzero(whole.all(axis=1))[:20]
    assert np.array_equal(simulate(encoder, v["raw"][rows].astype(np.int64)), v["x"][rows])


def test_comparator_constants():
    u8 = input_format.parse("u8")
    assert input_format.constants(u8, [2.5, 2.0, -0.5, -3.0, 300.0, 254.5]).tolist() == \
        [2, 2, -1, -1, 255, 254]
    with pytest.raises(LgcError, match="finite"):
        input_format.constants(u8, [float("nan")])
