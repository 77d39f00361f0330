"""Argmax in Amaranth: a balanced tree of comparators, pipelined, lowest class index wins ties."""

from amaranth import Cat, Const, Module, Mux, Signal, signed, unsigned
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out


class Argmax(wiring.Component):
    """The index of the largest of `n_classes` unsigned scores, as torch.argmax picks it.

    Each comparator keeps its left (lower-index) operand unless the right one is strictly larger,
    so among equal scores the lowest class wins; scores are two's complement when `signed`. A
    register follows every comparator level listed in `cuts` (1-based); the scores ride along
    through the same registers and leave with their class.
    """

    def __init__(self, n_classes, width, cuts, signed=False):
        self.n_classes, self.width, self.signed = n_classes, width, signed
        self.depth = argmax_depth(n_classes)
        self.cuts = sorted(c for c in cuts if 0 < c < self.depth)
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
            merged = []
            for j in range(0, len(nodes), 2):
                if j + 1 == len(nodes):
                    merged.append(nodes[j])
                    continue
                (ls, li, _), (rs, ri, _) = nodes[j], nodes[j + 1]
                right = Signal(name=f"right_{level}_{j // 2}")
                score = Signal(self._shape, name=f"score_{level}_{j // 2}")
                index = Signal(level, name=f"index_{level}_{j // 2}")
                m.d.comb += [right.eq(rs > ls), score.eq(Mux(right, rs, ls)),
                             index.eq(Mux(right, Cat(ri, Const(0, level - 1 - len(ri)), 1), li))]
                merged.append((score, index, None))
            nodes = merged
            if level in self.cuts:
                delayed = Signal(len(scores), name=f"scores_{level}", reset_less=True)
                m.d.sync += delayed.eq(scores)
                scores = delayed
                nodes = [self._register(m, node, scores, level, j) for j, node in enumerate(nodes)]
        m.d.comb += [self.index.eq(nodes[0][1]), self.scores_out.eq(scores)]
        return m

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


def argmax_registers(n_classes, width, cuts):
    """(register bits of comparator results, of carried scores) of an Argmax with these cuts."""
    depth = argmax_depth(n_classes)
    cuts = [c for c in cuts if 0 < c < depth]
    # a node: the level that made it (its index bits); 0 for an untouched input score
    nodes, fresh = [0] * n_classes, 0
    for level in range(1, depth + 1):
        nodes = [nodes[j] if j + 1 == len(nodes) else level for j in range(0, len(nodes), 2)]
        if level in cuts:
            fresh += sum(width + made for made in nodes if made)
    return fresh, len(cuts) * n_classes * width
