"""The generic verifier arithmetic: one small interface, one verifier.

Every verifier in ``zkrv_prover.stark`` (Merkle openings, FRI, the PCS, the STARK verifier and its
constraint evaluation at the out-of-domain point) is written once against :class:`Arith`. Two
implementations run that same code:

- :class:`NativeArith` (here): values are Python ints, checks raise :class:`VerificationError`.
  This verifies receipts.
- ``CircuitArith`` (the R1CS package): values are circuit variables, operations emit R1CS
  constraints, checks become equality constraints. This builds the Groth16 wrap circuit.

Rules for code written against ``Arith`` (so the circuit stays a fixed circuit):

1. Control flow may depend on the proof *shape* (parameters, table heights, column counts, number
   of queries) and on Python constants, never on proof values. Values are opaque: no ``if``, no
   ``int()``, no indexing by a value. Use ``select_*`` with bits instead.
2. Every check goes through an ``assert_*`` method (never ``assert`` or ``if ...: raise``).
3. Constants enter through ``*_const``; values read from the proof through ``*_input`` (a
   circuit allocates witness variables for them, range-checking base elements; values that a
   Merkle check binds use ``*_input_committed``, which a circuit may range-check less); bits
   come only from ``d_to_bits``/``b_to_bits``/``one_hot`` (and ``bit_const``/``bit_and``/
   ``bit_sum`` of those).
4. A proof quantity the control flow would branch on but that must stay data (a table height
   in a circuit for a range of heights) is a :class:`LogHeight`: the code runs for every
   candidate in the declared range and selects (``when``, ``select*``); checks that apply to
   some candidates only use ``e_assert_eq_if``/``d_assert_eq_if``.

Value kinds (opaque type parameters):

- ``B``: a BabyBear element (canonical, < p). In a circuit: a variable range-checked to [0, p).
- ``E``: an element of the challenge field F_p[x]/(x^EXT_DEGREE - EXT_W) (``field.py``), its
  EXT_DEGREE coefficients of 1, x, x^2, ...
- ``D``: a BN254 scalar (Poseidon digests, packed rows, transcript state, grinding nonces of
  the poseidon-bn254 hash family).
- ``Bit``: a boolean (0/1).

Hashing comes in two families (``PcsParams.hash``, ``stark/commit/hash_scheme.py``): Poseidon
over BN254 (``hash``, digests ``D``) and Poseidon2 over BabyBear (``b_permute``, digests are
lists of 8 ``B``). Generic code never calls either directly for commitments or the transcript;
it goes through the proof's hash scheme.

Costs a circuit implementation should expect: ``b_inv``/``e_inv`` as witness plus product check
(the check also proves the input is nonzero; ``e_assert_nonzero`` is that check alone);
``d_to_bits`` as a strict (canonical, < r) bit decomposition; ``d_to_base`` as a canonical
base-p digit decomposition (see its docstring).
Everything else in this module is generic code over the primitives.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from zkrv_prover.bn254.constants import R
from zkrv_prover.stark.field.field import (
    EXT_DEGREE,
    EXT_ONE,
    EXT_W,
    P,
    ext_inv_int,
    ext_mul_int,
    inv_int,
)

B = TypeVar("B")
E = TypeVar("E")
D = TypeVar("D")
Bit = TypeVar("Bit")

#: BabyBear values per packed BN254 element and their bit stride (the commitment spec).
PACK_WIDTH = 8
PACK_SHIFT = 31
#: Maximum number of base-p digits ``d_to_base`` may extract from one digest: p^4 < 2^124, so
#: the digits of a uniform value below R are within statistical distance p^4 / R < 2^-129 of
#: uniform.
MAX_BASE_DIGITS = 4
#: Maximum number of low bits ``d_to_bits`` may extract: 2^64 / R < 2^-189 statistical distance.
MAX_DIGEST_BITS = 64


class VerificationError(ValueError):
    """A proof failed verification; the message says which check failed and where."""


class Arith(ABC, Generic[B, E, D, Bit]):
    """The verifier's arithmetic and hashing primitives (see the module docstring)."""

    # ---- proof inputs -----------------------------------------------------------------------
    @abstractmethod
    def b_input(self, v: int) -> B:
        """A base element read from the proof (must be canonical, < p)."""

    @abstractmethod
    def e_input(self, v: Sequence[int]) -> E:
        """An extension element read from the proof (EXT_DEGREE canonical coefficients)."""

    @abstractmethod
    def d_input(self, v: int) -> D:
        """A BN254 scalar read from the proof (canonical, < R)."""

    def b_input_committed(self, v: int) -> B:
        """A base element read from the proof that the verifier checks against a Merkle
        commitment (an opened row or salt, hashed into the leaf whose path it verifies).

        Same value and failure as :meth:`b_input`, which is the default. A circuit whose leaf
        hash packs values injectively on [0, 2^31) (``pack_base``) may range-check such a
        value to 31 bits only: the Merkle check then forces the committed (canonical) integer,
        up to a hash collision. The value must not be used unchecked (a slot that is checked
        conditionally must matter only when its check is on)."""
        return self.b_input(v)

    def e_input_committed(self, v: Sequence[int]) -> E:
        """:meth:`b_input_committed` for an extension element (an opened FRI row entry)."""
        return self.e_input(v)

    def e_known_zero(self, v: E) -> bool:
        """Whether ``v`` is known now to be zero. Only an arithmetic on concrete values can say
        so (:class:`NativeArith`); a circuit or program recorder always answers False, so its
        control flow stays shape-driven. A verifier may skip work whose outcome is fixed when
        the answer is True, never check less."""
        return False

    # ---- base field -------------------------------------------------------------------------
    @abstractmethod
    def b_const(self, v: int) -> B:
        """The constant v mod p."""

    @abstractmethod
    def b_add(self, a: B, b: B) -> B:
        """a + b."""

    @abstractmethod
    def b_sub(self, a: B, b: B) -> B:
        """a - b."""

    @abstractmethod
    def b_mul(self, a: B, b: B) -> B:
        """a * b."""

    @abstractmethod
    def b_inv(self, a: B) -> B:
        """1 / a; fails verification if a = 0."""

    @abstractmethod
    def b_assert_eq(self, a: B, b: B, what: str) -> None:
        """Check a = b (``what`` names the check in the error)."""

    def b_assert_eq_vec(self, a: Sequence[B], b: Sequence[B], what: str) -> None:
        """Check a = b element-wise for equal-length vectors (``ValueError`` otherwise); a
        failure names ``what`` and the first differing element."""
        if len(a) != len(b):
            raise ValueError(f"{what}: vectors of {len(a)} and {len(b)} elements")
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            self.b_assert_eq(x, y, f"{what} (element {i})")

    # ---- extension field --------------------------------------------------------------------
    @abstractmethod
    def e_const(self, c: Sequence[int]) -> E:
        """The constant with coefficients c (EXT_DEGREE ints, reduced mod p)."""

    @abstractmethod
    def e_from_coeffs(self, cs: Sequence[B]) -> E:
        """The extension element sum_i cs[i] x^i (EXT_DEGREE base elements)."""

    @abstractmethod
    def e_coeffs(self, a: E) -> list[B]:
        """The EXT_DEGREE base coefficients of a."""

    @abstractmethod
    def e_add(self, a: E, b: E) -> E:
        """a + b."""

    @abstractmethod
    def e_sub(self, a: E, b: E) -> E:
        """a - b."""

    @abstractmethod
    def e_mul(self, a: E, b: E) -> E:
        """a * b."""

    @abstractmethod
    def e_mul_base(self, a: E, b: B) -> E:
        """a * b for a base element b (EXT_DEGREE base multiplications)."""

    def e_lincomb_base(self, coeffs: Sequence[E], vals: Sequence[B]) -> E:
        """sum_i coeffs[i] * vals[i] (0 for empty sequences; lengths must match).

        The default is the plain chain of ``e_mul_base``/``e_add`` from zero (so implementations
        that record or count operations see exactly those). A circuit can do better: it may
        accumulate the unreduced products and reduce each output coefficient at most once."""
        if len(coeffs) != len(vals):
            raise ValueError("e_lincomb_base: one coefficient per value")
        acc = self.e_const([0] * EXT_DEGREE)
        for c, v in zip(coeffs, vals, strict=True):
            acc = self.e_add(acc, self.e_mul_base(c, v))
        return acc

    @abstractmethod
    def e_inv(self, a: E) -> E:
        """1 / a; fails verification if a = 0."""

    @abstractmethod
    def e_assert_eq(self, a: E, b: E, what: str) -> None:
        """Check a = b."""

    @abstractmethod
    def e_assert_nonzero(self, a: E, what: str) -> None:
        """Check a != 0 (a circuit: an inverse witness and its product check, as ``e_inv``;
        no witness exists for a = 0)."""

    # ---- bits and selection -----------------------------------------------------------------
    @abstractmethod
    def b_to_bits(self, a: B, n: int) -> list[Bit]:
        """Little-endian n-bit decomposition of a; fails verification if a >= 2^n."""

    @abstractmethod
    def bit_to_base(self, bit: Bit) -> B:
        """The bit as a base element 0 or 1."""

    @abstractmethod
    def select_b(self, bit: Bit, if1: B, if0: B) -> B:
        """``if1`` when bit = 1, else ``if0``."""

    @abstractmethod
    def select_e(self, bit: Bit, if1: E, if0: E) -> E:
        """``if1`` when bit = 1, else ``if0``."""

    @abstractmethod
    def select_d(self, bit: Bit, if1: D, if0: D) -> D:
        """``if1`` when bit = 1, else ``if0``."""

    def select_b_vec(self, bit: Bit, if1: Sequence[B], if0: Sequence[B]) -> list[B]:
        """``if1`` when bit = 1, else ``if0``, for equal-length vectors of base elements (a
        Poseidon2 digest): one ``select_b`` per element unless an implementation does better.
        The result is a new list."""
        return [self.select_b(bit, x, y) for x, y in zip(if1, if0, strict=True)]

    # ---- bits as data (variable heights) ------------------------------------------------------
    @abstractmethod
    def bit_const(self, v: int) -> Bit:
        """The constant bit v (0 or 1)."""

    @abstractmethod
    def bit_and(self, a: Bit, b: Bit) -> Bit:
        """a AND b."""

    @abstractmethod
    def bit_sum(self, bits: Sequence[Bit]) -> Bit:
        """The sum of bits of which *at most one* is set (e.g. some entries of a one-hot vector),
        itself a bit: their OR. The caller guarantees exclusivity; a circuit may take the sum
        as is (no constraint)."""

    @abstractmethod
    def one_hot(self, a: B, lo: int, hi: int) -> list[Bit]:
        """``[a == lo + i for i in 0..hi-lo]``; fails verification unless lo <= a <= hi (so
        exactly one bit is set and ``a = sum (lo + i) bit_i``)."""

    # ---- digests and hashing ----------------------------------------------------------------
    @abstractmethod
    def d_const(self, v: int) -> D:
        """A constant BN254 scalar (0 <= v < R)."""

    @abstractmethod
    def hash(self, inputs: Sequence[D]) -> D:
        """circomlib Poseidon of 1..16 BN254 scalars (state width len(inputs) + 1)."""

    @abstractmethod
    def b_permute(self, state: Sequence[B]) -> list[B]:
        """The Poseidon2-BabyBear width-16 permutation (``field/poseidon2.py``) of 16 base
        elements."""

    @abstractmethod
    def pack_base(self, vals: Sequence[B]) -> D:
        """sum_i vals[i] * 2^(31 i) for 1..8 base elements (injective: 8 * 31 < 254 bits)."""

    @abstractmethod
    def d_assert_eq(self, a: D, b: D, what: str) -> None:
        """Check a = b."""

    @abstractmethod
    def d_to_bits(self, d: D, n: int) -> list[Bit]:
        """The n <= 64 low bits of d (little-endian) from its canonical decomposition (d < R)."""

    @abstractmethod
    def d_to_base(self, d: D, k: int) -> list[B]:
        """The k <= 4 lowest base-p digits of d: d = sum_{i<k} digit_i p^i + p^k * rest, each
        digit in [0, p), computed on the canonical value d < R (a circuit must constrain the
        decomposition to be the integer one: digits < p and rest <= (R - 1) // p^k)."""


