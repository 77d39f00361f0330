"""difflogic models (and lgc.nn ones, which share its layers) as saved whole by torch.save(model).

A difflogic LogicLayer holds `weights` [out, 16] and, as a plain attribute, `indices` = (a, b):
gate n computes op_id(x[a[n]], x[b[n]]) with id = weights[n].argmax() in eval mode (first
maximum wins). lgc.nn keeps the same connections as a registered buffer `indices` [2, out].
"""

import numpy as np

from ..errors import LgcError
from ..ir import Netlist, contiguous_groups
from ..ir.truthtable import DIFFLOGIC_TABLES
from .torchfile import float_attr, int_attr, qualname, tensor

LOGIC_LAYERS = ("difflogic.difflogic.LogicLayer", "lgc.nn.LogicLayer")
GROUP_SUMS = ("difflogic.difflogic.GroupSum", "lgc.nn.GroupSum")
THERMOMETER = "lgc.nn.Thermometer"
FLATTEN = "torch.nn.modules.flatten.Flatten"


def claims(modules):
    return any(qualname(m) in LOGIC_LAYERS for m in modules)


def to_netlist(modules, name, options):
    if options:
        raise LgcError(f"option(s) {', '.join(sorted(options))} do not apply to difflogic models")
    encoding, layers, group_sum, width, n_inputs = None, [], None, None, None
    for i, module in enumerate(modules):
        kind = qualname(module)
        if group_sum is not None:
            raise LgcError(f"module {i} ({kind}) follows the GroupSum: a model must end in it")
        if kind == THERMOMETER and i == 0:
            encoding = thermometer_encoding(module)
            width = len(encoding["feature"])
        elif kind == FLATTEN and not layers:
            continue
        elif kind in LOGIC_LAYERS:
            in_dim = int_attr(module, "in_dim")
            if width is not None and in_dim != width:
                raise LgcError(f"module {i}: LogicLayer reads {in_dim} bits but gets {width}")
            n_inputs = in_dim if n_inputs is None else n_inputs
            layers.append(logic_layer(module, i, in_dim))
            width = len(layers[-1][0])
        elif kind in GROUP_SUMS and layers:
            group_sum = module
        else:
            raise LgcError(f"module {i} ({kind}) is not supported in a difflogic model")
    if group_sum is None:
        raise LgcError("the model has no GroupSum after its logic layers")
    groups = contiguous_groups(width, int_attr(group_sum, "k"))
    family = "lgc.nn" if qualname(group_sum).startswith("lgc.") else "difflogic"
    return Netlist.from_layers(
        n_inputs, layers, groups, tau=float_attr(group_sum, "tau"), name=name,
        encoding=encoding, source={"format": family, "parametrization": "difflogic-16"},
    ).validate()


def logic_layer(module, i, in_dim):
    """(tt, fanin) of one LogicLayer, with its weights and connections checked."""
    out_dim = int_attr(module, "out_dim")
    weights = tensor(module, "weights")
    if weights is None or weights.shape != (out_dim, 16) or weights.dtype.kind != "f":
        raise LgcError(f"module {i}: LogicLayer weights must be float [{out_dim}, 16], got "
                       f"{None if weights is None else list(weights.shape)}")
    if not np.isfinite(weights).all():
        raise LgcError(f"module {i}: LogicLayer weights hold NaN or infinity")
    indices = module.__dict__.get("indices")
    if indices is None:
        indices = tensor(module, "indices")
    if indices is None or len(indices) != 2:
        raise LgcError(f"module {i}: LogicLayer has no connections (`indices`)")
    fanin = np.stack([np.asarray(a) for a in indices], axis=1)
    if fanin.shape != (out_dim, 2) or fanin.dtype.kind not in "iu":
        raise LgcError(f"module {i}: LogicLayer indices must be integer [2, {out_dim}]")
    if fanin.min() < 0 or fanin.max() >= in_dim:
        raise LgcError(f"module {i}: LogicLayer connection index outside 0..{in_dim - 1}")
    return DIFFLOGIC_TABLES[weights.argmax(axis=1)], fanin.astype(np.int32)


def thermometer_encoding(module):
    """lgc.nn.Thermometer: bit f*T + t = raw[f] > thresholds[f, t] (float32, strict)."""
    thresholds = tensor(module, "thresholds")
    if thresholds is None or thresholds.ndim != 2 or not np.isfinite(thresholds).all():
        raise LgcError("Thermometer thresholds must be a finite [features, levels] tensor")
    n_features, levels = thresholds.shape
    return {"kind": "threshold", "source": THERMOMETER, "n_features": int(n_features),
            "shape": [int(n_features)],
            "feature": np.repeat(np.arange(n_features), levels).tolist(),
            "threshold": thresholds.astype(np.float32).reshape(-1).astype(float).tolist()}
