"""Argmax in Amaranth: a balanced tree of comparators, pipelined, lowest class index wins ties."""

from amaranth import Cat, Const, Module, Mux, Signal, signed, unsigned
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

# The comparators' differences: only their sign bits are read (lint waiver for verilog.convert).
PARTLY_READ = {r"difference_\d+_\d+": "only the sign of a comparator's difference is read"}


class Argmax(wiring.Component):
    """The index of the largest of `n_classes` unsigned scores, as torch.argmax picks it.

    Each comparator keeps its left (lower-index) operand unless the right one is strictly larger,
    so among equal scores the lowest class wins; scores are two's complement when `signed`. The
    comparison is the sign of left - right: one carry chain whose last sum bit is the result
    (yosys maps `right > left` to a carry chain and an equality tree joined by a LUT after it). A
    register follows every comparator level listed in `cuts` (1-based), and at the levels in
    `split` a register also sits between the compare and the select (the comparison's result and
    both candidates); the scores ride along through the same registers and leave with their class.
    """

    def __init__(self, n_classes, width, cuts, signed=False, split=()):
        self.n_classes, self.width, self.signed = n_classes, width, signed
        self.depth = argmax_depth(n_classes)
        self.cuts = sorted(c for c in cuts if 0 < c < self.depth)
        self.split = sorted(c for c in split if 0 < c <= self.depth)
        self.index_width = max(1, self.depth)
        super().__init__({"scores": In(n_classes * width), "index": Out(self.index_width),
                          "scores_out": Out(n_classes * width)})

    def elaborate(self, platform):
        m = Module()
        scores = self.scores
        # A node covers an aligned block of classes: (score, index within the block, class if it
        # is still an untouched input score). At level l the index has l bits; the block's first
        # class is a constant, so only those l bits are compared, muxed and registered.
        nodes = [(self._field(scores, c), Const(0, 0), c) for c in range(self.n_classes)]
        for level in range(1, self.depth + 1):
            pairs = [(nodes[j], nodes[j + 1]) for j in range(0, len(nodes) - 1, 2)]
            odd = nodes[-1:] if len(nodes) % 2 else []
            rights = []
            for j, ((ls, _, _), (rs, _, _)) in enumerate(pairs):
                difference = Signal(signed(len(ls) + 1), name=f"difference_{level}_{j}")
                right = Signal(name=f"right_{level}_{j}")
                m.d.comb += [difference.eq(ls - rs), right.eq(difference[-1])]   # rs > ls
                rights.append(right)
            if level in self.split:   # compare here, select after the register
                scores = self._delay(m, scores, f"scores_{level}c")
                rights = [self._delay(m, r, f"right_{level}_{j}_q") for j, r in enumerate(rights)]
                pairs = [(self._register(m, a, scores, f"{level}c", 2 * j),
                          self._register(m, b, scores, f"{level}c", 2 * j + 1))
                         for j, (a, b) in enumerate(pairs)]
                odd = [self._register(m, node, scores, f"{level}c", 2 * len(pairs))
                       for node in odd]
            merged = []
            for j, (((ls, li, _), (rs, ri, _)), right) in enumerate(zip(pairs, rights)):
                score = Signal(self._shape, name=f"score_{level}_{j}")
                index = Signal(level, name=f"index_{level}_{j}")
                m.d.comb += [score.eq(Mux(right, rs, ls)),
                             index.eq(Mux(right, Cat(ri, Const(0, level - 1 - len(ri)), 1), li))]
                merged.append((score, index, None))
            nodes = merged + odd
            if level in self.cuts:
                scores = self._delay(m, scores, f"scores_{level}")
                nodes = [self._register(m, node, scores, level, j) for j, node in enumerate(nodes)]
        m.d.comb += [self.index.eq(nodes[0][1]), self.scores_out.eq(scores)]
        return m

    def _delay(self, m, value, name):
        delayed = Signal(len(value), name=name, reset_less=True)
        m.d.sync += delayed.eq(value)
        return delayed

    def _register(self, m, node, scores, level, j):
        score, index, leaf = node
        if leaf is not None:  # an untouched score: the delayed scores already hold it
            return self._field(scores, leaf), index, leaf
        reg_score = Signal(self._shape, name=f"score_{level}_{j}_q", reset_less=True)
        reg_index = Signal(len(index), name=f"index_{level}_{j}_q", reset_less=True)
        m.d.sync += [reg_score.eq(score), reg_index.eq(index)]
        return reg_score, reg_index, None

    @property
    def _shape(self):
        return signed(self.width) if self.signed else unsigned(self.width)

    def _field(self, scores, c):
        field = scores[c * self.width:(c + 1) * self.width]
        return field.as_signed() if self.signed else field


def argmax_depth(n_classes):
    return (n_classes - 1).bit_length()


def argmax_registers(n_classes, width, cuts, split=()):
    """(register bits of comparator results, of carried scores) of an Argmax with these cuts."""
    depth = argmax_depth(n_classes)
    cuts = [c for c in cuts if 0 < c < depth]
    split = [c for c in split if 0 < c <= depth]
    # a node: the level that made it (its index bits); 0 for an untouched input score
    nodes, fresh = [0] * n_classes, 0
    for level in range(1, depth + 1):
        if level in split:   # the comparisons' results and both candidates of each (at the
            # last level only their indices: the winner's score is not used, synthesis drops it)
            fresh += len(nodes) // 2 + sum(width * (level < depth) + made for made in nodes if made)
        nodes = [nodes[j] if j + 1 == len(nodes) else level for j in range(0, len(nodes), 2)]
        if level in cuts:
            fresh += sum(width + made for made in nodes if made)
    return fresh, (len(cuts) + len(split)) * n_classes * width
