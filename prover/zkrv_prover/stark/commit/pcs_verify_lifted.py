"""The PCS verifier for per-matrix variable heights (lifted-leaf trees, ``mmcs_lifted.py``).

Every committed matrix m has an LDE log height that is *data*: a :class:`~.arith.LogHeight`
``h_m`` in its own range (a fixed height is the lo = hi case: every selection folds). So do each
input tree's height ``T_r`` and the tallest height ``H`` (the FRI input). The control flow depends
on the ranges and the widths only; which matrices share a height never matters:

- Heights: ``k_m = H - h_m`` and ``H - T_r`` as one-hot vectors (``_diff``: one product per pair
  of candidates); ``k_m`` existing proves ``h_m <= H``; some ``k_m = 0`` is checked; matrices
  of round r lie below ``T_r``.
- Query index: the low ``H`` bits of one sample of ``H.hi`` bits (as the prover samples ``H``
  bits). A tree of height ``T_r`` is opened at bits ``[H - T_r, H)`` (selected once per query
  and level) and its path is ``pcs_verify.verify_opening_var`` over ``T_r`` (levels past the
  actual height skipped by selection). The leaf is recomputed from the opened rows whatever
  their heights (``mmcs_lifted.leaf``).
- DEEP: matrix m's point is ``g * y^(2^k_m)`` with ``y = x_H / g`` the query's point on the
  tallest domain without the shift (bit-reversed order: a 2^k times shorter domain's row
  ``i >> k`` is at ``g (x / g)^(2^k)``); every matrix m has its own challenge ``alpha_m``
  (sampled in (round, matrix) order, then ``alpha_R`` for the zk codeword; the prover's
  ``open_rounds(lifted=True)``): column c at the k-th point takes ``alpha_m^(1 + k w_m + c)``,
  so the reduced opening ``ro_m`` of each matrix does not depend on which others share its
  height, and no exponent is 0 (two matrices' quotients cannot cancel).
- FRI folds by 2 at every layer (``log_folding_arity`` is ignored: every height may take a
  roll-in). Layer j exists when ``H - j`` exceeds the final domain (its transcript steps are
  adopted by selection), folds bit j of the index, and rolls in
  ``sum_m [k_m = j + 1] ro_m`` with weight ``beta_j^2``; the query point of layer j is
  ``x_H^(2^j)``, so no per-height point formula is needed. The final polynomial is checked at the
  point and value reached after the selected height's last layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from zkrv_prover.stark.commit import fri, mmcs_lifted
from zkrv_prover.stark.commit.hash_scheme import scheme_of
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.commit.pcs import PcsProof, RoundClaim, _input_config_for
from zkrv_prover.stark.commit.pcs_verify import (
    PathCandidate,
    _pad_d,
    masked_domain_point,
    verify_cap_var,
    verify_opening_var,
)
from zkrv_prover.stark.commit.transcript import FiatShamir
from zkrv_prover.stark.field.arith import (
    AnyArith,
    LogHeight,
    VerificationError,
    e_assert_eq_if,
    e_from_base,
)
from zkrv_prover.stark.field.field import EXT_DEGREE, EXT_ONE, EXT_ZERO, GENERATOR


@dataclass
class LiftedHeights:
    """The data heights of a lifted PCS proof (LDE log heights): ``mats[r][m]`` per claimed
    matrix, ``trees[r]`` per round's tree, ``top`` the tallest (the zk codeword's and FRI's).
    ``actual_top`` / ``actual_trees``: the proof's own values, used only to lay the proof's
    lists onto the fixed slots (witness layout), never for control flow."""

    mats: list[list[LogHeight[Any, Any]]]
    trees: list[LogHeight[Any, Any]]
    top: LogHeight[Any, Any]
    actual_top: int
    actual_trees: list[int]


def diff_one_hot(ar: AnyArith, a: LogHeight[Any, Any], b: LogHeight[Any, Any]) -> list[Any]:
    """``[a - b == k]`` for k in 0..a.hi - b.lo; fails verification if a < b (no bit set).
    One product per candidate pair with a - b >= 0 (none for fixed heights)."""
    K = a.hi - b.lo
    if K < 0:
        raise ValueError("height ranges: a matrix can never fit under its tree")
    out: list[list[Any]] = [[] for _ in range(K + 1)]
    for ca, sa in zip(a.candidates, a.sel, strict=True):
        for cb, sb in zip(b.candidates, b.sel, strict=True):
            if ca >= cb:
                out[ca - cb].append(ar.bit_and(sa, sb))
    bits = [ar.bit_sum(o) if o else ar.bit_const(0) for o in out]
    total = ar.b_const(0)
    for bt in bits:
        total = ar.b_add(total, ar.bit_to_base(bt))
    ar.b_assert_eq(total, ar.b_const(1), "a committed height exceeds its tree or the top")
    return bits


def _select_by_one_hot(ar: AnyArith, sel: Sequence[Any], items: Sequence[Any], fn: Any) -> Any:
    """items[k] for the set bit k of ``sel`` (a chain of selects; the first item is the
    default)."""
    acc = items[0]
    for k in range(1, len(sel)):
        acc = fn(sel[k], items[k], acc)
    return acc


def verify_lifted(
    ar: AnyArith,
    params: PcsParams,
    claims: Sequence[RoundClaim[Any, Any]],
    proof: PcsProof,
    tr: FiatShamir[Any, Any, Any, Any],
    heights: LiftedHeights,
) -> None:
    """Verify a lifted PCS proof (``open_rounds(lifted=True)``) against ``claims`` (shapes give
    widths only) at the data heights ``heights`` (module doc). Raises through ``ar``;
    ``ValueError`` for shapes or ranges the verifier cannot serve."""
    hs = scheme_of(params.hash)
    if hs.name != "poseidon2-babybear" or params.merkle_arity != 2:
        raise ValueError("lifted PCS proofs use poseidon2-babybear binary trees")
    top = heights.top
    masked = [r for r, c in enumerate(claims) if c.has_mask]
    if (params.zk and len(masked) != 1) or (not params.zk and masked):
        raise ValueError("lifted PCS: zk needs exactly one round carrying the codeword")
    for c, hr in zip(claims, heights.mats, strict=True):
        if len(hr) != len(c.shapes) or len(c.points) != len(c.shapes):
            raise ValueError("lifted PCS: one height and point list per matrix")
    if len(proof.queries) != params.num_queries:
        raise ValueError("PCS proof: wrong number of queries")
    final_log = params.log_final_lde
    all_h = [h for hr in heights.mats for h in hr]
    if min(h.lo for h in all_h) <= final_log:
        raise ValueError("lifted PCS: every matrix must be taller than the final FRI domain")
    fri_params = replace(params, log_folding_arity=1)
    lens = {fri.final_poly_len(fri_params, [H, final_log + 1]) for H in top.candidates}
    if len(lens) != 1:
        raise ValueError("lifted PCS: the final polynomial length depends on the height")
    final_len = lens.pop()

    # heights: every matrix under its tree, every tree under the top, some matrix at the top
    k_of: dict[tuple[int, int], list[Any]] = {}

    def diff(a: LogHeight[Any, Any], b: LogHeight[Any, Any]) -> list[Any]:
        key = (id(a), id(b))
        if key not in k_of:
            k_of[key] = diff_one_hot(ar, a, b)
        return k_of[key]

    at_top = ar.b_const(1)
    for r, hr in enumerate(heights.mats):
        diff(top, heights.trees[r])
        for h in hr:
            diff(heights.trees[r], h)
            at_top = ar.b_mul(at_top, ar.b_sub(ar.b_const(1), ar.bit_to_base(diff(top, h)[0])))
    ar.b_assert_eq(at_top, ar.b_const(0), "the top height is some matrix's height")

    # transcript: claimed values, alpha_m per matrix (alpha_R with zk), FRI layers (slot j
    # only when the height has it)
    for c in claims:
        for per_matrix in c.values:
            for at_point in per_matrix:
                tr.observe_ext(at_point)
    alphas = [tr.sample_ext() for c in claims for _ in c.shapes]
    alpha_r = tr.sample_ext() if params.zk else None
    n_slots = top.hi - final_log
    n_actual = heights.actual_top - final_log
    roots = _pad_d(ar, hs, proof.fri_roots, n_slots)
    active = [top.when(ar, partial(_has_layer, final_log, j)) for j in range(n_slots)]
    betas = []
    for j, root in enumerate(roots):
        if all(_has_layer(final_log, j, H) for H in top.candidates):
            # every candidate top has layer j (always j = 0: every matrix is above the final
            # domain): a plain step, whatever the buffers the alpha_m samples left
            tr.observe_digest(root)
            betas.append(tr.sample_ext())
            continue
        t2 = tr.copy()
        t2.observe_digest(root)
        betas.append(t2.sample_ext())
        tr.adopt_if(active[j], t2)
    if len(proof.final_poly) != final_len or len(proof.fri_roots) != n_actual:
        raise ValueError("PCS proof: FRI layers do not match the height")
    final_poly = [ar.e_input(c) for c in proof.final_poly]
    tr.observe_ext(final_poly)
    tr.check_pow(hs.nonce_input(ar, proof.pow_nonce), params.pow_bits)
    query_bits = [tr.sample_bits(top.hi) for _ in range(params.num_queries)]

    # per matrix: alpha_m^c per column, and per (matrix, point) alpha_m^(1 + k w) and the
    # claimed value sum sum_c alpha_m^c v_c
    apows: list[list[list[Any]]] = []  # [round][matrix][column]
    terms: list[tuple[int, int, int, Any, Any]] = []  # (round, matrix, point, coef, vsum)
    it = iter(alphas)
    for r, c in enumerate(claims):
        apows.append([])
        for m, (s, pts) in enumerate(zip(c.shapes, c.points, strict=True)):
            a = next(it)
            ap = [ar.e_const(EXT_ONE)]
            for _ in range(s.width):
                ap.append(ar.e_mul(ap[-1], a))
            apows[r].append(ap)
            coef = a
            for k in range(len(pts)):
                vs = ar.e_const(EXT_ZERO)
                for col, v in enumerate(c.values[m][k]):
                    vs = ar.e_add(vs, ar.e_mul(ap[col], v))
                terms.append((r, m, k, coef, vs))
                coef = ar.e_mul(coef, ap[s.width])

    # input trees: configs, caps
    cfgs = [_input_config_for(params, c.salted) for c in claims]
    if len(proof.input_caps) != len(claims):
        raise ValueError("PCS proof: wrong number of Merkle caps")
    caps = []
    for r, (cfg, raw) in enumerate(zip(cfgs, proof.input_caps, strict=True)):
        th = heights.trees[r]
        cap = _pad_d(ar, hs, raw, 1 << mmcs_lifted.log_cap(cfg, th.hi))
        if th.lo < cfg.max_log_cap:
            raise ValueError("lifted PCS: a tree may not be shorter than its cap")
        verify_cap_var(ar, cfg, th, lambda T: T, claims[r].root, cap, f"round {r}")
        caps.append(cap)
    fri_cfg = fri.layer_config(params)
    fri_caps = []
    for j in range(n_slots):
        raw = proof.fri_caps[j] if j < n_actual else []
        cap = _pad_d(ar, hs, raw, 1 << min(fri_cfg.max_log_cap, top.hi - j - 1))
        verify_cap_var(
            ar,
            fri_cfg,
            top,
            partial(_layer_rows, final_log, j),
            roots[j],
            cap,
            f"FRI layer {j}",
        )
        fri_caps.append(cap)

    one = ar.bit_const(1)
    for q, (bits, qp) in enumerate(zip(query_bits, proof.queries, strict=True)):
        what_q = f"query {q}"
        if len(qp.inputs) != len(claims):
            raise ValueError("PCS proof: wrong number of round openings in a query")
        rows_by_round = []
        for r, (c, cfg, op) in enumerate(zip(claims, cfgs, qp.inputs, strict=True)):
            widths = [s.width for s in c.shapes] + ([EXT_DEGREE] if c.has_mask else [])
            if len(op.rows) != len(widths) or any(
                len(row) != w for row, w in zip(op.rows, widths, strict=True)
            ):
                raise ValueError(f"round {r} {what_q}: opened rows do not match the widths")
            if len(op.salts) != 1 or len(op.salts[0]) != cfg.salt_len:
                raise ValueError(f"round {r} {what_q}: salt does not match the commitment")
            rows = [
                _row(ar, row, i in c.zero, f"round {r} {what_q}") for i, row in enumerate(op.rows)
            ]
            salt = [ar.b_input(v) for v in op.salts[0]]
            rows_by_round.append(rows)
            th = heights.trees[r]
            kt = diff(top, th)
            # tree bits [H - T_r, H): bit l of the tree index is bits[k + l] for k = H - T_r
            tbits = [
                ar.bit_sum(
                    [
                        ar.bit_and(kb, bits[k + lvl])
                        for k, kb in enumerate(kt)
                        if k + lvl < len(bits)
                    ]
                )
                for lvl in range(th.hi)
            ]
            leaf = mmcs_lifted.leaf(ar, cfg, rows, salt)
            n_lv = th.hi - mmcs_lifted.log_cap(cfg, th.hi)
            a_t = heights.actual_trees[r]
            n_have = min(a_t - mmcs_lifted.log_cap(cfg, a_t), len(op.siblings))
            sibs = [
                _pad_d(ar, hs, op.siblings[lvl] if lvl < n_have else [], 1) for lvl in range(n_lv)
            ]  # fmt: skip
            cands = {T: PathCandidate(leaf, 0, T) for T in th.candidates}
            verify_opening_var(ar, cfg, th, cands, one, tbits, caps[r], sibs, f"round {r} {what_q}")

        # DEEP: per matrix its point g * y^(2^k_m), its reduced opening, rolled in by k_m
        y = masked_domain_point(ar, top, ar.b_const(1), bits, 0, lambda H: H)
        ypows = [y]
        for _ in range(top.hi):
            ypows.append(ar.b_mul(ypows[-1], ypows[-1]))
        g = ar.b_const(GENERATOR)
        n_roll = top.hi - min(h.lo for h in all_h) + 1
        roll = [ar.e_const(EXT_ZERO) for _ in range(n_roll)]
        # Per height h and point z: sum_m cf_m (s_m - v_m), then one division by (x_h - z);
        # per height one roll-in (the one-hot k_h): the selections and inverses are paid per
        # distinct height, not per matrix.
        s_cache: dict[tuple[int, int], Any] = {}
        by_h: dict[int, tuple[LogHeight[Any, Any], dict[int, tuple[Any, Any]]]] = {}
        for r, m, k, cf, vs in terms:
            h = heights.mats[r][m]
            if (r, m) not in s_cache:
                row = rows_by_round[r][m]
                s_cache[(r, m)] = ar.e_lincomb_base(apows[r][m][: len(row)], row)
            z = claims[r].points[m][k]
            t = ar.e_mul(cf, ar.e_sub(s_cache[(r, m)], vs))
            by_z = by_h.setdefault(id(h), (h, {}))[1]
            by_z[id(z)] = (z, t if id(z) not in by_z else ar.e_add(by_z[id(z)][1], t))
        zero = ar.e_const(EXT_ZERO)
        for h, by_z in by_h.values():
            pick = _select_by_one_hot(ar, diff(top, h), ypows, ar.select_b)
            x = e_from_base(ar, ar.b_mul(g, pick))  # the height's point: g * y^(2^k_h)
            ro: Any = None
            for z, t in by_z.values():
                q = ar.e_mul(t, ar.e_inv(ar.e_sub(x, z)))
                ro = q if ro is None else ar.e_add(ro, q)
            for kk, bit in enumerate(diff(top, h)):
                roll[kk] = ar.e_add(roll[kk], ar.select_e(bit, ro, zero))
        if params.zk:
            rrow = rows_by_round[masked[0]][-1]
            roll[0] = ar.e_add(roll[0], ar.e_mul(alpha_r, ar.e_from_coeffs(rrow)))

        # FRI: binary folds from the top; X is the query's point on the current layer
        expected = roll[0]
        X = ar.b_mul(g, y)
        for j in range(n_slots):
            fop = qp.fri[j] if j < min(n_actual, len(qp.fri)) else None
            frow: list[Sequence[int]] = list(fop.row) if fop is not None else []
            zero_e: Sequence[int] = EXT_ZERO
            pair = [ar.e_input(frow[t] if t < len(frow) else zero_e) for t in range(2)]
            b = bits[j]
            opened = ar.select_e(b, pair[1], pair[0])
            e_assert_eq_if(ar, active[j], opened, expected, f"FRI layer {j} {what_q} value")
            flat: list[Any] = []
            for v in pair:
                flat.extend(ar.e_coeffs(v))
            lleaf = hs.leaf(ar, flat)
            lsibs_raw = list(fop.siblings) if fop is not None else []
            n_lv = top.hi - j - 1 - min(fri_cfg.max_log_cap, top.hi - j - 1)
            lsibs = [
                _pad_d(ar, hs, lsibs_raw[lv] if lv < len(lsibs_raw) else [], 1)
                for lv in range(n_lv)
            ]
            cands = {
                H: PathCandidate(lleaf, j + 1, H - j - 1)
                for H in top.candidates
                if H - j > final_log
            }
            verify_opening_var(
                ar, fri_cfg, top, cands, active[j], bits, fri_caps[j], lsibs,
                f"FRI layer {j} {what_q}",
            )  # fmt: skip
            x_base = ar.select_b(b, ar.b_sub(ar.b_const(0), X), X)
            folded = fri.fold_row(ar, pair, x_base, betas[j], 1)
            if j + 1 < n_roll:
                b2 = ar.e_mul(betas[j], betas[j])
                folded = ar.e_add(folded, ar.e_mul(b2, roll[j + 1]))
            expected = ar.select_e(active[j], folded, expected)
            X = ar.select_b(active[j], ar.b_mul(X, X), X)
        ar.e_assert_eq(
            fri.eval_final_poly(ar, final_poly, X), expected, f"FRI final polynomial {what_q}"
        )


def _has_layer(final_log: int, j: int, H: int) -> bool:
    return H - j > final_log


def _layer_rows(final_log: int, j: int, H: int) -> int | None:
    """Leaf count (log) of FRI layer j's tree when folding starts at H (None: no layer)."""
    return H - j - 1 if H - j > final_log else None


__all__ = ["LiftedHeights", "diff_one_hot", "verify_lifted"]


def _row(ar: AnyArith, row: Sequence[int], zero: bool, what: str) -> list[Any]:
    """An opened row as base elements of ``ar``: read from the proof, or, for a matrix the
    claim knows to be zero, the constant 0 (``VerificationError`` when the proof's row is not
    zero: its leaf could not match the commitment anyway)."""
    if not zero:
        return [ar.b_input(v) for v in row]
    if any(row):
        raise VerificationError(f"{what}: a matrix of an empty table has a nonzero row")
    return [ar.b_const(0)] * len(row)
