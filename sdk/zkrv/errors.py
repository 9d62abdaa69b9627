"""Exceptions that reach users.

Every error caused by user input (a bad file, a wrong flag, a rejected proof) is a
:class:`ZkrvError`: the CLI prints its message as a single line and exits non-zero without a
traceback. Anything else escaping to the CLI is a bug in zkrv.
"""

from __future__ import annotations

from zkrv_prover.errors import ZkrvError

__all__ = ["ToolchainError", "UsageError", "ZkrvError"]


class UsageError(ZkrvError):
    """Wrong command-line usage (unknown flag, missing argument); exit status 2."""

    exit_code = 2


class ToolchainError(ZkrvError):
    """A required external tool (clang, solc, anvil, forge) is missing or failed."""
