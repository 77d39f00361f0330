"""The layered netlist: a networkx DAG whose nodes are whole layers of gates held as numpy arrays.

Node attribute `op` (docs/design.md):
- "input":    `width`
- "logic":    `tt` uint64 [n] truth tables, `fanin` int32 [n, k] indices into the layer's input
              vector
- "groupsum": `groups` list of int arrays (indices into its input vector), `offset` int64 [k],
              `tau` float, `beta` float (torchlogix's additive constant; never changes the class)
- "state":    `width`, `reset` uint8 [width] (0/1), `next`: the logic layer whose output is the
              state's value for the next step. A recurrent netlist's state node is read like the
              input (its value during a step is the current state); the loop closes through
              `next`, not an edge, so the graph stays a DAG and its combinational part is the
              whole graph with the state nodes as extra inputs and their `next` layers as extra
              outputs (docs/recurrent.md).
A node's input vector is the concatenation of its predecessors' outputs in the order of the edge
attribute `slot`. Graph attributes: `name`, `source`, `encoding` (optional).
"""

import networkx as nx
import numpy as np

from ..errors import LgcError
from . import truthtable


class Netlist:
    """A DLGN as a DAG of layers. Build one with `Netlist.from_layers` or a frontend."""

    def __init__(self, graph):
        self.graph = graph

    # --- construction -------------------------------------------------------------------------

    @classmethod
    def from_layers(cls, n_inputs, layers, groups, offset=None, tau=1.0, beta=0.0, name="netlist",
                    source=None, encoding=None):
        """A plain feed-forward netlist: each layer reads only the previous one.

        `layers` is a list of (tt, fanin); `groups` a list of index arrays into the last layer (or
        an int k for docs/design.md's contiguous groups of equal size).
        """
        g = nx.DiGraph(name=name, source=dict(source or {}))
        if encoding is not None:
            g.graph["encoding"] = encoding
        g.add_node("input", op="input", width=int(n_inputs))
        prev, width = "input", int(n_inputs)
        for i, (tt, fanin) in enumerate(layers):
            node = f"layer{i + 1}"
            g.add_node(node, op="logic", tt=np.asarray(tt, dtype=np.uint64),
                       fanin=np.asarray(fanin, dtype=np.int32).reshape(len(tt), -1))
            g.add_edge(prev, node, slot=0)
            prev, width = node, len(tt)
        if isinstance(groups, (int, np.integer)):
            groups = contiguous_groups(width, int(groups))
        groups = [np.asarray(grp, dtype=np.int64) for grp in groups]
        offset = np.zeros(len(groups), np.int64) if offset is None else np.asarray(offset, np.int64)
        g.add_node("groupsum", op="groupsum", groups=groups, offset=offset, tau=float(tau),
                   beta=float(beta))
        g.add_edge(prev, "groupsum", slot=0)
        return cls(g)

    @classmethod
    def from_recurrent_layers(cls, n_inputs, next_layers, output_layers, groups, reset,
                              output_reads="new", tau=1.0, name="netlist", source=None):
        """A recurrent netlist of one state vector: the next-state layers read cat([input,
        state]), the last one is the next state; the output layers read cat([input, state]) (the
        new state with output_reads="new", the current one with "old"); groups as in from_layers.
        """
        if output_reads not in ("new", "old"):
            raise LgcError(f"output_reads must be 'new' or 'old', got {output_reads!r}")
        g = nx.DiGraph(name=name, source=dict(source or {}))
        g.add_node("input", op="input", width=int(n_inputs))
        reset = np.asarray(reset, dtype=np.uint8)
        last_next = f"next{len(next_layers)}"
        g.add_node("state", op="state", width=len(reset), reset=reset, next=last_next)
        _chain(g, "next", next_layers, ["input", "state"])
        prev = _chain(g, "layer", output_layers,
                      ["input", last_next if output_reads == "new" else "state"])
        width = len(g.nodes[prev]["tt"])
        if isinstance(groups, (int, np.integer)):
            groups = contiguous_groups(width, int(groups))
        g.add_node("groupsum", op="groupsum", groups=[np.asarray(grp, np.int64) for grp in groups],
                   offset=np.zeros(len(groups), np.int64), tau=float(tau), beta=0.0)
        g.add_edge(prev, "groupsum", slot=0)
        return cls(g)

    def copy(self):
        """A copy whose arrays can be changed without touching this netlist."""
        g = nx.DiGraph()
        g.graph.update(self.graph.graph)
        for node, attrs in self.graph.nodes(data=True):
            g.add_node(node, **{k: _copy_value(v) for k, v in attrs.items()})
        for u, v, attrs in self.graph.edges(data=True):
            g.add_edge(u, v, **attrs)
        return Netlist(g)

    # --- structure ----------------------------------------------------------------------------

    @property
    def input_node(self):
        return self._only("input")

    @property
    def output_node(self):
        return self._only("groupsum")

    def state_nodes(self):
        """Names of the state nodes (none in a feed-forward netlist), in insertion order."""
        return [n for n, a in self.graph.nodes(data=True) if a.get("op") == "state"]

    @property
    def is_recurrent(self):
        return bool(self.state_nodes())

    def require_feed_forward(self, what):
        """LgcError unless the netlist has no state: for the steps that do not handle state yet."""
        if self.is_recurrent:
            raise LgcError(f"{what} does not handle recurrent netlists (state: "
                           f"{', '.join(self.state_nodes())}) yet")

    def _only(self, op):
        found = [n for n, a in self.graph.nodes(data=True) if a.get("op") == op]
        if len(found) != 1:
            raise LgcError(f"netlist must have exactly one {op!r} node, found {len(found)}")
        return found[0]

    @property
    def n_inputs(self):
        return int(self.graph.nodes[self.input_node]["width"])

    @property
    def n_classes(self):
        return len(self.graph.nodes[self.output_node]["groups"])

    @property
    def tau(self):
        return float(self.graph.nodes[self.output_node]["tau"])

    def logic_layers(self):
        """Names of the logic layers in topological order (a layer comes after all it reads)."""
        return [n for n in nx.topological_sort(self.graph) if self.graph.nodes[n]["op"] == "logic"]

    def sources(self, node):
        """The predecessors of `node` in slot order: its input vector is their outputs,
        concatenated."""
        preds = self.graph.in_edges(node, data="slot")
        return [u for u, _, _ in sorted(preds, key=lambda e: e[2])]

    def width(self, node):
        """Number of output bits of a node (a groupsum outputs its k scores)."""
        attrs = self.graph.nodes[node]
        if attrs["op"] in ("input", "state"):
            return int(attrs["width"])
        if attrs["op"] == "logic":
            return len(attrs["tt"])
        return len(attrs["groups"])

    def input_width(self, node):
        return sum(self.width(u) for u in self.sources(node))

    def gate_count(self):
        """Number of logic gates in all layers."""
        return sum(len(self.graph.nodes[n]["tt"]) for n in self.logic_layers())

    def arity(self, node):
        return int(self.graph.nodes[node]["fanin"].shape[1])

    def depths(self):
        """{node: length of the longest path from the input node}: the pipeline stage of a layer."""
        depth = {}
        for v in nx.topological_sort(self.graph):
            depth[v] = max((depth[u] + 1 for u in self.graph.predecessors(v)), default=0)
        return depth

    def skip_edges(self):
        """[(source, reader, stages spanned, distinct bits read)] for the edges spanning more than
        one stage (depth difference > 1): values the hardware must delay. After wire absorption a
        layer may read from layers several stages back."""
        depth, out = self.depths(), []
        for v in self.logic_layers() + [self.output_node]:
            attrs = self.graph.nodes[v]
            read = attrs["fanin"].ravel() if attrs["op"] == "logic" else \
                np.concatenate([np.asarray(g, dtype=np.int64) for g in attrs["groups"]])
            base = 0
            for u in self.sources(v):
                width = self.width(u)
                if depth[v] - depth[u] > 1:
                    bits = np.unique(read[(read >= base) & (read < base + width)])
                    out.append((u, v, depth[v] - depth[u], len(bits)))
                base += width
        return out

    def __repr__(self):
        return (f"<Netlist {self.graph.graph.get('name')!r}: {self.n_inputs} inputs, "
                f"{len(self.logic_layers())} layers, {self.gate_count()} gates, "
                f"{self.n_classes} classes>")

    # --- checks -------------------------------------------------------------------------------

    def validate(self):
        """Raise LgcError naming the first broken invariant; return self when all hold."""
        g = self.graph
        if not nx.is_directed_acyclic_graph(g):
            raise LgcError("netlist graph has a cycle")
        self.input_node, self.output_node  # noqa: B018 - each raises unless exactly one
        for node, attrs in g.nodes(data=True):
            op = attrs.get("op")
            if op not in ("input", "logic", "groupsum", "state"):
                raise LgcError(f"node {node!r} has unknown op {op!r}")
            slots = sorted(s for _, _, s in g.in_edges(node, data="slot"))
            if slots != list(range(len(slots))):
                raise LgcError(f"node {node!r}: input slots {slots} are not 0..{len(slots) - 1}")
            if op == "input":
                if slots:
                    raise LgcError("the input node cannot have predecessors")
                if int(attrs["width"]) < 1:
                    raise LgcError("the input node has no bits")
            elif op == "state":
                _validate_state(self, node, attrs, slots)
            elif op == "logic":
                _validate_logic(node, attrs, self.input_width(node))
            else:
                if g.out_degree(node):
                    raise LgcError("the groupsum node cannot feed other nodes")
                _validate_groupsum(node, attrs, self.input_width(node))
        # Outputs of the combinational part: the scores and every state's next value.
        ends = {self.output_node} | {g.nodes[s]["next"] for s in self.state_nodes()}
        for node in g.nodes:
            if node not in ends and not any(nx.has_path(g, node, end) for end in ends):
                raise LgcError(f"node {node!r} leads neither to the groupsum nor to a next state")
        return self

    # --- evaluation ---------------------------------------------------------------------------

    def evaluate(self, x):
        """Integer scores (popcount + offset) [N, k] and classes [N] (lowest index among ties)."""
        from .evaluate import evaluate
        return evaluate(self, x)

    # --- storage ------------------------------------------------------------------------------

    def save(self, path):
        from .storage import save
        save(self, path)

    @classmethod
    def load(cls, path):
        from .storage import load
        return load(path)

    def to_gate_graph(self, max_gates=100_000):
        """One networkx node per input bit, gate and class (for inspecting small models).

        Nodes are (layer, index) pairs; gate nodes carry `tt` and `arity`, class nodes `offset`.
        Edges carry `port` (the gate input they drive).
        """
        if self.gate_count() > max_gates:
            raise LgcError(f"to_gate_graph is for small models: {self.gate_count()} gates > "
                           f"{max_gates}; use the layered graph instead")
        gg = nx.DiGraph()
        for i in range(self.n_inputs):
            gg.add_node((self.input_node, i), op="input")
        for node in self.logic_layers() + [self.output_node]:
            attrs = self.graph.nodes[node]
            vector = [(u, i) for u in self.sources(node) for i in range(self.width(u))]
            if attrs["op"] == "logic":
                for i, (tt, fanin) in enumerate(zip(attrs["tt"], attrs["fanin"])):
                    gg.add_node((node, i), op="gate", tt=int(tt), arity=len(fanin))
                    for port, j in enumerate(fanin):
                        gg.add_edge(vector[j], (node, i), port=port)
            else:
                for c, grp in enumerate(attrs["groups"]):
                    gg.add_node((node, c), op="class", offset=int(attrs["offset"][c]))
                    for j in grp:
                        gg.add_edge(vector[j], (node, c))
        return gg


