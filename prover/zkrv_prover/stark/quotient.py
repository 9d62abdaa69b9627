"""The DEEP-ALI quotient on the prover side: evaluate every constraint of a table over a coset of
the quotient domain, combine them with powers of a challenge, divide by the vanishing polynomial
of the constraint domain, split into chunks and (for zero knowledge) blind the chunks.

Notation (see ``docs/stark.md``): a table has n rows, the constraint domain is H = <h> of size n.
Its committed column polynomials have degree < N (N = n, or N > n when the trace is masked for
zero knowledge). With D the table's constraint degree in trace units, every combined constraint
``C(x) = sum_i gamma^(K-1-i) C_i(x)`` has degree <= D (N - 1) + 1, so
``Q = C / Z_H`` has degree < D (N - 1) + 2 - n <= c * n with
``c = max(1, ceil((D (N - 1) + 2 - n) / n))`` chunks of n coefficients:
``Q(x) = sum_j x^(j n) Q_j(x)``. Q is evaluated pointwise on the coset s * <w> of size
M = max(N, next_pow2(c n)) >= deg Q + 1, s = GENERATOR (never in a two-adic subgroup, so
Z_H has no zero there).

Blinding (zero knowledge, N > n): Q_j' = Q_j + x^n b_j - b_(j-1) with independent uniformly
random b_j of degree < N - n (b_(-1) = b_(c-1) = 0). Each Q_j' has degree < N and
``sum_j x^(j n) Q_j' = Q`` telescopes exactly (x^((j+1) n) b_j from chunk j cancels against
chunk j + 1), so the verifier's check is unchanged while the chunks, beyond that one linear
relation, are uniformly random on up to N - n points each.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from zkrv_prover.stark import symbolic_eval as se
from zkrv_prover.stark.air import Expr, Op, TableLayout

U64 = np.uint64


def num_chunks(degree: int, n: int, N: int) -> int:
    """Number c of degree-< n coefficient chunks of the quotient (see module doc)."""
    top = degree * (N - 1) + 2 - n
    return max(1, -(-top // n))


def quotient_domain_size(degree: int, n: int, N: int) -> int:
    """Size M of the quotient evaluation coset: a power of two >= max(N, c n)."""
    need = max(N, num_chunks(degree, n, N) * n)
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
    N: int,
    c: int,
    rng: np.random.Generator | None,
    strict: bool = True,
) -> np.ndarray:
    """Chunk evaluations over H_N as an (N, 4 c) uint32 matrix (column 4 j + k = coordinate k
    of chunk j), from Q's evaluations ``q_evals (M, 4)`` on ``shift * H_M``.

    ``strict``: raise ``ValueError`` if Q has coefficients beyond c n (then the constraints do
    not hold on H: an honest prover stops here). With ``rng`` and N > n the chunks are blinded
    (module doc); without ``rng`` N must equal n."""
    from zkrv_prover.stark import ntt

    coeffs = ntt.coset_intt(q_evals.astype(np.uint32), shift).astype(U64)  # (M, 4)
    if strict and bool(np.any(coeffs[c * n :] != 0)):
        raise ValueError("quotient has too high a degree: the constraints do not hold on H")
    chunks = np.zeros((c, N, 4), dtype=U64)
    chunks[:, :n] = coeffs[: c * n].reshape(c, n, 4)
    if n < N:
        if rng is None:
            raise ValueError("masked height N > n needs an rng for blinding")
        from zkrv_prover.stark.field import random as random_base

        a = random_base((c - 1, N - n, 4), rng).astype(U64)
        chunks[:-1, n:] = (chunks[:-1, n:] + a) % se.P  # + x^n b_j
        chunks[1:, : N - n] = (chunks[1:, : N - n] + (se.P - a)) % se.P  # - b_(j-1)
    mat = chunks.transpose(1, 0, 2).reshape(N, 4 * c)
    return ntt.ntt(mat)
