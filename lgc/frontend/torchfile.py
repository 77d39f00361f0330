"""Read a file written by `torch.save` without torch and without executing anything from it.

A torch file is a zip archive holding `data.pkl` (the object tree) and one record per tensor
storage. The pickle is read by an unpickler that resolves only a fixed list of globals:
- tensor rebuild functions, mapped to lgc functions that build numpy arrays from the records;
- module classes of torch.nn, difflogic, torchlogix, torch-dwn and lgc.nn (and torch-dwn's
  thermometers, plain classes), mapped to `Stub`, an inert
  record of the attributes the pickle sets (nothing of the original class runs);
- a few harmless builtins (set, OrderedDict, ...).
Every other global (os.system, eval, builtins via reduce, ...) is refused before it is looked up.
"""

import collections
import pickle
import zipfile

import numpy as np

from ..errors import LgcError

# Module prefixes whose classes become inert stand-ins: the libraries that train DLGNs.
STUB_MODULES = ("torch.nn.modules.", "difflogic.", "torchlogix.", "torch_dwn.", "lgc.nn")
# Limits against hostile archives: a tensor record may not inflate beyond these.
MAX_INFLATION = 100
MAX_RECORD_BYTES = 64 << 30

_DTYPES = {
    "DoubleStorage": np.float64, "FloatStorage": np.float32, "HalfStorage": np.float16,
    "BFloat16Storage": "bfloat16", "LongStorage": np.int64, "IntStorage": np.int32,
    "ShortStorage": np.int16, "CharStorage": np.int8, "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}
_TORCH_DTYPES = {"float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8",
                 "uint8", "bool", "float", "double", "half", "long", "int"}


class Stub:
    """An inert stand-in for a pickled module: keeps the attributes, runs nothing.

    `Stub.qualname` is the class the file named, e.g. "difflogic.difflogic.LogicLayer".
    """

    qualname = "?"

    def __init__(self, *args):
        self.args = args

    def __setstate__(self, state):
        if isinstance(state, tuple) and len(state) == 2:  # (dict, slots) form
            state = {**(state[0] or {}), **(state[1] or {})}
        if not isinstance(state, dict):
            raise pickle.UnpicklingError(f"{self.qualname}: unexpected object state")
        self.__dict__.update(state)

    def __repr__(self):
        return f"<{self.qualname}>"


_stub_classes = {}


def stub_class(qualname):
    """The Stub subclass standing for the class `qualname` (one per name)."""
    if qualname not in _stub_classes:
        _stub_classes[qualname] = type(qualname.rsplit(".", 1)[-1], (Stub,), {"qualname": qualname})
    return _stub_classes[qualname]


class _StorageType:
    """What `torch.FloatStorage` etc. resolve to: only their element type matters."""

    def __init__(self, name):
        self.name = name
        self.dtype = _DTYPES[name]


class _Storage:
    def __init__(self, array):
        self.array = array


def _rebuild_tensor_v2(storage, offset, size, stride, requires_grad=False, hooks=None,
                       metadata=None):
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    data = storage.array
    if len(size) != len(stride) or min(size, default=1) < 0 or min(stride, default=0) < 0:
        raise pickle.UnpicklingError("tensor with a malformed shape")
    last = offset + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else offset - 1
    if offset < 0 or last >= len(data):
        raise pickle.UnpicklingError("tensor reaches beyond its storage")
    if not all(size):
        return np.zeros(size, dtype=data.dtype)
    item = data.itemsize
    view = np.lib.stride_tricks.as_strided(data[offset:], shape=size,
                                           strides=[s * item for s in stride], writeable=False)
    return view if view.flags.c_contiguous else np.ascontiguousarray(view)


def _rebuild_parameter(data, requires_grad=False, hooks=None, state=None):
    return data


def _rebuild_from_type_v2(func, new_type, args, state):
    return func(*args)


def _device(kind, index=None):
    return str(kind) if index is None else f"{kind}:{index}"


def _codecs_encode(text, encoding="latin1"):
    if encoding not in ("latin1", "latin-1") or not isinstance(text, str):
        raise pickle.UnpicklingError("refusing an unusual byte encoding")
    return text.encode("latin1")


_ALLOWED = {
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("torch._tensor", "_rebuild_from_type_v2"): _rebuild_from_type_v2,
    ("torch", "Tensor"): None,
    ("torch.nn.parameter", "Parameter"): None,
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("builtins", "set"): set,
    ("__builtin__", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "slice"): slice,
    ("_codecs", "encode"): _codecs_encode,
}


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, records):
        super().__init__(file)
        self._records = records

    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return _ALLOWED[(module, name)]
        if module in ("torch", "torch.cuda") and name in _DTYPES:
            return _StorageType(name)
        if module == "torch" and name in _TORCH_DTYPES:
            return f"torch.{name}"
        if module == "torch" and name == "device":
            return _device
        if module.startswith(STUB_MODULES) and name.isidentifier():
            return stub_class(f"{module}.{name}")
        raise pickle.UnpicklingError(f"refusing to load the global {module}.{name}")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise pickle.UnpicklingError("unknown persistent record")
        _, storage_type, key, _location, numel = pid  # location ('cuda:0') is ignored: CPU here
        if not isinstance(storage_type, _StorageType):
            raise pickle.UnpicklingError("storage of an unknown type")
        return _Storage(self._records(str(key), storage_type.dtype, int(numel)))


