"""Every bit of a netlist as one global id, and its gates in the form the hardware needs.

Ids: the input bits first, then the gates of each logic layer in topological order. A gate is kept
as the ids it really reads and its table over just those inputs (a difflogic "A" gate reads one
wire, a constant none), so liveness, LUT cones and the Verilog writer all agree on what is used.
"""

import dataclasses
import re

import numpy as np

from ..ir.truthtable import reduce_to_support


@dataclasses.dataclass
class Layer:
    node: str            # the netlist node
    name: str            # a Verilog-safe prefix for its gate wires
    start: int           # global id of its gate 0
    ids: np.ndarray      # int64 [n]: global ids of the gates kept (all, or the live ones)
    inputs: np.ndarray   # int64 [n, k]: global id read by each port, -1 where the table ignores it
    tables: np.ndarray   # uint64 [n]: the table over the ports it reads (in port order)

    def subset(self, mask):
        return dataclasses.replace(self, ids=self.ids[mask], inputs=self.inputs[mask],
                                   tables=self.tables[mask])


class Signals:
    """Global ids of the input bits and all gates of a netlist, and its layers over them."""

    def __init__(self, netlist):
        self.netlist = netlist
        self.n_inputs = netlist.n_inputs
        self.start = {netlist.input_node: 0}
        count = self.n_inputs
        for node in netlist.logic_layers():
            self.start[node] = count
            count += netlist.width(node)
        self.count = count

    def vector(self, node):
        """Global ids of a node's input vector (its sources' outputs in slot order)."""
        parts = [np.arange(self.start[u], self.start[u] + self.netlist.width(u), dtype=np.int64)
                 for u in self.netlist.sources(node)]
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)

    def groups(self):
        """Each class's group as global ids (an id may appear more than once)."""
        vector = self.vector(self.netlist.output_node)
        return [vector[np.asarray(g, dtype=np.int64)]
                for g in self.netlist.graph.nodes[self.netlist.output_node]["groups"]]

    def layers(self):
        """The logic layers in topological order, every gate reduced to the inputs it reads."""
        out, taken = [], set()
        for node in self.netlist.logic_layers():
            attrs = self.netlist.graph.nodes[node]
            k = attrs["fanin"].shape[1]
            sup, tables = reduce_to_support(attrs["tt"], k)
            inputs = np.where(sup, self.vector(node)[attrs["fanin"]], -1)
            start = self.start[node]
            ids = np.arange(start, start + len(tables), dtype=np.int64)
            out.append(Layer(node, verilog_name(node, taken), start, ids, inputs, tables))
        return out


def live(signals, layers):
    """bool [count]: the bits the scores depend on (read by a group, or by a live gate)."""
    alive = np.zeros(signals.count, dtype=bool)
    for group in signals.groups():
        alive[group] = True
    for layer in reversed(layers):
        reads = layer.inputs[alive[layer.ids]]
        alive[reads[reads >= 0]] = True
    return alive


def verilog_name(node, taken):
    """A plain Verilog identifier from a node name, unique among those already taken."""
    name = re.sub(r"\W", "_", str(node)) or "layer"
    if not re.match(r"[A-Za-z_]", name):
        name = "n" + name
    base, i = name, 1
    while name in taken:
        i += 1
        name = f"{base}_{i}"
    taken.add(name)
    return name
