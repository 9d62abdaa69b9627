"""Executing guest ELFs: the user-facing wrapper over :mod:`zkrv_prover.executor`.

``execute(elf, input)`` runs the guest to completion and returns an ``ExecutionResult`` with
``exit_code``, ``journal``, ``journal_digest``, ``cycles`` and ``logs`` (plus ``trace`` when
``trace=True``, the cycle ``profile`` when ``profile=True``). Errors (bad ELF, traps, cycle
limit, digest mismatch) are ZkrvErrors.

The executor is imported lazily: its errors derive from :mod:`zkrv.errors`, so importing it
while ``zkrv`` itself initializes would be circular.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zkrv_prover.executor import ExecutionResult, MemoryImage

__all__ = ["execute"]


def execute(
    program: str | Path | bytes | MemoryImage,
    input: bytes = b"",
    *,
    max_cycles: int | None = None,
    trace: bool = False,
    log: Callable[[str], None] | None = None,
    profile: bool = False,
) -> ExecutionResult:
    """Run ``program`` (ELF path, ELF bytes or a loaded image) on private ``input``.

    ``max_cycles`` defaults to ``zkrv_prover.executor.DEFAULT_MAX_CYCLES`` (2^26). ``log``
    receives the guest's ``zkrv_log`` messages as they happen (also in ``result.logs``).
    ``profile=True`` records cycles per function and call stack in ``result.profile`` (a
    :class:`zkrv_prover.executor.profile.Profile`; slower than plain execution).
    """
    from zkrv_prover.executor import DEFAULT_MAX_CYCLES
    from zkrv_prover.executor import execute as _execute

    limit = DEFAULT_MAX_CYCLES if max_cycles is None else max_cycles
    return _execute(program, bytes(input), max_cycles=limit, trace=trace, log=log, profile=profile)
