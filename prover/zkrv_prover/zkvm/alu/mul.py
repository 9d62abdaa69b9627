"""MUL / MULH / MULHSU / MULHU table: the 64-bit product of ``b`` and ``c``, low and high words.

Columns (30): ``b[4] c[4]``, ``out[8]`` (bytes of the product mod 2^64), ``carry[8]``, ``sb, sc``
(sign bits used for extension), ``sgn_b, sgn_c`` (whether b / c are signed), ``m_lo, m_hi``.

One row serves both words of one product: it receives ``BUS_ALU (MUL, out0..3, b, c)`` with
multiplicity ``m_lo`` and ``(MULHU - sgn_b - sgn_c, out4..7, b, c)`` with multiplicity ``m_hi``
(MULH = 12: both signed; MULHSU = 13: b signed; MULHU = 14). The low word does not depend on the
signedness, so a MUL event shares the row of any high-word event on the same operands.

Operands are extended to 8 bytes: ``B_i = b_i`` (i < 4), ``B_i = 255 sb`` (i >= 4); same for C.
Schoolbook product with byte carries, for k = 0..7::

    sum_(i+j=k) B_i C_j + carry_(k-1) = out_k + 256 carry_k        (carry_(-1) = 0)

Constraints: ``sgn_b, sgn_c`` boolean, ``sgn_c (1 - sgn_b) = 0`` (no "unsigned b, signed c"),
``(1 - sgn_b) sb = 0``, ``(1 - sgn_c) sc = 0`` and the eight product equations. Lookups:
``(MSB, b3, 0, sb)`` with multiplicity ``sgn_b``, ``(MSB, c3, 0, sc)`` with ``sgn_c``,
``(RANGE, out_2i, out_2i+1)`` for i = 0..3, ``BUS_RANGE16 (carry_k)`` for k = 0..7.

Why a row forces the right words: ``sb`` is 0 for an unsigned operand and bit 31 of b for a signed
one (the MSB lookup), so ``B = sum B_i 256^i`` is b's 64-bit encoding (zero- or sign-extended),
likewise C. Each product equation has a left side below ``8 * 255^2 + 2^16 < 2^20`` and a right
side below ``256 + 256 * 2^16 < 2^25`` (out bytes and carries are range checked), both far below
p, so it holds over the integers. Summing equation k times 256^k telescopes the carries:
``B C = sum out_k 256^k + 2^64 carry_7``, so ``out`` are the bytes of ``B C mod 2^64``. Its low
word is ``b c mod 2^32`` (MUL) and its high word is MULH/MULHSU/MULHU of (b, c) as selected by
``sgn_b, sgn_c``, because the product of the extended encodings is congruent mod 2^64 to the
product of the signed/unsigned integers. Degree 2.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from zkrv_prover.stark.air.air import Air, AirBuilder, Expr
from zkrv_prover.zkvm.alu.common import (
    U32,
    AluEvents,
    Columns,
    padded_height,
    to_field,
    unique_rows,
    word_bytes,
)
from zkrv_prover.zkvm.buses import BUS_ALU, BUS_BYTE, BUS_RANGE16, AluOp, ByteOp

COLS = Columns(
    ("b", 4),
    ("c", 4),
    ("out", 8),
    ("carry", 8),
    ("sb", 1),
    ("sc", 1),
    ("sgn_b", 1),
    ("sgn_c", 1),
    ("m_lo", 1),
    ("m_hi", 1),
)
OPS = (AluOp.MUL, AluOp.MULH, AluOp.MULHSU, AluOp.MULHU)
assert (AluOp.MULH, AluOp.MULHSU, AluOp.MULHU) == (12, 13, 14)


def extend(word: list[Expr], sign: Expr) -> list[Expr]:
    """A word's 8-byte extension: its 4 bytes, then 4 copies of ``255 sign``."""
    return [*word, *([255 * sign] * 4)]


def product_equations(
    b: AirBuilder, x: list[Expr], y: list[Expr], add: list[Expr], out: list[Expr], carry: list[Expr]
) -> None:
    """Assert ``sum_(i+j=k) x_i y_j + add_k + carry_(k-1) = out_k + 256 carry_k`` for k = 0..7
    (``add`` may be all zero). Together with byte-range ``out``/``add`` and 16-bit ``carry``:
    ``X Y + ADD = OUT (mod 2^64)`` (see the module doc)."""
    for k in range(8):
        lhs: Expr = add[k]
        for i in range(k + 1):
            lhs = lhs + x[i] * y[k - i]
        if k:
            lhs = lhs + carry[k - 1]
        b.assert_eq(lhs, out[k] + 256 * carry[k], f"product{k}")