AnyArith = Arith[Any, Any, Any, Any]


# ------------------------------------------------------------------------------------------------
# Generic helpers over the primitives (shape-driven control flow only)
# ------------------------------------------------------------------------------------------------


def leaf_hash(ar: Arith[B, E, D, Bit], vals: Sequence[B]) -> D:
    """The commitment spec's leaf digest of a row of base elements: pack 8 per BN254 element;
    Poseidon of the packed row if it has <= 16 elements, otherwise h = Poseidon(first 16) then
    h = Poseidon([h, next <= 15]) until done."""
    if not vals:
        raise ValueError("cannot hash an empty row")
    packed = [ar.pack_base(vals[i : i + PACK_WIDTH]) for i in range(0, len(vals), PACK_WIDTH)]
    if len(packed) <= 16:
        return ar.hash(packed)
    h = ar.hash(packed[:16])
    for j in range(16, len(packed), 15):
        h = ar.hash([h, *packed[j : j + 15]])
    return h


def xor_permute(
    ar: Arith[B, E, D, Bit],
    items: Sequence[Any],
    bits: Sequence[Bit],
    select: Callable[[Bit, Any, Any], Any] | None = None,
) -> list[Any]:
    """out[k] = items[k XOR pos] where pos = sum bits[j] 2^j, via len(bits) layers of
    conditional swaps (data-oblivious). len(items) must be 2^len(bits). ``select(bit, if1,
    if0)`` picks between two items; the default is ``ar.select_d`` (BN254 digests)."""
    sel: Callable[[Bit, Any, Any], Any] = select if select is not None else ar.select_d
    if len(items) != 1 << len(bits):
        raise ValueError("xor_permute needs 2^len(bits) items")
    cur = list(items)
    for j, bit in enumerate(bits):
        stride = 1 << j
        nxt = list(cur)
        for k in range(len(cur)):
            if k & stride == 0:
                a, b = cur[k], cur[k | stride]
                nxt[k] = sel(bit, b, a)
                nxt[k | stride] = sel(bit, a, b)
        cur = nxt
    return cur


