"""Zero-knowledge masking (``stark/air/zk.py``): the commitment layouts, the masked trace on H, and
the hiding argument checked exactly: the map from the masking randomness to everything a proof
reveals about a column (two base values per query: the opened row at x and, through the
quotient at x, the next row at x h; EXT_DEGREE base values per out-of-domain point) has full
rank, so those values are uniform whatever the witness."""

from __future__ import annotations

import numpy as np
import pytest

from zkrv_prover.stark.air import zk
from zkrv_prover.stark.air.zk import OOD_POINTS
from zkrv_prover.stark.commit import pcs
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.field import ntt
from zkrv_prover.stark.field.field import (
    EXT_DEGREE,
    GENERATOR,
    P,
    ext_embed,
    ext_mul_int,
    ext_pow_int,
    two_adic_generator,
)
from zkrv_prover.stark.field.randomness import FieldRng

DEFAULT = PcsParams()
Ext = tuple[int, ...]


def test_plan_layouts() -> None:
    assert zk.revealed(DEFAULT) == 2 * DEFAULT.num_queries + EXT_DEGREE * 2
    assert zk.revealed(DEFAULT) == 130  # the defaults: 60 queries, BabyBear^5
    # relaxed: n / 64 >= revealed random coefficients at height n
    assert zk.plan(DEFAULT, 1 << 14) == zk.MaskPlan(1 << 14, 14, (1 << 14) + 256)
    assert zk.plan(DEFAULT, 1 << 16) == zk.MaskPlan(1 << 16, 16, (1 << 16) + 1024)
    # padded: n / 64 < revealed, the next power of two >= n + revealed
    assert zk.plan(DEFAULT, 8192) == zk.MaskPlan(8192, 14, 1 << 14)
    assert zk.plan(DEFAULT, 2048) == zk.MaskPlan(2048, 12, 4096)
    assert zk.plan(DEFAULT, 64) == zk.MaskPlan(64, 8, 256)
    assert zk.plan(DEFAULT, 8) == zk.MaskPlan(8, 8, 256)
    assert zk.plan(DEFAULT, 1) == zk.MaskPlan(1, 8, 256)
    # no zk: the table as is
    nozk = PcsParams(zk=False)
    assert zk.plan(nozk, 2048) == zk.MaskPlan(2048, 11, 2048) and zk.plan(nozk, 8).k == 0
    for log_n in range(21):
        mp = zk.plan(DEFAULT, 1 << log_n)
        assert mp.k >= zk.revealed(DEFAULT)  # enough random degrees for what is revealed
        assert mp.degree_bound <= DEFAULT.degree_bound(mp.log_height)  # the PCS accepts it
        assert mp.log_height in (log_n, (mp.degree_bound - 1).bit_length())
    with pytest.raises(ValueError, match="power of two"):
        zk.plan(DEFAULT, 12)


@pytest.mark.parametrize("n", [8, 2048, 4096])
def test_masked_trace_equals_trace_on_subgroup(n: int) -> None:
    rng = FieldRng.seeded(n)
    trace = rng.base((n, 3))
    mp = zk.plan(DEFAULT, n)
    t = ntt.intt(trace)
    m = zk.mask_coeffs(t, mp, rng)
    assert m.shape == (mp.degree_bound, 3)
    assert (zk.evals_on_subgroup(m, n) == trace).all()
    # m - T = (x^n - 1) R with deg R < k: -R on [0, k), R on [n, n + k), 0 elsewhere
    d = m.astype(np.int64)
    d[:n] -= t
    d %= P
    r = d[n:]
    assert r.shape[0] == mp.k and r.any()
    low = (P - r) % P
    if mp.k <= n:
        assert (d[: mp.k] == low).all() and not d[mp.k : n].any()
    # fresh randomness each time, same values on H
    m2 = zk.mask_coeffs(t, mp, rng)
    assert (m2 != m).any() and (zk.evals_on_subgroup(m2, n) == trace).all()
    with pytest.raises(ValueError, match="rng"):
        zk.mask_coeffs(t, mp, None)


