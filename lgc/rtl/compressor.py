"""The GroupSum as a carry-save tree for a clock: levels of full adders, registered every few
levels, and one adder at the end.

Per class the bits sit in columns by weight (all group bits in column 0). A level of full adders
turns every three bits of a column into a sum bit there and a carry bit one column up, one LUT
level deep; a stage holds as many levels as its budget allows, and its register holds every bit
of every column (no final adder in between: a carry chain costs a stage about two LUT levels,
and a word-wide sum per stage registers about twice the bits). The last stage brings the columns
down with a few more levels and adds their rows in one `+` with the class's constant (and, for
signed scores, the base). The first stage shares its clock with the last gate levels (its
levels over the late bits fit what they leave) and sums the early bits (Popcount's `early`,
ready at the last gate stage's input register) beside them within the whole period.

Every full adder is `wire [1:0] f = {1'd0, a} + {1'd0, b} + {1'd0, c};` and its two bits are read
apart in two columns: lgc.formal.rtl_structure joins them back into its value.
"""

import dataclasses
import math

from .popcount import Module
from .text import concat, render, slices

# A stage of fewer full-adder levels spends too much of its period on the nets between its
# registers and its adders, which the delay model does not see: the example's 3-level stages
# missed their clock where its 4-level stages met theirs (bench/README.md, "Quality of results").
# Below this the planner keeps the word-wide sums.
MIN_STAGE_LEVELS = 4


@dataclasses.dataclass(frozen=True)
class CarrySave:
    """Full-adder levels per stage: `levels[0]` over the late bits of the first stage (its early
    bits get `early_levels`), then one entry per later stage; the last stage's levels come before
    its adder."""
    levels: tuple
    early_levels: int


def schedule(popcount, delays, budget, first_budget):
    """The CarrySave of the fewest stages for a clock (None when a stage cannot hold
    MIN_STAGE_LEVELS levels, or the first stage one beside the gates):
    the first stage as many levels as fit each kind of bit, later ones as many as fit, the last
    one as few as let its adder fit after them."""
    level = delays.full_adder_level
    late, full = math.floor(first_budget / level), math.floor(budget / level)
    if late < 1 or full < MIN_STAGE_LEVELS or not any(len(g) > 1 for g in popcount.groups):
        return None
    columns, _ = next(_walk(popcount, CarrySave((late,), full)))
    levels = [late]
    for _ in range(64):
        for final in range(full + 1):
            if _last_path(popcount, delays, [_reduce(cols, final)[0] for cols in columns],
                          final) <= budget:
                return CarrySave(tuple(levels + [final]), full)
        columns = [_reduce(cols, full)[0] for cols in columns]
        levels.append(full)
    return None


def registers(popcount, cs):
    """Bits each stage but the last registers."""
    return [sum(sum(map(len, cols)) for cols in columns)
            for columns, _ in list(_walk(popcount, cs))[:-1]]


def paths(popcount, delays, cs):
    """ns of every stage: the first as (over its late bits, over its early bits)."""
    level = delays.full_adder_level
    (_, first), *middle, (columns, _) = _walk(popcount, cs)
    return ([tuple(used * level for used in first)] + [used * level for _, used in middle]
            + [_last_path(popcount, delays, columns, cs.levels[-1])])


def full_adders(popcount, cs):
    """(full adders of the tree, (rows, result bits) of every class's last adder)."""
    counter = [0]
    *_, (columns, _) = _walk(popcount, cs, counter)
    return counter[0], [(max(map(len, cols), default=0) + bool(const), popcount.width)
                        for cols, const in zip(columns, popcount.consts)]


def _walk(popcount, cs, counter=None):
    """Per stage, every class's columns after its full-adder levels (the last stage's before its
    adder) and the most levels that added anything in a class (the first stage's as (over the
    late bits, over the early bits)); `counter` counts the full adders."""
    columns, first = [], (0, 0)
    for c, g in enumerate(popcount.groups):
        late, used_late = _reduce(_column(popcount.late[c]), cs.levels[0], counter=counter)
        early, used_early = _reduce(_column(len(g) - popcount.late[c]), cs.early_levels,
                                    counter=counter)
        columns.append(_merge(late, early))
        first = (max(first[0], used_late), max(first[1], used_early))
    yield columns, first
    for levels in cs.levels[1:]:
        reduced = [_reduce(cols, levels, counter=counter) for cols in columns]
        columns = [cols for cols, _ in reduced]
        yield columns, max((used for _, used in reduced), default=0)