def select_e_by_bits(ar: Arith[B, E, D, Bit], items: Sequence[E], bits: Sequence[Bit]) -> E:
    """items[pos] with pos = sum bits[j] 2^j (a binary mux tree); len(items) = 2^len(bits)."""
    if len(items) != 1 << len(bits):
        raise ValueError("select_e_by_bits needs 2^len(bits) items")
    cur = list(items)
    for bit in bits:
        cur = [ar.select_e(bit, cur[i + 1], cur[i]) for i in range(0, len(cur), 2)]
    return cur[0]


def b_pow_const(ar: Arith[B, E, D, Bit], a: B, e: int) -> B:
    """a^e for a public exponent e >= 0 (square and multiply on the constant's bits)."""
    result: B | None = None
    base = a
    while e:
        if e & 1:
            result = base if result is None else ar.b_mul(result, base)
        e >>= 1
        if e:
            base = ar.b_mul(base, base)
    return ar.b_const(1) if result is None else result


def e_pow_const(ar: Arith[B, E, D, Bit], a: E, e: int) -> E:
    """a^e in the extension for a public exponent e >= 0."""
    result: E | None = None
    base = a
    while e:
        if e & 1:
            result = base if result is None else ar.e_mul(result, base)
        e >>= 1
        if e:
            base = ar.e_mul(base, base)
    return ar.e_const(EXT_ONE) if result is None else result


