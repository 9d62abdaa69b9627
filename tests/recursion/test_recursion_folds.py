"""Recorder folds (``RecursionBuilder``): additions of a constant zero, products by a constant
one or zero, and ``bit_and``/``bit_sum`` of one ``one_hot``'s hints emit no rows; a select of a
zero is a product, a vector select packs its elements by blocks. A program using them satisfies
its AIR, and a witness that breaks what they rely on (a one-hot with two set hints, a changed
cell read through an aliased block, a flipped select bit) fails it."""

from __future__ import annotations

import numpy as np
from recursion_testutil import Recorded, record

from zkrv_prover.recursion.builder import RecursionBuilder
from zkrv_prover.recursion.machine import table_traces
from zkrv_prover.recursion.program import RecursionWitness
from zkrv_prover.stark.field.field import EXT_DEGREE

ONE = (1,) + (0,) * (EXT_DEGREE - 1)
ZERO = (0,) * EXT_DEGREE


def _rows(r: RecursionBuilder) -> dict[str, int]:
    """Op rows per table, without the (deduplicated) constants (Witness rows)."""
    counts = r.op_counts()
    counts["witness"] = counts.get("witness", 0) - r.num_consts
    return {k: v for k, v in counts.items() if v}


def test_constant_folds_emit_no_rows() -> None:
    r = RecursionBuilder()
    x, b = r.e_input([3, 1, 4, 1, 5]), r.b_input(9)
    before = _rows(r)
    assert r.e_add(r.e_const(ZERO), x) is x and r.e_add(x, r.e_const(ZERO)) is x
    assert r.e_sub(x, r.e_const(ZERO)) is x
    assert r.e_mul(r.e_const(ONE), x) is x and r.e_mul_base(x, r.b_const(1)) is x
    assert r.b_add(r.b_const(0), b) is b and r.b_sub(b, r.b_const(0)) is b
    assert r.b_mul(r.b_const(1), b) is b and r.b_mul(b, r.b_const(0)).v == 0
    alias = r.e_mul_base(r.e_const(ONE), b)
    assert alias.addr == b.addr and alias.v == (9, 0, 0, 0, 0)
    assert _rows(r) == before


def test_one_hot_folds() -> None:
    r = RecursionBuilder()
    hints = r.one_hot(r.b_input(5), 3, 7)
    other = r.one_hot(r.b_input(4), 3, 7)
    before = _rows(r)
    assert r.bit_and(hints[2], hints[2]) is hints[2]
    assert r._const_value(r.bit_and(hints[1], hints[2])) == 0
    assert r._const_value(r.bit_sum(hints)) == 1
    assert _rows(r) == before
    # hints of different one_hot calls, or only some hints of one: real rows
    r.bit_and(hints[2], other[1])
    r.bit_sum(hints[1:])
    assert r.op_counts()["base_alu"] > before["base_alu"]


def test_selects_of_zero_and_of_vectors() -> None:
    """``bit ? a : 0`` is one ExtAlu row; an 8-element vector select is one Select row for
    its first five elements (packed) and one per remaining element; a chain re-packs nothing."""
    r = RecursionBuilder()
    bit, x = r.b_input(1), r.e_input([1, 2, 3, 4, 5])
    before = _rows(r)
    assert r.select_e(bit, x, r.e_const(ZERO)).v == x.v
    assert _rows(r) == {**before, "ext_alu": before.get("ext_alu", 0) + 1}
    vecs = [[r.b_input(10 * k + i) for i in range(8)] for k in range(3)]
    before = _rows(r)
    acc = r.select_b_vec(bit, vecs[1], vecs[0])
    acc = r.select_b_vec(r.b_input(0), vecs[2], acc)
    assert [c.v for c in acc] == [10 + i for i in range(8)]
    after = _rows(r)
    assert after["select"] - before.get("select", 0) == 2 * (1 + 3)
    # packs: vecs[0], vecs[1], vecs[2]; unpacks: two results (acc re-packs from the cache)
    assert after["pack"] - before.get("pack", 0) == 3 + 2


def _program() -> tuple[RecursionBuilder, list[int], int, int]:
    """A mux through folded one-hot products, an extension sum reading a base cell as an
    aliased block, a select of a zero and a vector select chain. Returns the builder, the hint
    addresses, the aliased cell's address and the vector select bit's address."""
    r = RecursionBuilder()
    hints = r.one_hot(r.b_input(5), 3, 7)
    xs = [r.b_input(v) for v in (1, 0, 1, 1, 0)]
    # the selected bit, and sum of the squared hints (folds to the constant 1)
    mux = r.bit_sum([r.bit_and(h, x) for h, x in zip(hints, xs, strict=True)])
    one = r.bit_sum([r.bit_and(h, h) for h in hints])
    c = r.b_add(r.b_mul(mux, r.b_input(6)), one)
    e = r.e_add(r.e_mul_base(r.e_const(ONE), c), r.e_input([0, 2, 0, 0, 0]))
    e = r.e_add(e, r.select_e(mux, r.e_input([1, 1, 1, 1, 1]), r.e_const(ZERO)))
    r.expose_public(r.e_coeffs(e)[0])
    bit = r.b_input(1)
    vecs = [[r.b_input(10 * k + i) for i in range(8)] for k in range(3)]
    acc = r.select_b_vec(bit, vecs[1], vecs[0])
    acc = r.select_b_vec(bit, vecs[2], acc)
    for cell in acc:
        r.expose_public(cell)
    return r, [h.addr for h in hints], c.addr, bit.addr


def _with_memory(rc: Recorded, addr: int, value: int) -> Recorded:
    mem = np.array(rc.witness.memory, copy=True)
    mem[addr, 0] = value
    w = RecursionWitness(mem, rc.witness.public)
    return Recorded(rc.program, w, rc.layouts, table_traces(rc.program, w))


def test_folded_program_satisfies_its_air() -> None:
    r, _, _, _ = _program()
    rc = record(r)
    assert rc.problems() == []
    assert list(rc.witness.public) == [6 + 1 + 1, *(20 + i for i in range(8))]


def test_second_set_hint_fails() -> None:
    """The folds rely on the one-hot constraints: a witness with two set hints breaks them."""
    r, hints, _, _ = _program()
    rc = record(r)
    assert not rc.failing()
    bad = _with_memory(rc, hints[0], 1)  # hint for 3 set too (5 is the value)
    assert bad.failing()


def test_aliased_block_is_the_base_cell() -> None:
    r, _, c, _ = _program()
    rc = record(r)
    bad = _with_memory(rc, c, (int(rc.witness.memory[c, 0]) + 1))
    assert bad.failing()


def test_flipped_vector_select_bit_fails() -> None:
    """The packed vector select is bound to its bit: flipping it breaks the program."""
    r, _, _, bit = _program()
    rc = record(r)
    assert not rc.failing()
    assert _with_memory(rc, bit, 0).failing()
