"""The architecture spec: the layer stack of a torchlogix model saved as a state_dict.

A state_dict holds a model's tensors but not its layers. The spec (JSON or TOML, or a dict) lists
the layers in order with torchlogix's constructor arguments; `modules` binds it to the tensors and
builds the module tree a whole pickle would hold, so the frontend and the PyTorch reference read
both kinds of file the same way. What the tensors show (out_dim, lut_rank, kernels, tree depth,
learnable connections) may be left out; what they cannot show must be given.

    {"parametrization": "light",          # default for logic layers that do not name theirs
     "layers": [
       {"type": "Flatten"},
       {"type": "LogicDense", "in_dim": 256, "out_dim": 300, "lut_rank": 4},
       {"type": "GroupSum", "k": 10, "tau": 4.0}]}

The i-th logic layer (LogicDense or a logic convolution) of the spec takes the i-th such layer's
tensors of the state_dict (in the state_dict's order, whatever the module names); a binarization
layer takes its `thresholds` from the state_dict when it holds them, else from the spec. A
ResidualLogicBlock is given by torchlogix's constructor arguments (in_dim, in_channels,
out_channels, tree_depth, receptive_field_size, padding, downsample, parametrization, lut_rank),
or by its two paths as layer lists, `main` and `shortcut` (empty: the identity), for a block
assembled by hand; its layers take their tensors in that order (main, then shortcut).
"""

import re

from ..errors import LgcError
from . import dwn_arch
from .encoding import numbers, read_table
from .spec_modules import check_layer_keys, module, tensors_by_module
from .unroll import ntuple

PARAMETRIZATIONS = {"raw": "torchlogix.parametrization.RawLUTParametrization",
                    "light": "torchlogix.parametrization.LightLUTParametrization",
                    "warp": "torchlogix.parametrization.WarpLUTParametrization"}
QUALNAMES = {
    "LogicDense": "torchlogix.layers.dense.LogicDense",
    "LogicConv2d": "torchlogix.layers.conv.LogicConv2d",
    "LogicConv3d": "torchlogix.layers.conv.LogicConv3d",
    "LogicConvTranspose2d": "torchlogix.layers.conv.LogicConvTranspose2d",
    "LogicConvTranspose3d": "torchlogix.layers.conv.LogicConvTranspose3d",
    "OrPooling2d": "torchlogix.layers.pool.OrPooling2d",
    "OrPooling3d": "torchlogix.layers.pool.OrPooling3d",
    "ResidualLogicBlock": "torchlogix.modules.resblock.ResidualLogicBlock",
    "GroupSum": "torchlogix.layers.groupsum.GroupSum",
    "Flatten": "torch.nn.modules.flatten.Flatten",
    "FixedBinarization": "torchlogix.layers.binarization.FixedBinarization",
    "SoftBinarization": "torchlogix.layers.binarization.SoftBinarization",
    "LearnableBinarization": "torchlogix.layers.binarization.LearnableBinarization",
    "DummyBinarization": "torchlogix.layers.binarization.DummyBinarization",
}
CONVS = {"LogicConv2d": (2, False), "LogicConv3d": (3, False),
         "LogicConvTranspose2d": (2, True), "LogicConvTranspose3d": (3, True)}
PARAMETER_LIST = "torch.nn.modules.container.ParameterList"
SEQUENTIAL = "torch.nn.modules.container.Sequential"
IDENTITY = "torch.nn.modules.linear.Identity"
FIXED_DENSE = "torchlogix.connections.FixedDenseConnections"
LEARNABLE_DENSE = "torchlogix.connections.LearnableDenseConnections"
FIXED_CONV = "torchlogix.connections.FixedConvConnections"
FIXED_CONV_TRANSPOSE = "torchlogix.connections.FixedConvTransposeConnections"

