"""`lgc stream` against a board stand-in on a pseudo-terminal.

The stand-in answers like the UART top: it reads ceil(n_inputs/8) bytes per vector (unpacked here
with numpy, LSB first, independently of lgc's framing code) and writes back the class the netlist
computes. The framing itself is checked against the RTL in the cocotb test of the board top.
"""

import os
import shutil
import threading
import tty

import numpy as np
import pytest

import lgc
from lgc.build import BuildDir
from lgc.deploy.stream import stream
from lgc.ir.storage import save
from tests.support.cli import run_lgc
from tests.support.fixtures import fixture_path, fixture_vectors

MODEL = "difflogic_untrained_ties"


def make_board_build(path, model):
    """A build directory of a real model, as lgc compile and lgc synth --board leave it (the
    encoded top's ports when the model has an input encoding)."""
    netlist = lgc.load(model)
    build = BuildDir(path)
    os.makedirs(build.path)
    shutil.copy(model, build.model_path)
    save(netlist, build.netlist_path)
    ports = {"out_scores": 8 * netlist.n_classes, "out_class": 4}
    rtl = {"top": "lgc_core", "score_width": 8, "files": [],
           "ports": {"in_bits": netlist.n_inputs, **ports}}
    encoding = netlist.graph.graph.get("encoding")
    if encoding:
        rtl["encoder"] = {"top": "lgc_encoded",
                          "ports": {"in_raw": 8 * encoding["n_features"], **ports}}
    build.update_report(rtl=rtl, board={"name": "ulx3s-85f", "baud": 115200})
    return build


@pytest.fixture
def build(tmp_path):
    return make_board_build(tmp_path / "build", fixture_path(MODEL))


class FakeBoard(threading.Thread):
    """Answers each vector on the master side of a pty with its class (or a wrong one at `lie`).
    For a model with an input encoding it reads one byte per raw feature and binarizes them
    itself (numpy's float32 `>`)."""

    def __init__(self, netlist, lie=None):
        super().__init__(daemon=True)
        self.netlist, self.lie = netlist, lie
        self.encoding = netlist.graph.graph.get("encoding")
        self.master, slave = os.openpty()
        tty.setraw(slave)
        self.port = os.ttyname(slave)
        self.slave = slave
        self.answered = 0

    def run(self):
        enc = self.encoding
        n_bytes = enc["n_features"] if enc else -(-self.netlist.n_inputs // 8)
        pending = b""
        while True:
            try:
                pending += os.read(self.master, 4096)
            except OSError:
                return
            while len(pending) >= n_bytes:
                frame, pending = pending[:n_bytes], pending[n_bytes:]
                data = np.frombuffer(frame, np.uint8)
                bits = (data[enc["feature"]].astype(np.float32) > np.float32(enc["threshold"])) \
                    if enc else np.unpackbits(data, bitorder="little")
                _, pred = self.netlist.evaluate(bits[None, :self.netlist.n_inputs])
                answer = int(pred[0]) ^ (1 if self.answered == self.lie else 0)
                os.write(self.master, bytes([answer]))
                self.answered += 1


def _vectors(tmp_path, n):
    path = tmp_path / "in.npz"
    np.savez(path, x=fixture_vectors(MODEL)["x"][:n])
    return path


def test_stream_compares_the_boards_classes_with_pytorch(build, tmp_path):
    board = FakeBoard(lgc.Netlist.load(build.netlist_path))
    board.start()
    result, classes, ref = stream(build.path, board.port, _vectors(tmp_path, 200))
    assert result["vectors"] == 200 == result["agree"] and result["differ"] == []
    assert result["bytes_per_vector"] == 32 and np.array_equal(classes, ref)
    assert build.report()["stream"]["agree"] == 200


def test_stream_reports_a_disagreeing_board(build, tmp_path):
    board = FakeBoard(lgc.Netlist.load(build.netlist_path), lie=7)
    board.start()
    out = run_lgc("stream", build.path, "--port", board.port, "--vectors", _vectors(tmp_path, 20))
    assert out.returncode == 1
    assert "19 classes == PyTorch, 1 differ" in out.stdout
    assert out.stderr.strip().endswith("disagrees with PyTorch on 1 of 20 vectors (first: [7])")


def test_a_silent_port_times_out_with_one_clear_line(build, tmp_path):
    master, slave = os.openpty()
    tty.setraw(slave)
    out = run_lgc("stream", build.path, "--port", os.ttyname(slave), "--vectors",
                  _vectors(tmp_path, 3), "--timeout", "0.3")
    assert out.returncode == 1
    assert "answered 0 of 3 vectors within 0.3 s of the line time" in \
        out.stderr.strip().splitlines()[-1]


def test_stream_needs_a_board_build(tmp_path):
    from tests.support.standin_core import make_build
    build = make_build(tmp_path / "b")
    out = run_lgc("stream", build.path, "--port", "loop://", "--vectors", tmp_path / "x.npz")
    assert out.returncode == 1 and "built for no board" in out.stderr


def test_stream_sends_raw_bytes_for_a_model_with_an_input_encoding(tmp_path):
    build = make_board_build(tmp_path / "zoo", fixture_path("torchlogix_zoo_fixed"))
    board = FakeBoard(lgc.Netlist.load(build.netlist_path))
    board.start()
    v = fixture_vectors("torchlogix_zoo_fixed")
    np.savez(tmp_path / "raw.npz", raw=v["raw"][:100])            # float32 pixels 0..16
    result, classes, ref = stream(build.path, board.port, tmp_path / "raw.npz")
    assert result["vectors"] == 100 == result["agree"] and result["bytes_per_vector"] == 64
    assert result["input"] == "raw features" and np.array_equal(classes, ref)
    # the board takes raw features only; bits, or floats the encoder cannot take, are refused
    np.savez(tmp_path / "bits.npz", x=v["x"][:3])
    np.savez(tmp_path / "floats.npz", raw=v["raw"][-3:])
    for path, message in ((tmp_path / "bits.npz",
                           "takes the model's raw features (unsigned integer features of 8 bits "
                           "(0..255)); give them as `raw`"),
                          (tmp_path / "floats.npz", "takes unsigned integer features of 8 bits")):
        out = run_lgc("stream", build.path, "--port", board.port, "--vectors", path)
        assert out.returncode == 1 and message in out.stderr.strip().splitlines()[-1]
    # --quantize rounds them instead, and says what rounding changed against PyTorch on the floats
    out = run_lgc("stream", build.path, "--port", board.port, "--vectors", tmp_path / "floats.npz",
                  "--quantize")
    assert out.returncode == 0, out.stderr
    rounding = build.report()["stream"]["quantization"]
    assert rounding["vectors"] == 3 and rounding["features_rounded"] > 0
    assert f"{rounding['features_rounded']} features rounded" in out.stdout
