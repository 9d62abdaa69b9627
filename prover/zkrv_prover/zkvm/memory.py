"""Offline memory checking: the boundary tables of ``BUS_MEMORY`` (registers and RAM).

Every access to a register or memory word, anywhere in the machine, is the pair

    receive (addr, prev_ts, prev_value, kind)    send (addr, ts, new_value, kind)

with ``prev_ts < ts`` range checked by the accessing table (values are four bytes; ``kind`` is
:data:`KIND_RO`/:data:`KIND_RW` for memory words, :data:`KIND_REG` for registers). The tables
here open every chain with ``send (addr, 0, initial_value, kind)`` and close it with
``receive (addr, final_ts, final_value, kind)``; ``docs/zkvm.md`` proves that, with distinct
timestamps per address, balance forces every read to return the last value written.

- :class:`RegisterAir`: the 40 machine registers (32 active rows of :data:`FIXED_HEIGHT`):
  x0..x31 at addresses 0..31, starting at zero, and the journal state at ``JOURNAL_REG ..``
  (32..39), starting at SHA-256's initial value; only COMMIT's compressions change those.
- :class:`ImageAir`: preprocessed image words (every word of the ELF's segments and every word of
  the code pages), sent on ``BUS_IMAGE`` as ``(word_index, bytes, writable)``.
- :class:`MemoryAir`: one row per RAM word the execution touches or the image holds, with word
  indices strictly increasing (range-checked gaps) so no word is initialised twice; image rows
  take their initial value and writability from ``BUS_IMAGE``, all others start at zero and
  writable. Every index lies in RAM (range checks), so accesses outside RAM cannot be proven.
- :class:`HaltAir`: the 8 reads of the journal state at HALT, exposed as the public journal
  digest (8 active rows of :data:`FIXED_HEIGHT`).

The two fixed tables are padded with inactive rows (preprocessed ``active`` = 0, every main cell
0, no bus traffic) to :data:`FIXED_HEIGHT` rows: under zk a table of n rows is committed at a
padded height N >= n + (2 queries + 8), and its quotient takes (d N - n) / n chunks, so 8 rows
would cost 31 quotient chunks per query opening, 64 rows cost 3 (``docs/zkvm.md``, proof size).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from zkrv_prover.executor.abi import JOURNAL_REG, JOURNAL_WORDS, RAM_END, RAM_START
from zkrv_prover.executor.accel import SHA256_IV
from zkrv_prover.executor.image import MemoryImage
from zkrv_prover.stark.air.air import Air, AirBuilder, Expr
from zkrv_prover.zkvm.buses import (
    BUS_BYTE,
    BUS_GLOBAL,
    BUS_HALT,
    BUS_IMAGE,
    BUS_MEMORY,
    BUS_RANGE16,
    ByteOp,
    word_to_bytes,
)
from zkrv_prover.zkvm.program import PUB_SEG_FIRST_INDEX, code_words

U32 = npt.NDArray[np.uint32]

KIND_RO, KIND_RW, KIND_REG = 0, 1, 2
#: Height of the register and halt tables (rows past their 32 / 8 active ones are inactive).
FIXED_HEIGHT = 64
NUM_REGS, DIGEST_WORDS = 32, JOURNAL_WORDS
#: x0..x31 and the journal state: the register table's active rows.
NUM_MACHINE_REGS = JOURNAL_REG + JOURNAL_WORDS
#: Word-index bounds of RAM: every memory row's index w satisfies W_LO <= w <= W_HI.
W_LO = RAM_START // 4
W_HI = RAM_END // 4 - 1
#: Public values: 32 journal-digest bytes, then the 4 exit-code bytes (little-endian).
PUB_DIGEST = 0
PUB_EXIT = 32
NUM_PUBLIC = 36
#: Public values the segmented machine adds after those 36 (``docs/segments.md``): the segment
#: index, whether it is the first / the last, its start and end pc and end-of-input flag.
PUB_SEG, PUB_SEG_FIRST, PUB_SEG_LAST = 36, PUB_SEG_FIRST_INDEX, 38
PUB_PRE_PC, PUB_POST_PC, PUB_PRE_EOF, PUB_POST_EOF = 39, 40, 41, 42
NUM_PUBLIC_SEGMENTED = 43


def mem_access(
    b: AirBuilder,
    addr: Expr | int,
    prev_ts: Expr | int,
    ts: Expr | int,
    prev: Sequence[Expr | int],
    new: Sequence[Expr | int],
    kind: Expr | int,
    enabled: Expr | int,
) -> None:
    """One memory access (receive the previous state, send the new one) when ``enabled``.
    The caller must range check ``ts - prev_ts - 1`` (see :func:`ts_check`)."""
    b.receive(BUS_MEMORY, [addr, prev_ts, *prev, kind], enabled)
    b.send(BUS_MEMORY, [addr, ts, *new, kind], enabled)


def ts_check(
    b: AirBuilder,
    ts: Expr | int,
    prev_ts: Expr,
    lo: Expr,
    hi: Expr,
    enabled: Expr | int,
    name: str,
) -> None:
    """Constrain ``ts - prev_ts - 1 = lo + 2^16 hi`` when ``enabled`` (zeros otherwise). The caller
    looks up ``lo`` on BUS_RANGE16 and ``hi`` as a byte: then ``prev_ts < ts`` as integers while
    all timestamps stay below 2^24 (``docs/zkvm.md``)."""
    en = Expr.lift(enabled)
    b.assert_zero(en * (Expr.lift(ts) - prev_ts - 1 - lo - 65536 * hi), f"{name}_ts")
    b.assert_zero((1 - en) * prev_ts, f"{name}_pts_off")
    b.assert_zero((1 - en) * lo, f"{name}_lo_off")
    b.assert_zero((1 - en) * hi, f"{name}_hi_off")


class RegisterAir(Air):
    """The machine registers: ``send (r, 0, init, KIND_REG)``, ``receive (r, final_ts, final,
    KIND_REG)`` on the :data:`NUM_MACHINE_REGS` active rows; inactive rows are all zero. ``init``
    (preprocessed) is zero for x0..x31 and SHA-256's initial value for the journal state. In a
    segment of the segmented machine other than the first it is a main column instead, received
    as ``(r, seg - 1, init, KIND_REG)`` on ``BUS_GLOBAL``, and every segment but the last sends
    ``(r, seg, final, KIND_REG)`` (``docs/segments.md``)."""

    name = "registers"
    main_width = 5  # final_ts, f0..f3 (segmented: then init i0..i3)
    preprocessed_width = 6  # r, active, initial bytes

    def __init__(self, segmented: bool = False) -> None:
        self.segmented = segmented
        self.main_width = 9 if segmented else 5

    def eval(self, b: AirBuilder) -> None:
        fts, *fin = b.main_local[:5]
        r, active, *pre_init = b.pre_local
        for k, x in enumerate(b.main_local):
            b.assert_zero((1 - active) * x, f"inactive{k}")
        if not self.segmented:
            b.send(BUS_MEMORY, [r, 0, *pre_init, KIND_REG], active)
            b.receive(BUS_MEMORY, [r, fts, *fin, KIND_REG], active)
            return
        init = b.main_local[5:9]
        seg, first, last = b.public[PUB_SEG], b.public[PUB_SEG_FIRST], b.public[PUB_SEG_LAST]
        for j in range(4):
            b.assert_zero(first * (init[j] - pre_init[j]), f"first_init{j}")
        b.send(BUS_MEMORY, [r, 0, *init, KIND_REG], active)
        b.receive(BUS_MEMORY, [r, fts, *fin, KIND_REG], active)
        b.receive(BUS_GLOBAL, [r, seg - 1, *init, KIND_REG], active * (1 - first))
        b.send(BUS_GLOBAL, [r, seg, *fin, KIND_REG], active * (1 - last))

    def preprocessed_trace(self) -> U32:
        t = np.zeros((FIXED_HEIGHT, 6), dtype=np.uint32)
        t[:NUM_MACHINE_REGS, 0] = np.arange(NUM_MACHINE_REGS)
        t[:NUM_MACHINE_REGS, 1] = 1
        t[:NUM_MACHINE_REGS, 2:6] = word_to_bytes(initial_registers())
        return t


def initial_registers() -> U32:
    """The machine registers' values in the first cycle: x0..x31 zero, then SHA-256's IV."""
    return np.array([0] * NUM_REGS + list(SHA256_IV), dtype=np.uint32)


def image_words(image: MemoryImage) -> tuple[U32, U32, U32]:
    """Word indices, initial values and writability of every image word and every code-page
    word, sorted by address (code pages are read-only)."""
    caddr, cval = code_words(image)
    addrs = np.union1d(image.addresses, caddr).astype(np.uint32)
    vals = np.zeros(addrs.size, dtype=np.uint32)
    vals[np.searchsorted(addrs, image.addresses)] = image.values
    vals[np.searchsorted(addrs, caddr)] = cval
    wr = np.ones(addrs.size, dtype=np.uint32)
    wr[np.searchsorted(addrs, caddr)] = 0
    return addrs >> np.uint32(2), vals, wr


def image_table(image: MemoryImage) -> U32:
    """Preprocessed image table: columns ``w, v0..v3, wr, valid``; height a power of two."""
    w, v, wr = image_words(image)
    n = max(2, 1 << max(0, (w.size - 1).bit_length()))
    t = np.zeros((n, 7), dtype=np.uint32)
    t[: w.size, 0] = w
    t[: w.size, 1:5] = word_to_bytes(v)
    t[: w.size, 5] = wr
    t[: w.size, 6] = 1
    return t


class ImageAir(Air):
    """Sends every image word ``(w, v0..v3, wr)`` on ``BUS_IMAGE`` exactly once."""

    name = "image"
    main_width = 1  # m: the send multiplicity, forced equal to the preprocessed valid flag
    preprocessed_width = 7

    def __init__(self, table: U32, segmented: bool = False) -> None:
        self._table = table
        self.segmented = segmented

    def eval(self, b: AirBuilder) -> None:
        (m,) = b.main_local
        w, v0, v1, v2, v3, wr, valid = b.pre_local
        # segmented: only the first segment opens the image words (docs/segments.md)
        on = valid * b.public[PUB_SEG_FIRST] if self.segmented else valid
        b.assert_eq(m, on, "m_is_valid")
        b.send(BUS_IMAGE, [w, v0, v1, v2, v3, wr], m)

    def preprocessed_trace(self) -> U32:
        return self._table


# MemoryAir columns
M_VALID, M_W, M_V, M_IMG, M_WR, M_FTS, M_F = 0, 1, 2, 6, 7, 8, 9
M_LIMBS = 13  # lo1, hi1 (w - W_LO), lo2, hi2 (W_HI - w), lo3, hi3 (gap to the previous row)
MEMORY_WIDTH = 19
#: Segmented machine only: open (the word's first appearance in the execution), prev_seg (the
#: segment whose BUS_GLOBAL send this row receives) and sd = seg - prev_seg - 1 (< 2^16).
M_OPEN, M_PSEG, M_SD = 19, 20, 21
MEMORY_WIDTH_SEGMENTED = 22


def _range26(b: AirBuilder, lo: Expr, hi: Expr) -> None:
    """lo < 2^16 and hi < 2^10 (hi and 64 hi both < 2^16), so lo + 2^16 hi < 2^26."""
    b.send(BUS_RANGE16, [lo])
    b.send(BUS_RANGE16, [hi])
    b.send(BUS_RANGE16, [64 * hi])


class MemoryAir(Air):
    """RAM boundary: init and final value of every word used (see the module docstring)."""

    name = "memory"
    main_width = MEMORY_WIDTH
    #: 12 interactions: degree-3 helpers pair them (12 -> 6 helpers; docs/zkvm.md, proof size)
    logup_degree = 3

    def __init__(self, segmented: bool = False) -> None:
        self.segmented = segmented
        self.main_width = MEMORY_WIDTH_SEGMENTED if segmented else MEMORY_WIDTH

    def eval(self, b: AirBuilder) -> None:
        c, nx = b.main_local, b.main_next
        valid, w, img, wr, fts = c[M_VALID], c[M_W], c[M_IMG], c[M_WR], c[M_FTS]
        v, fin = c[M_V : M_V + 4], c[M_F : M_F + 4]
        lo1, hi1, lo2, hi2, lo3, hi3 = c[M_LIMBS : M_LIMBS + 6]
        for x, nm in ((valid, "valid"), (img, "img"), (wr, "wr")):
            b.assert_bool(x, f"{nm}_bool")
        b.when_transition().assert_zero(nx[M_VALID] * (1 - valid), "valid_prefix")
        b.assert_zero(img * (1 - valid), "img_valid")
        # A fresh word (valid, not from the image; segmented: opened here, not from the image)
        # starts at zero and writable.
        fresh = valid - img if not self.segmented else c[M_OPEN] - img
        b.assert_zero(fresh * (1 - wr), "fresh_writable")
        b.assert_zero((1 - valid) * wr, "pad_wr")
        for j in range(4):
            b.assert_zero((1 - img if not self.segmented else fresh) * v[j], f"fresh_zero{j}")
            b.assert_zero((1 - valid) * fin[j], f"pad_f{j}")
        b.assert_zero((1 - valid) * w, "pad_w")
        b.assert_zero((1 - valid) * fts, "pad_fts")
        # RAM bounds on every row and strictly increasing indices between valid rows.
        b.assert_zero(valid * (w - W_LO - lo1 - 65536 * hi1), "w_ge_ram_start")
        b.assert_zero(valid * (W_HI - w - lo2 - 65536 * hi2), "w_le_ram_end")
        gap = nx[M_W] - w - 1 - nx[M_LIMBS + 4] - 65536 * nx[M_LIMBS + 5]
        b.when_transition().assert_zero(nx[M_VALID] * gap, "w_increasing")
        b.when_first_row().assert_zero(lo3, "gap_lo_first")
        b.when_first_row().assert_zero(hi3, "gap_hi_first")
        for k, limb in enumerate((lo1, hi1, lo2, hi2, lo3, hi3)):
            b.assert_zero((1 - valid) * limb, f"pad_limb{k}")
        for lo, hi in ((lo1, hi1), (lo2, hi2), (lo3, hi3)):
            _range26(b, lo, hi)
        b.receive(BUS_IMAGE, [w, *v, wr], img)
        b.send(BUS_MEMORY, [4 * w, 0, *v, wr], valid)
        b.receive(BUS_MEMORY, [4 * w, fts, *fin, wr], valid)
        if self.segmented:
            self._global(b)

    def _global(self, b: AirBuilder) -> None:
        """The segment boundary (docs/segments.md, "The global memory bus"): a row that does not
        open its word receives ``(w, prev_seg, init, wr)`` with ``prev_seg < seg``; every row
        sends ``(w, seg, final, wr)`` unless this is the last segment. Image words open only
        in the first segment (``ImageAir`` sends only there), so ``img`` implies ``open``."""
        c = b.main_local
        valid, w, img, wr = c[M_VALID], c[M_W], c[M_IMG], c[M_WR]
        v, fin = c[M_V : M_V + 4], c[M_F : M_F + 4]
        opn, pseg, sd = c[M_OPEN], c[M_PSEG], c[M_SD]
        seg, last = b.public[PUB_SEG], b.public[PUB_SEG_LAST]
        b.assert_bool(opn, "open_bool")
        b.assert_zero(opn * (1 - valid), "open_valid")
        b.assert_zero(img * (1 - opn), "img_open")
        carried = valid - opn  # a row continuing an earlier segment's chain
        b.assert_zero(carried * (seg - pseg - 1 - sd), "prev_seg_before")
        b.assert_zero((1 - carried) * pseg, "prev_seg_off")
        b.assert_zero((1 - carried) * sd, "sd_off")
        b.send(BUS_RANGE16, [sd])
        b.receive(BUS_GLOBAL, [w, pseg, *v, wr], carried)
        b.send(BUS_GLOBAL, [w, seg, *fin, wr], valid * (1 - last))


# HaltAir: preprocessed k, first, sel0..sel7, active; main columns below
H_TS, H_PTS, H_LO, H_HI = 0, 1, 2, 3
HALT_WIDTH = 4


class HaltAir(Air):
    """Reads the journal state at HALT and exposes it as the public journal digest.

    Receives ``(ts,)`` from the CPU's HALT row on ``BUS_HALT`` (exactly one HALT per proof, by
    balance); row k reads journal register ``JOURNAL_REG + k`` at timestamp ``ts`` (after every
    CPU access), and its bytes, most significant first, must equal ``public[4k .. 4k+4]`` (the
    digest is the state words big-endian, as SHA-256 writes them). Rows 8.. are inactive (all
    zero, no bus traffic)."""

    name = "halt"
    main_width = HALT_WIDTH
    preprocessed_width = 11

    def __init__(self, segmented: bool = False) -> None:
        #: segmented: the HALT and the digest reads happen in the last segment only (a HALT row
        #: in any other segment has no receiver, so its BUS_HALT send cannot balance)
        self.segmented = segmented

    def eval(self, b: AirBuilder) -> None:
        c, nx = b.main_local, b.main_next
        k, first, *sel, active = b.pre_local
        nx_active = b.pre_next[10]
        ts, pts, lo, hi = c[H_TS], c[H_PTS], c[H_LO], c[H_HI]
        b.when_transition().assert_zero(nx_active * (nx[H_TS] - ts), "ts_const")
        b.assert_zero((1 - active) * ts, "inactive_ts")
        recv, en = first, active  # the one-proof machine: exactly these expressions
        if self.segmented:
            on = b.public[PUB_SEG_LAST]
            for col in range(HALT_WIDTH):
                b.assert_zero((1 - on) * c[col], f"not_last{col}")
            recv, en = first * on, active * on
        b.receive(BUS_HALT, [ts], recv)
        vals: list[Expr] = []
        for j in range(4):  # register byte j (little-endian) is digest byte 4k + 3 - j
            acc: Expr = sel[0] * b.public[PUB_DIGEST + 3 - j]
            for kk in range(1, 8):
                acc = acc + sel[kk] * b.public[PUB_DIGEST + 4 * kk + 3 - j]
            vals.append(acc)
        ts_check(b, ts, pts, lo, hi, en, "digest")
        mem_access(b, JOURNAL_REG + k, pts, ts, vals, vals, KIND_REG, en)
        b.send(BUS_RANGE16, [lo])
        b.send(BUS_BYTE, [int(ByteOp.RANGE), hi, 0, 0])

    def preprocessed_trace(self) -> U32:
        t = np.zeros((FIXED_HEIGHT, 11), dtype=np.uint32)
        t[:DIGEST_WORDS, 0] = np.arange(DIGEST_WORDS)
        t[0, 1] = 1
        t[np.arange(DIGEST_WORDS), 2 + np.arange(DIGEST_WORDS)] = 1
        t[:DIGEST_WORDS, 10] = 1
        return t
