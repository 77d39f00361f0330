"""The passes on a recurrent netlist: its combinational part optimized by the usual pipeline, the
state trimmed, and the result checked over sequences.

The *view* is a feed-forward netlist of the combinational part: its input bits are the step's
inputs followed by every state bit (state nodes in order), its classes are the model's classes
followed by one singleton class per next-state bit. Equal view scores mean equal outputs and
equal next states, so the pipeline's score check verifies the passes on it. Back from the view,
each state's next value is a layer of one-input gates (wires, or constants) reading where the
view's singleton classes read.

State bits are removed in two ways:
- unread: no class score depends on them over any number of steps (a fixed point over the
  next-state cones), so they and their next-state logic go;
- constant by induction: with the bits of a candidate set fixed at their reset values, constant
  propagation shows each candidate's next value is its reset value again; the set shrinks until
  that holds for all of it (a combinational look alone would not be sound). Those bits become
  constants that fold into their readers.
The optimized netlist is then checked against the original over random sequences.
"""

import networkx as nx
import numpy as np

from ..ir import Netlist
from ..ir.sequence import evaluate_sequences
from .check import N_RANDOM, VerificationError
from .gates import Gates
from .pipeline import run_pipeline

SEQUENCE_STEPS = 16
CONST = "const"  # the view's two constant gates (0, 1): what fixed state bits read


def optimize_recurrent(netlist, passes=None, verify=True, n_random=N_RANDOM, seed=0):
    """(optimized recurrent netlist, statistics): see the module docstring."""
    netlist.validate()
    reset = np.concatenate([netlist.graph.nodes[s]["reset"] for s in netlist.state_nodes()])
    fixed = np.ones(len(reset), dtype=bool)  # candidates for constants, shrinking
    rounds = 0
    while fixed.any():
        rounds += 1
        view, _ = run_pipeline(to_view(netlist, fixed, ~fixed), passes, verify=False)
        groups, offset = _state_groups(view, netlist)
        proven = np.zeros_like(fixed)
        candidates = np.flatnonzero(fixed)
        proven[candidates] = [len(groups[i]) == 0 and offset[i] == reset[b]
                              for i, b in enumerate(candidates)]
        if (proven == fixed).all():
            break
        fixed = proven
    view, stats = run_pipeline(to_view(netlist, fixed, fixed), passes, verify=verify,
                               n_random=n_random, seed=seed)
    dead = ~fixed & ~live_state_bits(view, netlist, fixed)
    if dead.any():
        view, _ = run_pipeline(to_view(netlist, fixed, fixed | dead), passes, verify=verify,
                               n_random=n_random, seed=seed)
    optimized = from_view(view, netlist, ~(fixed | dead))
    if verify:
        check_sequences(netlist, optimized, n_random, seed)
    stats["state"] = {"bits_before": len(reset), "bits_after": int((~(fixed | dead)).sum()),
                      "constant_by_induction": int(fixed.sum()), "unread": int(dead.sum()),
                      "induction_rounds": rounds}
    return optimized, stats


