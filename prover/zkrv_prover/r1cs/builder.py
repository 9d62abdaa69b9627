"""R1CS builder over the BN254 scalar field, with the witness computed alongside.

A :class:`ConstraintSystem` hands out variables whose values are known at allocation time, so the
witness is complete the moment the last constraint is added. Circuits are written against
:class:`LC` (linear combination) values: addition, subtraction and scaling by constants are free
(no constraint); only :meth:`ConstraintSystem.enforce` (``<A,w> * <B,w> = <C,w>``) adds a row.

Storage is bulk, not per constraint: the three CSR matrices grow in flat ``array('q')`` buffers
(variable indices and 64-bit coefficient *codes*), so a circuit of millions of constraints costs
tens of bytes per non-zero and no Python object per row. A coefficient code is the coefficient
itself when its signed representative lies in ``[-2**62, 2**62)`` (the common case: 1, -1, powers
of two, BabyBear constants); any other coefficient is interned in a table and coded as
``2**62 + table index``. :meth:`ConstraintSystem.to_r1cs` converts everything to the shared
:class:`~zkrv_prover.r1cs.system.R1CS` container in a few vectorized numpy passes.

Public inputs may be declared at any point (``declare_public``); the export renumbers variables so
that they land at ``w[1..=n_public]`` in declaration order, as the container requires.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence

import numpy as np
import numpy.typing as npt

from zkrv_prover.bn254.constants import R
from zkrv_prover.r1cs.system import R1CS, Limbs, SparseMatrix, to_limbs

_SMALL = 1 << 62  # coefficient codes in [-_SMALL, _SMALL) are literal
_R_LIMBS = np.array([(R >> (64 * i)) & (2**64 - 1) for i in range(4)], dtype=np.uint64)


class UnsatisfiedConstraintError(ValueError):
    """Raised by a strict builder when a constraint does not hold for the computed witness."""


class LC:
    """A linear combination ``sum(coeff * w[var])`` over BN254 scalars, with its witness value.

    ``terms`` maps variable index to a coefficient in ``[1, R)``; variable 0 is the constant 1.
    ``value`` is the LC evaluated at the witness, in ``[0, R)``. LCs are immutable by convention:
    every operation returns a new one.
    """

    __slots__ = ("terms", "value")

    def __init__(self, terms: dict[int, int], value: int) -> None:
        self.terms = terms
        self.value = value

    @staticmethod
    def const(c: int) -> LC:
        c %= R
        return LC({0: c} if c else {}, c)

    def __add__(self, other: LC | int) -> LC:
        if isinstance(other, int):
            other = LC.const(other)
        if len(other.terms) > len(self.terms):
            small, big = self.terms, other.terms
        else:
            small, big = other.terms, self.terms
        terms = dict(big)
        for v, c in small.items():
            s = (terms.get(v, 0) + c) % R
            if s:
                terms[v] = s
            else:
                terms.pop(v, None)
        return LC(terms, (self.value + other.value) % R)

    __radd__ = __add__

    def __neg__(self) -> LC:
        return LC({v: R - c for v, c in self.terms.items()}, (-self.value) % R)

    def __sub__(self, other: LC | int) -> LC:
        if isinstance(other, int):
            return self + (-other)
        return self + (-other)

    def __rsub__(self, other: int) -> LC:
        return (-self) + other

    def __mul__(self, k: int) -> LC:
        if not isinstance(k, int):
            raise TypeError("an LC can only be scaled by an int; use ConstraintSystem.mul")
        k %= R
        if k == 0:
            return LC({}, 0)
        if k == 1:
            return self
        return LC({v: c * k % R for v, c in self.terms.items()}, self.value * k % R)

    __rmul__ = __mul__

    @staticmethod
    def combine(items: Iterable[tuple[LC, int]]) -> LC:
        """``sum k * lc`` over ``(lc, k)`` pairs, built in one dictionary (linear time; chained
        ``+`` copies the growing dictionary at every step)."""
        terms: dict[int, int] = {}
        value = 0
        for lc, k in items:
            k %= R
            if not k:
                continue
            value += lc.value * k
            get = terms.get
            for v, c in lc.terms.items():
                terms[v] = (get(v, 0) + c * k) % R
        return LC({v: c for v, c in terms.items() if c}, value % R)

    def is_constant(self) -> bool:
        return not self.terms or (len(self.terms) == 1 and 0 in self.terms)

    def single_var(self) -> int | None:
        """The variable index if this LC is exactly ``1 * w[v]`` with ``v != 0``, else None."""
        if len(self.terms) == 1:
            ((v, c),) = self.terms.items()
            if c == 1 and v != 0:
                return v
        return None

    def __repr__(self) -> str:
        return f"LC({self.terms}, value={self.value})"


def _code(c: int, big: list[int], big_index: dict[int, int]) -> int:
    """64-bit code of coefficient ``c`` in ``[0, R)`` (see the module docstring)."""
    if c < _SMALL:
        return c
    if c > R - _SMALL:
        return c - R
    i = big_index.get(c)
    if i is None:
        i = big_index[c] = len(big)
        big.append(c)
    return _SMALL + i


class _Matrix:
    """Growing CSR buffers for one of A, B, C."""

    __slots__ = ("codes", "indices", "indptr")

    def __init__(self) -> None:
        self.indptr = array("q", [0])
        self.indices = array("q")
        self.codes = array("q")


class Template:
    """A recorded constraint fragment, replayed in bulk by :meth:`ConstraintSystem.apply`.

    Local variable numbering: 0 is the constant 1, ``1..n_slots`` are the slot variables bound
    at each use, and the ``n_internal`` variables after them are fresh per use (their values come
    from the caller, in allocation order). Coefficients are kept as Python ints; each constraint
    system encodes them once (see :meth:`ConstraintSystem.apply`).
    """

    __slots__ = ("coeffs", "indices", "indptr", "n_constraints", "n_internal", "n_slots")

    def __init__(self, cs: ConstraintSystem, n_slots: int) -> None:
        """Capture everything ``cs`` (a fresh recording system whose first ``n_slots`` allocated
        variables are the slots, and which declares no public inputs) contains."""
        if cs.n_public:
            raise ValueError("a template cannot declare public inputs")
        self.n_slots = n_slots
        self.n_internal = cs.n_vars - 1 - n_slots
        self.n_constraints = cs.n_constraints
        r1cs = cs.to_r1cs()
        self.indptr = [m.indptr for m in (r1cs.a, r1cs.b, r1cs.c)]
        self.indices = [m.indices for m in (r1cs.a, r1cs.b, r1cs.c)]
        from zkrv_prover.r1cs.system import from_limbs

        self.coeffs = [from_limbs(m.coeffs) for m in (r1cs.a, r1cs.b, r1cs.c)]


class ConstraintSystem:
    """An R1CS under construction; see the module docstring.

    With ``strict=True`` (default) every constraint is checked against the witness as it is added
    and a violation raises :class:`UnsatisfiedConstraintError` naming the constraint: a gadget bug
    or an invalid input (e.g. a tampered proof) is caught at the point it happens. Tests that
    build deliberately wrong witnesses use ``strict=False`` and check satisfaction afterwards.
    """

    def __init__(self, strict: bool = True) -> None:
        self.strict = strict
        self._values: list[int] = [1]
        self._public: list[int] = []
        self._public_set: set[int] = set()
        self._m = (_Matrix(), _Matrix(), _Matrix())
        self._big: list[int] = []
        self._big_index: dict[int, int] = {}
        self._template_codes: dict[int, tuple[Template, list[npt.NDArray[np.int64]]]] = {}
        self.ONE = LC({0: 1}, 1)

    # -- variables -----------------------------------------------------------------------
    @property
    def n_vars(self) -> int:
        return len(self._values)

    @property
    def n_constraints(self) -> int:
        return len(self._m[0].indptr) - 1

    @property
    def n_public(self) -> int:
        return len(self._public)

    def alloc(self, value: int) -> LC:
        """A fresh private variable holding ``value`` (reduced mod R). Adds no constraint."""
        v = len(self._values)
        value %= R
        self._values.append(value)
        return LC({v: 1}, value)

    def alloc_many(self, values: Iterable[int]) -> list[LC]:
        return [self.alloc(x) for x in values]

    def declare_public(self, x: LC) -> LC:
        """Make ``x`` a public input (in declaration order) and return the public variable.

        A single not-yet-public variable is promoted as is (no constraint); anything else gets a
        fresh variable tied to it by one constraint.
        """
        v = x.single_var()
        if v is None or v in self._public_set:
            y = self.alloc(x.value)
            self.assert_equal(y, x)
            v = y.single_var()
            assert v is not None
            x = y
        self._public.append(v)
        self._public_set.add(v)
        return x

    def value(self, x: LC) -> int:
        return x.value

    # -- constraints ---------------------------------------------------------------------
    def enforce(self, a: LC, b: LC, c: LC, what: str = "constraint") -> None:
        """Add the constraint ``a * b = c``."""
        if self.strict and a.value * b.value % R != c.value:
            raise UnsatisfiedConstraintError(f"{what} #{self.n_constraints} is not satisfied")
        big, bidx = self._big, self._big_index
        for m, lc in zip(self._m, (a, b, c), strict=True):
            t = lc.terms
            if t:
                m.indices.extend(t.keys())
                codes = m.codes
                for coef in t.values():
                    codes.append(coef if coef < _SMALL else _code(coef, big, bidx))
            m.indptr.append(len(m.indices))

    def mul(self, a: LC, b: LC, what: str = "mul") -> LC:
        """``a * b`` as a new variable (1 constraint; free when either side is constant)."""
        if a.is_constant():
            return b * a.value
        if b.is_constant():
            return a * b.value
        out = self.alloc(a.value * b.value)
        self.enforce(a, b, out, what)
        return out

    def assert_equal(self, a: LC, b: LC, what: str = "equality") -> None:
        """``a == b`` (1 constraint: ``(a - b) * 1 = 0``)."""
        self.enforce(a - b, self.ONE, LC({}, 0), what)

    def assert_zero(self, a: LC, what: str = "zero") -> None:
        self.enforce(a, self.ONE, LC({}, 0), what)

    def assert_bool(self, b: LC, what: str = "boolean") -> None:
        """``b * (b - 1) = 0`` (1 constraint)."""
        self.enforce(b, b - 1, LC({}, 0), what)

    def alloc_bits(self, bits: Sequence[int]) -> list[LC]:
        """Fresh variables holding ``bits`` (each 0 or 1), each with its booleanity constraint.

        Exactly what ``[alloc(b) for b in bits]`` followed by :meth:`assert_bool` on each, in
        order, records (same variables, same rows, same coefficient codes: A = ``{v: 1}``,
        B = ``{v: 1, 0: -1}``, C = 0), appended in bulk: range checks and bit decompositions
        make most of a verifier circuit's rows, and the per-row LC arithmetic dominated its
        build time. ``ValueError`` for a value other than 0 or 1 (use :meth:`alloc` and
        :meth:`assert_bool` to record a deliberately unsatisfied witness).
        """
        n = len(bits)
        if any(b != 0 and b != 1 for b in bits):
            raise ValueError("alloc_bits takes 0/1 values only")
        base = len(self._values)
        self._values.extend(bits)
        ma, mb, mc = self._m
        variables = array("q", range(base, base + n))
        # A: one term per row, 1 * w[v]
        a_off = len(ma.indices)
        ma.indices.extend(variables)
        ma.codes.extend(array("q", [1]) * n)
        ma.indptr.extend(range(a_off + 1, a_off + n + 1))
        # B: b - 1 keeps b's term first, then the constant R - 1 (code -1), as LC.__add__ does
        b_idx = array("q", [0]) * (2 * n)
        b_idx[0::2] = variables
        b_off = len(mb.indices)
        mb.indices.extend(b_idx)
        mb.codes.extend(array("q", [1, -1]) * n)
        mb.indptr.extend(range(b_off + 2, b_off + 2 * n + 1, 2))
        # C: the empty LC
        mc.indptr.extend(array("q", [len(mc.indices)]) * n)
        return [LC({base + i: 1}, b) for i, b in enumerate(bits)]

    def apply(self, tpl: Template, slots: list[int], internal_values: list[int]) -> int:
        """Append one use of ``tpl`` with slot variables ``slots`` (indices of existing variables)
        and the fresh variables' values; returns the index of the first fresh variable.

        Costs a few numpy operations regardless of the template's size. The values are trusted
        to satisfy the template (the caller computes them natively and checks that against the
        recording once); the strict-mode per-constraint check is skipped.
        """
        if len(slots) != tpl.n_slots or len(internal_values) != tpl.n_internal:
            raise ValueError("template use with the wrong number of slots or values")
        entry = self._template_codes.get(id(tpl))
        if entry is None or entry[0] is not tpl:
            encoded = [
                np.array([_code(c, self._big, self._big_index) for c in col], dtype=np.int64)
                for col in tpl.coeffs
            ]
            entry = self._template_codes[id(tpl)] = (tpl, encoded)
        base = len(self._values)
        remap = np.empty(1 + tpl.n_slots + tpl.n_internal, dtype=np.int64)
        remap[0] = 0
        remap[1 : 1 + tpl.n_slots] = slots
        remap[1 + tpl.n_slots :] = np.arange(base, base + tpl.n_internal, dtype=np.int64)
        for m, indptr, indices, tcodes in zip(
            self._m, tpl.indptr, tpl.indices, entry[1], strict=True
        ):
            offset = len(m.indices)
            m.indices.frombytes(remap[indices].tobytes())
            m.codes.frombytes(tcodes.tobytes())
            m.indptr.frombytes((indptr[1:] + offset).tobytes())
        self._values.extend(v % R for v in internal_values)
        return base

    # -- export --------------------------------------------------------------------------
    def _permutation(self) -> npt.NDArray[np.int64]:
        """New index of every variable: 0 stays, public vars go to 1..k, the rest follow."""
        n = self.n_vars
        pub = np.array(self._public, dtype=np.int64)
        is_pub = np.zeros(n, dtype=bool)
        is_pub[pub] = True
        is_pub[0] = True  # keep the constant in front of the private block
        perm = np.empty(n, dtype=np.int64)
        private = np.flatnonzero(~is_pub)
        perm[private] = len(pub) + 1 + np.arange(private.shape[0], dtype=np.int64)
        perm[pub] = 1 + np.arange(len(pub), dtype=np.int64)
        perm[0] = 0
        return perm

    def _coeff_limbs(self, codes: npt.NDArray[np.int64]) -> Limbs:
        """Limbs of the coefficients behind ``codes`` (see the module docstring).

        Whole-column arithmetic, no boolean-mask scatter (those dominated the export): a code
        ``c < 0`` stands for ``R + c``; its low limb is ``R_0 + c`` modulo 2^64 (the
        two's-complement bits of ``c`` plus ``R_0``), which wrapped, i.e. borrowed from limb 1,
        exactly when it exceeds ``R_0`` (``|c| <= 2**62`` is less than 2^64). R's limb 1 is
        non-zero, so the borrow stops there.
        """
        n = codes.shape[0]
        neg = (codes < 0).view(np.uint8).astype(np.uint64)  # 1 where negative, else 0
        out = np.empty((n, 4), dtype=np.uint64)
        lo = codes.view(np.uint64) + neg * _R_LIMBS[0]  # wraps modulo 2**64 as intended
        out[:, 0] = lo
        borrow = (lo > _R_LIMBS[0]).view(np.uint8).astype(np.uint64) * neg
        out[:, 1] = neg * _R_LIMBS[1] - borrow
        out[:, 2] = neg * _R_LIMBS[2]
        out[:, 3] = neg * _R_LIMBS[3]
        big = np.flatnonzero(codes >= _SMALL)
        if big.shape[0]:
            table = to_limbs(self._big)
            out[big] = table[codes[big] - _SMALL]
        return out

    def to_r1cs(self) -> R1CS:
        """Export to the shared container (public variables renumbered to ``1..=n_public``)."""
        perm = self._permutation()
        mats = []
        for m in self._m:
            indptr = np.frombuffer(m.indptr, dtype=np.int64).copy()
            indices = perm[np.frombuffer(m.indices, dtype=np.int64)]
            codes = np.frombuffer(m.codes, dtype=np.int64)
            mats.append(SparseMatrix(indptr, indices, self._coeff_limbs(codes)))
        return R1CS(self.n_vars, self.n_public, mats[0], mats[1], mats[2])

    def permutation(self) -> npt.NDArray[np.int64]:
        """The exported index of every variable (0 stays, the public inputs go to
        ``1..=n_public`` in declaration order, the rest follow in allocation order)."""
        return self._permutation()

    def raw_matrices(
        self,
    ) -> list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]]:
        """A, B, C as recorded: ``(indptr, indices, codes)`` per matrix, variables in allocation
        order, coefficients as codes (the module docstring; :meth:`interned` holds the table).
        Read-only views of the live buffers, valid until the next constraint is added: what a
        witness-only prove evaluates (``groth16.Assignment``) without exporting the R1CS."""
        return [
            tuple(  # type: ignore[misc]
                np.frombuffer(buf, dtype=np.int64) for buf in (m.indptr, m.indices, m.codes)
            )
            for m in self._m
        ]

    def interned(self) -> Limbs:
        """Limbs of the interned coefficients (code ``2**62 + i`` is row ``i``)."""
        return to_limbs(self._big) if self._big else np.zeros((0, 4), dtype=np.uint64)

    def values_limbs(self) -> Limbs:
        """The witness in allocation order (not exported order) as limbs."""
        return to_limbs(self._values)

    def witness(self) -> list[int]:
        """The full witness in exported variable order (``w[0] = 1``, then the public inputs)."""
        out = np.empty(self.n_vars, dtype=object)
        out[self._permutation()] = np.array(self._values, dtype=object)
        return list(out.tolist())

    def witness_limbs(self) -> Limbs:
        return to_limbs(self.witness())

    def public_values(self) -> list[int]:
        return [self._values[v] for v in self._public]

    def iter_values(self) -> Iterator[int]:
        return iter(self._values)
