"""`python -m lgc.tools.limit MAX_BYTES|none COMMAND...`: run COMMAND with at most MAX_BYTES of
writable memory (RLIMIT_DATA; `none`: no limit) and, on Linux, a SIGKILL when the process that
started it dies. process.run starts every tool through it on Linux, so a Python caller killed
outright (a bench, a worker) leaves no nextpnr behind, and inside `process.memory_limit` (a
sweep's points) on every system. COMMAND finds the limit in $LGC_TOOL_MEMORY: when it is lgc (a
sweep's `lgc verify`), the tools it starts get the same limit."""

import ctypes
import os
import resource
import signal
import sys

from .process import LIMIT_ENV, NO_LIMIT

PR_SET_PDEATHSIG = 1


def main(argv):
    limit, command = argv[0], argv[1:]
    if limit != NO_LIMIT:
        resource.setrlimit(resource.RLIMIT_DATA, (int(limit), int(limit)))
        os.environ[LIMIT_ENV] = limit
    if sys.platform.startswith("linux"):
        # Survives the exec below: the tool dies with the thread that started this launcher.
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() == 1:       # the parent died before prctl
            sys.exit(1)
    try:
        os.execv(command[0], command)
    except OSError as e:
        sys.exit(f"cannot start {command[0]}: {e}")


if __name__ == "__main__":
    main(sys.argv[1:])
