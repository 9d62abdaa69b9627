"""BabyBear and its extension fields against Python-int references."""

from __future__ import annotations

import numpy as np
import pytest

from zkrv_prover.stark.field import field as fld
from zkrv_prover.stark.field.field import EXT_DEGREE, EXT_W, BinomialExtension, P
from zkrv_prover.stark.field.randomness import FieldRng

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


#: The binomial extensions the generic arithmetic is tested on: the former challenge field
#: x^4 - 11, the quintic x^5 - 2 (default profile) and the sextic x^6 - 31 (128-bit profile).
CONFIGS = [(4, 11), (5, 2), (6, 31)]


def test_ext_irreducible() -> None:
    # x^d - W is irreducible over F_p when d | p - 1 and W has no q-th root for each prime q | d
    # (plus p = 1 mod 4 when 4 | d): 11 is not a square; 2 is not a fifth power; 31 is neither
    # a square nor a cube.
    assert (P - 1) % 4 == 0 and pow(11, (P - 1) // 2, P) == P - 1
    assert (P - 1) % 5 == 0 and pow(2, (P - 1) // 5, P) != 1
    assert (P - 1) % 6 == 0 and pow(31, (P - 1) // 2, P) != 1 and pow(31, (P - 1) // 3, P) != 1
    assert fld.binomial_irreducible(4, 11) and fld.binomial_irreducible(5, 2)
    assert fld.binomial_irreducible(6, 31) and not fld.binomial_irreducible(6, 2)
    assert fld.binomial_irreducible(EXT_DEGREE, EXT_W)
    assert not fld.binomial_irreducible(2, 4)  # 4 = 2^2 is a square
    assert not fld.binomial_irreducible(7, 2)  # 7 does not divide p - 1
    assert not fld.binomial_irreducible(5, pow(3, 5, P))  # a fifth power
    with pytest.raises(ValueError):
        BinomialExtension(5, 32)  # 32 = 2^5


def _ref_mul(x: list[int], y: list[int], d: int, w: int) -> list[int]:
    """Schoolbook product reduced by x^d = w by hand (independent of the module)."""
    full = [0] * (2 * d - 1)
    for i in range(d):
        for j in range(d):
            full[i + j] += x[i] * y[j]
    return [(full[k] + (w * full[k + d] if k + d < 2 * d - 1 else 0)) % P for k in range(d)]


def _ref_pow(x: list[int], e: int, d: int, w: int) -> list[int]:
    r = [1] + [0] * (d - 1)
    while e:
        if e & 1:
            r = _ref_mul(r, x, d, w)
        x = _ref_mul(x, x, d, w)
        e >>= 1
    return r


@pytest.mark.parametrize(("d", "w"), CONFIGS)
def test_generic_ext_matches_reference(d: int, w: int) -> None:
    ext = BinomialExtension(d, w)
    n = 64
    a = RNG.base((n, d)).astype(np.uint64)
    b = RNG.base((n, d)).astype(np.uint64)
    a[0] = b[0] = P - 1  # the largest products: sums must not overflow 2^64
    a[1] = b[2] = 0
    a[3, 1:] = 0  # a base element
    got = ext.mul64(a, b)
    ref = [_ref_mul(x, y, d, w) for x, y in zip(a.tolist(), b.tolist(), strict=True)]
    assert got.tolist() == ref
    assert [list(ext.mul_int(x, y)) for x, y in zip(a.tolist(), b.tolist(), strict=True)] == ref
    # broadcasting one element against many
    assert ext.mul64(a, b[5]).tolist() == [_ref_mul(x, b[5].tolist(), d, w) for x in a.tolist()]
    # Frobenius: frob(a) = a^p
    for k in range(1, d):
        assert ext.frob64(a[4:6], k).tolist() == [_ref_pow(x, P**k, d, w) for x in a[4:6].tolist()]
    # inverse: a^(p^d - 2), zero to zero in the lanes, ZeroDivisionError on ints
    inv = ext.inv64(a)
    one = [1] + [0] * (d - 1)
    for i, x in enumerate(a.tolist()):
        if not any(x):
            assert inv[i].tolist() == [0] * d
            with pytest.raises(ZeroDivisionError):
                ext.inv_int(x)
            continue
        assert _ref_mul(x, inv[i].tolist(), d, w) == one
        if i < 4:
            assert inv[i].tolist() == _ref_pow(x, P**d - 2, d, w)
        assert list(ext.inv_int(x)) == inv[i].tolist()
    assert list(ext.pow_int(a[6].tolist(), 12345)) == _ref_pow(a[6].tolist(), 12345, d, w)
    # the multiplicative group has order p^d - 1
    assert list(ext.pow_int(a[7].tolist(), P**d - 1)) == one


def _ext_rand(n: int) -> np.ndarray:
    return RNG.ext(n)


def test_ext_mul_inv_match_ints() -> None:
    a, b = _ext_rand(300), _ext_rand(300)
    assert a.shape == (300, EXT_DEGREE)
    a[0] = [P - 1] * EXT_DEGREE
    b[0] = [P - 1] * EXT_DEGREE
    got = fld.ext_mul(a, b)
    for i in range(len(a)):
        assert tuple(got[i].tolist()) == fld.ext_mul_int(a[i].tolist(), b[i].tolist())
    x = [int(v) for v in a[5]]
    y = [int(v) for v in b[5]]
    assert got[5].tolist() == _ref_mul(x, y, EXT_DEGREE, EXT_W)
    inv = fld.ext_inv(a)
    one = fld.ext_mul(a, inv)
    assert (one == np.array(fld.EXT_ONE, dtype=np.uint32)).all()
    for i in range(5):
        assert tuple(inv[i].tolist()) == fld.ext_inv_int(a[i].tolist())
    # base-field elements embedded in the extension invert like base elements
    e = fld.ext_from_base(np.array([5, P - 1], dtype=np.uint32))
    assert fld.ext_inv(e)[:, 0].tolist() == [fld.inv_int(5), P - 1]
    with pytest.raises(ZeroDivisionError):
        fld.ext_inv(np.zeros((1, EXT_DEGREE), dtype=np.uint32))
    with pytest.raises(ZeroDivisionError):
        fld.ext_inv_int(fld.EXT_ZERO)


def test_ext_pow_powers_and_mul_base() -> None:
    a = _ext_rand(4)
    assert fld.ext_pow_scalar(a, 0).tolist() == [list(fld.EXT_ONE)] * 4
    e = 1000003
    got = fld.ext_pow_scalar(a, e)
    for i in range(4):
        assert tuple(got[i].tolist()) == fld.ext_pow_int(a[i].tolist(), e)
    # the multiplicative group of the extension has order p^EXT_DEGREE - 1
    assert fld.ext_pow_int(a[0].tolist(), P**EXT_DEGREE - 1) == fld.EXT_ONE
    z = a[1]
    pw = fld.ext_powers(z, 9)
    for i in range(9):
        assert tuple(pw[i].tolist()) == fld.ext_pow_int(z.tolist(), i)
    s = RNG.base(4)
    assert (fld.ext_mul_base(a, s) == fld.ext_mul(a, fld.ext_from_base(s))).all()
    assert (fld.ext_sub(fld.ext_add(a, z), z) == a).all()
    assert (fld.ext_add(a, fld.ext_neg(a)) == 0).all()
