"""The GroupSum in hardware: per class a compressor tree over its group's bits, written as text.

The reduction runs in stages, one module each (`lgc_popcount_sJ`), with a register after every
stage but the last (whose output is the scores vector, registered only when `register_last`).
A schedule says, per stage and class, how many of the class's operands each sum of that stage
adds: the first stage's operands are the group's bits, later ones the sums of the stage before.
Each sum is one multi-operand `+` of bits and words, from which yosys builds a 3:2 compressor
tree and a final adder; the proof (lgc.formal.rtl_structure) reads such sums as exact integer
sums. Every sum is exactly as wide as its largest value. A schedule comes from stages.py: for a
clock target (the widest sums the delay model lets into each stage) or from fixed cuts in a
binary adder tree (`binary_schedule`: a stage of d tree levels adds 2**d operands). A class's
operands may include early bits (read by the first stage from the last gate stage's input
register, beside that stage: lgc.rtl.core): they follow its other bits, and the first stage's
sums never mix the two.

The class's constant (its offset) joins its sum in the last stage (earlier, it would make the
first sums wider and slower, and the registers after them hold its fixed bits). A bit that appears
twice in a group is added twice (repeats are spread over different sums first). A register holds
only the bits of a sum that can change (a bit added to itself has a fixed low bit): every value
keeps its range, lo..top a step apart, and the next module writes its fixed bits as constants. The
last module's output is the scores vector: k fields of `width` bits, class 0 in the low bits.

Offsets may be negative. The trees then count from `base` (the lowest offset) up, with
non-negative constants, and the scores come out in two's complement: `base` is added at the end,
modulo 2**width, in the same stage as the last sum.
"""

import dataclasses
import math

import numpy as np

from .stages import even_sizes
from .text import concat, render, slices


def tree_depth(n_bits, const):
    if n_bits >= 2:
        return (n_bits - 1).bit_length()
    return 1 if n_bits == 1 and const else 0


@dataclasses.dataclass(slots=True)
class Operand:
    """A value between tree levels, as the current module reads it: a sum made here (`wire`), a
    slice of the input vector from bit `at`, or bit by bit (`bits`: ("i", position) or a 0/1).
    There is one per group bit at level 0 (millions at scale): slots keep them small."""
    width: int
    lo: int       # its smallest value
    top: int      # its largest value
    step: int     # its values are lo plus multiples of step
    fresh: bool   # made in the current module (else carried in from an earlier one)
    wire: str = None
    at: int = None
    bits: list = None

    @property
    def varying(self):
        """The bit positions that differ between some of its values: above them lo and top
        agree, below them the step keeps them fixed."""
        fixed_low = (self.step & -self.step).bit_length() - 1
        return range(fixed_low, min((self.lo ^ self.top).bit_length(), self.width))

    @property
    def expr(self):
        if self.wire:
            return self.wire
        if self.at is not None:
            hi = self.at + self.width - 1
            return f"i[{self.at}]" if self.width == 1 else f"i[{hi}:{self.at}]"
        return concat([f"1'b{b}" if isinstance(b, int) else b for b in self.bits])

    def bit(self, i):
        if self.wire:
            return f"{self.wire}[{i}]" if self.width > 1 else self.wire
        return ("i", self.at + i) if self.at is not None else self.bits[i]


@dataclasses.dataclass
class Module:
    name: str
    text: str
    in_width: int
    out_width: int
    fresh_bits: int    # output bits computed in this module
    carried_bits: int  # output bits passed through from its input
    registered: bool   # its output is a pipeline register


