"""BabyBear (p = 15 * 2^27 + 1) and its quartic extension F_p[x]/(x^4 - 11), vectorized in numpy.

Conventions (fixed for the whole ``stark`` package):

- A base-field array is ``np.uint32`` with every entry canonical (< p). Functions here accept any
  integer dtype holding canonical values and return ``np.uint32``.
- An extension array has a trailing axis of length 4 holding the coefficients of 1, x, x^2, x^3
  (x^4 = 11; the polynomial is irreducible because 11 is not a square in F_p and p = 1 mod 4,
  see ``test_field_ext_irreducible``).
- Products are formed in ``np.uint64`` (p^2 < 2^62) and reduced by :func:`mod_p` (an exact
  division by the constant p, which numpy runs several times faster than ``%``); the NTT uses its
  own Shoup multiplication (``ntt.py``).
- The ``*64`` functions (``mul64``, ``ext_mul64``...) are the same arithmetic on ``np.uint64``
  arrays of canonical values, returning ``np.uint64`` without dtype round trips: the constraint
  evaluator (``symbolic_eval``) and the quotient work in that representation.

Scalar helpers on Python ints (``inv_int``, ``ext_mul_int``...) serve the native verifier
arithmetic and the tests' independent references.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]

#: The BabyBear prime.
P: int = 2013265921
#: Largest k with 2^k | p - 1.
TWO_ADICITY: int = 27
#: A generator of the multiplicative group F_p^* (used as the LDE coset shift).
GENERATOR: int = 31
#: Extension: x^4 = EXT_W.
EXT_W: int = 11
EXT_DEGREE: int = 4

_P64 = np.uint64(P)
_W64 = np.uint64(EXT_W)


# --------------------------------------------------------------------------------------------
# Python-int scalars
# --------------------------------------------------------------------------------------------


def inv_int(a: int) -> int:
    """Inverse of a nonzero base element; ``ZeroDivisionError`` for zero."""
    a %= P
    if a == 0:
        raise ZeroDivisionError("inverse of zero in BabyBear")
    return pow(a, P - 2, P)


def two_adic_generator(log_n: int) -> int:
    """The canonical generator of the order-2^log_n subgroup: GENERATOR^((p-1)/2^log_n)."""
    if not 0 <= log_n <= TWO_ADICITY:
        raise ValueError(f"BabyBear has no subgroup of order 2^{log_n}")
    return pow(GENERATOR, (P - 1) >> log_n, P)


ExtInt = tuple[int, int, int, int]


def ext_mul_int(a: Sequence[int], b: Sequence[int]) -> ExtInt:
    """Product in F_p[x]/(x^4 - 11) on Python ints."""
    c = [0] * 7
    for i in range(4):
        for j in range(4):
            c[i + j] += a[i] * b[j]
    return (
        (c[0] + EXT_W * c[4]) % P,
        (c[1] + EXT_W * c[5]) % P,
        (c[2] + EXT_W * c[6]) % P,
        c[3] % P,
    )


def ext_inv_int(a: Sequence[int]) -> ExtInt:
    """Inverse in the extension on Python ints; ``ZeroDivisionError`` for zero."""
    a0, a1, a2, a3 = (v % P for v in a)
    # a(x) a(-x) = b0 + b1 x^2 lies in F_p[x^2]; its norm b0^2 - W b1^2 lies in F_p.
    b0 = (a0 * a0 + EXT_W * a2 * a2 - 2 * EXT_W * a1 * a3) % P
    b1 = (2 * a0 * a2 - a1 * a1 - EXT_W * a3 * a3) % P
    n = (b0 * b0 - EXT_W * b1 * b1) % P
    ninv = inv_int(n)
    conj = (a0, (-a1) % P, a2, (-a3) % P)
    return ext_mul_int(conj, (b0 * ninv % P, 0, (-b1) * ninv % P, 0))


def ext_pow_int(a: Sequence[int], e: int) -> ExtInt:
    """a^e in the extension (e >= 0) on Python ints."""
    r: ExtInt = (1, 0, 0, 0)
    base: ExtInt = (a[0] % P, a[1] % P, a[2] % P, a[3] % P)
    while e:
        if e & 1:
            r = ext_mul_int(r, base)
        base = ext_mul_int(base, base)
        e >>= 1
    return r


# --------------------------------------------------------------------------------------------
# uint64 lanes: canonical values in np.uint64, results np.uint64 (constraint evaluation)
# --------------------------------------------------------------------------------------------


def mod_p(x: npt.NDArray[np.uint64], out: U64 | None = None) -> U64:
    """x mod p for a uint64 array, as x - (x // p) p (numpy divides by a scalar constant with a
    multiply and shift, several times faster than ``%``). ``out=x`` reduces a temporary in
    place."""
    q = np.floor_divide(x, _P64, dtype=np.uint64)
    q *= _P64
    return np.subtract(x, q, out=out, dtype=np.uint64)


def _mod_tmp(x: U64) -> U64:
    """mod_p of a fresh temporary, in place (numpy scalars, from 0-d operands, are not)."""
    if isinstance(x, np.ndarray) and x.ndim:
        return mod_p(x, out=x)
    return mod_p(np.asarray(x, dtype=np.uint64))


def add64(a: U64, b: U64) -> U64:
    """a + b mod p (canonical uint64 inputs)."""
    s = np.add(a, b, dtype=np.uint64)
    return np.minimum(s, np.subtract(s, _P64))  # s - p wraps to a huge value when s < p


def sub64(a: U64, b: U64) -> U64:
    """a - b mod p (canonical uint64 inputs)."""
    s = np.add(a, _P64 - b, dtype=np.uint64)
    return np.minimum(s, np.subtract(s, _P64))


def neg64(a: U64) -> U64:
    """-a mod p (canonical uint64 input)."""
    s = np.subtract(_P64, a, dtype=np.uint64)
    return np.minimum(s, np.subtract(s, _P64))


def mul64(a: U64, b: U64) -> U64:
    """a * b mod p (canonical uint64 inputs, broadcasting)."""
    return _mod_tmp(np.multiply(a, b, dtype=np.uint64))


def pow64(a: U64, e: int) -> U64:
    """``a ** e`` elementwise for a public exponent e >= 0 (square and multiply)."""
    result = np.ones(np.shape(a), dtype=np.uint64)
    base = np.asarray(a, dtype=np.uint64)
    while e:
        if e & 1:
            result = mul64(result, base)
        e >>= 1
        if e:
            base = mul64(base, base)
    return result


def inv64(a: U64) -> U64:
    """Elementwise inverse a^(p-2); zero maps to zero (callers check for zeros)."""
    return pow64(a, P - 2)


def ext_from_base64(a: U64) -> U64:
    """Embed base values: shape (...) -> (..., 4)."""
    out = np.zeros((*np.shape(a), 4), dtype=np.uint64)
    out[..., 0] = a
    return out


def ext_mul_base64(a: U64, s: U64) -> U64:
    """Extension ``a (..., 4)`` times base ``s`` broadcast against ``a`` (pass ``s[..., None]``
    for one base value per extension element)."""
    return mul64(a, s)


def ext_mul64(a: U64, b: U64) -> U64:
    """Product in F_p[x]/(x^4 - 11) for uint64 arrays (..., 4), broadcasting the leading axes.
    Sums of at most four products stay below 4 p^2 < 2^64, so one reduction per sum."""
    a0, a1, a2, a3 = (a[..., i] for i in range(4))
    b0, b1, b2, b3 = (b[..., i] for i in range(4))
    lead = np.broadcast_shapes(a.shape[:-1], b.shape[:-1])
    out = np.empty((*lead, 4), dtype=np.uint64)
    hi4 = _mod_tmp(a1 * b3 + a2 * b2 + a3 * b1)
    out[..., 0] = _mod_tmp(a0 * b0 + _W64 * hi4)
    hi5 = _mod_tmp(a2 * b3 + a3 * b2)
    out[..., 1] = _mod_tmp(a0 * b1 + a1 * b0 + _W64 * hi5)
    hi6 = _mod_tmp(a3 * b3)
    out[..., 2] = _mod_tmp(a0 * b2 + a1 * b1 + a2 * b0 + _W64 * hi6)
    out[..., 3] = _mod_tmp(a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0)
    return out


def ext_inv64(a: U64) -> U64:
    """Inverse of every extension element of ``a (..., 4)`` through the norm to F_p: with
    a'(x) = a(-x), a a' = b0 + b2 x^2 and (b0 + b2 x^2)(b0 - b2 x^2) = b0^2 - 11 b2^2 lies in
    F_p; one base inversion per element. Zero maps to zero (callers check)."""
    a = np.asarray(a, dtype=np.uint64)
    conj = a.copy()
    conj[..., 1] = neg64(a[..., 1])
    conj[..., 3] = neg64(a[..., 3])
    e = ext_mul64(a, conj)  # e[..., 1] == e[..., 3] == 0
    b0, b2 = e[..., 0], e[..., 2]
    norm = sub64(mul64(b0, b0), mul64(np.asarray(_W64), mul64(b2, b2)))
    half = np.zeros_like(a)
    half[..., 0] = b0
    half[..., 2] = neg64(b2)
    return ext_mul_base64(ext_mul64(conj, half), inv64(norm)[..., None])


# --------------------------------------------------------------------------------------------
# Vectorized base field
# --------------------------------------------------------------------------------------------


def asfield(a: npt.ArrayLike) -> U32:
    """Convert integers (any sign or size) to canonical uint32 BabyBear values (reduces mod p)."""
    arr = np.asarray(a)
    if arr.dtype.kind in "iu" and arr.dtype.itemsize <= 8:
        return np.mod(arr.astype(np.int64) if arr.dtype.kind == "i" else arr, P).astype(np.uint32)
    return np.array([int(v) % P for v in arr.ravel()], dtype=np.uint32).reshape(arr.shape)


def is_canonical(a: npt.NDArray[np.integer]) -> bool:
    """True iff every entry of an integer array lies in [0, p)."""
    return bool(a.size == 0 or (int(a.min()) >= 0 and int(a.max()) < P))


def add(a: npt.NDArray[np.integer], b: npt.NDArray[np.integer]) -> U32:
    """a + b mod p, elementwise with broadcasting."""
    s = a.astype(np.uint64) + b.astype(np.uint64)
    return np.minimum(s, np.subtract(s, _P64)).astype(np.uint32)


def sub(a: npt.NDArray[np.integer], b: npt.NDArray[np.integer]) -> U32:
    """a - b mod p."""
    s = a.astype(np.uint64) + _P64 - b.astype(np.uint64)
    return np.minimum(s, np.subtract(s, _P64)).astype(np.uint32)


def neg(a: npt.NDArray[np.integer]) -> U32:
    """-a mod p."""
    s = _P64 - a.astype(np.uint64)
    return np.minimum(s, np.subtract(s, _P64)).astype(np.uint32)


def mul(a: npt.NDArray[np.integer], b: npt.NDArray[np.integer]) -> U32:
    """a * b mod p."""
    return _mod_tmp(a.astype(np.uint64) * b.astype(np.uint64)).astype(np.uint32)


def _mul64(a: U64, b: U64) -> U64:
    return _mod_tmp(a * b)


def pow_scalar(a: npt.NDArray[np.integer], e: int) -> U32:
    """a^e elementwise for a public integer exponent e >= 0 (0^0 = 1)."""
    if e < 0:
        raise ValueError("negative exponent; use inv first")
    r = np.ones(np.shape(a), dtype=np.uint64)
    base = a.astype(np.uint64)
    while e:
        if e & 1:
            r = _mul64(r, base)
        e >>= 1
        if e:
            base = _mul64(base, base)
    return r.astype(np.uint32)


def inv(a: npt.NDArray[np.integer]) -> U32:
    """Elementwise inverse a^(p-2); ``ZeroDivisionError`` if any entry is zero."""
    if np.any(a == 0):
        raise ZeroDivisionError("inverse of zero in BabyBear")
    return pow_scalar(a, P - 2)


def powers(base: int, n: int, start: int = 1) -> U32:
    """[start * base^i for i < n] as uint32, computed by doubling (no Python loop over n)."""
    out = np.empty(max(n, 1), dtype=np.uint64)
    out[0] = start % P
    filled = 1
    step = base % P  # base^filled
    while filled < n:
        k = min(filled, n - filled)
        out[filled : filled + k] = (out[:k] * np.uint64(step)) % _P64
        filled += k
        step = step * step % P
    return out[:n].astype(np.uint32)


# --------------------------------------------------------------------------------------------
# Vectorized extension field (trailing axis of 4)
# --------------------------------------------------------------------------------------------


def ext_from_base(a: npt.NDArray[np.integer]) -> U32:
    """Embed base elements: shape (...) -> (..., 4)."""
    out = np.zeros((*np.shape(a), 4), dtype=np.uint32)
    out[..., 0] = a
    return out


def ext_const(c: Sequence[int]) -> U32:
    """One extension element from 4 ints (reduced mod p)."""
    return np.array([int(v) % P for v in c], dtype=np.uint32)


def ext_add(a: U32, b: U32) -> U32:
    """a + b in the extension (coefficientwise)."""
    return add(a, b)


def ext_sub(a: U32, b: U32) -> U32:
    """a - b in the extension."""
    return sub(a, b)


def ext_neg(a: U32) -> U32:
    """-a in the extension."""
    return neg(a)


def ext_mul_base(a: U32, b: npt.NDArray[np.integer]) -> U32:
    """Extension (..., 4) times base (...), broadcasting."""
    return mul(a, np.asarray(b)[..., None])


def ext_mul(a: U32, b: U32) -> U32:
    """Product in F_p[x]/(x^4 - 11) for arrays (..., 4), broadcasting the leading axes.

    Sums of at most four products stay below 4 p^2 < 2^64, so one ``%`` per partial sum suffices.
    """
    return ext_mul64(a.astype(np.uint64), b.astype(np.uint64)).astype(np.uint32)


def ext_square(a: U32) -> U32:
    """a^2 in the extension."""
    return ext_mul(a, a)


def ext_inv(a: U32) -> U32:
    """Elementwise extension inverse via the norm to F_p; ``ZeroDivisionError`` on zero."""
    a64 = a.astype(np.uint64)
    a0, a1, a2, a3 = (a64[..., i] for i in range(4))
    # a(x) a(-x) = b0 + b1 x^2, with b0 = a0^2 + W a2^2 - 2W a1 a3, b1 = 2 a0 a2 - a1^2 - W a3^2.
    w2 = np.uint64(2 * EXT_W)
    b0 = (a0 * a0 + _W64 * ((a2 * a2) % _P64) + w2 * (_P64 - (a1 * a3) % _P64)) % _P64
    b1 = (np.uint64(2) * ((a0 * a2) % _P64) + _P64 - (a1 * a1) % _P64) % _P64
    b1 = (b1 + _P64 - (_W64 * ((a3 * a3) % _P64)) % _P64) % _P64
    norm = (b0 * b0 + _P64 - (_W64 * ((b1 * b1) % _P64)) % _P64) % _P64
    ninv = inv(norm).astype(np.uint64)
    conj = np.stack([a0, (_P64 - a1) % _P64, a2, (_P64 - a3) % _P64], axis=-1).astype(np.uint32)
    zero = np.zeros_like(b0)
    c = np.stack([(b0 * ninv) % _P64, zero, ((_P64 - b1) % _P64 * ninv) % _P64, zero], axis=-1)
    return ext_mul(conj, c.astype(np.uint32))


def ext_pow_scalar(a: U32, e: int) -> U32:
    """a^e elementwise in the extension for a public exponent e >= 0."""
    if e < 0:
        raise ValueError("negative exponent; use ext_inv first")
    r = ext_from_base(np.ones(a.shape[:-1], dtype=np.uint32))
    base = a
    while e:
        if e & 1:
            r = ext_mul(r, base)
        e >>= 1
        if e:
            base = ext_mul(base, base)
    return r


def ext_powers(z: Sequence[int] | U32, n: int) -> U32:
    """[z^i for i < n] as an (n, 4) array, by doubling (no Python loop over n)."""
    out = np.zeros((max(n, 1), 4), dtype=np.uint32)
    out[0, 0] = 1
    filled = 1
    step = np.asarray(z, dtype=np.uint32).reshape(4)  # z^filled
    while filled < n:
        k = min(filled, n - filled)
        out[filled : filled + k] = ext_mul(out[:k], step)
        filled += k
        step = ext_mul(step, step)
    return out[:n]
