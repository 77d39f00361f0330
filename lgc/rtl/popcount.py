"""The GroupSum in hardware: per class a balanced adder tree over its group's bits, written as text.

Level 1 adds pairs of bits, level 2 pairs of those sums, and so on; an odd operand out passes to
the next level unchanged, so a class of n bits is ceil(log2 n) levels deep. Every sum is exactly as
wide as its largest value. The class's constant (its offset) joins the first sum of level 1, where
it costs no extra level: that node is still a function of two bits. A bit that appears twice in a
group is added twice (repeats are paired with other bits first, so they rarely meet in one sum).
Classes whose tree is shallower pass their score on to the deepest level.

Registers sit after the levels listed in `cuts`; each stretch between cuts is one module
(`lgc_popcount_sJ`) whose output is that register (the last one's only when `register_last`). A register holds only the bits of a
sum that can change (the constant puts fixed high bits into the first sums): every value keeps its
range, lo..top a step apart, and the next module writes its fixed bits as constants. The last
module's output is the scores vector: k fields of `width` bits, class 0 in the low bits.

Offsets may be negative. The trees then count from `base` (the lowest offset) up, with non-negative
constants, and the scores come out in two's complement: `base` is added at the end, modulo
2**width, in the same level as the last sum.
"""

import dataclasses
import math

import numpy as np

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
    def __init__(self, groups, offsets):
        """groups: per class, positions of its bits on the GroupSum's input vector (repeats count
        twice); offsets: per class, the constant added to its count."""
        self.groups = [_spread_repeats(np.asarray(g, dtype=np.int64)) for g in groups]
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

    def modules(self, cuts, n_in, register_last=False, prefix="lgc_popcount"):
        """The modules between the registers after the levels in `cuts`, each ending in its
        register (the last one in a register only when `register_last`)."""
        key = (tuple(cuts), n_in, register_last, prefix)
        if key not in self._modules:
            self._modules[key] = self._write(*key)
        return self._modules[key]

    def _write(self, cuts, n_in, register_last, prefix):
        ops = [[Operand(1, 0, 1, 1, False, at=p) for p in g] for g in self.groups]
        bounds = [0] + sorted(c for c in cuts if 0 < c < self.depth) + [self.depth]
        modules = []
        for j, (lo, hi) in enumerate(zip(bounds, bounds[1:]), start=1):
            lines = []
            for level in range(lo + 1, hi + 1):
                for c, class_ops in enumerate(ops):
                    ops[c] = _level(class_ops, self.consts[c] if level == 1 else 0,
                                    f"c{c}_{level}", lines)
            last = hi == self.depth
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
                          comment=f"GroupSum popcount, tree levels {lo + 1} to {hi} of "
                                  f"{self.depth}" if hi > lo else "GroupSum scores")
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


def _level(ops, const, prefix, lines):
    """One tree level over a class's operands; appends the new sums' wire lines."""
    out = []
    exprs = [op.expr for op in ops]
    for j in range(0, len(ops), 2):
        a = ops[j]
        add = const if j == 0 else 0
        if j + 1 == len(ops):
            if not add:
                out.append(a)
                continue
            lo, top, step, pair = a.lo + add, a.top + add, a.step, ((a, exprs[j]),)
        else:
            b = ops[j + 1]
            lo, top = a.lo + b.lo + add, a.top + b.top + add
            # the same value added twice: an even sum
            step = 2 * a.step if exprs[j] == exprs[j + 1] else math.gcd(a.step, b.step)
            pair = ((a, exprs[j]), (b, exprs[j + 1]))
        width = top.bit_length()
        terms = [e if op.width == width else f"{{{width - op.width}'d0, {e}}}" for op, e in pair]
        if add:
            terms.append(f"{width}'d{add}")
        name = f"{prefix}_{j // 2}"
        lines.append(f"    wire [{width - 1}:0] {name} = {' + '.join(terms)};")
        out.append(Operand(width, lo, top, step, True, wire=name))
    return out


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
