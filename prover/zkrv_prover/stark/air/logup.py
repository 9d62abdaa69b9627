"""LogUp buses: lookups and permutations with multiplicities, as aux columns and constraints.

Every table interaction (see :class:`zkrv_prover.stark.air.air.Interaction`) contributes, on every
row r of its table, the fraction ``m_k(r) / (alpha - fp_k(r))`` with
``fp_k = bus_k + sum_j beta^(j+1) * v_{k,j}``, alpha and beta extension-field challenges drawn
after the main traces are committed. A machine is balanced when the sum of all fractions over all
tables is zero; the verifier checks ``sum_t cumsum_t == 0``.

Blind (main) columns of a table with interactions: one extension element ``blind`` per row,
stored in ``field.EXT_DEGREE`` base columns after the AIR's own (``TableLayout.blind_col``) and
committed with the main trace, i.e. *before* alpha and beta are drawn.

Aux layout of a table (extension columns; each is committed as ``field.EXT_DEGREE`` base
columns): with its interactions in groups ``g = 0 .. G-1`` (formed greedily so that each
group's constraint stays within the table's degree budget),

- one helper ``h_g`` per group but the last, constrained on every row by
  ``h_g * prod_{k in g}(alpha - fp_k) == sum_{k in g} m_k * prod_{j in g, j != k}(alpha - fp_j)``;
- a running sum ``phi``, on every row r of the cyclic trace domain (row n wraps to row 0):
  ``step[r] = phi[r+1] - phi[r] - blind[r] - sum_{g < G-1} h_g[r] + is_last[r] * cumsum``,
  constrained like a helper of the last group: ``step * prod_{k in G-1}(alpha - fp_k) ==
  sum_{k in G-1} m_k * prod_{j != k}(alpha - fp_j)``. The last group's fractions need no column
  of their own (one aux column fewer per table than a separate helper), and the step constraint
  has the degree of a helper constraint (``is_last * cumsum`` has degree 1).

Summing ``step`` over the whole cycle telescopes phi away: ``cumsum = sum_r blind[r] + sum_r
sum_g (fractions of group g on row r)``, so ``cumsum_t = L_t + B_t`` with ``L_t`` the table's
genuine LogUp sum and ``B_t = sum_r blind_t[r]`` (the table's claimed sum, sent in the proof).
phi itself is free up to a constant; the honest prover starts it at 0. The constraints read
the blind and the main columns on the local row only (a table whose own constraints never read
the next main row is still opened at zeta alone in the main round).

The honest prover (:func:`zkrv_prover.stark.air.zk.logup_blinds`) puts a blind only on row 0:
uniformly random ``b_t`` for every LogUp table but the last, which gets minus their sum, so
``sum_t B_t = 0`` and the verifier's check is unchanged. Without zk the blinds are zero (same
layout, so the verifier and the wrap circuit do not depend on the mode).

Soundness (see ``docs/stark.md``): if the per-bus multisets (with multiplicities as integers)
do not cancel, ``R(X) = sum_k m_k / (X - fp_k)`` is a nonzero rational function of X whose
numerator has degree < D, D the number of distinct denominators (<= the number of fractions).
The verifier accepts the sums only if ``R(alpha) + M = 0`` where ``M = sum_t B_t`` is fixed by
the main commitment, before alpha. ``R + M = (N + M * Den) / Den`` with ``deg N < deg Den = D``:
if M != 0 the numerator has degree exactly D (R tends to 0 at infinity, so it is never a
nonzero constant), if M = 0 and R != 0 it is N != 0; if R = 0 and M != 0 the check always
fails. So a cheating prover passes with probability at most D / |F_p^EXT_DEGREE| over alpha,
the unblinded bound with the degree raised by one; fingerprints of distinct tuples collide
with probability at most (max tuple length) / |F_p^EXT_DEGREE| over beta. Multiplicities are
field elements: the argument holds for integer multisets only while every total multiplicity
stays below p (total rows of all tables times the largest per-row multiplicity < p ~ 2^31).

Hiding: the genuine sums ``L_t`` are functions of the witness and of public challenges, so
publishing them would let anyone test a guessed witness (a PIN, a vote) against a proof by
recomputing them. With the blinds, the published ``cumsum_t = L_t + b_t`` (t < T - 1) are
uniform and independent of the witness, and the last is fixed by ``sum_t cumsum_t = 0``:
the sums reveal only that the buses balance. The blind columns themselves are committed main
columns, so their openings (at zeta and at the FRI query points) are covered by the main
trace's zero-knowledge masking (:mod:`zkrv_prover.stark.air.zk`), like every other column.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from zkrv_prover.stark.air.air import (
    CH_ALPHA,
    CH_ALPHA_G,
    CH_BETA,
    CH_BETA_G,
    CUMSUM_GLOBAL,
    CUMSUM_LOCAL,
    Constraint,
    Expr,
    Interaction,
    Op,
    TableLayout,
)
from zkrv_prover.stark.field.field import EXT_DEGREE, P

U32 = npt.NDArray[np.uint32]


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
    """Append the LogUp blind columns (to the main width), the aux layout and the constraints of
    ``layout`` (no-op without interactions). Global interactions (``layout.global_interactions``)
    get the same construction with the global challenges, their own blind (after the local one),
    helpers and running sum (after the local aux columns) and the sum ``CUMSUM_GLOBAL``."""
    if layout.interactions:
        layout.blind_col = layout.main_width
        layout.main_width += EXT_DEGREE
        layout.logup_groups = _add_bus(
            layout, layout.interactions, max_degree, layout.blind_col, 0, local=True
        )
        layout.aux_width = len(layout.logup_groups)
    if layout.global_interactions:
        layout.global_blind_col = layout.main_width
        layout.main_width += EXT_DEGREE
        layout.global_aux = layout.aux_width
        layout.global_groups = _add_bus(
            layout,
            layout.global_interactions,
            max_degree,
            layout.global_blind_col,
            layout.global_aux,
            local=False,
        )
        layout.aux_width += len(layout.global_groups)


def _add_bus(
    layout: TableLayout,
    inters: Sequence[Interaction],
    max_degree: int,
    blind_col: int,
    aux0: int,
    local: bool,
) -> list[list[int]]:
    """The helper and running-sum constraints of ``inters`` (module doc) with the blind at main
    column ``blind_col`` and the aux columns from ``aux0``; returns the helper groups. Local
    interactions use (alpha, beta) and the sum ``CUMSUM_LOCAL``, global ones (alpha_G, beta_G)
    and ``CUMSUM_GLOBAL`` (constraint names ``logup_*`` / ``logup_global_*``)."""
    blind: Expr = Expr(Op.MAIN, index=blind_col)
    for k in range(1, EXT_DEGREE):
        blind = blind + Expr.ext_basis(k) * Expr(Op.MAIN, index=blind_col + k)
    groups = group_interactions(inters, max_degree)
    ia, ib = (CH_ALPHA, CH_BETA) if local else (CH_ALPHA_G, CH_BETA_G)
    alpha, beta = Expr(Op.CHALLENGE, index=ia), Expr(Op.CHALLENGE, index=ib)
    dens = [alpha - fingerprint(i, beta) for i in inters]
    n_help = len(groups) - 1  # the last group's fractions are phi's step (module doc)
    helpers = [Expr(Op.AUX, index=aux0 + g) for g in range(n_help)]
    phi = Expr(Op.AUX, index=aux0 + n_help)
    phi_next = Expr(Op.AUX, index=aux0 + n_help, nxt=True)
    cumsum = Expr(Op.CUMSUM, index=CUMSUM_LOCAL if local else CUMSUM_GLOBAL)
    step: Expr = phi_next - phi - blind + Expr(Op.IS_LAST) * cumsum
    for h in helpers:
        step = step - h
    pre = "logup_" if local else "logup_global_"
    out = layout.constraints
    for g, members in enumerate(groups):
        prod: Expr = helpers[g] if g < n_help else step
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
        name = f"{pre}helper{g}" if g < n_help else f"{pre}step"
        out.append(Constraint(prod - rhs, name))
    return groups


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
    ``(EXT_DEGREE,)`` uint32, from the table's full main trace (``layout.main_width`` columns,
    blind columns included: see :func:`with_blind`). Tables with global interactions: see
    :func:`table_aux`.

    Vectorized over rows, in blocks of :data:`AUX_BLOCK_ROWS` rows on the parallel workers (the
    memory beyond the result is a few blocks' worth): per block, interaction values and
    multiplicities are evaluated on the block's columns and all its denominators are inverted
    at once; the running sum is one cumulative sum at the end. Raises ``ValueError`` if some
    denominator is zero (probability ~ rows / |F_ext| for honest traces)."""
    if layout.global_interactions:
        raise ValueError(f"table {layout.air.name!r} has global interactions: use table_aux")
    if main.ndim != 2 or main.shape[1] != layout.main_width or layout.blind_col is None:
        raise ValueError(
            f"table {layout.air.name!r}: aux trace needs the LogUp table's full main trace"
            f" ({layout.main_width} columns with the blind), got shape {main.shape}"
        )
    return _bus_aux(
        layout,
        layout.interactions,
        layout.logup_groups,
        layout.blind_col,
        main,
        pre,
        public,
        alpha,
        beta,
    )


