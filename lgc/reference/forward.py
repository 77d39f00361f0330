"""The PyTorch reference: the model's eval-mode forward, in torch, from the raw weights.

This is what every verification compares against. It shares no code with lgc's frontends: the
file is read by torch's own `weights_only` unpickler (module classes mapped to plain attribute
holders, so nothing from the file runs), and each layer is computed with its library's own float
arithmetic (difflogic: argmax of the weights, one-hot, the 16 real-valued gates; torchlogix:
torchlogix_layers.py; torch-dwn: dwn_layers.py, its CUDA kernel's steps; GroupSum: float sum). A bug
in lgc's truth-table decoding therefore cannot hide behind it. A state_dict is bound to its
architecture spec by `archspec`, which only places the tensors in module holders (the same tree a
whole pickle has) and decodes nothing.
"""

import dataclasses
import pickle

import numpy as np
import torch

from ..errors import LgcError
from ..frontend import archspec
from ..nn import bin_op_s
from . import dwn_layers, torchlogix_layers


class _Attrs:
    """Plain holder of a pickled module's attributes (torch's unpickler sets __dict__)."""

    def __setstate__(self, state):
        self.__dict__.update(state)

    def param(self, name):
        for table in ("_parameters", "_buffers"):
            if name in self.__dict__.get(table, {}):
                return self.__dict__[table][name]
        return self.__dict__[name]

    def children(self):
        return list(self.__dict__.get("_modules", {}).values())

    def child(self, name):
        return self.__dict__["_modules"][name]


def _difflogic_layer(m, x):
    a_idx, b_idx = m.__dict__["indices"] if "indices" in m.__dict__ else m.param("indices")
    a, b = x[..., a_idx.long()], x[..., b_idx.long()]
    one_hot = torch.nn.functional.one_hot(m.param("weights").argmax(-1), 16).to(x.dtype)
    return bin_op_s(a, b, one_hot)


def _group_sum(m, x):
    k = m.__dict__["k"]
    sums = x.reshape(*x.shape[:-1], k, x.shape[-1] // k).sum(-1)
    beta = float(m.__dict__.get("beta", 0.0))  # torchlogix's additive constant; 0 in difflogic
    return _GroupSumOutput(sums, (sums + beta) / m.__dict__["tau"])


def _dwn_group_sum(m, x):
    return _GroupSumOutput(*dwn_layers.group_sum(m, x))


def _flatten(m, x):
    return x.flatten(m.__dict__.get("start_dim", 1), m.__dict__.get("end_dim", -1))


def _thermometer(m, raw):
    return (raw[..., :, None] > m.param("thresholds")).flatten(-2).float()


def _sequential(m, x):
    for child in m.children():
        x = forward(child, x)
    return x


def _residual_block(m, x):
    """torchlogix's ResidualLogicBlock: the relaxed OR of its two paths."""
    out, identity = forward(m.child("main"), x), forward(m.child("shortcut"), x)
    return out + identity - out * identity


# qualified class name -> forward(module, x); encoders are listed in ENCODERS too.
FORWARDS = {
    "torch.nn.modules.container.Sequential": _sequential,
    "torch.nn.modules.flatten.Flatten": _flatten,
    "difflogic.difflogic.LogicLayer": _difflogic_layer,
    "difflogic.difflogic.GroupSum": _group_sum,
    "lgc.nn.LogicLayer": _difflogic_layer,
    "lgc.nn.GroupSum": _group_sum,
    "lgc.nn.Thermometer": _thermometer,
    "torchlogix.layers.groupsum.GroupSum": _group_sum,
    torchlogix_layers.RESIDUAL: _residual_block,
    **torchlogix_layers.FORWARDS,
    dwn_layers.LUT_LAYER: dwn_layers.lut_layer,
    dwn_layers.GROUP_SUM: _dwn_group_sum,
}
ENCODERS = {"lgc.nn.Thermometer", *torchlogix_layers.ENCODERS}
# Classes whose forward runs their children in order (Sequential, torchlogix's model zoo).
CONTAINERS = ("torch.nn.modules.container.Sequential", "torchlogix.models.")
# Classes that only hold parts of a layer (its parametrization, connections, weight lists).
HOLDERS = ("lgc.nn.RecurrentLogic", "torch.nn.modules.container.ParameterList",
           "torch.nn.modules.container.ModuleList", "torchlogix.", "torch_dwn.")


@dataclasses.dataclass
class _GroupSumOutput:
    counts: torch.Tensor  # the integer group sums, before beta and tau
    scores: torch.Tensor  # the library's float output


@dataclasses.dataclass
class Reference:
    counts: np.ndarray  # int64 [N, k]: popcount of each class's group (what lgc calls scores)
    scores: np.ndarray  # float32 [N, k]: the model's own output, (counts + beta) / tau
    pred: np.ndarray    # int64 [N]: torch.argmax of the float output (lowest index wins ties)
    bits: np.ndarray    # uint8 [N, n_inputs]: the input bits (the encoder's output, for raw
                        # features)


def forward(module, x):
    name = _qualname(module)
    if name not in FORWARDS:
        raise LgcError(f"the PyTorch reference does not know the layer {name}")
    return FORWARDS[name](module, x)


def load_model(path, arch=None, parametrization=None):
    """The model's layers, read by torch's weights_only unpickler into attribute holders (a
    state_dict is bound to its `arch` spec)."""
    try:
        names = torch.serialization.get_unsafe_globals_in_checkpoint(path)
        # Only names lgc knows become holders; torch refuses any other global in the file.
        known = [q for q in names if q in FORWARDS or q.startswith(CONTAINERS + HOLDERS)]
        with torch.serialization.safe_globals([(_holder_class(q), q) for q in known]):
            model = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, OSError, EOFError, ValueError) as e:
        raise LgcError(f"{path}: the PyTorch reference cannot read the model: "
                       f"{str(e).splitlines()[0]}") from None
    if isinstance(model, dict) and not any(isinstance(v, _Attrs) for v in model.values()):
        if arch is None:
            raise LgcError(f"{path}: a state_dict needs its architecture spec (arch)")
        nested = [v for v in model.values() if isinstance(v, dict)]  # {"model": state_dict, ...}
        state_dict = nested[0] if len(nested) == 1 else model
        spec = archspec.read(arch, parametrization)
        return archspec.modules(spec, state_dict, lambda q: _holder_class(q)(),
                                lambda values, dtype: torch.tensor(values,
                                                                   dtype=getattr(torch, dtype)))
    if isinstance(model, dict):
        found = [v for v in model.values() if isinstance(v, _Attrs)]
        if len(found) != 1:
            raise LgcError(f"{path}: the PyTorch reference finds no single model in it")
        model = found[0]
    return _flat_layers(model)