def b_pow_bits(ar: Arith[B, E, D, Bit], base_const: int, bits: Sequence[Bit]) -> B:
    """base_const^(sum bits[j] 2^j) for a constant base: one select and one multiplication per
    bit with precomputed constants base^(2^j)."""
    acc = ar.b_const(1)
    g = base_const % P
    one = ar.b_const(1)
    for bit in bits:
        acc = ar.b_mul(acc, ar.select_b(bit, ar.b_const(g), one))
        g = g * g % P
    return acc


def e_from_base(ar: Arith[B, E, D, Bit], a: B) -> E:
    """Embed a base element in the extension."""
    z = ar.b_const(0)
    return ar.e_from_coeffs([a] + [z] * (EXT_DEGREE - 1))


def e_add_base(ar: Arith[B, E, D, Bit], a: E, b: B) -> E:
    """a + b for a base element b."""
    c = ar.e_coeffs(a)
    return ar.e_from_coeffs([ar.b_add(c[0], b), *c[1:]])


def e_assert_eq_if(ar: Arith[B, E, D, Bit], bit: Bit, a: E, b: E, what: str) -> None:
    """Check a = b only when bit = 1 (``select(bit, a, b) == b``: EXT_DEGREE selects + the
    check)."""
    ar.e_assert_eq(ar.select_e(bit, a, b), b, what)


