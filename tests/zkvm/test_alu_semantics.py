"""ALU tables vs the RV32IM reference: every op on edge-case and random operands, wrong claims
and forged table rows rejected by the debug checker."""

from __future__ import annotations

import numpy as np
import pytest
from alu_reference import EDGE_WORDS, alu_ref
from alu_testutil import alu_sends, honest, problems

from zkrv_prover.zkvm.alu import add_sub, alu_result, alu_traces, lt
from zkrv_prover.zkvm.alu import divrem as divrem_mod
from zkrv_prover.zkvm.alu.common import AluEvents
from zkrv_prover.zkvm.alu.mul import product_carries
from zkrv_prover.zkvm.buses import BUS_ALU, AluOp
from zkrv_prover.zkvm.bytes import collect_lookups

OPS = list(AluOp)


def _grid(op: int, rng: np.random.Generator, n_random: int) -> tuple[list[int], ...]:
    ops, bs, cs = [], [], []
    for x in EDGE_WORDS:
        for y in EDGE_WORDS:
            ops.append(op)
            bs.append(x)
            cs.append(y)
    for _ in range(n_random):
        ops.append(op)
        bs.append(int(rng.integers(0, 2**32)))
        cs.append(int(rng.integers(0, 2**32)))
    # small/negative magnitudes and in-range shift amounts are where the edge cases live
    for _ in range(n_random):
        ops.append(op)
        bs.append(int(rng.integers(-300, 300)) & 0xFFFFFFFF)
        cs.append(int(rng.integers(-40, 40)) & 0xFFFFFFFF)
    return ops, bs, cs


def test_every_op_edge_and_random() -> None:
    """One machine with all ops: the tables' results must equal the reference, else the ALU bus
    (sender claims the reference result) would not balance."""
    rng = np.random.default_rng(1)
    ops: list[int] = []
    bs: list[int] = []
    cs: list[int] = []
    for op in OPS:
        o, b, c = _grid(int(op), rng, 40)
        ops += o
        bs += b
        cs += c
    _, lays, traces = honest(ops, bs, cs)
    assert problems(lays, traces) == []
    # duplicates merged: the grid repeats no (op, b, c) except through the random small part
    assert sum(t.shape[0] for t in traces[1:-1]) < 2 * len(ops)


def test_every_shift_amount() -> None:
    """All 64 low values of c (and junk above bit 5) for each shift and a few words."""
    ops, bs, cs = [], [], []
    for op in (AluOp.SLL, AluOp.SRL, AluOp.SRA):
        for b in (0x80000001, 0x7FFFFFFF, 0xFFFFFFFF, 0x12345678, 1):
            for c in range(64):
                for junk in (0, 0xABCDEF00):
                    ops.append(int(op))
                    bs.append(b)
                    cs.append(c | junk)
    _, lays, traces = honest(ops, bs, cs)
    assert problems(lays, traces) == []


def test_alu_result_vs_reference() -> None:
    rng = np.random.default_rng(2)
    for op in OPS:
        o, b, c = _grid(int(op), rng, 200)
        got = alu_result(np.array(o, np.uint32), np.array(b, np.uint32), np.array(c, np.uint32))
        want = [alu_ref(*e) for e in zip(o, b, c, strict=True)]
        assert got.tolist() == want, op.name


def test_repeated_events_share_rows() -> None:
    ev = AluEvents.of([AluOp.ADD] * 5 + [AluOp.MUL, AluOp.MULHU], [1] * 7, [2] * 7)
    tr = alu_traces(ev)
    assert tr["alu_add_sub"][0, -1] == 5  # one row, multiplicity 5
    mul = tr["alu_mul"]
    assert (mul[0, -2], mul[0, -1]) == (1, 1)  # MUL and MULHU of (1, 2) on one row
    assert not mul[1:, -2:].any()
    _, lays, traces = honest([int(o) for o in ev.op], [1] * 7, [2] * 7)
    assert problems(lays, traces) == []


