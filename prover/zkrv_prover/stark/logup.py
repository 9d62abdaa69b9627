"""LogUp buses: lookups and permutations with multiplicities, as aux columns and constraints.

Every table interaction (see :class:`zkrv_prover.stark.air.Interaction`) contributes, on every
row r of its table, the fraction ``m_k(r) / (alpha - fp_k(r))`` with
``fp_k = bus_k + sum_j beta^(j+1) * v_{k,j}``, alpha and beta extension-field challenges drawn
after the main traces are committed. A machine is balanced when the sum of all fractions over all
tables is zero; the verifier checks ``sum_t cumsum_t == 0``.

Aux layout of a table (extension columns; each is committed as EXT_DEGREE base columns):

- one helper ``h_g`` per group g of interactions, constrained on every row by
  ``h_g * prod_{k in g}(alpha - fp_k) == sum_{k in g} m_k * prod_{j in g, j != k}(alpha - fp_j)``
  (groups are formed greedily so that this degree stays within the table's degree budget);
- a running sum ``phi`` with ``phi[0] = sum_g h_g[0]``, ``phi[r+1] = phi[r] + sum_g h_g[r+1]``
  and ``phi[n-1] = cumsum`` (the table's claimed sum, sent in the proof).

Soundness (see ``docs/stark.md``): if the per-bus multisets (with multiplicities as integers)
do not cancel, ``sum_k m_k / (X - fp_k)`` is a nonzero rational function of X whose numerator has
degree < total number of fractions, so a random alpha makes it vanish with probability at most
(#fractions) / |F_ext|; fingerprints of distinct tuples collide with probability at most
(max tuple length) / |F_ext| over beta (F_ext the extension field, |F_ext| = p^EXT_DEGREE).
Multiplicities are field elements: the argument holds for integer multisets only while every
total multiplicity stays below p (total rows of all
tables times the largest per-row multiplicity < p ~ 2^31).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from zkrv_prover.stark.air import (
    CH_ALPHA,
    CH_BETA,
    Constraint,
    Expr,
    Interaction,
    Op,
    TableLayout,
)


def fingerprint(inter: Interaction, beta: Expr) -> Expr:
    """``bus + sum_j beta^(j+1) v_j`` as an expression (the bus id separates buses)."""
    acc: Expr = Expr.const(inter.bus)
    power = beta
    for v in inter.values:
        acc = acc + power * v
        power = power * beta
    return acc


def _fp_degree(inter: Interaction) -> int:
    return max(v.degree for v in inter.values)


def _group_degree(inters: Sequence[Interaction]) -> int:
    ds = [_fp_degree(i) for i in inters]
    total = sum(ds)
    lhs = 1 + total
    rhs = max(i.multiplicity.degree + total - d for i, d in zip(inters, ds, strict=True))
    return max(lhs, rhs)


def group_interactions(inters: Sequence[Interaction], max_degree: int) -> list[list[int]]:
    """Greedy grouping in order: a group grows while its constraint degree stays within
    ``max_degree`` (an interaction too heavy on its own gets a group by itself)."""
    groups: list[list[int]] = []
    for k in range(len(inters)):
        if groups and _group_degree([inters[j] for j in [*groups[-1], k]]) <= max_degree:
            groups[-1].append(k)
        else:
            groups.append([k])
    return groups


def add_logup(layout: TableLayout, max_degree: int) -> None:
    """Append the LogUp aux layout and constraints of ``layout`` (no-op without interactions)."""
    inters = layout.interactions
    if not inters:
        return
    groups = group_interactions(inters, max_degree)
    alpha, beta = Expr(Op.CHALLENGE, index=CH_ALPHA), Expr(Op.CHALLENGE, index=CH_BETA)
    dens = [alpha - fingerprint(i, beta) for i in inters]
    helpers = [Expr(Op.AUX, index=g) for g in range(len(groups))]
    helpers_next = [Expr(Op.AUX, index=g, nxt=True) for g in range(len(groups))]
    phi = Expr(Op.AUX, index=len(groups))
    phi_next = Expr(Op.AUX, index=len(groups), nxt=True)
    cumsum = Expr(Op.CUMSUM)
    out = layout.constraints
    for g, members in enumerate(groups):
        prod: Expr = helpers[g]
        for k in members:
            prod = prod * dens[k]
        rhs: Expr | None = None
        for k in members:
            term: Expr = inters[k].multiplicity
            for j in members:
                if j != k:
                    term = term * dens[j]
            rhs = term if rhs is None else rhs + term
        assert rhs is not None
        out.append(Constraint(prod - rhs, f"logup_helper{g}"))
    row_sum: Expr = helpers[0]
    row_sum_next: Expr = helpers_next[0]
    for g in range(1, len(groups)):
        row_sum = row_sum + helpers[g]
        row_sum_next = row_sum_next + helpers_next[g]
    first, last, trans = Expr(Op.IS_FIRST), Expr(Op.IS_LAST), Expr(Op.IS_TRANSITION)
    out.append(Constraint(first * (phi - row_sum), "logup_first"))
    out.append(Constraint(trans * (phi_next - phi - row_sum_next), "logup_step"))
    out.append(Constraint(last * (phi - cumsum), "logup_last"))
    layout.logup_groups = groups
    layout.aux_width = len(groups) + 1


#: Rows per block of the aux-trace computation.
AUX_BLOCK_ROWS = 1 << 14


def aux_trace(
    layout: TableLayout,
    main: np.ndarray,
    pre: np.ndarray | None,
    public: Sequence[int],
    alpha: np.ndarray,
    beta: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The aux trace ``(n, aux_width, EXT_DEGREE)`` uint32 and the table's cumsum
    ``(EXT_DEGREE,)`` uint32.

    Vectorized over rows, in blocks of :data:`AUX_BLOCK_ROWS` rows on the parallel workers (the
    memory beyond the result is a few blocks' worth): per block, interaction values and
    multiplicities are evaluated on the block's columns and all its denominators are inverted
    at once; the running sum is one cumulative sum at the end. Raises ``ValueError`` if some
    denominator is zero (probability ~ rows / |F_ext| for honest traces)."""
    from zkrv_prover.stark import parallel
    from zkrv_prover.stark import symbolic_eval as se
    from zkrv_prover.stark.field import EXT_DEGREE

    n = main.shape[0]
    inters = layout.interactions
    roots = [v for i in inters for v in i.values] + [i.multiplicity for i in inters]
    plan = se.DagPlan(roots)
    nv = sum(len(i.values) for i in inters)
    groups = layout.logup_groups
    a64, b64 = alpha.astype(np.uint64), beta.astype(np.uint64)
    d = EXT_DEGREE
    aux = np.empty((n, len(groups) + 1, d), dtype=np.uint32)
    row_sum = np.empty((n, d), dtype=np.uint64)

    def block(rows: tuple[int, int]) -> None:
        # Rows are independent up to the running sum: blocks of rows on the parallel workers.
        r0, r1 = rows
        B = r1 - r0
        vals: list[np.ndarray] = [np.empty(0)] * len(roots)

        def keep(i: int, v: np.ndarray) -> None:
            vals[i] = np.broadcast_to(v, (B,))

        plan.run(se.RowLeaves(main, pre, None, public, None, None, rows), keep)
        mults = vals[nv:]
        # fingerprints (B, EXT_DEGREE) per interaction
        dens = np.empty((len(inters), B, d), dtype=np.uint64)
        pos = 0
        for k, inter in enumerate(inters):
            fp = se.ext_from_base(np.full(B, inter.bus, dtype=np.uint64))
            power = b64
            for _ in inter.values:
                fp = se.ext_add(fp, se.ext_mul_base(power[None, :], vals[pos][:, None]))
                power = se.ext_mul(power[None, :], b64[None, :])[0]
                pos += 1
            dens[k] = se.ext_sub(a64[None, :], fp)
        if bool(np.any(np.all(dens == 0, axis=-1))):
            raise ValueError(f"table {layout.air.name!r}: LogUp denominator is zero; resample")
        inv = se.ext_inv(dens)
        total = np.zeros((B, d), dtype=np.uint64)
        for g, members in enumerate(groups):
            acc = np.zeros((B, d), dtype=np.uint64)
            for k in members:
                acc = se.ext_add(acc, se.ext_mul_base(inv[k], mults[k][:, None]))
            aux[r0:r1, g] = acc
            total = se.ext_add(total, acc)
        row_sum[r0:r1] = total

    parallel.map_blocks(block, parallel.split(n, AUX_BLOCK_ROWS))
    # running sum: cumsum of < 2^31 values stays < 2^64 for n < 2^33
    run = np.cumsum(row_sum, axis=0) % se.P
    aux[:, len(groups)] = run
    cumsum = run[n - 1].copy()
    return aux.astype(np.uint32), cumsum.astype(np.uint32)
