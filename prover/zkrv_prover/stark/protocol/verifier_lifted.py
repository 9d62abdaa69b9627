"""The STARK verifier of lifted proofs (Poseidon2, per-table heights as data), over ``Arith``.

One recorded verifier serves every proof whose table heights lie in a :class:`.HeightSpec`:
each table's log height is data (a one-hot :class:`~.arith.LogHeight`, bound into the transcript
header), and so are every committed matrix's height (mapped from it: masking, quotient chunks,
``heights.py``), the global top H (the FRI input, some matrix's height) and, when the
preprocessed root is data (``pre_root_input``), the preprocessed tree's height. Per table:
the out-of-domain identity with Z_H and the Lagrange selectors selected over the candidates
(``ood.check_group`` with a ``LogHeight``), the next-row generator by ``select_b_const``. The
PCS part is ``pcs_verify_lifted.verify_lifted``. Fixed tables (lo = hi) cost no selection.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from zkrv_prover.stark.air.lifted_quotient import chunk_count, chunk_plan
from zkrv_prover.stark.air.ood import GroupMember, TableOpenings, check_group, check_zeta
from zkrv_prover.stark.commit import pcs
from zkrv_prover.stark.commit.hash_scheme import scheme_of
from zkrv_prover.stark.commit.mmcs import MatrixShape
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.commit.pcs_verify_lifted import LiftedHeights, diff_one_hot, verify_lifted
from zkrv_prover.stark.field.arith import AnyArith, LogHeight, VerificationError
from zkrv_prover.stark.field.field import EXT_ZERO, two_adic_generator
from zkrv_prover.stark.protocol import heights as hts
from zkrv_prover.stark.protocol.commit_phase import read_commitments
from zkrv_prover.stark.protocol.prover import LABEL, StarkProof, VerifyingKey, observe_header


@dataclass
class LiftedInputs:
    """What a lifted verification took as data and the caller must bind: the preprocessed
    root (a digest of ``ar``; None unless ``pre_root_input``) and the preprocessed tables' log
    heights (base elements of ``ar``, in ``vk.pre_tables`` order): the root alone does not fix
    the heights its matrices are read at. Machines with global buses also leave the boundary
    root (a digest, bound into the global challenges by the caller) and the boundary tables'
    global sums (extension elements; their sum is the proof's share, which the caller adds
    over the family)."""

    pre_root: Any | None
    pre_log_heights: list[Any]
    boundary_root: Any | None = None
    global_sums: list[Any] = field(default_factory=list)


def _height(ar: AnyArith, value: int, lo: int, hi: int) -> tuple[Any, LogHeight[Any, Any]]:
    """A log height as data (one-hot in [lo, hi]) or, when lo = hi, a constant."""
    if lo == hi:
        return ar.b_const(lo), LogHeight(lo, lo, (ar.bit_const(1),))
    v = ar.b_input(value)
    return v, LogHeight(lo, hi, tuple(ar.one_hot(v, lo, hi)))


def check_spec(vk: VerifyingKey, spec: hts.HeightSpec, pre_root_input: bool) -> None:
    """``ValueError`` unless one verifier can serve ``spec``: a range per table, preprocessed
    tables at the key's height unless the root is data, a constant quotient chunk count."""
    if len(spec.ranges) != len(vk.layouts):
        raise ValueError(f"height spec for {len(spec.ranges)} tables, key {len(vk.layouts)}")
    for lay, (lo, hi) in zip(vk.layouts, spec.ranges, strict=True):
        if lay.preprocessed is not None and not pre_root_input:
            h = lay.preprocessed.shape[0].bit_length() - 1
            if (lo, hi) != (h, h):
                raise ValueError(f"table {lay.air.name!r}: preprocessed height 2^{h} is fixed")
        chunk_count(vk.params, lay.degree, lo, hi)


