"""Recursion tables: small recorded programs prove and verify; each constraint kind catches a
mutated trace (debug checker), and the verifier rejects a proof of a mutated trace."""

from __future__ import annotations

import numpy as np
import pytest
from recursion_testutil import FAST, Recorded, record

from zkrv_prover.recursion.builder import RecursionBuilder
from zkrv_prover.recursion.prove import program_vk, prove_program, verify_program
from zkrv_prover.recursion.tables.bits import NBITS
from zkrv_prover.recursion.tables.common import AluOp
from zkrv_prover.stark.air.air import Machine, compile_machine
from zkrv_prover.stark.field.arith import VerificationError
from zkrv_prover.stark.field.field import EXT_DEGREE, P
from zkrv_prover.stark.field.poseidon2 import permute
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol.prover import prove
from zkrv_prover.stark.protocol.testing import unchecked_prover

D = EXT_DEGREE


def _alu(r: RecursionBuilder) -> None:
    a, b = r.b_input(5), r.b_input(7)
    c = r.b_mul(r.b_add(a, b), r.b_sub(a, b))
    r.b_assert_eq(r.b_mul(c, r.b_inv(c)), r.b_const(1), "inverse")
    r.expose_public(c)


def _ext(r: RecursionBuilder) -> None:
    x, y = r.e_input([1, 2, 3, 4, 5]), r.e_input([9, 0, 0, 7, P - 1])
    z = r.e_mul(r.e_add(x, y), r.e_sub(x, y))
    r.e_assert_eq(r.e_mul(z, r.e_inv(z)), r.e_const([1, 0, 0, 0, 0]), "inverse")
    r.e_assert_nonzero(z, "nonzero")
    r.e_mul_base(z, r.b_input(3))


def _dot(r: RecursionBuilder) -> None:
    """Three runs (3 terms, 1 term, 2 terms): every run boundary kind, checked natively."""
    cs = [r.e_input([i + 1, 2 * i, P - 1 - i, 7, i * i]) for i in range(4)]
    vs = [r.b_input(v) for v in (3, P - 2, 0, 12345)]
    runs = [(cs[:3], vs[:3]), (cs[3:], vs[3:]), ([cs[1], cs[1]], [vs[3], vs[0]])]
    for c, v in runs:
        got = r.e_lincomb_base(c, v)
        want = [sum(x.v[k] * y.v for x, y in zip(c, v, strict=True)) % P for k in range(D)]
        assert list(got.v) == want
        r.expose_public(r.e_coeffs(got)[1])
    assert r.e_lincomb_base([], []).v == (0,) * D


def _select(r: RecursionBuilder) -> None:
    x, y = r.e_input([1, 2, 3, 4, 5]), r.e_input([6, 7, 8, 9, 10])
    bits = r.b_to_bits(r.b_input(2), 2)
    s1, s2 = r.swap_e(bits[1], x, y)
    r.e_assert_eq(s1, x, "swap")
    r.e_add(s2, r.select_e(bits[0], x, y))
    r.b_add(r.select_b(bits[1], r.b_input(3), r.b_const(4)), r.b_const(1))


def _pack(r: RecursionBuilder) -> None:
    x = r.e_input([1, 2, 3, 4, 5])
    cs = r.e_coeffs(x)
    y = r.e_from_coeffs([cs[4], cs[3], cs[2], cs[1], cs[0]])
    r.e_add(x, y)


def _bits(r: RecursionBuilder) -> None:
    for v, n in ((13, 4), (P - 1, 31), (2**27 - 2, 31), (0, 0), (5, 40)):
        bits = r.b_to_bits(r.b_input(v), n)
        if bits:
            r.b_add(r.bit_to_base(bits[-1]), bits[0])


def _permute(r: RecursionBuilder) -> None:
    out = r.b_permute([r.b_input(i) for i in range(16)])
    out2 = r.b_permute(out)
    r.b_add(out2[0], out2[15])


def _swap_permute(r: RecursionBuilder) -> None:
    """A Merkle level: compress of (right, left) by a swap bit of 1, and a plain one."""
    left, right = [r.b_input(i) for i in range(8)], [r.b_input(100 + i) for i in range(8)]
    bit = r.b_to_bits(r.b_input(1), 1)[0]
    out = r.compress_swapped(bit, left, right)
    assert out is not None
    assert [c.v for c in out] == permute(list(range(100, 108)) + list(range(8)))[:8]
    out2 = r.compress_swapped(r.b_to_bits(r.b_input(0), 1)[0], out, left)
    assert out2 is not None
    r.expose_public(out2[0])


