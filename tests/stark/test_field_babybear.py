"""BabyBear and its quartic extension against Python-int references."""

from __future__ import annotations

import numpy as np
import pytest

from zkrv_prover.stark import field as fld
from zkrv_prover.stark.field import EXT_W, P
from zkrv_prover.stark.randomness import FieldRng

RNG = FieldRng.seeded(2024)


def _edge_values() -> np.ndarray:
    edge = np.array([0, 1, 2, P - 1, P - 2, (P - 1) // 2, 1 << 30, (1 << 27) + 1], dtype=np.uint64)
    return np.concatenate([edge % P, RNG.base(200)]).astype(np.uint32)


def test_constants() -> None:
    assert P == 15 * 2**27 + 1
    # 31 generates F_p^*: its order is not a proper divisor of p - 1 (prime factors 2, 3, 5).
    for q in (2, 3, 5):
        assert pow(fld.GENERATOR, (P - 1) // q, P) != 1
    for k in range(fld.TWO_ADICITY + 1):
        g = fld.two_adic_generator(k)
        assert pow(g, 1 << k, P) == 1
        if k:
            assert pow(g, 1 << (k - 1), P) == P - 1  # order exactly 2^k
    assert fld.two_adic_generator(1) == P - 1
    with pytest.raises(ValueError):
        fld.two_adic_generator(28)


def test_base_ops_match_ints() -> None:
    a = _edge_values()
    b = np.roll(a, 3)
    ai, bi = [int(x) for x in a], [int(x) for x in b]
    assert fld.add(a, b).tolist() == [(x + y) % P for x, y in zip(ai, bi, strict=True)]
    assert fld.sub(a, b).tolist() == [(x - y) % P for x, y in zip(ai, bi, strict=True)]
    assert fld.neg(a).tolist() == [(-x) % P for x in ai]
    assert fld.mul(a, b).tolist() == [(x * y) % P for x, y in zip(ai, bi, strict=True)]
    assert fld.pow_scalar(a, 12345).tolist() == [pow(x, 12345, P) for x in ai]
    assert fld.pow_scalar(a, 0).tolist() == [1] * len(ai)
    nz = a[a != 0]
    assert fld.inv(nz).tolist() == [pow(int(x), P - 2, P) for x in nz]
    assert fld.mul(fld.inv(nz), nz).tolist() == [1] * len(nz)
    for arr in (fld.add(a, b), fld.mul(a, b), fld.inv(nz)):
        assert arr.dtype == np.uint32 and fld.is_canonical(arr)


def test_inverse_of_zero_raises() -> None:
    with pytest.raises(ZeroDivisionError):
        fld.inv(np.array([1, 0], dtype=np.uint32))
    with pytest.raises(ZeroDivisionError):
        fld.inv_int(P)


def test_asfield_and_powers() -> None:
    assert fld.asfield(np.array([-1, P, P + 5, 7], dtype=np.int64)).tolist() == [P - 1, 0, 5, 7]
    assert fld.asfield(np.array([P, 2**32 - 1], dtype=np.uint32)).tolist() == [0, (2**32 - 1) % P]
    assert fld.asfield([2**70]).tolist() == [2**70 % P]
    assert fld.powers(7, 13, start=3).tolist() == [3 * pow(7, i, P) % P for i in range(13)]
    assert fld.powers(7, 0).tolist() == []


def test_ext_irreducible() -> None:
    # x^4 - W is irreducible over F_p when W is not a square and 4 | p - 1 (binomial criterion:
    # W has no q-th root for each prime q | 4, and 4 | p - 1 since 4 | 4).
    assert pow(EXT_W, (P - 1) // 2, P) == P - 1
    assert (P - 1) % 4 == 0


def _ext_rand(n: int) -> np.ndarray:
    return RNG.ext(n)


def test_ext_mul_inv_match_ints() -> None:
    a, b = _ext_rand(300), _ext_rand(300)
    a[0] = [P - 1] * 4
    b[0] = [P - 1] * 4
    got = fld.ext_mul(a, b)
    for i in range(len(a)):
        assert tuple(got[i].tolist()) == fld.ext_mul_int(a[i].tolist(), b[i].tolist())
    # schoolbook reference independent of ext_mul_int: reduce x^4 = W by hand
    x = [int(v) for v in a[5]]
    y = [int(v) for v in b[5]]
    full = [sum(x[i] * y[k - i] for i in range(4) if 0 <= k - i < 4) for k in range(7)]
    ref = [(full[k] + (EXT_W * full[k + 4] if k + 4 < 7 else 0)) % P for k in range(4)]
    assert got[5].tolist() == ref
    inv = fld.ext_inv(a)
    one = fld.ext_mul(a, inv)
    assert (one == np.array([1, 0, 0, 0], dtype=np.uint32)).all()
    for i in range(5):
        assert tuple(inv[i].tolist()) == fld.ext_inv_int(a[i].tolist())
    # base-field elements embedded in the extension invert like base elements
    e = fld.ext_from_base(np.array([5, P - 1], dtype=np.uint32))
    assert fld.ext_inv(e)[:, 0].tolist() == [fld.inv_int(5), P - 1]
    with pytest.raises(ZeroDivisionError):
        fld.ext_inv(np.zeros((1, 4), dtype=np.uint32))
    with pytest.raises(ZeroDivisionError):
        fld.ext_inv_int((0, 0, 0, 0))


def test_ext_pow_powers_and_mul_base() -> None:
    a = _ext_rand(4)
    assert fld.ext_pow_scalar(a, 0).tolist() == [[1, 0, 0, 0]] * 4
    e = 1000003
    got = fld.ext_pow_scalar(a, e)
    for i in range(4):
        assert tuple(got[i].tolist()) == fld.ext_pow_int(a[i].tolist(), e)
    # the multiplicative group of F_{p^4} has order p^4 - 1
    assert fld.ext_pow_int(a[0].tolist(), P**4 - 1) == (1, 0, 0, 0)
    z = a[1]
    pw = fld.ext_powers(z, 9)
    for i in range(9):
        assert tuple(pw[i].tolist()) == fld.ext_pow_int(z.tolist(), i)
    s = RNG.base(4)
    assert (fld.ext_mul_base(a, s) == fld.ext_mul(a, fld.ext_from_base(s))).all()
    assert (fld.ext_sub(fld.ext_add(a, z), z) == a).all()
    assert (fld.ext_add(a, fld.ext_neg(a)) == 0).all()
