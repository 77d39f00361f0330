"""The PyTorch reference of an lgc.nn.RecurrentLogic over sequences, from the raw weights.

Read by forward.py's weights_only loader (nothing from the file runs); each step is computed in
torch exactly as the model's eval-mode forward does it: the next-state net's LogicLayers on
cat([x_t, h]) (argmax of the weights, one-hot, difflogic's real-valued gates), the output net on
cat([x_t, h_new or h_old]), GroupSum as a float sum. It shares no code with lgc's frontends.
"""

import dataclasses

import numpy as np
import torch

from ..errors import LgcError
from .forward import _difflogic_layer, load_model

RECURRENT = "lgc.nn.RecurrentLogic"


@dataclasses.dataclass
class SequenceReference:
    counts: np.ndarray  # int64 [N, T, k]: each class's group sum (zero past a sequence's length)
    pred: np.ndarray    # int64 [N, T]: argmax of the float scores, lowest index among ties


def sequence_reference(path, x, lengths=None):
    """Eval-mode outputs of the recurrent model at `path` on sequences x [N, T, n] of 0/1, each
    sequence `lengths[i]` steps long (all T by default); zero past a sequence's end."""
    layers = load_model(path)
    if len(layers) != 1 or getattr(layers[0], "qualname", "") != RECURRENT:
        raise LgcError(f"{path}: not a recurrent model (lgc.nn.RecurrentLogic)")
    model = layers[0]
    x = torch.as_tensor(np.asarray(x), dtype=torch.float32)
    n, steps = x.shape[:2]
    lengths = np.full(n, steps) if lengths is None else np.asarray(lengths)
    group_sum = model.child("group_sum")
    k, tau = group_sum.__dict__["k"], group_sum.__dict__["tau"]
    h = torch.full((n, model.__dict__["state_bits"]), float(model.__dict__["initial_state"]))
    counts, scores = [], []
    with torch.no_grad():
        for t in range(steps):
            new = _run(model.child("next_state"), torch.cat([x[:, t], h], -1))
            read = new if model.__dict__["output_reads"] == "new" else h
            sums = _run(model.child("output"), torch.cat([x[:, t], read], -1))
            sums = sums.reshape(n, k, -1).sum(-1)
            counts.append(sums)
            scores.append(sums / tau)
            h = new
    counts = torch.round(torch.stack(counts, 1)).long().numpy()
    pred = torch.stack(scores, 1).argmax(-1).long().numpy()
    done = np.arange(steps)[None, :] >= lengths[:, None]
    counts[done], pred[done] = 0, 0
    return SequenceReference(counts, pred)


def _run(net, x):
    for layer in net.children():
        x = _difflogic_layer(layer, x)
    return x
