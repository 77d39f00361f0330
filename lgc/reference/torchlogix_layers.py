"""torchlogix 0.2.x layers' eval-mode forward in torch, for the PyTorch reference.

Each function follows the library's own code (layers/dense.py, conv.py, pool.py, binarization.py,
parametrization.py, functional.py, connections.py): gathers with the index tensors, the
parametrizations' weighted basis sums in float32 with the library's term order, a transposed
conv's input dilated and padded as its connections do, max pooling for OR pooling. Nothing here goes
through lgc's truth tables. Modules are attribute holders with `param(name)` and `child(name)`.
"""

import torch
import torch.nn.functional as F

PARAMETRIZATIONS = {"torchlogix.parametrization.RawLUTParametrization": "raw",
                    "torchlogix.parametrization.LightLUTParametrization": "light",
                    "torchlogix.parametrization.WarpLUTParametrization": "warp"}


def logic_dense(m, x):
    """LogicDense.forward: gather lut_rank inputs per neuron, then the parametrization."""
    lead = x.shape[:-1]
    x = _gather(m.child("connections"), x.reshape(-1, x.shape[-1]))  # (batch, rank, out)
    out = _luts(m.child("parametrization"), x, m.param("weight"))
    return out.reshape(*lead, out.shape[-1])


def _gather(connections, x):
    indices = connections.param("indices")
    if connections.qualname == "torchlogix.connections.LearnableDenseConnections":
        # LearnableConnectionFunction without Gumbel noise: the best candidate per input slot
        chosen = connections.param("weights").argmax(dim=0)
        slots = torch.arange(indices.shape[1]).unsqueeze(1)
        neurons = torch.arange(indices.shape[2]).unsqueeze(0)
        indices = indices[chosen, slots, neurons]
    return x[:, indices]


def logic_conv(m, x):
    """_LogicConvNd.forward (2-d and 3-d): pad, gather the leaves at every position, reduce the
    tree level by level; a transposed conv's connections dilate and pad the input themselves."""
    connections, param = m.child("connections"), m.child("parametrization")
    dims = m.__dict__["conv_dimension"]
    if m.qualname in TRANSPOSED:
        x = _dilate(x, connections.__dict__["orig_stride"],
                    connections.__dict__["output_padding_t"])
        padding = connections.__dict__["padding"]
    else:
        padding = m.__dict__["padding"]
    if padding > 0:
        x = F.pad(x, (padding, padding) * dims, mode="constant", value=0)
    levels = list(m.child("tree_weights").__dict__["_parameters"].values())
    *spatial, c = connections.param("_indices_L0").unbind(-1)
    x = x[(slice(None), c, *spatial)]  # (batch, rank, kernels, positions, nodes)
    for level, weight in enumerate(levels):
        if level:
            x = x[..., connections.param(f"_indices_L{level}")].movedim(-2, 1)
        # contraction 'fc,bcsf->bcsf': weight [nodes, kernels] against
        # x [batch, kernels, positions, nodes]
        x = _luts(param, x, weight.permute(1, 0, 2).unsqueeze(1))
    return x.reshape(x.shape[0], x.shape[1], *m.__dict__["kernel_positions"])


def _dilate(x, stride, output_padding):
    """FixedConvTransposeConnections._make_dilated_input: stride - 1 zeros between the pixels of
    each spatial axis, then output_padding zeros at its end."""
    for axis, extra in enumerate(output_padding):
        dim = 2 + axis
        n = x.shape[dim]
        x = x.movedim(dim, -1)
        if stride > 1:
            x = F.pad(x.reshape(*x.shape, 1), (0, stride - 1), mode="constant", value=0)
            x = x.reshape(*x.shape[:-2], n * stride)[..., :(n - 1) * stride + 1]
        if extra > 0:
            x = F.pad(x, (0, extra), mode="constant", value=0)
        x = x.movedim(-1, dim)
    return x


def _luts(param, x, weight):
    """The parametrization's eval forward: x [batch, rank, *G] of 0/1, weight [*G, entries]."""
    kind = PARAMETRIZATIONS[param.qualname]
    rank = x.shape[1]
    if kind == "raw":
        return _raw(x[:, 0], x[:, 1], F.one_hot(weight.argmax(-1), 16).to(torch.float32))
    if kind == "light":
        w = (weight > 0).to(torch.float32)
        out = None
        for row in range(1 << rank):  # weighted_light_basis_sum: rows MSB-first in the inputs
            basis = None
            for j in range(rank):
                factor = x[:, j] if (row >> (rank - 1 - j)) & 1 else 1 - x[:, j]
                basis = factor if basis is None else basis * factor
            term = w[..., row] * basis
            out = term if out is None else out + term
        return out
    signs = 1 - 2 * x.to(weight.dtype)  # warp: Walsh basis over +-1 inputs
    acc = None
    for s in range(1 << rank):  # weighted_walsh_basis_sum: coefficient s, terms added in order
        basis = signs[:, 0] * 0 + 1
        for j in range(rank):
            if (s >> (rank - 1 - j)) & 1:
                basis = basis * signs[:, j]
        term = weight[..., s] * basis
        acc = term if acc is None else acc + term
    return (-acc > 0).to(torch.float32)  # WarpLUTParametrization._sample_eval(-x)


def lut_rows(param, weight, rank):
    """bool [..., 2**rank]: each LUT's output on every row r (input j is bit rank-1-j of r, MSB
    first), computed by the parametrization's eval forward itself, for weights [..., entries]."""
    r = torch.arange(1 << rank)
    rows = ((r[:, None] >> (rank - 1 - torch.arange(rank))[None, :]) & 1).to(torch.float32)
    x = rows.reshape(len(r), rank, *([1] * (weight.dim() - 1)))  # broadcasts against weight's [...]
    return _luts(param, x, weight).movedim(0, -1) > 0.5


