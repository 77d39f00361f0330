"""torch-dwn models (Differentiable Weightless Neural Networks, torch-dwn 1.1.x), saved whole
(`torch.save(model)`) or as a state_dict with an architecture spec (dwn_arch.py).

Layers: `LUTLayer(input_size, output_size, n, mapping)`, then `GroupSum(k, tau, randperm)`
(Flatten and Identity pass bits through). Eval-mode semantics, read from torch-dwn's source
(lut_layer.py, mapping.py, utils.py and the CUDA kernel efd_cuda_kernel.cu, which lgc never runs):
- node j of a LUTLayer reads inputs mapping[j, 0..n-1] (an int32 [output_size, n] parameter),
  input l being bit l of the LUT address (LSB first: the IR's own order); its output is
  `luts[j, addr] > 0` (the STE), so an entry of exactly 0 (or -0) gives 0;
- a learnable mapping first selects the columns x[:, weights.argmax(0)] (weights
  [input_size, output_size * n]); the layer then reads those through `_LUTLayer__dummy_mapping`
  (node j, input l: selected column dummy[j, l], which torch-dwn makes j*n + l);
- without the STE (ste=False) a layer outputs the LUT's float value: the next LUTLayer still reads
  it as `> 0`, but a GroupSum would sum the floats, so a last layer without it is refused;
- GroupSum: the columns permuted by `randperm` (an index tensor attribute, when given), zero
  columns appended up to a multiple of k, k contiguous groups summed, divided by tau.
Inputs are thermometer bits made outside the model (the user's `--encoding`).
"""

import numpy as np

from ..errors import LgcError
from ..ir import Netlist
from ..ir.truthtable import MAX_ARITY, from_rows
from .torchfile import children, float_attr, int_attr, qualname, tensor

LUT_LAYER = "torch_dwn.lut_layer.LUTLayer"
LEARNABLE_MAPPING = "torch_dwn.mapping.LearnableMapping"
GROUP_SUM = "torch_dwn.utils.GroupSum"
DUMMY_MAPPING = "_LUTLayer__dummy_mapping"  # name-mangled self.__dummy_mapping
PASS_THROUGH = ("torch.nn.modules.flatten.Flatten", "torch.nn.modules.linear.Identity")


def claims(modules):
    return any((qualname(m) or "").startswith("torch_dwn.") for m in modules)


def to_netlist(modules, name, options):
    if options:
        raise LgcError(f"option(s) {', '.join(sorted(options))} do not apply to torch-dwn models")
    layers, group_sum, width, n_inputs, ranks, ste = [], None, None, None, set(), True
    for i, module in enumerate(modules):
        kind = qualname(module) or type(module).__name__
        what = f"module {i} ({kind.rsplit('.', 1)[-1]})"
        if group_sum is not None:
            raise LgcError(f"{what} follows the GroupSum: a model must end in it")
        if kind in PASS_THROUGH:
            continue
        if kind == LUT_LAYER:
            tt, fanin, input_size, ste = lut_layer(module, what)
            if width is not None and input_size != width:
                raise LgcError(f"{what} reads {input_size} bits but gets {width}")
            n_inputs = input_size if n_inputs is None else n_inputs
            layers.append((tt, fanin))
            width, ranks = len(tt), ranks | {fanin.shape[1]}
        elif kind == GROUP_SUM and layers:
            group_sum = module
        else:
            raise LgcError(f"{what} is not supported in a torch-dwn model")
    if group_sum is None:
        raise LgcError("the model has no GroupSum after its LUT layers")
    if not ste:
        raise LgcError("the last LUTLayer has ste=False: its outputs are LUT values, which the "
                       "GroupSum would sum as floats, not bits")
    tau = float_attr(group_sum, "tau", 1.0)
    if tau <= 0:
        raise LgcError(f"GroupSum: tau must be positive, got {tau}")
    groups = group_columns(width, int_attr(group_sum, "k"), group_sum.__dict__.get("randperm"))
    source = {"format": "dwn", "parametrization": "lut", "lut_ranks": sorted(ranks),
              "input_shape": [n_inputs]}
    return Netlist.from_layers(n_inputs, layers, groups, tau=tau, name=name,
                               source=source).validate()


