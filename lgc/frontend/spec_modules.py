"""Module trees from an architecture spec and a state_dict: shared by the torchlogix and
torch-dwn specs (archspec.py, dwn_arch.py), which build the modules a whole pickle would hold."""

from ..errors import LgcError


def module(make, qualname, attrs, parameters=None, buffers=None, children=None):
    """An instance of `qualname` (made by `make`, never by running its constructor) in eval mode."""
    built = make(qualname)
    built.__dict__.update(attrs, training=False, _parameters=dict(parameters or {}),
                          _buffers=dict(buffers or {}), _modules=dict(children or {}))
    return built


def tensors_by_module(state_dict, key, library):
    """{module prefix: {local name: tensor}} in the state_dict's order; `key` is a regex with
    groups `prefix` and `local`. An entry it does not match is an error naming `library`."""
    modules = {}
    for name, value in state_dict.items():
        match = key.match(str(name))
        if match is None or not hasattr(value, "shape"):
            raise LgcError(f"arch: state_dict entry {name!r} belongs to no {library} layer "
                           "lgc knows")
        modules.setdefault(match["prefix"] or "", {})[match["local"]] = value
    return modules


def check_layer_keys(i, layer, layers, library):
    """Layer `i` of a spec is a dict whose type is one of `layers` ({type: (required keys,
    optional keys)}) with every required key and no unknown one; returns how errors name it."""
    if not isinstance(layer, dict):
        raise LgcError(f"arch: layer {i} must be an object with a type, got {layer!r}")
    kind = layer.get("type")
    if not isinstance(kind, str) or kind not in layers:
        raise LgcError(f"arch: layer {i} has type {kind!r}; {library} specs know "
                       f"{', '.join(layers)}")
    required, optional = layers[kind]
    what = f"arch: layer {i} ({kind})"
    unknown = sorted(set(layer) - {"type", *required, *optional})
    if unknown:
        raise LgcError(f"{what} has unknown key(s) {', '.join(unknown)}")
    missing = [key for key in required if key not in layer]
    if missing:
        raise LgcError(f"{what} needs {', '.join(missing)}")
    return what