def verify_with_lifted(
    ar: AnyArith,
    vk: VerifyingKey,
    public: Sequence[Any],
    proof: StarkProof,
    spec: hts.HeightSpec,
    pre_root_input: bool = False,
    global_challenges: Sequence[Any] | None = None,
    zero_tables: frozenset[int] = frozenset(),
) -> LiftedInputs:
    """Verify a lifted proof (module doc) whose heights lie in ``spec`` (checked natively by
    ``verifier.check_shape``/``check_spec``; in-circuit by the one-hot selections). Returns the
    inputs the caller must bind (:class:`LiftedInputs`). ``global_challenges``: as in
    ``verifier.verify_with`` (machines with global buses; the boundary round is a lifted tree
    at its own height, its tallest matrix's, like the preprocessed round).

    ``zero_tables``: tables known to be empty (their main, aux and quotient matrices zero, their
    LogUp sum zero; ``docs/stark.md``, "Empty tables"): their opened values and rows are the
    constant 0 instead of proof data, and their LogUp sums are asserted to be 0. A recording
    then folds what those constants make trivial (their leaf hashes, DEEP terms and, for
    constraints that vanish on zero rows, their out-of-domain evaluation), so a program
    specialised to empty tables is smaller. Sound as the general verifier is for proofs whose
    tables are empty: the constants are what such a proof opens, and the Merkle paths bind
    them to its commitments. ``VerificationError`` (natively) when the proof's values there
    are not zero."""
    params, lays = vk.params, vk.layouts
    lb = params.log_blowup
    check_spec(vk, spec, pre_root_input)
    if not zero_tables <= set(range(len(lays))) or zero_tables & set(vk.boundary_tables):
        raise ValueError("zero tables must be tables of the key, none of them a boundary table")
    hs = scheme_of(params.hash)
    lh = list(proof.log_heights)
    rows = [_height(ar, h, lo, hi) for h, (lo, hi) in zip(lh, spec.ranges, strict=True)]
    pre_root = None
    if pre_root_input and vk.pre_tables:
        if proof.pre_root is None:
            raise ValueError("the proof carries no preprocessed root")
        pre_root = hs.digest_input(ar, proof.pre_root)

    tr = hs.transcript(ar, LABEL)
    observe_header(tr, ar, vk, [v for v, _ in rows], public, pre_root)
    cm = read_commitments(ar, hs, tr, vk, proof, global_challenges)
    main_root, aux_root, quo_root = cm.main_root, cm.aux_root, cm.quo_root
    challenges, cumsums, gamma, zeta = cm.challenges, cm.cumsums, cm.gamma, cm.zeta

    # heights: rows -> committed (masked) and quotient heights, the top, the preprocessed tree
    h_rows = [h for _, h in rows]
    h_com = [h.mapped(ar, lambda g: hts.committed_log(params, g)) for h in h_rows]
    h_quo = [
        h.mapped(ar, partial(_quotient_log, params, lay.degree))
        for h, lay in zip(h_rows, lays, strict=True)
    ]
    top_lo = max(h.lo for h in h_quo) + lb
    top_hi = max(h.hi for h in h_quo) + lb
    top_actual = hts.top_log(params, lays, lh) + lb
    _, top = _height(ar, top_actual, top_lo, top_hi)
    # zeta off every trace domain (all within H_(2^(H - blowup))) and off the top LDE coset
    check_zeta(ar, zeta, top.shifted(-lb), top)

    pre_tables, logup_tables = vk.pre_tables, vk.logup_tables
    gens = [h.select_b_const(ar, two_adic_generator) for h in h_rows]
    rounds: list[tuple[str, list[int]]] = []
    if pre_tables:
        rounds.append(("pre", pre_tables))
    if vk.has_global:
        rounds.append(("boundary", vk.boundary_tables))
    rounds.append(("main", vk.main_tables))
    if logup_tables:
        rounds.append(("aux", logup_tables))
    rounds.append(("quotient", list(range(len(lays)))))
    zero_at = [
        frozenset(i for i, t in enumerate(tables) if t in zero_tables and kind in _ZERO_KINDS)
        for kind, tables in rounds
    ]
    opened = [
        [
            _opened(ar, m, i in zero, lays[t].air.name)
            for i, (t, m) in enumerate(zip(tbl, rnd, strict=True))
        ]
        for (_, tbl), rnd, zero in zip(rounds, proof.opened, zero_at, strict=True)
    ]
    cumsums = list(cumsums)
    for t in sorted(zero_tables):
        if t in vk.local_tables:
            k = vk.local_tables.index(t)
            zero_sum = ar.e_const(EXT_ZERO)
            ar.e_assert_eq(cumsums[k], zero_sum, f"table {lays[t].air.name!r}: empty, LogUp sum 0")
            cumsums[k] = zero_sum
    roots: list[Any] = []
    mats: list[list[LogHeight[Any, Any]]] = []
    trees: list[LogHeight[Any, Any]] = []
    actual_trees: list[int] = []
    pre_vals: list[Any] = []
    if pre_tables:
        if pre_root is None:
            assert vk.pre_root is not None
            roots.append(hs.digest_const(ar, vk.pre_root))
        else:
            roots.append(pre_root)
        pmats = [
            h_rows[t].mapped(ar, lambda g: hts.pre_log(params, g)).shifted(lb) for t in pre_tables
        ]
        p_actual = hts.pre_tree_log(params, lays, lh)
        assert p_actual is not None
        mats.append(pmats)
        trees.append(_own_tree(ar, pmats, p_actual + lb, "preprocessed"))
        actual_trees.append(p_actual + lb)
        pre_vals = [rows[t][0] for t in pre_tables]
    lde_com = [h.shifted(lb) for h in h_com]
    if cm.boundary_root is not None:  # its own tree at its tallest matrix (prover.py)
        bmats = [lde_com[t] for t in vk.boundary_tables]
        b_actual = max(hts.committed_log(params, lh[t]) for t in vk.boundary_tables) + lb
        roots.append(cm.boundary_root)
        mats.append(bmats)
        trees.append(_own_tree(ar, bmats, b_actual, "boundary"))
        actual_trees.append(b_actual)
    roots.append(main_root)
    mats.append([lde_com[t] for t in vk.main_tables])
    if aux_root is not None:
        roots.append(aux_root)
        mats.append([lde_com[t] for t in logup_tables])
    roots.append(quo_root)
    mats.append([h.shifted(lb) for h in h_quo])
    for _ in range(len(mats) - len(trees)):
        trees.append(top)
        actual_trees.append(top_actual)

    claims = []
    by_kind: dict[str, dict[int, list[list[Any]]]] = {}
    for (kind, tables), root, vals, hm, zero in zip(
        rounds, roots, opened, mats, zero_at, strict=True
    ):
        pts = []
        for t, m in zip(tables, vals, strict=True):
            p = [zeta]
            if len(m) == 2:
                p.append(ar.e_mul_base(zeta, gens[t]))
            pts.append(p)
        by_kind[kind] = dict(zip(tables, vals, strict=True))
        shapes = [MatrixShape(h.hi, len(m[0])) for h, m in zip(hm, vals, strict=True)]
        claims.append(
            pcs.RoundClaim(
                root,
                shapes,
                pts,
                vals,
                has_mask=kind == "quotient" and params.zk,
                salted=kind != "pre",
                zero=zero,
            )
        )

    if vk.has_global:  # a boundary table's main matrix is in the boundary round
        by_kind["main"] = {**by_kind["main"], **by_kind["boundary"]}
    local_index = {t: i for i, t in enumerate(vk.local_tables)}
    global_index = {t: i for i, t in enumerate(vk.boundary_tables)}
    for t, lay in enumerate(lays):

        def get(kind: str, k: int, t: int = t) -> list[Any]:
            m = by_kind.get(kind, {}).get(t)
            return list(m[k]) if m is not None and len(m) > k else []

        op = TableOpenings(
            main=get("main", 0),
            main_next=get("main", 1),
            pre=get("pre", 0),
            pre_next=get("pre", 1),
            aux=get("aux", 0),
            aux_next=get("aux", 1),
            quotient=[],
        )
        cum = cumsums[local_index[t]] if t in local_index else None
        gsum = cm.global_sums[global_index[t]] if t in global_index else None
        member = GroupMember(lay, op, cum, gsum)
        quo = by_kind["quotient"][t][0]
        stride = h_rows[t].mapped(ar, partial(_log_stride, params, lay.degree))
        check_group(ar, [member], list(quo), public, challenges, gamma, zeta, h_rows[t], stride)

    lifted = LiftedHeights(mats, trees, top, top_actual, actual_trees)
    verify_lifted(ar, params, claims, proof.pcs_proof, tr, lifted)
    return LiftedInputs(pre_root, pre_vals, cm.boundary_root, list(cm.global_sums))


