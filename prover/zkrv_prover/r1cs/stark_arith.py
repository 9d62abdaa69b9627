"""``CircuitArith``: the STARK verifier's :class:`~zkrv_prover.stark.field.arith.Arith` as R1CS.

Running a verifier written against ``Arith`` with this implementation emits the constraints (and
witness) of that verification into a :class:`~zkrv_prover.r1cs.builder.ConstraintSystem`:

- ``B``: :class:`~zkrv_prover.r1cs.gadgets.babybear.BB`, kept *unreduced* (lazy reduction); it is
  reduced only where an exact representative matters (packing, bit decomposition) or the bound
  would overflow. ``E``: a tuple of ``EXT_DEGREE`` ``BB`` (``X^EXT_DEGREE = EXT_W``, see
  ``stark/field/field.py``). ``D``: an
  :class:`~zkrv_prover.r1cs.builder.LC`. ``Bit``: a boolean ``LC``.
- Checks (``*_assert_eq``) become constraints. With a strict builder an unsatisfied check raises
  :class:`~zkrv_prover.r1cs.builder.UnsatisfiedConstraintError` at the failing check; with a
  non-strict builder it is recorded and the exported witness does not satisfy the system.
- Proof values enter through :meth:`b_input`, :meth:`e_input` and :meth:`d_input` (the
  ``Arith`` input methods). Base inputs are range-checked to [0, p).
- Reductions are memoized per value and reused extension operands are reduced once (see
  :meth:`e_mul` and ``docs/r1cs.md``): values the verifier shares across queries are not
  re-reduced per query.

Costs of the interface primitives are listed in ``docs/r1cs.md``.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkrv_prover.bn254.constants import R
from zkrv_prover.r1cs.builder import LC, ConstraintSystem
from zkrv_prover.r1cs.gadgets import babybear as bb
from zkrv_prover.r1cs.gadgets import ext
from zkrv_prover.r1cs.gadgets.babybear import BB, P
from zkrv_prover.r1cs.gadgets.bits import assert_leq_const, pack, select, to_bits, to_bits_field
from zkrv_prover.r1cs.gadgets.ext import Ext
from zkrv_prover.r1cs.gadgets.poseidon import hash_elements
from zkrv_prover.stark.field.arith import (
    MAX_BASE_DIGITS,
    MAX_DIGEST_BITS,
    PACK_SHIFT,
    PACK_WIDTH,
    Arith,
)
from zkrv_prover.stark.field.field import EXT_DEGREE, EXT_W


def is_zero(cs: ConstraintSystem, x: LC) -> LC:
    """``[x == 0]`` as a boolean (2 constraints: ``x * inv = 1 - z`` and ``x * z = 0``)."""
    if x.is_constant():
        return LC.const(int(x.value == 0))
    inv = cs.alloc(pow(x.value, -1, R) if x.value else 0)
    z = cs.alloc(int(x.value == 0))
    cs.enforce(x, inv, 1 - z, "is_zero")
    cs.enforce(x, z, LC({}, 0), "is_zero")
    return z


class CircuitArith(Arith[BB, Ext, LC, LC]):
    """Arith emitting R1CS into ``cs`` (see the module docstring)."""

    def __init__(self, cs: ConstraintSystem) -> None:
        self.cs = cs
        # e_mul results by operand identity (operands kept alive so ids stay unique): the
        # verifier recomputes some query-independent products per query (e.g. FRI's beta^a)
        self._e_mul_memo: dict[tuple[int, int], tuple[Ext, Ext, Ext]] = {}
        # how often each extension value was a product operand (see e_mul)
        self._e_uses: dict[int, tuple[Ext, int]] = {}
        self._b_uses: dict[int, tuple[BB, int]] = {}

    # ---- proof inputs -------------------------------------------------------------------------
    def b_input(self, v: int) -> BB:
        """A base-field value read from the proof (35 constraints: canonical range check)."""
        return bb.alloc(self.cs, v)

    def b_input_committed(self, v: int) -> BB:
        """A proof value checked against a Merkle commitment (31 constraints: < 2^31 only).

        Sound without the canonical (< p) check: ``pack_base`` packs such a value as is, 31
        bits at stride 31, so a leaf's packing is injective on [0, 2^31)^8 and the leaf digest
        determines the integers. The Merkle check equates it with the digest of the committed
        row, whose values are canonical; so any accepted witness holds exactly those (short of
        a Poseidon collision), as the native verifier's canonical check requires."""
        if not 0 <= v < P:
            raise ValueError(f"proof value {v} is not a canonical BabyBear element")
        x = self.cs.alloc(v)
        to_bits(self.cs, x, PACK_SHIFT)
        return CommittedBB(x, 1 << PACK_SHIFT)

    def e_input_committed(self, v: Sequence[int]) -> Ext:
        if len(v) != EXT_DEGREE:
            raise ValueError(f"an extension element has {EXT_DEGREE} coefficients")
        return tuple(self.b_input_committed(x) for x in v)

    def e_input(self, v: Sequence[int]) -> Ext:
        if len(v) != EXT_DEGREE:
            raise ValueError(f"an extension element has {EXT_DEGREE} coefficients")
        return ext.alloc(self.cs, v)

    def d_input(self, v: int) -> LC:
        """A BN254 scalar read from the proof (any field element is valid: no constraint)."""
        if not 0 <= v < R:
            raise ValueError("digest input out of range")
        return self.cs.alloc(v)

    # ---- base field ---------------------------------------------------------------------------
    def b_const(self, v: int) -> BB:
        return bb.const(v)

    def b_add(self, a: BB, b: BB) -> BB:
        return bb.add(self.cs, a, b)

    def b_sub(self, a: BB, b: BB) -> BB:
        return bb.sub(self.cs, a, b)

    def b_mul(self, a: BB, b: BB) -> BB:
        """1 constraint plus operand reductions: like ``e_mul``, an unreduced operand is reduced
        (once, memoized) from its second use as a product operand on, so a shared factor
        (a baby/giant-step power, a domain-point factor) does not make every product large."""
        return bb.mul(self.cs, self._reused_b(a), self._reused_b(b))

    def _reused_b(self, a: BB) -> BB:
        if a.bound <= 1 << 31 or a.lc.is_constant():
            return a
        seen = self._b_uses.get(id(a))
        n = 1 if seen is None else seen[1] + 1
        self._b_uses[id(a)] = (a, n)
        return a if n < 2 else bb.reduce(self.cs, a)

    def b_inv(self, a: BB) -> BB:
        return bb.inverse(self.cs, a)

    def b_assert_eq(self, a: BB, b: BB, what: str) -> None:
        if self.cs.strict and a.value != b.value:
            from zkrv_prover.r1cs.builder import UnsatisfiedConstraintError

            raise UnsatisfiedConstraintError(f"check failed: {what}")
        bb.assert_eq(self.cs, a, b)

    # ---- extension ----------------------------------------------------------------------------
    def e_const(self, c: Sequence[int]) -> Ext:
        if len(c) != EXT_DEGREE:
            raise ValueError(f"an extension constant has {EXT_DEGREE} coefficients")
        return ext.const(c)

    def e_from_coeffs(self, cs: Sequence[BB]) -> Ext:
        if len(cs) != EXT_DEGREE:
            raise ValueError(f"an extension element has {EXT_DEGREE} coefficients")
        return tuple(cs)

    def e_coeffs(self, a: Ext) -> list[BB]:
        return list(a)

    def e_add(self, a: Ext, b: Ext) -> Ext:
        return ext.add(self.cs, a, b)

    def e_sub(self, a: Ext, b: Ext) -> Ext:
        """Free, except for reductions (memoized) of large operand coefficients: one over
        2^128 (a domain point's product chain) at once, one over 2^40 (an OOD point
        ``zeta * g``, a claimed value's alpha sum) from its second use on. The DEEP reduction
        subtracts every point z from each query's x and inverts ``x - z``: reducing x and z
        once beats carrying their bits into every query's inverse check."""
        return ext.sub(self.cs, self._big_reused(a), self._big_reused(b))

    def _big_reused(self, a: Ext) -> Ext:
        if all(x.bound <= 1 << 40 for x in a):
            return a
        out = []
        for x in a:
            if x.bound > 1 << 128:
                out.append(bb.reduce(self.cs, x))
            elif x.bound > 1 << 40:
                seen = self._b_uses.get(id(x))
                n = 1 if seen is None else seen[1] + 1
                self._b_uses[id(x)] = (x, n)
                out.append(x if n < 2 else bb.reduce(self.cs, x))
            else:
                out.append(x)
        return tuple(out)

    def e_mul(self, a: Ext, b: Ext) -> Ext:
        """2 EXT_DEGREE - 1 constraints plus operand reductions; a repeated product of the same
        operand objects is emitted once (sound: same variables, same product)."""
        key = (id(a), id(b))
        hit = self._e_mul_memo.get(key)
        if hit is not None:
            return hit[2]
        a, b = self._reused(a), self._reused(b)
        ba, bb_ = max(x.bound for x in a), max(x.bound for x in b)
        if ba <= bb_ and ba > 1 << 31:
            a = ext.reduce(self.cs, a)
        elif bb_ < ba and bb_ > 1 << 31:
            b = ext.reduce(self.cs, b)
        out = ext.mul(self.cs, a, b, EXT_W)
        self._e_mul_memo[key] = (a, b, out)
        return out

    def _reused(self, a: Ext) -> Ext:
        """``a`` reduced (once, memoized per coefficient) from its second use as a product
        operand on: a reused unreduced operand (a Horner step's challenge, an alpha power used
        by every query) would make every product it enters larger, and the cost of reducing a
        product grows with its bit size."""
        if all(x.bound <= 1 << 31 for x in a):
            return a
        seen = self._e_uses.get(id(a))
        n = 1 if seen is None else seen[1] + 1
        self._e_uses[id(a)] = (a, n)
        return a if n < 2 else ext.reduce(self.cs, a)

    def e_mul_base(self, a: Ext, b: BB) -> Ext:
        return ext.mul_base(self.cs, self._reused(a), b)

    def e_lincomb_base(self, coeffs: Sequence[Ext], vals: Sequence[BB]) -> Ext:
        """One constraint per (coefficient, value) product of variables (EXT_DEGREE per term)
        and no reduction: each output coefficient is one unreduced sum
        (:func:`~zkrv_prover.r1cs.gadgets.babybear.inner_product`: operands below 2^31, so the
        sum of n products is below n 2^62, asserted below 2^250), reduced at most once later
        by whatever consumes it. A coefficient shared by many sums (an alpha power used by
        every query) is reduced once, on its first use."""
        if len(coeffs) != len(vals):
            raise ValueError("e_lincomb_base: one coefficient per value")
        return tuple(
            bb.inner_product(self.cs, [c[j] for c in coeffs], vals) for j in range(EXT_DEGREE)
        )

    def _small_operand(self, a: Ext) -> Ext:
        """``a`` with coefficients above 2^40 reduced: an inverse's product check costs
        ~bits(product) - 30 per coefficient and every coefficient of ``a`` enters every
        product coefficient, so a b-bit coefficient costs ~5 (b - 31) there and b + 1 to
        reduce (a DEEP ``x - z`` whose x is a domain point's product chain)."""
        return tuple(bb.reduce(self.cs, x) if x.bound > 1 << 40 else x for x in a)

    def e_inv(self, a: Ext) -> Ext:
        return ext.inverse(self.cs, self._small_operand(a), EXT_W)

    def e_assert_nonzero(self, a: Ext, what: str) -> None:
        """``e_inv``'s witness and product check, the inverse unused."""
        if self.cs.strict and not any(v % P for v in ext.value(a)):
            from zkrv_prover.r1cs.builder import UnsatisfiedConstraintError

            raise UnsatisfiedConstraintError(f"check failed: {what}")
        ext.inverse(self.cs, self._small_operand(a), EXT_W)

    def e_assert_eq(self, a: Ext, b: Ext, what: str) -> None:
        if self.cs.strict and ext.value(a) != ext.value(b):
            from zkrv_prover.r1cs.builder import UnsatisfiedConstraintError

            raise UnsatisfiedConstraintError(f"check failed: {what}")
        ext.assert_eq(self.cs, a, b)

    # ---- bits and selection -------------------------------------------------------------------
    def b_to_bits(self, a: BB, n: int) -> list[LC]:
        """n bits of the canonical value; ``n`` constraints on a canonical input (else a
        canonical reduction first); n >= 31 costs the 35-constraint canonical decomposition."""
        if n >= 31:
            bits = bb.to_bits_canonical(self.cs, a)
            return bits + [LC.const(0)] * (n - 31)
        if not a.canonical:
            a = bb.reduce(self.cs, a, canonical=True)
        return to_bits(self.cs, a.lc, n)

    def bit_to_base(self, bit: LC) -> BB:
        return BB(bit, 2)

    def select_b(self, bit: LC, if1: BB, if0: BB) -> BB:
        return bb.select(self.cs, bit, if1, if0)

    def select_e(self, bit: LC, if1: Ext, if0: Ext) -> Ext:
        return ext.select(self.cs, bit, if1, if0)

    def select_d(self, bit: LC, if1: LC, if0: LC) -> LC:
        return select(self.cs, bit, if1, if0)

    def bit_const(self, v: int) -> LC:
        if v not in (0, 1):
            raise ValueError("a bit is 0 or 1")
        return LC.const(v)

    def bit_and(self, a: LC, b: LC) -> LC:
        """1 constraint (free when either bit is constant)."""
        return self.cs.mul(a, b, "bit and")

    def bit_sum(self, bits: Sequence[LC]) -> LC:
        """Free: the sum of mutually exclusive bits (``Arith``'s contract) is a bit."""
        acc = LC({}, 0)
        for b in bits:
            acc = acc + b
        return acc

    def one_hot(self, a: BB, lo: int, hi: int) -> list[LC]:
        """``hi - lo + 3`` constraints: a boolean per candidate, their sum is 1, and
        ``sum (lo + i) bit_i == a``. With ``lo == hi``: ``a == lo`` (free for a constant)."""
        cs = self.cs
        if lo == hi:
            self.b_assert_eq(a, bb.const(lo), f"value in [{lo}, {hi}]")
            return [LC.const(1)]
        bits = [cs.alloc(int(a.value == h)) for h in range(lo, hi + 1)]
        total = LC({}, 0)
        weighted = LC({}, 0)
        for h, bit in zip(range(lo, hi + 1), bits, strict=True):
            cs.assert_bool(bit, "one-hot bit")
            total = total + bit
            weighted = weighted + bit * h
        if cs.strict and not lo <= a.value <= hi:
            from zkrv_prover.r1cs.builder import UnsatisfiedConstraintError

            raise UnsatisfiedConstraintError(f"check failed: value in [{lo}, {hi}]")
        cs.assert_equal(total, LC.const(1), "one-hot sum")
        bb.assert_eq(cs, a, BB(weighted, hi + 1))
        return bits

    # ---- digests ------------------------------------------------------------------------------
    def d_const(self, v: int) -> LC:
        if not 0 <= v < R:
            raise ValueError("digest constant out of range")
        return LC.const(v)

    def hash(self, inputs: Sequence[LC]) -> LC:
        return hash_elements(self.cs, inputs)

    def b_permute(self, state: Sequence[BB]) -> list[BB]:
        """Not in this circuit: the BN254 wrap verifies poseidon-bn254 proofs only."""
        raise NotImplementedError(
            "the BN254 wrap circuit verifies poseidon-bn254 proofs only (Poseidon2-BabyBear "
            "proofs are verified by the recursion VM)"
        )

    def pack_base(self, vals: Sequence[BB]) -> LC:
        """Canonicalize and pack (free for canonical inputs, else one reduction each)."""
        if not 1 <= len(vals) <= PACK_WIDTH:
            raise ValueError(f"pack_base takes 1..{PACK_WIDTH} values")
        acc = LC({}, 0)
        for i, v in enumerate(vals):
            # a committed input is packed as is (see b_input_committed); anything else is
            # canonicalized so the packing is that of the native verifier
            x = v if isinstance(v, CommittedBB) else bb.reduce(self.cs, v, canonical=True)
            acc = acc + x.lc * (1 << (PACK_SHIFT * i))
        return acc

    def d_assert_eq(self, a: LC, b: LC, what: str) -> None:
        if self.cs.strict and a.value != b.value:
            from zkrv_prover.r1cs.builder import UnsatisfiedConstraintError

            raise UnsatisfiedConstraintError(f"check failed: {what}")
        self.cs.assert_equal(a, b, what)

    def d_to_bits(self, d: LC, n: int) -> list[LC]:
        """Low n bits of the canonical value: a full canonical decomposition (~255 + the
        comparison with R - 1)."""
        if not 0 <= n <= MAX_DIGEST_BITS:
            raise ValueError(f"d_to_bits extracts at most {MAX_DIGEST_BITS} bits")
        if d.is_constant():
            return [LC.const((d.value >> j) & 1) for j in range(n)]
        return to_bits_field(self.cs, d)[:n]

    def d_to_base(self, d: LC, k: int) -> list[BB]:
        """The k lowest base-p digits of the canonical value of d.

        Digits are canonical (35 each); ``rest = (d - sum digit_i p^i) / p^k`` is proven to be at
        most ``M = (R - 1) // p^k`` (bits of M plus the comparison), and when ``rest == M`` the
        digit sum must not exceed ``R - 1 - p^k M`` (an is-zero test and a range check), so the
        integer ``sum + p^k rest`` is below R: the decomposition is the integer one, unique.
        """
        if not 1 <= k <= MAX_BASE_DIGITS:
            raise ValueError(f"d_to_base extracts 1..{MAX_BASE_DIGITS} digits")
        cs = self.cs
        v = d.value
        digits_v = []
        for _ in range(k):
            v, r = divmod(v, P)
            digits_v.append(r)
        digits = [bb.alloc(cs, x) for x in digits_v]
        low = LC({}, 0)
        for i, x in enumerate(digits):
            low = low + x.lc * pow(P, i, R)
        pk = P**k
        m = (R - 1) // pk
        rest = (d - low) * pow(pk, -1, R)
        rest_bits = to_bits(cs, rest, m.bit_length(), value=v)
        assert_leq_const(cs, rest_bits, m)
        at_max = is_zero(cs, rest - m)
        slack = cs.mul(at_max, LC.const(R - 1 - pk * m) - low, "d_to_base top")
        to_bits(cs, slack, (pk - 1).bit_length())  # proves low <= R - 1 - p^k M when at_max
        return digits


class CommittedBB(BB):
    """A proof value range-checked to [0, 2^31) only, because a Merkle check binds its exact
    integer (``CircuitArith.b_input_committed``): ``pack_base`` packs it as is. Arithmetic on
    it yields plain :class:`BB` values."""

    __slots__ = ()


def pack_bits(bits: Sequence[LC]) -> LC:
    """``sum 2^i bits[i]`` (re-exported for callers building indices)."""
    return pack(bits)
