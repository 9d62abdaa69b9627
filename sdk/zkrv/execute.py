"""Executing guest ELFs: the user-facing wrapper over :mod:`zkrv_prover.executor`.

``execute(elf, input)`` runs the guest to completion and returns an :class:`ExecutionResult`
with ``exit_code``, ``journal``, ``journal_digest``, ``cycles`` and ``logs`` (plus ``trace``
when ``trace=True``). Errors (bad ELF, traps, cycle limit, digest mismatch) are ZkrvErrors.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from zkrv_prover.executor import (
    DEFAULT_MAX_CYCLES,
    ExecutionResult,
    MemoryImage,
    load_elf,
)
from zkrv_prover.executor import execute as _execute

__all__ = ["DEFAULT_MAX_CYCLES", "ExecutionResult", "MemoryImage", "execute", "load_elf"]


def execute(
    program: str | Path | bytes | MemoryImage,
    input: bytes = b"",
    *,
    max_cycles: int = DEFAULT_MAX_CYCLES,
    trace: bool = False,
    log: Callable[[str], None] | None = None,
) -> ExecutionResult:
    """Run ``program`` (ELF path, ELF bytes or a loaded image) on private ``input``.

    ``log`` receives the guest's ``zkrv_log`` messages as they happen (they are also collected
    in ``result.logs``).
    """
    return _execute(program, bytes(input), max_cycles=max_cycles, trace=trace, log=log)