@pytest.mark.parametrize("op", OPS, ids=[o.name for o in OPS])
def test_wrong_claim_rejected(op: AluOp) -> None:
    rng = np.random.default_rng(int(op))
    o, b, c = _grid(int(op), rng, 4)
    pick = rng.choice(len(o), size=6, replace=False)
    for i in pick:
        a = [alu_ref(*e) for e in zip(o, b, c, strict=True)]
        a[i] ^= 1 << int(rng.integers(0, 32 if op not in (AluOp.SLT, AluOp.SLTU) else 1))
        _, lays, traces = honest(o, b, c, a)
        msgs = problems(lays, traces)
        assert any(f"bus {BUS_ALU} " in m for m in msgs), msgs


# Where each table keeps the result word it sends back, as (column group, byte offset).
_RESULT = {
    "alu_add_sub": ("a", 0),
    "alu_bitwise": ("a", 0),
    "alu_lt": ("lt", 0),
    "alu_shift": ("a", 0),
    "alu_mul": ("out", 0),
    "alu_divrem": ("q", 0),
}
_TABLE_OF = {
    **dict.fromkeys((AluOp.ADD, AluOp.SUB), "alu_add_sub"),
    **dict.fromkeys((AluOp.XOR, AluOp.OR, AluOp.AND), "alu_bitwise"),
    **dict.fromkeys((AluOp.SLT, AluOp.SLTU), "alu_lt"),
    **dict.fromkeys((AluOp.SLL, AluOp.SRL, AluOp.SRA), "alu_shift"),
    AluOp.MUL: "alu_mul",
    **dict.fromkeys((AluOp.DIV, AluOp.DIVU), "alu_divrem"),
}


@pytest.mark.parametrize("op", list(_TABLE_OF), ids=[o.name for o in _TABLE_OF])
def test_forged_row_rejected_by_constraints(op: AluOp) -> None:
    """A malicious prover edits the result inside the table row *and* the sender's claim, so the
    ALU bus balances; the byte lookups are recounted. The table's constraints (or the byte
    table) must still reject it."""
    import importlib

    table = _TABLE_OF[op]
    mod = importlib.import_module(f"zkrv_prover.zkvm.alu.{table.removeprefix('alu_')}")
    rng = np.random.default_rng(100 + int(op))
    for b, c in [(0x80000000, 0xFFFFFFFF), (0x12345678, 0x9ABCDEF0), (7, 3), (0, 0)]:
        good = alu_ref(op, b, c)
        bad = good ^ 1 if op in (AluOp.SLT, AluOp.SLTU) else good ^ (1 << int(rng.integers(32)))
        _, lays, traces = honest([int(op)], [b], [c], [bad])
        t = [lay.air.name for lay in lays].index(table)
        group, _ = _RESULT[table]
        cols = mod.COLS
        start = cols.index(group)
        nbytes = 1 if group == "lt" else 4
        bad_bytes = [(bad >> (8 * i)) & 0xFF for i in range(nbytes)]
        traces[t][0, start : start + nbytes] = bad_bytes
        traces[-1] = collect_lookups(lays, [*traces[:-1], None], [], strict=False).trace()
        msgs = problems(lays, traces)
        assert msgs, (op.name, b, c)
        assert not any(f"bus {BUS_ALU} " in m for m in msgs), msgs