# type -> (required keys, optional keys with the constructor's defaults)
LAYERS = {
    "LogicDense": (("in_dim",), {"out_dim": None, "lut_rank": None, "parametrization": None,
                                 "connections": None}),
    **{conv: (("in_dim",), {"channels": 1, "num_kernels": None, "tree_depth": None,
                            "receptive_field_size": 2, "stride": 1, "padding": 0,
                            **({"output_padding": 0} if transposed else {}),
                            "lut_rank": None, "parametrization": None, "connections": None})
       for conv, (_, transposed) in CONVS.items()},
    "OrPooling2d": (("kernel_size", "stride"), {"padding": 0}),
    "OrPooling3d": (("kernel_size", "stride"), {"padding": 0}),
    "ResidualLogicBlock": ((), {"in_dim": None, "in_channels": None, "out_channels": None,
                                "tree_depth": 3, "receptive_field_size": 3, "padding": 1,
                                "downsample": False, "parametrization": None, "lut_rank": None,
                                "main": None, "shortcut": None}),
    "Flatten": ((), {"start_dim": 1, "end_dim": -1}),
    "GroupSum": (("k",), {"tau": 1.0, "beta": 0.0}),
    "FixedBinarization": ((), {"thresholds": None, "feature_dim": -2}),
    "SoftBinarization": ((), {"thresholds": None, "feature_dim": -2}),
    "LearnableBinarization": ((), {"feature_dim": -2, "temperature_softplus": 0.1}),
    "DummyBinarization": ((), {}),
}
BINARIZATIONS = ("FixedBinarization", "SoftBinarization", "LearnableBinarization")

# state_dict key = module path + one of these local names
_KEY = re.compile(r"^(?:(?P<prefix>.*)\.)?(?P<local>weight|tree_weights\.\d+|"
                  r"connections\.(?:indices|weights|_indices_L\d+)|thresholds|raw_diffs)$")


def is_torchlogix_key(key):
    """Whether a state_dict key names a tensor of a torchlogix logic layer."""
    match = _KEY.match(str(key))
    return match is not None and match["local"] not in ("weight", "thresholds")


def read(arch, parametrization=None):
    """The spec as a checked, JSON-ready dict (from a dict, inline JSON or a .json/.toml file)."""
    spec, _ = read_table(arch, "arch")
    if spec.get("format") == "dwn":
        if parametrization is not None:
            raise LgcError("arch: a parametrization is for torchlogix specs, not dwn ones")
        return dwn_arch.read(spec)
    spec = dict(spec)
    unknown = sorted(set(spec) - {"format", "parametrization", "layers"})
    if unknown:
        raise LgcError(f"arch: unknown key(s) {', '.join(unknown)}; a spec has `layers` and "
                       "optionally `parametrization`")
    if spec.get("format", "torchlogix") != "torchlogix":
        raise LgcError(f"arch: specs describe torchlogix or dwn models, not {spec['format']!r}")
    if parametrization is not None:
        spec["parametrization"] = parametrization
    if spec.get("parametrization") not in (None, *PARAMETRIZATIONS):
        raise LgcError(f"arch: parametrization must be one of {', '.join(PARAMETRIZATIONS)}, "
                       f"got {spec['parametrization']!r}")
    layers = spec.get("layers")
    if not isinstance(layers, list) or not layers:
        raise LgcError("arch: `layers` must be a non-empty list of layers")
    spec["layers"] = [_check_layer(i, layer) for i, layer in enumerate(layers)]
    return spec


def _check_layer(i, layer):
    if isinstance(layer, dict) and layer.get("type") == "ResidualLogicBlock":
        return _check_block(i, layer)
    return _check_fields(i, layer)


def _check_fields(i, layer):
    what = check_layer_keys(i, layer, LAYERS, "torchlogix")
    if layer.get("thresholds") is not None:
        numbers(layer["thresholds"], f"{what}: thresholds")
    if not isinstance(layer.get("downsample", False), bool):
        raise LgcError(f"{what}: downsample must be true or false")
    for key, value in layer.items():
        if key in ("type", "parametrization", "connections", "thresholds", "downsample", "main",
                   "shortcut"):
            continue
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                 for v in values):
            raise LgcError(f"{what}: {key} must be a number or a list of numbers, got {value!r}")
    if layer.get("parametrization") not in (None, *PARAMETRIZATIONS):
        raise LgcError(f"{what}: parametrization must be one of {', '.join(PARAMETRIZATIONS)}, "
                       f"got {layer['parametrization']!r}")
    if layer.get("connections") not in (None, "fixed", "learnable"):
        raise LgcError(f"{what}: connections must be 'fixed' or 'learnable', "
                       f"got {layer['connections']!r}")
    return dict(layer)


