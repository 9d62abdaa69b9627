"""The SHA-256 precompile tables: one compression per 64-row block of ``sha256``.

The CPU's SHA256 ECALL row (``a7 = 4``) sends ``BUS_ACCEL (4, T, a0 bytes, a1 bytes)``
(``T = 4 clk + 1``, its timestamp); the first row of exactly one *active* call block receives it.
A COMMIT row (``a7 = 2``) sends ``(2, T, 0, a1 bytes)`` and is received by a call block with
``jc = 1`` (journal commit): the same compression, with the machine's journal state (registers
``JOURNAL_REG + k``, :data:`~zkrv_prover.zkvm.memory.KIND_REG`) in place of memory at ``a0``.
Row ``r`` of a block is round ``r``: it holds the round's inputs ``a..h`` (``a, b, c, e, f, g`` as
32 bits, ``d, h`` as 16-bit limbs), the message word ``W_r`` (32 bits) and the round constant
``K_r``; it proves the round's outputs ``a_new = T1 + T2``, ``e_new = d + T1`` (mod 2^32, by
16-bit limbs with carries) and, for ``r < 63``, that the next row holds the shifted state.

- **Round constants and row flags** come from the fixed 64-row table ``sha256_k``
  (``BUS_SHA256_K (idx, K_lo, K_hi, first, last, blk, st, sched, mw, ms0, ms1)``); the round index
  runs ``0, 1, .., 63, 0, ..`` from the table's first row, so every block is a whole call.
- **Message schedule**: rows ``r < 16`` read ``W_r`` from memory (block word ``r`` at
  ``a1 + 4 r``, big-endian in memory order); rows ``r >= 16`` receive ``sigma1(W_(r-2))``,
  ``W_(r-7)``, ``sigma0(W_(r-15))``, ``W_(r-16)`` on the table's own bus ``BUS_SHA256``, keyed by
  the call's timestamp, from the rows that computed them, and prove ``W_r`` as their sum.
- **State in and out**: rows ``k < 8`` read-modify-write state word ``k`` at address ``sa``:
  ``a0 + 4 k`` in memory, or journal register ``JOURNAL_REG + k`` when ``jc`` (old bytes ``o``,
  new bytes ``n``); they send the old word to row 0 (which holds it as ``a..h``) and receive the
  round output word ``x_k`` from row 63, proving ``n = o + x_k mod 2^32``.
- **Memory**: block words are read at ``T + 1``, state words rewritten at ``T + 2`` (the CPU row
  touches only registers), with the CPU's timestamp-gap checks; ``docs/zkvm-accel.md`` has the
  soundness argument.

Padding blocks are *inactive* (``active = 0``, ``ts = 0``): a compression of zeros that touches no
memory and is received by no one. Trace generation is numpy over calls (Python loops over the 64
rounds and over columns only).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from zkrv_prover.executor.abi import ECALL_COMMIT, ECALL_SHA256, JOURNAL_REG
from zkrv_prover.executor.accel import SHA256_K
from zkrv_prover.executor.trace import SHA256_JOURNAL
from zkrv_prover.stark.air.air import Air, AirBuilder, Expr
from zkrv_prover.zkvm.bit_exprs import pack, xor
from zkrv_prover.zkvm.buses import (
    BUS_ACCEL,
    BUS_BYTE,
    BUS_RANGE16,
    BUS_SHA256,
    BUS_SHA256_K,
    ByteOp,
    word_to_bytes,
)
from zkrv_prover.zkvm.memory import KIND_REG, KIND_RW, mem_access, ts_check

U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]

#: Rows per compression (one per round).
ROWS_PER_CALL = 64
#: Tags of ``BUS_SHA256`` tuples ``(ts, tag, index, lo, hi)``.
TAG_W, TAG_S0, TAG_S1, TAG_IN, TAG_FIN = 0, 1, 2, 3, 4
#: Timestamp offsets (from the ECALL row's ``T = 4 clk + 1``) of the block reads and state writes.
BLOCK_TS, STATE_TS = 1, 2

#: Columns of the fixed table ``sha256_k`` (also the tuple of ``BUS_SHA256_K``).
K_FIELDS = ("idx", "k_lo", "k_hi", "first", "last", "blk", "st", "sched", "mw", "ms0", "ms1")

_BITS = ("a", "b", "c", "e", "f", "g", "w")
COLUMNS: tuple[str, ...] = (
    "ts",
    "active",
    "on",
    "jc",
    "sa",
    *K_FIELDS,
    *("sp0", "sp1", "sp2", "sp3", "bp0", "bp1", "bp2", "bp3"),
    *(f"{x}{j}" for x in _BITS for j in range(32)),
    *("d_lo", "d_hi", "h_lo", "h_hi"),
    *("an_lo", "an_hi", "en_lo", "en_hi", "ca_lo", "ca_hi", "ce_lo", "ce_hi"),
    *("sg0_lo", "sg0_hi", "sg1_lo", "sg1_hi"),
    *(f"x{i}_{p}" for i in range(1, 5) for p in ("lo", "hi")),
    *("cw_lo", "cw_hi"),
    *("pts_b", "lo_b", "hi_b", "wr_b"),
    *(f"o{j}" for j in range(4)),
    *(f"n{j}" for j in range(4)),
    *("fx_lo", "fx_hi", "cs_lo", "cs_hi", "pts_s", "lo_s", "hi_s"),
)
C = {name: i for i, name in enumerate(COLUMNS)}
WIDTH = len(COLUMNS)


@lru_cache(maxsize=1)
def k_table() -> U32:
    """The fixed ``sha256_k`` table (64 rows, :data:`K_FIELDS`): round index, round constant limbs
    and the row flags: first/last round, reads a block word (``r < 16``), owns a state word
    (``r < 8``), computes its schedule word (``r >= 16``), and how many later rows consume its
    ``W_r`` (``r + 7`` and ``r + 16`` when < 64, as ``W_(i-7)``, ``W_(i-16)`` of rows ``i >= 16``),
    its ``sigma0(W_r)`` (row ``r + 15 >= 16``) and its ``sigma1(W_r)`` (row ``r + 2 >= 16``)."""
    r = np.arange(ROWS_PER_CALL, dtype=np.int64)
    k = np.array(SHA256_K, dtype=np.int64)

    def used(i: I64) -> I64:
        return ((i >= 16) & (i < 64)).astype(np.int64)

    cols = [
        r,
        k & 0xFFFF,
        k >> 16,
        (r == 0).astype(np.int64),
        (r == 63).astype(np.int64),
        (r < 16).astype(np.int64),
        (r < 8).astype(np.int64),
        (r >= 16).astype(np.int64),
        used(r + 7) + used(r + 16),
        used(r + 15),
        used(r + 2),
    ]
    out = np.stack(cols, axis=1).astype(np.uint32)
    out.flags.writeable = False
    return out


def _limbs(bits: Sequence[Expr]) -> tuple[Expr, Expr]:
    """The 16-bit limbs of a 32-bit value given by its bits (little-endian)."""
    return pack(bits[:16]), pack(bits[16:32])


def _rot_xor(v: Sequence[Expr], r1: int, r2: int, r3: int, shift: bool) -> list[Expr]:
    """Bits of ``rotr(v, r1) ^ rotr(v, r2) ^ (v >> r3 if shift else rotr(v, r3))``."""
    out = []
    for j in range(32):
        z = None if shift and j + r3 >= 32 else v[(j + r3) % 32]
        out.append(xor(v[(j + r1) % 32], v[(j + r2) % 32], z))
    return out


class Sha256Air(Air):
    """SHA-256 compressions, 64 rows each (module docstring; ``docs/zkvm-accel.md``)."""

    name = "sha256"
    main_width = WIDTH
    #: ~45 interactions: pair them on degree-3 helpers (the table is degree 3 anyway)
    logup_degree = 3
    static_layout = True

    def eval(self, b: AirBuilder) -> None:
        cl, cn = b.main_local, b.main_next

        def v(name: str) -> Expr:
            return cl[C[name]]

        def nx(name: str) -> Expr:
            return cn[C[name]]

        def bits(x: str, row: list[Expr]) -> list[Expr]:
            return [row[C[f"{x}{j}"]] for j in range(32)]

        a, bb, c, e, f, g, w = (bits(x, cl) for x in _BITS)
        ts, active, on, idx = v("ts"), v("active"), v("on"), v("idx")
        first, last, blk, st, sched = v("first"), v("last"), v("blk"), v("st"), v("sched")
        nl = 1 - last
        ptr_s = [v("sp0"), v("sp1"), v("sp2"), v("sp3")]
        ptr_b = [v("bp0"), v("bp1"), v("bp2"), v("bp3")]

        # -- the table switch: on = 1 on every row, or 0 on every row and then every external
        # interaction is off (an unused table: all-zero rows, ``prover.empty_tables``) ------
        b.assert_bool(on, "on_bool")
        b.when_transition().assert_eq(nx("on"), on, "on_const")
        b.assert_zero(active * (1 - on), "active_on")
        # -- round index and row flags (fixed table), call constants --------------------------
        b.send(BUS_SHA256_K, [v(nm) for nm in K_FIELDS], on)
        b.when_first_row().assert_zero(idx, "idx_first")
        b.when_transition().assert_zero(on * (nx("idx") - (idx + 1) * nl), "idx_step")
        jc = v("jc")
        b.assert_bool(active, "active_bool")
        b.assert_bool(jc, "jc_bool")
        b.assert_zero((1 - active) * ts, "inactive_ts")
        b.assert_zero((1 - active) * jc, "jc_active")
        consts = ("ts", "active", "jc", "sp0", "sp1", "sp2", "sp3", "bp0", "bp1", "bp2", "bp3")
        for nm in consts:
            b.when_transition().assert_zero(nl * (nx(nm) - v(nm)), f"{nm}_const")
        for nm in ("sp0", "sp1", "sp2", "sp3", "bp0", "bp1", "bp2", "bp3"):
            b.assert_zero((1 - active) * v(nm), f"{nm}_inactive")
        for j, nm in enumerate(("sp0", "sp1", "sp2", "sp3")):
            b.assert_zero(jc * v(nm), f"commit_a0_zero{j}")
        # the CPU's SHA256 ECALL: a0 = state pointer, a1 = block pointer (both word-aligned);
        # its COMMIT: a0 = 0, a1 = block pointer (jc = 1: the journal registers are the state)
        a0 = [4 * ptr_s[0], *ptr_s[1:]]
        a1 = [4 * ptr_b[0], *ptr_b[1:]]
        ecall_id = ECALL_SHA256 + (ECALL_COMMIT - ECALL_SHA256) * jc
        b.receive(BUS_ACCEL, [ecall_id, ts, *a0, *a1], active * first)
        b.send(BUS_BYTE, [int(ByteOp.RANGE), ptr_s[0], ptr_b[0], 0], on)

        # -- bits ----------------------------------------------------------------------------
        for nm_bits, col_bits in zip(_BITS, (a, bb, c, e, f, g, w), strict=True):
            for j in range(32):
                b.assert_bool(col_bits[j], f"{nm_bits}{j}_bool")

        # -- round function ------------------------------------------------------------------
        big_s0 = _limbs(_rot_xor(a, 2, 13, 22, False))
        big_s1 = _limbs(_rot_xor(e, 6, 11, 25, False))
        maj = _limbs(
            [a[j] * bb[j] + a[j] * c[j] + bb[j] * c[j] - 2 * a[j] * bb[j] * c[j] for j in range(32)]
        )
        ch = _limbs([e[j] * f[j] + g[j] - e[j] * g[j] for j in range(32)])
        wl = _limbs(w)
        d, h = (v("d_lo"), v("d_hi")), (v("h_lo"), v("h_hi"))
        k = (v("k_lo"), v("k_hi"))
        t1 = [h[i] + big_s1[i] + ch[i] + k[i] + wl[i] for i in range(2)]
        t2 = [big_s0[i] + maj[i] for i in range(2)]
        an, en = (v("an_lo"), v("an_hi")), (v("en_lo"), v("en_hi"))
        ca, ce = (v("ca_lo"), v("ca_hi")), (v("ce_lo"), v("ce_hi"))
        b.assert_eq(an[0] + 65536 * ca[0], t1[0] + t2[0], "a_new_lo")
        b.assert_eq(an[1] + 65536 * ca[1], t1[1] + t2[1] + ca[0], "a_new_hi")
        b.assert_eq(en[0] + 65536 * ce[0], d[0] + t1[0], "e_new_lo")
        b.assert_eq(en[1] + 65536 * ce[1], d[1] + t1[1] + ce[0], "e_new_hi")
        for limb in (*an, *en):
            b.send(BUS_RANGE16, [limb], on)
        b.send(BUS_BYTE, [int(ByteOp.RANGE), ca[0], ca[1], 0], on)
        b.send(BUS_BYTE, [int(ByteOp.RANGE), ce[0], ce[1], 0], on)

        # -- next row: the shifted state -----------------------------------------------------
        al, bl, cl_, el, fl, gl = (_limbs(x) for x in (a, bb, c, e, f, g))
        nb = {nm_bits: _limbs(bits(nm_bits, cn)) for nm_bits in ("a", "b", "c", "e", "f", "g")}
        copies = [
            ("a", nb["a"], an),
            ("b", nb["b"], al),
            ("c", nb["c"], bl),
            ("d", (nx("d_lo"), nx("d_hi")), cl_),
            ("e", nb["e"], en),
            ("f", nb["f"], el),
            ("g", nb["g"], fl),
            ("h", (nx("h_lo"), nx("h_hi")), gl),
        ]
        for nm, new, old in copies:
            for i, part in enumerate(("lo", "hi")):
                b.when_transition().assert_zero(nl * (new[i] - old[i]), f"next_{nm}_{part}")

        # -- message schedule ----------------------------------------------------------------
        sg0, sg1 = (v("sg0_lo"), v("sg0_hi")), (v("sg1_lo"), v("sg1_hi"))
        s0e = _limbs(_rot_xor(w, 7, 18, 3, True))
        s1e = _limbs(_rot_xor(w, 17, 19, 10, True))
        for i in range(2):
            b.assert_eq(sg0[i], s0e[i], f"sigma0_{i}")
            b.assert_eq(sg1[i], s1e[i], f"sigma1_{i}")
        b.send(BUS_SHA256, [ts, TAG_W, idx, *wl], v("mw"))
        b.send(BUS_SHA256, [ts, TAG_S0, idx, *sg0], v("ms0"))
        b.send(BUS_SHA256, [ts, TAG_S1, idx, *sg1], v("ms1"))
        xs = [(v(f"x{i}_lo"), v(f"x{i}_hi")) for i in range(1, 5)]
        for (tag, back), x in zip(
            ((TAG_S1, 2), (TAG_W, 7), (TAG_S0, 15), (TAG_W, 16)), xs, strict=True
        ):
            b.receive(BUS_SHA256, [ts, tag, idx - back, *x], sched)
        cw = (v("cw_lo"), v("cw_hi"))
        sum_lo = xs[0][0] + xs[1][0] + xs[2][0] + xs[3][0]
        sum_hi = xs[0][1] + xs[1][1] + xs[2][1] + xs[3][1] + cw[0]
        b.assert_zero(sched * (wl[0] + 65536 * cw[0] - sum_lo), "schedule_lo")
        b.assert_zero(sched * (wl[1] + 65536 * cw[1] - sum_hi), "schedule_hi")
        for nm in ("cw_lo", "cw_hi", *(f"x{i}_{p}" for i in range(1, 5) for p in ("lo", "hi"))):
            b.assert_zero((1 - sched) * v(nm), f"{nm}_off")
        b.send(BUS_BYTE, [int(ByteOp.RANGE), cw[0], cw[1], 0], on)

        # -- block words: memory reads at T + 1 ------------------------------------------------
        blk_en = active * blk
        wbyte = [pack(w[8 * t : 8 * t + 8]) for t in range(4)]
        mem_b = [wbyte[3], wbyte[2], wbyte[1], wbyte[0]]  # W is big-endian in memory
        addr_b = _word(a1) + 4 * idx
        wr_b = v("wr_b")
        b.assert_bool(wr_b, "wr_b_bool")
        b.assert_zero((1 - blk_en) * wr_b, "wr_b_off")
        ts_check(b, ts + BLOCK_TS, v("pts_b"), v("lo_b"), v("hi_b"), blk_en, "block")
        mem_access(b, addr_b, v("pts_b"), ts + BLOCK_TS, mem_b, mem_b, wr_b, blk_en)

        # -- state words: in (to row 0), out (from row 63), rewritten at T + 2 ------------------
        o = [v(f"o{j}") for j in range(4)]
        n = [v(f"n{j}") for j in range(4)]
        fx, cs = (v("fx_lo"), v("fx_hi")), (v("cs_lo"), v("cs_hi"))
        b.send(BUS_SHA256, [ts, TAG_IN, idx, o[0] + 256 * o[1], o[2] + 256 * o[3]], st)
        b.receive(BUS_SHA256, [ts, TAG_FIN, idx, *fx], st)
        b.assert_bool(cs[0], "cs_lo_bool")
        b.assert_bool(cs[1], "cs_hi_bool")
        b.assert_zero(
            st * (n[0] + 256 * n[1] + 65536 * cs[0] - o[0] - 256 * o[1] - fx[0]), "out_lo"
        )
        b.assert_zero(
            st * (n[2] + 256 * n[3] + 65536 * cs[1] - o[2] - 256 * o[3] - fx[1] - cs[0]), "out_hi"
        )
        for nm in (*(f"o{j}" for j in range(4)), *(f"n{j}" for j in range(4)), "fx_lo", "fx_hi"):
            b.assert_zero((1 - st) * v(nm), f"{nm}_off")
        for nm in ("cs_lo", "cs_hi"):
            b.assert_zero((1 - st) * v(nm), f"{nm}_off")
        b.send(BUS_BYTE, [int(ByteOp.RANGE), n[0], n[1], 0], on)
        b.send(BUS_BYTE, [int(ByteOp.RANGE), n[2], n[3], 0], on)
        st_en = active * st
        # state word idx: memory a0 + 4 idx, or (jc, a0 = 0) journal register JOURNAL_REG + idx
        sa = v("sa")
        b.assert_zero(st * (sa - _word(a0) - 4 * idx - jc * (JOURNAL_REG - 3 * idx)), "sa")
        b.assert_zero((1 - st) * sa, "sa_off")
        kind = KIND_RW + (KIND_REG - KIND_RW) * jc
        ts_check(b, ts + STATE_TS, v("pts_s"), v("lo_s"), v("hi_s"), st_en, "state")
        mem_access(b, sa, v("pts_s"), ts + STATE_TS, o, n, kind, st_en)
        b.send(BUS_RANGE16, [v("lo_b")], on)
        b.send(BUS_RANGE16, [v("lo_s")], on)
        b.send(BUS_BYTE, [int(ByteOp.RANGE), v("hi_b"), v("hi_s"), 0], on)

        # row 0 takes the state in; row 63 hands a_new, a, b, c, e_new, e, f, g out
        state_in = [al, bl, cl_, d, el, fl, gl, h]
        for kk, (lo, hi) in enumerate(state_in):
            b.receive(BUS_SHA256, [ts, TAG_IN, kk, lo, hi], first)
        state_out = [an, al, bl, cl_, en, el, fl, gl]
        for kk, (lo, hi) in enumerate(state_out):
            b.send(BUS_SHA256, [ts, TAG_FIN, kk, lo, hi], last)


class Sha256KAir(Air):
    """The fixed 64-row table of round constants and row flags (:func:`k_table`), received on
    ``BUS_SHA256_K`` with a free multiplicity."""

    name = "sha256_k"
    main_width = 1
    preprocessed_width = len(K_FIELDS)

    def eval(self, b: AirBuilder) -> None:
        b.receive(BUS_SHA256_K, list(b.pre_local), b.main_local[0])

    def preprocessed_trace(self) -> U32:
        return k_table()


def _word(bs: Sequence[Expr]) -> Expr:
    return bs[0] + 256 * bs[1] + 65536 * bs[2] + 16777216 * bs[3]


# -- trace generation ------------------------------------------------------------------------
_M32 = np.uint64(0xFFFFFFFF)


def _rotr(x: npt.NDArray[np.uint64], n: int) -> npt.NDArray[np.uint64]:
    return ((x >> np.uint64(n)) | (x << np.uint64(32 - n))) & _M32


def _bits(x: npt.NDArray[np.uint64]) -> U32:
    """(..., 32) little-endian bits."""
    return ((x[..., None] >> np.arange(32, dtype=np.uint64)) & np.uint64(1)).astype(np.uint32)


def _lo(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    return x & np.uint64(0xFFFF)


def _hi(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    return x >> np.uint64(16)


def _rounds(
    calls: U32,
) -> tuple[
    npt.NDArray[np.uint64],
    npt.NDArray[np.uint64],
    npt.NDArray[np.uint64],
    dict[str, npt.NDArray[np.uint64]],
]:
    """Every call's schedule ``W (k, 64)``, ``A, E (k, 68)`` with ``A[:, r + 3]`` the ``a`` at
    the start of round ``r`` (r = -3 .. 64) and the round functions ``(k, 64)`` by name."""
    u64 = np.uint64
    m = calls.shape[0]
    st0 = calls[:, 2:10].astype(u64)
    # the schedule: memory words are little-endian, SHA-256 words big-endian
    bw = calls[:, 10:26].astype(np.uint32).byteswap().astype(u64)
    W = np.zeros((m, 64), dtype=u64)
    W[:, :16] = bw
    for i in range(16, 64):
        x, y = W[:, i - 15], W[:, i - 2]
        s0 = _rotr(x, 7) ^ _rotr(x, 18) ^ (x >> u64(3))
        s1 = _rotr(y, 17) ^ _rotr(y, 19) ^ (y >> u64(10))
        W[:, i] = (W[:, i - 16] + s0 + W[:, i - 7] + s1) & _M32
    # A[:, r + 3] = a at the start of round r (r = -3 .. 64); likewise E
    A = np.zeros((m, 68), dtype=u64)
    E = np.zeros((m, 68), dtype=u64)
    for j in range(4):
        A[:, 3 - j] = st0[:, j]
        E[:, 3 - j] = st0[:, 4 + j]
    K = np.array(SHA256_K, dtype=u64)
    big: dict[str, list[npt.NDArray[np.uint64]]] = {nm: [] for nm in ("s0", "s1", "maj", "ch")}
    for r in range(64):
        a, b, c, d = A[:, r + 3], A[:, r + 2], A[:, r + 1], A[:, r]
        e, f, g, h = E[:, r + 3], E[:, r + 2], E[:, r + 1], E[:, r]
        big["s0"].append(_rotr(a, 2) ^ _rotr(a, 13) ^ _rotr(a, 22))
        big["s1"].append(_rotr(e, 6) ^ _rotr(e, 11) ^ _rotr(e, 25))
        big["maj"].append((a & b) ^ (a & c) ^ (b & c))
        big["ch"].append((e & f) ^ (~e & g & _M32))
        t1 = (h + big["s1"][-1] + big["ch"][-1] + K[r] + W[:, r]) & _M32
        t2 = big["s0"][-1] + big["maj"][-1]
        A[:, r + 4] = (t1 + t2) & _M32
        E[:, r + 4] = (d + t1) & _M32
    return W, A, E, {nm: np.stack(x, axis=1) for nm, x in big.items()}


def compress_calls(calls: U32) -> U32:
    """The state words each call of ``calls`` (``Trace.sha256_calls`` rows) writes."""
    _, A, E, _ = _rounds(calls)
    out = np.concatenate([A[:, 67:63:-1], E[:, 67:63:-1]], axis=1)
    return ((calls[:, 2:10].astype(np.uint64) + out) & _M32).astype(np.uint32)


def sha256_trace(
    calls: U32,
    ts: I64,
    block_pts: I64,
    block_wr: U32,
    state_pts: I64,
    height_calls: int,
) -> U32:
    """The ``sha256`` trace for ``calls`` (``Trace.sha256_calls`` rows: a0, a1, old state, block
    words as stored, journal flag) made at timestamps ``ts`` (the ECALL rows' ``4 clk + 1``),
    with the previous timestamps of their block reads ``(k, 16)`` and state writes ``(k, 8)``
    and the block words' writability. ``height_calls`` (a power of two >= the call count) blocks
    of 64 rows; the rest are inactive compressions of zeros. Without calls the table is switched
    off: all zero."""
    k = calls.shape[0]
    m = height_calls
    if m < max(k, 1) or m & (m - 1):
        raise ValueError("height_calls must be a power of two >= the number of calls")
    if k == 0:
        return np.zeros((m * ROWS_PER_CALL, WIDTH), dtype=np.uint32)
    u64 = np.uint64
    st0 = np.zeros((m, 8), dtype=u64)
    st0[:k] = calls[:, 2:10]
    padded = np.zeros((m, calls.shape[1]), dtype=np.uint32)
    padded[:k] = calls
    W, A, E, big = _rounds(padded)
    K = np.array(SHA256_K, dtype=u64)
    s0, s1, maj, ch = (big[nm] for nm in ("s0", "s1", "maj", "ch"))
    a_in, b_in, c_in, d_in = A[:, 3:67], A[:, 2:66], A[:, 1:65], A[:, 0:64]
    e_in, f_in, g_in, h_in = E[:, 3:67], E[:, 2:66], E[:, 1:65], E[:, 0:64]
    a_new, e_new = A[:, 4:68], E[:, 4:68]
    kk = np.broadcast_to(K, (m, 64))

    tr = np.zeros((m, 64, WIDTH), dtype=np.uint32)
    tsc = np.zeros(m, dtype=np.int64)
    tsc[:k] = ts
    tr[:, :, C["ts"]] = tsc[:, None]
    tr[:k, :, C["active"]] = 1
    tr[:, :, C["on"]] = 1
    jc = calls[:, SHA256_JOURNAL]
    tr[:k, :, C["jc"]] = jc[:, None]
    rows8 = np.arange(8, dtype=np.int64)
    sa = np.zeros((m, 8), dtype=np.int64)  # inactive blocks: a0 = 0, so 4 idx
    sa[:] = 4 * rows8
    sa[:k] = np.where(
        jc[:, None] == 1, JOURNAL_REG + rows8, calls[:, :1].astype(np.int64) + 4 * rows8
    )
    tr[:, :8, C["sa"]] = sa
    kt = k_table()
    for j, nm in enumerate(K_FIELDS):
        tr[:, :, C[nm]] = kt[:, j]
    sp = word_to_bytes(calls[:, 0].astype(np.uint32))
    bp = word_to_bytes(calls[:, 1].astype(np.uint32))
    for j, nm in enumerate(("sp0", "sp1", "sp2", "sp3")):
        tr[:k, :, C[nm]] = (sp[:, j] >> 2 if j == 0 else sp[:, j])[:, None]
    for j, nm in enumerate(("bp0", "bp1", "bp2", "bp3")):
        tr[:k, :, C[nm]] = (bp[:, j] >> 2 if j == 0 else bp[:, j])[:, None]
    for nm, val in zip(_BITS, (a_in, b_in, c_in, e_in, f_in, g_in, W), strict=True):
        tr[:, :, C[f"{nm}0"] : C[f"{nm}0"] + 32] = _bits(val)

    def put(prefix: str, val: npt.NDArray[np.uint64]) -> None:
        tr[:, :, C[f"{prefix}_lo"]] = _lo(val)
        tr[:, :, C[f"{prefix}_hi"]] = _hi(val)

    put("d", d_in)
    put("h", h_in)
    put("an", a_new)
    put("en", e_new)
    t1_lo = _lo(h_in) + _lo(s1) + _lo(ch) + _lo(kk) + _lo(W)
    t1_hi = _hi(h_in) + _hi(s1) + _hi(ch) + _hi(kk) + _hi(W)
    ca_lo = (t1_lo + _lo(s0) + _lo(maj)) >> u64(16)
    ca_hi = (t1_hi + _hi(s0) + _hi(maj) + ca_lo) >> u64(16)
    ce_lo = (_lo(d_in) + t1_lo) >> u64(16)
    ce_hi = (_hi(d_in) + t1_hi + ce_lo) >> u64(16)
    for nm, val in (("ca_lo", ca_lo), ("ca_hi", ca_hi), ("ce_lo", ce_lo), ("ce_hi", ce_hi)):
        tr[:, :, C[nm]] = val
    sig0 = _rotr(W, 7) ^ _rotr(W, 18) ^ (W >> u64(3))
    sig1 = _rotr(W, 17) ^ _rotr(W, 19) ^ (W >> u64(10))
    put("sg0", sig0)
    put("sg1", sig1)
    # schedule rows: the four summands and the carries
    terms = (sig1[:, 14:62], W[:, 9:57], sig0[:, 1:49], W[:, 0:48])
    for i, tv in enumerate(terms, start=1):
        tr[:, 16:, C[f"x{i}_lo"]] = _lo(tv)
        tr[:, 16:, C[f"x{i}_hi"]] = _hi(tv)
    cw_lo = sum(_lo(tv) for tv in terms) >> u64(16)
    cw_hi = (sum(_hi(tv) for tv in terms) + cw_lo) >> u64(16)
    tr[:, 16:, C["cw_lo"]] = cw_lo
    tr[:, 16:, C["cw_hi"]] = cw_hi
    # block reads (active calls, rows 0..15)
    gap_b = ts[:, None] + BLOCK_TS - block_pts - 1
    tr[:k, :16, C["pts_b"]] = block_pts
    tr[:k, :16, C["lo_b"]] = gap_b & 0xFFFF
    tr[:k, :16, C["hi_b"]] = gap_b >> 16
    tr[:k, :16, C["wr_b"]] = block_wr
    # state rows 0..7: old, new, the round output word, carries
    out = np.concatenate([A[:, 67:63:-1], E[:, 67:63:-1]], axis=1)  # a_64, a_63, .., e_61
    new = (st0 + out) & _M32
    tr[:, :8, C["o0"] : C["o0"] + 4] = word_to_bytes(st0.astype(np.uint32))
    tr[:, :8, C["n0"] : C["n0"] + 4] = word_to_bytes(new.astype(np.uint32))
    tr[:, :8, C["fx_lo"]] = _lo(out)
    tr[:, :8, C["fx_hi"]] = _hi(out)
    cs_lo = (_lo(st0) + _lo(out)) >> u64(16)
    tr[:, :8, C["cs_lo"]] = cs_lo
    tr[:, :8, C["cs_hi"]] = (_hi(st0) + _hi(out) + cs_lo) >> u64(16)
    gap_s = ts[:, None] + STATE_TS - state_pts - 1
    tr[:k, :8, C["pts_s"]] = state_pts
    tr[:k, :8, C["lo_s"]] = gap_s & 0xFFFF
    tr[:k, :8, C["hi_s"]] = gap_s >> 16
    return tr.reshape(m * ROWS_PER_CALL, WIDTH)


def k_trace(height_calls: int, calls: int) -> U32:
    """The ``sha256_k`` multiplicities: every round row is looked up once per block, or never
    when there are no ``calls`` (the ``sha256`` table switched off)."""
    return np.full((ROWS_PER_CALL, 1), height_calls if calls else 0, dtype=np.uint32)
