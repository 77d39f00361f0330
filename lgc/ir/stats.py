"""Descriptive statistics of a netlist: what `lgc inspect` and report.json show per layer."""

import collections

import numpy as np

from .truthtable import DIFFLOGIC_NAMES, DIFFLOGIC_TABLES, constant_value, support

_TWO_INPUT_NAMES = dict(zip(DIFFLOGIC_TABLES.tolist(), DIFFLOGIC_NAMES))


def function_counts(tt, k):
    """How many gates compute each function: names for 2-input gates, else by true arity."""
    if k == 2:
        names = [_TWO_INPUT_NAMES[int(t)] for t in tt]
        return dict(collections.Counter(names).most_common())
    const = constant_value(tt, k)
    used = support(tt, k).sum(axis=1)
    labels = np.where(const >= 0, np.char.add("constant ", const.astype(str)),
                      np.char.add(np.char.add("depends on ", used.astype(str)), " inputs"))
    return dict(collections.Counter(labels.tolist()).most_common())


def summary(netlist):
    """A JSON-ready description of the netlist: sizes, layers and their functions."""
    layers = []
    for node in netlist.logic_layers():
        attrs = netlist.graph.nodes[node]
        k = netlist.arity(node)
        layers.append({"name": node, "gates": len(attrs["tt"]), "arity": k,
                       "reads": netlist.sources(node),
                       "functions": function_counts(attrs["tt"], k)})
    out = netlist.graph.nodes[netlist.output_node]
    return {
        "name": netlist.graph.graph.get("name"),
        "source": netlist.graph.graph.get("source", {}),
        "inputs": netlist.n_inputs,
        "encoding": (netlist.graph.graph.get("encoding") or {}).get("source"),
        "classes": netlist.n_classes,
        "tau": netlist.tau,
        "beta": out.get("beta", 0.0),
        "group_sizes": sorted({len(g) for g in out["groups"]}),
        "offsets": sorted({int(o) for o in out["offset"]}),
        "gates": netlist.gate_count(),
        "layers": layers,
        **({"state": [{"name": s, "bits": netlist.width(s), "next": netlist.graph.nodes[s]["next"],
                       "reset": netlist.graph.nodes[s]["reset"].tolist()}
                      for s in netlist.state_nodes()]} if netlist.is_recurrent else {}),
    }
