"""The specification `lgc verify` proves the RTL against: behavioural Verilog written straight from
the model file's gates.

A spec that shared code with what it checks would prove nothing, so this file shares none with
lgc's frontends (truth-table decoding, unrolling), passes or RTL generator. The model is read by
the PyTorch reference's loader (torch's weights_only unpickler into attribute holders), and every
gate's function is derived here from the raw weights, in the training library's own terms:
- difflogic, lgc.nn and torchlogix raw: id = argmax of the 16 logits (the first maximum); the table
  is id in binary, f(0,0) f(0,1) f(1,0) f(1,1);
- torchlogix light: row r is weight[r] > 0;
- torchlogix warp: row r is the sign of the Walsh sum as the library's eval forward adds it up in
  float32 (`torchlogix_layers.lut_rows`, the reference's own arithmetic);
- torch-dwn LUTLayer: address a (input l is bit l of a, LSB first) gives `luts[j, a] > 0`; the
  inputs are `mapping[j, l]`, or for a learnable mapping the column weights.argmax(0) picked for
  slot `_LUTLayer__dummy_mapping[j, l]`.
A gate is written as nested conditionals on its inputs, input 0 outermost, so its leaves read
right to left are rows 0, 1, 2, ...: row {in0, in1, ...}, input 0 the most significant bit of the
row index, as in both libraries (a difflogic gate's leaves spell its id in binary, backwards). Conv
trees (2-d, 3-d, transposed: on the input their connections dilate by `orig_stride` and pad by
`padding`) are unrolled from the `_indices_L*` buffers here, OR pooling from its window geometry,
a ResidualLogicBlock as the OR of its two paths (the block's input carried along the main path,
main's output along the shortcut, by identity gates); the GroupSum is a sum of each class's bits
(torch-dwn's: after its randperm, with zero bits padding the columns to a multiple of k) and the
argmax a loop in which a later class wins only when strictly larger (torch.argmax: the lowest index
among ties).

Ports of the module: in_bits [n_inputs] (after any input encoder: the core's in_bits), groups (the
GroupSum's input vector; class c owns bits [c*m, (c+1)*m)), out_scores (k fields of score_width
bits, class 0 lowest), out_class.
"""

import dataclasses
import itertools
import math
import os
import shutil

import numpy as np
import torch

from ..errors import LgcError
from ..reference import dwn_layers, torchlogix_layers
from ..reference.forward import ENCODERS, load_model

MAX_RANK = 6


def _mux_template(k, port=0, row=0):
    """A LUT of k inputs as nested conditionals on its inputs, input 0 outermost: the leaves,
    read right to left, are rows 0, 1, 2, ... (fields {0}..{k-1} are the inputs, {k+r} row r's
    bit). No negations: each would be one more cell for yosys to carry."""
    if port == k:
        return f"1'b{{{k + row}}}"
    zero, one = _mux_template(k, port + 1, 2 * row), _mux_template(k, port + 1, 2 * row + 1)
    return f"{{{port}}} ? ({one}) : ({zero})" if port + 1 < k else f"{{{port}}} ? {one} : {zero}"


TEMPLATES = {k: _mux_template(k) for k in range(1, MAX_RANK + 1)}

DIFFLOGIC_LAYERS = ("difflogic.difflogic.LogicLayer", "lgc.nn.LogicLayer")
GROUP_SUMS = ("difflogic.difflogic.GroupSum", "lgc.nn.GroupSum",
              "torchlogix.layers.groupsum.GroupSum")
PASS_THROUGH = ("torchlogix.layers.binarization.DummyBinarization",
                "torch.nn.modules.linear.Identity")
FLATTEN = "torch.nn.modules.flatten.Flatten"
POOLS = {"torchlogix.layers.pool.OrPooling2d": 2, "torchlogix.layers.pool.OrPooling3d": 3}
SEQUENTIAL = "torch.nn.modules.container.Sequential"
LEARNABLE = "torchlogix.connections.LearnableDenseConnections"


@dataclasses.dataclass
class Spec:
    module: str
    n_inputs: int
    n_classes: int
    group_size: int     # m: bits per class
    score_width: int    # bits of a score: the smallest that hold m
    class_width: int
    gates: int          # LUTs and OR gates written


