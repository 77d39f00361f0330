"""`lgc verify`: a formal proof that a build's RTL (from `lgc compile`) computes the model's scores
and class for every input, and a counterexample when it does not: a gate of the RTL edited by
hand, a copy of the model with one gate changed, a difference on 1 input vector in 2**20 that
random vectors miss, a pipeline made unbalanced."""

import dataclasses
import json
import re
import shutil

import numpy as np
import pytest
import torch

import lgc
from lgc.build import BuildDir
from lgc.compile import compile_model
from lgc.formal.proof import prove
from lgc.rtl import Plan
from lgc.synth.devices import FAMILIES
from tests.support import mutants
from tests.support.cli import error_line, run_lgc
from tests.support.fixtures import DATA, DIFFLOGIC_FIXTURES, fixture_path, quick_or_full
from tests.support.mutants import edit
from tests.support.torchfiles import change_gate, edit_dwn

MODEL = "difflogic_untrained_ties"
TORCHLOGIX = sorted(p.name[:-3] for p in DATA.glob("torchlogix_*.pt")
                    if not p.name.endswith(".state_dict.pt"))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    # a register after every gate level (the tests below edit it); the popcount as the default
    # clock target places its sums
    path = tmp_path_factory.mktemp("build") / "ties"
    compile_model(str(fixture_path(MODEL)), str(path), layers_per_stage=1)
    return path


@pytest.fixture
def build(built, tmp_path):
    """A fresh copy of the build, to break."""
    return shutil.copytree(built, tmp_path / "ties")


def verify_section(path):
    return json.loads((path / "report.json").read_text())["verify"]


# The test model compiles to one gate stage: lgc_gates_s1 reads the live input bits (port i) and
# holds the register the popcount reads, `o <= {...}`: every bit of it is a group bit.
GATES = "lgc_gates_s1.v"
GROUP_BITS = r"^    always @\(posedge clk\) o <= \{([^;]*)\};$"
# The popcount's first stage: per class, sums of group bits, `wire [W:0] cC_1_J = a + b + ...;`
POPCOUNT = "lgc_popcount_s1.v"
# a bit last
FIRST_SUM = r"^    wire \[\d+:0\] c\d+_1_\d+ = (.*) \+ (\{\d+'d0, i\[\d+\]\}|i\[\d+\]);$"


# make test: three of the quick fixtures (the others' proofs run in make test-full)
@pytest.mark.parametrize("name", quick_or_full(DIFFLOGIC_FIXTURES + TORCHLOGIX, [
    "difflogic_untrained_ties", "torchlogix_conv_channels", "torchlogix_residual_projection"]))
def test_compiled_fixtures_are_proven(tmp_path, name):
    compile_model(str(fixture_path(name)), str(tmp_path / "b"))
    result = run_lgc("-q", "verify", tmp_path / "b")
    assert result.returncode == 0, result.stderr
    assert "for every input: proven in" in result.stdout and result.stderr == ""
    section = verify_section(tmp_path / "b")
    rtl = json.loads((tmp_path / "b" / "report.json").read_text())["rtl"]
    assert section["equivalent"] and section["latency"] == rtl["latency"] and section["pairs"] > 0
    assert section["total_seconds"] > 0 and "prove_group_bits" in section["seconds"]


@pytest.mark.parametrize("name",
                         quick_or_full(TORCHLOGIX, ["torchlogix_conv_tree", "torchlogix_residual"]))
def test_state_dict_builds_are_proven_with_their_recorded_spec(tmp_path, name):
    # verify reads the state_dict with the architecture spec the build recorded
    compile_model(str(fixture_path(name, ".state_dict.pt")), str(tmp_path / "b"),
                  load_options={"arch": str(next(DATA.glob(f"{name}.arch.*")))})
    assert run_lgc("-q", "verify", tmp_path / "b").returncode == 0


def test_a_changed_gate_inside_a_residual_block_is_refuted(tmp_path):
    arch = str(DATA / "torchlogix_residual.arch.toml")
    compile_model(str(fixture_path("torchlogix_residual", ".state_dict.pt")), str(tmp_path / "b"),
                  load_options={"arch": arch})
    state = torch.load(fixture_path("torchlogix_residual", ".state_dict.pt"))
    # the root gate of kernel 1 in the second tree, complemented
    state["1.main.2.tree_weights.1"][0, 1] *= -1
    torch.save(state, tmp_path / "changed.pt")
    result = run_lgc("-q", "verify", tmp_path / "b", "--model", tmp_path / "changed.pt",
                     "--arch", arch)
    assert "not proven equivalent" in error_line(result)
    cex = verify_section(tmp_path / "b")["counterexample"]
    assert cex["spec_scores"] != cex["rtl_scores"]


