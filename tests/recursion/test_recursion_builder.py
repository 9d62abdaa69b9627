"""The recorder computes what NativeArith computes (on the generic helpers of arith.py and a
Poseidon2 sponge over b_permute), its recorded programs satisfy the recursion AIR, failed
checks raise VerificationError, and the program depends only on the control flow."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest
from recursion_testutil import record

from zkrv_prover.recursion.builder import (
    BCell,
    ECell,
    RecursionBuilder,
    UnsupportedInRecursionError,
)
from zkrv_prover.stark.field.arith import (
    AnyArith,
    LogHeight,
    NativeArith,
    VerificationError,
    b_pow_bits,
    b_pow_const,
    e_add_base,
    e_assert_eq_if,
    e_from_base,
    e_pow_const,
    select_e_by_bits,
)
from zkrv_prover.stark.field.field import P

Fn = Callable[[AnyArith, Sequence[int]], list[Any]]


def _value(x: Any) -> Any:
    if isinstance(x, BCell | ECell):
        return x.v
    return x


def _both(fn: Fn, inputs: Sequence[int]) -> tuple[list[Any], list[Any], RecursionBuilder]:
    native = fn(NativeArith(), inputs)
    r = RecursionBuilder()
    recorded = [_value(x) for x in fn(r, inputs)]
    return native, recorded, r


def helpers(ar: AnyArith, xs: Sequence[int]) -> list[Any]:
    a = ar.b_input(xs[0])
    e = ar.e_input(xs[1:6])
    bits = ar.b_to_bits(ar.b_input(xs[6]), 3)
    items = [ar.e_const([i, i + 1, 0, 0, 7]) for i in range(8)]
    out = [
        b_pow_const(ar, a, 0),
        b_pow_const(ar, a, 1000003),
        e_pow_const(ar, e, 77),
        b_pow_bits(ar, 31, bits),
        select_e_by_bits(ar, items, bits),
        e_add_base(ar, e, a),
        e_from_base(ar, a),
        ar.e_inv(e),
        ar.b_inv(a),
        ar.e_coeffs(ar.e_mul_base(e, a)),
    ]
    e_assert_eq_if(ar, bits[0], e, e, "eq_if")
    return [x for o in out for x in (o if isinstance(o, list) else [o])]


def log_height(ar: AnyArith, xs: Sequence[int]) -> list[Any]:
    lv = ar.b_input(xs[0])
    lh: LogHeight[Any, Any] = LogHeight(3, 7, tuple(ar.one_hot(lv, 3, 7)))
    consts = {h: ar.e_const([h, 2 * h, 0, 1, 0]) for h in range(3, 8)}
    shared = ar.e_const([5, 5, 5, 5, 5])
    bit = ar.b_to_bits(ar.b_input(xs[1]), 1)[0]
    return [
        *lh.sel,
        lh.select(ar, ar.select_e, lambda h: consts[h] if h < 6 else shared),
        lh.select_b_const(ar, lambda h: pow(31, 1 << h, P)),
        lh.when(ar, lambda h: h % 2 == 1),
        lh.when(ar, lambda h: h > 0),
        lh.select_bit(ar, lambda h: bit if h > 4 else None),
        ar.bit_and(bit, lh.when(ar, lambda h: h >= 5)),
    ]


def sponge(ar: AnyArith, xs: Sequence[int]) -> list[Any]:
    """Absorb xs 8 at a time into a zero state (overwrite mode), squeeze 8."""
    zero = ar.b_const(0)
    state = [zero] * 16
    for i in range(0, len(xs), 8):
        chunk = [ar.b_input(v) for v in xs[i : i + 8]]
        state = ar.b_permute([*chunk, *state[len(chunk) :]])
    return state[:8]


CASES: list[tuple[str, Fn, list[list[int]]]] = [
    ("helpers", helpers, [[5, 1, 2, 3, 4, 5, 6], [P - 1, 0, 0, 0, 0, 9, 1]]),
    ("log_height", log_height, [[5, 1], [3, 0], [7, 1]]),
    ("sponge", sponge, [list(range(20)), [P - 1] * 20]),
]


@pytest.mark.parametrize(("name", "fn", "inputs"), CASES, ids=[c[0] for c in CASES])
def test_matches_native_and_satisfies_air(name: str, fn: Fn, inputs: list[list[int]]) -> None:
    digests = set()
    for xs in inputs:
        native, recorded, r = _both(fn, xs)
        assert recorded == native
        rc = record(r)
        assert rc.problems() == []
        digests.add(rc.program.digest)
    # the same control flow on other values: the same program
    assert len(digests) <= 1


def test_program_depends_on_shape() -> None:
    def shape(n: int) -> str:
        r = RecursionBuilder()
        b_pow_const(r, r.b_input(3), n)
        return r.finish()[0].digest

    assert shape(10) == shape(10)
    assert shape(10) != shape(11)


def _fails(fn: Callable[[RecursionBuilder], Any], native: Callable[[NativeArith], Any]) -> None:
    with pytest.raises(VerificationError) as exp:
        native(NativeArith())
    with pytest.raises(VerificationError) as got:
        fn(RecursionBuilder())
    assert str(got.value) == str(exp.value)


@pytest.mark.parametrize(
    "check",
    [
        lambda ar: ar.b_assert_eq(ar.b_input(1), ar.b_input(2), "b"),
        lambda ar: ar.e_assert_eq(ar.e_input([1, 0, 0, 0, 0]), ar.e_const([1, 0, 0, 0, 1]), "e"),
        lambda ar: ar.b_inv(ar.b_input(0)),
        lambda ar: ar.e_inv(ar.e_input([0] * 5)),
        lambda ar: ar.e_assert_nonzero(ar.e_input([0] * 5), "nz"),
        lambda ar: ar.b_to_bits(ar.b_input(16), 4),
        lambda ar: ar.one_hot(ar.b_input(9), 3, 7),
        lambda ar: ar.one_hot(ar.b_input(2), 3, 3),
    ],
)
def test_failed_checks_raise(check: Callable[[Any], Any]) -> None:
    _fails(check, check)


def test_one_hot_single_candidate_is_constant() -> None:
    r = RecursionBuilder()
    (bit,) = r.one_hot(r.b_input(4), 4, 4)
    assert bit.v == 1
    assert record(r).problems() == []


@pytest.mark.parametrize(
    "op",
    [
        lambda r: r.d_input(1),
        lambda r: r.d_const(1),
        lambda r: r.hash([]),
        lambda r: r.pack_base([r.b_const(1)]),
        lambda r: r.d_to_bits(None, 3),
        lambda r: r.d_to_base(None, 1),
        lambda r: r.d_assert_eq(None, None, "x"),
        lambda r: r.select_d(r.bit_const(1), None, None),
    ],
)
def test_digest_ops_unsupported(op: Callable[[RecursionBuilder], Any]) -> None:
    with pytest.raises(UnsupportedInRecursionError, match="poseidon2-babybear"):
        op(RecursionBuilder())


def test_cells_written_once_and_consts_deduplicated() -> None:
    r = RecursionBuilder()
    a, b = r.b_const(3), r.b_const(3)
    assert a.addr == b.addr
    e = r.e_const([3, 0, 0, 0, 0])
    assert e.addr == a.addr  # a base constant is the block (v, 0, ...)
    x = r.e_input([1, 2, 3, 4, 5])
    assert r.e_from_coeffs(r.e_coeffs(x)) is x  # packing the coefficients back: the same cell
    rc = record(r)
    assert rc.program.rows()["witness"] == 2  # the one deduplicated constant and x


def test_swap_pair_is_one_select_row() -> None:
    r = RecursionBuilder()
    bit = r.b_to_bits(r.b_input(1), 1)[0]
    a, b = r.b_input(3), r.b_input(4)
    x, y = r.select_b(bit, b, a), r.select_b(bit, a, b)  # xor_permute's conditional swap
    assert (x.v, y.v) == (4, 3)
    rc = record(r)
    assert rc.program.rows()["select"] == 1
    assert rc.problems() == []
