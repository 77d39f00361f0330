"""Each pass on small hand-built netlists: exactly what it removes and rewrites, and that the
scores survive on every input vector. Then the pipeline's API, statistics and verifier."""

import itertools
import json

import numpy as np
import pytest

import lgc
from lgc.errors import LgcError
from lgc.ir.truthtable import table_mask
from lgc.passes import PASSES, VerificationError, run_pipeline
from lgc.passes.gates import Gates
from tests.support.hand_netlists import INVERTER, WIRE, F, build, describe


def every_vector(n):
    return np.array(list(itertools.product([0, 1], repeat=n)), dtype=np.uint8)


def run(name, netlist):
    """The pass's result, after checking it kept every score and left its input alone."""
    x = every_vector(netlist.n_inputs)
    before, described = netlist.evaluate(x)[0], describe(netlist)
    result = PASSES[name](netlist)
    assert describe(netlist) == described, "the pass changed its input netlist"
    assert np.array_equal(result.netlist.validate().evaluate(x)[0], before)
    return result


def test_dead_gates_go_with_the_gates_only_they_read():
    n = build(3, [
        ("layer1", ["input"], [(F["A and B"], [0, 1]), (F["A or B"], [1, 2]), (F["not A"], [0, 0]),
                               (F["A xor B"], [0, 2])]),
        ("layer2", ["layer1"], [(F["A xor B"], [0, 1]), (F["A"], [2, 2]), (F["A and B"], [3, 0])]),
    ], groups=[[0], [0, 2]])
    result = run("dead-gates", n)
    assert describe(result.netlist) == {
        "layer1": [("A and B", ("x0", "x1")), ("A or B", ("x1", "x2")), ("A xor B", ("x0", "x2"))],
        "layer2": [("A xor B", ("layer1[0]", "layer1[1]")),
                   ("A and B", ("layer1[2]", "layer1[0]"))],
        "groups": [["layer2[0]"], ["layer2[0]", "layer2[1]"]], "offset": [0, 0]}
    assert result.changes == 2 and result.statistic == "removed 2 gates that no group reads"


def test_dead_gates_keeps_a_netlist_whose_groups_read_nothing_valid():
    n = build(2, [("layer1", ["input"], [(F["A and B"], [0, 1])])], groups=[[], []], offset=[3, 1])
    result = run("dead-gates", n)
    assert result.netlist.gate_count() == 0
    assert describe(result.netlist) == {"groups": [[], []], "offset": [3, 1]}
    assert result.netlist.evaluate(every_vector(2))[0].tolist() == [[3, 1]] * 4


def test_constants_fold_into_readers_and_flow_on():
    n = build(3, [
        ("layer1", ["input"], [(F["1"], [0, 1]), (F["A xor B"], [0, 1]), (F["0"], [1, 2]),
                               (F["A and B"], [1, 2])]),
        ("layer2", ["layer1"], [(F["A and B"], [0, 1]),       # 1 and g1 -> g1
                                (F["A or B"], [2, 3]),        # 0 or g3  -> g3
                                (F["not (A and B)"], [0, 3]),  # not (1 and g3) -> not g3
                                (F["A xor B"], [1, 3]),       # untouched
                                (F["A or B"], [0, 3])]),      # 1 or g3 -> the constant 1
        ("layer3", ["layer2"], [(F["A xor B"], [4, 3]),       # 1 xor h3 -> not h3
                                (F["A and B"], [0, 1]),
                                (F["A xor B"], [2, 4])]),     # h2 xor 1 -> not h2
    ], groups=[[0, 1], [2, 2]])
    result = run("constants", n)
    assert describe(result.netlist) == {
        "layer1": [("A xor B", ("x0", "x1")), ("A and B", ("x1", "x2"))],
        "layer2": [("A xor B", ("layer1[0]", "layer1[1]"))],
        "layer2.k1": [("wire", ("layer1[0]",)), ("wire", ("layer1[1]",)), ("not", ("layer1[1]",))],
        "layer3": [("A and B", ("layer2.k1[0]", "layer2.k1[1]"))],
        "layer3.k1": [("not", ("layer2[0]",)), ("not", ("layer2.k1[2]",))],
        "groups": [["layer3.k1[0]", "layer3[0]"], ["layer3.k1[1]", "layer3.k1[1]"]],
        "offset": [0, 0]}
    assert result.statistic == "6 constant inputs folded into 6 gates, 1 of which became constant"
    assert n.gate_count() - result.netlist.gate_count() == 3  # both constants and the new one