def _rank_mod_p(rows: list[list[int]]) -> int:
    m = [list(r) for r in rows]
    rank, cols = 0, len(m[0]) if m else 0
    for c in range(cols):
        piv = next((i for i in range(rank, len(m)) if m[i][c] % P), None)
        if piv is None:
            continue
        m[rank], m[piv] = m[piv], m[rank]
        inv = pow(m[rank][c], P - 2, P)
        m[rank] = [v * inv % P for v in m[rank]]
        for i in range(len(m)):
            if i != rank and m[i][c] % P:
                f = m[i][c]
                m[i] = [(a - f * b) % P for a, b in zip(m[i], m[rank], strict=True)]
        rank += 1
    return rank


def _revealed_points(n: int, log_blowup: int, queries: int, seed: int) -> tuple[list[int], list]:  # type: ignore[type-arg]
    """Query points of the committed LDE coset, all distinct from each other and from each
    other's next-row points x h (the worst case: most values revealed), and the out-of-domain
    points zeta, zeta * h."""
    rng = np.random.default_rng(seed)
    log_lde = zk.plan(DEFAULT, n).log_height + log_blowup
    om = two_adic_generator(log_lde)
    step = (1 << log_lde) // n  # x h = GENERATOR om^(i + step) for x = GENERATOR om^i
    idx: list[int] = []
    taken: set[int] = set()
    for i in rng.permutation(1 << log_lde):
        pair = {int(i), (int(i) + step) % (1 << log_lde)}
        if len(idx) < queries and not pair & taken:
            idx.append(int(i))
            taken |= pair
    assert len(idx) == queries
    xs = [GENERATOR * pow(om, i, P) % P for i in idx]
    zeta: Ext = tuple(int(v) for v in rng.integers(0, P, size=EXT_DEGREE))
    h = two_adic_generator(n.bit_length() - 1)
    return xs, [zeta, ext_mul_int(zeta, ext_embed(h))]


def _with_next_rows(n: int, xs: list[int]) -> list[int]:
    """The query points x and their next-row points x h (the quotient at x reads T'(x h)),
    kept distinct (a query at the neighbour of another reveals nothing new)."""
    h = two_adic_generator(n.bit_length() - 1)
    return list(dict.fromkeys([*xs, *(x * h % P for x in xs)]))


def _forms(n: int, k: int, xs: list[int], zs: list[Ext], shift: int = 0) -> list[list[int]]:
    """Rows of the F_p-linear map R (k base coefficients) -> revealed values of x^shift Z_H R:
    one row per base point, EXT_DEGREE rows (coordinates) per extension point."""
    rows = []
    for x in xs:
        zh = (pow(x, n, P) - 1) * pow(x, shift, P) % P
        rows.append([zh * pow(x, j, P) % P for j in range(k)])
    for z in zs:
        zn = ext_pow_int(z, n)
        zh = ext_mul_int(((zn[0] - 1) % P, *zn[1:]), ext_pow_int(z, shift))
        cols = [ext_mul_int(zh, ext_pow_int(z, j)) for j in range(k)]
        rows += [[c[i] for c in cols] for i in range(EXT_DEGREE)]
    return rows


@pytest.mark.parametrize("n", [8, 16, 4096])
def test_revealed_values_are_uniform(n: int) -> None:
    """Full rank: T'(revealed points) = T(points) + (uniform vector), for any trace T. The
    revealed points are each query's x and x h (the quotient at x reads the next row) and the
    out-of-domain zeta, zeta h."""
    mp = zk.plan(DEFAULT, n)
    xs, zs = _revealed_points(n, DEFAULT.log_blowup, DEFAULT.num_queries, seed=n)
    pts = _with_next_rows(n, xs)
    assert len(pts) == 2 * DEFAULT.num_queries  # random queries: no neighbours among them
    forms = _forms(n, mp.k, pts, zs)
    assert len(forms) == zk.revealed(DEFAULT)
    assert _rank_mod_p(forms) == zk.revealed(DEFAULT)
    # The count that left out the next rows (one value per query: queries + 2 EXT_DEGREE)
    # planned small tables at the next power of two N >= n + that count, with k = N - n random
    # coefficients: fewer than the revealed values, so some combination of them would depend
    # on the trace alone.
    old_count = DEFAULT.num_queries + EXT_DEGREE * OOD_POINTS
    old_k = (1 << (n + old_count - 1).bit_length()) - n
    if old_k < zk.revealed(DEFAULT):
        assert _rank_mod_p(_forms(n, old_k, pts, zs)) == old_k
    # counting extension openings as one value each would not be enough either: with
    # 2 * queries + 2 random coefficients the revealed base values cannot all be uniform
    short = 2 * DEFAULT.num_queries + OOD_POINTS
    assert _rank_mod_p(_forms(n, short, pts, zs)) < zk.revealed(DEFAULT)


