"""Proofs kept across runs of `lgc verify` (in DIR/verify/): a run whose inputs are all unchanged
reuses the verdict instead of proving again, and a gate stage whose Verilog is unchanged reuses
yosys's AIG of it (the slowest step of the stage proof).

A verdict's key covers both sides' inputs (the model file's bytes, the architecture and
parametrization it is read with, every RTL file's name and bytes, the top module and latency),
the method, lgc's own code (every source file of the lgc package: the proof, the spec's reader
and the tools layer among them) and the yosys engine's version (ABC comes with it). Only proven
verdicts are kept: a refutation is redone, so its counterexample goes through the PyTorch
reference again.
"""

import hashlib
import json
import os
import pathlib

VERDICT = "verdict.json"


def _digest(parts):
    h = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode()
        h.update(len(data).to_bytes(8, "little") + data)
    return h.hexdigest()


def _file(path):
    with open(path, "rb") as f:
        return f.read()


def code_digest():
    """A hash of every source file of the lgc package (its path and bytes)."""
    root = pathlib.Path(__file__).resolve().parents[1]
    files = sorted(root.rglob("*.py"))
    return _digest([p for f in files for p in (f.relative_to(root).as_posix(), _file(f))])


def verdict_key(model, arch, parametrization, rtl_files, top, latency, method, yosys_version):
    """The key of a proof of `rtl_files` against the model file (module docstring)."""
    rtl = sorted((os.path.basename(f), _file(f)) for f in rtl_files)
    return _digest([_file(model), json.dumps([arch, parametrization, top, latency, method]),
                    yosys_version, code_digest(), *[p for item in rtl for p in item]])


def load_verdict(work, key):
    """The summary of the proven verdict kept in `work` under `key`, or None."""
    path = os.path.join(work, VERDICT)
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        kept = json.load(f)
    return kept["summary"] if kept.get("key") == key and kept["summary"].get("equivalent") else None


def keep_verdict(work, key, summary):
    """Keep a proven verdict's summary under `key` (a refutation is not kept)."""
    path = os.path.join(work, VERDICT)
    if summary.get("equivalent"):
        with open(path, "w") as f:
            json.dump({"key": key, "summary": summary}, f)
    elif os.path.exists(path):
        os.remove(path)


def artifact_is_current(path, inputs):
    """Whether the file `path` was made from `inputs` (a list of str/bytes, e.g. a Verilog
    file's bytes, the commands and the engine's version): its key file PATH.key says so."""
    key = _digest(inputs)
    try:
        with open(path + ".key") as f:
            return os.path.isfile(path) and f.read() == key
    except FileNotFoundError:
        return False


def forget_artifact(path):
    """Before remaking the file `path`: it is not current until mark_artifact says so again."""
    if os.path.exists(path + ".key"):
        os.remove(path + ".key")


def mark_artifact(path, inputs):
    """Record that the file `path` was made from `inputs` (artifact_is_current)."""
    with open(path + ".key", "w") as f:
        f.write(_digest(inputs))
