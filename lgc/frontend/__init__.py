"""Frontends: `load(path, **options) -> Netlist` for every model format lgc reads.

The file is read by `torchfile` (no code from it runs); the object found in it decides the format.
One module per source format; each offers `claims(modules)` and `to_netlist(modules, name, options)`.
"""

import os

import numpy as np

from ..errors import LgcError
from . import difflogic, torchfile
from .torchfile import Stub, children, qualname

FORMATS = (difflogic,)
SEQUENTIAL = "torch.nn.modules.container.Sequential"


def load(path, **options):
    """Read a trained DLGN from `path` into a validated Netlist."""
    path = os.fspath(path)
    obj = torchfile.read(path)
    name = os.path.splitext(os.path.basename(path))[0]
    if isinstance(obj, dict) and not _modules_in(obj):
        raise LgcError(f"{path}: {state_dict_message(obj)}")
    modules = _layer_list(_model_in(obj, path), path)
    for fmt in FORMATS:
        if fmt.claims(modules):
            try:
                netlist = fmt.to_netlist(modules, name, dict(options))
            except LgcError as e:
                raise LgcError(f"{path}: {e}") from None
            netlist.graph.graph["source"]["file"] = os.path.basename(path)
            return netlist
    kinds = ", ".join(sorted({qualname(m) for m in modules}))
    raise LgcError(f"{path}: no DLGN layers lgc knows in this model ({kinds})")


def state_dict_message(obj):
    """Why a plain state_dict cannot be compiled, and what to save instead."""
    keys = [k for k, v in obj.items() if isinstance(v, np.ndarray)]
    if any(k.endswith("weights") for k in keys) and not any(k.endswith("indices") for k in keys):
        return ("this is a state_dict of a difflogic model: difflogic keeps each LogicLayer's "
                "connections in the plain attribute `indices`, which a state_dict does not hold; "
                "save the whole model with torch.save(model, PATH) instead")
    return "this is a state_dict, which holds no architecture; save the whole model with torch.save(model, PATH)"


def _modules_in(obj):
    return [v for v in obj.values() if isinstance(v, Stub)]


def _model_in(obj, path):
    """The model itself, or the single model inside a checkpoint dict ({'model': ..., ...})."""
    if isinstance(obj, Stub):
        return obj
    found = _modules_in(obj) if isinstance(obj, dict) else []
    if len(found) == 1:
        return found[0]
    raise LgcError(f"{path}: holds no single model (found {type(obj).__name__})")


def _layer_list(model, path):
    """The model's layers in order: the children of a Sequential (nested ones flattened)."""
    if qualname(model) != SEQUENTIAL:
        return [model]
    layers = []
    for child in children(model):
        layers.extend(_layer_list(child, path) if qualname(child) == SEQUENTIAL else [child])
    if not layers:
        raise LgcError(f"{path}: the model is an empty Sequential")
    return layers
