"""Test-vector files: an .npz holding `x` (0/1 input bits, [N, n_inputs]) and/or `raw` (the
model's raw features, [N, n_features] or [N, *shape], for a model with an input encoding); for a
recurrent model `x` holds sequences [N, T, n_inputs] and `lengths` [N] (optional) their lengths."""

import numpy as np

from ..errors import LgcError


def read_vectors(path):
    """{"x": ..., "raw": ..., "lengths": ...}: the arrays of these an .npz file holds (x or raw at
    least; shapes and values are checked where they are used)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in ("x", "raw", "lengths") if key in data.files}
    except (OSError, ValueError) as e:
        raise LgcError(f"{path}: cannot read vectors ({e})") from None
    if "x" not in arrays and "raw" not in arrays:
        raise LgcError(f"{path}: holds neither `x` (0/1 input bits) nor `raw` (raw features)")
    return arrays


def load_vectors(path):
    """The `x` array of an .npz file: input bits, as the passes are verified on."""
    arrays = read_vectors(path)
    if "x" not in arrays:
        raise LgcError(f"{path} holds only raw features (`raw`); the passes are verified on "
                       "input bits: give them as `x`")
    return arrays["x"]