def test_constants_that_groups_read_stay_for_group_offsets():
    n = build(2, [("layer1", ["input"], [(F["1"], [0, 1]), (F["A"], [0, 1])]),
                  ("layer2", ["layer1"], [(F["A and B"], [0, 0]), (F["A or B"], [1, 0])])],
              groups=[[0, 1]])
    result = run("constants", n)
    assert describe(result.netlist) == {  # "1 and 1" is a constant gate still reading g0
        "layer1": [("1", ("x0", "x1")), ("A", ("x0", "x1"))],
        "layer2": [("1", ("layer1[0]", "layer1[0]")), ("1", ("layer1[1]", "layer1[0]"))],
        "groups": [["layer2[0]", "layer2[1]"]], "offset": [0]}


def test_group_offsets_count_each_constant_one_and_keep_emptied_classes():
    n = build(2, [("layer1", ["input"], [(F["1"], [0, 1]), (F["0"], [0, 1]), (F["A and B"], [0, 1]),
                                         (F["1"], [1, 1])])],
              groups=[[0, 0, 2], [1, 2], [3], [1]], offset=[0, 1, 2, 3])
    result = run("group-offsets", n)
    assert describe(result.netlist) == {
        "layer1": [("A and B", ("x0", "x1"))],
        "groups": [["layer1[0]"], ["layer1[0]"], [], []], "offset": [2, 1, 3, 3]}
    assert result.statistic == ("3 constant-1 bits moved into offsets, 2 constant-0 bits dropped; "
                                "2 groups became entirely constant")


def test_wires_and_inverters_are_read_past():
    n = build(3, [
        ("layer1", ["input"], [(F["A and B"], [0, 1]), (F["A"], [2, 0]), (F["not B"], [0, 1]),
                               (F["A or B"], [1, 2]), (F["A"], [0, 1])]),
        # h0 = g0, h1 = not g0, h2 = x2 xor not x1, h3 = not g3, h4 = g3 and g0, h5 = x0
        ("layer2", ["layer1"], [(F["A"], [0, 3]), (F["not A"], [0, 0]), (F["A xor B"], [1, 2]),
                                (F["not A"], [3, 3]), (F["A and B"], [3, 0]), (F["A"], [4, 4])]),
        # k0 = g0 and not g0, k1 = h2, k2 = nor(not g3, h4), k3 = not h4, k4 = g0, k5 = not g0,
        # k6 = not x0
        ("layer3", ["layer2"], [(F["A and B"], [0, 1]), (F["A"], [2, 2]),
                                (F["not (A or B)"], [3, 4]),
                                (F["not A"], [4, 4]), (F["not A"], [1, 1]), (F["A"], [1, 1]),
                                (F["not B"], [0, 5])]),
    ], groups=[[0, 1], [2, 3, 3], [4, 5], [6]])
    result = run("wires", n)
    assert describe(result.netlist) == {
        "layer1": [("A and B", ("x0", "x1")), ("A or B", ("x1", "x2"))],
        # h2 now reads the inputs (a skip edge); h4 is complemented: groups read it for "not h4"
        "layer2": [("not (A xor B)", ("x2", "x1")), ("not (A and B)", ("layer1[1]", "layer1[0]"))],
        "layer3": [("A and not B", ("layer1[0]", "layer1[0]")),
                   ("A and B", ("layer1[1]", "layer2[1]")),   # k2 with both inversions folded
                   ("not A", ("layer1[0]", "layer1[0]")),     # kept: a group reads g0 plainly too
                   ("not B", ("layer1[0]", "x0"))],           # kept: x0 is an input bit
        "groups": [["layer3[0]", "layer2[0]"], ["layer3[1]", "layer2[1]", "layer2[1]"],
                   ["layer1[0]", "layer3[2]"], ["layer3[3]"]],
        "offset": [0, 0, 0, 0]}
    assert result.statistic == ("5 wires and 5 inverters read past by 13 gate inputs and 4 group "
                                "bits; 1 producers complemented; "
                                "2 group bits still read an inverter")
    assert sorted(result.netlist.skip_edges()) == [  # (source, reader, stages, bits)
        ("input", "layer2", 2, 2), ("input", "layer3", 3, 1), ("layer1", "groupsum", 3, 1),
        ("layer1", "layer3", 2, 2), ("layer2", "groupsum", 2, 2)]


