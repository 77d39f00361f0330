import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lgc.errors import LgcError
from lgc.ir import Netlist
from lgc.ir.evaluate import pack_bits, unpack_bits
from lgc.ir.truthtable import DIFFLOGIC_TABLES, msb_first_to_ir, rows, support
from tests.support.netlists import plain_evaluate, random_netlist


def small_netlist():
    # layer1: g0 = x0 and x1, g1 = x1 xor x2, g2 = not x0 ; layer2: h0 = g0 or g1, h1 = g2, h2 = g1
    and_, xor, not_a, or_, a = (DIFFLOGIC_TABLES[i] for i in (1, 6, 12, 7, 3))
    return Netlist.from_layers(
        3, [([and_, xor, not_a], [[0, 1], [1, 2], [0, 0]]),
            ([or_, a, a], [[0, 1], [2, 2], [1, 1]])],
        groups=[[0], [1, 2]], offset=[0, 1], tau=2.0)


def test_difflogic_tables_follow_the_design_convention():
    # bit j = output for A = bit 0 of j, B = bit 1 of j
    assert rows([DIFFLOGIC_TABLES[1]], 2).tolist() == [[False, False, False, True]]   # A and B
    assert rows([DIFFLOGIC_TABLES[2]], 2).tolist() == [[False, True, False, False]]   # A and not B
    assert rows([DIFFLOGIC_TABLES[4]], 2).tolist() == [[False, False, True, False]]   # B and not A
    assert rows([DIFFLOGIC_TABLES[11]], 2).tolist() == [[True, True, False, True]]    # A or not B
    assert rows([DIFFLOGIC_TABLES[13]], 2).tolist() == [[True, False, True, True]]    # not A or B
    assert support(DIFFLOGIC_TABLES, 2).sum(axis=1).tolist() == \
        [0, 2, 2, 1, 2, 1, 2, 2, 2, 2, 1, 2, 1, 2, 2, 0]


def test_msb_first_rows_are_bit_reversed():
    # torchlogix row r = 2*A + B: "A and not B" has row 10 = 2 set; in the IR that is j = 1.
    assert msb_first_to_ir(np.array([[0, 0, 1, 0]])).tolist() == [[0, 1, 0, 0]]
    # rank 3: row r = 4*x0 + 2*x1 + x2; x0 alone (row 4) is IR j = 1
    assert np.flatnonzero(msb_first_to_ir(np.eye(8, dtype=int)[[4]])[0]).tolist() == [1]


def test_small_netlist_scores_by_hand():
    n = small_netlist()
    x = np.array([[0, 0, 0], [1, 1, 0], [1, 0, 1], [0, 1, 1]])
    # g = (x0&x1, x1^x2, !x0); h = (g0|g1, g2, g1); class0 = h0, class1 = h1 + h2 + 1
    scores, pred = n.evaluate(x)
    assert scores.tolist() == [[0, 2], [1, 2], [1, 2], [0, 2]]
    assert pred.tolist() == [1, 1, 1, 1]
    assert n.gate_count() == 6


def test_ties_go_to_the_lowest_class():
    n = Netlist.from_layers(2, [(DIFFLOGIC_TABLES[[3, 5, 3]], [[0, 1], [0, 1], [0, 1]])],
                            groups=[[0], [1], [2]])
    _, pred = n.evaluate([[1, 1], [0, 1], [0, 0]])
    assert pred.tolist() == [0, 1, 0]


@pytest.mark.parametrize("n_samples", [1, 63, 64, 65, 200])
def test_pack_unpack_round_trip(n_samples):
    x = np.random.default_rng(n_samples).integers(0, 2, (n_samples, 37)).astype(np.uint8)
    assert (unpack_bits(pack_bits(x), n_samples) == x).all()


