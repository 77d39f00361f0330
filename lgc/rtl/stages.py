"""Where the registers go: gate stages, the vectors that cross each stage register, and the stages
of the GroupSum/argmax reduction.

Time runs from the core's input register (the live input bits are boundary 0). Gates sit at LUT
levels (cones.py); registers cut between levels, at the `cuts` (levels after which a register
sits): a gate at LUT level L is computed in the stage after the last cut below L and its output
is registered at the end of that stage; a bit read in a later stage rides along in every register
between (a delay register, counted apart). Boundary s is the vector after stage s: every bit made
by then and read later. The last boundary is what the GroupSum reads; the last stage's register
may be left out (`register_last`: the popcount's first sums then share its clock).

Where the cuts go:
- `asap_cuts`: every N levels (the fixed `--layers-per-stage N`);
- `fewest_bits_cuts` (timing-driven): the stages that fit the period (`stage_starts`: their
  levels' predicted ns within it), as few as the depth needs, with the cuts at the level
  boundaries where the fewest bits cross in total (skip edges and wide layers make some
  boundaries far cheaper than others). A dynamic programme over the levels; `crossings` counts
  the bits at every boundary. No cut falls inside a gate that takes several levels
  (`inside_gates`: a table wider than a LUT and its muxes) where the stages can avoid it: the
  later stage would compute the whole gate, more levels than planned.

The reduction after the gates (reduction_schedule): the popcount's stages (how many operands each
sum adds, per class) and the argmax levels after which a register sits.
"""

import dataclasses

import numpy as np

from . import cones
from .signals import Signals, live


@dataclasses.dataclass
class Stage:
    gates: list          # [signals.Layer]: the gates this stage computes, per netlist layer
    inputs: np.ndarray   # ids on the stage's input vector (the previous boundary)
    outputs: np.ndarray  # ids on its output vector (the next boundary)
    registered: bool     # its output is a pipeline register
    levels: int          # LUT levels it holds


@dataclasses.dataclass
class Levels:
    """The live gates of a netlist by LUT level, and the levels where each bit is made and read."""
    signals: Signals
    layers: list         # [signals.Layer], live gates only
    alive: np.ndarray    # bool [count]
    level: np.ndarray    # int32 [count]: a gate's LUT level (input bits: 0)
    cone: np.ndarray     # int32 [count, K]: the leaves of each gate's cone (cones.py)
    depth: int           # the deepest live gate's level
    read: np.ndarray     # int64 [count]: the deepest level that reads a bit (GroupSum: depth + 1)
    widest: int          # the most inputs a live gate reads
    span: np.ndarray     # int32 [count]: the LUT levels a gate takes (cones.py), the last its own


@dataclasses.dataclass
class LogicPlan:
    signals: Signals
    stages: list         # [Stage]
    boundaries: list     # ids on boundary 0 (the live input bits) ... boundary S (the GroupSum's)
    lut_levels: int      # depth of the deepest live gate in LUTs
    live_gates: int
    stage_bits: int      # register bits holding a value computed in the stage just before
    delay_bits: int      # register bits carrying an older value on to a later stage
    cuts: list           # levels after which a stage ends

    @property
    def registered(self):
        """Some gate stage ends in a register."""
        return any(stage.registered for stage in self.stages)


def gate_levels(netlist, lut_size, mux_inputs=0):
    signals = Signals(netlist)
    layers = signals.layers()
    alive = live(signals, layers)
    layers = [layer.subset(alive[layer.ids]) for layer in layers]
    level, cone, span = cones.lut_levels(signals, layers, lut_size, mux_inputs)
    depth = max((int(level[layer.ids].max()) for layer in layers if len(layer.ids)), default=0)
    read = np.full(signals.count, -1, dtype=np.int64)
    for layer in layers:
        reads = layer.inputs >= 0
        np.maximum.at(read, layer.inputs[reads],
                      np.broadcast_to(level[layer.ids][:, None].astype(np.int64),
                                      layer.inputs.shape)[reads])
    groupsum_bits = np.unique(np.concatenate(signals.groups() + [np.zeros(0, np.int64)]))
    read[groupsum_bits] = depth + 1
    widest = max((int((layer.inputs >= 0).sum(axis=1).max()) for layer in layers
                  if len(layer.ids)), default=0)
    return Levels(signals, layers, alive, level, cone, depth, read, widest, span)


