"""The one exception type for mistakes a user can cause (bad file, bad option, bad vectors).

Everything below the CLI raises `LgcError` with a message that reads as one clear line; the CLI
prints it on stderr and exits non-zero. Any other exception is a bug in lgc and keeps its traceback.
"""


class LgcError(Exception):
    """A user-facing error: the message is the whole story, on one line."""