def table_aux(
    layout: TableLayout,
    main: np.ndarray,
    pre: np.ndarray | None,
    public: Sequence[int],
    challenges: np.ndarray,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """The whole aux trace ``(n, aux_width, EXT_DEGREE)`` of a table with local and/or global
    interactions, its local LogUp sum (None without local interactions) and its global sum
    (None without global ones). ``challenges``: (alpha, beta, alpha_G, beta_G) as a
    (4, EXT_DEGREE) array (the first two are unused without local interactions)."""
    if main.ndim != 2 or main.shape[1] != layout.main_width:
        raise ValueError(
            f"table {layout.air.name!r}: aux trace needs the full main trace"
            f" ({layout.main_width} columns with the blinds), got shape {main.shape}"
        )
    ch = np.asarray(challenges, dtype=np.uint32)
    parts: list[np.ndarray] = []
    local = glob = None
    if layout.blind_col is not None:
        aux, local = _bus_aux(
            layout,
            layout.interactions,
            layout.logup_groups,
            layout.blind_col,
            main,
            pre,
            public,
            ch[CH_ALPHA],
            ch[CH_BETA],
        )
        parts.append(aux)
    if layout.global_blind_col is not None:
        aux, glob = _bus_aux(
            layout,
            layout.global_interactions,
            layout.global_groups,
            layout.global_blind_col,
            main,
            pre,
            public,
            ch[CH_ALPHA_G],
            ch[CH_BETA_G],
        )
        parts.append(aux)
    if not parts:
        raise ValueError(f"table {layout.air.name!r} has no interactions")
    full = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)
    return full, local, glob