def test_one_gate_of_the_rtl_edited_by_hand(build):
    # the first layerN_i among the group bits the register holds, inverted (layerN_i are a
    # layer's widest gates, two-input here; layerN_kM_i the M-input ones the passes split off)
    held = re.search(GROUP_BITS, (build / "rtl" / GATES).read_text(), flags=re.M).group(1)
    gate = re.search(r"\blayer\d+_\d+\b", held).group(0)
    edit(build, GATES, rf"^    wire {gate} = (.*);$",
         lambda m: f"    wire {gate} = ~({m.group(1)});")
    result = run_lgc("-q", "verify", build)
    assert "not proven equivalent" in error_line(result)
    cex = verify_section(build)["counterexample"]
    # the vector runs through the PyTorch reference and the RTL: they disagree, the spec agrees
    assert cex["reference_scores"] == cex["spec_scores"] != cex["rtl_scores"]
    x = np.load(build / "verify" / "counterexample.npz")["x"]
    assert "".join(map(str, x[0])) == cex["bits"] and f"in_bits = {cex['bits']}" in result.stdout
    assert lgc.load(fixture_path(MODEL)).evaluate(x)[0][0].tolist() == cex["reference_scores"]


@pytest.mark.parametrize("change", ["an operand left out", "an operand inverted"])
def test_a_compressor_sum_edited_by_hand(build, change):
    # one sum of the popcount's first stage (yosys builds it as a compressor tree)
    if change == "an operand left out":
        edit(build, POPCOUNT, FIRST_SUM, lambda m: m.group(0).replace(f" + {m.group(2)};", ";"))
    else:
        edit(build, POPCOUNT, FIRST_SUM, lambda m: m.group(0).replace(
            f" + {m.group(2)};", " + " + re.sub(r"(i\[\d+\])", r"~\1", m.group(2)) + ";"))
    result = run_lgc("-q", "verify", build)
    assert "not proven equivalent" in error_line(result)
    cex = verify_section(build)["counterexample"]
    assert cex["reference_scores"] == cex["spec_scores"] != cex["rtl_scores"]


def test_a_compressor_sum_too_wide_for_its_bits(build):
    # an operand added twice: the sum no longer fits the bits the next stage reads of it
    edit(build, POPCOUNT, FIRST_SUM, lambda m: m.group(0).replace(
        f" + {m.group(2)};", f" + {m.group(2)} + {m.group(2)};"))
    line = error_line(run_lgc("-q", "verify", build))
    assert "not proven equivalent" in line and "they do not spell" in line


def test_a_comparator_edited_by_hand(build):
    # the first comparator, the sign of left - right (right > left), made the sign of
    # left - right - 1 (right >= left): equal scores go to the higher class
    edit(build, "lgc_argmax.v", r"^  assign difference_1_0 = .*(?=;$)",
         lambda m: m.group(0) + " - 1'b1")
    assert "not proven equivalent" in error_line(run_lgc("-q", "verify", build))
    cex = verify_section(build)["counterexample"]
    assert cex["rtl_scores"] == cex["spec_scores"] and cex["rtl_class"] != cex["spec_class"]
    scores = cex["spec_scores"]   # a tie for the highest score, won by the lowest class
    assert scores.count(max(scores)) > 1 and cex["spec_class"] == scores.index(max(scores))


def test_a_copy_of_the_model_with_one_gate_changed(build, tmp_path):
    other = change_gate(fixture_path(MODEL), tmp_path / "changed.pt", layer=1, gate=5)
    result = run_lgc("-q", "verify", build, "--model", other)
    assert "not proven equivalent" in error_line(result)
    cex = verify_section(build)["counterexample"]
    assert cex["reference_scores"] == cex["spec_scores"] != cex["rtl_scores"]
    x = np.load(build / "verify" / "counterexample.npz")["x"]
    assert lgc.load(other).evaluate(x)[0][0].tolist() == cex["reference_scores"]


def test_a_difference_on_one_input_in_2_to_the_20(build):
    # the last group bit XORed with live input bits 0-9 all 1 and 10-19 all 0: 1 vector in 2**20
    edit(build, GATES, GROUP_BITS, lambda m: f"    always @(posedge clk) o <= {{{m.group(1)}}} ^ "
                                             "{{($bits(o) - 1){1'b0}}, &{i[9:0], ~i[19:10]}};")
    x = np.random.default_rng(0).integers(0, 2, (100_000, 20))
    # 10**5 random vectors miss it
    assert not (x[:, :10].all(axis=1) & ~x[:, 10:].any(axis=1)).any()
    result = run_lgc("-q", "verify", build)
    assert "not proven equivalent" in error_line(result)
    section = verify_section(build)
    assert section["refinements"] >= 1  # the proof's own random vectors missed it too: SAT found it
    cex = section["counterexample"]
    assert cex["reference_scores"] == cex["spec_scores"] != cex["rtl_scores"]
    # in_bits of i[0..19]
    live = Plan(lgc.Netlist.load(BuildDir(build).netlist_path)).logic.boundaries[0][:20]
    assert "".join(cex["bits"][b] for b in live) == "1" * 10 + "0" * 10


