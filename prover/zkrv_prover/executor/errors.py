"""Executor errors: every one is a :class:`zkrv_prover.errors.ZkrvError` with a one-line message."""

from __future__ import annotations

from zkrv_prover.errors import ZkrvError


class ElfError(ZkrvError):
    """The ELF file is malformed, for another architecture, or does not fit the memory map."""


class TrapError(ZkrvError):
    """The guest did something an RV32IM hart on this platform traps on.

    ``pc`` is the address of the faulting instruction; ``symbol`` is ``name+0xOFF`` for it once
    :meth:`add_symbol` has been called (``execute`` does when the ELF has symbols).
    """

    def __init__(self, pc: int, what: str) -> None:
        self.pc = pc
        self.what = what
        self.symbol: str | None = None
        super().__init__(self._format())

    def _format(self) -> str:
        where = f" ({self.symbol})" if self.symbol else ""
        return f"trap at pc 0x{self.pc:08x}{where}: {self.what}"

    def add_symbol(self, symbol: str) -> None:
        """Name the pc in the message: ``trap at pc 0x00010008 (main+0x8): ...``."""
        self.symbol = symbol
        self.args = (self._format(),)


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
        self.symbol: str | None = None
        super().__init__(self._format())

    def _format(self) -> str:
        where = f", {self.symbol}" if self.symbol else ""
        return (
            f"cycle limit of {self.limit} exceeded (next instruction at pc "
            f"0x{self.pc:08x}{where}); raise it with --max-cycles"
        )

    def add_symbol(self, symbol: str) -> None:
        """Name the pc in the message (``... at pc 0x00010040, spin+0x4); ...``)."""
        self.symbol = symbol
        self.args = (self._format(),)


class JournalDigestError(ZkrvError):
    """At HALT, the blocks the guest committed are not a padded SHA-256 message (FIPS 180-4,
    5.1.1), so the journal state is not the SHA-256 of any journal."""