def _raw(a, b, w):
    """functional.weighted_raw_basis_sum: the 16 gates as 4 coefficients of 1, a, b and ab."""
    c1 = (w[..., 8] + w[..., 9] + w[..., 10] + w[..., 11] + w[..., 12] + w[..., 13] + w[..., 14]
          + w[..., 15])
    ca = (w[..., 2] + w[..., 3] + w[..., 6] + w[..., 7] - w[..., 8] - w[..., 9] - w[..., 12]
          - w[..., 13])
    cb = (w[..., 4] + w[..., 5] + w[..., 6] + w[..., 7] - w[..., 8] - w[..., 9] - w[..., 10]
          - w[..., 11])
    cab = (w[..., 1] - w[..., 2] - w[..., 4] - 2 * w[..., 6] - w[..., 7] + w[..., 8] + 2 * w[..., 9]
           + w[..., 11] + w[..., 13] - w[..., 14])
    return c1 * (a * 0 + 1) + ca * a + cb * b + cab * (a * b)


def or_pooling2d(m, x):
    return F.max_pool2d(x.float(), kernel_size=m.__dict__["kernel_size"],
                        stride=m.__dict__["stride"], padding=m.__dict__.get("padding", 0))


def or_pooling3d(m, x):
    return F.max_pool3d(x.float(), kernel_size=m.__dict__["kernel_size"],
                        stride=m.__dict__["stride"], padding=m.__dict__.get("padding", 0))


def binarization(m, x):
    """Fixed/Soft/LearnableBinarization in eval mode: x > thresholds, levels merged into
    feature_dim."""
    thresholds = _learned_thresholds(m) if m.qualname.endswith("LearnableBinarization") \
        else m.param("thresholds")
    x = x.unsqueeze(-1)
    if thresholds.dim() == 2 and x.dim() == 5:  # channel-wise thresholds of images
        thresholds = thresholds.view(1, -1, 1, 1, thresholds.shape[1])
    return _merge_dim_with_last((x > thresholds).to(torch.float32),
                                m.__dict__.get("feature_dim", -2))


def _learned_thresholds(m):
    diffs = m.param("raw_diffs")
    if diffs.shape[-1] > 1:
        scale = m.__dict__.get("temperature_softplus", 0.1) + 1e-6
        diffs = torch.cat([diffs[..., :1], scale * F.softplus(diffs[..., 1:] / scale)], dim=-1)
    return torch.cumsum(diffs, dim=-1)


def _merge_dim_with_last(x, k):
    n = x.ndim
    k = k + n if k < 0 else k
    perm = list(range(n - 1))
    perm.insert(k + 1, n - 1)
    y = x.permute(*perm)
    shape = list(y.shape)
    shape[k] *= shape.pop(k + 1)
    return y.reshape(*shape)


def dummy_binarization(m, x):
    return x.float()


def identity(m, x):
    return x


def input_shape(layers, encoded):
    """The per-sample shape the first logic layer reads ((C, H, W) for a conv), and for raw
    features with an encoder in front of a conv, the raw shape it needs; None when flat is fine."""
    logic = [m for m in _unnested(layers) if m.qualname == DENSE or m.qualname in CONVS]
    if not logic or logic[0].qualname not in CONVS:
        return None
    conv = logic[0]
    size = conv.__dict__["in_dim"]
    dims = conv.__dict__.get("conv_dimension", 2)
    shape = [conv.__dict__["channels"],
             *(size if isinstance(size, (tuple, list)) else (size,) * dims)]
    if encoded:
        levels = _learned_thresholds(layers[0]) \
            if layers[0].qualname.endswith("LearnableBinarization") \
            else layers[0].param("thresholds")
        k = layers[0].__dict__.get("feature_dim", -2)
        # the axis of a sample the levels merge into
        axis = (k + 3 + len(shape) if k < 0 else k) - 1
        shape[axis] //= levels.shape[-1]
    return shape


def _unnested(layers):
    """The layers in order, a residual block's main path in its place (it sees the input first)."""
    for m in layers:
        if m.qualname == RESIDUAL:
            yield from _unnested(_children_in_order(m.child("main")))
        else:
            yield m


def _children_in_order(m):
    return list(m.__dict__.get("_modules", {}).values()) if m.qualname.endswith("Sequential") \
        else [m]


DENSE = "torchlogix.layers.dense.LogicDense"
TRANSPOSED = ("torchlogix.layers.conv.LogicConvTranspose2d",
              "torchlogix.layers.conv.LogicConvTranspose3d")
CONVS = ("torchlogix.layers.conv.LogicConv2d", "torchlogix.layers.conv.LogicConv3d", *TRANSPOSED)
RESIDUAL = "torchlogix.modules.resblock.ResidualLogicBlock"
FORWARDS = {
    DENSE: logic_dense,
    **{conv: logic_conv for conv in CONVS},
    "torchlogix.layers.pool.OrPooling2d": or_pooling2d,
    "torchlogix.layers.pool.OrPooling3d": or_pooling3d,
    "torchlogix.layers.binarization.FixedBinarization": binarization,
    "torchlogix.layers.binarization.SoftBinarization": binarization,
    "torchlogix.layers.binarization.LearnableBinarization": binarization,
    "torchlogix.layers.binarization.DummyBinarization": dummy_binarization,
    "torch.nn.modules.linear.Identity": identity,
}
ENCODERS = {"torchlogix.layers.binarization.FixedBinarization",
            "torchlogix.layers.binarization.SoftBinarization",
            "torchlogix.layers.binarization.LearnableBinarization"}