PROGRAMS = {
    "alu": _alu,
    "ext": _ext,
    "dot": _dot,
    "select": _select,
    "pack": _pack,
    "bits": _bits,
    "poseidon2": _permute,
    "swap": _swap_permute,
}


def _rec(build) -> Recorded:  # type: ignore[no-untyped-def]
    r = RecursionBuilder()
    build(r)
    return record(r)


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_table_program_proves_and_verifies(name: str) -> None:
    rc = _rec(PROGRAMS[name])
    assert rc.problems() == []
    vk = program_vk(rc.program, FAST)
    proof = prove_program(vk, rc.witness, rng=FieldRng.seeded(1), recorded=rc.program)
    verify_program(vk, proof, rc.witness.public)
    if rc.witness.public:
        bad = [(rc.witness.public[0] + 1) % P, *rc.witness.public[1:]]
        with pytest.raises(VerificationError):
            verify_program(vk, proof, bad)


def _row_of(rc: Recorded, table: str, pred) -> int:  # type: ignore[no-untyped-def]
    pre = rc.layouts[rc.index(table)].preprocessed
    assert pre is not None
    rows = [i for i in range(rc.program.heights()[table]) if pred(pre[i])]
    return rows[0]


def test_wrong_base_alu_output() -> None:
    rc = _rec(_alu)
    row = _row_of(rc, "base_alu", lambda p: p[4 + AluOp.MUL] == 1)
    rc.trace("base_alu")[row, 2] += 1
    assert "mul" in rc.failing()


def test_wrong_ext_alu_output() -> None:
    rc = _rec(_ext)
    row = _row_of(rc, "ext_alu", lambda p: p[4 + AluOp.MUL] == 1)
    rc.trace("ext_alu")[row, 2 * D + 3] += 1
    assert "mul3" in rc.failing()
    rc = _rec(_ext)
    row = _row_of(rc, "ext_alu", lambda p: p[4 + AluOp.ADD] == 1)
    rc.trace("ext_alu")[row, 2 * D] += 1
    assert "add0" in rc.failing()


def test_dot_chain_constraints() -> None:
    # a wrong running sum inside a run, at a run's start, and a chain carried across a
    # run boundary each fail; the written sum is what the readers see (bus)
    acc0 = D + 1
    for row, col, name in (
        (1, acc0 + 2, "accumulate2"),
        (0, acc0, "start0"),
        (3, acc0 + 4, "accumulate4"),
    ):
        rc = _rec(_dot)
        rc.trace("dot")[row, col] = (int(rc.trace("dot")[row, col]) + 1) % P
        assert name in rc.failing()
    rc = _rec(_dot)
    t = rc.trace("dot")
    t[3, acc0:] = (t[3, acc0:] + t[2, acc0:]) % P  # row 3 starts a run: it may not carry row 2
    assert "accumulate0" in rc.failing()
    rc = _rec(_dot)
    rc.trace("dot")[1, 0] = 99  # a coefficient other than the cell it reads
    assert "bus" in rc.failing()


def test_div_by_zero_witness() -> None:
    rc = _rec(_alu)
    row = _row_of(rc, "base_alu", lambda p: p[4 + AluOp.DIV] == 1)
    rc.trace("base_alu")[row, 1] = 0  # "1 / 0": no out satisfies out * 0 = 1
    assert "div" in rc.failing()
    rc = _rec(_ext)
    row = _row_of(rc, "ext_alu", lambda p: p[4 + AluOp.DIV] == 1)
    rc.trace("ext_alu")[row, D : 2 * D] = 0
    assert "div0" in rc.failing()


def test_non_boolean_select_bit() -> None:
    rc = _rec(_select)
    t = rc.trace("select")
    # bit = 2 with out1 = b + 2 (a - b): the selection equations hold, booleanity fails
    a, b = t[0, 1 : 1 + D].astype(np.int64), t[0, 1 + D : 1 + 2 * D].astype(np.int64)
    t[0, 0] = 2
    t[0, 1 + 2 * D :] = (b + 2 * (a - b)) % P
    assert rc.failing() >= {"bit_bool"}
    assert not {f"select{k}" for k in range(D)} & rc.failing()