#: The rounds whose matrices of an empty table are zero (``zero_tables``).
_ZERO_KINDS = ("main", "aux", "quotient")


def _opened(ar: AnyArith, m: Sequence[Sequence[Sequence[int]]], zero: bool, name: str) -> Any:
    """A matrix's opened values (per point, per column) as extension elements of ``ar``: read
    from the proof, or the constant 0 for a matrix of an empty table (``VerificationError``
    when the proof's are not zero)."""
    if not zero:
        return [[ar.e_input(v) for v in pt] for pt in m]
    if any(any(v) for pt in m for v in pt):
        raise VerificationError(f"table {name!r} is taken as empty but its openings are not zero")
    zero_e = ar.e_const(EXT_ZERO)
    return [[zero_e for _ in pt] for pt in m]


def _own_tree(
    ar: AnyArith, mats: Sequence[LogHeight[Any, Any]], actual: int, what: str
) -> LogHeight[Any, Any]:
    """The LDE log height of a round committed as a lifted tree at its own tallest matrix's
    height (preprocessed, boundary): data in the range of its matrices' maxima, and, when it
    varies, constrained to equal some matrix's height."""
    _, tree = _height(ar, actual, max(h.lo for h in mats), max(h.hi for h in mats))
    if tree.lo != tree.hi:  # the tree's height is some matrix's
        at = ar.b_const(1)
        for h in mats:
            at = ar.b_mul(at, ar.b_sub(ar.b_const(1), ar.bit_to_base(diff_one_hot(ar, tree, h)[0])))
        ar.b_assert_eq(at, ar.b_const(0), f"the {what} tree's height is a matrix's")
    return tree


