"""Test-vector files: an .npz holding `x`, 0/1 input bits of shape [N, n_inputs]."""

import numpy as np

from ..errors import LgcError


def load_vectors(path):
    """The `x` array of an .npz file (shape and values are checked where it is used)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if "x" in data.files:
                return data["x"]
            keys = set(data.files)
    except (OSError, ValueError) as e:
        raise LgcError(f"{path}: cannot read vectors ({e})") from None
    if "raw" in keys:
        raise LgcError(f"{path} holds only raw features (`raw`): this build has no hardware "
                       "input encoder yet; give the encoded 0/1 bits as `x`")
    raise LgcError(f"{path}: no `x` array of 0/1 input vectors in it")