def test_wrong_swap() -> None:
    rc = _rec(_select)
    t = rc.trace("select")
    row = int(np.flatnonzero((t[:, 0] == 1) & (t[:, 1] != t[:, 1 + D]))[0])
    t[row, 1 + 2 * D :] = t[row, 1 + D : 1 + 2 * D]  # out1 = b although bit = 1
    assert "select0" in rc.failing()


def _bits_block(rc: Recorded, value: int) -> tuple[int, int]:
    """The rows [start, end) of the Bits block decomposing ``value`` (its last row reads it)."""
    t = rc.trace("bits")
    pre = rc.layouts[rc.index("bits")].preprocessed
    assert pre is not None
    last = np.flatnonzero(pre[:, 3] == 1)
    end = int(last[np.flatnonzero(t[last, 1] == value)[0]]) + 1
    before = last[last < end - 1]
    return (int(before[-1]) + 1 if before.size else 0), end


def _bits_top(bits: np.ndarray, in_top: np.ndarray) -> np.ndarray:
    """The honest ``top`` column of one block (bits most significant first)."""
    top = np.zeros_like(bits)
    top[0] = bits[0]
    for j in range(1, bits.shape[0]):
        top[j] = top[j - 1] * bits[j] if in_top[j] else top[j - 1]
    return top


def test_bits_layout() -> None:
    rc = _rec(_bits)
    # blocks of 4, 31, 31, 31 rows (n = 40 takes 31 bits; n = 0 is an ASSERT_EQ, no rows)
    assert rc.program.tables[rc.index("bits")].rows == 4 + 3 * NBITS
    s, e = _bits_block(rc, 13)
    assert (e - s, rc.trace("bits")[s:e, 0].tolist()) == (4, [1, 1, 0, 1])
    assert rc.trace("bits")[s:e, 1].tolist() == [1, 3, 6, 13]


def test_non_canonical_bits() -> None:
    rc = _rec(_bits)
    v = 2**27 - 2  # v + p < 2^31: a second 31-bit representation
    s, e = _bits_block(rc, v)
    assert e - s == NBITS
    t = rc.trace("bits")
    w = v + P
    bits = (w >> np.arange(NBITS - 1, -1, -1)) & 1
    t[s:e, 0] = bits
    t[s:e, 1] = [(w >> (NBITS - 1 - j)) % P for j in range(NBITS)]  # the last one is v
    pre = rc.layouts[rc.index("bits")].preprocessed
    assert pre is not None
    t[s:e, 2] = _bits_top(bits, pre[s:e, 4])
    assert rc.failing() == {"canonical", "bus"}  # bit cells differ, the value read is the same
    # a top that hides the all-ones prefix breaks its own chain instead
    t[s + 3 :, 2] = 0
    assert rc.failing() == {"top_step", "bus"}


def test_bits_mutations() -> None:
    # a non-boolean bit with a consistent prefix value
    rc = _rec(_bits)
    s, _ = _bits_block(rc, 13)
    t = rc.trace("bits")
    t[s + 2, 0] = 2
    t[s + 2, 1] = 2 * 3 + 2
    t[s + 3, 1] = 2 * 8 + 1
    assert rc.failing() >= {"bool", "bus"}
    assert "acc_step" not in rc.failing()
    # a wrong prefix value
    rc = _rec(_bits)
    s, _ = _bits_block(rc, 13)
    rc.trace("bits")[s + 1, 1] = 2
    assert rc.failing() == {"acc_step"}
    # a block's first row that continues the previous block's value
    rc = _rec(_bits)
    s, _ = _bits_block(rc, 2**27 - 2)
    assert s > 0
    rc.trace("bits")[s, 1] = (2 * int(rc.trace("bits")[s - 1, 1]) + int(rc.trace("bits")[s, 0])) % P
    assert "acc_step" in rc.failing()
    # the table's first row must start its prefix and top at its bit
    rc = _rec(_bits)
    rc.trace("bits")[0, 1] = (int(rc.trace("bits")[0, 1]) + 2) % P
    assert "acc_first" in rc.failing()
    rc = _rec(_bits)
    rc.trace("bits")[0, 2] = 1 - int(rc.trace("bits")[0, 2])
    assert "top_first" in rc.failing()


def test_bus_read_differs_from_write() -> None:
    rc = _rec(_alu)
    row = _row_of(rc, "base_alu", lambda p: p[4 + AluOp.ADD] == 1)
    t = rc.trace("base_alu")
    t[row, 0] = (int(t[row, 0]) + 1) % P  # a read value that was never written ...
    t[row, 2] = (int(t[row, 2]) + 1) % P  # ... with a consistent sum
    assert rc.failing() == {"bus"}