def test_save_load_round_trip(tmp_path):
    rng = np.random.default_rng(3)
    n = random_netlist(rng, 20, [30, 25, 12], [2, 4, 6], 4, skip_prob=0.7)
    n.graph.graph["encoding"] = {"kind": "threshold", "feature": [0, 1], "threshold": [0.5, 1.5]}
    n.save(tmp_path / "n.npz")
    m = Netlist.load(tmp_path / "n.npz")
    assert m.graph.graph == n.graph.graph
    assert sorted(m.graph.edges(data="slot")) == sorted(n.graph.edges(data="slot"))
    for node, attrs in n.graph.nodes(data=True):
        other = m.graph.nodes[node]
        assert other.keys() == attrs.keys()
        for key, value in attrs.items():
            if key == "groups":
                assert all(np.array_equal(a, b) and a.dtype == b.dtype
                           for a, b in zip(value, other[key]))
            elif isinstance(value, np.ndarray):
                assert np.array_equal(value, other[key]) and value.dtype == other[key].dtype
            else:
                assert value == other[key]
    x = rng.integers(0, 2, (100, 20))
    assert np.array_equal(n.evaluate(x)[0], m.evaluate(x)[0])


def test_load_refuses_other_versions(tmp_path):
    import json
    small_netlist().save(tmp_path / "n.npz")
    with np.load(tmp_path / "n.npz") as d:
        arrays = dict(d)
    header = json.loads(bytes(arrays["header"]))
    header["version"] = 999
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), np.uint8)
    np.savez(tmp_path / "old.npz", **arrays)
    with pytest.raises(LgcError, match="version 999"):
        Netlist.load(tmp_path / "old.npz")


@pytest.mark.parametrize("breakage, message", [
    (lambda g: g.nodes["layer1"].update(fanin=g.nodes["layer1"]["fanin"] + 5), "out of range"),
    (lambda g: g.nodes["layer1"].update(tt=g.nodes["layer1"]["tt"] | np.uint64(1 << 9)), "beyond"),
    (lambda g: g.nodes["layer2"].update(fanin=g.nodes["layer2"]["fanin"][:1]), "fanin rows"),
    (lambda g: g.add_edge("layer2", "layer1", slot=1), "cycle"),
    (lambda g: g.nodes["groupsum"].update(offset=np.zeros(3, np.int64)), "offsets"),
    (lambda g: g.nodes["groupsum"].update(tau=0.0), "tau"),
    (lambda g: g.nodes["layer1"].update(fanin=g.nodes["layer1"]["fanin"].astype(np.int64)),
     "int32"),
])
def test_validation_names_the_problem(breakage, message):
    n = small_netlist()
    breakage(n.graph)
    with pytest.raises(LgcError, match=message):
        n.validate()


def test_to_gate_graph():
    gg = small_netlist().to_gate_graph()
    assert sum(1 for _, a in gg.nodes(data=True) if a["op"] == "gate") == 6
    assert gg.nodes[("layer1", 1)]["tt"] == int(DIFFLOGIC_TABLES[6])
    assert set(gg.predecessors(("groupsum", 1))) == {("layer2", 1), ("layer2", 2)}
    assert nx.is_directed_acyclic_graph(gg)


def test_copy_is_independent():
    n = small_netlist()
    m = n.copy()
    m.graph.nodes["layer1"]["tt"][0] = 0
    assert n.graph.nodes["layer1"]["tt"][0] == DIFFLOGIC_TABLES[1]


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_samples=st.integers(1, 150),
       arities=st.lists(st.integers(1, 6), min_size=1, max_size=4), skip=st.booleans())
def test_bit_parallel_evaluator_matches_plain_evaluator(seed, n_samples, arities, skip):
    rng = np.random.default_rng(seed)
    widths = rng.integers(1, 12, len(arities)).tolist()
    n = random_netlist(rng, int(rng.integers(1, 9)), widths, arities, int(rng.integers(1, 5)),
                       skip_prob=0.5 if skip else 0.0)
    x = rng.integers(0, 2, (n_samples, n.n_inputs))
    fast, fast_pred = n.evaluate(x)
    slow, slow_pred = plain_evaluate(n, x)
    assert np.array_equal(fast, slow)
    assert np.array_equal(fast_pred, slow_pred)


def test_vectors_are_checked():
    n = small_netlist()
    with pytest.raises(LgcError, match=r"shape \[N, 3\]"):
        n.evaluate(np.zeros((4, 5)))
    with pytest.raises(LgcError, match="only 0 and 1"):
        n.evaluate(np.full((4, 3), 2))
