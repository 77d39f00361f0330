"""Input encodings: how raw features become a model's input bits, recorded in the netlist.

`netlist.graph.graph["encoding"]` (when the model binarizes its own input, or the user says how):

    {"kind": "threshold", "feature": [f_i], "threshold": [t_i], "n_features": F,
     "shape": [d1, ...], "source": "..."}

Input bit i is `raw[feature[i]] > threshold[i]`, strict, with float32 thresholds (as torch compares
a float32 input with a float32 buffer). `raw` is one sample's features flattened in torch's
(row-major) order of `shape` (e.g. [C, H, W] for images; `[F]`, also when `shape` is absent).

torchlogix's binarization layers (Fixed/Soft/LearnableBinarization, eval mode) compare
`x.unsqueeze(-1) > thresholds` (a channel-wise [C, T] table is viewed as [1, C, 1, 1, T] for
images) and merge the T threshold levels into dimension `feature_dim`. `binarization` lays the bits
out by running exactly those steps on arrays of feature numbers and thresholds.
"""

import json
import math
import os

import numpy as np

from ..errors import LgcError
from .torchfile import qualname, read, tensor


def binarization(thresholds, feature_dim, bits_shape, flattened, source, input_shape=None):
    """The encoding of a torchlogix binarization layer whose output feeds `bits_shape`.

    `bits_shape` is what the next logic layer reads ((C, H, W) for a conv, (n,) for a dense);
    `flattened` says a Flatten sits in between (then only the number of bits has to match).
    The raw shape comes from `input_shape` or, where it is unambiguous, from the shapes.
    """
    thresholds = np.asarray(thresholds)
    if thresholds.ndim < 1 or thresholds.shape[-1] < 1 or thresholds.dtype.kind not in "fiu" \
            or not np.isfinite(thresholds).all():
        raise LgcError(f"{source}: thresholds must be a finite [..., levels] tensor")
    if isinstance(feature_dim, bool) or not isinstance(feature_dim, (int, np.integer)):
        raise LgcError(f"{source}: feature_dim must be an integer")
    raw_shape = tuple(input_shape) if input_shape else _raw_shape(
        thresholds, int(feature_dim), tuple(bits_shape), flattened, source)
    feature, threshold, shape = _layout(thresholds, int(feature_dim), raw_shape, source)
    fits = feature.size == math.prod(bits_shape) if flattened else shape == tuple(bits_shape)
    if not fits:
        raise LgcError(f"{source}: raw input {list(raw_shape)} binarizes to {list(shape)}, but the "
                       f"next layer reads {list(bits_shape)}")
    return _record(feature, threshold, raw_shape, source)


def from_option(value, bits_shape, input_shape=None):
    """The encoding a user gives for a model that does not carry one (`--encoding`).

    `value` is a dict, inline JSON, or a .json/.toml file holding either
    {"thresholds": [...], "feature_dim": -2} (torchlogix's FixedBinarization arguments) or
    {"feature": [...], "threshold": [...], "n_features": F} (one entry per input bit); or the
    thresholds alone (thermometer_thresholds).
    """
    thresholds, source = thermometer_thresholds(value)
    if thresholds is not None:
        return binarization(thresholds, -2, bits_shape, len(bits_shape) == 1,
                            f"encoding option ({source})", input_shape)
    spec, source = read_table(value, "encoding")
    known = {"thresholds", "feature_dim", "feature", "threshold", "n_features", "shape", "kind",
             "source"}
    unknown = sorted(set(spec) - known)
    if unknown:
        raise LgcError(f"encoding: unknown key(s) {', '.join(unknown)}")
    if "thresholds" in spec:
        return binarization(numbers(spec["thresholds"], "encoding: thresholds").astype(np.float32),
                            spec.get("feature_dim", -2), bits_shape, len(bits_shape) == 1,
                            f"encoding option ({source})", input_shape)
    if "feature" not in spec or "threshold" not in spec:
        raise LgcError("encoding: give `thresholds` (and `feature_dim`), or per-bit `feature` and "
                       "`threshold` lists")
    feature = numbers(spec["feature"], "encoding: feature", np.int64)
    threshold = numbers(spec["threshold"], "encoding: threshold")
    n_bits = math.prod(bits_shape)
    if feature.shape != (n_bits,) or threshold.shape != (n_bits,):
        raise LgcError(f"encoding: `feature` (integers) and `threshold` must list one entry for "
                       f"each of the model's {n_bits} input bits")
    if not np.isfinite(threshold).all():
        raise LgcError("encoding: thresholds must be finite numbers")
    shape = tuple(spec.get("shape") or input_shape
                  or (spec.get("n_features") or int(feature.max()) + 1,))
    if feature.min() < 0 or feature.max() >= math.prod(shape):
        raise LgcError(f"encoding: feature numbers must lie in 0..{math.prod(shape) - 1}")
    return _record(feature, threshold.astype(np.float32), shape, f"encoding option ({source})")