def test_base_witness_slots() -> None:
    # five base inputs per row; a value other than the one its readers see unbalances the bus,
    # and so does a padding slot that writes
    rc = _rec(_alu)
    assert rc.program.tables[rc.index("witness_base")].rows == 1
    assert rc.trace("witness_base")[0, :2].tolist() == [5, 7]
    rc.trace("witness_base")[0, 1] = 8
    assert rc.failing() == {"bus"}
    rc = _rec(_alu)
    airs = rc.program.airs()
    i = rc.index("witness_base")
    airs[i].pre = airs[i].pre.copy()
    airs[i].pre[0, 5 + 3] = 1  # slot 3 is past the last op: sending there is a stray write
    rc.layouts = compile_machine(Machine(airs, rc.program.num_public))
    assert rc.failing() == {"bus"}


def test_padding_row_multiplicity() -> None:
    rc = _rec(_alu)
    airs = rc.program.airs()
    i = rc.index("witness")
    pad = rc.program.tables[i].rows
    assert pad < airs[i].height
    airs[i].pre = airs[i].pre.copy()
    airs[i].pre[pad, 1] = 1  # a padding row writing (0, 0...) once
    rc.layouts = compile_machine(Machine(airs, rc.program.num_public))
    assert rc.failing() == {"bus"}


def test_constants_are_pinned() -> None:
    """Constants are Witness rows whose value the key fixes (is_const (v - c) = 0): a changed
    constant fails its pin (and the bus, its readers see the recorded value); an input row's
    value is free but for the bus."""
    rc = _rec(_alu)
    pre = rc.layouts[rc.index("witness")].preprocessed
    assert pre is not None
    rows = rc.program.tables[rc.index("witness")].rows
    consts = [i for i in range(rows) if pre[i, 2] == 1]
    assert consts and rc.program.tables[rc.index("witness")].air.preprocessed_width == 3 + D
    t = rc.trace("witness")
    row = consts[0]
    assert t[row].tolist() == pre[row, 3:].tolist()
    t[row, 0] = (int(t[row, 0]) + 1) % P
    assert rc.failing() == {"const0", "bus"}
    rc = _rec(_alu)
    rc.trace("witness")[row, 3] = 5
    assert rc.failing() == {"const3", "bus"}
    rc = _rec(_ext)
    pre = rc.layouts[rc.index("witness")].preprocessed
    assert pre is not None
    row = next(i for i in range(rc.program.tables[rc.index("witness")].rows) if pre[i, 2] == 0)
    rc.trace("witness")[row, 1] += 1  # an e_input row: only its readers notice
    assert rc.failing() == {"bus"}


def test_public_value_binding() -> None:
    rc = _rec(_alu)
    rc.trace("public")[0, 0] += 1
    assert "public_value" in rc.failing()


def _many_public(r: RecursionBuilder) -> None:
    for i in range(46):
        r.expose_public(r.b_input(1000 + 7 * i))


def test_public_radix_selectors() -> None:
    from zkrv_prover.recursion.tables.public import radices

    assert radices(46) == (4, 4, 3) and radices(1) == (1,) and radices(5) == (5,)
    rc = _rec(_many_public)
    assert rc.problems() == []
    lay = rc.layouts[rc.index("public")]
    assert lay.pre_width == 1 + 11 and lay.degree == 3
    # every real row is bound to its own public value (another row's value, or the value of
    # the same row offset by one, fails), padding rows to zero
    for row in (0, 1, 4, 17, 45):
        for other in (row + 1, row - 1):
            rc = _rec(_many_public)
            t = rc.trace("public")
            t[row, 0] = t[other % 46, 0]
            assert "public_value" in rc.failing()
    rc = _rec(_many_public)
    rc.trace("public")[46, 0] = 1
    assert rc.failing() == {"public_value"}
    # a padding row's selectors are zero: it reads nothing
    rc = _rec(_many_public)
    airs = rc.program.airs()
    i = rc.index("public")
    airs[i].pre = airs[i].pre.copy()
    airs[i].pre[46, 1] = 1  # a padding row that reads (0, 0) once
    rc.layouts = compile_machine(Machine(airs, rc.program.num_public))
    assert "bus" in rc.failing()