def _check_block(i, layer):
    """A ResidualLogicBlock as its two paths: given, or built as torchlogix's constructor does."""
    given = {key: value for key, value in layer.items() if key not in ("main", "shortcut", "type")}
    if "main" in layer:
        if given:
            raise LgcError(f"arch: layer {i} (ResidualLogicBlock): give either its paths (main, "
                           f"shortcut) or its constructor arguments, not both ({', '.join(given)})")
        paths = {name: layer.get(name) or [] for name in ("main", "shortcut")}
        if not isinstance(paths["main"], list) or not paths["main"] \
                or not isinstance(paths["shortcut"], list):
            raise LgcError(f"arch: layer {i} (ResidualLogicBlock): main must be a non-empty "
                           "list of layers, shortcut a list")
    else:
        _check_fields(i, {"type": "ResidualLogicBlock", **given})  # its constructor arguments
        missing = [key for key in ("in_dim", "in_channels", "out_channels") if key not in given]
        if missing:
            raise LgcError(f"arch: layer {i} (ResidualLogicBlock) needs {', '.join(missing)} "
                           "(or its paths, main and shortcut)")
        paths = _block_paths(_settings({"type": "ResidualLogicBlock", **given}))
    return {"type": "ResidualLogicBlock",
            **{name: [_check_layer(f"{i}.{name}.{j}", sub) for j, sub in enumerate(path)]
               for name, path in paths.items()}}


def _block_paths(a):
    """ResidualLogicBlock.__init__ of torchlogix 0.2.2: two trees (OR-pooled when it
    downsamples); a rank-1 1x1 projection shortcut (after OR pooling by 4) when it downsamples or
    changes the channels (its tree depth, 0 in the library, comes from the tensors)."""
    tree = {key: a[key] for key in ("tree_depth", "receptive_field_size", "padding",
                                    "parametrization", "lut_rank") if a.get(key) is not None}
    pool = [{"type": "OrPooling2d", "kernel_size": 2, "stride": 2}] if a["downsample"] else []
    main = [{"type": "LogicConv2d", "in_dim": a["in_dim"], "channels": a["in_channels"],
             "num_kernels": a["out_channels"], **tree}, *pool,
            {"type": "LogicConv2d", "in_dim": a["in_dim"] // 2 if a["downsample"] else a["in_dim"],
             "channels": a["out_channels"], "num_kernels": a["out_channels"], **tree}, *pool]
    shortcut = []
    if a["downsample"]:
        shortcut.append({"type": "OrPooling2d", "kernel_size": 4, "stride": 4})
    if a["downsample"] or a["in_channels"] != a["out_channels"]:
        shortcut.append({"type": "LogicConv2d",
                         "in_dim": a["in_dim"] // 4 if a["downsample"] else a["in_dim"],
                         "channels": a["in_channels"], "num_kernels": a["out_channels"],
                         "receptive_field_size": 1, "padding": 0, "lut_rank": 1,
                         **{k: a[k] for k in ("parametrization",) if a.get(k) is not None}})
    return {"main": main, "shortcut": shortcut}


def _flat(layers):
    """The spec's layers in the state_dict's order: a block's main path, then its shortcut."""
    for layer in layers:
        if layer["type"] == "ResidualLogicBlock":
            yield from _flat(layer["main"] + layer["shortcut"])
        else:
            yield layer


def modules(spec, state_dict, make, as_tensor):
    """The model's layers as module holders built by `make(qualname)`, holding the state_dict's
    tensors; `as_tensor(list, dtype)` turns numbers given in the spec into a tensor."""
    if spec.get("format") == "dwn":
        return dwn_arch.modules(spec, state_dict, make, as_tensor)
    groups = _groups(state_dict)
    logic = [g for g in groups if g.kind in ("LogicDense", "conv")]
    binarizations = [g for g in groups if g.kind == "binarization"]
    spec_logic = [layer["type"] for layer in _flat(spec["layers"]) if layer["type"] == "LogicDense"
                  or layer["type"] in CONVS]
    spec_bin = [layer for layer in spec["layers"] if layer["type"] in BINARIZATIONS]
    if [g.kind for g in logic] != ["conv" if t in CONVS else t for t in spec_logic]:
        found = ", ".join("logic convolution" if g.kind == "conv" else g.kind for g in logic)
        raise LgcError(f"arch: the spec's logic layers ({', '.join(spec_logic) or 'none'}) do not "
                       f"match the state_dict's ({found or 'none'})")
    if binarizations and len(binarizations) != len(spec_bin):
        raise LgcError(f"arch: the state_dict holds {len(binarizations)} binarization layer(s), "
                       f"the spec {len(spec_bin)}")
    return _build(spec["layers"], iter(logic), iter(binarizations), spec.get("parametrization"),
                  make, as_tensor)


