"""A sweep's points: the product of the models, every `--grid NAME=VALUES` axis, the devices.

An axis is a compile option (its points share one compile when nothing else of compile differs)
or a synthesis option (seed, freq). A point is a plain dict; its compile key says which compile
it reuses: the model, the compile options and the device's family (whose delay model places the
registers), so seeds and devices of one family share a compile."""

import hashlib
import itertools
import json

from ..errors import LgcError
from ..synth.devices import find_device

# axis -> (parse one value, where it goes)
AXES = {
    "target_mhz": (float, "compile"),
    "layers_per_stage": (int, "compile"),
    "adder_levels_per_stage": (int, "compile"),
    "lut_size": (int, "compile"),
    "seed": (int, "synth"),
    "freq": (float, "synth"),
}
DEFAULT_SEED = 1


def parse_axis(text):
    """'target_mhz=100,150,200' or 'seed=1..4' -> ('target_mhz', [100.0, 150.0, 200.0])."""
    name, sep, values = text.partition("=")
    name = name.strip().replace("-", "_")
    if not sep or name not in AXES:
        raise LgcError(f"--grid {text!r}: expected NAME=V1,V2,... or NAME=FIRST..LAST with NAME "
                       f"one of {', '.join(AXES)}")
    kind = AXES[name][0]
    out = []
    for item in filter(None, (v.strip() for v in values.split(","))):
        try:
            if ".." in item:
                first, last = (int(v) for v in item.split(".."))
                if last < first:
                    raise ValueError
                out += [kind(v) for v in range(first, last + 1)]
            else:
                out.append(kind(item))
        except ValueError:
            raise LgcError(f"--grid {text!r}: {item!r} is not a {kind.__name__} or an integer "
                           "range FIRST..LAST") from None
    if not out:
        raise LgcError(f"--grid {text!r}: no values")
    if len(set(out)) != len(out):
        raise LgcError(f"--grid {text!r}: a value repeats")
    return name, out


def points(models, axes, devices, checks=None):
    """Every point: `models` {name: content digest}, `axes` {name: values} (parse_axis), `devices`
    (names), `checks`: the checks run after each compile ({"simulate": the vectors' digest,
    "verify": True}), part of every point's identity when given. Each point: {"model", the
    axes' values, "device", "family", "seed", "compile": its compile options, "compile_device":
    the device it is compiled for, "compile_key", "id"}."""
    if not models:
        raise LgcError("give at least one model")
    if not devices:
        raise LgcError("give at least one --device")
    parts = {name: find_device(name) for name in devices}     # a typo fails here
    families = {name: part.family for name, part in parts.items()}
    # A compile serves every device of its family: it checks the fit against the largest, and
    # each point's synthesis against its own.
    largest = {f: max((p for p in parts.values() if p.family == f), key=lambda p: p.luts).name
               for f in families.values()}
    names = list(axes)
    out = []
    for model, values, device in itertools.product(models, itertools.product(
            *(axes[n] for n in names)), devices):
        chosen = dict(zip(names, values))
        compile_options = {n: v for n, v in chosen.items() if AXES[n][1] == "compile"}
        point = {"model": model, **chosen, "device": device, "family": families[device],
                 "seed": chosen.get("seed", DEFAULT_SEED), "compile": compile_options,
                 "compile_device": largest[families[device]]}
        # a sweep with checks is another sweep: its points carry verdicts
        content = [models[model], checks] if checks else models[model]
        point["compile_key"] = digest([content, compile_options, families[device]])
        point["id"] = digest([content, chosen, device, point["seed"]])
        out.append(point)
    return out


def digest(value):
    """A short stable name for a JSON-able value."""
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:12]
