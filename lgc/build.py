"""The build directory: one folder holds every artifact of one model, so each step re-runs alone.

    DIR/report.json     what every step did (each step writes its own section; atomic writes)
    DIR/netlist.npz     the optimized netlist
    DIR/model.pt        a copy of the model file (the reference and `lgc verify` read it)
    DIR/interface.json  the tops' ports, score fields, latency, input order (lgc.rtl.interface)
    DIR/rtl/            Verilog (lgc compile)
    DIR/board/          the board top and its constraints (lgc compile/synth --board)
    DIR/sim/, sim-encoded/, synth/, verify/   the work folders of simulate, synth and verify

report.json's sections and the module that writes each:

    lgc_version                 every write (a build of another version is refused)
    model, passes, rtl, steps   lgc.compile (steps: seconds per step; later steps add theirs)
                                (rtl's timing: lgc.rtl's Plan; rtl's fit: lgc.synth.fit)
    interface                   lgc.compile (the same as DIR/interface.json; lgc.rtl.interface)
    board                       lgc.compile or lgc.deploy.board_build (--board)
    simulation                  lgc.sim.simulate
    axis_simulation             lgc.sim.simulate_axis (lgc simulate --axis)
    synthesis                   lgc.synth.flow
    verify                      lgc.formal.verify
    stream                      lgc.deploy.stream

Every step after compile that records a section goes through `BuildDir.recording`: the previous
run's section goes first, the new one is written only when the step succeeds, and a failure leaves
{"failed": why} in its place; so a report never claims work that failed.
"""

import contextlib
import json
import logging
import os
import time

from .errors import LgcError
from .version import __version__

log = logging.getLogger("lgc")

REPORT = "report.json"
NETLIST = "netlist.npz"
MODEL_COPY = "model.pt"
RTL_DIR = "rtl"
INTERFACE = "interface.json"


class BuildDir:
    def __init__(self, path):
        self.path = os.fspath(path)

    def file(self, *parts):
        return os.path.join(self.path, *parts)

    @property
    def report_path(self):
        return self.file(REPORT)

    @property
    def netlist_path(self):
        return self.file(NETLIST)

    @property
    def model_path(self):
        return self.file(MODEL_COPY)

    def check(self):
        """Raise LgcError unless this is a complete build directory of this lgc version."""
        if not os.path.isfile(self.report_path):
            raise LgcError(f"{self.path}: not an lgc build directory (no {REPORT}); "
                           "run lgc compile")
        version = self.report().get("lgc_version")
        if version != __version__:
            raise LgcError(f"{self.path}: built by lgc {version}, this is lgc {__version__}; "
                           "recompile the model")
        return self

    def rtl(self):
        """report.json's "rtl" section (what lgc compile wrote into DIR/rtl); LgcError when the
        build has no RTL."""
        rtl = self.report().get("rtl")
        if not rtl:
            raise LgcError(f"{self.path}: the build has no RTL; run lgc compile first")
        return rtl

    def rtl_files(self):
        """Paths of the RTL's Verilog files."""
        return [self.file(RTL_DIR, name) for name in self.rtl()["files"]]

    def report(self):
        try:
            with open(self.report_path) as f:
                return json.load(f)
        except FileNotFoundError:
            return {}
        except (OSError, json.JSONDecodeError) as e:
            raise LgcError(f"{self.report_path}: unreadable report ({e})") from None

    def update_report(self, **sections):
        """Merge top-level sections into report.json, atomically."""
        report = self.report()
        report.update(sections)
        report["lgc_version"] = __version__
        write_json(self.report_path, report)
        return report

    def drop(self, *names):
        """Remove report sections."""
        report = self.report()
        if any(name in report for name in names):
            write_json(self.report_path, {k: v for k, v in report.items() if k not in names})

    @contextlib.contextmanager
    def recording(self, name, step=None):
        """Run a step that records the report section `name`; yields the dict the step fills.
        The previous run's section goes first, so a failed or interrupted re-run never leaves it
        standing as if this run had succeeded; the new section is written when the step
        succeeds, with the step's seconds in "steps" (under `step`, default `name`), and a
        failure leaves {"failed": why} in its place."""
        self.drop(name)
        section = {}
        start = time.perf_counter()
        try:
            yield section
        except BaseException as e:
            why = (str(e) if isinstance(e, LgcError) else "interrupted"
                   if isinstance(e, KeyboardInterrupt) else f"{type(e).__name__}: {e}")
            self.update_report(**{name: {"failed": why}})
            raise
        steps = {**self.report().get("steps", {}),
                 step or name: round(time.perf_counter() - start, 3)}
        self.update_report(**{name: section}, steps=steps)


def write_json(path, data):
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=2, default=_json_default)
        f.write("\n")
    os.replace(tmp, path)


def _json_default(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


@contextlib.contextmanager
def step(times, name):
    """Time one step into the dict `times` (seconds; a step run again adds up); one progress line
    when it is done."""
    log.debug("%s ...", name)
    start = time.perf_counter()
    yield
    seconds = time.perf_counter() - start
    times[name] = round(times.get(name, 0) + seconds, 3)
    log.info("%s done in %.2f s", name, seconds)
