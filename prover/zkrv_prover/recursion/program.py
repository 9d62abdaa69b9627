"""A recorded recursion program (the verifying key's content) and its witness.

The :class:`RecursionProgram` holds, per non-empty table, the preprocessed trace (addresses,
op selectors, constants, write multiplicities), which depends only on the recorded control flow:
recording the same verifier shape twice gives the same program and :attr:`digest`. The
:class:`RecursionWitness` is the memory image (every cell's value) and the public values; the
main traces are gathered from it (:func:`zkrv_prover.recursion.machine.generate_traces`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from zkrv_prover.recursion.tables import TABLES, RecursionAir
from zkrv_prover.recursion.tables.common import U32, padded_height
from zkrv_prover.stark.field.field import P


@dataclass(frozen=True)
class ProgramTable:
    """One table of a program: its class, real row count and padded preprocessed trace."""

    air: type[RecursionAir]
    rows: int
    pre: U32

    @property
    def name(self) -> str:
        return self.air.name

    @property
    def height(self) -> int:
        return int(self.pre.shape[0])


@dataclass(frozen=True)
class RecursionProgram:
    """A straight-line program over BabyBear: its tables (machine order, empty ones left
    out), the number of memory cells and of public values, and a digest of all of it."""

    tables: tuple[ProgramTable, ...]
    num_cells: int
    num_public: int
    digest: str
    #: Recorded at one height for all tables (``assemble``'s ``min_height``) and proven as one
    #: fused table (:class:`zkrv_prover.recursion.machine.FusedAir`).
    fused: bool = False

    def rows(self) -> dict[str, int]:
        """Real (unpadded) rows per table."""
        return {t.name: t.rows for t in self.tables}

    def heights(self) -> dict[str, int]:
        """Padded heights per table."""
        return {t.name: t.height for t in self.tables}

    def airs(self) -> list[RecursionAir]:
        """The program's table AIRs (the recursion machine's tables)."""
        return [t.air(t.pre, t.rows, self.num_public) for t in self.tables]


@dataclass(frozen=True)
class RecursionWitness:
    """The memory image ((num_cells, EXT_DEGREE) uint32, cell by address) and the public
    values (those of the exposed cells, in exposure order)."""

    memory: U32
    public: tuple[int, ...]


def program_digest(
    tables: Sequence[ProgramTable], num_cells: int, num_public: int, fused: bool = False
) -> str:
    """SHA-256 over the tables' names, row counts and preprocessed traces, and whether the
    tables are fused (hex)."""
    h = hashlib.sha256(b"zkrv-recursion-program-v1")
    h.update(np.array([num_cells, num_public, len(tables)], dtype="<i8").tobytes())
    if fused:
        h.update(b"fused\0")
    for t in tables:
        h.update(t.name.encode() + b"\0")
        h.update(np.array([t.rows, *t.pre.shape], dtype="<i8").tobytes())
        h.update(np.ascontiguousarray(t.pre, dtype="<u4").tobytes())
    return h.hexdigest()


def assemble(
    ops: Mapping[str, Sequence[tuple[int, ...]]],
    num_cells: int,
    num_public: int,
    min_height: int = 0,
) -> RecursionProgram:
    """The program of the recorded op rows (per table name, in each table's op row format);
    every table is padded to at least ``min_height`` rows (one height for all tables means one
    quotient group and one height in every Merkle path and DEEP quotient of its proof; a program
    whose tables all end up at one height this way is ``fused``: proven as one table).

    Checks the memory invariant: every address in [0, num_cells) is written by exactly one row
    (so each read sees the one written value) and every read address exists. Fills in every
    write multiplicity with the cell's read count."""
    arrays = {}
    for air in TABLES:
        rows = ops.get(air.name, ())
        arrays[air.name] = np.asarray(rows, dtype=np.int64).reshape(len(rows), air.op_width)
    writes = np.concatenate([air.write_addrs(arrays[air.name]) for air in TABLES])
    reads_at = np.concatenate([air.read_addrs(arrays[air.name]) for air in TABLES])
    if writes.size != num_cells or not np.array_equal(np.sort(writes), np.arange(num_cells)):
        raise AssertionError("recursion program: every cell must be written exactly once")
    if reads_at.size and not (int(reads_at.min()) >= 0 and int(reads_at.max()) < num_cells):
        raise AssertionError("recursion program reads an unallocated cell")
    reads = np.bincount(reads_at, minlength=num_cells).astype(np.int64)
    if reads.size and int(reads.max()) >= P:
        raise AssertionError("a cell is read p times or more (multiplicities are field elements)")
    tables = []
    for air in TABLES:
        a = arrays[air.name]
        if a.shape[0] == 0:
            continue
        n_rows = air.num_rows(a)
        pre = air.preprocess(a, reads, padded_height(max(n_rows, min_height)))
        tables.append(ProgramTable(air, n_rows, pre))
    fused = min_height > 0 and len(tables) > 1 and len({t.height for t in tables}) == 1
    digest = program_digest(tables, num_cells, num_public, fused)
    return RecursionProgram(tuple(tables), num_cells, num_public, digest, fused)
