"""BabyBear (p = 15 * 2^27 + 1) and its challenge field, the binomial extension
F_p[x]/(x^EXT_DEGREE - EXT_W), vectorized in numpy.

Conventions (fixed for the whole ``stark`` package):

- A base-field array is ``np.uint32`` with every entry canonical (< p). Functions here accept any
  integer dtype holding canonical values and return ``np.uint32``.
- An extension array has a trailing axis of length ``EXT_DEGREE`` holding the coefficients of
  1, x, ..., x^(EXT_DEGREE - 1), with x^EXT_DEGREE = EXT_W. Every other module takes the degree
  and the shape of extension values from ``EXT_DEGREE`` (never a literal). The arithmetic is
  written for any irreducible binomial x^d - w (:class:`BinomialExtension`, checked on
  construction: d | p - 1 and w has no q-th root for each prime q | d, plus p = 1 mod 4 when
  4 | d); tests run it for x^4 - 11, x^5 - 2 and x^6 - 31.
- Products are formed in ``np.uint64`` (p^2 < 2^62) and reduced by :func:`mod_p` (an exact
  division by the constant p, which numpy runs several times faster than ``%``); the NTT uses its
  own Shoup multiplication (``ntt.py``). Sums of products are reduced before they could reach
  2^64 (at most four products < p^2 fit), so the extension product is exact for any degree.
- The ``*64`` functions (``mul64``, ``ext_mul64``...) are the same arithmetic on ``np.uint64``
  arrays of canonical values, returning ``np.uint64`` without dtype round trips: the constraint
  evaluator (``symbolic_eval``) and the quotient work in that representation.

Scalar helpers on Python ints (``inv_int``, ``ext_mul_int``...) serve the native verifier
arithmetic and the tests' independent references.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from zkrv_prover.stark.field.profile import PROFILE

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]

#: The BabyBear prime.
P: int = 2013265921
#: Largest k with 2^k | p - 1.
TWO_ADICITY: int = 27
#: A generator of the multiplicative group F_p^* (used as the LDE coset shift).
GENERATOR: int = 31
#: The challenge field is F_p[x]/(x^EXT_DEGREE - EXT_W): x^5 - 2 in the default security profile,
#: x^6 - 31 in the 128-bit one (``profile.py``).
EXT_DEGREE: int = PROFILE.ext_degree
EXT_W: int = PROFILE.ext_w

_P64 = np.uint64(P)
#: Bound of a product of two canonical values.
_PROD = (P - 1) ** 2
_U64_LIMIT = 1 << 64


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


#: An extension element as EXT_DEGREE Python ints (coefficients of 1, x, x^2, ...).
ExtInt = tuple[int, ...]


def ext_embed(v: int) -> ExtInt:
    """The base element v (reduced mod p) as an extension element."""
    return (v % P,) + (0,) * (EXT_DEGREE - 1)


#: 0 and 1 of the extension.
EXT_ZERO: ExtInt = ext_embed(0)
EXT_ONE: ExtInt = ext_embed(1)


def ext_mul_int(a: Sequence[int], b: Sequence[int]) -> ExtInt:
    """Product in the extension on Python ints."""
    return EXT.mul_int(a, b)


def ext_inv_int(a: Sequence[int]) -> ExtInt:
    """Inverse in the extension on Python ints; ``ZeroDivisionError`` for zero."""
    return EXT.inv_int(a)


def ext_pow_int(a: Sequence[int], e: int) -> ExtInt:
    """a^e in the extension (e >= 0) on Python ints."""
    return EXT.pow_int(a, e)


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


def _sum_mod(terms: Sequence[tuple[U64, int]]) -> U64:
    """sum of ``(value, bound)`` terms mod p, canonical: the running sum is reduced only when
    adding the next term could reach 2^64 (a bound is the largest value a term may hold). The
    values must be fresh temporaries of one shape (the sum accumulates in the first)."""
    acc, bound = terms[0]
    for t, tb in terms[1:]:
        if bound + tb >= _U64_LIMIT:
            acc = _mod_tmp(acc)
            bound = P - 1
        acc += t
        bound += tb
    return _mod_tmp(acc)


def ext_from_base64(a: U64) -> U64:
    """Embed base values: shape (...) -> (..., EXT_DEGREE)."""
    out = np.zeros((*np.shape(a), EXT_DEGREE), dtype=np.uint64)
    out[..., 0] = a
    return out


def ext_mul_base64(a: U64, s: U64) -> U64:
    """Extension ``a (..., EXT_DEGREE)`` times base ``s`` broadcast against ``a`` (pass
    ``s[..., None]`` for one base value per extension element)."""
    return mul64(a, s)


def ext_mul64(a: U64, b: U64) -> U64:
    """Product in the extension for uint64 arrays (..., EXT_DEGREE), broadcasting the leading
    axes (see :meth:`BinomialExtension.mul64`)."""
    return EXT.mul64(a, b)


def ext_inv64(a: U64) -> U64:
    """Inverse of every extension element of ``a (..., EXT_DEGREE)`` through the norm (see
    :meth:`BinomialExtension.inv64`); one base inversion per element. Zero maps to zero
    (callers check)."""
    return EXT.inv64(a)


# --------------------------------------------------------------------------------------------
# The binomial extension, generic over its degree
# --------------------------------------------------------------------------------------------


def _prime_factors(n: int) -> list[int]:
    out, q = [], 2
    while q * q <= n:
        if n % q == 0:
            out.append(q)
            while n % q == 0:
                n //= q
        q += 1
    return out + ([n] if n > 1 else [])


def binomial_irreducible(d: int, w: int) -> bool:
    """Whether x^d - w is irreducible over F_p, for d | p - 1 (the binomial criterion: w is not
    a q-th power for any prime q | d, i.e. w^((p-1)/q) != 1, and p = 1 mod 4 when 4 | d)."""
    if d < 2 or (P - 1) % d or w % P == 0:
        return False
    if d % 4 == 0 and P % 4 != 1:
        return False
    return all(pow(w, (P - 1) // q, P) != 1 for q in _prime_factors(d))


class BinomialExtension:
    """Arithmetic of the field F_p[x]/(x^d - w) (d | p - 1, x^d - w irreducible: ``ValueError``
    otherwise). Elements are d coefficients (lowest first); numpy lanes are uint64 arrays with a
    trailing axis of length d, canonical entries.

    Products are schoolbook: coefficient k gathers the products a_i b_j with i + j = k plus w
    times those with i + j = k + d (x^d = w). The inverse uses the Frobenius x -> x^p, which on
    a binomial extension scales coefficient i by g^i with g = w^((p-1)/d) (x^p = x (x^d)^((p-1)/d)):
    a^-1 = (prod_{k=1}^{d-1} frob^k(a)) / N(a), the norm N(a) = prod_{k=0}^{d-1} frob^k(a) lying
    in F_p, so one base inversion per element."""

    def __init__(self, d: int, w: int) -> None:
        if not binomial_irreducible(d, w):
            raise ValueError(f"x^{d} - {w} is not an irreducible binomial over BabyBear")
        self.d = d
        self.w = w % P
        g = pow(self.w, (P - 1) // d, P)
        #: frob_pows[k][i] = g^(i k): frob^k scales coefficient i by it.
        self.frob_pows: tuple[tuple[int, ...], ...] = tuple(
            tuple(pow(g, i * k % d, P) for i in range(d)) for k in range(d)
        )
        self._frob64 = np.array(self.frob_pows, dtype=np.uint64)
        self._w64 = np.uint64(self.w)

    # ---- Python ints -------------------------------------------------------------------------
    def mul_int(self, a: Sequence[int], b: Sequence[int]) -> ExtInt:
        """Product on Python ints."""
        d = self.d
        c = [0] * (2 * d - 1)
        for i in range(d):
            for j in range(d):
                c[i + j] += a[i] * b[j]
        return tuple((c[k] + (self.w * c[k + d] if k + d < 2 * d - 1 else 0)) % P for k in range(d))

    def frob_int(self, a: Sequence[int], k: int) -> ExtInt:
        """frob^k(a) = a^(p^k) on Python ints."""
        return tuple(v * g % P for v, g in zip(a, self.frob_pows[k % self.d], strict=True))

    def inv_int(self, a: Sequence[int]) -> ExtInt:
        """Inverse on Python ints; ``ZeroDivisionError`` for zero."""
        a = tuple(v % P for v in a)
        if not any(a):
            raise ZeroDivisionError("inverse of zero in the extension field")
        acc = _frob_product(a, self.d - 1, self.mul_int, self.frob_int)
        norm = self.mul_int(a, acc)[0]  # in F_p: the other coefficients are zero
        ninv = inv_int(norm)
        return tuple(v * ninv % P for v in acc)

    def pow_int(self, a: Sequence[int], e: int) -> ExtInt:
        """a^e (e >= 0) on Python ints."""
        r: ExtInt = (1,) + (0,) * (self.d - 1)
        base: ExtInt = tuple(v % P for v in a)
        while e:
            if e & 1:
                r = self.mul_int(r, base)
            base = self.mul_int(base, base)
            e >>= 1
        return r

    # ---- uint64 lanes ------------------------------------------------------------------------
    def mul64(self, a: U64, b: U64) -> U64:
        """Product for uint64 arrays (..., d), broadcasting the leading axes. The wrap-around sum
        of coefficient k is reduced before its multiplication by w; partial sums are reduced
        only when a further product could overflow (:func:`_sum_mod`): for d = 4 that is one
        reduction per sum, as at most four products meet."""
        d = self.d
        av = [a[..., i] for i in range(d)]
        bv = [b[..., i] for i in range(d)]
        lead = np.broadcast_shapes(a.shape[:-1], b.shape[:-1])
        out = np.empty((*lead, d), dtype=np.uint64)
        for k in range(d):
            terms = [(av[i] * bv[k - i], _PROD) for i in range(k + 1)]
            if k < d - 1:
                hi = _sum_mod([(av[i] * bv[k + d - i], _PROD) for i in range(k + 1, d)])
                terms.append((self._w64 * hi, self.w * (P - 1)))
            out[..., k] = _sum_mod(terms)
        return out

    def frob64(self, a: U64, k: int) -> U64:
        """frob^k of every element of a uint64 array (..., d)."""
        return mul64(a, self._frob64[k % self.d])

    def inv64(self, a: U64) -> U64:
        """Elementwise inverse via the Frobenius (class docstring): about 2 log2(d) products
        (:func:`_frob_product`), the norm's constant coefficient, one base inversion. Zero maps
        to zero (callers check)."""
        d = self.d
        a = np.asarray(a, dtype=np.uint64)
        acc = _frob_product(a, d - 1, self.mul64, self.frob64)
        # N(a) = (a * acc)_0 = a_0 acc_0 + w sum_{i>=1} a_i acc_{d-i}
        hi = _sum_mod([(a[..., i] * acc[..., d - i], _PROD) for i in range(1, d)])
        norm = _sum_mod([(a[..., 0] * acc[..., 0], _PROD), (self._w64 * hi, self.w * (P - 1))])
        return mul64(acc, inv64(norm)[..., None])


T = TypeVar("T")


def _frob_product(a: T, n: int, mul: Callable[[T, T], T], frob: Callable[[T, int], T]) -> T:
    """prod_{k=1}^{n} frob^k(a) (n >= 1) by doubling: with e_m that product for m terms,
    e_2m = e_m frob^m(e_m) and e_(2m+1) = e_2m frob^(2m+1)(a) (2 products for d = 4 and 5)."""
    if n == 1:
        return frob(a, 1)
    m = n // 2
    half = _frob_product(a, m, mul, frob)
    out = mul(half, frob(half, m))
    return mul(out, frob(a, n)) if n % 2 else out


@functools.lru_cache(maxsize=8)
def binomial_extension(d: int, w: int) -> BinomialExtension:
    """The (cached) :class:`BinomialExtension` F_p[x]/(x^d - w)."""
    return BinomialExtension(d, w)


#: The challenge field of the STARK.
EXT = binomial_extension(EXT_DEGREE, EXT_W)


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
# Vectorized extension field (trailing axis of EXT_DEGREE)
# --------------------------------------------------------------------------------------------


def ext_from_base(a: npt.NDArray[np.integer]) -> U32:
    """Embed base elements: shape (...) -> (..., EXT_DEGREE)."""
    out = np.zeros((*np.shape(a), EXT_DEGREE), dtype=np.uint32)
    out[..., 0] = a
    return out


def ext_const(c: Sequence[int]) -> U32:
    """One extension element from EXT_DEGREE ints (reduced mod p)."""
    if len(c) != EXT_DEGREE:
        raise ValueError(f"an extension element has {EXT_DEGREE} coefficients")
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
    """Extension (..., EXT_DEGREE) times base (...), broadcasting."""
    return mul(a, np.asarray(b)[..., None])


def ext_mul(a: U32, b: U32) -> U32:
    """Product in the extension for arrays (..., EXT_DEGREE), broadcasting the leading axes."""
    return ext_mul64(a.astype(np.uint64), b.astype(np.uint64)).astype(np.uint32)


def ext_square(a: U32) -> U32:
    """a^2 in the extension."""
    return ext_mul(a, a)


def ext_inv(a: U32) -> U32:
    """Elementwise extension inverse via the norm to F_p; ``ZeroDivisionError`` on zero."""
    a64 = np.asarray(a).astype(np.uint64)
    if np.any(np.all(a64 == 0, axis=-1)):
        raise ZeroDivisionError("inverse of zero in the extension field")
    return ext_inv64(a64).astype(np.uint32)


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
    """[z^i for i < n] as an (n, EXT_DEGREE) array, by doubling (no Python loop over n)."""
    out = np.zeros((max(n, 1), EXT_DEGREE), dtype=np.uint32)
    out[0, 0] = 1
    filled = 1
    step = np.asarray(z, dtype=np.uint32).reshape(EXT_DEGREE)  # z^filled
    while filled < n:
        k = min(filled, n - filled)
        out[filled : filled + k] = ext_mul(out[:k], step)
        filled += k
        step = ext_mul(step, step)
    return out[:n]
