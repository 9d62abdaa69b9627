"""The MODMUL256 precompile table: one 256-bit modular multiplication per row of ``modmul256``.

The CPU's MODMUL256 ECALL row (``a7 = 6``) sends ``BUS_ACCEL (6, T, a0 bytes, a1 bytes)``
(``T = 4 clk + 1``); exactly one *active* row receives it. The row holds, as bytes
(little-endian, least significant first):

- ``x``: the 24 input words read at ``a1 + 4 i`` at ``T + 1``: ``a`` (words 0..7), ``b`` (8..15),
  ``m`` (16..23); their bytes come from the memory argument, so they are bytes;
- ``o``, ``r``: the 8 result words at ``a0 + 4 k`` before and after the call, rewritten at
  ``T + 2`` (kind :data:`~zkrv_prover.zkvm.memory.KIND_RW`: the words must be writable);
- ``q``: the 64-byte quotient; ``z`` = [m = 0] (with ``zi``, the inverse of m's byte sum);
- ``cc``: 95 carries, offset by 2^15 (by ``2^15 on``: zero in an unused table);
- ``d``, ``bw``: the 16-bit limbs and borrows of ``M' - 1 - r``, where ``M' = m + 2^256 z``
  is the modulus (m = 0 means 2^256).

It proves ``a b = q M' + r`` as integers and ``r < M'``, so ``r = a b mod M'``:

- **product**: as polynomials in the bytes, ``A(x) B(x) - Q(x) M'(x) - R(x) = (x - 256) C(x)``,
  i.e. for every coefficient ``i = 0..95``: ``ab_i - qm_i - r_i + c_(i-1) - 256 c_i = 0`` with
  ``c_(-1) = c_95 = 0``. Each ``|c_i| < 2^14``, so the carries are looked up on ``BUS_RANGE16``
  as ``cc_i = c_i + 2^15``; every coefficient equation is below ``2^24`` in absolute value, far
  below ``p``, so it holds over the integers and the telescoping sum gives the identity at 256.
- **range**: ``M' - 1 - r = sum d_i 2^(16 i) >= 0`` by 16-bit limbs with borrows, the last
  borrow being ``z`` (``d_i`` on ``BUS_RANGE16``, borrows boolean).
- ``z``: ``z * S = 0``, ``active - z - S zi = 0`` and ``z zi = 0``, with ``S`` the byte sum
  of ``m`` (``0 <= S < 2^13``, zero exactly when ``m = 0``).
- ``q`` and ``r`` bytes are range checked in pairs on ``BUS_BYTE``.

``docs/zkvm-accel.md`` has the soundness argument and the bounds. Inactive rows (``active = 0``)
hold zeros (carries at their offset) and touch nothing; a table without calls is switched off
(``on = 0``, all zero). Trace generation is numpy over calls, except the quotient and remainder
(Python integers, one division per call).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from zkrv_prover.executor.abi import ECALL_MODMUL256
from zkrv_prover.stark.air import symbolic_eval as se
from zkrv_prover.stark.air.air import Air, AirBuilder, Expr
from zkrv_prover.zkvm.buses import BUS_ACCEL, BUS_BYTE, BUS_RANGE16, ByteOp, word_to_bytes
from zkrv_prover.zkvm.memory import KIND_RW, mem_access, ts_check

U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]

#: Input words (a, b, m) and result words of one call.
IN_WORDS, OUT_WORDS = 24, 8
#: Bytes of one operand, of the quotient, and coefficients of the product identity.
NB, NQ, NCOEF = 32, 64, 96
#: Offset that makes the (signed) carries non-negative 16-bit values.
CARRY_OFFSET = 1 << 15
#: Timestamp offsets (from the ECALL row's ``T = 4 clk + 1``) of the input reads and result writes.
IN_TS, OUT_TS = 1, 2

COLUMNS: tuple[str, ...] = (
    "ts",
    "active",
    "on",
    *(f"op{j}" for j in range(4)),
    *(f"ip{j}" for j in range(4)),
    *(f"x{i}" for i in range(4 * IN_WORDS)),
    *(f"o{i}" for i in range(4 * OUT_WORDS)),
    *(f"r{i}" for i in range(NB)),
    *(f"q{i}" for i in range(NQ)),
    *(f"cc{i}" for i in range(NCOEF - 1)),
    "z",
    "zi",
    *(f"d{i}" for i in range(16)),
    *(f"bw{i}" for i in range(15)),
    *(f"wr{i}" for i in range(IN_WORDS)),
    *(f"{p}_i{i}" for i in range(IN_WORDS) for p in ("pts", "lo", "hi")),
    *(f"{p}_o{k}" for k in range(OUT_WORDS) for p in ("pts", "lo", "hi")),
)
C = {name: i for i, name in enumerate(COLUMNS)}
WIDTH = len(COLUMNS)


def _word(bs: Sequence[Expr]) -> Expr:
    return bs[0] + 256 * bs[1] + 65536 * bs[2] + 16777216 * bs[3]


class ModMul256Air(Air):
    """256-bit modular multiplications, one row each (module docstring; ``docs/zkvm-accel.md``)."""

    name = "modmul256"
    main_width = WIDTH
    static_layout = True
    #: ~270 interactions on a degree-2 table: three per helper column
    logup_degree = 4

    def eval(self, b: AirBuilder) -> None:
        cl = b.main_local

        def v(name: str) -> Expr:
            return cl[C[name]]

        def vs(prefix: str, n: int) -> list[Expr]:
            return [v(f"{prefix}{i}") for i in range(n)]

        ts, active, on = v("ts"), v("active"), v("on")
        x, o, r, q = vs("x", 4 * IN_WORDS), vs("o", 4 * OUT_WORDS), vs("r", NB), vs("q", NQ)
        a, bb, m = x[:NB], x[NB : 2 * NB], x[2 * NB :]
        z, zi = v("z"), v("zi")
        rng = int(ByteOp.RANGE)

        # -- the table switch (as sha256): on is 1 on every row or 0 on every row ---------------
        b.assert_bool(on, "on_bool")
        b.when_transition().assert_eq(b.main_next[C["on"]], on, "on_const")
        b.assert_bool(active, "active_bool")
        b.assert_zero(active * (1 - on), "active_on")
        b.assert_zero((1 - active) * ts, "inactive_ts")

        # -- the call: a0 = result pointer, a1 = input pointer (both word-aligned) -------------
        ptr_o, ptr_i = vs("op", 4), vs("ip", 4)
        for nm, p in (("op", ptr_o), ("ip", ptr_i)):
            for j in range(4):
                b.assert_zero((1 - active) * p[j], f"{nm}{j}_inactive")
        a0 = [4 * ptr_o[0], *ptr_o[1:]]
        a1 = [4 * ptr_i[0], *ptr_i[1:]]
        b.receive(BUS_ACCEL, [ECALL_MODMUL256, ts, *a0, *a1], active)
        b.send(BUS_BYTE, [rng, ptr_o[0], ptr_i[0], 0], on)

        # -- memory: 24 input words read at T + 1, 8 result words rewritten at T + 2 -----------
        for i in range(IN_WORDS):
            wr = v(f"wr{i}")
            b.assert_bool(wr, f"wr{i}_bool")
            b.assert_zero((1 - active) * wr, f"wr{i}_off")
            pts = v(f"pts_i{i}")
            ts_check(b, ts + IN_TS, pts, v(f"lo_i{i}"), v(f"hi_i{i}"), active, f"in{i}")
            word = x[4 * i : 4 * i + 4]
            mem_access(b, _word(a1) + 4 * i, pts, ts + IN_TS, word, word, wr, active)
        for k in range(OUT_WORDS):
            pts = v(f"pts_o{k}")
            ts_check(b, ts + OUT_TS, pts, v(f"lo_o{k}"), v(f"hi_o{k}"), active, f"out{k}")
            old, new = o[4 * k : 4 * k + 4], r[4 * k : 4 * k + 4]
            mem_access(b, _word(a0) + 4 * k, pts, ts + OUT_TS, old, new, KIND_RW, active)
        los = [v(f"lo_i{i}") for i in range(IN_WORDS)] + [v(f"lo_o{k}") for k in range(OUT_WORDS)]
        his = [v(f"hi_i{i}") for i in range(IN_WORDS)] + [v(f"hi_o{k}") for k in range(OUT_WORDS)]
        for lo in los:
            b.send(BUS_RANGE16, [lo], on)
        for j in range(0, len(his), 2):
            b.send(BUS_BYTE, [rng, his[j], his[j + 1], 0], on)

        # -- the modulus M' = m + 2^256 z: z = [m = 0] -----------------------------------------
        s_m: Expr = m[0]
        for t in m[1:]:
            s_m = s_m + t
        b.assert_bool(z, "z_bool")
        b.assert_zero(z * s_m, "z_m_zero")
        b.assert_zero(active - z - s_m * zi, "z_m_nonzero")
        b.assert_zero(z * zi, "z_inv_zero")
        mp = [*m, z]

        # -- a b = q M' + r: coefficient by coefficient, with carries ------------------------
        # (the offset is switched with the table, so that an unused table is all zero)
        carry = [v(f"cc{i}") - CARRY_OFFSET * on for i in range(NCOEF - 1)]
        for i in range(NCOEF):
            lhs: Expr = Expr.lift(0)
            for j in range(max(0, i - NB + 1), min(i, NB - 1) + 1):
                lhs = lhs + a[j] * bb[i - j]
            for j in range(max(0, i - len(mp) + 1), min(i, NQ - 1) + 1):
                lhs = lhs - q[j] * mp[i - j]
            if i < NB:
                lhs = lhs - r[i]
            if i > 0:
                lhs = lhs + carry[i - 1]
            if i < NCOEF - 1:
                lhs = lhs - 256 * carry[i]
            b.assert_zero(lhs, f"coef{i}")
        for i in range(NCOEF - 1):
            b.send(BUS_RANGE16, [v(f"cc{i}")], on)

        # -- r < M': M' - 1 - r = sum d_i 2^(16 i) by limbs, borrows bw_i, the last one z ------
        borrow = [*vs("bw", 15), z]
        for i, bw in enumerate(borrow[:15]):
            b.assert_bool(bw, f"bw{i}_bool")
        for i in range(16):
            m16 = m[2 * i] + 256 * m[2 * i + 1]
            r16 = r[2 * i] + 256 * r[2 * i + 1]
            val = m16 - r16 + 65536 * borrow[i] - v(f"d{i}")
            val = val - (active if i == 0 else borrow[i - 1])
            b.assert_zero(val, f"lt_limb{i}")
            b.send(BUS_RANGE16, [v(f"d{i}")], on)

        # -- result and quotient bytes -------------------------------------------------------
        for j in range(0, NB, 2):
            b.send(BUS_BYTE, [rng, r[j], r[j + 1], 0], on)
        for j in range(0, NQ, 2):
            b.send(BUS_BYTE, [rng, q[j], q[j + 1], 0], on)


# -- trace generation ------------------------------------------------------------------------
def _bytes_of(words: U32) -> I64:
    """(k, w) words -> (k, 4 w) little-endian bytes."""
    return word_to_bytes(words.astype(np.uint32)).reshape(words.shape[0], -1).astype(np.int64)


def _int_bytes(vals: list[int], n: int) -> I64:
    out = b"".join(v.to_bytes(n, "little") for v in vals)
    return np.frombuffer(out, dtype=np.uint8).reshape(len(vals), n).astype(np.int64)


def fill_arith(rows: I64, x: I64, q: I64, r: I64) -> tuple[I64, I64]:
    """Write the arithmetic columns (``r``, ``q``, carries, ``z``, ``zi``, limbs and borrows of
    ``M' - 1 - r``) of calls with input bytes ``x (k, 96)``, quotient bytes ``q (k, 64)`` and
    remainder bytes ``r (k, 32)`` into ``rows (k, WIDTH)``. Returns the carry out of the last
    coefficient and the last borrow, ``(0, z)`` exactly when ``a b = q M' + r`` and
    ``r < M'`` (a dishonest ``q, r`` gives columns that fail a constraint: tests use this)."""
    k = x.shape[0]
    a, bb, m = x[:, :NB], x[:, NB : 2 * NB], x[:, 2 * NB :]
    rows[:, C["r0"] : C["r0"] + NB] = r
    rows[:, C["q0"] : C["q0"] + NQ] = q
    s_m = m.sum(axis=1)
    z = (s_m == 0).astype(np.int64)
    rows[:, C["z"]] = z
    rows[:, C["zi"]] = se.b_inv(s_m % se.P)
    # coefficients of A B - Q M' - R; the carries that make it (x - 256) C(x)
    mp = np.concatenate([m, z[:, None]], axis=1)
    coef = np.zeros((k, NCOEF), dtype=np.int64)
    for j in range(NB):
        coef[:, j : j + NB] += a[:, j : j + 1] * bb
    for j in range(NQ):
        coef[:, j : j + mp.shape[1]] -= q[:, j : j + 1] * mp
    coef[:, :NB] -= r
    c = np.zeros(k, dtype=np.int64)
    for i in range(NCOEF - 1):
        c = (coef[:, i] + c) >> 8  # floor: exact for an honest row
        rows[:, C[f"cc{i}"]] = c + CARRY_OFFSET
    c = coef[:, NCOEF - 1] + c
    # M' - 1 - r by 16-bit limbs
    m16 = m[:, 0::2] + 256 * m[:, 1::2]
    r16 = r[:, 0::2] + 256 * r[:, 1::2]
    bw = np.ones(k, dtype=np.int64)  # the "- 1"
    for i in range(16):
        val = m16[:, i] - r16[:, i] - bw
        bw = (val < 0).astype(np.int64)
        rows[:, C[f"d{i}"]] = val + 65536 * bw
        if i < 15:
            rows[:, C[f"bw{i}"]] = bw
    return c, bw


def modmul_trace(calls: U32, ts: I64, in_pts: I64, in_wr: U32, out_pts: I64, height: int) -> U32:
    """The ``modmul256`` trace for ``calls`` (``Trace.modmul_calls`` rows: a0, a1, 24 input words,
    8 old result words) made at timestamps ``ts`` (the ECALL rows' ``4 clk + 1``), with the
    previous timestamps of their input reads ``(k, 24)`` and result writes ``(k, 8)`` and the
    input words' writability. ``height`` (a power of two >= the call count) rows; the rest are
    inactive. Without calls the table is switched off: all zero."""
    k = calls.shape[0]
    if height < max(k, 1) or height & (height - 1):
        raise ValueError("height must be a power of two >= the number of calls")
    tr = np.zeros((height, WIDTH), dtype=np.int64)
    if k == 0:
        return tr.astype(np.uint32)
    tr[:, C["on"]] = 1
    tr[:, C["cc0"] : C["cc0"] + NCOEF - 1] = CARRY_OFFSET  # zero carries (inactive rows)
    tr[:k, C["active"]] = 1
    tr[:k, C["ts"]] = ts
    for nm, col in (("op", 0), ("ip", 1)):
        pb = word_to_bytes(calls[:, col].astype(np.uint32)).astype(np.int64)
        pb[:, 0] >>= 2
        tr[:k, C[f"{nm}0"] : C[f"{nm}0"] + 4] = pb
    x = _bytes_of(calls[:, 2:26])
    tr[:k, C["x0"] : C["x0"] + 4 * IN_WORDS] = x
    tr[:k, C["o0"] : C["o0"] + 4 * OUT_WORDS] = _bytes_of(calls[:, 26:34])
    av, bv, mv = (_num(x[:, i * NB : (i + 1) * NB]) for i in range(3))
    mod = [mm or 1 << 256 for mm in mv]
    prod = [ai * bi for ai, bi in zip(av, bv, strict=True)]
    q = _int_bytes([p // md for p, md in zip(prod, mod, strict=True)], NQ)
    r = _int_bytes([p % md for p, md in zip(prod, mod, strict=True)], NB)
    rows = tr[:k]
    c, bw = fill_arith(rows, x, q, r)
    if np.any(c) or not np.array_equal(bw, rows[:, C["z"]]):
        raise AssertionError("MODMUL256 witness does not satisfy its identity and bound")
    tr[:k, C["wr0"] : C["wr0"] + IN_WORDS] = in_wr
    for i in range(IN_WORDS):
        gap = ts + IN_TS - in_pts[:, i] - 1
        tr[:k, C[f"pts_i{i}"]] = in_pts[:, i]
        tr[:k, C[f"lo_i{i}"]], tr[:k, C[f"hi_i{i}"]] = gap & 0xFFFF, gap >> 16
    for j in range(OUT_WORDS):
        gap = ts + OUT_TS - out_pts[:, j] - 1
        tr[:k, C[f"pts_o{j}"]] = out_pts[:, j]
        tr[:k, C[f"lo_o{j}"]], tr[:k, C[f"hi_o{j}"]] = gap & 0xFFFF, gap >> 16
    return tr.astype(np.uint32)


def _num(bs: I64) -> list[int]:
    """Rows of little-endian bytes as Python integers."""
    return [int.from_bytes(bytes(row.astype(np.uint8)), "little") for row in bs]