def contiguous_groups(n, k):
    """GroupSum's groups: class c owns outputs [c*n/k, (c+1)*n/k)."""
    if k < 1 or n % k:
        raise LgcError(f"GroupSum cannot split {n} outputs into {k} equal groups")
    return [np.arange(c * (n // k), (c + 1) * (n // k), dtype=np.int64) for c in range(k)]


def _chain(g, prefix, layers, first_sources):
    """Logic layers prefix1, prefix2, ... each reading the one before, the first reading the
    concatenation of `first_sources`; returns the last layer's name."""
    sources = first_sources
    for i, (tt, fanin) in enumerate(layers):
        node = f"{prefix}{i + 1}"
        g.add_node(node, op="logic", tt=np.asarray(tt, dtype=np.uint64),
                   fanin=np.asarray(fanin, dtype=np.int32).reshape(len(tt), -1))
        for slot, src in enumerate(sources):
            g.add_edge(src, node, slot=slot)
        sources = [node]
    return sources[0]


def _validate_state(netlist, node, attrs, slots):
    if slots:
        raise LgcError(f"state {node!r} cannot have predecessors "
                       f"(its next value is {attrs.get('next')!r})")
    width, reset, nxt = int(attrs["width"]), attrs["reset"], attrs["next"]
    if width < 1:
        raise LgcError(f"state {node!r} has no bits")
    if not (isinstance(reset, np.ndarray) and reset.dtype == np.uint8 and reset.shape == (width,)
            and np.isin(reset, (0, 1)).all()):
        raise LgcError(f"state {node!r}: reset must be {width} bits of 0/1 (uint8)")
    if nxt not in netlist.graph or netlist.graph.nodes[nxt].get("op") != "logic":
        raise LgcError(f"state {node!r}: its next value {nxt!r} is not a logic layer")
    if netlist.width(nxt) != width:
        raise LgcError(f"state {node!r} has {width} bits but its next value {nxt!r} "
                       f"{netlist.width(nxt)}")


def _validate_logic(node, attrs, in_width):
    tt, fanin = attrs["tt"], attrs["fanin"]
    if not (isinstance(tt, np.ndarray) and tt.dtype == np.uint64 and tt.ndim == 1):
        raise LgcError(f"layer {node!r}: tt must be a uint64 vector")
    if not (isinstance(fanin, np.ndarray) and fanin.dtype == np.int32 and fanin.ndim == 2):
        raise LgcError(f"layer {node!r}: fanin must be an int32 [n, k] array")
    if fanin.shape[0] != tt.shape[0]:
        raise LgcError(f"layer {node!r}: {len(tt)} tables but {fanin.shape[0]} fanin rows")
    k = fanin.shape[1]
    if not 1 <= k <= truthtable.MAX_ARITY:
        raise LgcError(f"layer {node!r}: arity {k} is outside 1..{truthtable.MAX_ARITY}")
    if len(tt) and (tt & ~truthtable.table_mask(k)).any():
        raise LgcError(f"layer {node!r}: truth tables use bits beyond 2**{k}")
    if fanin.size and (fanin.min() < 0 or fanin.max() >= in_width):
        raise LgcError(f"layer {node!r}: fanin index out of range 0..{in_width - 1}")


def _validate_groupsum(node, attrs, in_width):
    groups, offset = attrs["groups"], attrs["offset"]
    if not groups:
        raise LgcError("groupsum has no classes")
    if len(offset) != len(groups):
        raise LgcError(f"groupsum: {len(groups)} groups but {len(offset)} offsets")
    for c, grp in enumerate(groups):
        if len(grp) and (np.min(grp) < 0 or np.max(grp) >= in_width):
            raise LgcError(f"groupsum: class {c} reads outside its input vector")
    if not np.isfinite(attrs["tau"]) or attrs["tau"] <= 0:
        raise LgcError(f"groupsum: tau must be a positive number, got {attrs['tau']}")


def _copy_value(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return [_copy_value(v) for v in value]
    return value
