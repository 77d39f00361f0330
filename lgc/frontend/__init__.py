"""Frontends: `load(path, **options) -> Netlist` for every model format lgc reads.

The file is read by `torchfile` (no code from it runs); the object found in it decides the format.
One module per source format; each offers `claims(modules)` and
`to_netlist(modules, name, options)`.

Options (plain keyword arguments; the CLI's --arch, --parametrization, --encoding, --input-shape):
- `arch`: the architecture spec of a torchlogix or torch-dwn state_dict (file, inline JSON or
  dict; archspec.py, dwn_arch.py);
- `parametrization`: "raw", "light" or "warp" for a state_dict's logic layers the spec leaves open;
- `encoding`: how raw features become the input bits, for a model that does not carry it
  (encoding.py); recorded in the netlist's `encoding`;
- `input_shape`: the raw input's shape [C, H, W] (or [F]) where a binarization leaves it open.
"""

import os

import numpy as np

from ..errors import LgcError
from . import archspec, difflogic, dwn, dwn_arch, encoding, recurrent, torchfile, torchlogix
from .torchfile import Stub, children, qualname

FORMATS = (recurrent, difflogic, torchlogix, dwn)
OPTIONS = ("arch", "parametrization", "encoding", "input_shape")
SEQUENTIAL = "torch.nn.modules.container.Sequential"
# Model classes whose forward runs their children in order: flattened into the layer list.
CONTAINERS = (SEQUENTIAL, "torchlogix.models.")


def load(path, **options):
    """Read a trained DLGN from `path` into a validated Netlist."""
    path = os.fspath(path)
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise LgcError(f"unknown option(s) {', '.join(unknown)}; the frontends take "
                       f"{', '.join(OPTIONS)}")
    options = {key: value for key, value in options.items() if value is not None}
    obj = torchfile.read(path)
    name = os.path.splitext(os.path.basename(path))[0]
    try:
        return _load(path, obj, name, options)
    except LgcError as e:
        raise LgcError(f"{path}: {e}") from None


def _load(path, obj, name, options):
    state_dict = _state_dict_in(obj)
    source = {}
    if state_dict is not None:
        if "arch" not in options:
            raise LgcError(state_dict_message(state_dict))
        spec = archspec.read(options.pop("arch"), options.pop("parametrization", None))
        modules = archspec.modules(spec, state_dict, lambda q: torchfile.stub_class(q)(),
                                   lambda values, dtype: np.asarray(values, dtype=dtype))
        source = {"state_dict": True, "arch": spec}
    else:
        for option in ("arch", "parametrization"):
            if option in options:
                raise LgcError(f"the file holds a whole model: {option} is only for state_dicts")
        modules = _layer_list(_model_in(obj))
    given_encoding = options.pop("encoding", None)
    fmt = next((fmt for fmt in FORMATS if fmt.claims(modules)), None)
    if fmt is None:
        kinds = ", ".join(sorted({str(qualname(m)) for m in modules}))
        raise LgcError(f"no DLGN layers lgc knows in this model ({kinds})")
    own = {key: value for key, value in options.items() if key in getattr(fmt, "OPTIONS", ())}
    unused = set(options) - set(own) - ({"input_shape"} if given_encoding is not None else set())
    if unused:
        raise LgcError(f"option(s) {', '.join(sorted(unused))} do not apply to "
                       f"{fmt.__name__.rsplit('.', 1)[-1]} models")
    netlist = fmt.to_netlist(modules, name, own)
    graph = netlist.graph.graph
    graph["source"].update(source, file=os.path.basename(path))
    if given_encoding is not None:
        if graph.get("encoding"):
            raise LgcError(f"the model carries its own input encoding "
                           f"({graph['encoding']['source']}); encoding is only for models "
                           "without one")
        bits_shape = graph["source"].get("input_shape") or [netlist.n_inputs]
        graph["encoding"] = encoding.from_option(given_encoding, tuple(bits_shape),
                                                 options.get("input_shape"))
    return netlist


def state_dict_message(obj):
    """Why a plain state_dict cannot be compiled, and what to save instead."""
    keys = [k for k, v in obj.items() if isinstance(v, np.ndarray)]
    if any(k.endswith("weights") for k in keys) and not any(k.endswith("indices") for k in keys):
        return ("this is a state_dict of a difflogic model: difflogic keeps each LogicLayer's "
                "connections in the plain attribute `indices`, which a state_dict does not hold; "
                "save the whole model with torch.save(model, PATH) instead")
    if any(archspec.is_torchlogix_key(k) for k in keys):
        return ("this is a state_dict of a torchlogix model, which holds no architecture: give its "
                "layer stack with arch=SPEC (--arch spec.json; see docs/frontends.md), or save the "
                "whole model with torch.save(model, PATH)")
    if any(dwn_arch.is_dwn_key(k) for k in keys):
        return ("this is a state_dict of a torch-dwn model, which holds no layer sizes and no "
                "GroupSum randperm: give them with arch=SPEC (--arch spec.json, "
                "\"format\": \"dwn\"; see docs/frontends.md), or save the whole model with "
                "torch.save(model, PATH)")
    return ("this is a state_dict, which holds no architecture; save the whole model with "
            "torch.save(model, PATH)")


def _modules_in(obj):
    return [v for v in obj.values() if isinstance(v, Stub)]


def _state_dict_in(obj):
    """A state_dict (tensors by name), also inside a checkpoint dict; None for a whole model."""
    if not isinstance(obj, dict) or _modules_in(obj):
        return None
    if obj and all(isinstance(v, np.ndarray) for v in obj.values()):
        return obj
    nested = [v for v in obj.values() if isinstance(v, dict) and v
              and all(isinstance(t, np.ndarray) for t in v.values())]
    return nested[0] if len(nested) == 1 else obj


def _model_in(obj):
    """The model itself, or the single model inside a checkpoint dict ({'model': ..., ...})."""
    if isinstance(obj, Stub):
        return obj
    found = _modules_in(obj) if isinstance(obj, dict) else []
    if len(found) == 1:
        return found[0]
    raise LgcError(f"holds no single model (found {type(obj).__name__})")


def _is_container(module):
    name = qualname(module) or ""
    return name == SEQUENTIAL or name.startswith(CONTAINERS[1:])


def _layer_list(model):
    """The model's layers in order: the children of a Sequential or a model-zoo class (which
    run them in order), nested ones flattened."""
    if not _is_container(model):
        return [model]
    layers = [layer for child in children(model) for layer in _layer_list(child)]
    if not layers:
        raise LgcError("the model is an empty container")
    return layers
