"""Building small netlists by hand and describing them gate by gate, for exact pass tests."""

import networkx as nx
import numpy as np

from lgc.ir import Netlist
from lgc.ir.truthtable import DIFFLOGIC_NAMES, DIFFLOGIC_TABLES

# difflogic's 16 two-input functions by name: F["A and not B"], F["0"], ...
F = {name: int(tt) for name, tt in zip(DIFFLOGIC_NAMES, DIFFLOGIC_TABLES)}
WIRE, INVERTER = 0b10, 0b01  # 1-input tables


def build(n_inputs, layers, groups, offset=None, group_sources=None):
    """layers: [(name, [source names], [(tt, [fanin...]), ...])]; fanin indexes the concatenation
    of the sources' outputs. Groups index the concatenation of `group_sources` (default: the last
    layer)."""
    g = nx.DiGraph(name="hand", source={"format": "test"})
    g.add_node("input", op="input", width=n_inputs)
    for name, sources, gates in layers:
        tt = np.array([t for t, _ in gates], dtype=np.uint64)
        fanin = np.array([f for _, f in gates], dtype=np.int32).reshape(len(gates), -1)
        g.add_node(name, op="logic", tt=tt, fanin=fanin)
        g.add_edges_from((s, name, {"slot": i}) for i, s in enumerate(sources))
    offset = np.zeros(len(groups), np.int64) if offset is None else np.array(offset, np.int64)
    g.add_node("groupsum", op="groupsum", groups=[np.array(x, np.int64) for x in groups],
               offset=offset, tau=1.0, beta=0.0)
    group_sources = group_sources or [layers[-1][0]]
    g.add_edges_from((s, "groupsum", {"slot": i}) for i, s in enumerate(group_sources))
    return Netlist(g).validate()


def function(tt, k):
    """A gate's function by name: difflogic's for 2 inputs, "wire"/"not" for 1, else the table."""
    if k == 2:
        return DIFFLOGIC_NAMES[list(DIFFLOGIC_TABLES).index(tt)]
    if k == 1:
        return {0: "0", WIRE: "wire", INVERTER: "not", 3: "1"}[tt]
    return tt


def describe(netlist):
    """{layer: [(function, (read, ...)), ...]} with each read named "x3" (input bit) or
    "layer2[5]"; plus "groups": [[read, ...], ...] and "offset": [...]."""
    def names(node):
        return [f"x{i}" if u == netlist.input_node else f"{u}[{i}]"
                for u in netlist.sources(node) for i in range(netlist.width(u))]
    out = {}
    for node in netlist.logic_layers():
        attrs, vector = netlist.graph.nodes[node], names(node)
        out[node] = [(function(int(t), len(row)), tuple(vector[i] for i in row))
                     for t, row in zip(attrs["tt"], attrs["fanin"].tolist())]
    attrs, vector = netlist.graph.nodes[netlist.output_node], names(netlist.output_node)
    out["groups"] = [[vector[i] for i in grp] for grp in attrs["groups"]]
    out["offset"] = attrs["offset"].tolist()
    return out
