"""`lgc verify --method stages`: the proof at the gate stages' registers (lgc/formal/stage_proof.py)
on a random model compiled to three gate stages, and its refutations of the middle stage edited
by hand: a gate inverted, two register bits swapped, a register bit wrong on one vector in 2**20
of its inputs (random vectors miss it: SAT finds it)."""

import json
import shutil

import numpy as np
import pytest
import torch

import lgc
from lgc.compile import compile_model
from tests.support import mutants
from tests.support.cli import error_line, run_lgc
from tests.support.models import clgn_mnist_spec, random_torchlogix_state_dict, save_difflogic_model

MIDDLE = "lgc_gates_s2.v"


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


def refuted(path, load_options=None):
    """`lgc verify --method stages` fails with a counterexample that the PyTorch reference
    confirms (its scores are the spec's, not the RTL's); the report section."""
    result = run_lgc("-q", "verify", path, "--method", "stages")
    assert "not proven equivalent" in error_line(result)
    section = json.loads((path / "report.json").read_text())["verify"]
    cex = section["counterexample"]
    assert cex["reference_scores"] == cex["spec_scores"] != cex["rtl_scores"]
    x = np.load(path / "verify" / "counterexample.npz")["x"]
    model = lgc.load(path / "model.pt", **(load_options or {}))
    assert model.evaluate(x)[0][0].tolist() == cex["reference_scores"]
    return section


def test_the_stages_are_proven(built):
    result = run_lgc("verify", built, "--method", "stages", "--json")
    assert result.returncode == 0, result.stderr
    section = json.loads(result.stdout)
    assert section["equivalent"] and section["method"] == "stages"
    assert [p["stage"] for p in section["parts"]] == list(range(1, len(section["parts"]) + 1))
    assert all(p["verdict"] == "proven" and p["bits"] > 0 for p in section["parts"])


def test_a_gate_of_the_middle_stage_inverted(build):
    mutants.invert_gate(build, MIDDLE)
    refuted(build)


def test_a_register_bit_of_the_middle_stage_swapped_with_its_neighbour(build):
    mutants.swap_register_bits(build, MIDDLE)
    refuted(build)


def test_a_difference_on_one_vector_in_2_to_the_20_in_the_middle_stage(build):
    mutants.rare_difference(build, MIDDLE)
    section = refuted(build)
    assert section["refinements"] >= 1  # the random vectors missed it: ABC found it


def test_a_comparator_edited_by_hand(build):
    # the argmax is proven on the rest's core with its score fields cut free, of which only the
    # cone of the outputs goes to yosys: right > left made right >= left
    mutants.edit(build, "lgc_argmax.v", r"^  assign difference_1_0 = .*(?=;$)",
                 lambda m: m.group(0) + " - 1'b1")
    line = error_line(run_lgc("-q", "verify", build, "--method", "stages"))
    assert "not proven equivalent" in line and "argmax disagrees" in line


def test_a_register_bit_of_the_middle_stage_a_clock_late(build):
    mutants.late_register_bit(build, MIDDLE)
    line = error_line(run_lgc("-q", "verify", build, "--method", "stages"))
    assert "not proven equivalent" in line \
        and "leave after different numbers of registers: [1, 2]" in line


def test_a_rerun_reuses_the_verdict_and_the_unchanged_stages(build):
    verify = lambda: json.loads(run_lgc("verify", build, "--method", "stages", "--json").stdout)
    first = verify()  # (reused already when the build was proven before it was copied)
    again = verify()
    assert first["equivalent"] and again["reused"] and again["parts"] == first["parts"]
    made = lambda: [p.stat().st_mtime_ns for p in sorted((build / "verify").glob("stage?.aig"))]
    before = made()
    mutants.invert_gate(build, MIDDLE)  # a changed stage: proven again, its AIG remade
    section = refuted(build)
    assert not section["reused"]
    assert [a == b for a, b in zip(before, made())] == [True, False, True]


def small_clgn_mnist():
    """torchlogix's ClgnMnist conv stack (k_num 1) with smaller dense layers: 8k gates whose OR
    pooling over conv trees leaves many nodes nearly constant on random vectors."""
    arch = clgn_mnist_spec(1)
    for layer, (n_in, n_out) in zip(arch["layers"][-4:-1], [(81, 400), (400, 200), (200, 100)]):
        layer["in_dim"], layer["out_dim"] = n_in, n_out
    return arch


