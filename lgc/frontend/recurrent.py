"""lgc.nn.RecurrentLogic models saved whole by torch.save(model): a recurrent netlist with one
state vector (docs/recurrent.md).

The model's `next_state` and `output` Sequentials hold lgc.nn LogicLayers (decoded as difflogic's,
difflogic.py); both read cat([x_t, h]); the state is the next-state net's last layer, reset to
`initial_state` in every bit; the output net reads the new state or the old one (`output_reads`).
"""

import numpy as np

from ..errors import LgcError
from ..ir import Netlist, contiguous_groups
from .difflogic import logic_layer
from .torchfile import children, float_attr, int_attr, qualname

RECURRENT = "lgc.nn.RecurrentLogic"
LOGIC_LAYER = "lgc.nn.LogicLayer"


def claims(modules):
    return len(modules) == 1 and qualname(modules[0]) == RECURRENT


def to_netlist(modules, name, options):
    if options:
        raise LgcError(f"option(s) {', '.join(sorted(options))} do not apply to recurrent models")
    model = modules[0]
    parts = dict(model.__dict__.get("_modules", {}))
    if set(parts) != {"next_state", "output", "group_sum"}:
        raise LgcError(f"RecurrentLogic must hold next_state, output and group_sum, found "
                       f"{', '.join(sorted(parts))}")
    n_inputs, state_bits = int_attr(model, "n_inputs"), int_attr(model, "state_bits")
    reads, initial = model.__dict__.get("output_reads"), model.__dict__.get("initial_state")
    if reads not in ("new", "old"):
        raise LgcError(f"RecurrentLogic output_reads must be 'new' or 'old', got {reads!r}")
    if initial not in (0, 1):
        raise LgcError(f"RecurrentLogic initial_state must be 0 or 1, got {initial!r}")
    next_layers = _layers(parts["next_state"], "next_state", n_inputs + state_bits)
    if len(next_layers[-1][0]) != state_bits:
        raise LgcError(f"the next-state net ends in {len(next_layers[-1][0])} bits, not the "
                       f"{state_bits} state bits")
    output_layers = _layers(parts["output"], "output", n_inputs + state_bits)
    group_sum = parts["group_sum"]
    if qualname(group_sum) != "lgc.nn.GroupSum":
        raise LgcError(f"RecurrentLogic group_sum is a {qualname(group_sum)}, not a GroupSum")
    groups = contiguous_groups(len(output_layers[-1][0]), int_attr(group_sum, "k"))
    return Netlist.from_recurrent_layers(
        n_inputs, next_layers, output_layers, groups, np.full(state_bits, initial, np.uint8),
        output_reads=reads, tau=float_attr(group_sum, "tau"), name=name,
        source={"format": "lgc.nn", "parametrization": "difflogic-16", "recurrent": True},
    ).validate()


def _layers(net, what, width):
    """(tt, fanin) of each LogicLayer of a Sequential, each reading the previous one's width."""
    layers = []
    for i, module in enumerate(children(net) if net is not None else []):
        if qualname(module) != LOGIC_LAYER:
            raise LgcError(f"{what} layer {i} is a {qualname(module)}, not an lgc.nn LogicLayer")
        in_dim = int_attr(module, "in_dim")
        if in_dim != width:
            raise LgcError(f"{what} layer {i} reads {in_dim} bits but gets {width}")
        layers.append(logic_layer(module, i, in_dim))
        width = len(layers[-1][0])
    if not layers:
        raise LgcError(f"the {what} net has no LogicLayers")
    return layers
