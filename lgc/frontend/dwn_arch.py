"""The architecture spec of a torch-dwn model saved as a state_dict (`"format": "dwn"`).

A torch-dwn state_dict holds each LUTLayer's `luts` and its mapping (`mapping`, or for a
learnable one `mapping.weights` and `_LUTLayer__dummy_mapping`), but not the layer sizes, and
not GroupSum's `randperm`, a plain attribute: the spec carries the permutation itself.

    {"format": "dwn",
     "layers": [
       {"type": "LUTLayer", "input_size": 160, "output_size": 800, "n": 6, "mapping": "random"},
       {"type": "GroupSum", "k": 5, "tau": 2, "randperm": [3, 0, 4, ...]}]}

The i-th LUTLayer of the spec takes the i-th LUTLayer's tensors of the state_dict (in its order,
whatever the module names). `modules` builds the module tree a whole pickle would hold, so the
frontend and the PyTorch reference read both kinds of file the same way.
"""

import re

from ..errors import LgcError
from .spec_modules import check_layer_keys, module, tensors_by_module

QUALNAMES = {"LUTLayer": "torch_dwn.lut_layer.LUTLayer",
             "LearnableMapping": "torch_dwn.mapping.LearnableMapping",
             "GroupSum": "torch_dwn.utils.GroupSum",
             "Flatten": "torch.nn.modules.flatten.Flatten"}
DUMMY_MAPPING = "_LUTLayer__dummy_mapping"
MAPPINGS = ("random", "arange", "learnable")
# type -> (required keys, optional keys with the constructor's defaults)
LAYERS = {
    "LUTLayer": (("input_size",), {"output_size": None, "n": None, "mapping": None, "ste": True}),
    "GroupSum": (("k",), {"tau": 1.0, "randperm": None}),
    "Flatten": ((), {}),
}
_KEY = re.compile(r"^(?:(?P<prefix>.*)\.)?(?P<local>luts|mapping|mapping\.weights|"
                  + DUMMY_MAPPING + r")$")


def is_dwn_key(key):
    """Whether a state_dict key names a tensor of a torch-dwn LUTLayer."""
    match = _KEY.match(str(key))
    return match is not None and match["local"] != "mapping"


def read(spec):
    """The spec as a checked, JSON-ready dict."""
    unknown = sorted(set(spec) - {"format", "layers"})
    if unknown:
        raise LgcError(f"arch: unknown key(s) {', '.join(unknown)}; a dwn spec has `layers`")
    layers = spec.get("layers")
    if not isinstance(layers, list) or not layers:
        raise LgcError("arch: `layers` must be a non-empty list of layers")
    return {"format": "dwn", "layers": [_check_layer(i, layer) for i, layer in enumerate(layers)]}


def _check_layer(i, layer):
    what = check_layer_keys(i, layer, LAYERS, "dwn")
    for key in ("input_size", "output_size", "n", "k"):
        value = layer.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 1):
            raise LgcError(f"{what}: {key} must be a positive integer, got {value!r}")
    if layer.get("mapping") not in (None, *MAPPINGS):
        raise LgcError(f"{what}: mapping must be one of {', '.join(MAPPINGS)} (a mapping tensor "
                       "is in the state_dict)")
    if not isinstance(layer.get("ste", True), bool):
        raise LgcError(f"{what}: ste must be true or false")
    tau = layer.get("tau", 1.0)
    if isinstance(tau, bool) or not isinstance(tau, (int, float)):
        raise LgcError(f"{what}: tau must be a number")
    randperm = layer.get("randperm")
    if randperm is not None and not (isinstance(randperm, list) and all(
            isinstance(v, int) and not isinstance(v, bool) for v in randperm)):
        raise LgcError(f"{what}: randperm must list the permutation itself (the model's "
                       "GroupSum.randperm.tolist()): a state_dict does not hold it")
    return dict(layer)


def modules(spec, state_dict, make, as_tensor):
    """The model's layers as module holders built by `make(qualname)`, holding the state_dict's
    tensors; `as_tensor(list, dtype)` makes the GroupSum's randperm an int64 tensor."""
    groups = _groups(state_dict)
    spec_luts = [layer for layer in spec["layers"] if layer["type"] == "LUTLayer"]
    if len(groups) != len(spec_luts):
        raise LgcError(f"arch: the spec has {len(spec_luts)} LUTLayer(s), the state_dict "
                       f"{len(groups)}")
    groups = iter(groups)
    built = []
    for i, layer in enumerate(spec["layers"]):
        what = f"arch layer {i} ({layer['type']})"
        if layer["type"] == "LUTLayer":
            built.append(_lut_layer(layer, next(groups), make, what))
        elif layer["type"] == "GroupSum":
            randperm = layer.get("randperm")
            built.append(module(make, QUALNAMES["GroupSum"], {
                "k": layer["k"], "tau": layer.get("tau", 1.0),
                "randperm": None if randperm is None else as_tensor(randperm, "int64")}))
        else:
            built.append(module(make, QUALNAMES["Flatten"], {"start_dim": 1, "end_dim": -1}))
    return built


def _groups(state_dict):
    """The tensors of each LUTLayer, by local name, in the state_dict's order."""
    groups = tensors_by_module(state_dict, _KEY, "torch-dwn")
    for prefix, tensors in groups.items():
        if "luts" not in tensors:
            raise LgcError(f"arch: state_dict module {prefix!r} holds {', '.join(tensors)} "
                           "but no luts")
    return list(groups.items())


def _lut_layer(layer, group, make, what):
    prefix, tensors = group
    luts = tensors["luts"]
    learnable = "mapping.weights" in tensors
    if len(luts.shape) != 2 or luts.shape[1] & (luts.shape[1] - 1):
        raise LgcError(f"{what}: {prefix}.luts {list(luts.shape)} is not [output_size, 2**n]")
    found = {"output_size": luts.shape[0], "n": luts.shape[1].bit_length() - 1}
    for key, value in found.items():
        if layer.get(key) not in (None, value):
            raise LgcError(f"{what}: the spec says {key} {layer[key]!r}, "
                           f"the state_dict's tensors {value!r}")
    if layer.get("mapping") is not None and (layer["mapping"] == "learnable") != learnable:
        raise LgcError(f"{what}: the spec says mapping {layer['mapping']!r}, but {prefix}'s "
                       f"tensors are those of a {'learnable' if learnable else 'fixed'} mapping")
    attrs = {"input_size": layer["input_size"], "output_size": found["output_size"],
             "n": found["n"], "ste": layer.get("ste", True)}
    parameters, children = {"luts": luts}, {}
    if learnable:
        if DUMMY_MAPPING not in tensors:
            raise LgcError(f"{what}: a learnable layer's state_dict holds {prefix}.{DUMMY_MAPPING}")
        parameters[DUMMY_MAPPING] = tensors[DUMMY_MAPPING]
        children["mapping"] = module(make, QUALNAMES["LearnableMapping"], {},
                                      parameters={"weights": tensors["mapping.weights"]})
    elif "mapping" in tensors:
        parameters["mapping"] = tensors["mapping"]
    else:
        raise LgcError(f"{what}: the state_dict holds no {prefix}.mapping")
    return module(make, QUALNAMES["LUTLayer"], attrs, parameters=parameters, children=children)