def to_view(netlist, fixed, dropped):
    """The view (module docstring) with the state bits `fixed` (bool over all state bits) read
    as their reset values and no next-state class for the bits `dropped`."""
    g, n = netlist.graph, netlist.n_inputs
    states = netlist.state_nodes()
    reset = np.concatenate([g.nodes[s]["reset"] for s in states])
    width = n + len(reset)
    start, base = {netlist.input_node: 0}, n
    for s in states:
        start[s], base = base, base + netlist.width(s)
    # global ids: view inputs, the two constants, then the layers (topological order)
    remap = np.arange(width + 2 + netlist.gate_count(), dtype=np.int64)
    remap[n:width][fixed] = width + reset[fixed].astype(np.int64)  # reset is uint8
    ids = width + 2
    for node in netlist.logic_layers():
        start[node], ids = ids, ids + netlist.width(node)
    view = nx.DiGraph(**{k: v for k, v in g.graph.items()})
    view.add_node("input", op="input", width=width)
    view.add_node(CONST, op="logic", tt=np.array([0, 3], np.uint64),
                  fanin=np.zeros((2, 1), np.int32))
    view.add_edge("input", CONST, slot=0)
    order = ["input", CONST]
    for node in netlist.logic_layers():
        attrs = g.nodes[node]
        fanin = remap[_vector(netlist, node, start)[attrs["fanin"]]]
        view.add_node(node, op="logic", tt=attrs["tt"].copy(), fanin=fanin.astype(np.int32))
        for slot, u in enumerate(order):
            view.add_edge(u, node, slot=slot)
        order.append(node)
    out = g.nodes[netlist.output_node]
    vector = remap[_vector(netlist, netlist.output_node, start)]
    nexts = np.concatenate([remap[start[g.nodes[s]["next"]] + np.arange(netlist.width(s))]
                            for s in states])
    groups = [vector[np.asarray(grp, np.int64)] for grp in out["groups"]] + \
        [nexts[i:i + 1] for i in np.flatnonzero(~dropped)]
    offset = np.concatenate([out["offset"], np.zeros((~dropped).sum(), np.int64)])
    view.add_node("groupsum", op="groupsum", groups=groups, offset=offset, tau=out["tau"],
                  beta=out.get("beta", 0.0))
    for slot, u in enumerate(order):
        view.add_edge(u, "groupsum", slot=slot)
    return Gates.of(Netlist(view)).netlist()[0]


def _vector(netlist, node, start):
    """Global ids of a node's input vector."""
    return np.concatenate([start[u] + np.arange(netlist.width(u)) for u in netlist.sources(node)])


def _state_groups(view, netlist):
    """(the view's next-state classes as global view ids, their offsets), one per state bit it
    has a class for."""
    gates = Gates.of(view)
    k = netlist.n_classes
    order = np.argsort(gates.klass, kind="stable")
    sizes = np.bincount(gates.klass, minlength=len(gates.offset))
    groups = np.split(gates.bits[order], np.cumsum(sizes)[:-1])
    return groups[k:], gates.offset[k:]


def live_state_bits(view, netlist, fixed):
    """bool over all state bits: those some class score depends on, over any number of steps."""
    gates, n, k = Gates.of(view), netlist.n_inputs, netlist.n_classes
    n_state = len(fixed)
    kept = np.flatnonzero(~fixed)          # the state bits with a next-state class, in order
    live = np.zeros(n_state, dtype=bool)
    seeds = gates.bits[gates.klass < k]
    while True:
        read = np.zeros(gates.n_inputs + gates.n_gates, dtype=bool)
        read[seeds] = True
        for lo, hi in reversed(gates.batches()):
            read[gates.fanin[lo:hi][read[gates.n_inputs + lo:gates.n_inputs + hi]]] = True
        now = read[n:n + n_state]
        if (now == live).all():
            return live
        live = now
        wanted = np.isin(gates.klass - k, np.flatnonzero(live[kept]))
        seeds = np.concatenate([gates.bits[gates.klass < k], gates.bits[wanted]])


