"""Random difflogic-shaped netlists for benchmarks: n_inputs -> depth layers of width gates."""

import numpy as np

from lgc.ir import Netlist
from lgc.ir.truthtable import DIFFLOGIC_TABLES


def random_difflogic_netlist(n_inputs, width, depth, k=10, seed=0):
    rng = np.random.default_rng(seed)
    layers, in_dim = [], n_inputs
    for _ in range(depth):
        tt = DIFFLOGIC_TABLES[rng.integers(0, 16, width)]
        fanin = rng.integers(0, in_dim, (width, 2), dtype=np.int32)
        layers.append((tt, fanin))
        in_dim = width
    return Netlist.from_layers(n_inputs, layers, groups=k, tau=1.0, name=f"random_{depth}x{width}")


def random_torchlogix_state_dict(spec, seed=0):
    """Tensors of a torchlogix model whose layer stack is `spec` (lgc's arch spec), with random
    weights and connections laid out as torchlogix 0.2.2 makes them (conv leaves inside each
    receptive field at every position, tree levels wired r*s + j); a torch state_dict."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    default = spec.get("parametrization", "raw")
    tensors = {}
    for i, layer in enumerate(spec["layers"]):
        kind = layer["type"]
        parametrization = layer.get("parametrization", default)
        rank = layer.get("lut_rank", 2)
        entries = 16 if parametrization == "raw" else 1 << rank
        if kind == "LogicDense":
            out = layer["out_dim"]
            tensors[f"{i}.weight"] = torch.randn(out, entries, generator=gen)
            tensors[f"{i}.connections.indices"] = torch.randint(0, layer["in_dim"], (rank, out),
                                                                generator=gen)
        elif kind == "LogicConv2d":
            depth, kernels = layer["tree_depth"], layer["num_kernels"]
            size, rfs = layer["in_dim"], layer.get("receptive_field_size", 2)
            stride, padding = layer.get("stride", 1), layer.get("padding", 0)
            out = (size + 2 * padding - rfs) // stride + 1
            leaves = rank ** (depth - 1)
            h, w = (torch.randint(0, rfs, (rank, kernels, 1, leaves), generator=gen) for _ in "hw")
            c = torch.randint(0, layer.get("channels", 1), (rank, kernels, 1, leaves),
                              generator=gen)
            starts = torch.arange(out) * stride
            oh, ow = (g.reshape(1, 1, -1, 1) for g in torch.meshgrid(starts, starts, indexing="ij"))
            tensors[f"{i}.connections._indices_L0"] = torch.stack(torch.broadcast_tensors(
                h + oh, w + ow, c.expand(-1, -1, out * out, -1)), dim=-1)
            for level in range(depth):
                tensors[f"{i}.tree_weights.{level}"] = torch.randn(
                    rank ** (depth - 1 - level), kernels, entries, generator=gen)
            for level in range(1, depth):
                nodes = rank ** (depth - level)
                tensors[f"{i}.connections._indices_L{level}"] = torch.arange(nodes).view(-1, rank).T
    return tensors


def clgn_mnist_spec(k_num=16, parametrization="raw"):
    """The layer stack of torchlogix's ClgnMnist (28x28 input, 3 conv tree levels with pooling,
    3 dense layers), binarization left out."""
    def conv(in_dim, channels, kernels, rfs):
        return {"type": "LogicConv2d", "in_dim": in_dim, "channels": channels,
                "num_kernels": kernels, "tree_depth": 3, "receptive_field_size": rfs}
    return {"parametrization": parametrization, "layers": [
        conv(28, 1, k_num, 5), {"type": "OrPooling2d", "kernel_size": 2, "stride": 2},
        conv(12, k_num, 3 * k_num, 3),
        {"type": "OrPooling2d", "kernel_size": 2, "stride": 2, "padding": 1},
        conv(6, 3 * k_num, 9 * k_num, 3),
        {"type": "OrPooling2d", "kernel_size": 2, "stride": 2, "padding": 1},
        {"type": "Flatten"},
        {"type": "LogicDense", "in_dim": 81 * k_num, "out_dim": 1280 * k_num},
        {"type": "LogicDense", "in_dim": 1280 * k_num, "out_dim": 640 * k_num},
        {"type": "LogicDense", "in_dim": 640 * k_num, "out_dim": 320 * k_num},
        {"type": "GroupSum", "k": 10, "tau": 6.5}]}


def save_difflogic_model(path, n_inputs, widths, k=10, tau=1.0, seed=0):
    """Write a random difflogic model as `torch.save(model)` does with difflogic 0.1.0 installed:
    Sequential(Flatten, LogicLayer(device='cpu', implementation='python', connections='random')
    ..., GroupSum(k, tau)), with difflogic's attribute layout, so real difflogic loads the file
    and lgc reads it like any user's. difflogic itself is not needed: its two classes are stood
    in for under their own module name while pickling."""
    import sys
    import types

    import torch

    class LogicLayer(torch.nn.Module):
        def __init__(self, in_dim, out_dim, gen):
            super().__init__()
            self.weights = torch.nn.Parameter(torch.randn(out_dim, 16, generator=gen))
            self.in_dim, self.out_dim, self.device, self.grad_factor = in_dim, out_dim, "cpu", 1.0
            self.implementation, self.connections = "python", "random"
            # difflogic's 'random': every input used about equally often (out_dim*2 >= in_dim)
            c = torch.randperm(in_dim, generator=gen)[
                torch.randperm(2 * out_dim, generator=gen) % in_dim]
            self.indices = c[:out_dim], c[out_dim:]
            self.num_neurons = self.num_weights = out_dim

    class GroupSum(torch.nn.Module):
        def __init__(self, k, tau):
            super().__init__()
            self.k, self.tau, self.device = k, tau, "cpu"

    gen = torch.Generator().manual_seed(seed)
    dims = [n_inputs, *widths]
    model = torch.nn.Sequential(torch.nn.Flatten(),
                                *(LogicLayer(a, b, gen) for a, b in zip(dims, dims[1:])),
                                GroupSum(k, tau))
    stand_ins = {"difflogic": types.ModuleType("difflogic"),
                 "difflogic.difflogic": types.ModuleType("difflogic.difflogic")}
    for cls in (LogicLayer, GroupSum):  # pickle names a class by these two
        cls.__module__, cls.__qualname__ = "difflogic.difflogic", cls.__name__
        setattr(stand_ins["difflogic.difflogic"], cls.__name__, cls)
    saved = {name: sys.modules.get(name) for name in stand_ins}
    sys.modules.update(stand_ins)
    try:
        torch.save(model, path)
    finally:
        for name, module in saved.items():
            if module is None:
                del sys.modules[name]
            else:
                sys.modules[name] = module
    return path


def save_lgc_nn_model(path, n_inputs, width, depth, k=10, seed=0):
    """Write a random lgc.nn model (`depth` LogicLayers of `width` gates, GroupSum(k)) as
    torch.save(model) does; the seed fixes the weights and the connections."""
    import torch

    from lgc.nn import GroupSum, LogicLayer

    gen = torch.Generator().manual_seed(seed)
    dims = [n_inputs] + [width] * depth
    layers = [LogicLayer(a, b, generator=gen) for a, b in zip(dims, dims[1:])]
    torch.save(torch.nn.Sequential(*layers, GroupSum(k)).eval(), path)
    return path


def random_recurrent_model(path, n_inputs=6, next_state=(16, 8), output=(20, 10), k=5, tau=2.0,
                           output_reads="new", initial_state=0, seed=0):
    """A random lgc.nn.RecurrentLogic in eval mode, saved whole with torch.save at `path`."""
    import torch

    from lgc.nn import RecurrentLogic

    gen = torch.Generator().manual_seed(seed)
    model = RecurrentLogic(n_inputs, next_state, output, k=k, tau=tau, output_reads=output_reads,
                           initial_state=initial_state, generator=gen).eval()
    torch.save(model, path)
    return model