def _build(layers, logic, binarizations, default, make, as_tensor, where=""):
    built = []
    for i, layer in enumerate(layers):
        kind = layer["type"]
        what = f"arch layer {where}{i} ({kind})"
        if kind == "LogicDense":
            built.append(_dense(layer, next(logic), default, make, what))
        elif kind in CONVS:
            built.append(_conv(layer, next(logic), default, make, what))
        elif kind in BINARIZATIONS:
            built.append(_binarization(layer, next(binarizations, None), make, as_tensor, what))
        elif kind == "ResidualLogicBlock":
            paths = {name: _build(layer[name], logic, binarizations, default, make, as_tensor,
                                  f"{where}{i}.{name}.") for name in ("main", "shortcut")}
            built.append(module(make, QUALNAMES[kind], {}, children={
                name: module(make, SEQUENTIAL, {},
                             children={str(j): m for j, m in enumerate(path)}) if path
                else module(make, IDENTITY, {}) for name, path in paths.items()}))
        else:
            built.append(module(make, QUALNAMES[kind], _settings(layer)))
    return built


class _Group:
    """The tensors of one module of the state_dict, by local name."""

    def __init__(self, prefix, tensors):
        self.prefix, self.tensors = prefix, tensors

    @property
    def kind(self):
        if "weight" in self.tensors:
            return "LogicDense"
        if any(name.startswith("tree_weights.") for name in self.tensors):
            return "conv"
        if set(self.tensors) <= {"thresholds", "raw_diffs"}:
            return "binarization"
        return "unknown"

    def get(self, name, what):
        if name not in self.tensors:
            raise LgcError(f"{what}: the state_dict has no "
                           f"{self.prefix + '.' if self.prefix else ''}{name}")
        return self.tensors[name]


def _groups(state_dict):
    groups = [_Group(prefix, tensors) for prefix, tensors
              in tensors_by_module(state_dict, _KEY, "torchlogix").items()]
    for group in groups:
        if group.kind == "unknown":
            raise LgcError(f"arch: state_dict module {group.prefix!r} holds "
                           f"{', '.join(group.tensors)}: not a layer lgc knows")
    return groups


def _dense(layer, group, default, make, what):
    weight = group.get("weight", what)
    indices = group.get("connections.indices", what)
    candidates = group.tensors.get("connections.weights")
    if len(weight.shape) != 2 or len(indices.shape) != (2 if candidates is None else 3):
        raise LgcError(f"{what}: weight {list(weight.shape)} and connections {list(indices.shape)} "
                       "are not the shapes of a LogicDense")
    rank = indices.shape[0] if candidates is None else indices.shape[1]
    out_dim = _agree(layer, "out_dim", weight.shape[0], what)
    _agree(layer, "lut_rank", rank, what)
    learnable = _agree(layer, "connections", "fixed" if candidates is None else "learnable", what)
    parametrization = _parametrization(layer, default, weight.shape[-1], rank, what)
    attrs = {"in_dim": layer["in_dim"], "out_dim": out_dim, "lut_rank": rank}
    if learnable == "fixed":
        connections = module(make, FIXED_DENSE, attrs, buffers={"indices": indices})
    else:
        connections = module(make, LEARNABLE_DENSE, attrs, buffers={"indices": indices},
                              parameters={"weights": candidates})
    return module(make, QUALNAMES["LogicDense"], attrs, parameters={"weight": weight},
                   children={"parametrization": module(make, PARAMETRIZATIONS[parametrization],
                                                        {"lut_rank": rank}),
                             "connections": connections})


