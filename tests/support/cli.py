"""Running the `lgc` command as a user does, and reading its one-line errors."""

import subprocess
import sys


def run_lgc(*args, cwd=None, env=None):
    """Run `python -m lgc ARGS`; returns the CompletedProcess (text output)."""
    return subprocess.run([sys.executable, "-m", "lgc", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, env=env)


def error_line(result):
    """The one `lgc: error: ...` line a failed command printed on stderr (asserting it failed
    and printed exactly that)."""
    assert result.returncode != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lgc: error: "), result.stderr
    return lines[0]