def d_assert_eq_if(ar: Arith[B, E, D, Bit], bit: Bit, a: D, b: D, what: str) -> None:
    """Check a = b only when bit = 1."""
    ar.d_assert_eq(ar.select_d(bit, a, b), b, what)


T = TypeVar("T")


@dataclass(frozen=True)
class LogHeight(Generic[B, Bit]):
    """A log height that is *data*: known to the verifier's control flow only as a range
    [lo, hi], and as a one-hot vector ``sel`` (``sel[i] = [height == lo + i]``, exactly one set)
    from :meth:`Arith.one_hot`. Height-dependent values are computed for every candidate and
    selected (code over it stays data-oblivious). ``lo == hi`` is the fixed-height special case
    (``sel = [constant 1]``: every selection folds to its single candidate for free)."""

    lo: int
    hi: int
    sel: tuple[Bit, ...]

    def __post_init__(self) -> None:
        if not 0 <= self.lo <= self.hi or len(self.sel) != self.hi - self.lo + 1:
            raise ValueError("LogHeight: one selector bit per candidate in [lo, hi]")

    @property
    def candidates(self) -> range:
        return range(self.lo, self.hi + 1)

    def shifted(self, d: int) -> LogHeight[B, Bit]:
        """The height + d (same selector)."""
        return LogHeight(self.lo + d, self.hi + d, self.sel)

    def mapped(self, ar: Arith[B, E, D, Bit], f: Callable[[int], int]) -> LogHeight[B, Bit]:
        """The log height ``f(height)`` for a nondecreasing ``f`` (e.g. a table's committed
        height from its row count): candidate v's bit is the sum of the bits of the heights
        mapping to v (free in a circuit; a value no height maps to gets the constant 0)."""
        if len(self.sel) == 1:
            return LogHeight(f(self.lo), f(self.lo), self.sel)
        lo, hi = f(self.lo), f(self.hi)
        by_v: dict[int, list[Bit]] = {}
        for h, s in zip(self.candidates, self.sel, strict=True):
            v = f(h)
            if not lo <= v <= hi:
                raise ValueError("LogHeight.mapped: f must be nondecreasing")
            by_v.setdefault(v, []).append(s)
        bits = [
            (by_v[v][0] if len(by_v[v]) == 1 else ar.bit_sum(by_v[v]))
            if v in by_v
            else ar.bit_const(0)
            for v in range(lo, hi + 1)
        ]
        return LogHeight(lo, hi, tuple(bits))

    def when(self, ar: Arith[B, E, D, Bit], pred: Callable[[int], bool]) -> Bit:
        """``[pred(height)]`` as a bit (a sum of selector bits: free in a circuit)."""
        bits = [s for h, s in zip(self.candidates, self.sel, strict=True) if pred(h)]
        if len(bits) == len(self.sel):
            return ar.bit_const(1)
        return ar.bit_sum(bits) if bits else ar.bit_const(0)

    def groups(self, key: Callable[[int], T]) -> list[tuple[T, list[int]]]:
        """Candidates grouped by ``key(height)`` (first-seen order)."""
        out: dict[Any, tuple[T, list[int]]] = {}
        for h in self.candidates:
            k = key(h)
            out.setdefault(k, (k, []))[1].append(h)
        return list(out.values())

    def select(
        self,
        ar: Arith[B, E, D, Bit],
        sel_fn: Callable[[Bit, Any, Any], Any],
        item: Callable[[int], Any],
    ) -> Any:
        """``item(height)`` by selection: candidates whose items are the same object share one
        selector (their bits summed), then a chain of ``len(groups) - 1`` selects."""
        if len(self.sel) == 1:  # fixed height: its single candidate, nothing to select
            return item(self.lo)
        by_id: dict[int, tuple[Any, list[Bit]]] = {}
        for h, s in zip(self.candidates, self.sel, strict=True):
            it = item(h)
            by_id.setdefault(id(it), (it, []))[1].append(s)
        groups = list(by_id.values())
        acc = groups[0][0]
        for it, bits in groups[1:]:
            acc = sel_fn(ar.bit_sum(bits), it, acc)
        return acc

    def select_b_const(self, ar: Arith[B, E, D, Bit], f: Callable[[int], int]) -> B:
        """The constant ``f(height)`` (a linear combination of the selector: free in R1CS)."""
        consts: dict[int, B] = {}

        def item(h: int) -> B:
            v = f(h) % P
            if v not in consts:
                consts[v] = ar.b_const(v)
            return consts[v]

        out: B = self.select(ar, ar.select_b, item)
        return out

    def select_bit(self, ar: Arith[B, E, D, Bit], item: Callable[[int], Bit | None]) -> Bit:
        """``item(height)`` for bits (None: 0): ``sum_g (sum of g's selector bits) AND item_g``
        over the groups g of candidates with the same item (one product per group; none when
        every candidate has the same item)."""
        groups: dict[int, tuple[Bit, list[Bit]]] = {}
        for h, s in zip(self.candidates, self.sel, strict=True):
            it = item(h)
            if it is not None:
                groups.setdefault(id(it), (it, []))[1].append(s)
        if not groups:
            return ar.bit_const(0)
        if len(groups) == 1:
            it, sels = next(iter(groups.values()))
            if len(sels) == len(self.sel):
                return it
        return ar.bit_sum([ar.bit_and(ar.bit_sum(sels), it) for it, sels in groups.values()])