def crossings(levels):
    """int64 [depth + 1]: the live bits crossing the boundary after each level (made at or before
    it, read after it); boundary `depth` is the GroupSum's input."""
    made = levels.level[levels.alive].astype(np.int64)
    read = levels.read[levels.alive]
    used = read > made
    count = np.zeros(levels.depth + 2, dtype=np.int64)
    np.add.at(count, made[used], 1)
    np.add.at(count, read[used], -1)
    return np.cumsum(count)[:levels.depth + 1]


def entry_levels(levels):
    """bool [depth + 1]: the levels where a live gate starts (its first LUT level: the one its
    inputs' nets reach; a wide gate's further levels read its own LUTs)."""
    ids = np.flatnonzero(levels.alive & (levels.span > 0))
    entry = np.zeros(levels.depth + 1, dtype=bool)
    entry[levels.level[ids] - levels.span[ids] + 1] = True
    return entry


def inside_gates(levels):
    """bool [depth + 1]: the boundaries after a level that fall inside a live gate's levels (a
    table wider than a LUT and its muxes). A cut there would put the whole gate in the later
    stage, whose levels would then be more than the plan counts."""
    ids = np.flatnonzero(levels.alive & (levels.span > 1))
    inside = np.zeros(levels.depth + 2, dtype=np.int64)
    np.add.at(inside, levels.level[ids] - levels.span[ids] + 1, 1)   # its first level
    np.add.at(inside, levels.level[ids], -1)                          # its own, the last
    return np.cumsum(inside)[:levels.depth + 1] > 0


def asap_cuts(depth, levels_per_stage):
    """A cut every N levels (none with N = 0)."""
    if not levels_per_stage:
        return []
    return list(range(levels_per_stage, depth, levels_per_stage))


def stage_starts(level_ns, budget):
    """int [depth + 1]: for each boundary c, the earliest boundary a stage ending at c may start
    from, its levels' ns (`level_ns` [depth + 1], index 0 unused) within `budget`."""
    ends = np.cumsum(np.concatenate([[0.0], np.asarray(level_ns, dtype=float)[1:]]))
    return np.searchsorted(ends, ends - budget - 1e-9, side="left")


def fewest_bits_cuts(crossing, starts, last_start=None, barred=None):
    """The cuts of the fewest stages (a stage ending at boundary c starts at `starts[c]` or
    later; the last one at `last_start` or later), where the fewest bits cross in total, none at
    a `barred` boundary (bool [depth + 1]); None when no such stages exist."""
    depth = len(crossing) - 1
    last_start = starts[depth] if last_start is None else max(last_start, starts[depth])
    if last_start == 0:
        return []
    allowed = np.ones(depth + 1, dtype=bool) if barred is None else ~np.asarray(barred)
    # cost[s][c]: least bits crossing s cuts, the s-th after level c (cut 0 at level 0, free)
    inf = np.iinfo(np.int64).max // 2
    cost = np.full((depth + 1, depth + 1), inf, dtype=np.int64)
    back = np.zeros((depth + 1, depth + 1), dtype=np.int64)
    cost[0, 0] = 0
    for n_cuts in range(1, depth + 1):   # the fewest stages; more only where cuts are barred
        for c in np.flatnonzero(allowed[1:depth]) + 1:
            lo = int(starts[c])
            prev = cost[n_cuts - 1, lo:c]
            if not len(prev):
                continue
            j = int(np.argmin(prev))
            if prev[j] < inf:
                cost[n_cuts, c] = prev[j] + crossing[c]
                back[n_cuts, c] = lo + j
        ends = [c for c in range(last_start, depth) if cost[n_cuts, c] < inf]
        if ends:
            break
    else:
        return None
    c = min(ends, key=lambda c: (cost[n_cuts, c], c))
    cuts = []
    for s in range(n_cuts, 0, -1):
        cuts.append(int(c))
        c = int(back[s, c])
    return sorted(cuts)