def write_spec(model, path, arch=None, parametrization=None, module="lgc_spec"):
    """Write the spec of the model file `model` to `path`; returns its Spec. `arch`,
    `parametrization`: as lgc.load, for a state_dict. Scores and class are as wide as they need;
    the argmax is also a module of its own, `MODULE_argmax #(K, W, CW)`."""
    body = f"{path}.body"
    try:
        with open(body, "w+") as f:  # the ports' widths are known only at the end
            writer = _Verilog(f)
            reader = read_model(model, writer, arch, parametrization)
            spec, tail = writer.finish(reader, module)
            f.seek(0)
            with open(path, "w") as out:
                out.write(_header(spec, reader.width))
                shutil.copyfileobj(f, out)
                out.write(tail)
    finally:
        if os.path.exists(body):
            os.remove(body)
    return spec


def read_model(model, sink, arch=None, parametrization=None):
    """Read the model file's layers in order into `sink` (the spec's writer: Verilog here, an
    and-inverter graph in spec_aig.py) as plain gates on the activation vector:

    - `sink.inputs(n)`: the input width, once the first logic layer fixes it;
    - `sink.luts(rows, fanin)`: one new vector of LUTs, rows bool [n, 2**k] (row {in0, in1, ...},
      input 0 the most significant bit), input j of gate g = bit fanin[j, g] of the current
      vector, or constant 0 where fanin is -1 (a conv's padding);
    - `sink.ors(members)`: one new vector, bit g the OR of the current vector's bits members[g]
      (0 when empty).

    Returns the Reader: n_inputs, width (the GroupSum's input vector), n_classes, gates."""
    reader = Reader(sink)
    for i, layer in enumerate(load_model(model, arch, parametrization)):
        reader.layer(i, layer)
    if reader.n_classes is None:
        raise LgcError("the model does not end in a GroupSum")
    if reader.width is None:
        raise LgcError("the model has no logic layer")
    k, n = reader.n_classes, reader.width
    if k < 1 or n % k:
        raise LgcError(f"GroupSum cannot split {n} outputs into {k} equal groups")
    return reader


def _header(spec, n_groups):
    return (f"// The specification of a DLGN, written by lgc.formal.spec from the model file's "
            "gates.\n"
            f"module {spec.module} (\n"
            f"  input wire [{spec.n_inputs - 1}:0] in_bits,\n"
            f"  output wire [{n_groups - 1}:0] groups,\n"
            f"  output wire [{spec.n_classes * spec.score_width - 1}:0] out_scores,\n"
            f"  output wire [{spec.class_width - 1}:0] out_class\n"
            f");\n")


