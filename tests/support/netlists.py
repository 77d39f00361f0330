"""Random netlists (layered, and DAGs with everything the IR allows) and a plain per-gate evaluator
to check the fast one."""

import numpy as np

from lgc.ir import Netlist


def random_netlist(rng, n_inputs, widths, arities, n_classes, skip_prob=0.0):
    """A random layered netlist; with skip_prob > 0 layers also read from earlier layers."""
    import networkx as nx

    g = nx.DiGraph(name="random", source={"format": "test"})
    g.add_node("input", op="input", width=n_inputs)
    done = ["input"]
    widths_of = {"input": n_inputs}
    for i, (width, k) in enumerate(zip(widths, arities)):
        node = f"layer{i + 1}"
        sources = [done[-1]] + [d for d in done[:-1] if rng.random() < skip_prob]
        in_width = sum(widths_of[s] for s in sources)
        tt = rng.integers(0, 1 << (1 << k), size=width, dtype=np.uint64) if k < 6 else \
            rng.integers(0, 2**63, size=width, dtype=np.uint64) * np.uint64(2) \
            + rng.integers(0, 2, width, dtype=np.uint64)
        fanin = rng.integers(0, in_width, size=(width, k)).astype(np.int32)
        g.add_node(node, op="logic", tt=tt, fanin=fanin)
        for slot, s in enumerate(sources):
            g.add_edge(s, node, slot=slot)
        done.append(node)
        widths_of[node] = width
    last = done[-1]
    width = widths_of[last]
    groups = [np.sort(rng.choice(width, size=rng.integers(1, width + 1), replace=True))
              for _ in range(n_classes)]
    g.add_node("groupsum", op="groupsum", groups=groups,
               offset=rng.integers(0, 3, n_classes).astype(np.int64), tau=1.0, beta=0.0)
    g.add_edge(last, "groupsum", slot=0)
    return Netlist(g).validate()


def plain_evaluate(netlist, x):
    """One gate and one sample at a time: the slow, obvious evaluator to check the fast one."""
    x = np.asarray(x, dtype=np.uint8)
    scores = np.zeros((len(x), netlist.n_classes), dtype=np.int64)
    for s, sample in enumerate(x):
        values = {netlist.input_node: [int(b) for b in sample]}
        for node in netlist.logic_layers() + [netlist.output_node]:
            vector = [b for src in netlist.sources(node) for b in values[src]]
            attrs = netlist.graph.nodes[node]
            if attrs["op"] == "logic":
                out = []
                for tt, fanin in zip(attrs["tt"], attrs["fanin"]):
                    j = sum(vector[f] << p for p, f in enumerate(fanin))
                    out.append((int(tt) >> j) & 1)
                values[node] = out
            else:
                for c, grp in enumerate(attrs["groups"]):
                    scores[s, c] = sum(vector[i] for i in grp) + int(attrs["offset"][c])
    return scores, scores.argmax(axis=1)


def random_dag_netlist(rng, n_inputs=12, n_layers=6, max_width=24, n_classes=5, max_arity=6,
                       offsets=(0, 3)):
    """A random netlist with everything the IR allows: layers reading any earlier nodes (skip
    edges, several layers at one depth), arities 1..max_arity, constant and one-input tables,
    groups reading any node (inputs too) with repeats, of unequal sizes, possibly empty,
    offsets drawn from range(*offsets)."""
    import networkx as nx

    from lgc.ir.truthtable import from_rows

    g = nx.DiGraph(name="random_dag", source={"format": "test"})
    g.add_node("input", op="input", width=n_inputs)
    width = {"input": n_inputs}
    for i in range(n_layers):
        node = f"layer{i + 1}"
        done = list(width)
        sources = list(rng.choice(done, size=min(len(done), int(rng.integers(1, 4))),
                                  replace=False))
        in_width = sum(width[s] for s in sources)
        k = int(rng.integers(1, max_arity + 1))
        n = int(rng.integers(1, max_width + 1))
        tt = rng.integers(0, 2, (n, 1 << k)).astype(bool)
        tt[rng.random(n) < 0.1] = rng.random() < 0.5           # some constant gates
        g.add_node(node, op="logic", tt=from_rows(tt),
                   fanin=rng.integers(0, in_width, (n, k)).astype(np.int32))
        for slot, s in enumerate(sources):
            g.add_edge(s, node, slot=slot)
        width[node] = n
    sinks = [v for v in width if v != "input" and g.out_degree(v) == 0]
    sources = sinks + [v for v in width if v not in sinks and rng.random() < 0.3]
    in_width = sum(width[s] for s in sources)
    sizes = rng.integers(0, 2 * in_width // n_classes + 2, n_classes)
    groups = [rng.integers(0, in_width, s) for s in sizes]
    g.add_node("groupsum", op="groupsum", groups=groups,
               offset=rng.integers(*offsets, n_classes).astype(np.int64), tau=1.0, beta=0.0)
    for slot, s in enumerate(sources):
        g.add_edge(s, "groupsum", slot=slot)
    return Netlist(g).validate()
