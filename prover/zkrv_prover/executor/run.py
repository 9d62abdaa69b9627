"""``execute``: run a guest image (or ELF) to completion and collect its results."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from zkrv_prover.executor.abi import DEFAULT_MAX_CYCLES
from zkrv_prover.executor.elf import load_elf
from zkrv_prover.executor.errors import CycleLimitError, TrapError
from zkrv_prover.executor.image import MemoryImage
from zkrv_prover.executor.machine import Machine
from zkrv_prover.executor.profile import Profile, Profiler
from zkrv_prover.executor.symbols import load_symbols
from zkrv_prover.executor.trace import Trace, assemble_trace


@dataclass(eq=False)
class ExecutionResult:
    """What a halted guest produced.

    ``exit_code`` is the 32-bit value the guest passed to HALT (unsigned); ``journal`` the message
    its COMMIT blocks pad and ``journal_digest`` the journal state at HALT (their SHA-256);
    ``cycles`` the number of retired instructions; ``registers`` the final x0..x31.
    ``trace`` is set only when execution was traced, ``profile`` only when it was profiled.
    """

    exit_code: int
    journal: bytes
    journal_digest: bytes
    cycles: int
    image: MemoryImage
    registers: list[int]
    logs: list[str] = field(default_factory=list)
    trace: Trace | None = None
    profile: Profile | None = None


def execute(
    program: MemoryImage | str | Path | bytes,
    input: bytes = b"",
    *,
    max_cycles: int = DEFAULT_MAX_CYCLES,
    trace: bool = False,
    log: Callable[[str], None] | None = None,
    profile: bool = False,
) -> ExecutionResult:
    """Run ``program`` (an image, an ELF path or ELF bytes) on ``input`` until it halts.

    ``profile=True`` also records the cycles per call stack, symbolized from the ELF's symbol
    table (an image alone gives ``0xADDR`` names), in ``result.profile`` (see
    :mod:`zkrv_prover.executor.profile`); it runs slower, and does not change any other result.

    Raises :class:`~zkrv_prover.executor.errors.ElfError`, ``TrapError`` (and subclasses),
    ``CycleLimitError`` or ``JournalDigestError`` - all :class:`zkrv_prover.errors.ZkrvError`.
    When ``program`` is an ELF with symbols, the pc in a trap or cycle-limit message is also
    given as ``symbol+0xOFF``.
    """
    if max_cycles < 1:
        raise ValueError("max_cycles must be positive")
    elf = None if isinstance(program, MemoryImage) else program
    image = program if isinstance(program, MemoryImage) else load_elf(program)
    profiler = Profiler(load_symbols(elf, image.code_ranges)) if profile else None
    m = Machine(image, input, trace=trace, log=log)
    try:
        try:
            m.run(max_cycles, profiler)
        except (TrapError, CycleLimitError) as e:
            # Symbols are read only now, so a successful run never pays for them.
            if elf is not None:
                symbols = profiler.symbols if profiler else load_symbols(elf, image.code_ranges)
                where = symbols.describe(e.pc)
                if where is not None:
                    e.add_symbol(where)
            raise
        assert m.exit_code is not None and m.journal_digest is not None
        return ExecutionResult(
            exit_code=m.exit_code,
            journal=bytes(m.journal),
            journal_digest=m.journal_digest,
            cycles=m.cycles,
            image=image,
            registers=list(m.x),
            logs=m.logs,
            trace=assemble_trace(m) if trace else None,
            profile=profiler.result(_program_name(program)) if profiler else None,
        )
    finally:
        m.close()


def _program_name(program: MemoryImage | str | Path | bytes) -> str:
    """A profile's name: the ELF's file name, else a generic one."""
    if isinstance(program, str | Path):
        return Path(program).name
    return "guest"