def _divrem_row(sgn: int, b: int, c: int, q: int, r: int) -> np.ndarray:
    """A division row for (b, c) with a chosen (q, r), every other column made consistent."""
    cols = divrem_mod.COLS
    tr, _ = divrem_mod.trace(AluEvents.of([AluOp.DIV if sgn else AluOp.DIVU], [b], [c]))
    row = tr[0].astype(np.int64)
    wb = lambda w: [(w >> (8 * i)) & 0xFF for i in range(4)]  # noqa: E731
    sq, sr = sgn * (q >> 31), sgn * (r >> 31)
    sb, sc = sgn * (b >> 31), sgn * (c >> 31)
    row[cols.index("q") : cols.index("q") + 4] = wb(q)
    row[cols.index("r") : cols.index("r") + 4] = wb(r)
    row[cols.index("sq")], row[cols.index("sr")] = sq, sr

    def ext(w: int, s: int) -> np.ndarray:
        return np.array([[*wb(w), *([255 * s] * 4)]], dtype=np.int64)

    out, carry = product_carries(ext(q, sq), ext(c, sc), ext(r, sr))
    assert out.tolist() == ext(b, sb).tolist(), "forged (q, r) must satisfy q c + r = b"
    row[cols.index("carry") : cols.index("carry") + 8] = carry[0]
    abs_r = ((-r) & 0xFFFFFFFF) if sb else r
    row[cols.index("abs_r") : cols.index("abs_r") + 4] = wb(abs_r)
    return row


@pytest.mark.parametrize(
    ("sgn", "b", "c", "q", "r"),
    [
        (0, 100, 7, 13, 9),  # q - 1, r + c: r >= c
        (0, 5, 0, 0, 5),  # division by zero with q = 0 instead of all ones
        (1, -7 & 0xFFFFFFFF, 2, -4 & 0xFFFFFFFF, 1),  # remainder with the wrong sign
        (1, 7, -2 & 0xFFFFFFFF, -4 & 0xFFFFFFFF, -1 & 0xFFFFFFFF),  # idem, negative divisor
        (1, -9 & 0xFFFFFFFF, -4 & 0xFFFFFFFF, 3, 3),  # |r| < |c| but r takes c's sign
    ],
)
def test_divrem_identity_alone_is_not_enough(sgn: int, b: int, c: int, q: int, r: int) -> None:
    """A forged row satisfying ``q c + r = b`` with a wrong (q, r); the add/sub and lt tables
    honestly serve whatever the forged row requests. The remainder bound (its SLTU request,
    which the lt table cannot confirm) or the zero-divisor rule must reject it."""
    op = AluOp.DIV if sgn else AluOp.DIVU
    assert q != alu_ref(op, b, c)
    _, lays, traces = honest([int(op)], [b], [c], [q])
    names = [lay.air.name for lay in lays]
    t = names.index("alu_divrem")
    traces[t][0] = _divrem_row(sgn, b, c, q, r).astype(np.uint32)
    sends = alu_sends(lays[t], traces[t])
    for name, mod in (("alu_add_sub", add_sub), ("alu_lt", lt)):
        traces[names.index(name)] = mod.trace(sends.select(np.isin(sends.op, mod.OPS)))
    traces[-1] = collect_lookups(lays, [*traces[:-1], None], [], strict=False).trace()
    msgs = problems(lays, traces)
    assert msgs
    if c != 0:  # only the bound's request is unserved
        assert len(msgs) == 1 and f"bus {BUS_ALU} " in msgs[0], msgs
        assert f"({int(AluOp.SLTU)}, 1, 0, 0, 0" in msgs[0], msgs


def test_divrem_overflow_flag_required() -> None:
    """-2^31 / -1 without the overflow flag has no witness: the product equations fail."""
    _, lays, traces = honest([int(AluOp.DIV)], [0x80000000], [0xFFFFFFFF])
    t = [lay.air.name for lay in lays].index("alu_divrem")
    traces[t][0, divrem_mod.COLS.index("ovf")] = 0
    assert any("product" in m for m in problems(lays, traces))
    # and the flag cannot be raised on other operands
    _, lays, traces = honest([int(AluOp.DIV)], [0x80000000], [0xFFFFFFFE])
    traces[t][0, divrem_mod.COLS.index("ovf")] = 1
    assert any("ovf_operands" in m for m in problems(lays, traces))


def test_bad_events_refused() -> None:
    with pytest.raises(ValueError, match="not an ALU op"):
        alu_traces(AluEvents.of([99], [0], [0]))
    with pytest.raises(ValueError, match="32-bit"):
        AluEvents.of([1], [2**32], [0])