def read(path):
    """The object tree of a torch file: dicts, lists, numpy arrays and `Stub` modules."""
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError as e:
        raise LgcError(f"{path}: cannot open ({e.strerror})") from None
    if head[:2] == b"\x80\x02" or head[:1] == b"\x80":
        raise LgcError(f"{path}: legacy (pre-zip) torch file; re-save it with torch >= 1.6")
    if head != b"PK\x03\x04":
        raise LgcError(f"{path}: not a PyTorch file (torch.save writes a zip archive)")
    try:
        with zipfile.ZipFile(path) as archive:
            return _read_archive(path, archive)
    except LgcError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as e:
        raise LgcError(f"{path}: damaged or truncated torch file ({e})") from None
    except (pickle.UnpicklingError, AttributeError, TypeError, IndexError, KeyError) as e:
        raise LgcError(f"{path}: unsafe or malformed model pickle: {e}") from None
    except RecursionError:
        raise LgcError(f"{path}: model pickle nests too deeply") from None


def _read_archive(path, archive):
    infos = {info.filename: info for info in archive.infolist()}
    for info in infos.values():
        _check_size(info)
    pickles = [name for name in infos if name.endswith("/data.pkl") or name == "data.pkl"]
    if len(pickles) != 1:
        raise LgcError(f"{path}: not a torch.save archive (no single data.pkl inside)")
    prefix = pickles[0][: -len("data.pkl")]

    def record(key, dtype, numel):
        info = infos.get(f"{prefix}data/{key}")
        if info is None:
            raise pickle.UnpicklingError(f"storage record {key} is missing")
        raw = archive.read(info)
        if dtype == "bfloat16":  # numpy has no bfloat16: widen to float32 exactly
            words = np.frombuffer(raw, dtype="<u2")[:numel].astype(np.uint32) << 16
            array = words.view(np.float32)
        else:
            array = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<"))[:numel]
        if len(array) != numel:
            raise pickle.UnpicklingError(f"storage record {key} is shorter than its tensor")
        return array

    return _Unpickler(archive.open(infos[pickles[0]]), record).load()


def _check_size(info):
    """Refuse records that would inflate into a zip bomb before reading them."""
    if info.file_size > MAX_RECORD_BYTES:
        raise LgcError(f"archive record {info.filename} claims {info.file_size} bytes: too large")
    if info.compress_type != zipfile.ZIP_STORED and info.file_size > MAX_INFLATION * max(
            info.compress_size, 1) and info.file_size > 1 << 20:
        raise LgcError(f"archive record {info.filename} inflates "
                       f"{info.file_size // max(info.compress_size, 1)}x: "
                       "refusing a likely zip bomb")


# --- walking the object tree -------------------------------------------------------------------

def qualname(obj):
    """The pickled class name of a module stand-in, or None for plain data."""
    return obj.qualname if isinstance(obj, Stub) else None


def children(module):
    """The sub-modules of a module stand-in, in registration order."""
    return list((getattr(module, "_modules", None) or {}).values())


def tensor(module, name):
    """A parameter, buffer or plain tensor attribute of a module stand-in (None if absent)."""
    for table in ("_parameters", "_buffers"):
        found = (getattr(module, table, None) or {}).get(name)
        if found is not None:
            return found
    value = module.__dict__.get(name)
    return value if isinstance(value, np.ndarray) else None


def int_attr(module, name, minimum=1):
    """An integer attribute of a module stand-in, at least `minimum` (LgcError otherwise)."""
    value = module.__dict__.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        what = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise LgcError(f"{qualname(module)}: attribute {name} must be {what}")
    return int(value)


def float_attr(module, name, default=None):
    """A finite number attribute of a module stand-in; `default` when absent (if given)."""
    value = module.__dict__.get(name, default)
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) \
            or not np.isfinite(value):
        raise LgcError(f"{qualname(module)}: attribute {name} must be a number")
    return float(value)
