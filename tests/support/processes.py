"""Waiting for a process to end (tests that check no tool is left running)."""

import time

import psutil


def gone(pid, seconds=10):
    """Whether process `pid` has ended (or is a zombie) within `seconds`."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False
