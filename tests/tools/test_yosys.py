"""The yosys layer: which engine runs, both engines give the same results, and a failure says what
yosys said."""

import json

import pytest

from lgc.errors import LgcError
from lgc.tools import ToolError, yosys
from lgc.tools.process import last_words

ENGINES = [e for e in yosys.ENGINES if yosys.available(e)]
ADDER = """module add(input [3:0] a, input [3:0] b, output [4:0] y);
  assign y = a + b;
endmodule
"""


def test_the_engine_asked_for_wins_then_the_environment_then_the_jobs_default(monkeypatch):
    monkeypatch.delenv(yosys.ENVIRONMENT, raising=False)
    assert yosys.choose(None, "synth") == yosys.DEFAULTS["synth"]
    monkeypatch.setenv(yosys.ENVIRONMENT, "wasm")
    assert yosys.choose(None, "verify") == "wasm"
    assert yosys.choose("native" if "native" in ENGINES else "wasm", "verify") in ENGINES
    monkeypatch.setenv(yosys.ENVIRONMENT, "fpga")
    with pytest.raises(LgcError, match=r"unknown yosys engine 'fpga' \(from LGC_YOSYS\)"):
        yosys.choose(None, "synth")
    with pytest.raises(LgcError, match=r"unknown yosys engine 'x' \(from --yosys\)"):
        yosys.choose("x", "synth")


@pytest.mark.parametrize("engine", ENGINES)
def test_each_engine_synthesizes_and_reports_its_version(tmp_path, engine):
    (tmp_path / "add.v").write_text(ADDER)
    ys = yosys.Yosys(str(tmp_path), engine)
    ys.run("synth", ["read_verilog add.v", "synth -top add", "tee -q -o stat.json stat -json"])
    cells = json.loads((tmp_path / "stat.json").read_text())["modules"]["\\add"]["num_cells"]
    assert cells > 0
    assert ys.version.endswith(f"({engine})") and "0.70" in ys.version
    assert (tmp_path / "synth.log").stat().st_size > 0 and (tmp_path / "commands.sh").exists()


@pytest.mark.skipif(len(ENGINES) < 2, reason="needs both engines")
def test_both_engines_give_the_same_netlist(tmp_path):
    counts = {}
    for engine in ENGINES:
        folder = tmp_path / engine
        folder.mkdir()
        (folder / "add.v").write_text(ADDER)
        yosys.Yosys(str(folder), engine).run("s", ["read_verilog add.v", "synth -top add",
                                                   "tee -q -o stat.json stat -json"])
        counts[engine] = json.loads((folder / "stat.json").read_text())["modules"]["\\add"]
    assert counts["native"] == counts["wasm"]


@pytest.mark.parametrize("engine", ENGINES)
def test_abc_decides_a_miter_in_each_engine(tmp_path, engine):
    # y = a & b against y = ~(~a | ~b): the miter's output is 0 for all inputs (UNSAT)
    (tmp_path / "m.v").write_text("module m(input a, input b, output bad);\n"
                                  "  assign bad = (a & b) ^ ~(~a | ~b);\nendmodule\n")
    ys = yosys.Yosys(str(tmp_path), engine)
    ys.run("aig", ["read_verilog m.v", "synth -top m", "aigmap", "write_aiger m.aig"])
    ys.abc("cec", ["&r m.aig", "&cec -m", "write_status m.status"])
    assert (tmp_path / "m.status").read_text().startswith("snl_UNSAT")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_failing_script_raises_yosys_own_error_line(tmp_path, engine):
    (tmp_path / "bad.v").write_text("module broken(\n")
    with pytest.raises(ToolError, match=rf"yosys \({engine}\) failed \(exit 1\): .*ERROR: .*syntax "
                                        r"error.* \(log: .*bad\.log\)"):
        yosys.Yosys(str(tmp_path), engine).run("bad", ["read_verilog bad.v"])


def test_last_words_of_a_webassembly_trap():
    tail = ["Traceback (most recent call last):", "  File \"x\", line 1, in <module>",
            "    raise RuntimeError('wasm')",
            "RuntimeError: error while executing at wasm backtrace:",
            "    0: 0x1f2e - abort", "", "Caused by:", "    wasm trap: out of bounds memory access"]
    assert last_words(tail) == ("RuntimeError: error while executing at wasm backtrace: "
                                "wasm trap: out of bounds memory access")
    assert last_words(["a", "ERROR: no such file", "done"]) == "ERROR: no such file"
    assert last_words(["ERROR: Failed to route arc 0.0 of net 'clk'", "0 warnings, 1 error"]) == (
        "ERROR: Failed to route arc 0.0 of net 'clk'")
    assert last_words([]) == "no output"
