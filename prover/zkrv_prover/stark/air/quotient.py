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

Groups (proof format 3): tables of equal height share H, so they share one quotient
(:func:`quotient_groups`); D above is then the group's largest degree (:func:`group_degree`).
Each member's share is computed as described on its own coset, interpolated
(:func:`quotient_coeffs`) and folded in coefficient form (:func:`horner_step`), then the sum is
split and blinded once (:func:`split_coeffs`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from zkrv_prover.stark.air import symbolic_eval as se
from zkrv_prover.stark.air.air import Expr, Op, TableLayout
from zkrv_prover.stark.field.field import EXT_DEGREE, EXT_ONE
from zkrv_prover.stark.field.randomness import FieldRng, require

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


def quotient_groups(log_heights: Sequence[int]) -> list[list[int]]:
    """The tables that share one quotient (``docs/stark.md``, "Quotients batched per height"):
    tables of equal height share the constraint domain H and Z_H, so one random combination of
    all their constraints has one quotient. Members in table order, groups in the order of their
    first table; a function of the heights alone, which prover and verifier both know before
    the quotient round (they are bound into the transcript header)."""
    groups: dict[int, list[int]] = {}
    for t, lh in enumerate(log_heights):
        groups.setdefault(int(lh), []).append(t)
    return list(groups.values())


def group_degree(degrees: Sequence[int], group: Sequence[int]) -> int:
    """Constraint degree of a group's combined constraint: the largest member degree (its
    quotient has ``num_chunks(group_degree, n, Nd)`` chunks)."""
    return max(degrees[t] for t in group)


def horner_step(acc: np.ndarray | None, gamma_k: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``acc * gamma^K + q`` on (m, EXT_DEGREE) uint64 quotient coefficients (``gamma_k`` =
    gamma^K, K the next table's constraint count; the shorter array is zero-extended). Folding a
    group's per-table quotients Q_t (each Horner-combined over its own constraints) in member
    order gives the quotient of the Horner combination of all the group's constraints, the identity
    the verifier checks (``ood.check_group``): division by Z_H is linear."""
    if acc is None:
        return q.astype(U64)
    m = max(acc.shape[0], q.shape[0])
    out = np.zeros((m, EXT_DEGREE), dtype=U64)
    out[: acc.shape[0]] = se.ext_mul(acc, np.asarray(gamma_k, dtype=U64))
    out[: q.shape[0]] = se.b_add(out[: q.shape[0]], q.astype(U64))
    return out


def domain_points(M: int, shift: int) -> np.ndarray:
    """[shift * w^i for i < M] (uint64, natural order), w the order-M root of unity."""
    from zkrv_prover.stark.field.field import powers, two_adic_generator

    return powers(two_adic_generator(M.bit_length() - 1), M, start=shift).astype(U64)


#: Points per quotient evaluation block: small enough that a block's leaf columns and DAG
#: intermediates stay in the tens of MiB even for the widest table, large enough that numpy's
#: per-call overhead is amortized.
BLOCK_POINTS = 1 << 14
#: Base constraints combined per matrix product (exactness bound, see combined_quotient).
_GROUP = 32


class QuotientLeaves:
    """Leaf values of a table's constraints on the coset s * <w> of size M, served per block of
    points (never for the whole coset at once, see :meth:`block`).

    ``main``/``pre`` are (M, w) base arrays, ``aux`` (M, a, EXT_DEGREE) extension, any unsigned
    dtype holding canonical values. Point i is ``x[i]`` (natural order); its values are in row i,
    or, with ``bitrev=True``, in row rev_M(i): the first M rows of a bit-reversed LDE can then be
    passed as they are (no reordered copy). The next row of point i is the point M/n positions
    later (cyclic): x h, h the generator of the order-n constraint domain."""

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
        bitrev: bool = False,
    ) -> None:
        from zkrv_prover.stark.field.field import two_adic_generator

        self.M = x.shape[0]
        if self.M % n or n > self.M:
            raise ValueError(f"coset size {self.M} is not a multiple of the table height {n}")
        for name, src in (("main", main), ("pre", pre), ("aux", aux)):
            if src is not None and src.shape[0] != self.M:
                raise ValueError(f"{name} has {src.shape[0]} rows, the coset {self.M} points")
        self.step = self.M // n
        self.n = n
        self.x = x
        self.main, self.pre, self.aux = main, pre, aux
        self.bitrev = bitrev
        self.public = [int(v) % se.P_INT for v in public]
        self.challenges = None if challenges is None else challenges.astype(U64)
        self.cumsum = None if cumsum is None else cumsum.astype(U64)
        self.h_inv = pow(two_adic_generator(n.bit_length() - 1), se.P_INT - 2, se.P_INT)
        # Z_H(x) = x^n - 1 is periodic with period M / n on this coset: Z_H(x[i]) = zh[i % step].
        self.zh = se.b_sub(se.b_pow(x[: self.step].astype(U64), n), np.asarray(1, dtype=U64))
        self.zh_inv = se.b_inv(self.zh)

    def block(self, i0: int, i1: int) -> BlockLeaves:
        """Leaves for the points i0 <= i < i1."""
        return BlockLeaves(self, i0, i1)

    def _rows(self, src: np.ndarray, i0: int, i1: int) -> np.ndarray:
        """Rows of ``src`` for points i0..i1-1 (indices taken mod M); a view when contiguous."""
        M = self.M
        if self.bitrev:
            from zkrv_prover.stark.field.ntt import bit_reverse_indices

            rev = bit_reverse_indices(M.bit_length() - 1)
            return src[rev[np.arange(i0, i1) % M]]
        if i1 <= M:
            return src[i0:i1]
        return src[np.arange(i0, i1) % M]


class BlockLeaves:
    """The leaf function of :func:`symbolic_eval.DagPlan.run` for one block of quotient points:
    columns are cut from the block's rows on first use (current row, and next row = the rows
    M/n points later) and cached as uint64 for the block only."""

    def __init__(self, src: QuotientLeaves, i0: int, i1: int) -> None:
        self.src, self.i0, self.i1 = src, i0, i1
        self.size = i1 - i0
        self._rows: dict[tuple[int, bool], np.ndarray] = {}
        self._cache: dict[tuple[int, int, bool], np.ndarray] = {}
        self.x = src.x[i0:i1].astype(U64)
        period = np.arange(i0, i1) % src.step
        self.zh = src.zh[period]
        self.zh_inv = src.zh_inv[period]

    def _table(self, op: Op, nxt: bool) -> np.ndarray:
        key = (int(op), nxt)
        if key not in self._rows:
            q = self.src
            arr = {Op.MAIN: q.main, Op.PRE: q.pre, Op.AUX: q.aux}[op]
            if arr is None:
                raise ValueError(f"constraint uses {op.name} columns the table lacks")
            off = q.step if nxt else 0
            # Column-major copy of the block: (w, B) or (a, B, 4), so that each column taken
            # below is contiguous (a strided column read costs a cache line per element).
            rows = q._rows(arr, self.i0 + off, self.i1 + off)
            self._rows[key] = np.ascontiguousarray(np.moveaxis(rows, 0, 1))
        return self._rows[key]

    def __call__(self, node: Expr) -> np.ndarray:
        op = node.op
        q = self.src
        if op in (Op.MAIN, Op.PRE, Op.AUX):
            key = (int(op), node.index, node.nxt)
            if key not in self._cache:
                self._cache[key] = self._table(op, node.nxt)[node.index].astype(U64)
            return self._cache[key]
        if op == Op.PUBLIC:
            return np.asarray(q.public[node.index], dtype=U64)
        if op == Op.CHALLENGE:
            assert q.challenges is not None, "challenges missing"
            return q.challenges[node.index]
        if op == Op.CUMSUM:
            assert q.cumsum is not None, "cumsum missing"
            return se.cumsum_leaf(q.cumsum, node.index)
        key = (int(op), 0, False)
        if key not in self._cache:
            self._cache[key] = self._selector(op)
        return self._cache[key]

    def _selector(self, op: Op) -> np.ndarray:
        q = self.src
        n_inv = pow(q.n, se.P_INT - 2, se.P_INT)
        h_inv = np.asarray(q.h_inv, dtype=U64)
        if op == Op.IS_TRANSITION:
            return se.b_sub(self.x, h_inv)
        if op == Op.IS_FIRST:
            # L_1(x) = Z_H(x) / (n (x - 1))
            den = se.b_sub(self.x, np.asarray(1, dtype=U64))
            return se.b_mul(se.b_mul(self.zh, se.b_inv(den)), np.asarray(n_inv, dtype=U64))
        # L_last(x) = h^-1 Z_H(x) / (n (x - h^-1))
        den = se.b_sub(self.x, h_inv)
        scale = np.asarray(n_inv * q.h_inv % se.P_INT, dtype=U64)
        return se.b_mul(se.b_mul(self.zh, se.b_inv(den)), scale)


def combined_quotient(
    layout: TableLayout,
    leaves: QuotientLeaves,
    gamma: np.ndarray,
    block_points: int | None = None,
) -> np.ndarray:
    """``Q(x) = (sum_i gamma^(K-1-i) C_i(x)) / Z_H(x)`` on the coset, shape (M, EXT_DEGREE)
    uint64.

    The powers make this equal to Horner's ``acc = acc * gamma + C_i`` the verifier runs. The
    coset is evaluated in blocks of ``block_points`` (default :data:`BLOCK_POINTS`) points on the
    :mod:`~zkrv_prover.stark.field.parallel` workers, so memory beyond the (M, EXT_DEGREE) result
    is a few blocks' worth; the values do not depend on the block size or thread count. Base
    constraints are multiplied coordinatewise by the extension scalar gamma^k (EXT_DEGREE products
    per point), extension ones with a full extension product."""
    from zkrv_prover.stark.field import field as fld
    from zkrv_prover.stark.field import parallel

    cons = layout.constraints
    K = len(cons)
    g = np.asarray(gamma, dtype=U64)
    gpow = np.zeros((K, EXT_DEGREE), dtype=U64)
    cur = np.array(EXT_ONE, dtype=U64)
    for i in range(K - 1, -1, -1):
        gpow[i] = cur
        cur = se.ext_mul(cur, g)
    is_ext = [c.expr.is_ext for c in cons]
    plan = se.DagPlan([c.expr for c in cons])
    M = leaves.M
    out = np.empty((M, EXT_DEGREE), dtype=U64)
    bp = block_points or BLOCK_POINTS
    # Base constraints are combined by a float64 matrix product on 16-bit limbs of gamma^k:
    # value (< 2^31) * limb (< 2^16) summed over _GROUP constraints stays below 2^52, exact.
    g_lo = (gpow & np.uint64(0xFFFF)).astype(np.float64)
    g_hi = (gpow >> np.uint64(16)).astype(np.float64)

    def run_block(rng: tuple[int, int]) -> None:
        i0, i1 = rng
        blk = leaves.block(i0, i1)
        B = i1 - i0
        acc = np.zeros((B, EXT_DEGREE), dtype=U64)
        vals = np.empty((B, _GROUP), dtype=np.float64)  # pending base constraint values
        which: list[int] = []

        def flush() -> None:
            k = len(which)
            if k:
                v = vals[:, :k]
                s_lo = fld.mod_p((v @ g_lo[which]).astype(U64))
                s_hi = fld.mod_p((v @ g_hi[which]).astype(U64))
                s_hi <<= np.uint64(16)
                acc[...] = fld.mod_p(acc + s_lo + fld.mod_p(s_hi))
                which.clear()

        def consume(i: int, v: np.ndarray) -> None:
            if is_ext[i]:
                term = se.ext_mul(np.broadcast_to(v, (B, EXT_DEGREE)), gpow[i])
                acc[...] = fld.add64(acc, term)
            else:
                vals[:, len(which)] = np.broadcast_to(v, (B,))
                which.append(i)
                if len(which) == _GROUP:
                    flush()

        plan.run(blk, consume)
        flush()
        out[i0:i1] = se.ext_mul_base(acc, blk.zh_inv[:, None])

    parallel.map_blocks(run_block, parallel.split(M, bp))
    return out


def quotient_coeffs(q_evals: np.ndarray, shift: int, top: int, strict: bool = True) -> np.ndarray:
    """Coefficients (M, EXT_DEGREE) uint64 of Q from its evaluations ``q_evals`` (same shape)
    on ``shift * H_M``.

    ``strict``: raise ``ValueError`` if Q has nonzero coefficients from ``top`` on
    (``quotient_len``): then the constraints do not hold on H, and an honest prover stops here."""
    from zkrv_prover.stark.field import ntt

    coeffs = ntt.coset_intt(q_evals.astype(np.uint32), shift).astype(U64)
    if strict and bool(np.any(coeffs[top:] != 0)):
        raise ValueError("quotient has too high a degree: the constraints do not hold on H")
    return coeffs


def split_coeffs(
    coeffs: np.ndarray, n: int, Nd: int, c: int, rng: FieldRng | None, *, hide: bool = True
) -> np.ndarray:
    """The c (blinded) chunks of the quotient with coefficients ``coeffs`` ((m, EXT_DEGREE),
    m >= c n; coefficients from c n on are dropped: zero for an honest prover) as an
    (Nd, EXT_DEGREE c) uint32 matrix (column EXT_DEGREE j + k = coordinate k of chunk j). With
    ``rng`` and Nd > n the chunks are blinded (module doc); without ``rng`` Nd must equal n,
    unless ``hide=False`` (a quotient of public data: chunks zero-padded to Nd, unblinded)."""
    if coeffs.shape[0] < c * n:
        raise ValueError(f"{coeffs.shape[0]} quotient coefficients, {c} chunks need {c * n}")
    d = EXT_DEGREE
    chunks = np.zeros((c, Nd, d), dtype=U64)
    chunks[:, :n] = coeffs[: c * n].reshape(c, n, d)
    if n < Nd and hide:
        gen = require(rng, "masked degree bound Nd > n (blinding)")
        a = gen.base((c - 1, Nd - n, d)).astype(U64)
        chunks[:-1, n:] = (chunks[:-1, n:] + a) % se.P  # + x^n b_j
        chunks[1:, : Nd - n] = (chunks[1:, : Nd - n] + (se.P - a)) % se.P  # - b_(j-1)
    return chunks.transpose(1, 0, 2).reshape(Nd, d * c).astype(np.uint32)
