"""The DEEP-ALI quotient on the prover side: evaluate every constraint of a table over a coset of
the quotient domain, combine them with powers of a challenge, divide by the vanishing polynomial
of the constraint domain, split into chunks and (for zero knowledge) blind the chunks.

Notation (see ``docs/stark.md``): a table has n rows, the constraint domain is H = <h> of size n.
Its committed column polynomials have degree < Nd (Nd = n; with zero knowledge the masked degree
bound of ``zk.plan``: n + n/64 for large tables under the PCS's relaxed bound, or a power of
two N > n for small ones). With D the table's constraint degree in trace units, every combined
constraint ``C(x) = sum_i gamma^(K-1-i) C_i(x)`` has degree <= D (Nd - 1) + 1, so
``Q = C / Z_H`` has fewer than ``top = D (Nd - 1) + 2 - n`` coefficients and is split into
``c = max(1, ceil(top / n))`` chunks of n coefficients: ``Q(x) = sum_j x^(j n) Q_j(x)``
(for D = 3 and Nd = n + n/64: top = 2n + 3n/64 - 1, so 3 chunks, the last one tiny). Q is
evaluated pointwise on the coset s * <w> of size M = next_pow2(max(Nd, c n)) >= top,
s = GENERATOR (never in a two-adic subgroup, so Z_H has no zero there).

Blinding (zero knowledge, Nd > n): Q_j' = Q_j + x^n b_j - b_(j-1) with independent uniformly
random b_j of degree < Nd - n (b_(-1) = b_(c-1) = 0). Each Q_j' has degree < Nd (the table's
masked bound, so the chunks are committed like its trace) and ``sum_j x^(j n) Q_j' = Q``
telescopes exactly (x^((j+1) n) b_j from chunk j cancels against chunk j + 1), so the
verifier's check is unchanged while the chunks, beyond that one linear relation, are uniformly
random on up to Nd - n points each.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from zkrv_prover.stark import symbolic_eval as se
from zkrv_prover.stark.air import Expr, Op, TableLayout

U64 = np.uint64


def quotient_len(degree: int, n: int, Nd: int) -> int:
    """Upper bound ``top`` on the number of coefficients of Q (module doc)."""
    return degree * (Nd - 1) + 2 - n


def num_chunks(degree: int, n: int, Nd: int) -> int:
    """Number c of n-coefficient chunks of the quotient of a table whose committed polynomials
    have degree < Nd (see module doc; shared by prover and verifier)."""
    return max(1, -(-quotient_len(degree, n, Nd) // n))


def quotient_domain_size(degree: int, n: int, Nd: int) -> int:
    """Size M of the quotient evaluation coset: a power of two >= max(Nd, c n)."""
    need = max(Nd, num_chunks(degree, n, Nd) * n)
    return 1 << (need - 1).bit_length()


def domain_points(M: int, shift: int) -> np.ndarray:
    """[shift * w^i for i < M] (uint64, natural order), w the order-M root of unity."""
    from zkrv_prover.stark.field import powers, two_adic_generator

    return powers(two_adic_generator(M.bit_length() - 1), M, start=shift).astype(U64)


class QuotientLeaves:
    """Leaves over the coset s * <w> of size M, natural order: ``main``/``pre`` are (M, w) base
    LDE arrays, ``aux`` (M, a, 4) extension; the next row of point x is h x = the point M/n
    positions later (cyclic), h the generator of the order-n constraint domain."""

    def __init__(
        self,
        n: int,
        x: np.ndarray,
        main: np.ndarray,
        pre: np.ndarray | None,
        aux: np.ndarray | None,
        public: Sequence[int],
        challenges: np.ndarray | None,
        cumsum: np.ndarray | None,
    ) -> None:
        from zkrv_prover.stark.field import two_adic_generator

        self.M = x.shape[0]
        self.step = self.M // n
        self.n = n
        self.x = x
        self.main, self.pre, self.aux = main, pre, aux
        self.public = [int(v) % se.P_INT for v in public]
        self.challenges, self.cumsum = challenges, cumsum
        self.h_inv = pow(two_adic_generator(n.bit_length() - 1), se.P_INT - 2, se.P_INT)
        self._cache: dict[tuple[int, int, bool], np.ndarray] = {}
        # Z_H(x) = x^n - 1 is periodic with period M / n on this coset.
        zh = se.b_sub(se.b_pow(x[: self.step], n), np.asarray(1, dtype=U64))
        self.zh = np.tile(zh, n)
        self.zh_inv = np.tile(se.b_inv(zh), n)

    def __call__(self, node: Expr) -> np.ndarray:
        op = node.op
        if op in (Op.MAIN, Op.PRE, Op.AUX):
            key = (int(op), node.index, node.nxt)
            if key not in self._cache:
                src = {Op.MAIN: self.main, Op.PRE: self.pre, Op.AUX: self.aux}[op]
                assert src is not None, f"{op.name} columns missing"
                col = src[:, node.index].astype(U64)
                self._cache[key] = np.roll(col, -self.step, axis=0) if node.nxt else col
            return self._cache[key]
        if op == Op.PUBLIC:
            return np.asarray(self.public[node.index], dtype=U64)
        if op == Op.CHALLENGE:
            assert self.challenges is not None
            return self.challenges[node.index].astype(U64)
        if op == Op.CUMSUM:
            assert self.cumsum is not None
            return self.cumsum.astype(U64)
        key = (int(op), 0, False)
        if key not in self._cache:
            self._cache[key] = self._selector(op)
        return self._cache[key]

    def _selector(self, op: Op) -> np.ndarray:
        n_inv = pow(self.n, se.P_INT - 2, se.P_INT)
        h_inv = np.asarray(self.h_inv, dtype=U64)
        if op == Op.IS_TRANSITION:
            return se.b_sub(self.x, h_inv)
        if op == Op.IS_FIRST:
            # L_1(x) = Z_H(x) / (n (x - 1))
            den = se.b_sub(self.x, np.asarray(1, dtype=U64))
            return se.b_mul(se.b_mul(self.zh, se.b_inv(den)), np.asarray(n_inv, dtype=U64))
        # L_last(x) = h^-1 Z_H(x) / (n (x - h^-1))
        den = se.b_sub(self.x, h_inv)
        scale = np.asarray(n_inv * self.h_inv % se.P_INT, dtype=U64)
        return se.b_mul(se.b_mul(self.zh, se.b_inv(den)), scale)


def combined_quotient(layout: TableLayout, leaves: QuotientLeaves, gamma: np.ndarray) -> np.ndarray:
    """``Q(x) = (sum_i gamma^(K-1-i) C_i(x)) / Z_H(x)`` on the coset, shape (M, 4) uint64.

    The powers make this equal to Horner's ``acc = acc * gamma + C_i`` the verifier runs. Base
    constraints are multiplied coordinatewise by the extension scalar gamma^k (4 products per
    point), extension ones with a full extension product."""
    cons = layout.constraints
    K = len(cons)
    gpow = np.zeros((K, 4), dtype=U64)
    cur = np.array([1, 0, 0, 0], dtype=U64)
    for i in range(K - 1, -1, -1):
        gpow[i] = cur
        cur = se.ext_mul(cur, gamma.astype(U64))
    M = leaves.M
    acc = np.zeros((M, 4), dtype=U64)

    def consume(i: int, v: np.ndarray) -> None:
        nonlocal acc
        if cons[i].expr.is_ext:
            term = se.ext_mul(np.broadcast_to(v, (M, 4)), gpow[i])
        else:
            term = (np.broadcast_to(v, (M,))[:, None] * gpow[i]) % se.P
        acc += term
        acc %= se.P

    se.evaluate_stream([c.expr for c in cons], leaves, consume)
    return se.ext_mul_base(acc, leaves.zh_inv[:, None])


def split_quotient(
    q_evals: np.ndarray,
    shift: int,
    n: int,
    Nd: int,
    c: int,
    rng: np.random.Generator | None,
    strict: bool = True,
    top: int | None = None,
) -> np.ndarray:
    """Coefficients of the c (blinded) chunks as an (Nd, 4 c) uint32 matrix (column 4 j + k =
    coordinate k of chunk j), from Q's evaluations ``q_evals (M, 4)`` on ``shift * H_M``. The
    caller commits it with the table's masked height (``zk.plan``).

    ``strict``: raise ``ValueError`` if Q has coefficients beyond ``top`` (``quotient_len``;
    default c n): then the constraints do not hold on H, and an honest prover stops here. With
    ``rng`` and Nd > n the chunks are blinded (module doc); without ``rng`` Nd must equal n."""
    from zkrv_prover.stark import ntt

    coeffs = ntt.coset_intt(q_evals.astype(np.uint32), shift).astype(U64)  # (M, 4)
    if strict and bool(np.any(coeffs[min(c * n, top or c * n) :] != 0)):
        raise ValueError("quotient has too high a degree: the constraints do not hold on H")
    chunks = np.zeros((c, Nd, 4), dtype=U64)
    chunks[:, :n] = coeffs[: c * n].reshape(c, n, 4)  # M >= c n (quotient_domain_size)
    if n < Nd:
        if rng is None:
            raise ValueError("masked degree bound Nd > n needs an rng for blinding")
        from zkrv_prover.stark.field import random as random_base

        a = random_base((c - 1, Nd - n, 4), rng).astype(U64)
        chunks[:-1, n:] = (chunks[:-1, n:] + a) % se.P  # + x^n b_j
        chunks[1:, : Nd - n] = (chunks[1:, : Nd - n] + (se.P - a)) % se.P  # - b_(j-1)
    return chunks.transpose(1, 0, 2).reshape(Nd, 4 * c).astype(np.uint32)