def plan_logic(netlist, layers_per_stage, lut_size, cuts=None, register_last=True, levels=None):
    """Assign every live gate to a stage and work out the vector crossing every stage boundary:
    stages of `layers_per_stage` LUT levels (0: one unregistered stage), or ending at `cuts`."""
    levels = levels or gate_levels(netlist, lut_size)
    signals, layers, alive = levels.signals, levels.layers, levels.alive
    if cuts is None:
        cuts = asap_cuts(levels.depth, layers_per_stage)
        register_last = register_last and bool(layers_per_stage)
    cuts = sorted(int(c) for c in cuts if 0 < c < levels.depth)

    # Producer stage of every bit (inputs: 0) and the last stage that reads it (GroupSum: S + 1).
    made = np.zeros(signals.count, dtype=np.int64)
    for layer in layers:
        made[layer.ids] = np.searchsorted(cuts, levels.level[layer.ids], side="left") + 1
    n_stages = int(max((made[layer.ids].max() for layer in layers if len(layer.ids)), default=0))
    last_read = np.full(signals.count, -1, dtype=np.int64)
    for layer in layers:
        reads = layer.inputs >= 0
        np.maximum.at(last_read, layer.inputs[reads],
                      np.broadcast_to(made[layer.ids][:, None], layer.inputs.shape)[reads])
    last_read[levels.read == levels.depth + 1] = n_stages + 1

    def boundary(b):
        return np.flatnonzero(alive & (made <= b) & (last_read > b))

    stages, stage_bits, delay_bits = [], 0, 0
    bounds = [boundary(b) for b in range(n_stages + 1)]
    edges = [0] + cuts + [levels.depth]
    for s in range(1, n_stages + 1):
        gates = [layer.subset(made[layer.ids] == s) for layer in layers]
        registered = s < n_stages or register_last
        stages.append(Stage([g for g in gates if len(g.ids)], bounds[s - 1], bounds[s],
                            registered, edges[s] - edges[s - 1]))
        if registered:
            fresh = int((made[bounds[s]] == s).sum())
            stage_bits += fresh
            delay_bits += len(bounds[s]) - fresh
    return LogicPlan(signals, stages, bounds, levels.depth,
                     sum(len(layer.ids) for layer in layers), stage_bits, delay_bits, cuts)


# --- the reduction: popcount stages and argmax levels ------------------------------------------

def reduction_cuts(levels, levels_per_stage):
    """Levels (1-based) of the popcount + argmax reduction after which a register sits; the
    output register after the last level belongs to the core and is not listed."""
    if not levels_per_stage:
        return []
    return list(range(levels_per_stage, levels, levels_per_stage))