class Reader:
    """The layers' gates, decoded from their tensors as they come and handed to the sink; the
    activations so far are one vector (its width and, for images, shape)."""

    def __init__(self, sink):
        self.sink = sink
        self.n_inputs = self.width = self.shape = None  # shape: (C, H, W) or None
        self.gates, self.n_classes = 0, None
        self.ste = True  # the last LUT layer's outputs are bits (torch-dwn: its STE)
        # Inside a residual block the sink's vector is [the layer's input at `base`...] plus bits
        # carried on for the block's other path, at positions `carry` (None outside a block).
        self.base, self.carry = 0, None

    def layer(self, i, m):
        kind = m.qualname
        what = f"layer {i} ({kind.rsplit('.', 1)[-1]})"
        if self.n_classes is not None:
            raise LgcError(f"{what} follows the GroupSum")
        if kind in ENCODERS or kind in PASS_THROUGH:
            if kind in ENCODERS and self.width is not None:
                raise LgcError(f"{what}: an input encoder must come first")
        elif kind == FLATTEN:
            self.shape = None
        elif kind in DIFFLOGIC_LAYERS:
            a, b = (_numpy(t) for t in (m.__dict__["indices"] if "indices" in m.__dict__
                                            else m.param("indices")))
            self._enter(int(m.__dict__["in_dim"]), None, what)
            self._luts(_id_rows(_array(m.param("weights"), what)), np.stack([a, b]), what)
        elif kind == torchlogix_layers.DENSE:
            self._enter(int(m.__dict__["in_dim"]), None, what)
            rows = _torchlogix_rows(m.child("parametrization"), m.param("weight"), what)
            self._luts(rows, _dense_indices(m.child("connections")), what)
        elif kind in torchlogix_layers.CONVS:
            self._conv(m, what)
        elif kind in POOLS:
            self._pool(m, POOLS[kind], what)
        elif kind == torchlogix_layers.RESIDUAL:
            self._residual(i, m, what)
        elif kind == dwn_layers.LUT_LAYER:
            self._enter(int(m.__dict__["input_size"]), None, what)
            self._dwn_luts(m, what)
        elif kind == dwn_layers.GROUP_SUM:
            self._dwn_group_sum(m)
        elif kind in GROUP_SUMS:
            self.n_classes = int(m.__dict__["k"])
        else:
            raise LgcError(f"{what}: the spec writer does not know this layer")

    def _enter(self, in_dim, shape, what):
        if self.width is None:  # the first logic layer fixes the input
            self.n_inputs = self.width = in_dim
            self.shape = shape
            self.sink.inputs(in_dim)
        elif in_dim != self.width or (shape is not None and self.shape != shape):
            raise LgcError(f"{what} reads {shape or in_dim} but gets {self.shape or self.width}")
        elif shape is None and self.shape is not None:
            raise LgcError(f"{what}: a dense layer needs a Flatten before it")

    def _luts(self, rows, fanin, what, padded=False):
        """One gate per row of `rows` (bool [n, 2**k]); input j of gate g is bit fanin[j, g] of
        the current vector (-1: constant 0, where `padded`)."""
        n, size = rows.shape
        k = size.bit_length() - 1
        fanin = np.asarray(fanin)
        if fanin.shape != (k, n) or fanin.dtype.kind not in "iu":
            raise LgcError(f"{what}: connections {list(fanin.shape)} do not fit {n} gates of "
                           f"{k} inputs")
        if fanin.size and (fanin.min() < (-1 if padded else 0) or fanin.max() >= self.width):
            raise LgcError(f"{what}: a connection reaches outside 0..{self.width - 1}")
        fanin = np.where(fanin >= 0, fanin.astype(np.int64) + self.base, -1)
        if self.carry is not None:  # identity gates: each reads its bit on every input
            identity = ((np.arange(size) >> (k - 1)) & 1).astype(bool)
            rows = np.concatenate([rows, np.tile(identity, (len(self.carry), 1))])
            fanin = np.concatenate([fanin, np.tile(self.carry, (k, 1))], axis=1)
        self.sink.luts(rows, fanin)
        self._emitted(n)

    def _ors(self, members):
        """One OR gate per member list (indices into the layer's input)."""
        members = [np.asarray(m, dtype=np.int64) + self.base for m in members]
        n = len(members)
        if self.carry is not None:
            members += [np.array([c]) for c in self.carry.tolist()]
        self.sink.ors(members)
        self._emitted(n)

    def _emitted(self, n):
        """n new gates (then any carried bits) make the new vector."""
        self.width, self.shape, self.base = n, None, 0
        if self.carry is not None:
            self.carry = n + np.arange(len(self.carry))
        self.gates += n

    def _dwn_luts(self, m, what):
        """A LUTLayer: its address is LSB-first in its inputs, the template's row MSB-first, so
        the template's input j is the layer's input n-1-j."""
        luts = _array(m.param("luts"), what)
        n = luts.shape[1].bit_length() - 1
        if luts.shape[1] != 1 << n or not 1 <= n <= MAX_RANK:
            raise LgcError(f"{what}: LUTs of {luts.shape[1]} entries (lgc takes n = 1..{MAX_RANK})")
        learnable = m.__dict__["_modules"].get("mapping")
        if learnable is not None:
            selected = _numpy(learnable.param("weights")).argmax(axis=0)
            mapping = selected[_numpy(m.param(dwn_layers.DUMMY_MAPPING)).astype(np.int64)]
        else:
            mapping = _numpy(m.param("mapping")).astype(np.int64)
        self.ste = m.__dict__.get("ste", True)
        self._luts(luts > 0, mapping.T[::-1], what)

    def _dwn_group_sum(self, m):
        """torch-dwn's GroupSum input: the columns in randperm's order, zero bits up to a
        multiple of k; class c then owns its contiguous run as in the other libraries."""
        if not self.ste:
            raise LgcError("the last LUTLayer has ste=False: the GroupSum would sum LUT values")
        k = int(m.__dict__["k"])
        randperm = m.__dict__.get("randperm")
        columns = list(range(self.width)) if randperm is None else \
            [int(c) + (self.width if c < 0 else 0) for c in _numpy(randperm).tolist()]
        if any(not 0 <= c < self.width for c in columns):
            raise LgcError(f"GroupSum: randperm reaches outside 0..{self.width - 1}")
        # Each column through an identity gate (rows 0, 1); -1 reads the padding's constant 0.
        columns += [-1] * (-len(columns) % k)
        identity = np.tile([False, True], (len(columns), 1))
        self._luts(identity, np.array([columns], dtype=np.int64), "GroupSum", padded=True)
        self.n_classes = k

    def _conv(self, m, what):
        dims = int(m.__dict__.get("conv_dimension", 2))
        size = _ntuple(m.__dict__["in_dim"], dims)
        channels = int(m.__dict__["channels"])
        self._enter(channels * math.prod(size), (channels, *size), what)
        connections, param = m.child("connections"), m.child("parametrization")
        if m.qualname in torchlogix_layers.TRANSPOSED:  # its connections dilate, then pad
            stride = int(connections.__dict__["orig_stride"])
            extra = _ntuple(connections.__dict__["output_padding_t"], dims)
            pad = int(connections.__dict__["padding"])
        else:
            stride, extra, pad = 1, (0,) * dims, int(m.__dict__["padding"])
        levels = m.child("tree_weights").__dict__["_parameters"]
        weights = [levels[key] for key in sorted(levels, key=int)]
        leaf = _numpy(connections.param("_indices_L0")).astype(np.int64)
        rank, kernels, positions, nodes, _ = leaf.shape
        # Leaf inputs: (spatial..., c) of the dilated, zero-padded input; zeros read a constant 0.
        c = leaf[..., -1]
        inside = (c >= 0) & (c < channels)
        if not inside.all():
            raise LgcError(f"{what}: _indices_L0 names channels outside 0..{channels - 1}")
        flat = c * math.prod(size)
        for axis, d in enumerate(size):
            q = leaf[..., axis] - pad  # in the dilated input: pixel q / stride where it divides
            if q.min() < -pad or q.max() >= (d - 1) * stride + 1 + extra[axis] + pad:
                raise LgcError(f"{what}: _indices_L0 reaches outside the padded input")
            inside &= (q >= 0) & (q % stride == 0) & (q // stride < d)
            flat = flat + (q // stride) * math.prod(size[axis + 1:])
        # [rank, kernel, position, node] -> fanin [rank, gate],
        # gates in (kernel, position, node) order
        fanin = np.where(inside, flat, -1).reshape(rank, -1)
        below = None
        for level, weight in enumerate(weights):
            rows = _torchlogix_rows(param, weight, what)  # [nodes, kernels, 2**rank]
            if level:
                children = _numpy(connections.param(f"_indices_L{level}"))
                if children.min() < 0 or children.max() >= below:
                    raise LgcError(f"{what}: _indices_L{level} names nodes outside 0..{below - 1}")
                # gate (k, p, s) reads node s' of (k, p)
                base = np.arange(kernels * positions)[:, None] * below
                fanin = (base[None] + children[:, None, :]).reshape(rank, -1)
                nodes = children.shape[1]
            if rows.shape[:2] != (nodes, kernels):
                raise LgcError(f"{what}: tree level {level} has weights for {list(rows.shape[:2])} "
                               f"(nodes, kernels), its connections {[nodes, kernels]}")
            per_gate = np.broadcast_to(rows.transpose(1, 0, 2)[:, None],
                                       (kernels, positions, nodes, rows.shape[2]))
            self._luts(per_gate.reshape(-1, rows.shape[2]), fanin, what, padded=level == 0)
            below = nodes
        if nodes != 1:
            raise LgcError(f"{what}: the tree ends in {nodes} nodes per kernel, not 1")
        out = tuple(int(d) for d in m.__dict__["kernel_positions"])
        if math.prod(out) != positions:
            raise LgcError(f"{what}: {positions} kernel positions do not make "
                           f"{'x'.join(map(str, out))}")
        self.shape = (kernels, *out)

    def _pool(self, m, dims, what):
        if self.shape is None or len(self.shape) != dims + 1:
            raise LgcError(f"{what}: OR pooling needs a {dims}-d image-shaped input")
        channels, *size = self.shape
        kernel, stride, pad = (_ntuple(m.__dict__.get(key, 0), dims) for key in
                               ("kernel_size", "stride", "padding"))
        out = [(d + 2 * p - k) // s + 1 for d, k, s, p in zip(size, kernel, stride, pad)]
        strides = [math.prod(size[axis + 1:]) for axis in range(dims)]
        members = []
        for ch in range(channels):  # max pooling of 0/1 values: the OR of the window's real pixels
            for corner in itertools.product(*(range(o) for o in out)):
                windows = [[q for q in range(i * s - p, i * s - p + k) if 0 <= q < d]
                           for i, s, p, k, d in zip(corner, stride, pad, kernel, size)]
                members.append(np.array([ch * math.prod(size)
                                         + sum(q * t for q, t in zip(at, strides))
                                         for at in itertools.product(*windows)], dtype=np.int64))
        self._ors(members)
        self.shape = (channels, *out)

    def _residual(self, i, m, what):
        """torchlogix's ResidualLogicBlock, main(x) + shortcut(x) - main(x) * shortcut(x): on bits
        the OR. The main path runs with x carried along, the shortcut on that x with main's
        output carried along, then 2-input ORs join them."""
        if self.carry is not None:
            raise LgcError(f"{what}: a residual block inside a residual block")
        main, shortcut = (_path(m.child(name)) for name in ("main", "shortcut"))
        if self.width is None:  # the block comes first: its first conv fixes the input
            conv = next((layer for layer in main if layer.qualname in torchlogix_layers.CONVS),
                        None)
            if conv is None:
                raise LgcError(f"{what}: the main path has no logic convolution")
            dims = int(conv.__dict__.get("conv_dimension", 2))
            size = _ntuple(conv.__dict__["in_dim"], dims)
            channels = int(conv.__dict__["channels"])
            self._enter(channels * math.prod(size), (channels, *size), what)
        x_width, x_shape = self.width, self.shape
        self.carry = np.arange(x_width)
        for j, layer in enumerate(main):
            self.layer(f"{i}.main.{j}", layer)
        main_width, main_shape = self.width, self.shape
        self.base, self.carry = main_width, np.arange(main_width)  # x follows main's output
        self.width, self.shape = x_width, x_shape
        for j, layer in enumerate(shortcut):
            self.layer(f"{i}.shortcut.{j}", layer)
        if (self.width, self.shape) != (main_width, main_shape):
            raise LgcError(f"{what}: the main path gives {main_shape or main_width}, the shortcut "
                           f"{self.shape or self.width}")
        members = np.stack([self.carry, self.base + np.arange(self.width)], axis=1)
        self.base, self.carry = 0, None
        self.sink.ors(list(members))
        self._emitted(len(members))
        self.shape = main_shape


class _Verilog:
    """The sink that writes the gates as Verilog, one vector wire per layer."""

    def __init__(self, f):
        self.f = f
        self.vector, self.count = "in_bits", 0

    def inputs(self, n_inputs):
        pass  # the header, written last, declares in_bits

    def _next(self, width):
        self.count += 1
        previous, self.vector = self.vector, f"x{self.count}"
        self.f.write(f"\n  wire [{width - 1}:0] {self.vector};\n")
        return previous

    def luts(self, rows, fanin):
        n, size = rows.shape
        k = size.bit_length() - 1
        previous = self._next(n)
        inputs = [[f"{previous}[{j}]" if j >= 0 else "1'b0" for j in port.tolist()]
                  for port in fanin]
        template, name = TEMPLATES[k], self.vector
        self.f.writelines(f"  assign {name}[{g}] = {template.format(*ops, *t)};\n"
                          for g, (t, *ops) in enumerate(zip(_literals(rows), *inputs)))

    def ors(self, members):
        previous = self._next(len(members))
        self.f.writelines(f"  assign {self.vector}[{g}] = "
                          + (f"|{{{', '.join(f'{previous}[{j}]' for j in m.tolist())}}}"
                             if len(m) else "1'b0")
                          + ";\n" for g, m in enumerate(members))

    def finish(self, reader, module):
        k, n = reader.n_classes, reader.width
        m = n // k
        w, cw = max(1, m.bit_length()), max(1, (k - 1).bit_length())
        tail = f"""
  assign groups = {self.vector};

  // GroupSum: class c scores the number of ones among groups[c * {m} +: {m}], added up pairwise
{_counts(k, m, w)}
  {module}_argmax #(.K({k}), .W({w}), .CW({cw})) argmax (.scores(out_scores), .index(out_class));
endmodule

""" + argmax_module(module)
        return Spec(module, reader.n_inputs, k, m, w, cw, reader.gates), tail


def argmax_module(module):
    """The spec's argmax, `MODULE_argmax #(K, W, CW)`: the index of the largest of K unsigned
    scores of W bits, the lowest among equals (torch.argmax)."""
    return f"""// argmax of K unsigned scores of W bits: a later class wins only when strictly
// larger, so the lowest index wins ties (torch.argmax)
module {module}_argmax #(parameter K = 2, W = 1, CW = 1) (
  input wire [K * W - 1:0] scores,
  output reg [CW - 1:0] index
);
  integer c;
  reg [W - 1:0] best;
  always @* begin
    best = scores[0 +: W];
    index = 0;
    for (c = 1; c < K; c = c + 1)
      if (scores[c * W +: W] > best) begin
        best = scores[c * W +: W];
        index = c;
      end
  end
endmodule
"""


def _counts(k, m, w):
    """Each class's count as sums of pairs, then pairs of those, ..., each sum as wide as its
    largest value: a chain of m additions would be thousands of cells deep, more than yosys's
    recursive passes can walk."""
    lines = []
    for c in range(k):
        terms = [(f"groups[{c * m + j}]", 1) for j in range(m)] or [("1'b0", 0)]
        level = 0
        while len(terms) > 1:
            pairs = [terms[i:i + 2] for i in range(0, len(terms), 2)]
            terms = [(f"sum{c}_{level}_{i}", sum(top for _, top in pair))
                     for i, pair in enumerate(pairs)]
            lines += [f"  wire [{top.bit_length() - 1}:0] {name} = "
                      f"{' + '.join(t for t, _ in pair)};"
                      for (name, top), pair in zip(terms, pairs)]
            level += 1
        lines.append(f"  assign out_scores[{c * w} +: {w}] = {terms[0][0]};")
    return "\n".join(lines)


def _numpy(value):
    return value.detach().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)


def _array(weight, what):
    weight = _numpy(weight)
    if weight.ndim < 2 or weight.dtype.kind != "f" or not np.isfinite(weight).all():
        raise LgcError(f"{what}: weights must be finite floats")
    return weight


def _id_rows(weights):
    """Rows of gates given by 16 logits: id = argmax (first maximum), rows = id in binary."""
    ids = weights.reshape(-1, 16).argmax(axis=1)
    return ((ids[:, None] >> (3 - np.arange(4))) & 1).astype(bool).reshape(*weights.shape[:-1], 4)


def _torchlogix_rows(param, weight, what):
    """bool [..., 2**rank]: the rows of torchlogix LUTs with weights [..., entries]."""
    kind = torchlogix_layers.PARAMETRIZATIONS.get(param.qualname)
    array = _array(weight, what)
    if kind == "raw":
        return _id_rows(array)
    rank = array.shape[-1].bit_length() - 1
    if kind is None or array.shape[-1] != 1 << rank or not 1 <= rank <= MAX_RANK:
        raise LgcError(f"{what}: LUTs of parametrization {param.qualname} with "
                       f"{array.shape[-1]} weights")
    if kind == "light":
        return array > 0
    return torchlogix_layers.lut_rows(param, torch.as_tensor(array), rank).numpy()


def _dense_indices(connections):
    indices = _numpy(connections.param("indices"))
    if connections.qualname == LEARNABLE:  # eval: the best candidate per input slot
        chosen = _numpy(connections.param("weights")).argmax(axis=0)
        indices = np.take_along_axis(indices, chosen[None], axis=0)[0]
    return indices


def _literals(rows):
    """Each row of bool [n, R] as a string of R '0'/'1' characters, row 0 first."""
    n, size = rows.shape
    text = (rows.astype(np.uint8) + ord("0")).tobytes().decode()
    return [text[i * size:(i + 1) * size] for i in range(n)]


def _ntuple(value, n):
    return tuple(int(v) for v in value) if isinstance(value, (tuple, list)) else (int(value),) * n


def _path(module):
    """A residual block path's layers: a Sequential's children in order; an Identity is one."""
    if module.qualname == SEQUENTIAL:
        return [layer for child in module.children() for layer in _path(child)]
    return [module]
