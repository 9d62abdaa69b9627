"""AIR API: expression degrees, extension-ness, builder rules, numpy evaluation vs. Python ints."""

from __future__ import annotations

import numpy as np
import pytest

from zkrv_prover.stark.air import symbolic_eval as se
from zkrv_prover.stark.air.air import Air, AirBuilder, Expr, Machine, Op, compile_machine
from zkrv_prover.stark.field.field import EXT_DEGREE, EXT_W

P = se.P_INT


def test_degrees_and_ext_flags() -> None:
    b = AirBuilder(3, 1, 2)
    x, y, z = b.main_local
    e = x * y * z + b.public[0]
    assert e.degree == 3 and not e.is_ext
    assert (b.is_first * x).degree == 2
    assert (b.is_transition * x * x).degree == 2  # x - h^-1 never adds a full unit
    assert (b.pre_local[0] * 5).degree == 1
    ch = Expr(Op.CHALLENGE, index=0)
    assert (ch * x).is_ext and (ch * x).degree == 1
    assert (x**4).degree == 4


def test_expr_has_no_truth_value() -> None:
    b = AirBuilder(1, 0, 0)
    with pytest.raises(TypeError):
        bool(b.main_local[0])
    with pytest.raises(TypeError):
        _ = b.main_local[0] == 1  # a constraint written by mistake
    with pytest.raises(TypeError):
        Expr.lift(1.5)  # type: ignore[arg-type]


def test_builder_rejects_bad_interactions() -> None:
    b = AirBuilder(2, 0, 0)
    with pytest.raises(ValueError):
        b.send(70000, [b.main_local[0]])
    with pytest.raises(ValueError):
        b.send(1, [])
    with pytest.raises(ValueError):
        b.assert_zero(Expr(Op.AUX, index=0))


def test_numpy_evaluation_matches_python_ints() -> None:
    rng = np.random.default_rng(5)
    n = 16
    main = rng.integers(0, P, size=(n, 3), dtype=np.uint64).astype(np.uint32)
    b = AirBuilder(3, 0, 1)
    x, y, z = b.main_local
    xn = b.main_next[0]
    exprs = [x * y - z * 7 + b.public[0], -(x - xn) * (y + 3), (x + 1) ** 3]
    leaf = se.RowLeaves(main, None, None, [123], None, None)
    vals = se.evaluate_numpy(exprs, leaf, n)
    m = main.astype(object)
    for r in range(n):
        X, Y, Z, XN = int(m[r, 0]), int(m[r, 1]), int(m[r, 2]), int(m[(r + 1) % n, 0])
        want = [(X * Y - Z * 7 + 123) % P, (-(X - XN) * (Y + 3)) % P, (X + 1) ** 3 % P]
        assert [int(v[r]) for v in vals] == want


def _ext_mul_ref(a: list[int], b: list[int]) -> list[int]:
    d = EXT_DEGREE
    c = [0] * (2 * d - 1)
    for i in range(d):
        for j in range(d):
            c[i + j] += a[i] * b[j]
    return [(c[k] + EXT_W * (c[k + d] if k + d < 2 * d - 1 else 0)) % P for k in range(d)]


def test_extension_arithmetic_matches_reference() -> None:
    rng = np.random.default_rng(9)
    a = rng.integers(0, P, size=(50, EXT_DEGREE), dtype=np.uint64)
    b = rng.integers(0, P, size=(50, EXT_DEGREE), dtype=np.uint64)
    prod = se.ext_mul(a, b)
    for i in range(50):
        assert prod[i].tolist() == _ext_mul_ref(a[i].tolist(), b[i].tolist())
    inv = se.ext_inv(a)
    one = se.ext_mul(a, inv)
    assert (one[:, 0] == 1).all() and (one[:, 1:] == 0).all()


def test_compile_machine_validates() -> None:
    class Empty(Air):
        name = "empty"

        def eval(self, b: AirBuilder) -> None:
            pass

    with pytest.raises(ValueError):
        compile_machine(Machine([]))
    with pytest.raises(ValueError):
        compile_machine(Machine([Empty()]))