# ------------------------------------------------------------------------------------------------
# Native implementation
# ------------------------------------------------------------------------------------------------

#: A native extension element: EXT_DEGREE canonical ints.
NExt = tuple[int, ...]


class NativeArith(Arith[int, NExt, int, int]):
    """Arith on Python ints; a failed check raises :class:`VerificationError`.

    Hashing uses the pure-Python reference Poseidon by default; ``native_hash=True`` uses the
    native engine's single-hash entry point (same function, faster; raises if not built).
    Also counts operations (``counts``) so tests and benchmarks can report verifier costs.
    """

    def __init__(self, native_hash: bool = False) -> None:
        if native_hash:
            import zkrv_prover._native as native

            def poseidon(xs: Sequence[int]) -> int:
                raw = b"".join(int(x).to_bytes(32, "little") for x in xs)
                return int.from_bytes(native.poseidon_bytes(raw), "little")

            self._poseidon: Callable[[Sequence[int]], int] = poseidon
        else:
            from zkrv_prover.bn254.poseidon_ref import poseidon as ref

            self._poseidon = ref
        self._p2: Callable[[Sequence[int]], list[int]] = p2_permute_fn(native_hash)
        self.counts: dict[str, int] = {
            "hash": 0,
            "permute": 0,
            "b_mul": 0,
            "e_mul": 0,
            "inv": 0,
        }

    def b_input(self, v: int) -> int:
        if not 0 <= v < P:
            raise ValueError(f"proof value {v} is not a canonical BabyBear element")
        return int(v)

    def e_known_zero(self, v: NExt) -> bool:
        return not any(v)

    def e_input(self, v: Sequence[int]) -> NExt:
        if len(v) != EXT_DEGREE:
            raise ValueError(f"an extension element has {EXT_DEGREE} coefficients")
        return tuple(self.b_input(x) for x in v)

    def d_input(self, v: int) -> int:
        if not 0 <= v < R:
            raise ValueError(f"proof value {v} is not a canonical BN254 scalar")
        return int(v)

    def b_const(self, v: int) -> int:
        return int(v) % P

    def b_add(self, a: int, b: int) -> int:
        return (a + b) % P

    def b_sub(self, a: int, b: int) -> int:
        return (a - b) % P

    def b_mul(self, a: int, b: int) -> int:
        self.counts["b_mul"] += 1
        return a * b % P

    def b_inv(self, a: int) -> int:
        self.counts["inv"] += 1
        if a % P == 0:
            raise VerificationError("division by zero in the verifier (base field)")
        return inv_int(a)

    def b_assert_eq(self, a: int, b: int, what: str) -> None:
        if a % P != b % P:
            raise VerificationError(f"check failed: {what}")

    def b_assert_eq_vec(self, a: Sequence[int], b: Sequence[int], what: str) -> None:
        # One comparison of canonical vectors; the per-element message only on failure.
        if len(a) != len(b):
            raise ValueError(f"{what}: vectors of {len(a)} and {len(b)} elements")
        if list(a) != list(b):
            super().b_assert_eq_vec(a, b, what)

    def e_const(self, c: Sequence[int]) -> NExt:
        if len(c) != EXT_DEGREE:
            raise ValueError(f"an extension constant has {EXT_DEGREE} coefficients")
        return tuple(int(x) % P for x in c)

    def e_from_coeffs(self, cs: Sequence[int]) -> NExt:
        return self.e_const(cs)

    def e_coeffs(self, a: NExt) -> list[int]:
        return list(a)

    def e_add(self, a: NExt, b: NExt) -> NExt:
        return tuple((x + y) % P for x, y in zip(a, b, strict=True))

    def e_sub(self, a: NExt, b: NExt) -> NExt:
        return tuple((x - y) % P for x, y in zip(a, b, strict=True))

    def e_mul(self, a: NExt, b: NExt) -> NExt:
        self.counts["e_mul"] += 1
        return ext_mul_int(a, b)

    def e_mul_base(self, a: NExt, b: int) -> NExt:
        return tuple(x * b % P for x in a)

    def e_lincomb_base(self, coeffs: Sequence[NExt], vals: Sequence[int]) -> NExt:
        if len(coeffs) != len(vals):
            raise ValueError("e_lincomb_base: one coefficient per value")
        return tuple(
            sum(c[j] * v for c, v in zip(coeffs, vals, strict=True)) % P for j in range(EXT_DEGREE)
        )

    def e_inv(self, a: NExt) -> NExt:
        self.counts["inv"] += 1
        if all(v % P == 0 for v in a):
            raise VerificationError("division by zero in the verifier (extension field)")
        return ext_inv_int(a)

    def e_assert_eq(self, a: NExt, b: NExt, what: str) -> None:
        if tuple(v % P for v in a) != tuple(v % P for v in b):
            raise VerificationError(f"check failed: {what}")

    def e_assert_nonzero(self, a: NExt, what: str) -> None:
        if all(v % P == 0 for v in a):
            raise VerificationError(f"check failed: {what}")

    def b_to_bits(self, a: int, n: int) -> list[int]:
        if not 0 <= a < (1 << n):
            raise VerificationError(f"value does not fit in {n} bits")
        return [(a >> j) & 1 for j in range(n)]

    def bit_to_base(self, bit: int) -> int:
        return bit

    def select_b(self, bit: int, if1: int, if0: int) -> int:
        return if1 if bit else if0

    def select_e(self, bit: int, if1: NExt, if0: NExt) -> NExt:
        return if1 if bit else if0

    def select_d(self, bit: int, if1: int, if0: int) -> int:
        return if1 if bit else if0

    def select_b_vec(self, bit: int, if1: Sequence[int], if0: Sequence[int]) -> list[int]:
        if len(if1) != len(if0):
            raise ValueError("select_b_vec of vectors of different lengths")
        return list(if1 if bit else if0)

    def bit_const(self, v: int) -> int:
        if v not in (0, 1):
            raise ValueError("a bit is 0 or 1")
        return v

    def bit_and(self, a: int, b: int) -> int:
        return a & b

    def bit_sum(self, bits: Sequence[int]) -> int:
        s = sum(bits)
        if s > 1:
            raise ValueError("bit_sum of bits that are not mutually exclusive")
        return s

    def one_hot(self, a: int, lo: int, hi: int) -> list[int]:
        if not lo <= a <= hi:
            raise VerificationError(f"value {a} is outside the allowed range [{lo}, {hi}]")
        return [int(a == h) for h in range(lo, hi + 1)]

    def d_const(self, v: int) -> int:
        if not 0 <= v < R:
            raise ValueError("digest constant out of range")
        return v

    def hash(self, inputs: Sequence[int]) -> int:
        self.counts["hash"] += 1
        if not 1 <= len(inputs) <= 16:
            raise ValueError(f"Poseidon takes 1..16 inputs, got {len(inputs)}")
        return self._poseidon(list(inputs))

    def b_permute(self, state: Sequence[int]) -> list[int]:
        self.counts["permute"] += 1
        if len(state) != 16:
            raise ValueError(f"Poseidon2 permutes 16 elements, got {len(state)}")
        return self._p2(state)

    def pack_base(self, vals: Sequence[int]) -> int:
        if not 1 <= len(vals) <= PACK_WIDTH:
            raise ValueError(f"pack_base takes 1..{PACK_WIDTH} values")
        acc = 0
        for i, v in enumerate(vals):
            acc |= (v % P) << (PACK_SHIFT * i)
        return acc

    def d_assert_eq(self, a: int, b: int, what: str) -> None:
        if a != b:
            raise VerificationError(f"check failed: {what}")

    def d_to_bits(self, d: int, n: int) -> list[int]:
        if not 0 <= n <= MAX_DIGEST_BITS:
            raise ValueError(f"d_to_bits extracts at most {MAX_DIGEST_BITS} bits")
        return [(d >> j) & 1 for j in range(n)]

    def d_to_base(self, d: int, k: int) -> list[int]:
        if not 1 <= k <= MAX_BASE_DIGITS:
            raise ValueError(f"d_to_base extracts 1..{MAX_BASE_DIGITS} digits")
        out = []
        for _ in range(k):
            d, r = divmod(d, P)
            out.append(r)
        return out


def p2_permute_fn(native_hash: bool) -> Callable[[Sequence[int]], list[int]]:
    """The scalar Poseidon2 permutation: the native engine's list entry ``p2_permute_list`` when
    asked for and built (the same function; one call per permutation, no numpy round trip),
    else the Python reference."""
    from zkrv_prover.stark.field import poseidon2

    if native_hash:
        import zkrv_prover._native as native

        permute: Callable[[Sequence[int]], list[int]] | None
        permute = getattr(native, "p2_permute_list", None)
        if permute is not None:
            return permute
    return poseidon2.permute


__all__ = [
    "EXT_DEGREE",
    "EXT_W",
    "MAX_BASE_DIGITS",
    "MAX_DIGEST_BITS",
    "PACK_SHIFT",
    "PACK_WIDTH",
    "AnyArith",
    "Arith",
    "LogHeight",
    "NativeArith",
    "VerificationError",
    "b_pow_bits",
    "b_pow_const",
    "d_assert_eq_if",
    "e_add_base",
    "e_assert_eq_if",
    "e_from_base",
    "e_pow_const",
    "leaf_hash",
    "select_e_by_bits",
    "xor_permute",
]
