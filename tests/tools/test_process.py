"""Tools as processes of their own: a memory limit that ends a greedy tool, and no tool left
running when its run is interrupted or the process that started it dies."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

from lgc.tools import ToolError, process
from tests.support.processes import gone

ALLOCATE = "import sys; b = bytearray(int(sys.argv[1]) * 2**20); b[::4096] = b'x' * len(b[::4096])"
# A tool that starts a child of its own, writes both pids, then waits.
SLEEPER = textwrap.dedent("""
    import subprocess, sys, time
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    open(sys.argv[1] + ".tmp", "w").write(f"{__import__('os').getpid()} {child.pid}")
    __import__('os').replace(sys.argv[1] + ".tmp", sys.argv[1])
    time.sleep(60)
""")


def _python(code):
    return [sys.executable, "-c", code]


def _wait_for(path, seconds=20):
    deadline = time.time() + seconds
    while not os.path.exists(path):
        assert time.time() < deadline, f"{path} never appeared"
        time.sleep(0.05)
    with open(path) as f:
        return [int(p) for p in f.read().split()]


def test_a_tool_over_its_memory_limit_fails_and_one_under_it_runs(tmp_path):
    with process.memory_limit(256 * 2**20):
        process.run("alloc", [64], tmp_path, "small.log", command=_python(ALLOCATE))
        with pytest.raises(ToolError, match=r"alloc \(limited to 0.25 GiB\) failed.*MemoryError"):
            process.run("alloc", [1024], tmp_path, "big.log", command=_python(ALLOCATE))
    # the limit was this block's only
    process.run("alloc", [1024], tmp_path, "unlimited.log", command=_python(ALLOCATE))


def test_a_long_run_says_where_its_tool_is(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(process, "PROGRESS_SECONDS", 0.3)
    routing = ("import time; print('Info: placing', flush=True); time.sleep(1); "
               "print('Info:   4000 |  120    35 | arcs left', flush=True); time.sleep(1)")
    with caplog.at_level("INFO", logger="lgc"):
        process.run("router", [], tmp_path, "router.log", command=_python(routing))
    said = [m for m in caplog.messages if m.startswith("router: running for ")]
    assert len(said) >= 4 and any(m.endswith("at: Info: placing") for m in said), said
    assert said[-1].endswith("at: Info: 4000 | 120 35 | arcs left")
    assert str(tmp_path / "router.log") in said[-1]


def test_an_interrupted_run_ends_the_tool_and_its_children(tmp_path):
    pids = tmp_path / "pids"

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.alarm(5)     # the sleeper writes its pids long before
        with pytest.raises(KeyboardInterrupt):
            process.run("sleeper", [pids], tmp_path, "sleeper.log", command=_python(SLEEPER))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    tool, child = _wait_for(pids, 0)
    assert gone(tool) and gone(child)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
@pytest.mark.parametrize("limit", [2**30, None], ids=["limited", "unlimited"])
@pytest.mark.parametrize("death", [signal.SIGKILL, signal.SIGTERM], ids=["killed", "terminated"])
def test_a_tool_dies_with_the_python_process_that_started_it(tmp_path, limit, death):
    """As a worker lost mid-task dies, or a bench someone kills: no tool is left running."""
    pids = tmp_path / "pids"
    starter = subprocess.Popen(_python(
        "import sys; from lgc.tools import process\n"
        f"with process.memory_limit({limit}):\n"
        f"    process.run('sleeper', [{str(pids)!r}], {str(tmp_path)!r}, 'sleeper.log', "
        f"command=[sys.executable, '-c', {SLEEPER!r}])"))
    try:
        tool, _ = _wait_for(pids)
        assert psutil.Process(tool).ppid() == starter.pid
        starter.send_signal(death)
        starter.wait()
        assert gone(tool)
    finally:
        starter.kill()


def test_a_tool_that_a_limited_tool_starts_is_limited_and_dies_with_it(tmp_path):
    """As a sweep's `lgc verify` runs yosys: the inner tool goes through process.run with no
    limit of its own, gets the outer one's, and dies when the outer one is killed."""
    pids = tmp_path / "pids"
    middle = ("import sys; from lgc.tools import process\n"
              f"process.run('sleeper', [{str(pids)!r}], {str(tmp_path)!r}, 'inner.log', "
              f"command=[sys.executable, '-c', {SLEEPER!r}])")
    starter = subprocess.Popen(_python(
        "import sys; from lgc.tools import process\n"
        "with process.memory_limit(2**30):\n"
        f"    process.run('middle', [], {str(tmp_path)!r}, 'middle.log', "
        f"command=[sys.executable, '-c', {middle!r}])"))
    try:
        inner, _ = _wait_for(pids)
        outer = psutil.Process(inner).parent()
        assert outer.parent().pid == starter.pid
        assert psutil.Process(inner).rlimit(psutil.RLIMIT_DATA) == (2**30, 2**30)
        outer.kill()        # as the worker's lgc verify dies with the worker
        assert gone(inner)
    finally:
        starter.kill()
