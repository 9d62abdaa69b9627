"""Exceptions that reach users.

Every error caused by user input (a bad file, a wrong flag, a rejected proof) is a
:class:`ZkrvError`: the CLI prints its message as a single line and exits non-zero without a
traceback. Anything else escaping to the CLI is a bug in zkrv.
"""

from __future__ import annotations


class ZkrvError(Exception):
    """A user-facing error: one line saying what went wrong and where.

    ``exit_code`` is the CLI's exit status for this error (1 unless a subclass says otherwise).
    """

    exit_code: int = 1

    def __init__(self, message: str) -> None:
        # Keep messages on one line: the CLI contract is "one line, what and where".
        super().__init__(" ".join(str(message).split()))

    @property
    def message(self) -> str:
        return str(self)


class UsageError(ZkrvError):
    """Wrong command-line usage (unknown flag, missing argument); exit status 2."""

    exit_code = 2


class ToolchainError(ZkrvError):
    """A required external tool (clang, solc, anvil, forge) is missing or failed."""