def modules(popcount, cs, n_in, register_last=False, prefix="lgc_popcount"):
    """The Verilog modules of a CarrySave (popcount.Module each), the first reading the
    GroupSum's vector then the early bits, each later one its predecessor's register."""
    out, stages = [], len(cs.levels)
    inputs = [([f"i[{p}]" for p in g[:popcount.late[c]]], [f"i[{p}]" for p in g[popcount.late[c]:]])
              for c, g in enumerate(popcount.groups)]
    columns = None
    for j in range(1, stages + 1):
        lines = []
        if j == 1:
            columns = []
            for c, (late, early) in enumerate(inputs):
                fa = _writer(lines, f"c{c}_1")
                columns.append(_merge(_reduce([late] if late else [], cs.levels[0], fa)[0],
                                      _reduce([early] if early else [], cs.early_levels, fa)[0]))
        else:
            at, fresh = 0, []
            for cols in columns:   # what the register before holds, in order
                fresh.append([])
                for col in cols:
                    fresh[-1].append([f"i[{at + k}]" for k in range(len(col))])
                    at += len(col)
            columns = [_reduce(cols, cs.levels[j - 1], _writer(lines, f"c{c}_{j}"))[0]
                       for c, cols in enumerate(fresh)]
        last = j == stages
        if last:
            outputs = [_score(popcount, c, cols, lines) for c, cols in enumerate(columns)]
            widths = [popcount.width] * len(columns)
        else:
            outputs = [bit for cols in columns for col in cols for bit in col]
            widths = None
        name = f"{prefix}_s{j}"
        registered = register_last or not last
        width = sum(widths) if widths else len(outputs)
        text = render("popcount.v.j2", name=name, registered=registered, body="\n".join(lines),
                      in_width=n_in, out_width=width, outputs=slices(outputs, widths),
                      comment=f"GroupSum carry-save tree, stage {j} of {stages}")
        carried = 0 if last else sum(bit.startswith("i[") for bit in outputs)
        out.append(Module(name, text, n_in, width, width - carried, carried, registered))
        n_in = width
    return out


def _score(popcount, c, cols, lines):
    """Class c's score: the rows of its columns added with its constant (and the base)."""
    w = popcount.width
    rows = [concat([col[r] if r < len(col) else "1'b0" for col in cols]
                   + ["1'b0"] * (w - len(cols))) for r in range(max(map(len, cols), default=0))]
    terms = rows + [f"{w}'d{popcount.consts[c]}"] * bool(popcount.consts[c] or not rows)
    if popcount.signed:
        terms.append(f"{w}'d{popcount.base % (1 << w)}")
    lines.append(f"    wire [{w - 1}:0] score_{c} = {' + '.join(terms)};")
    return f"score_{c}"


def _writer(lines, prefix):
    """A full adder writer for _reduce: appends its line, returns its (sum, carry) bits."""
    count = [0]

    def fa(a, b, c):
        name = f"{prefix}_{count[0]}"
        count[0] += 1
        lines.append(f"    wire [1:0] {name} = {{1'd0, {a}}} + {{1'd0, {b}}} + {{1'd0, {c}}};")
        return f"{name}[0]", f"{name}[1]"
    return fa


def _column(n):
    return [[None] * n] if n else []


def _merge(a, b):
    return [(a[k] if k < len(a) else []) + (b[k] if k < len(b) else [])
            for k in range(max(len(a), len(b)))]


def _reduce(columns, levels, fa=None, counter=None):
    """Up to `levels` levels of full adders over the columns (every three bits of a column: a
    sum bit there, a carry one column up); (the columns after, levels that added anything).
    `fa(a, b, c)` makes one (its sum and carry bits); `counter` counts them."""
    fa = fa or (lambda a, b, c: (None, None))
    used = 0
    for _ in range(levels):
        if all(len(col) < 3 for col in columns):
            break
        out = [[] for _ in range(len(columns) + 1)]
        for k, col in enumerate(columns):
            full = len(col) // 3 * 3
            for j in range(0, full, 3):
                s, carry = fa(*col[j:j + 3])
                out[k].append(s)
                out[k + 1].append(carry)
                if counter is not None:
                    counter[0] += 1
            out[k].extend(col[full:])
        columns = out[:-1] if not out[-1] else out
        used += 1
    return columns, used


def _last_path(popcount, delays, columns, levels):
    """ns of the last stage: its levels, then the rows of every class added with its constant
    (and the base)."""
    w = popcount.width
    base = delays.sum_path(2, w, w) if popcount.signed else 0.0
    adds = [delays.sum_path(max(map(len, cols), default=0) + bool(const), w, w)
            for cols, const in zip(columns, popcount.consts)]
    return levels * delays.full_adder_level + max(adds, default=0.0) + base
