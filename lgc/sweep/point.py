"""What a worker runs: one compile (the build comes back as bytes, so a point may run on another
machine), one point's synthesis (its row comes back as data). Errors a user can cause (a core
that does not fit, a tool that fails) become a failed row with its reason; the tools run as
processes of their own under the point's memory limit (lgc.tools.process.memory_limit)."""

import io
import os
import shutil
import socket
import tarfile
import tempfile
import time

from ..build import BuildDir
from ..compile import compile_model
from ..errors import LgcError
from ..synth.flow import synthesize
from ..tools import process


def compile_build(model_name, model_bytes, options, device, max_bytes):
    """Compile the model (its file's bytes) with `options` (lgc.compile keywords) for `device`;
    returns {"archive": the build directory as a tar, "seconds", "worker"}, or {"failed": why}."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lgc-sweep-") as tmp:
        model = os.path.join(tmp, os.path.basename(model_name))
        with open(model, "wb") as f:
            f.write(model_bytes)
        try:
            with process.memory_limit(max_bytes):
                compile_model(model, os.path.join(tmp, "build"), device=device, **options)
        except LgcError as e:
            # the model's name, not where the worker wrote it
            return {"failed": f"compile: {str(e).replace(model, model_name)}",
                    "worker": socket.gethostname()}
        archive = io.BytesIO()
        with tarfile.open(fileobj=archive, mode="w:gz") as tar:
            tar.add(os.path.join(tmp, "build"), arcname=".")
    return {"archive": archive.getvalue(), "seconds": round(time.perf_counter() - start, 3),
            "worker": socket.gethostname()}


def synth_point(point, compiled, builds, max_bytes):
    """Synthesize one point from its compile (compile_build's answer) in builds/<id> (builds:
    a directory every worker sees, or None: a temporary one, removed after); returns its row."""
    if "failed" in compiled:
        return row(point, compiled, failed=compiled["failed"])
    keep = builds is not None
    root = builds if keep else tempfile.mkdtemp(prefix="lgc-sweep-")
    path = os.path.join(root, point["id"])
    try:
        shutil.rmtree(path, ignore_errors=True)     # a lost worker's half-done try
        os.makedirs(path)
        with tarfile.open(fileobj=io.BytesIO(compiled["archive"])) as tar:
            tar.extractall(path, filter="data")
        start = time.perf_counter()
        try:
            with process.memory_limit(max_bytes):
                section = synthesize(path, device=point["device"], seed=point["seed"],
                                     freq=point.get("freq"))
        except LgcError as e:
            return row(point, compiled, failed=f"synth: {e}", build=path if keep else None)
        seconds = round(time.perf_counter() - start, 3)
        return row(point, compiled, section=section, rtl=BuildDir(path).rtl(), synth=seconds,
                   build=path if keep else None)
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


def row(point, compiled, failed=None, section=None, rtl=None, synth=None, build=None):
    """The point's row: its options, then its results (None where it failed)."""
    out = {k: v for k, v in point.items() if k not in ("compile", "compile_device")}
    out.update(status="failed" if failed else "ok", reason=failed, build=build,
               worker=socket.gethostname(), compile_seconds=compiled.get("seconds"),
               synth_seconds=synth)
    if section is None:
        return out
    (clock,) = section["fmax"].values() if len(section["fmax"]) == 1 else (None,)
    fmax = clock["achieved_mhz"] if clock else None
    out.update(luts=section["luts"], ffs=section["ffs"], carry=section["carry"],
               logic_cells=section["logic_cells"], fmax_mhz=fmax,
               constraint_mhz=clock["target_mhz"] if clock else None,
               slack_ns=clock["slack_ns"] if clock else None,
               latency_clocks=rtl["latency"],
               latency_ns=round(rtl["latency"] * 1e3 / fmax, 3) if fmax else None,
               throughput_mvps=fmax,   # one inference per clock
               gates=rtl["gates"],
               yosys_seconds=section["times"].get("yosys"),
               nextpnr_seconds=section["times"].get("nextpnr"))
    return out
