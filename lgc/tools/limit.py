"""`python -m lgc.tools.limit MAX_BYTES COMMAND...`: run COMMAND with at most MAX_BYTES of
writable memory (RLIMIT_DATA) and, on Linux, a SIGKILL when the process that started it dies.
process.run starts tools through it inside `process.memory_limit` (a sweep's points). COMMAND
finds the limit in $LGC_TOOL_MEMORY: when it is lgc (a sweep's `lgc verify`), the tools it
starts go through here too, so they die with it."""

import ctypes
import os
import resource
import signal
import sys

from .process import LIMIT_ENV

PR_SET_PDEATHSIG = 1


def main(argv):
    max_bytes, command = int(argv[0]), argv[1:]
    resource.setrlimit(resource.RLIMIT_DATA, (max_bytes, max_bytes))
    os.environ[LIMIT_ENV] = str(max_bytes)
    if sys.platform.startswith("linux"):
        # Survives the exec below: the tool dies with the worker that started this launcher.
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() == 1:       # the parent died before prctl
            sys.exit(1)
    os.execv(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