def lut_layer(module, what):
    """(tt, fanin, input_size, ste) of one LUTLayer, with its tensors checked."""
    input_size, output_size = int_attr(module, "input_size"), int_attr(module, "output_size")
    n = int_attr(module, "n")
    if n > MAX_ARITY:
        raise LgcError(f"{what}: n = {n}: lgc compiles LUTs of 1..{MAX_ARITY} inputs (torch-dwn "
                       "allows more, which no FPGA LUT holds)")
    ste = module.__dict__.get("ste", True)
    if not isinstance(ste, bool):
        raise LgcError(f"{what}: attribute ste must be True or False")
    luts = tensor(module, "luts")
    if luts is None or luts.shape != (output_size, 1 << n) or luts.dtype.kind != "f":
        raise LgcError(f"{what}: luts must be float [{output_size}, {1 << n}], got {_shape(luts)}")
    if not np.isfinite(luts).all():
        raise LgcError(f"{what}: luts hold NaN or infinity")
    mapping = [c for c in children(module) if qualname(c) == LEARNABLE_MAPPING]
    if mapping:
        fanin = _learnable_fanin(module, mapping[0], input_size, output_size, n, what)
    else:
        fanin = _index_table(tensor(module, "mapping"), (output_size, n), input_size,
                             f"{what}: mapping")
    return from_rows(luts > 0), fanin.astype(np.int32), input_size, ste


def _learnable_fanin(module, mapping, input_size, output_size, n, what):
    """Node j, input l of a learnable layer: the input column its selected slot dummy[j, l] took."""
    weights = tensor(mapping, "weights")
    if weights is None or weights.shape != (input_size, output_size * n) \
            or weights.dtype.kind != "f":
        raise LgcError(f"{what}: learnable mapping weights must be float "
                       f"[{input_size}, {output_size * n}], got {_shape(weights)}")
    if not np.isfinite(weights).all():
        raise LgcError(f"{what}: learnable mapping weights hold NaN or infinity")
    slots = _index_table(tensor(module, DUMMY_MAPPING), (output_size, n), output_size * n,
                         f"{what}: {DUMMY_MAPPING}")
    return weights.argmax(axis=0)[slots]


def _index_table(indices, shape, bound, what):
    if indices is None or indices.shape != shape or indices.dtype.kind not in "iu":
        raise LgcError(f"{what} must be integer {list(shape)}, got {_shape(indices)}")
    if indices.size and (indices.min() < 0 or indices.max() >= bound):
        raise LgcError(f"{what} holds an index outside 0..{bound - 1}")
    return indices.astype(np.int64)


def group_columns(width, k, randperm=None):
    """GroupSum's groups over `width` outputs: the columns in `randperm`'s order (all, in order,
    when None), cut into k runs of ceil(columns / k); the zero padding is simply absent."""
    if randperm is None:
        columns = np.arange(width, dtype=np.int64)
    else:
        if not isinstance(randperm, np.ndarray) or randperm.ndim != 1 \
                or randperm.dtype.kind not in "iu":
            raise LgcError(f"GroupSum: randperm must be a 1-d integer tensor, "
                           f"got {_shape(randperm)}")
        if randperm.size and (randperm.min() < -width or randperm.max() >= width):
            raise LgcError(f"GroupSum: randperm holds an index outside -{width}..{width - 1}")
        # torch's indexing
        columns = np.where(randperm < 0, randperm + width, randperm).astype(np.int64)
    size = -(-len(columns) // k)
    return [columns[c * size:(c + 1) * size] for c in range(k)]


def _shape(value):
    return list(value.shape) if isinstance(value, np.ndarray) else type(value).__name__