def _quotient_log(params: PcsParams, degree: int, log_n: int) -> int:
    return hts.quotient_log(params, degree, log_n)


def _log_stride(params: PcsParams, degree: int, log_n: int) -> int:
    return chunk_plan(params, degree, 1 << log_n).log_stride


def pcs_shape(vk: VerifyingKey, log_heights: Sequence[int]) -> pcs.PcsShape:
    """The PCS layout of a lifted proof of these heights (the codec's and the structure
    check's): ``PcsShape`` with each round's lifted tree height."""
    from zkrv_prover.stark.protocol.verifier import _round_shapes

    rounds = _round_shapes(vk, log_heights)
    lb = vk.params.log_blowup
    top = hts.top_log(vk.params, vk.layouts, log_heights) + lb
    trees = [top] * len(rounds)
    if vk.pre_tables:
        pt = hts.pre_tree_log(vk.params, vk.layouts, log_heights)
        assert pt is not None
        trees[0] = pt + lb
    if vk.has_global:  # the boundary round: its own tree (after the preprocessed one)
        b = 1 if vk.pre_tables else 0
        trees[b] = max(s.log_height for s in rounds[b][0]) + lb
    return pcs.PcsShape(
        vk.params,
        tuple(tuple(shapes) for shapes, _ in rounds),
        tuple(tuple(pts) for _, pts in rounds),
        masked_round=len(rounds) - 1 if vk.params.zk else None,
        unsalted_rounds=(0,) if vk.pre_tables else (),
        lifted_trees=tuple(trees),
    )


__all__ = ["LiftedInputs", "check_spec", "pcs_shape", "verify_with_lifted"]
