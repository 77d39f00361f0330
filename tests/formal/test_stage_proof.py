"""`lgc verify --method stages`: the proof at the gate stages' registers (lgc/formal/stage_proof.py)
on a random model compiled to three gate stages, and its refutations of the middle stage edited
by hand: a gate inverted, two register bits swapped, a register bit wrong on one vector in 2**20
of its inputs (random vectors miss it: SAT finds it)."""

import json
import re
import shutil

import numpy as np
import pytest

import lgc
from lgc.compile import compile_model
from tests.support.cli import error_line, run_lgc
from tests.support.models import save_difflogic_model

MIDDLE = "lgc_gates_s2.v"
# a register of the stage: `always @(posedge clk) o[HI:LO] <= {a, b, ...};` (or all of o)
REGISTER = r"^    always @\(posedge clk\) o(?:\[(\d+):(\d+)\])? <= \{([^;]*)\};$"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stages")
    model = save_difflogic_model(folder / "random.pt", 256, [600] * 5, seed=1)
    compile_model(str(model), str(folder / "build"), layers_per_stage=1)
    assert (folder / "build" / "rtl" / "lgc_gates_s3.v").exists()  # three gate stages at least
    return folder / "build"


@pytest.fixture
def build(built, tmp_path):
    return shutil.copytree(built, tmp_path / "build")


def edit(path, pattern, replace):
    file = path / "rtl" / MIDDLE
    text = file.read_text()
    match = re.search(pattern, text, flags=re.M)
    assert match, pattern
    file.write_text(text[:match.start()] + replace(match) + text[match.end():])


def refuted(path):
    """`lgc verify --method stages` fails with a counterexample that the PyTorch reference
    confirms (its scores are the spec's, not the RTL's); the report section."""
    result = run_lgc("-q", "verify", path, "--method", "stages")
    assert "not proven equivalent" in error_line(result)
    section = json.loads((path / "report.json").read_text())["verify"]
    cex = section["counterexample"]
    assert cex["reference_scores"] == cex["spec_scores"] != cex["rtl_scores"]
    x = np.load(path / "verify" / "counterexample.npz")["x"]
    assert lgc.load(path / "model.pt").evaluate(x)[0][0].tolist() == cex["reference_scores"]
    return section


def test_the_stages_are_proven(built):
    result = run_lgc("verify", built, "--method", "stages", "--json")
    assert result.returncode == 0, result.stderr
    section = json.loads(result.stdout)
    assert section["equivalent"] and section["method"] == "stages"
    assert [p["stage"] for p in section["parts"]] == list(range(1, len(section["parts"]) + 1))
    assert all(p["verdict"] == "proven" and p["bits"] > 0 for p in section["parts"])


def test_a_gate_of_the_middle_stage_inverted(build):
    edit(build, r"^    wire (layer\d+_\d+) = (.*);$", lambda m: f"    wire {m.group(1)} = ~({m.group(2)});")
    refuted(build)


def test_a_register_bit_of_the_middle_stage_swapped_with_its_neighbour(build):
    # neighbours from different layers (two group bits of one class would count the same)
    def swap(m):
        items = [t.strip() for t in m.group(3).split(",")]
        layer = [re.match(r"layer\d+|i\[", t) if ":" not in t else None for t in items]
        layer = [found and found.group(0) for found in layer]
        a = next(j for j in range(len(items) - 1) if None != layer[j] != layer[j + 1] != None)
        items[a], items[a + 1] = items[a + 1], items[a]
        return m.group(0).replace(m.group(3), ", ".join(items))
    edit(build, REGISTER, swap)
    refuted(build)


def test_a_difference_on_one_vector_in_2_to_the_20_in_the_middle_stage(build):
    def rare(m):
        width = int(m.group(1)) - int(m.group(2)) + 1 if m.group(1) else None
        target = f"o[{m.group(1)}:{m.group(2)}]" if width else "o"
        zeros = f"{width - 1}'d0" if width else "{($bits(o) - 1){1'b0}}"
        return (f"    always @(posedge clk) {target} <= {{{m.group(3)}}} ^ "
                f"{{{zeros}, &{{i[9:0], ~i[19:10]}}}};")
    edit(build, REGISTER, rare)
    section = refuted(build)
    assert section["refinements"] >= 1  # the random vectors missed it: ABC found it


def test_a_register_bit_of_the_middle_stage_a_clock_late(build):
    def late(m):
        items = [t.strip() for t in m.group(3).split(",")]
        items[0], first = "late", items[0]
        return (f"    reg late;\n    always @(posedge clk) late <= {first};\n"
                + m.group(0).replace(m.group(3), ", ".join(items)))
    edit(build, REGISTER, late)
    line = error_line(run_lgc("-q", "verify", build, "--method", "stages"))
    assert "not proven equivalent" in line and "leave after different numbers of registers: [1, 2]" in line