def _bus_aux(
    layout: TableLayout,
    inters: Sequence[Interaction],
    groups: Sequence[Sequence[int]],
    blind_col: int,
    main: np.ndarray,
    pre: np.ndarray | None,
    public: Sequence[int],
    alpha: np.ndarray,
    beta: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Helpers of every group but the last, then the running sum (n, len(groups), EXT_DEGREE),
    of one set of interactions with its blind at main column ``blind_col``, and its sum
    (:func:`aux_trace`)."""
    from zkrv_prover.stark.air import symbolic_eval as se
    from zkrv_prover.stark.field import parallel

    n = main.shape[0]
    roots = [v for i in inters for v in i.values] + [i.multiplicity for i in inters]
    plan = se.DagPlan(roots)
    nv = sum(len(i.values) for i in inters)
    a64, b64 = alpha.astype(np.uint64), beta.astype(np.uint64)
    d = EXT_DEGREE
    n_help = len(groups) - 1
    aux = np.empty((n, len(groups), d), dtype=np.uint32)
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
            if g < n_help:
                aux[r0:r1, g] = acc
            total = se.ext_add(total, acc)
        row_sum[r0:r1] = total

    parallel.map_blocks(block, parallel.split(n, AUX_BLOCK_ROWS))
    bc = blind_col
    blind = main[:, bc : bc + EXT_DEGREE].astype(np.uint64)
    # phi[0] = 0, phi[r + 1] = phi[r] + blind[r] + (all groups' fractions on row r): the
    # prefix sums shifted down one row; the sum over the whole cycle is the cumsum. A cumsum
    # of < 2^32 values stays < 2^64 for n < 2^32.
    run = np.cumsum(row_sum + blind, axis=0) % se.P
    cumsum = run[n - 1].copy()
    aux[0, n_help] = 0
    aux[1:, n_help] = run[: n - 1]
    return aux.astype(np.uint32), cumsum.astype(np.uint32)


def blind_column(n: int, b: Sequence[int] | np.ndarray) -> U32:
    """The honest blind columns (n, ``EXT_DEGREE``) of a table of n rows with blind ``b`` (an
    extension element): b on row 0, zero elsewhere."""
    out = np.zeros((n, EXT_DEGREE), dtype=np.uint32)
    out[0] = np.asarray(b, dtype=np.uint32)
    return out


def with_blind(
    layout: TableLayout, trace: U32, blind: U32 | None = None, global_blind: U32 | None = None
) -> U32:
    """The table's full main trace: the witness columns ``trace`` (``layout.witness_width``)
    followed by the blind columns ``blind`` ((n, ``EXT_DEGREE``); zero when None) and, for a
    boundary table, the global sum's blind columns ``global_blind`` (likewise). A table without
    LogUp has no blind: its trace is returned as is (``blind`` must then be None)."""
    if trace.ndim != 2 or trace.shape[1] != layout.witness_width:
        raise ValueError(
            f"table {layout.air.name!r}: expected {layout.witness_width} witness columns,"
            f" got shape {trace.shape}"
        )
    n = trace.shape[0]
    parts = [trace.astype(np.uint32, copy=False)]
    for col, b, what in (
        (layout.blind_col, blind, "LogUp blind"),
        (layout.global_blind_col, global_blind, "global blind"),
    ):
        if col is None:
            if b is not None:
                raise ValueError(f"table {layout.air.name!r} has no {what}")
            continue
        if b is None:
            b = np.zeros((n, EXT_DEGREE), dtype=np.uint32)
        if b.shape != (n, EXT_DEGREE):
            raise ValueError(
                f"table {layout.air.name!r}: {what} shape {b.shape} != {(n, EXT_DEGREE)}"
            )
        if b.size and int(b.max()) >= P:
            raise ValueError(f"table {layout.air.name!r}: {what} values are not canonical")
        parts.append(b.astype(np.uint32))
    if len(parts) == 1:
        return trace
    return np.concatenate(parts, axis=1)


def blind_total(layouts: Sequence[TableLayout], traces: Sequence[np.ndarray]) -> np.ndarray:
    """``sum_t B_t``, the sum of every blind cell of full main traces, (``EXT_DEGREE``,) uint64:
    zero for an honest prover (module doc); traces of tables without LogUp are ignored."""
    total = np.zeros(EXT_DEGREE, dtype=np.uint64)
    for lay, tr in zip(layouts, traces, strict=True):
        if lay.blind_col is not None:
            cols = tr[:, lay.blind_col : lay.blind_col + EXT_DEGREE].astype(np.uint64)
            total = (total + cols.sum(axis=0) % np.uint64(P)) % np.uint64(P)
    return total
