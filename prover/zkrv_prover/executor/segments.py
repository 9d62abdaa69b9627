"""Segmented execution: one guest run cut into segments of at most ``2^segment_po2`` cycles.

:func:`execute_segments` runs the guest once (the code-generated traced dispatcher, stopped
exactly at each boundary by its cycle limit) and yields one :class:`Segment` per boundary, its
records cleared afterwards, so only one segment's trace is held at a time. A segment carries
its :class:`SegmentStart` (everything needed to run it again alone) and its :class:`Trace`
restricted to its own cycles. :func:`execute_segment` re-executes one segment from its start
state and the program image alone and gives the identical trace (a remote prover's job).

Contract (``docs/executor.md``, "Segments"):

- every segment but the last holds exactly ``2^segment_po2`` cycles; the last ends with HALT
  (and may also hold exactly ``2^segment_po2``);
- a segment's trace has the columns of a one-run trace for its cycles, ``clk`` from 0; the last
  row's ``next_pc`` is the next segment's first pc (HALT keeps ``next_pc == pc`` as today);
- ``start.addresses`` are the memory words the segment *touches* (loads, stores, READ, SHA256
  state and block words, COMMIT block words),
  ``start.values`` their values when the segment starts; ``trace.final_addresses`` are the same
  words and ``trace.final_values`` their values when it ends. ``start.host_addresses`` and
  ``host_values`` are the words LOG reads on the host side that the segment does not touch
  (not memory accesses of the proven machine; kept so re-execution reproduces the logs);
- ``trace.journal`` (the whole execution's journal), ``trace.journal_digest`` and
  ``trace.exit_code`` are set by the halting segment only (``b""`` and 0 otherwise).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from zkrv_prover.executor.abi import (
    DEFAULT_MAX_CYCLES,
    ECALL_LOG,
    ECALL_READ,
    JOURNAL_REG,
)
from zkrv_prover.executor.elf import load_elf
from zkrv_prover.executor.errors import CycleLimitError, TrapError
from zkrv_prover.executor.image import MemoryImage
from zkrv_prover.executor.machine import Machine
from zkrv_prover.executor.symbols import load_symbols
from zkrv_prover.executor.trace import (
    ECALL_WORD,
    MEM_NONE,
    Trace,
    accel_accesses,
    assemble_columns,
)

U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]

#: Smallest segment: the zkVM pads every CPU table to at least 2^6 rows, and a non-final segment
#: has no padding (padding only follows HALT), so it must fill its table exactly.
MIN_SEGMENT_PO2 = 6
_WORD_MASK = np.uint32(0xFFFFFFFC)


@dataclass(frozen=True, eq=False)
class SegmentStart:
    """The machine state a segment starts from (see the module docstring).

    ``index``: the segment's position (0 first); ``cycle``: cycles retired before it; ``pc``,
    ``registers`` (the 40 machine registers: x0..x31, then the journal state), ``eof`` (a short
    READ happened earlier: the circuit's end-of-input flag), ``input_pos`` (input bytes
    consumed), ``journal`` (the blocks COMMIT appended before it).
    """

    index: int
    cycle: int
    pc: int
    registers: tuple[int, ...]
    eof: bool
    input_pos: int
    journal: bytes
    addresses: U32
    values: U32
    host_addresses: U32
    host_values: U32


@dataclass(frozen=True, eq=False)
class Segment:
    """One segment: its start state, its trace, and the state it ends in (``end_pc`` is the next
    segment's pc, 0 after HALT, the circuit's padding pc; ``end_eof`` its eof flag)."""

    start: SegmentStart
    trace: Trace
    halted: bool
    end_pc: int
    end_eof: bool

    @property
    def index(self) -> int:
        return self.start.index

    @property
    def cycles(self) -> int:
        return len(self.trace)


def execute_segments(
    program: MemoryImage | str | Path | bytes,
    input: bytes = b"",
    segment_po2: int = 20,
    *,
    max_cycles: int = DEFAULT_MAX_CYCLES,
    log: Callable[[str], None] | None = None,
) -> Generator[Segment, None, None]:
    """Run ``program`` on ``input`` once, yielding its segments in order as they complete.

    A generator: the machine runs on while the caller holds one segment, and each segment's
    records are dropped once it is yielded (so memory holds one segment's trace). Raises, when
    reached, what :func:`~zkrv_prover.executor.execute` raises (``TrapError``,
    ``CycleLimitError``, ``JournalDigestError``); ``ValueError`` for ``segment_po2`` below
    :data:`MIN_SEGMENT_PO2`.
    """
    if segment_po2 < MIN_SEGMENT_PO2:
        raise ValueError(f"segment_po2 must be at least {MIN_SEGMENT_PO2}")
    if max_cycles < 1:
        raise ValueError("max_cycles must be positive")
    elf = None if isinstance(program, MemoryImage) else program
    image = program if isinstance(program, MemoryImage) else load_elf(program)
    m = Machine(image, input, trace=True, log=log)
    try:
        index, eof = 0, False
        while not m.halted:
            begin = _State.of(m, index, eof)
            limit = min(m.cycles + (1 << segment_po2), max_cycles)
            _run_until(m, limit, elf, image, final=limit == max_cycles)
            seg = _finish(m, begin)
            m.clear_records()
            index, eof = index + 1, seg.end_eof
            yield seg
    finally:
        m.close()


def execute_segment(
    image: MemoryImage,
    input: bytes,
    start: SegmentStart,
    cycles: int,
    *,
    log: Callable[[str], None] | None = None,
) -> Segment:
    """Re-execute one segment of ``cycles`` cycles from ``start`` alone (no earlier segment is
    run): the result equals the segment :func:`execute_segments` yielded, trace included.

    Memory starts as the image with ``start``'s words written over it: every word the segment
    reads is among them (or is code, which never changes), so the rest is never observed.
    Raises ``ValueError`` if the run halts before ``cycles`` or does not stop at ``cycles``.
    """
    m = Machine(image, input, trace=True, log=log)
    try:
        m.x[:] = list(start.registers[:JOURNAL_REG])
        m.jstate = list(start.registers[JOURNAL_REG:])
        m.pc = start.pc
        m.input_pos = start.input_pos
        m.journal_blocks = bytearray(start.journal)
        m.words[start.addresses >> 2] = start.values
        m.words[start.host_addresses >> 2] = start.host_values
        with contextlib.suppress(CycleLimitError):  # a non-final segment stops at its end
            m.run(cycles)
        if m.cycles != cycles:
            raise ValueError(f"segment halted after {m.cycles} of its {cycles} cycles")
        return _finish(m, _State(start, 0))
    finally:
        m.close()


@dataclass(frozen=True)
class _State:
    """A segment's start as far as it is known before it runs (its words come from its trace)
    and the machine's cycle count then."""

    start: SegmentStart
    cycle0: int

    @classmethod
    def of(cls, m: Machine, index: int, eof: bool) -> _State:
        empty = np.zeros(0, dtype=np.uint32)
        s = SegmentStart(
            index, m.cycles, m.pc, (*m.x, *m.jstate), eof, m.input_pos, bytes(m.journal_blocks),
            empty, empty, empty, empty,
        )  # fmt: skip
        return cls(s, m.cycles)


def _run_until(
    m: Machine, limit: int, elf: str | Path | bytes | None, image: MemoryImage, final: bool
) -> None:
    """Run to ``limit`` cycles or HALT; the cycle limit is an error only at ``max_cycles``.
    Errors name the pc by symbol when the program is an ELF with symbols (as ``execute``)."""
    try:
        m.run(limit)
    except (TrapError, CycleLimitError) as e:
        if isinstance(e, CycleLimitError) and not final:
            return
        if elf is not None:
            where = load_symbols(elf, image.code_ranges).describe(e.pc)
            if where is not None:
                e.add_symbol(where)
        raise


def _finish(m: Machine, begin: _State) -> Segment:
    """The segment the machine just ran (records since ``begin``), with its touched words'
    start values recovered from the trace's first accesses."""
    n = m.cycles - begin.cycle0
    cols, sha, mm, kk = assemble_columns(m, n, None if m.halted else m.pc)
    words, first_prev = _touched(cols, sha, mm, kk)
    host = np.setdiff1d(_host_words(cols), words).astype(np.uint32)
    ecall = cols["insn"] == ECALL_WORD
    short = ecall & (cols["ecall_id"] == ECALL_READ) & (cols["rd_val"] < 4)
    s0 = begin.start
    start = SegmentStart(
        s0.index, s0.cycle, s0.pc, s0.registers, s0.eof, s0.input_pos, s0.journal,
        words, first_prev, host, m.words[host >> 2].astype(np.uint32),
    )  # fmt: skip
    halted = m.halted
    trace = Trace(
        cols,
        m.image,
        words,
        m.words[words >> 2].astype(np.uint32),
        m.input,
        bytes(m.journal) if halted else b"",
        m.journal_digest if halted and m.journal_digest is not None else b"",
        m.exit_code if halted and m.exit_code is not None else 0,
        sha,
        mm,
        kk,
    )
    return Segment(start, trace, halted, 0 if halted else m.pc, s0.eof or bool(short.any()))


def _touched(cols: dict[str, U32], sha: U32, mm: U32, kk: U32) -> tuple[U32, U32]:
    """Sorted byte addresses of the words the segment touches and each one's value before its
    first access (the ``mem_prev`` of that access, in the trace's access order: a row's load or
    store, then a precompile call's reads, then its writes: ``trace.accel_accesses``)."""
    rows = np.flatnonzero(cols["mem_op"] != MEM_NONE)
    ax = accel_accesses(cols, sha, mm, kk)
    w = np.concatenate([(cols["mem_addr"][rows] & _WORD_MASK).astype(np.int64), ax.words])
    k = np.concatenate([4 * rows.astype(np.int64), ax.key])
    v = np.concatenate([cols["mem_prev"][rows], ax.prev]).astype(np.uint32)
    o = np.lexsort((k, w))
    w, v = w[o], v[o]
    first = np.ones(w.size, dtype=bool)
    first[1:] = w[1:] != w[:-1]
    return w[first].astype(np.uint32), v[first]


def _host_words(cols: dict[str, U32]) -> U32:
    """Byte addresses of the words LOG buffers cover (read on the host side only)."""
    ecall = cols["insn"] == ECALL_WORD
    sel = ecall & (cols["ecall_id"] == ECALL_LOG) & (cols["rs2_val"] > 0)
    a0 = cols["rs1_val"][sel].astype(np.int64)
    a1 = cols["rs2_val"][sel].astype(np.int64)
    lo, hi = a0 >> 2, (a0 + a1 - 1) >> 2
    cnt = hi - lo + 1
    offs = np.arange(int(cnt.sum()), dtype=np.int64) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    return np.unique(4 * (np.repeat(lo, cnt) + offs)).astype(np.uint32)
