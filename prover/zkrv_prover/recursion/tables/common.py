"""What every recursion table shares: the MEMORY bus and the table contract.

Memory is a set of cells with integer addresses, each holding a block of ``EXT_DEGREE`` felts
(a base value v is the block (v, 0, ..., 0)). Each cell is *written* by exactly one row of one
table, which sends ``(addr, v0..v4)`` on :data:`MEMORY_BUS` with multiplicity = the cell's
number of reads (a preprocessed column); every *read* receives ``(addr, v0..v4)`` once (times
a preprocessed ``is_real`` flag, so padding rows do nothing). A base read uses literal zeros for
v1..v4, so reading a cell that holds a non-base block unbalances the bus. One writer per address
is a program invariant (checked by :func:`zkrv_prover.recursion.program.assemble`), so every
read sees the written value.

Invariant relied on by block reads of base cells (``select_b``, ``e_mul_base``): every writer of
a base cell writes zeros in v1..v4 (literal zeros, preprocessed constants, the Witness table's
``is_base`` constraint, or selection between base cells).

A table class describes both halves of its job:

- program side (static, from the recorded op rows, an int64 array of ``op_width`` columns):
  :meth:`RecursionAir.read_addrs`, :meth:`RecursionAir.write_addrs` and
  :meth:`RecursionAir.preprocess` (the preprocessed trace, multiplicities filled in from the
  per-address read counts);
- proof side: :meth:`RecursionAir.eval` (constraints and bus interactions) and
  :meth:`RecursionAir.main_trace` (the main columns, gathered vectorized from the memory image).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from enum import IntEnum
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from zkrv_prover.stark.air.air import Air, AirBuilder, Expr
from zkrv_prover.stark.field.field import EXT_DEGREE

#: The one LogUp bus of the recursion machine.
MEMORY_BUS = 17

I64 = npt.NDArray[np.int64]
U32 = npt.NDArray[np.uint32]

#: Smallest table height the STARK accepts (log height >= 1).
MIN_HEIGHT = 2


def padded_height(rows: int) -> int:
    """The power of two >= max(rows, MIN_HEIGHT)."""
    return max(MIN_HEIGHT, 1 << max(0, rows - 1).bit_length())


def read_base(b: AirBuilder, addr: Expr | int, v: Expr, is_real: Expr) -> None:
    """Receive the base cell (addr, v, 0, ..., 0) once when ``is_real``."""
    b.receive(MEMORY_BUS, [addr, v, *([0] * (EXT_DEGREE - 1))], is_real)


def read_block(b: AirBuilder, addr: Expr | int, vs: Sequence[Expr], is_real: Expr) -> None:
    """Receive the block cell (addr, v0..v4) once when ``is_real``."""
    b.receive(MEMORY_BUS, [addr, *vs], is_real)


def write_base(b: AirBuilder, addr: Expr | int, v: Expr, mult: Expr) -> None:
    """Send the base cell (addr, v, 0, ..., 0) ``mult`` times (its read count)."""
    b.send(MEMORY_BUS, [addr, v, *([0] * (EXT_DEGREE - 1))], mult)


def write_block(
    b: AirBuilder, addr: Expr | int, vs: Sequence[Expr | int], mult: Expr | int
) -> None:
    """Send the block cell (addr, v0..v4) ``mult`` times."""
    b.send(MEMORY_BUS, [addr, *vs], mult)


def gather(mem: U32, addrs: I64, real: npt.NDArray[np.bool_], block: bool) -> U32:
    """Values of the cells ``addrs`` from the memory image ((num_cells, EXT_DEGREE) uint32):
    their first coefficient (base) or whole block; zero where not ``real`` (padding rows, rows
    whose operand is absent)."""
    safe = np.where(real, addrs, 0)
    vals = mem[safe] if block else mem[safe, 0]
    mask = real[:, None] if block else real
    return np.where(mask, vals, 0).astype(np.uint32)


def pad_rows(a: npt.ArrayLike, height: int) -> I64:
    """``a`` (rows, w) as int64 with zero rows appended up to ``height``."""
    arr = np.asarray(a, dtype=np.int64)
    out = np.zeros((height, arr.shape[1]), dtype=np.int64)
    out[: arr.shape[0]] = arr
    return out


class RecursionAir(Air):
    """A recursion table over a fixed program: ``pre`` is its (padded) preprocessed trace, whose
    first ``rows`` rows are the program's ops (the rest padding); ``num_public`` is the
    recursion proof's public value count."""

    #: Number of int columns of one recorded op row (see each table's docstring).
    op_width: ClassVar[int]

    def __init__(self, pre: U32, rows: int, num_public: int = 0) -> None:
        self.pre = np.ascontiguousarray(pre, dtype=np.uint32)
        self.rows = rows
        self.num_public = num_public

    def preprocessed_trace(self) -> U32:
        return self.pre

    @property
    def height(self) -> int:
        return int(self.pre.shape[0])

    @property
    def real(self) -> npt.NDArray[np.bool_]:
        """Which rows are ops (not padding)."""
        return np.arange(self.height) < self.rows

    # -- program side ------------------------------------------------------------------------
    @staticmethod
    def num_rows(ops: I64) -> int:
        """Table rows the op rows ``ops`` take (one per op unless a table packs several)."""
        return int(ops.shape[0])

    @staticmethod
    @abstractmethod
    def read_addrs(ops: I64) -> I64:
        """Every address the rows ``ops`` read (once per read)."""

    @staticmethod
    @abstractmethod
    def write_addrs(ops: I64) -> I64:
        """Every address the rows ``ops`` write."""

    @staticmethod
    @abstractmethod
    def preprocess(ops: I64, reads: I64, height: int) -> U32:
        """The preprocessed trace (height rows) of the op rows; ``reads[addr]`` is the number of
        reads of each address (the write multiplicities)."""

    # -- proof side --------------------------------------------------------------------------
    @abstractmethod
    def main_trace(self, mem: U32, public: Sequence[int]) -> U32:
        """The main trace (height, main_width) from the memory image and public values."""


