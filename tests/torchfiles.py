"""Writing torch.save archives of difflogic-shaped models with chosen defects, for the bad-input
tests. Classes are registered under difflogic's module names so the pickle names them exactly as
a real difflogic file does; nothing here imports difflogic."""

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
def _as_difflogic():
    module = types.ModuleType("difflogic.difflogic")
    for cls in (LogicLayer, GroupSum):
        cls.__module__ = "difflogic.difflogic"
        setattr(module, cls.__name__, cls)
    saved = {name: sys.modules.get(name) for name in ("difflogic", "difflogic.difflogic")}
    sys.modules["difflogic"] = types.ModuleType("difflogic")
    sys.modules["difflogic.difflogic"] = module
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = value


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
