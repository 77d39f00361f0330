"""The passes' working form of a netlist: every gate in flat arrays, addressed by one global id.

Global ids: the input bits are 0 .. n_inputs-1, then come the gates, root by root in topological
order. A *root* is a layer as the frontend made it. The passes split a root into one node per true
arity: the node named like the root holds its widest gates, `ROOT.kM` its gates of M inputs (so
the RTL reads a gate's true arity from `fanin.shape[1]`; the suffix `.kM` is reserved for this).

Invariant that every pass keeps: a gate reads only gates of earlier roots. Gates of one root never
read each other, so a pass can rewrite them together, root after root (`batches`), and a rewrite
only ever moves a read to a lower global id (a wire's source, an earlier copy of a gate).

`Gates.of(netlist)` flattens (copying, so a pass never touches its input); `gates.netlist()`
rebuilds a validated Netlist holding only the gates some group reads, directly or through other
gates: layers compacted, fanin re-indexed, edges and slots recomputed from what each node reads
(sources in topological order; a node reading several layers back gets that edge: a skip
connection), layers left empty removed.
"""

import copy
import re
from typing import NamedTuple

import networkx as nx
import numpy as np

from ..errors import LgcError
from ..ir import Netlist
from ..ir.truthtable import constant_value

_ARITY_SUFFIX = re.compile(r"\.k[1-6]$")


class PassResult(NamedTuple):
    netlist: Netlist
    changes: int     # rewrites made plus gates removed; 0: the pass found nothing to do
    statistic: str   # one line saying what the pass did


class Gates:
    """A netlist's gates as flat arrays (see the module docstring). Passes edit them in place.

    tt      uint64 [G]     truth tables
    arity   int8   [G]     inputs each gate uses; fanin columns from `arity` on repeat column 0
    fanin   int32  [G, K]  global ids read by each input port (input bits: 0 .. n_inputs-1)
    root    int32  [G]     index into `roots` (non-decreasing: roots are in topological order)
    bits    int64  [B]     global ids read by the groups, `klass` [B] the class of each
    offset  int64  [k]     constant added to each class's popcount
    """

    def __init__(self, source, roots, root, tt, arity, fanin, bits, klass, offset):
        self.source = source  # the flattened netlist: graph attributes, input and groupsum nodes
        self.n_inputs = source.n_inputs
        self.roots, self.root, self.tt, self.arity, self.fanin = roots, root, tt, arity, fanin
        self.bits, self.klass, self.offset = bits, klass, offset

    @classmethod
    def of(cls, netlist):
        g, n_in = netlist.graph, netlist.n_inputs
        nodes = netlist.logic_layers()
        roots, root_of = _roots(netlist, nodes)
        rank = {r: i for i, r in enumerate(roots)}
        nodes = sorted(nodes, key=lambda v: rank[root_of[v]])  # stable: topological within a root
        start, total = {netlist.input_node: 0}, n_in  # each node's first global id
        for v in nodes:
            start[v], total = total, total + netlist.width(v)
        width = max([netlist.arity(v) for v in nodes], default=1)
        tt = np.empty(total - n_in, dtype=np.uint64)
        arity = np.empty(total - n_in, dtype=np.int8)
        root = np.empty(total - n_in, dtype=np.int32)
        fanin = np.empty((total - n_in, width), dtype=np.int32)
        for v in nodes:
            lo, hi = start[v] - n_in, start[v] - n_in + netlist.width(v)
            k = netlist.arity(v)
            fanin[lo:hi, :k] = _global_ids(netlist, v, start, g.nodes[v]["fanin"])
            fanin[lo:hi, k:] = fanin[lo:hi, :1]
            tt[lo:hi], arity[lo:hi], root[lo:hi] = g.nodes[v]["tt"], k, rank[root_of[v]]
        groups = g.nodes[netlist.output_node]["groups"]
        local = np.concatenate([np.asarray(grp, dtype=np.int64) for grp in groups])
        klass = np.repeat(np.arange(len(groups)), [len(grp) for grp in groups])
        return cls(netlist, roots, root, tt, arity, fanin,
                   _global_ids(netlist, netlist.output_node, start, local), klass,
                   np.array(g.nodes[netlist.output_node]["offset"], dtype=np.int64))

    # --- views ---------------------------------------------------------------------------------

    @property
    def n_gates(self):
        return len(self.tt)

    def batches(self):
        """(lo, hi) gate-index ranges of the roots, in topological order."""
        cuts = np.flatnonzero(np.diff(self.root)) + 1
        edges = [0, *cuts.tolist(), self.n_gates]
        return [(lo, hi) for lo, hi in zip(edges[:-1], edges[1:]) if hi > lo]

    def per_id(self, gate_values, input_value):
        """An array over global ids: `input_value` for the input bits, then `gate_values`."""
        gate_values = np.asarray(gate_values)
        return np.concatenate([np.full(self.n_inputs, input_value, dtype=gate_values.dtype),
                               gate_values])

    def constants(self):
        """int8 over global ids: 0 or 1 where the value is a constant, else -1."""
        return self.per_id(constant_value(self.tt, self.arity), -1)

    def repad(self):
        """Make the fanin columns a gate does not use repeat its column 0 again."""
        unused = np.arange(self.fanin.shape[1])[None, :] >= self.arity[:, None]
        self.fanin = np.where(unused, self.fanin[:, :1], self.fanin)

    # --- back to a Netlist -----------------------------------------------------------------------

    def live(self):
        """bool [G]: the gates some group reads, directly or through other gates."""
        read = np.zeros(self.n_inputs + self.n_gates, dtype=bool)
        read[self.bits] = True
        for lo, hi in reversed(self.batches()):
            read[self.fanin[lo:hi][read[self.n_inputs + lo:self.n_inputs + hi]]] = True
        return read[self.n_inputs:]

    def result(self, rewrites, statistic):
        """The pass's outcome: the rebuilt netlist; its changes are the rewrites plus gates dropped.
        A pass that changed nothing gets its input back (the pipeline discards it unread)."""
        live = self.live()
        if not rewrites and live.all():
            return PassResult(self.source, 0, statistic)
        netlist, dropped = self.netlist(live)
        return PassResult(netlist, int(rewrites) + dropped, statistic)

    def netlist(self, live=None):
        """(the rebuilt, validated Netlist, number of gates dropped because nothing reads them)."""
        n_in = self.n_inputs
        keep = np.flatnonzero(self.live() if live is None else live)
        # by root, widest first; keep is in id order, roots never decrease: nearly sorted already
        keep = keep[np.argsort(self.root[keep].astype(np.int64) * 8 - self.arity[keep],
                               kind="stable")]
        new_id = np.full(n_in + self.n_gates, -1, dtype=np.int64)
        new_id[:n_in] = np.arange(n_in)
        new_id[n_in + keep] = n_in + np.arange(len(keep))
        names, lows = self._layout(keep)
        starts = np.array([0] + [n_in + lo for lo in lows] + [n_in + len(keep)], dtype=np.int64)

        node_of = np.repeat(np.arange(len(names), dtype=np.int32), np.diff(starts))  # by new id
        src = self.source.graph
        g = nx.DiGraph()
        g.graph.update(copy.deepcopy(dict(src.graph)))
        g.add_node(names[0], **copy.deepcopy(dict(src.nodes[names[0]])))
        for node, lo, hi in zip(names[1:], lows, [*lows[1:], len(keep)]):
            gates = keep[lo:hi]
            reads, local = _reads(new_id[self.fanin[gates, :self.arity[gates[0]]]], starts,
                                  node_of, names)
            g.add_node(node, op="logic", tt=self.tt[gates].copy(), fanin=local.astype(np.int32))
            g.add_edges_from((u, node, {"slot": s}) for s, u in enumerate(reads))
        out = self.source.output_node
        reads, local = _reads(new_id[self.bits], starts, node_of, names)
        sizes = np.bincount(self.klass, minlength=len(self.offset))
        groups = np.split(local[np.argsort(self.klass, kind="stable")], np.cumsum(sizes)[:-1])
        attrs = {k: copy.deepcopy(v) for k, v in src.nodes[out].items()
                 if k not in ("groups", "offset")}
        g.add_node(out, **attrs, groups=groups, offset=self.offset.copy())
        # Groups that read nothing at all: the input still needs its path to the groupsum.
        g.add_edges_from((u, out, {"slot": s}) for s, u in enumerate(reads or names[:1]))
        return Netlist(g).validate(), self.n_gates - len(keep)

    def _layout(self, keep):
        """(node names, the input first; where each logic node starts in `keep`): one node per
        root and arity, named like the root for its widest gates and `ROOT.kM` for the others."""
        root, arity = self.root[keep], self.arity[keep]
        lows = [0, *(np.flatnonzero((np.diff(root) != 0) | (np.diff(arity) != 0)) + 1).tolist()] \
            if len(keep) else []
        widest = {}
        for lo in lows:
            widest.setdefault(root[lo], arity[lo])
        names = [self.source.input_node] + [
            self.roots[root[lo]] if arity[lo] == widest[root[lo]]
            else f"{self.roots[root[lo]]}.k{arity[lo]}"
            for lo in lows]
        if len(set(names)) < len(names):
            raise LgcError(f"layer names clash once split by arity ({', '.join(names[1:])}); "
                           "layer names ending in .k1 .. .k6 are reserved for the passes")
        return names, lows


