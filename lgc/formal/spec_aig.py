"""The specification as an and-inverter graph, written straight from the model file's tensors.

The layers are read and decoded by spec.py's reader (the same reading as the behavioural
Verilog spec, sharing no code with the frontends, passes or RTL generator); this sink turns each
layer's gates into AND gates with numpy, a whole layer at a time, instead of having yosys
elaborate behavioural Verilog (about a second per thousand gates). A LUT of k inputs is its
Shannon expansion, input 0 outermost as in the Verilog spec: a multiplexer per node,
s ? a : b = ~(~(s & a) & ~(~s & b)), with constant rows folded on the way (a difflogic AND-like
gate is one AND gate, an XOR three, a wire or a constant none). OR pooling is a balanced tree
of ORs. The result holds every layer's gates as literals and the GroupSum's input bits
(`groups`); the scores and the argmax stay in the proof (spec.argmax_module).
"""

import dataclasses

import numpy as np

from .aig import canonical
from .spec import read_model


@dataclasses.dataclass
class SpecAig:
    aig: object          # aig.Aig: input in_bits (variables 1..n_inputs), output "groups"
    n_classes: int
    group_size: int
    gates: int           # the model's gates (LUTs and OR gates), before any folding
    layers: list         # [int64 literals]: every layer's gates, in the model's order

    @property
    def n_inputs(self):
        return self.aig.n_inputs

    @property
    def groups(self):
        return self.aig.outputs["groups"]


def build_spec_aig(model, arch=None, parametrization=None):
    """The SpecAig of the model file `model` (`arch`, `parametrization`: as lgc.load)."""
    sink = _AigSink()
    reader = read_model(model, sink, arch, parametrization)
    # The sink numbered the gates as it made them; canonical() sorts them by level.
    outputs = {"groups": sink.current()}
    outputs.update({f"layer{i}": lits for i, lits in enumerate(sink.layers)})
    aig = canonical(sink.n_inputs, np.concatenate(sink.fanins + [np.zeros((0, 2), np.int64)]),
                    outputs, {"in_bits": {j: j + 1 for j in range(sink.n_inputs)}})
    layers = [aig.outputs.pop(f"layer{i}") for i in range(len(sink.layers))]
    return SpecAig(aig, reader.n_classes, reader.width // reader.n_classes, reader.gates, layers)


class _AigSink:
    """spec.read_model's sink: AND gates numbered from n_inputs + 1 as they are made."""

    def __init__(self):
        self.fanins, self.layers = [], []
        self.n_inputs = self.next = None  # the next free variable

    def inputs(self, n_inputs):
        self.n_inputs, self.next = n_inputs, n_inputs + 1

    def current(self):
        """Literals of the current vector (the input bits before the first layer)."""
        return self.layers[-1] if self.layers else \
            2 * (1 + np.arange(self.n_inputs, dtype=np.int64))

    def luts(self, rows, fanin):
        vector = self.current()
        ops = np.where(fanin >= 0, vector[np.maximum(fanin, 0)], 0)  # [k, n] literals
        f = rows.astype(np.int64)                                     # [n, 2**k] constant literals
        for j in reversed(range(fanin.shape[0])):  # input k-1 is the row index's lowest bit
            s = np.repeat(ops[j], f.shape[1] // 2)
            f = self.mux(s, f[:, 1::2].reshape(-1), f[:, 0::2].reshape(-1)).reshape(len(f), -1)
        self.layers.append(f[:, 0])

    def ors(self, members):
        vector = self.current()
        table = np.zeros((len(members), max([len(m) for m in members] + [1])), np.int64)  # 0-padded
        for g, m in enumerate(members):
            table[g, :len(m)] = vector[m]
        while table.shape[1] > 1:
            if table.shape[1] % 2:
                table = np.concatenate([table, np.zeros((len(table), 1), np.int64)], axis=1)
            table = self.or_(table[:, 0::2].reshape(-1),
                             table[:, 1::2].reshape(-1)).reshape(len(table), -1)
        self.layers.append(table[:, 0])

    # --- gates, element-wise on arrays of literals, constants folded --------------------------

    def and_(self, x, y):
        x, y = np.asarray(x, np.int64), np.asarray(y, np.int64)
        out = np.where((x == 0) | (y == 0) | (x == (y ^ 1)), 0,
                       np.where(x == 1, y, np.where((y == 1) | (x == y), x, -1)))
        new = np.flatnonzero(out < 0)
        out[new] = 2 * (self.next + np.arange(len(new)))
        self.next += len(new)
        self.fanins.append(np.stack([x[new], y[new]], axis=1))
        return out

    def or_(self, x, y):
        return self.and_(x ^ 1, y ^ 1) ^ 1

    def mux(self, s, a, b):
        """s ? a : b."""
        out = a.copy()
        differ = np.flatnonzero(a != b)
        s, a, b = s[differ], a[differ], b[differ]
        out[differ] = self.or_(self.and_(s, a), self.and_(s ^ 1, b))
        return out