class Popcount:
    def __init__(self, groups, offsets, early=None):
        """groups: per class, positions of its bits on the GroupSum's input vector (repeats count
        twice); offsets: per class, the constant added to its count; early: per class, positions
        of more of its bits that are ready a stage before the others (the first stage may sum
        them apart, beside the last gate stage: stages.timed_schedule). A class's operands are
        its other bits, then its early ones; `late[c]` counts the others."""
        early = [[] for _ in groups] if early is None else early
        self.late = [len(g) for g in groups]
        self.groups = [_spread_repeats(np.asarray(g, dtype=np.int64))
                       + _spread_repeats(np.asarray(e, dtype=np.int64))
                       for g, e in zip(groups, early)]
        self.base = min(0, min(int(o) for o in offsets))
        self.consts = [int(o) - self.base for o in offsets]   # what the trees add: >= 0
        self.depth = max((tree_depth(len(g), c) for g, c in zip(self.groups, self.consts)),
                         default=0)
        counts = max(len(g) + c for g, c in zip(self.groups, self.consts))
        self.signed = self.base < 0
        self.width = max(counts.bit_length(), 1)
        if self.signed:  # room for base .. top in two's complement (and for the counts)
            top = max(len(g) + int(o) for g, o in zip(self.groups, offsets))
            self.width = max(self.width, max(top.bit_length(), (-self.base - 1).bit_length()) + 1)
        self._modules = {}

    def binary_schedule(self, cuts):
        """The schedule of a binary adder tree with registers after the levels in `cuts`: a stage
        of d levels adds 2**d operands at a time (d = 1 is the tree itself)."""
        bounds = [0] + sorted(c for c in cuts if 0 < c < self.depth) + [self.depth]
        counts = [len(g) for g in self.groups]
        schedule = []
        for lo, hi in zip(bounds, bounds[1:]):
            stage = [even_sizes(n, -(-n // (1 << (hi - lo)))) for n in counts]
            schedule.append(stage)
            counts = [len(sizes) for sizes in stage]
        return schedule

    def modules(self, stages, n_in, register_last=False, prefix="lgc_popcount"):
        """The modules of a schedule (or of `binary_schedule(stages)` when given cut levels),
        each ending in its register (the last one in a register only when `register_last`)."""
        schedule = self.binary_schedule(stages) if all(
            isinstance(c, (int, np.integer)) for c in stages) else stages
        key = (repr(schedule), n_in, register_last, prefix)
        if key not in self._modules:
            self._modules[key] = self._write(schedule, n_in, register_last, prefix)
        return self._modules[key]

    def _write(self, schedule, n_in, register_last, prefix):
        ops = [[Operand(1, 0, 1, 1, False, at=p) for p in g] for g in self.groups]
        modules = []
        for j, stage in enumerate(schedule, start=1):
            lines = []
            for c, sizes in enumerate(stage):
                ops[c] = _stage(ops[c], sizes, self.consts[c] if j == len(schedule) else 0,
                                f"c{c}_{j}",
                                lines)
            last = j == len(schedule)
            if last:
                outputs = [self._score(c, class_ops) for c, class_ops in enumerate(ops)]
                fields = widths = [self.width] * len(ops)
            else:  # what the register after this module holds: the bits that can change
                varying = [(op, op.varying) for o in ops for op in o]
                outputs = [op.bit(i) for op, bits in varying for i in bits]
                fields = [len(bits) for _, bits in varying]
                widths = None  # one bit each
                fixed = {op.wire for op, bits in varying if op.wire and len(bits) < op.width}
                if fixed:
                    lines = [_unused_fixed_bits(line) if line.split()[2] in fixed else line
                             for line in lines]
            fresh = [o[0].fresh if o else True for o in ops] if last else \
                [op.fresh for o in ops for op in o]
            name = f"{prefix}_s{j}"
            registered = register_last or not last
            text = render("popcount.v.j2", name=name, registered=registered,
                          body="\n".join(lines), in_width=n_in,
                          out_width=sum(fields), outputs=slices(outputs, widths),
                          comment=f"GroupSum popcount, stage {j} of {len(schedule)}")
            carried = sum(f for f, new in zip(fields, fresh) if not new)
            modules.append(Module(name, text, n_in, sum(fields), sum(fields) - carried, carried,
                                  registered))
            ops, n_in = _reread(ops), sum(fields)
        return modules

    def _score(self, c, class_ops):
        """Class c's score as a field of `width` bits."""
        w = self.width
        if not class_ops:
            return f"{w}'d{(self.consts[c] + self.base) % (1 << w)}"
        (op,) = class_ops
        if not self.signed:
            return _extend(op, w)
        return f"{_extend(op, w)} + {w}'d{self.base % (1 << w)}"


# yosys parses a sum recursing once per operand, and YoWASP's build runs out of stack at a few
# hundred one-bit operands (pyosys at a few thousand): a longer sum is written as a sum of
# partial sums, each of at most this many summands. tests/rtl/test_stages.py reads one.
MAX_SUM_OPERANDS = 255


def _stage(ops, sizes, const, prefix, lines):
    """One stage over a class's operands: a sum of each run of `sizes` operands (the constant
    joins the first); appends the sums' wire lines, returns the operands after it."""
    assert sum(sizes) == len(ops), (sizes, len(ops))
    out, at = [], 0
    for j, size in enumerate(sizes):
        chunk = ops[at:at + size]
        at += size
        add = const if j == 0 else 0
        if size == 1 and not add:
            out.append(chunk[0])
            continue
        name = f"{prefix}_{j}"
        chunk = _partial_sums(chunk, MAX_SUM_OPERANDS - bool(add), name, lines)
        chunk_exprs = [op.expr for op in chunk]
        lo, top = sum(op.lo for op in chunk) + add, sum(op.top for op in chunk) + add
        # the same value added n times: a multiple of n steps
        step = (len(chunk) * chunk[0].step if len(set(chunk_exprs)) == 1
                else math.gcd(*(op.step for op in chunk)))
        width = top.bit_length()
        terms = [e if op.width == width else f"{{{width - op.width}'d0, {e}}}"
                 for op, e in zip(chunk, chunk_exprs)]
        if add:
            terms.append(f"{width}'d{add}")
        lines.append(f"    wire [{width - 1}:0] {name} = {' + '.join(terms)};")
        out.append(Operand(width, lo, top, step, True, wire=name))
    return out


def _partial_sums(ops, most, name, lines):
    """The operands of the sum `name`, as sums of at most MAX_SUM_OPERANDS of them (wires
    `name`p_k, then `name`pp_k...) until `most` or fewer are left."""
    while len(ops) > most:
        name += "p"
        ops = _stage(ops, even_sizes(len(ops), -(-len(ops) // MAX_SUM_OPERANDS)), 0, name,
                     lines)
    return ops


def _unused_fixed_bits(line):
    return ("    /* verilator lint_off UNUSEDSIGNAL */  // bits it always has are not registered\n"
            f"{line}\n    /* verilator lint_on UNUSEDSIGNAL */")


def _extend(op, width):
    pad = width - op.width
    return op.expr if pad == 0 else f"{{{pad}'d0, {op.expr}}}"


def _reread(ops):
    """The operands as the next module sees them: their changing bits from its input vector (in
    output order), their fixed bits as constants."""
    at, out = 0, []
    for class_ops in ops:
        row = []
        for op in class_ops:
            varying = op.varying
            if len(varying) == op.width:   # the common case: a plain slice
                row.append(Operand(op.width, op.lo, op.top, op.step, False, at=at))
            else:
                bits = [(op.lo >> i) & 1 for i in range(op.width)]
                for k, i in enumerate(varying):
                    bits[i] = ("i", at + k)
                row.append(Operand(op.width, op.lo, op.top, op.step, False, bits=bits))
            at += len(varying)
        out.append(row)
    return out


def _spread_repeats(group):
    """The group's bits, first occurrences first, then second ones...: pairs of level 1 then add
    two different bits wherever the group allows (a bit added to itself has a fixed low bit)."""
    if len(np.unique(group)) == len(group):
        return list(map(int, group))
    seen = {}
    order = []
    for i, p in enumerate(map(int, group)):
        order.append((seen.get(p, 0), i, p))
        seen[p] = seen.get(p, 0) + 1
    return [p for _, _, p in sorted(order)]