def test_quotient_chunk_openings_are_uniform_beyond_the_recombination() -> None:
    """Chunks Q_j' = Q_j + x^n b_j - b_(j-1) (j < 3), opened at zeta and at every query: the
    blinding (b_0, b_1) reaches every opened value except the one recombination relation per
    point, so the openings carry no more than Q itself (which the verifier recomputes)."""
    n = 4096
    k = zk.plan(DEFAULT, n).k
    xs, zs = _revealed_points(n, DEFAULT.log_blowup, DEFAULT.num_queries, seed=7)
    zs = zs[:1]  # chunks are opened at zeta only
    per_point = len(_forms(n, 1, xs, zs))  # revealed base values per chunk (28 + EXT_DEGREE)

    def chunk_forms(j: int, b: int) -> list[list[int]]:
        # contribution of b_b to chunk j: + x^n b_j (b = j), - b_(j-1) (b = j - 1)
        if b == j:
            return [[v % P for v in row] for row in _forms_xn(n, k, xs, zs)]
        if b == j - 1:
            return [[(P - v) % P for v in row] for row in _forms_plain(k, xs, zs)]
        return [[0] * k for _ in range(per_point)]

    rows = []
    for j in range(3):
        blocks = [chunk_forms(j, b) for b in range(2)]
        rows += [blocks[0][i] + blocks[1][i] for i in range(per_point)]
    assert _rank_mod_p(rows) == 2 * per_point


def _forms_plain(k: int, xs: list[int], zs: list[Ext]) -> list[list[int]]:
    rows = [[pow(x, j, P) for j in range(k)] for x in xs]
    for z in zs:
        cols = [ext_pow_int(z, j) for j in range(k)]
        rows += [[c[i] for c in cols] for i in range(EXT_DEGREE)]
    return rows


def _forms_xn(n: int, k: int, xs: list[int], zs: list[Ext]) -> list[list[int]]:
    rows = [[pow(x, n + j, P) for j in range(k)] for x in xs]
    for z in zs:
        cols = [ext_pow_int(z, n + j) for j in range(k)]
        rows += [[c[i] for c in cols] for i in range(EXT_DEGREE)]
    return rows


def test_openings_of_different_witnesses_look_alike() -> None:
    """Smoke test of the distribution: two witnesses (same height, no public values), many
    masks; the opened values at a fixed out-of-domain point and query point never repeat and
    are spread like uniform values for both witnesses."""
    n = 4096
    mp = zk.plan(DEFAULT, n)
    xs, zs = _revealed_points(n, DEFAULT.log_blowup, 1, seed=3)
    rng = FieldRng.seeded(5)
    witnesses = [ntt.intt(rng.base((n, 2))) for _ in range(2)]
    for t in witnesses:
        seen = []
        for seed in range(64):
            m = zk.mask_coeffs(t, mp, FieldRng.seeded(seed))
            seen += [int(v) for v in pcs.eval_coeffs_at(m, zs[0]).ravel()]
            seen += [int(v) for v in pcs.eval_coeffs_at(m, ext_embed(xs[0]))[:, 0]]
        assert len(set(seen)) == len(seen)
        low = sum(v < P // 2 for v in seen) / len(seen)
        assert 0.4 < low < 0.6