def _holder_class(qualname):
    return type(qualname.rsplit(".", 1)[1], (_Attrs,), {"qualname": qualname})


def reference(path, bits=None, raw=None, encoding=None, arch=None, parametrization=None):
    """Eval-mode outputs of the model at `path` on input bits [N, n] (after any encoder the model
    has) or on raw features (through its encoder, or, for a model without one, through
    `encoding`, the netlist's record of the one the user gave). Exactly one of `bits`, `raw` is
    given; flat inputs of image models are reshaped to [N, C, H, W] in torch's flatten order (raw
    features to the netlist encoding's `shape` when given). Raw features are compared in float64,
    exactly (float32 values compare as in float32; wider fixed-point ones are not rounded).
    `arch`, `parametrization`: as lgc.load, for a state_dict (the netlist records the spec in
    source["arch"])."""
    if (bits is None) == (raw is None):
        raise ValueError("give exactly one of bits, raw")
    layers = load_model(path, arch, parametrization)
    encoded = bool(layers) and _qualname(layers[0]) in ENCODERS
    if bits is not None:
        layers = [m for m in layers if _qualname(m) not in ENCODERS]
        x = torch.as_tensor(np.asarray(bits), dtype=torch.float32)
    elif encoded:  # the model's own encoder; `encoding` (its record) only gives the raw shape
        x = torch.as_tensor(np.asarray(raw), dtype=torch.float64)
        if x.ndim == 2 and encoding is not None and len(encoding.get("shape", ())) > 1:
            x = x.reshape(len(x), *encoding["shape"])
    elif encoding is not None:  # bit i = raw[feature[i]] > threshold[i], float32, strict
        x = torch.as_tensor(np.asarray(raw), dtype=torch.float64).flatten(1)
        threshold = torch.tensor(encoding["threshold"], dtype=torch.float32)
        x = (x[:, torch.tensor(encoding["feature"])] > threshold).to(torch.float32)
        encoded = False
    else:
        raise LgcError("raw features need a model with an input encoder; give 0/1 bits instead")
    shape = torchlogix_layers.input_shape(layers, encoded and raw is not None)
    if shape is not None and x.ndim == 2:
        x = x.reshape(len(x), *shape)
    with torch.no_grad():
        if encoded and raw is not None:
            x, layers = forward(layers[0], x), layers[1:]
        in_bits = x.flatten(1).to(torch.uint8).numpy()
        for m in layers:
            x = forward(m, x)
    if not isinstance(x, _GroupSumOutput):
        raise LgcError("the model does not end in a GroupSum")
    return Reference(counts=torch.round(x.counts).long().numpy(), scores=x.scores.numpy(),
                     pred=x.scores.argmax(-1).long().numpy(), bits=in_bits)


def _flat_layers(model):
    if _qualname(model).startswith(CONTAINERS):
        return [leaf for child in model.children() for leaf in _flat_layers(child)]
    return [model]


def _qualname(module):
    return getattr(module, "qualname", type(module).__name__)


def of_build(build, netlist, bits=None, raw=None):
    """The reference of a build's model (its copy, DIR/model.pt) on input bits or raw features,
    handed what the build's netlist recorded (a state_dict's arch spec, the input encoding); with
    one torch thread: its many small elementwise ops gain nothing from more, and on a busy machine
    spinning threads made them ~25x slower here."""
    graph = netlist.graph.graph
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return reference(build.model_path, bits=bits, raw=raw,
                         arch=graph.get("source", {}).get("arch"), encoding=graph.get("encoding"))
    finally:
        torch.set_num_threads(threads)