def test_an_unbalanced_pipeline_is_not_proven(build):
    # one group bit reaches the popcount a clock later than the others
    edit(build, GATES, GROUP_BITS, lambda m: f"    reg late;\n    always @(posedge clk) late <= "
                                             f"{m.group(1).split(',')[-1].strip()};\n"
                                             f"    always @(posedge clk) o <= "
                                             f"{{{m.group(1).rsplit(',', 1)[0]}, late}};")
    line = error_line(run_lgc("-q", "verify", build))
    assert "unbalanced: the $add at " in line and "crossed 2 and 3 registers" in line
    assert verify_section(build)["equivalent"] is False


def test_a_failed_run_does_not_leave_the_previous_success(build, tmp_path):
    assert run_lgc("-q", "verify", build).returncode == 0
    broken = tmp_path / "broken.pt"
    broken.write_bytes(fixture_path(MODEL).read_bytes()[:5000])
    line = error_line(run_lgc("-q", "verify", build, "--model", broken))
    assert "broken.pt" in line
    assert verify_section(build) == {"failed": line.removeprefix("lgc: error: ")}


def test_a_model_of_another_shape(build):
    line = error_line(run_lgc("-q", "verify", build, "--model",
                              fixture_path("torchlogix_conv_tree")))
    assert "reads 256 input bits, the model 64" in line


def test_the_proof_as_a_function(built, tmp_path):
    rtl = json.loads((built / "report.json").read_text())["rtl"]
    files = [built / "rtl" / f for f in rtl["files"]]
    proof = prove(files, fixture_path(MODEL), tmp_path / "work", latency=rtl["latency"])
    assert proof.equivalent and proof.counterexample is None
    wrong = prove(files, fixture_path(MODEL), tmp_path / "work", latency=rtl["latency"] + 1)
    assert not wrong.equivalent and f"latency of {rtl['latency']} clocks" in wrong.reason


DWN = ["dwn_mixed", "dwn_small_n123", "dwn_gaussian_global", "dwn_tabular_small"]


@pytest.mark.parametrize("name", quick_or_full(DWN, ["dwn_small_n123"]))
def test_dwn_builds_are_proven(tmp_path, name):
    compile_model(str(fixture_path(name)), str(tmp_path / "b"))
    result = run_lgc("-q", "verify", tmp_path / "b")
    assert result.returncode == 0, result.stderr
    section = verify_section(tmp_path / "b")
    assert section["equivalent"] and section["pairs"] > 0
    # dwn_mixed's GroupSum pads 45 outputs to 48: its 3 zero columns are constants of the proof
    assert name != "dwn_mixed" or section["constants"] >= 3


def test_dwn_state_dict_build_is_proven_with_its_recorded_spec(tmp_path):
    compile_model(str(fixture_path("dwn_mixed", ".state_dict.pt")), str(tmp_path / "b"),
                  load_options={"arch": str(fixture_path("dwn_mixed", ".arch.json"))})
    assert run_lgc("-q", "verify", tmp_path / "b").returncode == 0


def test_dwn_gates_as_cofactors_are_proven_and_swapped_cofactors_refuted(tmp_path):
    # iCE40's gate stages write a 5- or 6-input LUT as its cofactors and muxes
    compile_model(str(fixture_path("dwn_mixed")), str(tmp_path / "b"), device="iCE40HX8K")
    assert run_lgc("-q", "verify", tmp_path / "b").returncode == 0
    mutants.swap_cofactors(tmp_path / "b")
    assert "not proven equivalent" in error_line(run_lgc("-q", "verify", tmp_path / "b"))


@pytest.fixture(scope="module")
def dwn_build(tmp_path_factory):
    path = tmp_path_factory.mktemp("dwn") / "mixed"
    compile_model(str(fixture_path("dwn_mixed")), str(path))
    return path


def _swap_randperm(m):
    """Two columns of different classes swapped in the GroupSum's randperm."""
    perm = m[3].randperm.clone()
    perm[0], perm[-1] = perm[-1].item(), perm[0].item()
    m[3].randperm = perm


def _flip_a_lut(m):
    """Every entry of one LUT negated: its output inverted wherever it is not exactly 0."""
    with torch.no_grad():
        m[2].luts[7] = -m[2].luts[7]


