"""interface.json against the Verilog it describes: every top's ports (names, directions,
widths) as the written modules declare them, and the score fields' arithmetic."""

import json
import re

import numpy as np
import pytest

from lgc.compile import compile_model
from lgc.ir import Netlist
from tests.support.fixtures import fixture_path


def verilog_ports(path, module):
    """{name: (direction, width)} of `module`'s ports in a Verilog file yosys wrote."""
    text = path.read_text()
    body = re.search(rf"^module {module}\(.*?^endmodule", text, flags=re.S | re.M).group(0)
    return {name: (direction + "put", int(high) + 1 if high else 1) for direction, high, name in
            re.findall(r"^\s*(in|out)put (?:\[(\d+):0\] )?(\w+);", body, flags=re.M)}


@pytest.mark.parametrize("name, tops", [
    ("difflogic_untrained_ties", {"lgc_core", "lgc_axis"}),
    ("torchlogix_zoo_learnable_thresholds", {"lgc_core", "lgc_encoded", "lgc_axis"})])
def test_ports_match_the_verilog(tmp_path, name, tops):
    report = compile_model(fixture_path(name), tmp_path / "b", axis_width=16)
    interface = json.loads((tmp_path / "b" / "interface.json").read_text())
    assert interface == report["interface"]
    assert set(interface["tops"]) == tops
    for top, spec in interface["tops"].items():
        declared = verilog_ports(tmp_path / "b" / "rtl" / f"{top}.v", top)
        assert declared == {p["name"]: (p["direction"], p["width"]) for p in spec["ports"]}, top
        assert spec["latency"] == (report["rtl"]["axis"] if top == "lgc_axis" else
                                   report["rtl"].get("encoder", {}) if top == "lgc_encoded"
                                   else report["rtl"])["latency"]
    scores = interface["scores"]
    assert interface["classes"] * scores["width"] == report["rtl"]["ports"]["out_scores"]
    out = interface["tops"]["lgc_axis"]["output"]
    assert out["scores"][1] - out["scores"][0] == report["rtl"]["ports"]["out_scores"]
    assert out["tdata_width"] % 8 == 0 and out["scores"][1] <= out["tdata_width"]
    lowest, highest = scores["range"]
    assert -(2 ** (scores["width"] - scores["signed"])) <= lowest <= highest < \
        2 ** (scores["width"] - scores["signed"])


def test_the_encoding_is_described_bit_by_bit(tmp_path):
    report = compile_model(fixture_path("torchlogix_zoo_learnable_thresholds"), tmp_path / "b")
    encoding = Netlist.load(tmp_path / "b" / "netlist.npz").graph.graph["encoding"]
    described = report["interface"]["input"]["encoding"]
    assert described["feature"] == list(encoding["feature"])
    assert np.array_equal(np.float32(described["threshold"]), np.float32(encoding["threshold"]))
    assert described["input_format"]["name"] == "u8"
    assert report["interface"]["tops"]["lgc_encoded"]["latency"] == \
        report["interface"]["tops"]["lgc_core"]["latency"] + 1