class AluOp(IntEnum):
    """Operations of the ALU tables (base and extension alike)."""

    ADD = 0
    SUB = 1
    MUL = 2
    DIV = 3  # out * b = a (the recorder only divides a nonzero constant: proves b != 0)
    ASSERT_EQ = 4  # a = b, no output


#: Preprocessed layout of both ALU tables: addresses, the output's multiplicity, one selector per
#: op (``is_real`` = their sum).
ALU_PRE_COLS = 4 + len(AluOp)


def alu_read_addrs(ops: I64) -> I64:
    """ALU op rows ``(op, a, b, out)``: both operands are read."""
    return np.concatenate([ops[:, 1], ops[:, 2]])


def alu_write_addrs(ops: I64) -> I64:
    """ALU op rows write ``out`` except for ASSERT_EQ (out = -1)."""
    return ops[ops[:, 0] != AluOp.ASSERT_EQ, 3]


def alu_preprocess(ops: I64, reads: I64, height: int) -> U32:
    """``a, b, out, mult_out, sel_ADD..sel_ASSERT_EQ`` per row."""
    has_out = ops[:, 3] >= 0
    out = np.where(has_out, ops[:, 3], 0)
    mult = np.where(has_out, reads[out], 0)
    sels = (ops[:, 0:1] == np.arange(len(AluOp))[None, :]).astype(np.int64)
    rows = np.concatenate([ops[:, 1:3], out[:, None], mult[:, None], sels], axis=1)
    return pad_rows(rows.reshape(-1, ALU_PRE_COLS), height).astype(np.uint32)


def alu_main_trace(pre: U32, real: npt.NDArray[np.bool_], mem: U32, block: bool) -> U32:
    """Main columns ``a, b, out`` of an ALU table (base values or whole blocks): gathered from
    the memory image; ``out`` is zero on ASSERT_EQ rows (they write nothing)."""
    p = pre.astype(np.int64)
    has_out = real & (p[:, 4 + AluOp.ASSERT_EQ] == 0)
    cols = [
        gather(mem, p[:, 0], real, block=block),
        gather(mem, p[:, 1], real, block=block),
        gather(mem, p[:, 2], has_out, block=block),
    ]
    return np.stack(cols, axis=1) if not block else np.concatenate(cols, axis=1)