def test_a_group_inverter_of_a_producer_nothing_else_reads_folds_into_it():
    n = build(2, [("layer1", ["input"], [(F["A and B"], [0, 1]), (F["A or B"], [0, 1])]),
                  ("layer2", ["layer1"], [(F["not A"], [0, 1]), (F["A"], [1, 1])])],
              groups=[[0, 1]])
    result = run("wires", n)
    assert describe(result.netlist) == {
        "layer1": [("not (A and B)", ("x0", "x1")), ("A or B", ("x0", "x1"))],
        "groups": [["layer1[0]", "layer1[1]"]], "offset": [0]}


def table(k, f):
    """The IR table of f(inputs...) over k inputs (bit j: input p = bit p of j)."""
    return sum(f(*((j >> p) & 1 for p in range(k))) << j for j in range(1 << k))


def test_unused_inputs_are_dropped_and_repeated_inputs_merged():
    ignores_port_1 = table(4, lambda a, b, c, d: a ^ (c & d))
    parity = table(4, lambda a, b, c, d: a ^ b ^ c ^ d)
    n = build(3, [
        ("layer1", ["input"], [(F["A"], [0, 1]), (F["not B"], [0, 1]), (F["A and B"], [2, 2]),
                               (F["A xor B"], [1, 1]), (F["A or B"], [0, 2])]),
        ("layer2", ["layer1"], [(ignores_port_1, [0, 1, 2, 3]), (parity, [0, 1, 2, 4])]),
    ], groups=[[0, 1]])
    result = run("unused-inputs", n)
    a_xor_b_and_c = table(3, lambda a, b, c: a ^ (b & c))  # the same function of what it uses
    assert describe(result.netlist) == {
        "layer1": [("0", ("x1", "x1")), ("A or B", ("x0", "x2"))],  # a constant keeps its inputs
        "layer1.k1": [("wire", ("x0",)), ("not", ("x1",)), ("wire", ("x2",))],
        "layer2": [(parity, ("layer1.k1[0]", "layer1.k1[1]", "layer1.k1[2]", "layer1[1]"))],
        "layer2.k3": [(a_xor_b_and_c, ("layer1.k1[0]", "layer1.k1[2]", "layer1[0]"))],
        "groups": [["layer2.k3[0]", "layer2[0]"]], "offset": [0]}
    assert result.statistic == ("2 repeated inputs merged, 4 ignored inputs dropped from 5 gates; "
                                "gates by inputs: 1 of 4, 1 of 3, 2 of 2, 3 of 1")


