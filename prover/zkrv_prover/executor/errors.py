"""Executor errors: every one is a :class:`zkrv_prover.errors.ZkrvError` with a one-line message."""

from __future__ import annotations

from zkrv_prover.errors import ZkrvError


class ElfError(ZkrvError):
    """The ELF file is malformed, for another architecture, or does not fit the memory map."""


class TrapError(ZkrvError):
    """The guest did something an RV32IM hart on this platform traps on.

    ``pc`` is the address of the faulting instruction.
    """

    def __init__(self, pc: int, what: str) -> None:
        self.pc = pc
        super().__init__(f"trap at pc 0x{pc:08x}: {what}")


class IllegalInstructionError(TrapError):
    """The word at pc is not a valid RV32IM instruction (or is a system instruction we lack)."""

    def __init__(self, pc: int, word: int, why: str = "illegal instruction") -> None:
        self.word = word
        super().__init__(pc, f"{why} 0x{word:08x}")


class MemoryFaultError(TrapError):
    """A load, store or fetch outside the memory map, into a code page, or misaligned."""

    def __init__(self, pc: int, address: int, what: str) -> None:
        self.address = address
        super().__init__(pc, f"{what} at address 0x{address:08x}")


class EcallError(TrapError):
    """An ECALL with an unknown number or invalid arguments."""


class CycleLimitError(ZkrvError):
    """The guest did not halt within the cycle limit."""

    def __init__(self, limit: int, pc: int) -> None:
        self.limit = limit
        self.pc = pc
        super().__init__(
            f"cycle limit of {limit} exceeded (next instruction at pc 0x{pc:08x}); "
            "raise it with --max-cycles"
        )


class JournalDigestError(ZkrvError):
    """The digest the guest passed at HALT is not SHA-256 of the journal it committed."""
