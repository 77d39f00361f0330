"""difflogic whole-model pickles: exact scores against the upstream library's own outputs."""

import pickle
import zipfile

import numpy as np
import pytest

import lgc
from lgc.errors import LgcError
from lgc.reference import reference
from tests.support.cli import run_lgc
from tests.support.fixtures import DIFFLOGIC_FIXTURES, fixture_path, fixture_vectors


@pytest.mark.parametrize("name", DIFFLOGIC_FIXTURES)
def test_ir_scores_equal_upstream(name):
    netlist = lgc.load(fixture_path(name))
    v = fixture_vectors(name)
    scores, pred = netlist.evaluate(v["x"])
    assert np.array_equal(scores, np.rint(v["scores"].astype(np.float64) * netlist.tau))
    assert np.array_equal(pred, v["scores"].argmax(axis=1))


@pytest.mark.parametrize("name", DIFFLOGIC_FIXTURES)
def test_reference_equals_upstream(name):
    v = fixture_vectors(name)
    ref = reference(fixture_path(name), bits=v["x"])
    tau = lgc.load(fixture_path(name)).tau
    if "cuda" in name:  # GPU float sums may differ in the last bit: compare the integer counts
        assert np.array_equal(ref.counts, np.rint(v["scores"].astype(np.float64) * tau))
    else:
        assert np.array_equal(ref.scores, v["scores"])
    assert np.array_equal(ref.pred, v["scores"].argmax(axis=1))


def test_fixtures_have_ties():
    v = fixture_vectors("difflogic_untrained_ties")
    top = np.sort(v["scores"], axis=1)
    assert (top[:, -1] == top[:, -2]).mean() > 0.1


def test_gpu_trained_model_loads_on_cpu():
    netlist = lgc.load(fixture_path("difflogic_digits_cuda_3x1000"))
    assert netlist.gate_count() == 3000 and netlist.tau == 10.0
    assert netlist.graph.graph["source"]["format"] == "difflogic"


def test_state_dict_is_refused_with_how_to_save():
    with pytest.raises(LgcError, match=r"state_dict.*indices.*torch\.save\(model"):
        lgc.load(fixture_path("difflogic_state_dict_only"))


def one_error_line(result):
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lgc: error:"), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_cli_refuses_state_dict():
    line = one_error_line(run_lgc("inspect", fixture_path("difflogic_state_dict_only")))
    assert "state_dict" in line


def test_cli_refuses_truncated_file(tmp_path):
    data = fixture_path("difflogic_digits_3x600").read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: len(data) // 2])
    assert "truncated" in one_error_line(run_lgc("inspect", tmp_path / "cut.pt"))


def test_cli_refuses_non_torch_file(tmp_path):
    (tmp_path / "notes.pt").write_text("these are not weights\n")
    assert "not a PyTorch file" in one_error_line(run_lgc("inspect", tmp_path / "notes.pt"))


def torch_zip(path, payload):
    """A file laid out exactly like torch.save's archive, around an arbitrary pickle."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", payload)
        z.writestr("archive/byteorder", "little")
        z.writestr("archive/version", "3\n")


def test_cli_refuses_pickle_that_would_run_code(tmp_path):
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            import os
            return (os.system, (f"touch {marker}",))

    torch_zip(tmp_path / "evil.pt", pickle.dumps(Exploit(), protocol=2))
    line = one_error_line(run_lgc("inspect", tmp_path / "evil.pt"))
    assert "refusing to load the global" in line and "system" in line
    assert not marker.exists()


def test_lgc_nn_model_loads_with_its_encoding(tmp_path):
    import torch

    from lgc.nn import GroupSum, LogicLayer, Thermometer

    gen = torch.Generator().manual_seed(5)
    model = torch.nn.Sequential(Thermometer([[0.5, 1.5]] * 6), LogicLayer(12, 40, generator=gen),
                                LogicLayer(40, 30, connections="unique", generator=gen),
                                GroupSum(3, 2.0)).eval()
    torch.save(model, tmp_path / "m.pt")
    netlist = lgc.load(tmp_path / "m.pt")
    enc = netlist.graph.graph["encoding"]
    assert enc["feature"][:4] == [0, 0, 1, 1] and enc["threshold"][:2] == [0.5, 1.5]
    raw = torch.randint(0, 3, (300, 6)).float()
    bits = model[0](raw).numpy().astype(np.uint8)
    with torch.no_grad():
        expected = model(raw).numpy()
    scores, pred = netlist.evaluate(bits)
    assert np.array_equal(scores, np.rint(expected * 2.0))
    assert np.array_equal(pred, expected.argmax(axis=1))
    ref = reference(tmp_path / "m.pt", raw=raw.numpy())
    assert np.array_equal(ref.scores, expected) and np.array_equal(ref.counts, scores)