def test_cse_merges_copies_with_inputs_in_any_order_and_keeps_multiplicity():
    n = build(3, [
        ("layer1", ["input"], [(F["A and B"], [0, 1]), (F["A and B"], [1, 0]),
                               (F["A and not B"], [0, 2]), (F["not A and B"], [2, 0]),
                               (F["A and not B"], [2, 0]),  # not a copy: x2 and not x0
                               (F["A or B"], [0, 1])]),
        ("layer2", ["layer1"], [(F["A xor B"], [0, 2]), (F["A xor B"], [3, 1]),
                                (F["A or B"], [4, 5])]),
    ], groups=[[0, 1], [2]])
    result = run("cse", n)
    assert describe(result.netlist) == {
        "layer1": [("A and B", ("x0", "x1")), ("A and not B", ("x0", "x2")),
                   ("A and not B", ("x2", "x0")), ("A or B", ("x0", "x1"))],
        "layer2": [("A xor B", ("layer1[0]", "layer1[1]")), ("A or B", ("layer1[2]", "layer1[3]"))],
        "groups": [["layer2[0]", "layer2[0]"], ["layer2[1]"]], "offset": [0, 0]}
    assert result.statistic == ("3 gates merged into an earlier copy of the same function of the "
                                "same inputs (2 sweeps)")


def test_cse_merges_across_layers_into_the_earlier_copy():
    n = build(2, [("layer1", ["input"], [(F["A and B"], [0, 1]), (F["A or B"], [0, 1])]),
                  ("layer2", ["layer1", "input"], [(F["A and B"], [3, 2]), (F["A xor B"], [0, 1])]),
                  ("layer3", ["layer2"], [(F["A xor B"], [0, 1])])],
              groups=[[0]])
    result = run("cse", n)
    assert describe(result.netlist) == {
        "layer1": [("A and B", ("x0", "x1")), ("A or B", ("x0", "x1"))],
        "layer2": [("A xor B", ("layer1[0]", "layer1[1]"))],
        "layer3": [("A xor B", ("layer1[0]", "layer2[0]"))],
        "groups": [["layer3[0]"]], "offset": [0]}


def test_passes_report_no_change_on_an_optimized_netlist():
    n = build(2, [("layer1", ["input"], [(F["A and B"], [0, 1]), (F["A or B"], [0, 1])])],
              groups=[[0], [1]])
    for name in PASSES:
        result = run(name, n)
        assert result.changes == 0, name
        assert describe(result.netlist) == describe(n)


def forgets_the_ones(netlist):
    """A planted wrong pass: constant group bits leave, constant-1 bits without adding 1."""
    gates = Gates.of(netlist)
    stays = gates.constants()[gates.bits] < 0
    gates.bits, gates.klass = gates.bits[stays], gates.klass[stays]
    return gates.result(np.count_nonzero(~stays), "constant group bits dropped")


def test_verifier_catches_a_constant_one_folded_without_its_offset(monkeypatch):
    from tests.support.fixtures import fixture_path, fixture_vectors

    netlist = lgc.load(fixture_path("difflogic_untrained_ties"))
    x = fixture_vectors("difflogic_untrained_ties")["x"]
    monkeypatch.setitem(PASSES, "group-offsets", forgets_the_ones)
    with pytest.raises(VerificationError) as caught:
        run_pipeline(netlist, vectors=x)
    expected = netlist.evaluate(x[:1])[0][0]
    # constants first made some group bits constant; the first vector already loses their ones
    assert isinstance(caught.value, LgcError)
    message = str(caught.value)
    assert message.startswith(f"pass 'group-offsets' changed the scores on {len(x) + 1024} of "
                              f"{len(x) + 1024} vectors; first: given vector 0, scores before "
                              f"{expected.tolist()}, after [")
    after = json.loads(message.split("after ")[1])
    assert all(a <= b for a, b in zip(after, expected)) and after != expected.tolist()


def loses_inversions(netlist):
    """A planted wrong pass: reads past inverters as if they were wires."""
    gates = Gates.of(netlist)
    inverter = gates.per_id((gates.arity == 1) & (gates.tt == INVERTER), False)
    gates.fanin = np.where(inverter[gates.fanin], np.concatenate(
        [np.zeros(gates.n_inputs, np.int64), gates.fanin[:, 0]])[gates.fanin], gates.fanin)
    return gates.result(1, "inverters read as wires")


