"""Writing torch.save archives of difflogic- and torchlogix-shaped models with chosen defects, for
the bad-input tests. Classes are registered under the libraries' module names so the pickle names
them exactly as a real file does; nothing here imports difflogic or torchlogix."""

import contextlib
import sys
import types
import zipfile

import torch


class LogicLayer(torch.nn.Module):
    def __init__(self, weights, indices, in_dim, out_dim):
        super().__init__()
        self.in_dim, self.out_dim = in_dim, out_dim
        self.weights = torch.nn.Parameter(weights)
        self.indices = indices  # a plain attribute, as in difflogic


class GroupSum(torch.nn.Module):
    def __init__(self, k, tau):
        super().__init__()
        self.k, self.tau = k, tau


@contextlib.contextmanager
def _registered(classes):
    """Register `classes` ({module name: [classes]}) as those modules while saving."""
    names = {part for name in classes for part in _parents(name)}
    saved = {name: sys.modules.get(name) for name in names}
    for name in names:
        sys.modules[name] = types.ModuleType(name)
    for name, members in classes.items():
        for cls in members:
            cls.__module__ = name
            setattr(sys.modules[name], cls.__name__, cls)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = value


def _parents(name):
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def _as_difflogic():
    return _registered({"difflogic.difflogic": [LogicLayer, GroupSum]})


def save_difflogic(path, in_dim=16, widths=(12, 10), k=2, tau=1.0, seed=0, edit=None):
    """Save a random difflogic model; `edit(layers)` may break it before saving."""
    gen = torch.Generator().manual_seed(seed)
    layers, dim = [], in_dim
    for width in widths:
        indices = (torch.randint(0, dim, (width,), generator=gen),
                   torch.randint(0, dim, (width,), generator=gen))
        layers.append(LogicLayer(torch.randn(width, 16, generator=gen), indices, dim, width))
        dim = width
    group_sum = GroupSum(k, tau)
    if edit is not None:
        edit(layers, group_sum)
    with _as_difflogic():
        torch.save(torch.nn.Sequential(torch.nn.Flatten(), *layers, group_sum), path)
    return path


def rewrite_archive(src, dst, change):
    """Copy a zip archive, passing each record's (name, bytes) through `change` (None drops it)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info.filename, data)
    return dst


# torchlogix 0.2.2's classes as far as a pickle shows them: attributes, parameters, buffers,
# children.
class LogicDense(torch.nn.Module):
    def __init__(self, in_dim, out_dim, parametrization, lut_rank, gen):
        super().__init__()
        self.in_dim, self.out_dim, self.lut_rank, self.export_mode = (in_dim, out_dim, lut_rank,
                                                                      False)
        entries = 16 if parametrization is RawLUTParametrization else 1 << lut_rank
        self.weight = torch.nn.Parameter(torch.randn(out_dim, entries, generator=gen))
        self.parametrization = parametrization(lut_rank)
        self.connections = FixedDenseConnections(torch.randint(0, in_dim, (lut_rank, out_dim),
                                                               generator=gen))


class _Parametrization(torch.nn.Module):
    def __init__(self, lut_rank):
        super().__init__()
        self.lut_rank = lut_rank


class RawLUTParametrization(_Parametrization):
    pass


class LightLUTParametrization(_Parametrization):
    pass


class FixedDenseConnections(torch.nn.Module):
    def __init__(self, indices):
        super().__init__()
        self.register_buffer("indices", indices)


class TorchlogixGroupSum(torch.nn.Module):
    def __init__(self, k, tau, beta=0.0):
        super().__init__()
        self.k, self.tau, self.beta = k, tau, beta


TorchlogixGroupSum.__name__ = TorchlogixGroupSum.__qualname__ = "GroupSum"


def save_torchlogix(path, k=2, tau=1.0, seed=0, edit=None):
    """Save a random torchlogix model (Flatten, light and raw LogicDense, GroupSum); `edit(layers,
    group_sum)` may break it before saving."""
    gen = torch.Generator().manual_seed(seed)
    layers = [LogicDense(16, 12, LightLUTParametrization, 2, gen),
              LogicDense(12, 10, RawLUTParametrization, 2, gen)]
    group_sum = TorchlogixGroupSum(k, tau)
    if edit is not None:
        edit(layers, group_sum)
    with _registered({"torchlogix.layers.dense": [LogicDense],
                      "torchlogix.parametrization": [RawLUTParametrization,
                                                     LightLUTParametrization],
                      "torchlogix.connections": [FixedDenseConnections],
                      "torchlogix.layers.groupsum": [TorchlogixGroupSum]}):
        torch.save(torch.nn.Sequential(torch.nn.Flatten(), *layers, group_sum), path)
    return path


def change_gate(src, dst, layer, gate):
    """Copy a difflogic model file, its gate `gate` of LogicLayer number `layer` (0-based among
    the logic layers) made the complement of what it was (id -> 15 - id, the same logits order)."""
    with _as_difflogic():
        model = torch.load(src, weights_only=False)
        logic = [m for m in model if isinstance(m, LogicLayer)][layer]
        with torch.no_grad():
            logic.weights[gate] = logic.weights[gate].flip(0)  # argmax i -> 15 - i: the complement
        torch.save(model, dst)
    return dst


# torch-dwn 1.1.1's classes as far as a pickle names them: the modules are restored attribute by
# attribute (no __init__ runs), the thermometers are plain classes.
class LUTLayer(torch.nn.Module):
    pass


class LearnableMapping(torch.nn.Module):
    pass


class DwnGroupSum(torch.nn.Module):
    pass


DwnGroupSum.__name__ = DwnGroupSum.__qualname__ = "GroupSum"


class Thermometer:
    pass


class DistributiveThermometer(Thermometer):
    pass


class GaussianThermometer(Thermometer):
    pass


def edit_dwn(src, dst, edit):
    """Copy a torch-dwn file (a model or a thermometer) through `edit(obj)`, which changes it in
    place (or returns a replacement)."""
    with _registered({"torch_dwn.lut_layer": [LUTLayer], "torch_dwn.mapping": [LearnableMapping],
                      "torch_dwn.utils": [DwnGroupSum],
                      "torch_dwn.binarization": [Thermometer, DistributiveThermometer,
                                                 GaussianThermometer]}):
        obj = torch.load(src, weights_only=False)
        obj = edit(obj) or obj
        torch.save(obj, dst)
    return dst