@pytest.fixture(scope="module")
def conv_built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("conv")
    arch = small_clgn_mnist()
    torch.save(random_torchlogix_state_dict(arch), folder / "model.pt")
    compile_model(str(folder / "model.pt"), str(folder / "build"), layers_per_stage=2,
                  load_options={"arch": arch})
    assert (folder / "build" / "rtl" / "lgc_gates_s3.v").exists()
    return folder / "build", arch


def test_a_conv_model_with_near_constant_nodes_is_proven(conv_built):
    result = run_lgc("verify", conv_built[0], "--method", "stages", "--json")
    assert result.returncode == 0, result.stderr
    section = json.loads(result.stdout)
    assert section["equivalent"] and all(p["verdict"] == "proven" for p in section["parts"])


@pytest.mark.parametrize("mutant", [pytest.param(mutants.invert_gate, marks=pytest.mark.full),
                                    mutants.rare_difference])
def test_a_conv_model_broken_in_a_stage_is_refuted(conv_built, tmp_path, mutant):
    build = shutil.copytree(conv_built[0], tmp_path / "build")
    mutant(build, "lgc_gates_s1.v" if mutant is mutants.rare_difference else MIDDLE)
    refuted(build, {"arch": conv_built[1]})


def _and_chain(n_inputs, literals, first):
    """AND gates from variable `first` on: literals[0] & literals[1] & ...; (fanins, its
    literal)."""
    fanins, last = [], literals[0]
    for j, lit in enumerate(literals[1:]):
        fanins.append([last, lit])
        last = 2 * (first + j)
    return fanins, last


def test_vectors_are_aimed_at_rare_nodes_that_look_alike(tmp_path):
    # two 20-input ANDs (one of plain, one of inverted inputs): 0 on every random vector, so
    # alike to the matching; the aimed vectors set each of them
    from lgc.formal import aig, stage_proof
    from lgc.tools import yosys

    n = 24
    first = n + 1
    plain, a = _and_chain(n, [2 * (1 + j) for j in range(20)], first)
    inverted, b = _and_chain(n, [2 * (1 + j) + 1 for j in range(4, 24)], first + len(plain))
    graph = aig.canonical(n, np.array(plain + inverted), {"a": [a], "b": [b]})
    keys = stage_proof._Keys()
    x = (np.random.default_rng(0).random((4096, n)) < 0.5).astype(np.uint8)
    words = np.stack([aig.pack(x[:, j]) for j in range(n)])
    keys.add(graph.simulate(words), len(x))
    nodes = [graph.outputs["a"][0], graph.outputs["b"][0]]
    values = aig.unpack(aig.literal_values(graph.simulate(words), np.array(nodes)), len(x))
    assert not values.any()  # the random vectors never set them
    aimed = stage_proof._aimed_vectors(yosys.in_folder(tmp_path, None, "verify"), graph, keys, 0)
    words = np.stack([aig.pack(aimed[:, j]) for j in range(n)])
    values = aig.unpack(aig.literal_values(graph.simulate(words), np.array(nodes)), len(aimed))
    assert values.any(axis=1).all()


def test_the_parts_run_on_a_dask_cluster_given_by_its_address(build):
    from distributed import Client, LocalCluster

    (build / "verify" / "verdict.json").unlink(missing_ok=True)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as local, \
            Client(local) as client:
        result = run_lgc("verify", build, "--method", "stages", "--scheduler",
                         local.scheduler_address, "--json")
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["equivalent"]
        ran = client.run_on_scheduler(lambda dask_scheduler: sorted(dask_scheduler.task_prefixes))
        assert "tool" in ran  # yosys and ABC ran as tasks (stage_proof._tool) of its workers
        mutants.invert_gate(build, MIDDLE)
        assert "not proven equivalent" in error_line(
            run_lgc("-q", "verify", build, "--method", "stages", "--scheduler",
                    local.scheduler_address))


def test_scheduler_applies_to_the_stage_proof_only(built):
    line = error_line(run_lgc("-q", "verify", built, "--method", "whole", "--scheduler", "tcp://127.0.0.1:1"))
    assert "--scheduler hands the parts of the stage proof to a cluster" in line
