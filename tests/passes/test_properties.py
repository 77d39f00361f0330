"""Property tests: every pass and the whole pipeline keep the scores of random netlists exactly.

The netlists are small enough to check on every input vector (exhaustive, not sampled), and full of
what passes get wrong: all 16 two-input functions, constants, wires and inverters (chains too),
gates reading one value on two ports, tables ignoring some of up to 6 inputs, copies of gates
with permuted inputs (and look-alikes that are not copies), layers reading several layers back,
groups of odd and tiny sizes that list a gate twice, and classes whose whole group is constant.
"""

import itertools

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lgc.ir import Netlist
from lgc.ir.truthtable import DIFFLOGIC_TABLES, constant_value, support, swap_inputs, table_mask
from lgc.passes import PASSES, run_pipeline
from tests.support.fixtures import FULL

EXAMPLES = 2000 if FULL else 200       # per pass
PIPELINE_EXAMPLES = 5000 if FULL else 500
LARGER_EXAMPLES = 300 if FULL else 30


def special_tables(rng, n, k):
    """n tables of arity k: mostly the functions passes rewrite, some of them random."""
    kind = rng.choice(6, size=n, p=[0.1, 0.25, 0.25, 0.15, 0.15, 0.1])
    tt = (rng.integers(0, 1 << 62, n, dtype=np.uint64) * np.uint64(4)
          + rng.integers(0, 4, n, dtype=np.uint64))
    tt &= table_mask(k)
    j = np.arange(1 << k)
    port = rng.integers(0, k, n)
    projection = (((j[None, :] >> port[:, None]) & 1).astype(np.uint64)
                  << j[None, :].astype(np.uint64))
    projection = projection.sum(axis=1, dtype=np.uint64)
    tt = np.where(kind == 0, rng.choice([np.uint64(0), table_mask(k)], n), tt)       # constant
    tt = np.where(kind == 1, projection ^ (rng.integers(0, 2, n).astype(np.uint64)
                                           * table_mask(k)), tt)                   # wire / inverter
    if k >= 2:
        two = DIFFLOGIC_TABLES[rng.integers(0, 16, n)]  # any 2-input function of ports 0 and 1
        j_bits = (j & 3).astype(np.uint64)
        lifted = (((two[:, None] >> j_bits[None, :]) & np.uint64(1)) << j.astype(np.uint64)[None, :]
                  ).sum(axis=1, dtype=np.uint64)
        tt = np.where(kind == 2, lifted, tt)
    if k >= 3:  # a random function of the first two ports only, with the others ignored
        tt = np.where(kind == 3,
                      lifted ^ (rng.integers(0, 2, n).astype(np.uint64) * table_mask(k)), tt)
    return tt


def copies(rng, tt, fanin):
    """Make some gates copies of others with their inputs permuted: half of them true duplicates
    (the table permuted to match), half traps (the same table on permuted inputs)."""
    n, k = fanin.shape
    for i in np.flatnonzero(rng.random(n) < 0.25):
        j = int(rng.integers(0, n))
        tt[i], fanin[i] = tt[j], fanin[j]
        true_copy = rng.random() < 0.5
        for p in rng.integers(0, k - 1, int(rng.integers(0, 3))) if k > 1 else []:
            fanin[i, [p, p + 1]] = fanin[i, [p + 1, p]]
            if true_copy:
                tt[i] = swap_inputs(tt[i:i + 1], p)[0]