def x0_and_not_x2():
    """Class 0 is "x0 and not x2" (through an inverter), class 1 "x1 or not x2"."""
    return build(3, [("layer1", ["input"], [(INVERTER, [2])]),
                     ("layer2", ["layer1", "input"], [(F["A and B"], [0, 1]),
                                                      (F["A or B"], [1, 2])])],
                 groups=[[0], [1]])


def test_verifier_names_the_first_vector_that_differs(monkeypatch):
    # (x0, x1, x2) = 000, 001, ...: class 0 is wrong once inverters are lost, if x0
    x = every_vector(3)
    monkeypatch.setitem(PASSES, "wires", loses_inversions)
    with pytest.raises(VerificationError, match=r"pass 'wires' changed the scores on 4 of 8 "
                       r"vectors; first: given vector 4, scores before \[1, 1\], after \[0, 1\]"):
        run_pipeline(x0_and_not_x2(), passes=["wires"], vectors=x, n_random=0)


def test_large_models_check_a_sample_after_each_pass_and_every_vector_at_the_end(monkeypatch):
    import lgc.passes.check as verify

    monkeypatch.setattr(verify, "PER_PASS_WORK", 1)  # as if the model were huge: 64 per pass
    x = np.zeros((200, 3), np.uint8)
    _, stats = run_pipeline(x0_and_not_x2(), vectors=x, n_random=0)
    assert stats["verification"]["vectors_per_pass"] == 64 and stats["verification"]["final_check"]

    # a wrong pass that only one vector shows, one the per-pass sample leaves out: the check at
    # the end finds it, and the passes run again checking every vector to name the pass
    missed = sorted(set(range(len(x))) - set(verify._evenly(len(x), 64).tolist()))[len(x) // 4]
    x[missed] = [1, 0, 0]
    monkeypatch.setitem(PASSES, "wires", loses_inversions)
    with pytest.raises(VerificationError, match=rf"^pass 'wires' changed the scores on 1 of 200 "
                       rf"vectors; first: given vector {missed}, scores before \[1, 1\], "
                       r"after \[0, 1\]"):
        run_pipeline(x0_and_not_x2(), vectors=x, n_random=0)


def test_unknown_pass_names_list_the_valid_ones():
    n = build(2, [("layer1", ["input"], [(F["A and B"], [0, 1])])], groups=[[0]])
    with pytest.raises(LgcError, match="unknown pass 'inline'; the passes are: dead-gates, "
                                       "constants, group-offsets, wires, unused-inputs, cse"):
        run_pipeline(n, passes="constants,inline")


def test_pipeline_statistics_are_json_ready_and_complete():
    from tests.support.fixtures import fixture_path

    netlist = lgc.load(fixture_path("difflogic_untrained_ties"))
    out, stats = run_pipeline(netlist, passes="dead-gates,constants,group-offsets")
    assert json.loads(json.dumps(stats)) == stats
    assert stats["passes"] == ["dead-gates", "constants", "group-offsets"]
    assert stats["gates_before"] == 320 and stats["gates_after"] == out.gate_count()
    assert stats["removed"] == sum(stats["removed_by_pass"].values())
    assert stats["verification"]["mode"] == "full" \
        and stats["verification"]["random_vectors"] == 1024
    first = stats["applications"][0]
    assert set(first) >= {"pass", "round", "gates_before", "gates_after", "layers_before",
                          "layers_after", "seconds", "changes", "statistic"}
    assert first["layers_before"] == {"layer1": 200, "layer2": 120}
    last_round = [a for a in stats["applications"] if a["round"] == stats["rounds"]]
    assert len(last_round) == 3 and not any(a["changes"] for a in last_round)
    assert sum(len(netlist.graph.nodes[v]["tt"])
               for v in netlist.logic_layers()) == 320  # untouched


def test_optimize_is_exported_and_verification_can_be_off():
    n = build(2, [("layer1", ["input"], [(F["A"], [0, 1]), (F["1"], [0, 1])])], groups=[[0, 1]])
    out = lgc.optimize(n)
    assert describe(out) == {"groups": [["x0"]], "offset": [1]}
    _, stats = run_pipeline(n, verify=False)
    assert stats["verification"] == {"mode": "off"}


def test_huge_models_are_verified_on_a_sample(monkeypatch):
    import lgc.passes.check as verify

    monkeypatch.setattr(verify, "VERIFY_FULL_GATES", 1)
    n = build(2, [("layer1", ["input"], [(F["A and B"], [0, 1]), (F["A"], [0, 1])])],
              groups=[[0, 1]])
    _, stats = run_pipeline(n, vectors=np.zeros((1000, 2), np.uint8))
    assert stats["verification"]["mode"] == "sampled"
    assert stats["verification"]["given_vectors"] == verify.SAMPLED_GIVEN
    assert stats["verification"]["random_vectors"] == verify.SAMPLED_RANDOM


def test_optimized_netlists_save_and_load(tmp_path):
    from lgc.ir import Netlist

    n = build(3, [("layer1", ["input"], [(F["1"], [0, 1]), (F["A and B"], [1, 2]),
                                         (F["A"], [0, 1])]),
                  ("layer2", ["layer1"], [(F["A"], [0, 0]), (F["not A"], [1, 1]),
                                          (F["A xor B"], [1, 2]), (F["B"], [0, 1])])],
              groups=[[0], [1, 2, 3]])
    out = lgc.optimize(n)
    assert describe(out) == {"layer1": [("A and B", ("x1", "x2"))],
                             "layer2": [("A xor B", ("layer1[0]", "x0"))],
                             "layer2.k1": [("not", ("layer1[0]",))],
                             "groups": [[], ["layer2.k1[0]", "layer2[0]", "layer1[0]"]],
                             "offset": [1, 0]}
    out.save(tmp_path / "n.npz")
    back = Netlist.load(tmp_path / "n.npz")
    assert describe(back) == describe(out)
    x = every_vector(3)
    assert np.array_equal(back.evaluate(x)[0], n.evaluate(x)[0])


def test_depths_and_skip_edges():
    n = build(2, [("layer1", ["input"], [(F["A and B"], [0, 1])]),
                  ("layer2", ["layer1"], [(F["not A"], [0, 0])]),
                  ("layer3", ["layer2", "input"], [(F["A or B"], [0, 1]), (F["A xor B"], [1, 2])])],
              groups=[[0, 1]])
    assert n.depths() == {"input": 0, "layer1": 1, "layer2": 2, "layer3": 3, "groupsum": 4}
    assert n.skip_edges() == [("input", "layer3", 3, 2)]


def test_table_helpers_vectorize_over_arity():
    from lgc.ir.truthtable import constant_value, support

    tt = np.array([WIRE, 0b0110, table_mask(3), 0], dtype=np.uint64)
    k = np.array([1, 2, 3, 2])
    assert support(tt, k).tolist() == [[True, False, False], [True, True, False],
                                       [False, False, False], [False, False, False]]
    assert constant_value(tt, k).tolist() == [-1, -1, 1, 0]


def test_inspect_shows_what_the_passes_remove():
    from tests.support.cli import run_lgc
    from tests.support.fixtures import fixture_path

    path = fixture_path("difflogic_digits_3x600")
    shown = run_lgc("inspect", path)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert "optimization: 1800 -> 974 gates (-45.89%) in 3 rounds" in shown.stdout
    assert "verified after every pass on 1024 vectors" in shown.stdout
    assert any(line.split()[:4] == ["round", "1", "wires", "-751"] for line in lines)
    assert "  after: layer1 352, layer2.k1 2, layer2 300, layer3 280, layer3.k1 40" in lines
    as_json = json.loads(run_lgc("inspect", "--json", path).stdout)
    assert as_json["passes"]["gates_after"] == 974 and as_json["gates"] == 1800
    plain = run_lgc("inspect", "--no-opt", path)
    assert "optimization" not in plain.stdout and plain.stdout.strip()