def timed_schedule(popcount, delays, budget, first_budget):
    """The popcount's schedule for a clock: each stage adds, per class, as many operands per sum
    as the delay model lets into its budget (the first stage's is `first_budget`), over single
    bits 2**k - 1 of them (a sum that fills its bits: 7 bits make 3; 5 make 3 too, but in
    nearly twice the LUTs per bit of 3, and the cores run short of LUTs before flip-flops).
    A class's early bits (Popcount's `early`: ready at the last gate stage's input register)
    are summed apart in the first stage, within the whole `budget`: they need not wait for the
    last gate level. Every class takes the same number of stages; a smaller one adds fewer
    operands early, so that every later stage still has two to add (a stage only copies a
    value on where a class is down to a single bit). None when a stage cannot even add two
    operands within its budget."""
    tops = [[1] * len(g) for g in popcount.groups]
    stages = 1
    for c, class_tops in enumerate(tops):   # the fewest stages the largest class needs
        current, need = class_tops, 0
        if len(current) > 1:
            sizes = _first_sizes(popcount, c, delays, budget, first_budget)
            if None in sizes:
                return None
            current, need = _sums(current, sizes, 0)[0], 1
        while len(current) > 1:
            rows = _widest(delays, current, budget)
            if rows < 2:
                return None
            current, _ = _sums(current, even_sizes(len(current), -(-len(current) // rows)), 0)
            need += 1
        stages = max(stages, need)
    # the last stage also holds the class's constant (one more summand) and, for signed
    # scores, the base added after the sum
    base = delays.sum_path(2, popcount.width, popcount.width) if popcount.signed else 0.0
    while stages <= 1 + max(map(len, tops), default=0):
        schedule = _schedule_in(popcount, delays, budget, first_budget, tops, stages, base)
        if schedule is None:   # a stage could not add two operands (and the constant)
            return None
        if schedule:
            return schedule
        stages += 1   # too much left for the last stage: one more
    return None


def _first_sizes(popcount, c, delays, budget, first_budget, left=None):
    """Class c's runs in the first stage when it is not the last (`left` stages after it; None:
    unknown): its other bits within `first_budget`, its early ones apart within `budget` (a run
    never mixes the two); [None] when its other bits cannot even be added in pairs."""
    n, late = len(popcount.groups[c]), popcount.late[c]
    if n - late < 2:   # no early bits to sum apart: a lone one joins the others
        late = n
    sizes = []
    for m, available in ((late, first_budget), (n - late, budget)):
        if m < 2:
            sizes += [1] * m
            continue
        rows = _widest(delays, [1] * m, available)
        if rows < 2:
            return [None]
        if left:
            rows = _first_stage_rows(rows, n, left)
        sizes += even_sizes(m, -(-m // rows))
    return sizes


def _schedule_in(popcount, delays, budget, first_budget, tops, stages, base):
    """timed_schedule's sums in exactly `stages` stages; [] when they leave the last stage
    more operands than fit, None when a stage cannot add two operands at all."""
    schedule, current = [], [list(t) for t in tops]
    for s in range(stages):
        left, stage = stages - s - 1, []
        available = (first_budget if s == 0 else budget) - (0.0 if left else base)
        for c, class_tops in enumerate(current):
            n, rows = len(class_tops), 1
            const = 0 if left else popcount.consts[c]
            if s == 0 and left and n > 1:
                sizes = _first_sizes(popcount, c, delays, budget, first_budget, left)
                if None in sizes:
                    return None
                stage.append(sizes)
                current[c], _ = _sums(class_tops, sizes, 0)
                continue
            if n > 1 or (n and const):
                rows = _widest(delays, class_tops, available, const)
                if rows < min(n, 2):
                    return [] if n > 2 and not left else None
                rows = _first_stage_rows(rows, n, left) if s == 0 else _leave_for(rows, n, left)
            stage.append(even_sizes(n, -(-n // rows)))
            current[c], _ = _sums(class_tops, stage[-1], const)
        schedule.append(stage)
    return schedule if all(len(t) <= 1 for t in current) else []


def _leave_for(rows, n, left):
    """At most `rows` operands a sum of n, leaving at least 2 ** (left - 1) + 1 of them for the
    `left` stages after it."""
    return min(rows, max(2, -(-n // ((1 << (left - 1)) + 1)))) if left else rows


def _first_stage_rows(rows, n, left):
    """_leave_for's operands in the first stage, over single bits: runs of 2**k - 1 (a stage
    that is also the last adds them all in one sum where it can)."""
    rows = _leave_for(rows, n, left)
    if rows >= n:
        return rows
    return (1 << ((rows + 1).bit_length() - 1)) - 1 if rows >= 3 else rows


def first_stage_sums(popcount, schedule):
    """The first stage's sums, (operands, widest operand's bits, result bits) each: (those over
    the classes' other bits, those over their early bits alone)."""
    late, early = [], []
    for c, sizes in enumerate(schedule[0] if schedule else []):
        const = popcount.consts[c] if len(schedule) == 1 else 0
        _, made = _sums([1] * len(popcount.groups[c]), sizes, const)
        starts = np.cumsum([0] + sizes[:-1])
        summed = [start for j, (size, start) in enumerate(zip(sizes, starts))
                  if size + bool(const and j == 0) > 1]   # the runs _sums adds
        for start, x in zip(summed, made):
            (early if start >= popcount.late[c] else late).append(x)
    return late, early


def schedule_sums(popcount, schedule):
    """Per stage: the sums it makes, (operands, widest operand's bits, result bits) each, and
    the bits of every value after it (its register, if it has one)."""
    tops = [[1] * len(g) for g in popcount.groups]
    out = []
    for s, stage in enumerate(schedule):
        sums = []
        for c, sizes in enumerate(stage):
            tops[c], made = _sums(tops[c], sizes,
                                   popcount.consts[c] if s == len(schedule) - 1 else 0)
            sums += made
        out.append((sums, sum(t.bit_length() for class_tops in tops for t in class_tops)))
    return out


def _sums(tops, sizes, const):
    """A stage's sums over one class's operands (their largest values): the largest values after
    it, and (operands, widest operand's bits, result bits) of each sum it makes."""
    out, sums, at = [], [], 0
    for j, size in enumerate(sizes):
        part, at = tops[at:at + size], at + size
        extra = const if j == 0 else 0
        total = sum(part) + extra
        if size + bool(extra) > 1:
            sums.append((size + bool(extra), max(t.bit_length() for t in part),
                         total.bit_length()))
        out.append(total)
    return out, sums


def _widest(delays, tops, available, const=0):
    """The most operands (of these largest values) one sum may add within `available` ns, with
    the constant `const` (when not 0) one more summand."""
    width = max(t.bit_length() for t in tops)
    ordered = sorted(tops, reverse=True)
    best, total = 0, const
    for rows in range(1, len(ordered) + 1):
        total += ordered[rows - 1]
        summands = rows + bool(const)
        if summands > 1 and delays.sum_path(summands, width, total.bit_length()) > available:
            break
        best = rows
    return best


def even_sizes(n, parts):
    """n items in `parts` runs whose lengths differ by at most one (the longer first)."""
    if not n:
        return []
    q, r = divmod(n, parts)
    return [q + 1] * r + [q] * (parts - r)
