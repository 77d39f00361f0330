"""torchlogix models (0.2.x), saved whole (`torch.save(model)`) or as a state_dict with a spec.

Layers: LogicDense (raw/light/warp LUTs of rank 1-6, fixed or learnable connections),
LogicConv2d/3d and LogicConvTranspose2d/3d tree kernels (unrolled over image positions),
OrPooling2d/3d (OR gates), ResidualLogicBlock (its two paths side by side, then an OR layer),
Flatten, GroupSum(k, tau, beta), and a first binarization layer (the model zoo's
Fixed/Soft/LearnableBinarization, recorded as the input encoding; DummyBinarization passes bits
through). Eval-mode semantics, from the library's source:
- a gate's input j is x[indices[j, n]]; learnable connections pick indices[weights.argmax(0), j, n];
- LUT rows are MSB-first in the inputs (luts.py decodes each parametrization);
- conv level 0 reads ([d,] h, w, c) of the zero-padded input, level l node s reads nodes
  _indices_L{l}[j, s] of level l-1; outputs [N, kernels, [D_out,] H_out, W_out] (unroll.py);
- a transposed conv reads the input dilated by its stride (stride - 1 zeros between pixels,
  output_padding zeros at the end), padded by receptive_field_size[0] - 1 - padding on each side;
- ResidualLogicBlock: main(x) + shortcut(x) - main(x) * shortcut(x), which on bits is the OR;
- GroupSum: scores = (popcount of each contiguous group + beta) / tau.
"""

import math

import numpy as np

from ..errors import LgcError
from ..ir import Netlist, contiguous_groups
from . import encoding, luts
from .archspec import PARAMETRIZATIONS, QUALNAMES
from .torchfile import children, float_attr, int_attr, qualname, tensor
from .unroll import conv_tree, ntuple, or_pool, or_tree, side_by_side

DENSE, GROUP_SUM, FLATTEN, RESIDUAL = (QUALNAMES[k] for k in (
    "LogicDense", "GroupSum", "Flatten", "ResidualLogicBlock"))
# qualname -> (spatial dimensions, transposed)
CONVS = {QUALNAMES["LogicConv2d"]: (2, False), QUALNAMES["LogicConv3d"]: (3, False),
         QUALNAMES["LogicConvTranspose2d"]: (2, True), QUALNAMES["LogicConvTranspose3d"]: (3, True)}
POOLS = {QUALNAMES["OrPooling2d"]: 2, QUALNAMES["OrPooling3d"]: 3}
SEQUENTIAL = "torch.nn.modules.container.Sequential"
DUMMY = QUALNAMES["DummyBinarization"]
BINARIZATIONS = tuple(QUALNAMES[k] for k in (
    "FixedBinarization", "SoftBinarization", "LearnableBinarization"))
IDENTITY = "torch.nn.modules.linear.Identity"
LEARNABLE_DENSE = "torchlogix.connections.LearnableDenseConnections"
_PARAMETRIZATION_NAMES = {q: name for name, q in PARAMETRIZATIONS.items()}
OPTIONS = ("input_shape",)  # load() options this format takes


def claims(modules):
    return any((qualname(m) or "").startswith("torchlogix.") for m in modules)


def to_netlist(modules, name, options):
    stack = _Stack(options.get("input_shape"))
    for i, module in enumerate(modules):
        stack.add(i, module)
    return stack.netlist(name)


