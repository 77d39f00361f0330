"""Test-vector files: an .npz holding `x`, 0/1 input bits of shape [N, n_inputs] (and/or `raw`,
the model's raw features, for a model with an input encoding)."""

import numpy as np

from ..errors import LgcError


def read_vectors(path):
    """Every array of a vectors .npz file, by name."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except (OSError, ValueError) as e:
        raise LgcError(f"{path}: cannot read vectors ({e})") from None


def load_vectors(path):
    """The `x` array of an .npz file (shape and values are checked where it is used)."""
    arrays = read_vectors(path)
    if "x" in arrays:
        return arrays["x"]
    if "raw" in arrays:
        raise LgcError(f"{path} holds only raw features (`raw`): this build has no hardware "
                       "input encoder yet; give the encoded 0/1 bits as `x`")
    raise LgcError(f"{path}: no `x` array of 0/1 input vectors in it")
