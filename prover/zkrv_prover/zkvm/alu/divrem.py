"""DIV / DIVU / REM / REMU table: quotient and remainder with the RISC-V edge cases.

Columns (42): ``b[4] c[4] q[4] r[4]``, ``carry[8]``, ``is_signed``, ``sb, sc, sq, sr`` (sign bits,
0 when unsigned), ``ovf`` (signed overflow ``-2^31 / -1``), ``cz`` (``c == 0``), ``c_inv``,
``abs_c[4]``, ``abs_r[4]``, ``m_q, m_r``.

One row serves one (signedness, b, c): it receives ``BUS_ALU (DIVU - is_signed, q, b, c)`` with
multiplicity ``m_q`` and ``(REMU - is_signed, r, b, c)`` with ``m_r`` (DIV = 15, DIVU = 16,
REM = 17, REMU = 18).

Constraints and lookups:

1. Signs: ``(1 - is_signed) s = 0`` and ``(MSB, x3, 0, s)`` with multiplicity ``is_signed`` for
   each ``(x, s)`` in ``(b, sb), (c, sc), (q, sq), (r, sr)``; ``is_signed`` boolean.
2. Zero divisor: ``csum = c0 + c1 + c2 + c3``; ``csum cz = 0``, ``cz c_inv = 0``,
   ``1 - cz - csum c_inv = 0`` (so ``cz = [c == 0]``: csum < p is 0 only for c = 0), and
   ``cz (q_i - 255) = 0`` (quotient all ones).
3. Overflow flag: ``ovf`` boolean, ``ovf (1 - is_signed) = 0``, ``ovf (b3 - 128) = 0`` and
   ``ovf (b0 + b1 + b2 + sum_i (255 - c_i)) = 0`` (a sum of non-negative bytes), i.e. ``ovf = 1``
   only for ``b = 0x80000000, c = 0xFFFFFFFF`` signed.
4. Division identity on 8-byte extensions (``Q, C, R`` sign-extended by ``sq, sc, sr``; ``B``
   extended by ``255 (sb - ovf)``): ``Q C + R = B (mod 2^64)`` by the byte-carry equations of
   :func:`zkrv_prover.zkvm.alu.mul.product_equations`, with q, r bytes range checked (RANGE
   lookups) and carries in ``BUS_RANGE16``.
5. Remainder bound: ``abs_c = c`` unless ``sc`` (``(1 - sc)(abs_c_i - c_i) = 0``), else
   ``abs_c = 0 - c`` by sending ``BUS_ALU (SUB, abs_c, 0, c)`` with multiplicity ``sc``;
   ``abs_r = r`` unless ``sb``, else ``abs_r = 0 - r`` (``BUS_ALU (SUB, abs_r, 0, r)`` with
   multiplicity ``sb``); and ``BUS_ALU (SLTU, 1, abs_r, abs_c)`` with multiplicity ``1 - cz``.

Why a row forces the RISC-V results:

- (4) holds over the integers: left sides < 2^20, right sides < 2^25 (bytes and 16-bit carries).
  So ``Q C + R = B + 2^64 t``. Unsigned: all values are the plain words, ``q c + r < 2^64``,
  hence ``q c + r = b``. Signed, no overflow: ``Q, C, R, B`` encode the int32 values and
  ``|q c + r| < 2^63``, hence ``q c + r = b`` over the integers.
- c = 0 (cz = 1, forced by 2): q = 2^32 - 1 and ``r = b`` (from 4, the low word), as RISC-V says;
  no bound is checked.
- c != 0, unsigned: (5) gives ``r <u c``; floor division is the unique (q, r) with ``b = q c + r``,
  ``0 <= r < c``.
- c != 0, signed: ``abs_c = |c|`` (as an unsigned word; |-2^31| = 2^31 fits) and
  ``abs_r = r`` if b >= 0, ``-r mod 2^32`` if b < 0. ``abs_r <u |c| <= 2^31`` means ``0 <= r <
  |c|`` for b >= 0 and ``-|c| < r <= 0`` for b < 0: the remainder of truncated division, which
  with ``b = q c + r`` determines q and r uniquely. (The sign bits of q, r from (1) agree with
  these values because the MSB lookups read them off the range-checked bytes.)
- Overflow: ``ovf = 1`` is only possible for ``-2^31 / -1`` (3); then B encodes +2^31, so
  ``-q + r = 2^31`` with ``-r mod 2^32 < 1``: r = 0, q = -2^31 as RISC-V says. With ``ovf = 0``
  that input has no witness (q = 2^31 does not fit), so the flag cannot be dropped either.

The word ``a`` received is q or r: range checked bytes. Degree 2.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from zkrv_prover.stark.air.air import P_BB, Air, AirBuilder, Expr
from zkrv_prover.zkvm.alu.common import (
    U32,
    AluEvents,
    Columns,
    padded_height,
    signed,
    to_field,
    unique_rows,
    word_bytes,
)
from zkrv_prover.zkvm.alu.mul import extend, product_carries, product_equations
from zkrv_prover.zkvm.buses import BUS_ALU, BUS_BYTE, BUS_RANGE16, AluOp, ByteOp

COLS = Columns(
    ("b", 4),
    ("c", 4),
    ("q", 4),
    ("r", 4),
    ("carry", 8),
    ("is_signed", 1),
    ("sb", 1),
    ("sc", 1),
    ("sq", 1),
    ("sr", 1),
    ("ovf", 1),
    ("cz", 1),
    ("c_inv", 1),
    ("abs_c", 4),
    ("abs_r", 4),
    ("m_q", 1),
    ("m_r", 1),
)
OPS = (AluOp.DIV, AluOp.DIVU, AluOp.REM, AluOp.REMU)
assert (AluOp.DIV, AluOp.DIVU, AluOp.REM, AluOp.REMU) == (15, 16, 17, 18)


class DivRemAir(Air):
    """See module doc."""

    name = "alu_divrem"
    main_width = COLS.width
    #: 21 interactions: degree-3 helpers pair them (21 -> 11 helpers; docs/zkvm.md, proof size)
    logup_degree = 3

    def eval(self, b: AirBuilder) -> None:
        v = COLS.bind(b.main_local)
        bb, c, q, r, carry = v["b"], v["c"], v["q"], v["r"], v["carry"]
        abs_c, abs_r = v["abs_c"], v["abs_r"]
        (sgn,), (sb,), (sc,), (sq,), (sr,) = v["is_signed"], v["sb"], v["sc"], v["sq"], v["sr"]
        (ovf,), (cz,), (c_inv,), (m_q,), (m_r,) = v["ovf"], v["cz"], v["c_inv"], v["m_q"], v["m_r"]
        # 1. signs
        b.assert_bool(sgn, "is_signed_bool")
        for name, word, s in (("b", bb, sb), ("c", c, sc), ("q", q, sq), ("r", r, sr)):
            b.assert_zero((1 - sgn) * s, f"s{name}_signed_only")
            b.send(BUS_BYTE, [int(ByteOp.MSB), word[3], 0, s], sgn)
        # 2. zero divisor
        csum = c[0] + c[1] + c[2] + c[3]
        b.assert_zero(csum * cz, "cz_means_zero")
        b.assert_zero(cz * c_inv, "cz_inv_zero")
        b.assert_zero(1 - cz - csum * c_inv, "nonzero_has_inverse")
        for i in range(4):
            b.assert_zero(cz * (q[i] - 255), f"div_by_zero_q{i}")
        # 3. overflow flag
        b.assert_bool(ovf, "ovf_bool")
        b.assert_zero(ovf * (1 - sgn), "ovf_signed")
        b.assert_zero(ovf * (bb[3] - 128), "ovf_b3")
        rest = bb[0] + bb[1] + bb[2] + (1020 - csum)
        b.assert_zero(ovf * rest, "ovf_operands")
        # 4. q c + r = b (mod 2^64) on the extensions
        bx = extend(bb, sb - ovf)
        product_equations(b, extend(q, sq), extend(c, sc), extend(r, sr), bx, carry)
        for w in (q, r):
            b.send(BUS_BYTE, [int(ByteOp.RANGE), w[0], w[1], 0])
            b.send(BUS_BYTE, [int(ByteOp.RANGE), w[2], w[3], 0])
        for k in range(8):
            b.send(BUS_RANGE16, [carry[k]])
        # 5. remainder bound |r| < |c| (as described in the module doc)
        zero = [Expr.const(0)] * 4
        for i in range(4):
            b.assert_zero((1 - sc) * (abs_c[i] - c[i]), f"abs_c{i}")
            b.assert_zero((1 - sb) * (abs_r[i] - r[i]), f"abs_r{i}")
        b.send(BUS_ALU, [int(AluOp.SUB), *abs_c, *zero, *c], sc)
        b.send(BUS_ALU, [int(AluOp.SUB), *abs_r, *zero, *r], sb)
        b.send(BUS_ALU, [int(AluOp.SLTU), 1, 0, 0, 0, *abs_r, *abs_c], 1 - cz)
        b.receive(BUS_ALU, [int(AluOp.DIVU) - sgn, *q, *bb, *c], m_q)
        b.receive(BUS_ALU, [int(AluOp.REMU) - sgn, *r, *bb, *c], m_r)


def quot_rem(is_signed: npt.NDArray[np.bool_], b: U32, c: U32) -> tuple[U32, U32]:
    """RISC-V quotient and remainder words (signed where ``is_signed``)."""
    bu, cu = b.astype(np.int64), c.astype(np.int64)
    cz = cu == 0
    safe = np.where(cz, 1, cu)
    qu, ru = np.where(cz, 0xFFFFFFFF, bu // safe), np.where(cz, bu, bu % safe)
    bs, cs = signed(b), signed(c)
    ovf = (bs == -(2**31)) & (cs == -1)
    safe_s = np.where(cz | ovf, 1, cs)
    mag = np.abs(bs) // np.abs(safe_s)
    qs = np.where((bs < 0) != (safe_s < 0), -mag, mag)
    qs = np.where(cz, -1, np.where(ovf, -(2**31), qs))
    rs = np.where(cz, bs, np.where(ovf, 0, bs - qs * safe_s))
    q = np.where(is_signed, qs, qu) & 0xFFFFFFFF
    r = np.where(is_signed, rs, ru) & 0xFFFFFFFF
    return q.astype(np.uint32), r.astype(np.uint32)


def result(op: U32, b: U32, c: U32) -> U32:
    """``a`` for DIV/DIVU/REM/REMU events."""
    q, r = quot_rem((op == AluOp.DIV) | (op == AluOp.REM), b, c)
    return np.where((op == AluOp.DIV) | (op == AluOp.DIVU), q, r).astype(np.uint32)


_INV = np.array([0] + [pow(i, P_BB - 2, P_BB) for i in range(1, 1021)], dtype=np.int64)


def trace(ev: AluEvents, min_height: int = 2) -> tuple[U32, AluEvents]:
    """Main trace (one row per distinct (signedness, b, c); padding rows are unsigned 0 / 0) and
    the ``BUS_ALU`` requests its rows send (SUB for |c| and |r|, SLTU for the bound), which the
    add/sub and lt tables must serve."""
    if not np.isin(ev.op, OPS).all():
        raise ValueError("divrem table got a non-division event")
    sgn_ev = ((ev.op == AluOp.DIV) | (ev.op == AluOp.REM)).astype(np.int64)
    is_q_ev = (ev.op == AluOp.DIV) | (ev.op == AluOp.DIVU)
    first, inverse, _ = unique_rows(sgn_ev, ev.b, ev.c)
    rows = len(first)
    n = max(padded_height(rows), min_height)
    pad = n - rows
    m_q = np.zeros(n, dtype=np.int64)
    m_r = np.zeros(n, dtype=np.int64)
    np.add.at(m_q, inverse[is_q_ev], 1)
    np.add.at(m_r, inverse[~is_q_ev], 1)
    sgn = np.concatenate([sgn_ev[first], np.zeros(pad, np.int64)])
    bw = np.concatenate([ev.b[first], np.zeros(pad, np.uint32)])
    cw = np.concatenate([ev.c[first], np.zeros(pad, np.uint32)])
    q, r = quot_rem(sgn == 1, bw, cw)
    bb, cb, qb, rb = (word_bytes(w) for w in (bw, cw, q, r))
    sb, sc, sq, sr = (sgn * (x[:, 3] >> 7) for x in (bb, cb, qb, rb))
    csum = cb.sum(axis=1)
    cz = (csum == 0).astype(np.int64)
    ovf = ((sgn == 1) & (bw == 0x80000000) & (cw == 0xFFFFFFFF)).astype(np.int64)

    def ext(x: npt.NDArray[np.int64], s: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        return np.concatenate([x, np.repeat((255 * s)[:, None], 4, axis=1)], axis=1)

    out, carry = product_carries(ext(qb, sq), ext(cb, sc), ext(rb, sr))
    if not np.array_equal(out, ext(bb, sb - ovf)):
        raise AssertionError("divrem witness does not satisfy q c + r = b")
    abs_c = np.where(sc == 1, (-cw.astype(np.int64)) & 0xFFFFFFFF, cw)
    abs_r = np.where(sb == 1, (-r.astype(np.int64)) & 0xFFFFFFFF, r)
    t = COLS.zeros(n)
    for name, val in (("b", bb), ("c", cb), ("q", qb), ("r", rb), ("carry", carry)):
        COLS.put(t, name, val)
    for name, val in (("is_signed", sgn), ("sb", sb), ("sc", sc), ("sq", sq), ("sr", sr)):
        COLS.put(t, name, val)
    COLS.put(t, "ovf", ovf)
    COLS.put(t, "cz", cz)
    COLS.put(t, "c_inv", _INV[csum])
    COLS.put(t, "abs_c", word_bytes(abs_c))
    COLS.put(t, "abs_r", word_bytes(abs_r))
    COLS.put(t, "m_q", m_q)
    COLS.put(t, "m_r", m_r)
    s_c, s_r, lt = sc == 1, sb == 1, cz == 0
    zeros = np.zeros
    sends = AluEvents.concat(
        [
            AluEvents.of(np.full(int(s_c.sum()), AluOp.SUB), zeros(int(s_c.sum())), cw[s_c]),
            AluEvents.of(np.full(int(s_r.sum()), AluOp.SUB), zeros(int(s_r.sum())), r[s_r]),
            AluEvents.of(np.full(int(lt.sum()), AluOp.SLTU), abs_r[lt], abs_c[lt]),
        ]
    )
    return to_field(t), sends