def thermometer_thresholds(value):
    """(thresholds, source) when `value` gives a thermometer's thresholds alone, else (None, None).

    Thresholds [*shape, T] make bit f*T + t = raw[f] > thresholds[f, t] (torch-dwn's
    `(x.unsqueeze(-1) > thresholds).flatten(1)`); [T] or [1, T] compare every feature with the same
    T levels. Given as an array or nested list, a JSON array (inline or a .json file), a .npy
    file, a tensor saved with torch.save, or a fitted torch-dwn thermometer saved with torch.save
    (read without running anything from the file). float64 thresholds are rounded down to float32:
    for a float32 feature x, x > t exactly when x > (the largest float32 <= t).
    """
    if isinstance(value, (list, np.ndarray)):
        found, source = value, "given"
    elif isinstance(value, (str, os.PathLike)) and not os.fspath(value).lstrip().startswith("{"):
        text = os.fspath(value)
        source = os.path.basename(text)
        if text.lstrip().startswith("["):
            found, source = _json(text), "inline"
        elif text.endswith(".npy"):
            found = _npy(text)
        elif text.endswith((".pt", ".pth")):
            found = read(text)
            if (qualname(found) or "").startswith("torch_dwn.binarization."):
                source = f"{source}: {qualname(found)}"
                found = tensor(found, "thresholds")
                if found is None:
                    raise LgcError(f"encoding: {text} holds a thermometer that was never fitted")
        elif text.endswith(".json"):
            found = _read_file(text, "encoding")
            if isinstance(found, dict):
                return None, None  # a table: read_table reads it
        else:
            return None, None
    else:
        return None, None
    if not isinstance(found, (list, np.ndarray)):
        raise LgcError(f"encoding: {source} holds no thresholds (a [features, levels] or [levels] "
                       f"array, or a fitted torch-dwn thermometer), but {type(found).__name__}")
    array = numbers(found, f"encoding: the thresholds of {source}")
    if array.ndim > 1 and all(d == 1 for d in array.shape[:-1]):
        array = array.reshape(-1)  # a global thermometer's [1, T]
    if np.asarray(found).dtype != np.float32:
        rounded = array.astype(np.float32)
        array = np.where(rounded > array, np.nextafter(rounded, np.float32(-np.inf)), rounded)
    return array.astype(np.float32), source


def _json(text):
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise LgcError(f"encoding: inline JSON is malformed ({e})") from None


def _npy(path):
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise LgcError(f"encoding: cannot read {path} as a .npy array ({e})") from None


def numbers(values, what, dtype=np.float64):
    """A user-given (nested) list of numbers as an array, or LgcError."""
    try:
        array = np.asarray(values, dtype=dtype)
    except (ValueError, TypeError, OverflowError):
        array = None
    if array is None or array.ndim < 1 or array.size < 1 or (
            dtype == np.int64 and not np.array_equal(array, np.asarray(values, dtype=np.float64))):
        raise LgcError(f"{what} must be a non-empty list of "
                       f"{'integers' if dtype == np.int64 else 'numbers'}")
    return array


def _record(feature, threshold, shape, source):
    return {"kind": "threshold", "source": source, "n_features": int(math.prod(shape)),
            "shape": [int(d) for d in shape], "feature": feature.astype(np.int64).tolist(),
            "threshold": threshold.astype(np.float32).astype(float).tolist()}