def test_verifier_rejects_unbalanced_memory() -> None:
    """A malicious prover (checks off) proving a trace whose reads differ from the writes."""
    rc = _rec(_alu)
    row = _row_of(rc, "base_alu", lambda p: p[4 + AluOp.ADD] == 1)
    t = rc.trace("base_alu")
    t[row, 0] = (int(t[row, 0]) + 1) % P
    t[row, 2] = (int(t[row, 2]) + 1) % P
    vk = program_vk(rc.program, FAST)
    with unchecked_prover():
        proof = prove(vk, rc.traces, list(rc.witness.public), FieldRng.seeded(2))
    with pytest.raises(VerificationError):
        verify_program(vk, proof, rc.witness.public)


@pytest.mark.parametrize(("name", "col"), [("select", 1), ("pack", 2)])
def test_paired_logup_helpers_reject_a_forged_read(name: str, col: int) -> None:
    """Select and Pack pair their interactions on LogUp helpers (degree 3): 3 helpers for 5
    and 6 interactions. A forged value (a select input, an unpacked coefficient) that no
    constraint of the table sees unbalances the bus, and the verifier rejects its proof."""
    rc = _rec(PROGRAMS[name])
    lay = rc.layouts[rc.index(name)]
    assert (len(lay.interactions), len(lay.logup_groups), lay.degree) == (
        {"select": 5, "pack": 6}[name],
        3,
        3,
    )
    t = rc.trace(name)
    t[0, col] = (int(t[0, col]) + 1) % P
    if name == "select":  # keep out1 = b + bit (a - b) on the row
        a, b_, bit = (t[0, 1 : 1 + D].astype(np.int64), t[0, 1 + D : 1 + 2 * D], int(t[0, 0]))
        t[0, 1 + 2 * D :] = (b_.astype(np.int64) + bit * (a - b_.astype(np.int64))) % P
    assert rc.failing() == {"bus"}
    vk = program_vk(rc.program, FAST)
    with unchecked_prover():
        proof = prove(vk, rc.traces, list(rc.witness.public), FieldRng.seeded(3))
    with pytest.raises(VerificationError):
        verify_program(vk, proof, rc.witness.public)


def test_uniform_machine_is_one_fused_table() -> None:
    """All tables at one height: build_machine fuses them into one AIR (the tables' columns
    side by side, every constraint and interaction kept, LogUp budget 4: one running sum and
    one blind for the machine); the program proves and verifies, a mutated row fails the
    table's own (prefixed) constraint, and a forged read is rejected by the verifier."""
    from zkrv_prover.recursion import shrink
    from zkrv_prover.recursion.machine import (
        UNIFORM_LOGUP_DEGREE,
        build_machine,
        generate_traces,
        machine_log_heights,
    )
    from zkrv_prover.stark.air import debug

    r = RecursionBuilder()
    _select(r)
    program, witness = r.finish(16)
    assert set(program.heights().values()) == {16}
    airs = program.airs()
    (lay,) = compile_machine(build_machine(program))
    assert machine_log_heights(program) == shrink.log_heights(program) == [4]
    assert lay.main_width == sum(a.main_width for a in airs) + D  # one blind
    assert lay.pre_width == sum(a.preprocessed_width for a in airs)
    per_table = compile_machine(Machine(airs, program.num_public))
    own = [c.name for c in lay.constraints if not c.name.startswith("logup")]
    assert own == [
        f"{t.air.name}.{c.name}"
        for t in per_table
        for c in t.constraints
        if not c.name.startswith("logup")
    ]
    assert len(lay.interactions) == sum(len(t.interactions) for t in per_table)
    assert UNIFORM_LOGUP_DEGREE == 4 and lay.degree == 4
    assert all(len(g) <= 3 for g in lay.logup_groups) and lay.aux_width < sum(
        t.aux_width for t in per_table
    )
    # a program recorded without min_height keeps its tables, even when their heights agree
    # (the fused flag is part of the program's digest)
    assert program.fused and len(build_machine(_rec(_select).program).tables) > 1
    plain = _rec(_pack).program
    assert len(set(plain.heights().values())) == 1 and not plain.fused
    assert len(build_machine(plain).tables) == len(plain.tables) > 1
    r = RecursionBuilder()
    _pack(r)
    fused = r.finish(min(plain.heights().values()))[0]
    assert fused.fused and fused.heights() == plain.heights() and fused.digest != plain.digest
    vk = program_vk(program, FAST)
    proof = prove_program(vk, witness, rng=FieldRng.seeded(1), recorded=program)
    verify_program(vk, proof, witness.public)
    # the select table's columns in the fused trace
    names = [a.name for a in airs]
    m0 = sum(a.main_width for a in airs[: names.index("select")])
    (t,) = generate_traces(program, witness)
    a, b_ = t[0, m0 + 1 : m0 + 1 + D].astype(np.int64), t[0, m0 + 1 + D : m0 + 1 + 2 * D]
    t[0, m0] = 2  # bit 2 with out1 = b + 2 (a - b): only the booleanity fails
    t[0, m0 + 1 + 2 * D : m0 + 1 + 3 * D] = (b_.astype(np.int64) + 2 * (a - b_)) % P
    failing = {f.constraint for f in debug.table_failures(lay, t, list(witness.public))}
    assert failing == {"select.bit_bool"}
    (t,) = generate_traces(program, witness)
    t[0, m0 + 1] = (int(t[0, m0 + 1]) + 1) % P  # a forged input, out1 kept = b + bit (a - b)
    a, b_ = t[0, m0 + 1 : m0 + 1 + D].astype(np.int64), t[0, m0 + 1 + D : m0 + 1 + 2 * D]
    t[0, m0 + 1 + 2 * D : m0 + 1 + 3 * D] = (
        b_.astype(np.int64) + int(t[0, m0]) * (a - b_.astype(np.int64))
    ) % P
    assert not debug.table_failures(lay, t, list(witness.public))
    with unchecked_prover():
        bad = prove(vk, [t], list(witness.public), FieldRng.seeded(3))
    with pytest.raises(VerificationError):
        verify_program(vk, bad, witness.public)


