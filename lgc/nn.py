"""difflogic-compatible layers for training DLGNs, with connections kept as buffers.

Same gate order and eval semantics as difflogic 0.1.0 (`LogicLayer`, `GroupSum`): in training a
gate is the softmax-weighted mix of the 16 real-valued relaxations, in eval the argmax gate.
Unlike difflogic, the connections are a registered buffer, so they survive a state_dict and
need no CUDA extension. `Thermometer` binarizes raw features inside the model, so lgc records it
as the input encoding. `RecurrentLogic` is a recurrent logic network over sequences of bits
(docs/recurrent.md).
"""

import torch


def bin_op(a, b, i):
    """difflogic's real-valued relaxation of gate id i (id bits: f(0,0) f(0,1) f(1,0) f(1,1))."""
    return (
        torch.zeros_like(a), a * b, a - a * b, a, b - a * b, b, a + b - 2 * a * b,
        a + b - a * b, 1 - (a + b - a * b), 1 - (a + b - 2 * a * b), 1 - b, 1 - b + a * b,
        1 - a, 1 - a + a * b, 1 - a * b, torch.ones_like(a),
    )[i]


def bin_op_s(a, b, weights):
    """Sum over the 16 gates of weights[..., i] * bin_op(a, b, i)."""
    out = torch.zeros_like(a)
    for i in range(16):
        out = out + weights[..., i] * bin_op(a, b, i)
    return out


class LogicLayer(torch.nn.Module):
    def __init__(self, in_dim, out_dim, connections="random", grad_factor=1.0, generator=None):
        super().__init__()
        self.in_dim, self.out_dim, self.grad_factor = in_dim, out_dim, grad_factor
        self.weights = torch.nn.Parameter(torch.randn(out_dim, 16, generator=generator))
        self.register_buffer("indices", _connections(in_dim, out_dim, connections, generator))

    def forward(self, x):
        a, b = x[..., self.indices[0]], x[..., self.indices[1]]
        if self.training:
            return bin_op_s(a, b, torch.softmax(self.weights, dim=-1))
        return bin_op_s(a, b, torch.nn.functional.one_hot(self.weights.argmax(-1), 16).to(x.dtype))

    def extra_repr(self):
        return f"{self.in_dim}, {self.out_dim}"


class GroupSum(torch.nn.Module):
    """Class c scores the sum of outputs [c*n/k, (c+1)*n/k), divided by tau."""

    def __init__(self, k, tau=1.0):
        super().__init__()
        self.k, self.tau = k, tau

    def forward(self, x):
        return x.reshape(*x.shape[:-1], self.k, x.shape[-1] // self.k).sum(-1) / self.tau


class Thermometer(torch.nn.Module):
    """Bit f*T + t is raw[f] > thresholds[f, t] (strict): T levels per feature."""

    def __init__(self, thresholds):
        super().__init__()
        self.register_buffer("thresholds", torch.as_tensor(thresholds, dtype=torch.float32))

    def forward(self, raw):
        return (raw[..., :, None] > self.thresholds).flatten(-2).float()


class RecurrentLogic(torch.nn.Module):
    """A recurrent logic network, one step per element of a sequence.

    Per step t: the next-state net (LogicLayers of widths `next_state`) reads cat([x_t, h]) and
    its last layer's output is the new state h (`next_state[-1]` bits, `initial_state` (0 or 1)
    in every bit at the start of a sequence); the output net (widths `output`) reads
    cat([x_t, h]), h the new state (`output_reads="new"`) or the old one ("old"), and its last
    layer feeds GroupSum(k, tau). forward(x [N, T, n_inputs]) -> scores [N, T, k].
    """

    def __init__(self, n_inputs, next_state, output, k, tau=1.0, output_reads="new",
                 initial_state=0, connections="random", generator=None):
        super().__init__()
        if output_reads not in ("new", "old"):
            raise ValueError(f"output_reads must be 'new' or 'old', got {output_reads!r}")
        if initial_state not in (0, 1):
            raise ValueError(f"initial_state must be 0 or 1, got {initial_state!r}")
        self.n_inputs, self.state_bits = int(n_inputs), int(next_state[-1])
        self.output_reads, self.initial_state = output_reads, int(initial_state)
        self.next_state = _stack(n_inputs + self.state_bits, next_state, connections, generator)
        self.output = _stack(n_inputs + self.state_bits, output, connections, generator)
        self.group_sum = GroupSum(k, tau)

    def forward(self, x):
        h = x.new_full((*x.shape[:-2], self.state_bits), float(self.initial_state))
        scores = []
        for t in range(x.shape[-2]):
            x_t = x[..., t, :]
            new = self.next_state(torch.cat([x_t, h], -1))
            read = new if self.output_reads == "new" else h
            scores.append(self.group_sum(self.output(torch.cat([x_t, read], -1))))
            h = new
        return torch.stack(scores, -2)


def _stack(in_dim, widths, connections, generator):
    layers = []
    for width in widths:
        layers.append(LogicLayer(in_dim, width, connections, generator=generator))
        in_dim = width
    return torch.nn.Sequential(*layers)


def _connections(in_dim, out_dim, kind, generator):
    """difflogic's 'random' (each gate two distinct random inputs) or 'unique' pairs."""
    if kind == "random":
        a = torch.randint(0, in_dim, (out_dim,), generator=generator)
        b = (a + torch.randint(1, in_dim, (out_dim,), generator=generator)) % in_dim
        return torch.stack([a, b])
    if kind == "unique":
        perm = torch.cat([torch.randperm(in_dim, generator=generator)
                          for _ in range(-(-2 * out_dim // in_dim))])
        return perm[: 2 * out_dim].reshape(2, out_dim)
    raise ValueError(f"unknown connections {kind!r}: use 'random' or 'unique'")