def _roots(netlist, nodes):
    """(roots in topological order, {node: its root}); a node `X.kM` belongs to root `X`."""
    root_of = {v: _ARITY_SUFFIX.sub("", v) for v in nodes}
    quotient = nx.DiGraph()
    quotient.add_nodes_from(root_of.values())
    quotient.add_edges_from((root_of[u], root_of[v])
                            for u, v in netlist.graph.subgraph(nodes).edges)
    if any(root_of[u] == root_of[v] for u, v in netlist.graph.subgraph(nodes).edges) \
            or not nx.is_directed_acyclic_graph(quotient):
        root_of = {v: v for v in nodes}  # names that do not follow the convention: one root each
        quotient = netlist.graph.subgraph(nodes)
    first = {}
    for i, v in enumerate(nodes):
        first.setdefault(root_of[v], i)
    return list(nx.lexicographical_topological_sort(quotient, key=first.get)), root_of


def _global_ids(netlist, node, start, local):
    """Global ids of indices into a node's input vector (its sources' outputs in slot order):
    each source owns a contiguous range of ids, so an index only needs its source's shift."""
    sources = netlist.sources(node)
    bases = np.cumsum([0] + [netlist.width(u) for u in sources[:-1]])
    shift = np.array([start[u] for u in sources], dtype=np.int64) - bases
    if len(sources) == 1:
        return local + shift[0]
    return local + shift[np.searchsorted(bases, local, side="right") - 1] if len(sources) else local


def _reads(ids, starts, node_of, names):
    """(source node names in topological order, local indices into their concatenation) of new
    global ids; node i owns ids starts[i] .. starts[i+1]-1 (node 0 is the input),
    node_of[id] = i."""
    node = node_of[ids]
    used = np.flatnonzero(np.bincount(node.ravel(), minlength=len(names)))
    base = np.zeros(len(starts), dtype=np.int64)
    widths = starts[used + 1] - starts[used]
    base[used] = np.concatenate([[0], np.cumsum(widths)[:-1]])
    return [names[u] for u in used], ids - (starts - base)[node]