def test_wrong_poseidon2_output() -> None:
    from zkrv_prover.recursion import poseidon2_air

    rc = _rec(_permute)
    t = rc.trace("poseidon2")
    c = poseidon2_air.output_cols(0)[3]
    t[0, c] = (int(t[0, c]) + 1) % P
    assert rc.failing() - {"bus"}  # a gadget constraint fails


def test_poseidon2_table_wiring() -> None:
    """The Poseidon2 table's reads and writes: proves and verifies; an output that differs from
    what its readers see unbalances the bus, and the verifier rejects it."""
    from zkrv_prover.stark.field.poseidon2 import permute

    r = RecursionBuilder()
    ins = [r.b_input(i) for i in range(16)]
    out = r.b_permute(ins)
    assert [c.v for c in out] == permute(list(range(16)))
    out2 = r.b_permute(out)
    r.expose_public(r.b_add(out2[0], out2[15]))
    rc = record(r)
    assert rc.program.rows()["poseidon2"] == 2
    assert rc.problems() == []
    vk = program_vk(rc.program, FAST)
    proof = prove_program(vk, rc.witness, rng=FieldRng.seeded(1), recorded=rc.program)
    verify_program(vk, proof, rc.witness.public)
    from zkrv_prover.recursion.tables.poseidon2 import gadget

    t = rc.trace("poseidon2")
    c = gadget().output_cols(0)[15]
    t[1, c] = (int(t[1, c]) + 1) % P  # read by the ADD: the bus sees the difference
    assert "bus" in rc.failing()
    with unchecked_prover():
        bad = prove(vk, rc.traces, list(rc.witness.public), FieldRng.seeded(2))
    with pytest.raises(VerificationError):
        verify_program(vk, bad, rc.witness.public)


def test_poseidon2_swap_constraints() -> None:
    """The swapped row (bit = 1): clearing its bit breaks the swap equations (and the read of
    the bit cell); a bit of 2 breaks booleanity."""
    from zkrv_prover.recursion.poseidon2_air import NUM_COLS

    rc = _rec(_swap_permute)
    t = rc.trace("poseidon2")
    assert t[0, NUM_COLS + 16] == 1 and t[1, NUM_COLS + 16] == 0
    t[0, NUM_COLS + 16] = 0
    assert {"swap0", "swap15", "bus"} <= rc.failing()
    rc = _rec(_swap_permute)
    rc.trace("poseidon2")[1, NUM_COLS + 16] = 2
    assert "swap_bit_bool" in rc.failing()
    rc = _rec(_swap_permute)
    rc.trace("poseidon2")[0, NUM_COLS + 3] += 1  # a read value the permutation did not use
    assert "swap11" in rc.failing()