def product_carries(
    x: npt.NDArray[np.int64], y: npt.NDArray[np.int64], add: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Bytes and carries of ``X Y + ADD mod 2^64`` for (n, 8) byte arrays (the witness of
    :func:`product_equations`)."""
    n = x.shape[0]
    out = np.zeros((n, 8), dtype=np.int64)
    carry = np.zeros((n, 8), dtype=np.int64)
    prev = np.zeros(n, dtype=np.int64)
    for k in range(8):
        s = add[:, k] + prev
        for i in range(k + 1):
            s = s + x[:, i] * y[:, k - i]
        out[:, k], carry[:, k] = s & 0xFF, s >> 8
        prev = carry[:, k]
    return out, carry


class MulAir(Air):
    """See module doc."""

    name = "alu_mul"
    main_width = COLS.width
    #: 16 interactions: degree-3 helpers pair them (16 -> 8 helpers; docs/zkvm.md, proof size)
    logup_degree = 3

    def eval(self, b: AirBuilder) -> None:
        v = COLS.bind(b.main_local)
        bb, c, out, carry = v["b"], v["c"], v["out"], v["carry"]
        (sb,), (sc,), (sgn_b,), (sgn_c,) = v["sb"], v["sc"], v["sgn_b"], v["sgn_c"]
        (m_lo,), (m_hi,) = v["m_lo"], v["m_hi"]
        b.assert_bool(sgn_b, "sgn_b_bool")
        b.assert_bool(sgn_c, "sgn_c_bool")
        b.assert_zero(sgn_c * (1 - sgn_b), "no_unsigned_signed")
        b.assert_zero((1 - sgn_b) * sb, "sb_signed_only")
        b.assert_zero((1 - sgn_c) * sc, "sc_signed_only")
        b.send(BUS_BYTE, [int(ByteOp.MSB), bb[3], 0, sb], sgn_b)
        b.send(BUS_BYTE, [int(ByteOp.MSB), c[3], 0, sc], sgn_c)
        zero = [Expr.const(0)] * 8
        product_equations(b, extend(bb, sb), extend(c, sc), zero, out, carry)
        for i in range(4):
            b.send(BUS_BYTE, [int(ByteOp.RANGE), out[2 * i], out[2 * i + 1], 0])
        for k in range(8):
            b.send(BUS_RANGE16, [carry[k]])
        b.receive(BUS_ALU, [int(AluOp.MUL), *out[:4], *bb, *c], m_lo)
        b.receive(BUS_ALU, [int(AluOp.MULHU) - sgn_b - sgn_c, *out[4:], *bb, *c], m_hi)


def result(op: U32, b: U32, c: U32) -> U32:
    """``a`` for MUL/MULH/MULHSU/MULHU events."""
    bw, cw = b.astype(np.uint64), c.astype(np.uint64)
    bs = np.where(
        op != AluOp.MULHU, bw | ((bw >> np.uint64(31)) * np.uint64(0xFFFFFFFF00000000)), bw
    )
    cs = np.where(
        op == AluOp.MULH, cw | ((cw >> np.uint64(31)) * np.uint64(0xFFFFFFFF00000000)), cw
    )
    prod = bs * cs  # wraps mod 2^64: the product of the extended encodings
    return np.where(op == AluOp.MUL, prod, prod >> np.uint64(32)).astype(np.uint32)


def trace(ev: AluEvents, min_height: int = 2) -> U32:
    """Main trace: one row per distinct (high-word op, b, c); MUL events join a row with the
    same operands or get their own (as MULHU with ``m_hi = 0``). Padding rows are ``0 * 0``."""
    if not np.isin(ev.op, OPS).all():
        raise ValueError("mul table got a non-multiplication event")
    is_lo = ev.op == AluOp.MUL
    hi = ev.select(~is_lo)
    lo = ev.select(is_lo)
    h_first, _, h_counts = unique_rows(hi.op, hi.b, hi.c)
    h_op, h_b, h_c = hi.op[h_first], hi.b[h_first], hi.c[h_first]
    l_first, _, l_counts = unique_rows(lo.b, lo.c)
    l_b, l_c = lo.b[l_first], lo.c[l_first]
    # attach each distinct MUL operand pair to the first high-word row with the same operands
    h_key = (h_b.astype(np.uint64) << np.uint64(32)) | h_c.astype(np.uint64)
    l_key = (l_b.astype(np.uint64) << np.uint64(32)) | l_c.astype(np.uint64)
    order = np.argsort(h_key, kind="stable")
    pos = np.searchsorted(h_key[order], l_key)
    pos_c = np.minimum(pos, max(len(order) - 1, 0))
    found = (pos < len(order)) & (h_key[order][pos_c] == l_key) if len(order) else pos < 0
    m_lo = np.zeros(len(h_first), dtype=np.int64)
    np.add.at(m_lo, order[pos_c[found]], l_counts[found])
    new = ~found
    n_rows = len(h_first) + int(new.sum())
    n = max(padded_height(n_rows), min_height)
    pad = n - n_rows
    op = np.concatenate([h_op, np.full(int(new.sum()) + pad, AluOp.MULHU, dtype=np.uint32)]).astype(
        np.uint32
    )
    bw = np.concatenate([h_b, l_b[new], np.zeros(pad, np.uint32)])
    cw = np.concatenate([h_c, l_c[new], np.zeros(pad, np.uint32)])
    mlo = np.concatenate([m_lo, l_counts[new], np.zeros(pad, np.int64)])
    mhi = np.concatenate([h_counts, np.zeros(n - len(h_first), np.int64)])
    sgn_b = (op != AluOp.MULHU).astype(np.int64)
    sgn_c = (op == AluOp.MULH).astype(np.int64)
    bb, cb = word_bytes(bw), word_bytes(cw)
    sb = sgn_b * (bb[:, 3] >> 7)
    sc = sgn_c * (cb[:, 3] >> 7)
    bx = np.concatenate([bb, np.repeat((255 * sb)[:, None], 4, axis=1)], axis=1)
    cx = np.concatenate([cb, np.repeat((255 * sc)[:, None], 4, axis=1)], axis=1)
    out, carry = product_carries(bx, cx, np.zeros_like(bx))
    t = COLS.zeros(n)
    COLS.put(t, "b", bb)
    COLS.put(t, "c", cb)
    COLS.put(t, "out", out)
    COLS.put(t, "carry", carry)
    COLS.put(t, "sb", sb)
    COLS.put(t, "sc", sc)
    COLS.put(t, "sgn_b", sgn_b)
    COLS.put(t, "sgn_c", sgn_c)
    COLS.put(t, "m_lo", mlo)
    COLS.put(t, "m_hi", mhi)
    return to_field(t)