class _Stack:
    """The layers read so far and the shape of the activations they produce."""

    def __init__(self, input_shape):
        self.input_shape = input_shape
        self.shape = None          # activation shape after the layers so far (None: the input)
        self.flattened = False     # a Flatten came before the first logic layer
        self.in_shape = None       # the input bits' shape, set by the first logic layer
        self.binarization = None   # the first layer, when it binarizes raw features
        self.layers, self.group_sum, self.encoding = [], None, None
        self.parametrizations, self.ranks = set(), set()

    def add(self, i, module):
        kind = qualname(module)
        what = f"module {i} ({(kind or type(module).__name__).rsplit('.', 1)[-1]})"
        if self.group_sum is not None:
            raise LgcError(f"{what} follows the GroupSum: a model must end in it")
        if kind in BINARIZATIONS or kind == DUMMY:
            if i != 0:
                raise LgcError(f"{what}: a binarization layer must come first")
            self.binarization = module if kind != DUMMY else None
        elif kind == FLATTEN:
            if (module.__dict__.get("start_dim", 1), module.__dict__.get("end_dim", -1)) != (1, -1):
                raise LgcError(f"{what}: only Flatten(start_dim=1, end_dim=-1) is supported")
            self.flattened |= self.shape is None
            self.shape = None if self.shape is None else (math.prod(self.shape),)
        elif kind == IDENTITY:
            pass
        elif kind == DENSE:
            in_dim = int_attr(module, "in_dim")
            self._enter((in_dim,), what)
            self.layers.append(self._dense(module, in_dim, what))
            self.shape = (len(self.layers[-1][0]),)
        elif kind in CONVS:
            self._conv(module, what)
        elif kind in POOLS:
            if self.shape is None or len(self.shape) != POOLS[kind] + 1:
                raise LgcError(f"{what}: needs the [C, {'D, ' * (POOLS[kind] == 3)}H, W] output "
                               "of a logic convolution")
            layers, self.shape = or_pool(self.shape, module.__dict__.get("kernel_size"),
                                         module.__dict__.get("stride"),
                                         module.__dict__.get("padding", 0), what)
            self.layers.extend(layers)
        elif kind == RESIDUAL:
            self._residual(i, module, what)
        elif kind == GROUP_SUM and self.layers:
            self.group_sum = module
        else:
            raise LgcError(f"{what} is not supported in a torchlogix model")

    def _enter(self, reads, what):
        """Check that a logic layer reading `reads` fits what comes before it."""
        if self.in_shape is None:
            self.in_shape = reads
            if self.binarization is not None:
                self.encoding = _encoding(self.binarization, reads, self.flattened,
                                          self.input_shape)
            return
        if self.shape != reads:
            hint = "; put a Flatten before it" if len(self.shape) > 1 and len(reads) == 1 else ""
            raise LgcError(f"{what} reads {list(reads)} but gets {list(self.shape)}{hint}")

    def _parametrization(self, module, rank, what):
        found = [_PARAMETRIZATION_NAMES.get(qualname(c)) for c in children(module)]
        found = [p for p in found if p is not None]
        if len(found) != 1:
            raise LgcError(f"{what}: no LUT parametrization (raw, light or warp) in the layer")
        if module.__dict__.get("export_mode"):
            raise LgcError(f"{what}: saved in torchlogix's export mode; save the model after "
                           "set_export_mode(False)")
        self.parametrizations.add(found[0])
        self.ranks.add(rank)
        return found[0]

    def _dense(self, module, in_dim, what):
        out_dim, rank = int_attr(module, "out_dim"), int_attr(module, "lut_rank")
        parametrization = self._parametrization(module, rank, what)
        tt = luts.tables(tensor(module, "weight"), parametrization, rank, what)
        if len(tt) != out_dim:
            raise LgcError(f"{what}: {len(tt)} LUTs for out_dim {out_dim}")
        connections = module.__dict__.get("_modules", {}).get("connections")
        if connections is None:
            raise LgcError(f"{what}: the layer has no connections")
        indices = _connections(connections, rank, out_dim, what)
        if indices.min() < 0 or indices.max() >= in_dim:
            raise LgcError(f"{what}: connection index outside 0..{in_dim - 1}")
        return tt, indices.T.astype(np.int32)

    def _conv(self, module, what):
        dims, transposed = CONVS[qualname(module)]
        channels, *size = _conv_input(module, what)
        kernels, depth = int_attr(module, "num_kernels"), int_attr(module, "tree_depth")
        rank = int_attr(module, "lut_rank")
        padding, stride = int_attr(module, "padding", minimum=0), int_attr(module, "stride")
        rfs = ntuple(module.__dict__.get("receptive_field_size"), dims, "receptive_field_size",
                     what)
        self._enter((channels, *size), what)
        parametrization = self._parametrization(module, rank, what)
        sub = module.__dict__.get("_modules", {})
        weights = [getattr(sub.get("tree_weights"), "_parameters", {}).get(str(level))
                   for level in range(depth)]
        buffers = getattr(sub.get("connections"), "_buffers", None) or {}
        indices = [buffers.get(f"_indices_L{level}") for level in range(depth)]
        if depth < 1 or any(w is None or w.ndim != 3 for w in weights) \
                or any(x is None for x in indices):
            raise LgcError(f"{what}: needs {depth} (at least 1) tree levels of weights [nodes, "
                           "kernels, entries] and of connections (_indices_L0...)")
        tables = [luts.tables(w.reshape(-1, w.shape[-1]), parametrization, rank, what)
                  .reshape(w.shape[:2]) for w in weights]
        if transposed:  # the connections read the dilated input, padded by rfs[0] - 1 - padding
            extra = ntuple(module.__dict__.get("output_padding", 0), dims, "output_padding", what)
            if rfs[0] - 1 - padding < 0 or not all(0 <= e < stride for e in extra):
                raise LgcError(f"{what}: padding {padding} and output_padding {list(extra)} do not "
                               f"fit a receptive field of {rfs[0]} and stride {stride}")
            out = [(d - 1) * stride - 2 * padding + r + e for d, r, e in zip(size, rfs, extra)]
            unrolled = dict(padding=rfs[0] - 1 - padding, dilation=stride, output_padding=extra)
        else:
            out = [(d + 2 * padding - r) // stride + 1 for d, r in zip(size, rfs)]
            unrolled = dict(padding=padding)
        if min(out) < 1 or indices[0].ndim != 5 \
                or indices[0].shape[:3] != (rank, kernels, math.prod(out)):
            raise LgcError(f"{what}: connections {list(indices[0].shape)} do not fit {kernels} "
                           f"kernels at {'x'.join(map(str, out))} positions")
        self.layers.extend(conv_tree((channels, *size), indices=indices, level_tables=tables,
                                     what=what, **unrolled))
        self.shape = (kernels, *out)

    def _residual(self, i, module, what):
        """ResidualLogicBlock: main(x) OR shortcut(x), the two paths side by side in the same
        layers, then a layer of 2-input ORs."""
        parts = module.__dict__.get("_modules", {})
        if "main" not in parts or "shortcut" not in parts:
            raise LgcError(f"{what}: the block has no main and shortcut paths")
        paths = [_path(parts[name]) for name in ("main", "shortcut")]
        if self.in_shape is None:  # the block is the first logic layer: its first conv's input
            first = next((m for m in paths[0] if qualname(m) in CONVS), None)
            if first is None:
                raise LgcError(f"{what}: the main path has no logic convolution")
            self._enter(_conv_input(first, what), what)
        block_in = self.shape or self.in_shape
        branches = []
        for name, path in zip(("main", "shortcut"), paths):
            branch = _Stack(None)
            branch.in_shape = branch.shape = block_in
            for j, m in enumerate(path):
                if qualname(m) not in (*CONVS, *POOLS, RESIDUAL, IDENTITY):
                    raise LgcError(f"module {i}.{name}.{j} "
                                   f"({(qualname(m) or type(m).__name__).rsplit('.', 1)[-1]}) "
                                   "is not a logic convolution, OR pooling or Identity")
                branch.add(f"{i}.{name}.{j}", m)
            self.parametrizations |= branch.parametrizations
            self.ranks |= branch.ranks
            branches.append(branch)
        main, shortcut = branches
        if not main.layers:
            raise LgcError(f"{what}: the main path has no logic layer")
        if main.shape != shortcut.shape:
            raise LgcError(f"{what}: the main path gives {list(main.shape)}, the shortcut "
                           f"{list(shortcut.shape)}")
        self.layers.extend(side_by_side([main.layers, shortcut.layers], math.prod(block_in)))
        width = math.prod(main.shape)
        pairs = np.stack([np.arange(width), width + np.arange(width)], axis=1)
        self.layers.extend(or_tree(pairs, np.ones(pairs.shape, dtype=bool)))
        self.shape = main.shape

    def netlist(self, name):
        if self.group_sum is None:
            raise LgcError("the model has no GroupSum after its logic layers")
        if len(self.shape) != 1:
            raise LgcError(f"the GroupSum gets a {list(self.shape)} tensor; "
                           "put a Flatten before it")
        gs = self.group_sum
        source = {"format": "torchlogix",
                  "parametrization": "/".join(sorted(self.parametrizations)),
                  "lut_ranks": sorted(self.ranks), "input_shape": list(self.in_shape)}
        return Netlist.from_layers(
            math.prod(self.in_shape), self.layers,
            contiguous_groups(self.shape[0], int_attr(gs, "k")),
            tau=_positive(float_attr(gs, "tau", 1.0)), beta=float_attr(gs, "beta", 0.0), name=name,
            source=source, encoding=self.encoding).validate()


def _conv_input(module, what):
    """The (channels, *spatial) input a logic convolution reads."""
    dims, _ = CONVS[qualname(module)]
    if module.__dict__.get("conv_dimension", dims) != dims:
        raise LgcError(f"{what}: conv_dimension {module.__dict__.get('conv_dimension')} in a "
                       f"{dims}-d layer")
    return (int_attr(module, "channels"),
            *ntuple(module.__dict__.get("in_dim"), dims, "in_dim", what))


def _path(module):
    """The layers of one path of a residual block: a Sequential's children in order, none for
    an Identity."""
    kind = qualname(module)
    if kind == SEQUENTIAL:
        return [layer for child in children(module) for layer in _path(child)]
    return [] if kind == IDENTITY else [module]


def _connections(module, rank, out_dim, what):
    """Indices [rank, out_dim] of each gate's inputs (learnable ones resolved as in eval mode)."""
    indices = tensor(module, "indices")
    if qualname(module) == LEARNABLE_DENSE:
        weights = tensor(module, "weights")
        if indices is None or weights is None or indices.ndim != 3 \
                or weights.shape != indices.shape or indices.shape[1:] != (rank, out_dim) \
                or weights.dtype.kind != "f":
            raise LgcError(f"{what}: learnable connections need indices and float weights "
                           f"[candidates, {rank}, {out_dim}]")
        if not np.isfinite(weights).all():
            raise LgcError(f"{what}: connection weights hold NaN or infinity")
        chosen = weights.argmax(axis=0)
        indices = np.take_along_axis(indices, chosen[None], axis=0)[0]
    if indices is None or indices.shape != (rank, out_dim) or indices.dtype.kind not in "iu":
        raise LgcError(f"{what}: connections must be integer indices [{rank}, {out_dim}], got "
                       f"{None if indices is None else list(indices.shape)}")
    return indices.astype(np.int64)


def _encoding(module, bits_shape, flattened, input_shape):
    kind = qualname(module)
    what = kind.rsplit(".", 1)[-1]
    if kind == QUALNAMES["LearnableBinarization"]:
        thresholds = _learned_thresholds(module, what)
    else:
        thresholds = tensor(module, "thresholds")
        if thresholds is None:
            raise LgcError(f"{what}: holds no thresholds")
    return encoding.binarization(thresholds, module.__dict__.get("feature_dim", -2), bits_shape,
                                 flattened, kind, input_shape)


def _learned_thresholds(module, what):
    """LearnableBinarization.get_thresholds(): a cumulative sum of softplus-ordered steps, in
    torch's own float32 arithmetic (a threshold off by one ulp could flip a comparison)."""
    import torch

    diffs = tensor(module, "raw_diffs")
    if diffs is None or diffs.dtype.kind != "f" or diffs.ndim < 1 or not np.isfinite(diffs).all():
        raise LgcError(f"{what}: raw_diffs must be a finite float tensor")
    diffs = torch.from_numpy(np.array(diffs))
    if diffs.shape[-1] > 1:
        scale = float_attr(module, "temperature_softplus", 0.1) + 1e-6
        rest = scale * torch.nn.functional.softplus(diffs[..., 1:] / scale)
        diffs = torch.cat([diffs[..., :1], rest], dim=-1)
    return torch.cumsum(diffs, dim=-1).numpy()


def _positive(tau):
    if tau <= 0:
        raise LgcError(f"GroupSum: tau must be positive, got {tau}")
    return tau