def _conv(layer, group, default, make, what):
    dims, transposed = CONVS[layer["type"]]
    depth = sum(name.startswith("tree_weights.") for name in group.tensors)
    levels = [group.get(f"tree_weights.{level}", what) for level in range(depth)]
    indices = {f"_indices_L{level}": group.get(f"connections._indices_L{level}", what)
               for level in range(depth)}
    leaf = indices["_indices_L0"]
    if len(leaf.shape) != 5 or leaf.shape[-1] != dims + 1 or any(len(w.shape) != 3 for w in levels):
        raise LgcError(f"{what}: tree weights and _indices_L0 are not the shapes of a "
                       f"{layer['type']}")
    rank = leaf.shape[0]
    settings = _settings(layer)
    settings.update(tree_depth=_agree(layer, "tree_depth", depth, what),
                    num_kernels=_agree(layer, "num_kernels", levels[0].shape[1], what),
                    lut_rank=_agree(layer, "lut_rank", rank, what), conv_dimension=dims)
    _agree(layer, "connections", "fixed", what)
    parametrization = _parametrization(layer, default, levels[0].shape[-1], rank, what)
    in_dim = ntuple(settings["in_dim"], dims, "in_dim", what)
    rfs = ntuple(settings["receptive_field_size"], dims, "receptive_field_size", what)
    stride, padding = settings["stride"], settings["padding"]
    settings.update(in_dim=in_dim, receptive_field_size=rfs)
    connections = {"tree_depth": depth}
    if transposed:  # as the library's constructor sets them (layers/conv.py, connections.py)
        extra = ntuple(settings["output_padding"], dims, "output_padding", what)
        settings.update(output_padding=extra, kernel_positions=[
            (d - 1) * stride - 2 * padding + r + e for d, r, e in zip(in_dim, rfs, extra)])
        connections.update(orig_stride=stride, output_padding_t=extra, padding=rfs[0] - 1 - padding)
    else:
        settings["kernel_positions"] = [(d + 2 * padding - r) // stride + 1
                                        for d, r in zip(in_dim, rfs)]
    for key in ("parametrization", "connections"):
        settings.pop(key, None)
    return module(make, QUALNAMES[layer["type"]], settings, children={
        "parametrization": module(make, PARAMETRIZATIONS[parametrization], {"lut_rank": rank}),
        "tree_weights": module(make, PARAMETER_LIST, {},
                                parameters={str(i): w for i, w in enumerate(levels)}),
        "connections": module(make, FIXED_CONV_TRANSPOSE if transposed else FIXED_CONV,
                               connections, buffers=indices)})


def _binarization(layer, group, make, as_tensor, what):
    settings = _settings(layer)
    given = settings.pop("thresholds", None)
    buffers = dict(group.tensors) if group is not None else {}
    parameters = {"raw_diffs": buffers.pop("raw_diffs")} if "raw_diffs" in buffers else {}
    if layer["type"] == "LearnableBinarization":
        if not parameters:
            raise LgcError(f"{what}: the state_dict holds no raw_diffs for it")
    elif "thresholds" not in buffers:
        if given is None:
            raise LgcError(f"{what}: give its thresholds (the state_dict holds none)")
        buffers["thresholds"] = as_tensor(given, "float32")
    elif given is not None \
            and list(as_tensor(given, "float32").shape) != list(buffers["thresholds"].shape):
        raise LgcError(f"{what}: the spec's thresholds disagree with the state_dict's")
    return module(make, QUALNAMES[layer["type"]], settings, parameters=parameters, buffers=buffers)


def _parametrization(layer, default, width, rank, what):
    chosen = layer.get("parametrization") or default
    if chosen is None:
        if rank == 2 and width == 16:
            return "raw"  # 16 logits on 2 inputs: only raw has that shape
        raise LgcError(f"{what}: weights of {width} entries on {rank} inputs are light or warp: "
                       "give the parametrization (--parametrization, or in the spec)")
    expected = 16 if chosen == "raw" else 1 << rank
    if width != expected:
        raise LgcError(f"{what}: {chosen} LUTs of rank {rank} have {expected} weights each, the "
                       f"state_dict {width}")
    return chosen


def _agree(layer, key, found, what):
    given = layer.get(key)
    if given is not None and given != found:
        raise LgcError(f"{what}: the spec says {key} {given!r}, the state_dict's tensors {found!r}")
    return found


def _settings(layer):
    """The layer's constructor arguments: the spec's values over the defaults."""
    _, optional = LAYERS[layer["type"]]
    settings = {key: value for key, value in optional.items() if value is not None}
    settings.update({k: v for k, v in layer.items() if k != "type"})
    return settings