def from_view(view, netlist, kept):
    """The recurrent netlist of an optimized view: the view's input split into the original's
    input and state nodes (the state bits `kept` only), the view's layers, and per state a layer
    of wires or constants reading what its next-state classes read."""
    n, k = netlist.n_inputs, netlist.n_classes
    g = view.copy().graph
    states, bounds = (netlist.state_nodes(),
                      np.cumsum([0] + [netlist.width(s) for s in netlist.state_nodes()]))
    parts = [(s, lo, hi) for s, lo, hi in zip(states, bounds[:-1], bounds[1:]) if kept[lo:hi].any()]
    # where view input bit p goes in the concatenation [input, the kept bits of each state]
    position = np.full(n + len(kept), -1, dtype=np.int64)
    position[:n] = np.arange(n)
    position[n + np.flatnonzero(kept)] = n + np.arange(kept.sum())
    split = [netlist.input_node] + [s for s, _, _ in parts]
    readers = list(g.successors(view.input_node))
    rewired = {}
    for node in readers:
        sources, old, new = view.sources(node), [], []
        for u in sources:
            width = view.width(u)
            if u == view.input_node:
                old.append(position + sum(len(x) for x in new))
                new.append(np.arange(n + int(kept.sum())))
            else:
                old.append(np.arange(width) + sum(len(x) for x in new))
                new.append(np.arange(width))
        index = np.concatenate(old)
        attrs = g.nodes[node]
        read = attrs["fanin"] if attrs["op"] == "logic" else np.concatenate(attrs["groups"])
        if (index[read] < 0).any():
            raise VerificationError("the passes left a read of a removed state bit (a bug in lgc)")
        if attrs["op"] == "logic":
            attrs["fanin"] = index[attrs["fanin"]].astype(np.int32)
        else:
            attrs["groups"] = [index[np.asarray(grp, np.int64)] for grp in attrs["groups"]]
        rewired[node] = [w for u in sources for w in (split if u == view.input_node else [u])]
    g.remove_node(view.input_node)
    g.add_node(netlist.input_node, op="input", width=n)
    for node, sources in rewired.items():
        g.remove_edges_from(list(g.in_edges(node)))
        for slot, u in enumerate(sources):
            if u not in g:
                g.add_node(u)
            g.add_edge(u, node, slot=slot)
    out = g.nodes[view.output_node]
    groups, offset = out["groups"], out["offset"]
    sources, next_class = list(view.sources(view.output_node)), k
    sources = [w for u in sources for w in (split if u == view.input_node else [u])]
    for s, lo, hi in parts:
        bits = np.flatnonzero(kept[lo:hi]) + lo
        classes = next_class + np.searchsorted(np.flatnonzero(kept), bits) - np.searchsorted(
            np.flatnonzero(kept), lo)
        next_class += len(bits)
        if any(len(groups[c]) > 1 or (len(groups[c]) and offset[c]) for c in classes):
            raise VerificationError("a next-state class is not one bit (a bug in lgc)")
        name = _free_name(g, f"{s}_next")
        g.add_node(name, op="logic",
                   tt=np.array([2 if len(groups[c]) else 3 * int(offset[c]) for c in classes],
                               np.uint64),
                   fanin=np.array([[groups[c][0] if len(groups[c]) else 0] for c in classes],
                                  np.int32))
        for slot, u in enumerate(sources):
            g.add_edge(u, name, slot=slot)
        g.nodes[s].update(op="state", width=len(bits),
                          reset=netlist.graph.nodes[s]["reset"][bits - lo].copy(), next=name)
    out["groups"], out["offset"] = groups[:k], offset[:k].copy()
    return Netlist(g).validate()


def _free_name(graph, name):
    base, i = name, 1
    while name in graph:
        i += 1
        name = f"{base}{i}"
    return name


def check_sequences(original, optimized, n_random, seed):
    """VerificationError unless both netlists give the same scores on random sequences."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2, (max(64, n_random // 4), SEQUENCE_STEPS, original.n_inputs), np.uint8)
    lengths = rng.integers(1, SEQUENCE_STEPS + 1, len(x))
    before = evaluate_sequences(original, x, lengths)[0]
    after = evaluate_sequences(optimized, x, lengths)[0]
    bad = np.argwhere((before != after).any(axis=2))
    if len(bad):
        i, t = bad[0]
        raise VerificationError(f"the passes changed the scores over sequences: {len(bad)} steps "
                                f"differ; first: random sequence {i} (seed {seed}) step {t}, "
                                f"scores before {before[i, t].tolist()}, "
                                f"after {after[i, t].tolist()}")