def _raw_shape(thresholds, feature_dim, bits_shape, flattened, source):
    """The raw input shape (without the batch) a binarization must have had to give bits_shape."""
    levels = thresholds.shape[-1]
    # the bits keep their shape: the merged axis holds `levels` times the features
    if not flattened:
        axis = _merged_axis(feature_dim, len(bits_shape) + 2, source)
        if bits_shape[axis] % levels:
            raise LgcError(f"{source}: {levels} threshold levels cannot make {bits_shape[axis]} "
                           f"entries of the next layer's input {list(bits_shape)}")
        return bits_shape[:axis] + (bits_shape[axis] // levels,) + bits_shape[axis + 1:]
    n_bits = math.prod(bits_shape)
    lead = thresholds.shape[:-1]
    if lead and math.prod(lead) * levels == n_bits:  # one row of thresholds per feature
        return lead
    if thresholds.ndim == 2 and feature_dim in (1, -4) and n_bits % (lead[0] * levels) == 0:
        # channel-wise thresholds of images: only H*W matters to the flattened order
        return (lead[0], 1, n_bits // (lead[0] * levels))
    if thresholds.ndim == 1 and feature_dim == -2 and n_bits % levels == 0:
        return (n_bits // levels,)  # levels next to each feature, whatever the raw shape
    raise LgcError(f"{source}: cannot tell the raw input's shape from thresholds "
                   f"{list(thresholds.shape)} and feature_dim {feature_dim}; give input_shape")


def _merged_axis(feature_dim, ndim, source):
    """Axis of a sample (batch dropped) into which merge_dim_with_last folds the levels."""
    k = feature_dim + ndim if feature_dim < 0 else feature_dim
    if not 1 <= k < ndim - 1:
        raise LgcError(f"{source}: feature_dim {feature_dim} does not name a feature axis")
    return k - 1


def _layout(thresholds, feature_dim, raw_shape, source):
    """(feature, threshold) of each output bit in torch's flatten order, and the output shape,
    computed by the binarization's own steps on arrays of feature numbers."""
    ids = np.arange(math.prod(raw_shape)).reshape((1, *raw_shape, 1))  # x.unsqueeze(-1)
    thr = thresholds
    if thr.ndim == 2 and ids.ndim == 5:  # channel-wise thresholds of a [N, C, H, W] input
        thr = thr.reshape(1, -1, 1, 1, thr.shape[1])
    try:
        ids, thr = np.broadcast_arrays(ids, thr)
    except ValueError:
        ids = None
    if ids is None or ids.shape[:-1] != (1, *raw_shape):
        raise LgcError(f"{source}: thresholds {list(thresholds.shape)} do not fit an input of "
                       f"shape {list(raw_shape)}")
    axis = _merged_axis(feature_dim, ids.ndim, source) + 1
    ids, thr = (np.moveaxis(a, -1, axis + 1) for a in (ids, thr))  # levels right after the axis
    shape = ids.shape[1:axis] + (ids.shape[axis] * ids.shape[axis + 1],) + ids.shape[axis + 2:]
    return ids.reshape(-1), thr.reshape(-1), shape


def read_table(value, what):
    """A user-given table: a dict, inline JSON, or a .json / .toml file; and where it came from."""
    if isinstance(value, dict):
        return value, "given"
    if not isinstance(value, (str, os.PathLike)):
        raise LgcError(f"{what}: give a file, inline JSON or a dict, not {type(value).__name__}")
    text = os.fspath(value)
    if text.lstrip().startswith("{"):
        try:
            table = json.loads(text)
        except json.JSONDecodeError as e:
            raise LgcError(f"{what}: inline JSON is malformed ({e})") from None
        source = "inline"
    else:
        table, source = _read_file(text, what), os.path.basename(text)
    if not isinstance(table, dict):
        raise LgcError(f"{what}: expected a table of keys, got {type(table).__name__}")
    return table, source


def _read_file(path, what):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise LgcError(f"{what}: cannot read {path} ({e.strerror})") from None
    try:
        if path.endswith(".toml"):
            try:
                import tomllib
            except ModuleNotFoundError:  # Python 3.10
                import tomli as tomllib
            return tomllib.loads(data.decode())
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as e:
        # JSONDecodeError and TOMLDecodeError are ValueErrors
        raise LgcError(f"{what}: {path} is not valid "
                       f"{'TOML' if path.endswith('.toml') else 'JSON'} "
                       f"({str(e).splitlines()[0]})") from None
