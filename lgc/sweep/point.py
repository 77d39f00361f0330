"""What a worker runs: one compile and its checks (`lgc simulate`, `lgc verify`; the build comes
back as bytes, so a point may run on another machine), one point's synthesis (its row comes back
as data). Errors a user can cause (a core that does not fit, a tool that fails, an RTL that is not
bit-exact) become a failed row with its reason; the tools, and the checks as `lgc` commands, run
as processes of their own under the point's memory limit (lgc.tools.process.memory_limit)."""

import io
import os
import shutil
import socket
import sys
import tarfile
import tempfile
import time

from ..build import BuildDir
from ..compile import compile_model
from ..errors import LgcError
from ..synth.flow import synthesize
from ..tools import process

VECTORS = "vectors.npz"     # the --simulate vectors, in the build (commands.sh re-runs the check)
# The checks' work folders stay out of the archive every point of the compile receives (a
# Verilator build is megabytes); their report.json sections travel.
WORK_FOLDERS = {"./sim", "./sim-encoded", "./verify"}


def compile_build(model_name, model_bytes, options, device, max_bytes, checks):
    """Compile the model (its file's bytes) with `options` (lgc.compile keywords) for `device`,
    then run `checks` on the build ({"simulate": the vectors file's bytes, "verify": True}: either
    may be missing). Returns {"archive": the build directory as a tar, "seconds", "worker",
    "checks": each check's verdict and seconds}, plus {"failed": why} when the compile (then no
    archive) or a check failed."""
    start = time.perf_counter()
    worker = socket.gethostname()
    with tempfile.TemporaryDirectory(prefix="lgc-sweep-") as tmp:
        model, build = os.path.join(tmp, os.path.basename(model_name)), os.path.join(tmp, "build")
        with open(model, "wb") as f:
            f.write(model_bytes)
        try:
            with process.memory_limit(max_bytes):
                compile_model(model, build, device=device, **options)
        except LgcError as e:
            # the model's name, not where the worker wrote it
            return {"failed": f"compile: {str(e).replace(model, model_name)}", "worker": worker}
        seconds = round(time.perf_counter() - start, 3)
        verdicts, failures = run_checks(build, checks, max_bytes)
        archive = io.BytesIO()
        with tarfile.open(fileobj=archive, mode="w:gz") as tar:
            tar.add(build, arcname=".", filter=lambda f: None if f.name in WORK_FOLDERS else f)
    out = {"archive": archive.getvalue(), "seconds": seconds, "worker": worker,
           "checks": verdicts}
    if failures:
        out["failed"] = "; ".join(failures)
    return out


def run_checks(build, checks, max_bytes):
    """Run `lgc simulate` (on the given vectors) and `lgc verify` on the build, each as a
    process of its own under the memory limit: the worker's event loop stays free through a
    proof, and the limit covers Verilator's compiler too. Both run even when the first fails.
    Returns ({"simulate": "pass" or "fail", "simulate_seconds", likewise verify}, [why])."""
    commands = {}
    if "simulate" in checks:
        with open(os.path.join(build, VECTORS), "wb") as f:
            f.write(checks["simulate"])
        commands["simulate"] = ["simulate", ".", "--vectors", VECTORS]
    if checks.get("verify"):
        commands["verify"] = ["verify", "."]
    verdicts, failures = {}, []
    for name, args in commands.items():
        start = time.perf_counter()
        try:
            with process.memory_limit(max_bytes):
                process.run(f"lgc {name}", args, build, f"{name}.log",
                            command=[sys.executable, "-m", "lgc"])
            verdicts[name] = "pass"
        except process.ToolError as e:
            verdicts[name] = "fail"
            said = process.last_words(e.tail)
            # lgc's own verdict as it said it; a crash (memory, a signal) with the limit it had
            failures.append(f"{name}: " + (said.removeprefix("lgc: error: ")
                                           if said.startswith("lgc: error: ")
                                           else str(e).split(" (log: ")[0]))
        verdicts[f"{name}_seconds"] = round(time.perf_counter() - start, 3)
    return verdicts, failures


def synth_point(point, compiled, builds, max_bytes):
    """Synthesize one point from its compile (compile_build's answer) in builds/<id> (builds:
    a directory every worker sees, or None: a temporary one, removed after); returns its row."""
    if "archive" not in compiled:
        return row(point, compiled, failed=compiled["failed"])
    keep = builds is not None
    root = builds if keep else tempfile.mkdtemp(prefix="lgc-sweep-")
    path = os.path.join(root, point["id"])
    try:
        shutil.rmtree(path, ignore_errors=True)     # a lost worker's half-done try
        os.makedirs(path)
        with tarfile.open(fileobj=io.BytesIO(compiled["archive"])) as tar:
            tar.extractall(path, filter="data")
        if "failed" in compiled:        # a check failed: the build shows why, nothing to synthesize
            return row(point, compiled, failed=compiled["failed"], build=path if keep else None)
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
               synth_seconds=synth, **compiled.get("checks", {}))
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