def random_special_netlist(seed, max_inputs=8, max_width=12, max_layers=4):
    rng = np.random.default_rng(seed)
    n_inputs = int(rng.integers(1, max_inputs + 1))
    g = nx.DiGraph(name="special", source={"format": "test"})
    g.add_node("input", op="input", width=n_inputs)
    done, widths = ["input"], {"input": n_inputs}
    for i in range(int(rng.integers(1, max_layers + 1))):
        node, k = f"layer{i + 1}", int(rng.choice([2, 2, 2, 1, 3, 4, 6]))
        width = int(rng.integers(1, max_width + 1))
        sources = [done[-1]] + [d for d in done[:-1] if rng.random() < 0.3]
        in_width = sum(widths[s] for s in sources)
        fanin = rng.integers(0, in_width, (width, k))
        for q in range(1, k):  # gates reading the same value on two ports (A == B)
            same = rng.random(width) < 0.2
            fanin[same, q] = fanin[same, rng.integers(0, q)]
        tt = special_tables(rng, width, k)
        copies(rng, tt, fanin)
        g.add_node(node, op="logic", tt=tt, fanin=fanin.astype(np.int32))
        g.add_edges_from((s, node, {"slot": slot}) for slot, s in enumerate(sources))
        done.append(node)
        widths[node] = width
    sources = [done[-1]] + [d for d in done[1:-1] if rng.random() < 0.3]
    in_width = sum(widths[s] for s in sources)
    n_classes = int(rng.integers(1, 6))
    groups = [rng.integers(0, in_width, int(rng.integers(0, max_width * 2 // 3 + 1)))
              for _ in range(n_classes)]
    last = g.nodes[done[-1]]
    constant = np.flatnonzero(constant_value(last["tt"], last["fanin"].shape[1]) >= 0)
    if len(constant):  # a class whose group is all constants: it must keep exactly its offset
        groups[-1] = rng.choice(constant, int(rng.integers(1, 4)))
    g.add_node("groupsum", op="groupsum", groups=[np.asarray(x, np.int64) for x in groups],
               offset=rng.integers(0, 3, n_classes).astype(np.int64), tau=1.0, beta=0.0)
    g.add_edges_from((s, "groupsum", {"slot": slot}) for slot, s in enumerate(sources))
    return Netlist(g).validate()


def every_vector(n_inputs):
    return np.array(list(itertools.product([0, 1], repeat=n_inputs)), dtype=np.uint8)


def snapshot(netlist):
    g = netlist.graph
    return (dict(g.graph), sorted(g.edges(data="slot")),
            {v: {k: (np.copy(a) if isinstance(a, np.ndarray) else
                     [np.copy(x) for x in a] if isinstance(a, list) else a)
                 for k, a in attrs.items()}
             for v, attrs in g.nodes(data=True)})


def same_snapshot(a, b):
    if a[0] != b[0] or a[1] != b[1] or a[2].keys() != b[2].keys():
        return False
    for v in a[2]:
        for key, value in a[2][v].items():
            other = b[2][v][key]
            if isinstance(value, list):
                if len(value) != len(other) \
                        or not all(np.array_equal(x, y) for x, y in zip(value, other)):
                    return False
            elif not np.array_equal(value, other):
                return False
    return True


@pytest.mark.parametrize("name", list(PASSES))
def test_each_pass_keeps_scores_exactly(name):
    @settings(max_examples=EXAMPLES, deadline=None)
    @given(seed=st.integers(0, 2**32 - 1))
    def check(seed):
        netlist = random_special_netlist(seed)
        before = snapshot(netlist)
        x = every_vector(netlist.n_inputs)
        expected, expected_pred = netlist.evaluate(x)
        result = PASSES[name](netlist)
        assert same_snapshot(before, snapshot(netlist)), "the pass changed its input"
        result.netlist.validate()
        scores, pred = result.netlist.evaluate(x)
        assert np.array_equal(scores, expected)
        assert np.array_equal(pred, expected_pred)
        assert result.netlist.gate_count() <= netlist.gate_count()
    check()


@settings(max_examples=PIPELINE_EXAMPLES, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_pipeline_keeps_scores_and_leaves_nothing_to_remove(seed):
    netlist = random_special_netlist(seed)
    x = every_vector(netlist.n_inputs)
    expected, expected_pred = netlist.evaluate(x)
    out, stats = run_pipeline(netlist, vectors=x, n_random=0)
    scores, pred = out.evaluate(x)
    assert np.array_equal(scores, expected) and np.array_equal(pred, expected_pred)
    assert stats["gates_after"] == out.gate_count()
    assert_fully_optimized(out)
    again, stats = run_pipeline(out, verify=False)  # a fixed point: nothing left to change
    assert stats["rounds"] == 1 and not any(a["changes"] for a in stats["applications"])


@settings(max_examples=LARGER_EXAMPLES, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_pipeline_on_larger_netlists(seed):
    netlist = random_special_netlist(seed, max_inputs=14, max_width=48, max_layers=6)
    x = every_vector(netlist.n_inputs)
    out, _ = run_pipeline(netlist, verify=False)
    assert np.array_equal(out.evaluate(x)[0], netlist.evaluate(x)[0])
    assert_fully_optimized(out)


def assert_fully_optimized(netlist):
    """What the passes promise about their fixed point, checked gate by gate."""
    g = netlist.graph
    out = g.nodes[netlist.output_node]
    seen = {}
    for node in netlist.logic_layers():
        tt, fanin = g.nodes[node]["tt"], g.nodes[node]["fanin"]
        k = fanin.shape[1]
        assert (constant_value(tt, k) < 0).all(), f"{node}: a constant gate survived"
        assert support(tt, k).all(), f"{node}: a gate ignores one of its inputs"
        assert all(len(set(row)) == k for row in fanin.tolist()), \
            f"{node}: a gate reads a value twice"
        for t, row in zip(tt.tolist(), fanin.tolist()):
            vector = [(u, i) for u in netlist.sources(node) for i in range(netlist.width(u))]
            key = (k, t, tuple(vector[i] for i in row))
            assert key not in seen, f"{node}: a duplicate of {seen[key]} survived"
            seen[key] = node
    gg = netlist.to_gate_graph()
    for v, attrs in gg.nodes(data=True):
        if attrs["op"] == "gate":
            assert gg.out_degree(v) > 0, f"{v} is dead"
            if attrs["arity"] == 1:  # the only 1-input gates left: inverters that groups read
                readers = {gg.nodes[r]["op"] for r in gg.successors(v)}
                assert attrs["tt"] == 1 and readers == {"class"}, \
                    f"{v}: a wire or a gate-read inverter"
    assert len(out["offset"]) == len(out["groups"])