@pytest.mark.parametrize("change", [pytest.param(_swap_randperm, marks=pytest.mark.full),
                                    _flip_a_lut])
def test_a_dwn_model_changed_is_caught(dwn_build, tmp_path, change):
    other = edit_dwn(fixture_path("dwn_mixed"), tmp_path / "changed.pt", change)
    result = run_lgc("-q", "verify", dwn_build, "--model", other)
    assert "not proven equivalent" in error_line(result)
    cex = verify_section(dwn_build)["counterexample"]
    assert cex["reference_scores"] == cex["spec_scores"] != cex["rtl_scores"]
    x = np.load(dwn_build / "verify" / "counterexample.npz")["x"]
    assert lgc.load(other).evaluate(x)[0][0].tolist() == cex["reference_scores"]


def test_an_input_copy_edited_by_hand(tmp_path, monkeypatch):
    # the input register with copies of bits many gates read (lgc.rtl.fanout; one per 8 readers,
    # which ECP5's data does not set): proven as compiled, refuted with one copy inverted (the
    # concatenation starts with the last copy)
    ecp5 = FAMILIES["ecp5"]
    monkeypatch.setitem(FAMILIES, "ecp5", dataclasses.replace(
        ecp5, delays=dataclasses.replace(ecp5.delays, fanout_limit=8)))
    compile_model(str(fixture_path("difflogic_digits_3x600")), str(tmp_path / "b"))
    header = (tmp_path / "b" / "rtl" / "lgc_inputs.v").read_text()
    assert re.search(r"input register \(\d+ bits, [1-9]\d* copies\)", header)
    assert run_lgc("-q", "verify", tmp_path / "b").returncode == 0
    edit(tmp_path / "b", "lgc_inputs.v", r"<= \{(i\[\d+\])", lambda m: f"<= {{~{m.group(1)}")
    assert "not proven equivalent" in error_line(run_lgc("-q", "verify", tmp_path / "b"))


# The popcount beside the last gate stage: torchlogix_conv_channels at the default clock target
# has one gate stage of one LUT level sharing its clock with the first sums; the group bits its
# input register holds are summed beside it, so the first popcount stage reads two boundaries.
@pytest.fixture(scope="module")
def beside_built(tmp_path_factory):
    path = tmp_path_factory.mktemp("beside") / "b"
    compile_model(str(fixture_path("torchlogix_conv_channels")), str(path))
    assert json.loads((path / "report.json").read_text())["rtl"]["popcount_early_bits"] > 0
    return path


@pytest.mark.parametrize("method", ["whole", "stages"])
def test_a_popcount_reading_two_boundaries_is_proven(beside_built, method):
    result = run_lgc("-q", "verify", beside_built, "--method", method)
    assert result.returncode == 0, result.stderr
    assert verify_section(beside_built)["equivalent"]


@pytest.mark.parametrize("method", ["whole", "stages"])
@pytest.mark.parametrize("change", ["an operand left out", "an operand inverted"])
def test_a_sum_beside_the_last_gate_stage_edited_by_hand(beside_built, tmp_path, method, change):
    build = shutil.copytree(beside_built, tmp_path / "b")
    mutants.break_early_sum(build, invert=change == "an operand inverted")
    line = error_line(run_lgc("-q", "verify", build, "--method", method))
    assert "not proven equivalent" in line
    if method == "stages" and change == "an operand inverted":  # its leaf is no stage's bit
        assert "neither an input bit nor an output bit of a gate stage" in line
        return
    cex = verify_section(build)["counterexample"]
    assert cex["reference_scores"] == cex["spec_scores"] != cex["rtl_scores"]


@pytest.fixture(scope="module")
def carry_save_built(tmp_path_factory):
    path = tmp_path_factory.mktemp("carry_save") / "b"
    compile_model(str(fixture_path("torchlogix_conv_channels")), str(path), target_mhz=150)
    return path


@pytest.mark.parametrize("method", ["whole", "stages"])
def test_a_carry_save_stage_with_a_sum_and_carry_swapped(carry_save_built, tmp_path, method):
    # at 150 MHz the plan's popcount is a carry-save tree; its first stage's register holds every
    # full adder's sum and carry bits, the next stage reads them by position
    assert json.loads((carry_save_built / "report.json").read_text())["rtl"]["popcount_tree"] == \
        "carry-save"
    build = shutil.copytree(carry_save_built, tmp_path / "b")
    mutants.swap_full_adder_bits(build, "lgc_popcount_s1.v")
    line = error_line(run_lgc("-q", "verify", build, "--method", method))
    assert "not proven equivalent" in line and "apart, whose value" in line
