"""The PCS verifier (the opening side of ``pcs.py``), written once over ``Arith`` for fixed
heights and for heights that are *data*: one verifier run (hence one circuit) for every height
in a declared range (``docs/wrap.md``, "Variable heights"; ``docs/stark-pcs.md``, "Verifier").

:func:`verify` is the fixed-height entry point: the tallest matrices are the "variable" ones
with the range lo = hi, whose one-hot selector is the constant 1, so every selection,
conditional check and conditional transcript step below folds to its single candidate (free in
a circuit, a constant bit natively). :func:`verify_var` is the general form.

Scope: the *variable* matrices (the variable tables' main, aux and quotient matrices and the
zk codeword) share the LDE log height ``top``, a :class:`~.arith.LogHeight` in [lo, hi]; the
other matrices (preprocessed tables', or every shorter matrix at fixed heights) have fixed
heights below ``top.lo``. The verifier's control flow depends on (lo, hi) and the shapes only;
the actual height enters through ``top.sel``.

Why one code path serves all heights (no change to the prover or the proof format): query
indices are the *low* bits of a sample, so a query of a height-H proof uses the first H bits
of the hi-bit sample, and everything that consumes index bits from the low end lines up:

- Merkle paths start at the leaf with the same bits for every height (levels from the leaves
  up have the full arity; a height only changes where the path meets its cap). The circuit
  runs the path to the deepest cap level, selects the node at the candidate's cap level and
  the cap index bits (the candidate's next ``log_cap`` bits), and muxes the cap once.
  Caps are checked against the root per distinct cap plan, conditionally.
- FRI folds from the low bits too: layer j folds bits [3j, 3j + a) for every height, only the
  last layer's arity (the remainder) and the number of layers vary. Layer slots run to the
  tallest schedule; a slot's arity variants are all evaluated and selected; a slot beyond a
  candidate's last layer is inactive (its transcript steps are skipped by selection and its
  checks are conditional). The final point and expected value are selected per candidate.
- Fixed-height parts (trees of preprocessed tables, the fixed groups under a variable group,
  FRI layers after the first fixed roll-in) are indexed by the *top* bits of a height-H index:
  bits H - F .. H are selected once per query and the fixed parts are verified with them by
  the shape-driven ``mmcs.verify_opening`` and FRI fold steps.
- Domain points: bit m of an index contributes the root of unity of order 2^(c + m + 1)
  whatever the domain size, so a point of a shorter domain is the taller domain's formula
  with the bits past the candidate's length masked off.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic

from zkrv_prover.stark.commit import fri, mmcs
from zkrv_prover.stark.commit.hash_scheme import HashScheme, scheme_of
from zkrv_prover.stark.commit.mmcs import MatrixShape, MmcsConfig
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.commit.pcs import (
    PcsProof,
    PcsShape,
    RoundClaim,
    _input_config,
    _input_config_for,
    check_structure,
)
from zkrv_prover.stark.commit.transcript import FiatShamir
from zkrv_prover.stark.field.arith import (
    Arith,
    B,
    Bit,
    D,
    E,
    LogHeight,
    e_assert_eq_if,
    e_from_base,
    select_e_by_bits,
)
from zkrv_prover.stark.field.field import (
    EXT_DEGREE,
    EXT_ONE,
    EXT_ZERO,
    GENERATOR,
    P,
    two_adic_generator,
)

_ZERO_E = EXT_ZERO


@dataclass(frozen=True)
class TreePlan:
    """Shape of a single-height tree's opening: path arities (below the cap), cap size, and the
    arities above the cap (hashed once in the cap check)."""

    below: tuple[int, ...]
    log_cap: int
    above: tuple[int, ...]


def tree_plan(cfg: MmcsConfig, log_rows: int) -> TreePlan:
    shapes = [MatrixShape(log_rows, 1)]
    log_cap, n_below = mmcs.cap_plan(shapes, cfg)
    arities = mmcs.level_log_arities([log_rows], cfg.max_log_arity)
    return TreePlan(tuple(arities[:n_below]), log_cap, tuple(arities[n_below:]))


@dataclass
class PathCandidate(Generic[D]):
    """How a candidate height opens one tree: its leaf digest, the position of its first index
    bit, and the tree's log row count."""

    leaf: D
    bit_off: int
    log_rows: int


def verify_cap_var(
    ar: Arith[B, E, D, Bit],
    cfg: MmcsConfig,
    h: LogHeight[B, Bit],
    log_rows: Callable[[int], int | None],
    root: D,
    cap: Sequence[D],
    what: str,
) -> None:
    """The cap-to-root check of a tree whose row count depends on the height
    (``log_rows(H)``, None where the tree does not exist for H): once per distinct cap plan,
    enforced only for the candidates with that plan. ``cap`` holds the largest cap."""
    hs_ = cfg.scheme
    plans: dict[tuple[int, tuple[int, ...]], list[int]] = {}
    for H in h.candidates:
        lr = log_rows(H)
        if lr is not None:
            p = tree_plan(cfg, lr)
            plans.setdefault((p.log_cap, p.above), []).append(H)
    for (log_cap, above), hs in plans.items():
        cur = list(cap[: 1 << log_cap])
        for la in above:
            a = 1 << la
            cur = [hs_.compress(ar, cur[j : j + a]) for j in range(0, len(cur), a)]
        bit = h.when(ar, hs.__contains__)
        hs_.assert_eq_if(ar, bit, cur[0], root, f"{what}: Merkle cap root")


def verify_opening_var(
    ar: Arith[B, E, D, Bit],
    cfg: MmcsConfig,
    h: LogHeight[B, Bit],
    cands: dict[int, PathCandidate[D]],
    active: Bit,
    bits: Sequence[Bit],
    cap: Sequence[D],
    siblings: Sequence[Sequence[D]],
    what: str,
) -> None:
    """Check a Merkle opening for whichever candidate height is selected (``cands``: the
    candidates for which the tree exists; checked only when ``active``). ``siblings`` has one
    slot list per level of the longest path; path levels must have the same arity for every
    candidate that reaches them (bottom-aligned trees), else ``ValueError``."""
    hs = cfg.scheme
    plans = {H: tree_plan(cfg, c.log_rows) for H, c in cands.items()}
    level_ar: list[int] = []
    for p in plans.values():
        for lvl, la in enumerate(p.below):
            if lvl == len(level_ar):
                level_ar.append(la)
            elif level_ar[lvl] != la:
                raise ValueError(f"{what}: path arities differ across the height range")
    if len(siblings) != len(level_ar) or any(
        len(s) != (1 << la) - 1 for s, la in zip(siblings, level_ar, strict=True)
    ):
        raise ValueError(f"{what}: sibling slots do not match the longest path")
    # path nodes per distinct (leaf, first bit), computed once to the deepest level needed
    paths: dict[tuple[int, int], list[D]] = {}
    for H, c in cands.items():
        key = (id(c.leaf), c.bit_off)
        nodes = paths.setdefault(key, [c.leaf])
        pos = c.bit_off + sum(level_ar[: len(nodes) - 1])
        while len(nodes) <= len(plans[H].below):
            la = level_ar[len(nodes) - 1]
            lvl_sibs = list(siblings[len(nodes) - 1])
            nodes.append(hs.compress_path(ar, nodes[-1], lvl_sibs, bits[pos : pos + la]))
            pos += la
    any_c = next(iter(cands))

    def node_of(H: int) -> D:
        c = cands.get(H) or cands[any_c]
        return paths[(id(c.leaf), c.bit_off)][len(plans[H if H in cands else any_c].below)]

    node: D = h.select(ar, hs.selector(ar), node_of)
    max_cap = max(p.log_cap for p in plans.values())
    if len(cap) != 1 << max_cap:
        raise ValueError(f"{what}: cap slots do not match the largest cap")

    def cap_bit(H: int, *, m: int) -> Bit | None:
        if H not in cands or m >= plans[H].log_cap:
            return None
        c = cands[H]
        return bits[c.bit_off + sum(plans[H].below) + m]

    cap_bits = [h.select_bit(ar, partial(cap_bit, m=m)) for m in range(max_cap)]
    hs.assert_cap_entry(ar, active, node, cap, cap_bits, f"{what}: Merkle path")


def masked_domain_point(
    ar: Arith[B, E, D, Bit],
    h: LogHeight[B, Bit],
    shift: B,
    bits: Sequence[Bit],
    consumed: int,
    n_bits: Callable[[int], int],
) -> B:
    """``shift * omega^rev(index)`` of a domain whose index bits are ``bits[:n_bits(H)]`` for
    candidate H (bit m contributes the root of unity of order 2^(consumed + m + 1), where
    ``consumed`` position bits were folded before; see the module doc)."""
    acc = shift
    one = ar.b_const(1)
    top = max(n_bits(H) for H in h.candidates)
    for m in range(top):
        live = h.when(ar, partial(_more_than, n_bits, m))
        bit = ar.bit_and(bits[m], live)
        g = two_adic_generator(consumed + m + 1)
        acc = ar.b_mul(acc, ar.select_b(bit, ar.b_const(g), one))
    return acc


def _more_than(f: Callable[[int], int], m: int, H: int) -> bool:
    return f(H) > m


def _rows_after(consumed: int, H: int) -> int:
    return max(H - consumed, 0)


def _bit_at(bits: Sequence[Any], rel: int, H: int) -> Any:
    return bits[H + rel]


def _fold_of(folds: dict[int, Any], in_slot: dict[int, int], fallback: Any, H: int) -> Any:
    return folds.get(in_slot.get(H, -1), fallback)


def _at(xs: Sequence[Any], i: int, default: Any) -> Any:
    """xs[i], or ``default`` past the end (witness layout of slots a proof does not fill)."""
    return xs[i] if 0 <= i < len(xs) else default


def _coset_point_suffixes(
    ar: Arith[B, E, D, Bit],
    top: LogHeight[B, Bit],
    rel_bits: Sequence[Bit],
    off: int,
    variants: Sequence[int],
) -> dict[int, B]:
    """For each arity variant la of a layer slot whose index bits start at ``off``: the
    coset base point divided by the layer's shift, prod_{t >= la} (b_t ? g_(t+1) : 1) over
    the bits t < H - off of the selected height H (:func:`masked_domain_point` with
    ``consumed = la``; bit t's root and liveness do not depend on la, so all variants share
    one chain of products)."""
    one = ar.b_const(1)
    acc = one
    out: dict[int, B] = {}
    for t in range(len(rel_bits) - 1, min(variants) - 1, -1):
        live = top.when(ar, partial(_more_than, partial(_rows_after, off), t))
        bit = ar.bit_and(rel_bits[t], live)
        acc = ar.b_mul(acc, ar.select_b(bit, ar.b_const(two_adic_generator(t + 1)), one))
        if t in variants:
            out[t] = acc
    for la in variants:
        out.setdefault(la, one)
    return out


def _opening_leaf(ar: Arith[B, E, D, Bit], hs: HashScheme, vals: Sequence[B]) -> Any:
    """The leaf digest of an opened row (its own function so the circuit profiler counts it
    with the Merkle path it starts)."""
    return hs.leaf(ar, vals)


def _pad_d(ar: Arith[B, E, D, Bit], hs: HashScheme, vals: Sequence[int], n: int) -> list[Any]:
    return [hs.digest_input(ar, int(vals[i]) if i < len(vals) else 0) for i in range(n)]


@dataclass
class _Tree:
    """One input tree: LDE shapes (variable matrices at the tallest candidate), which matrices
    have the variable height, its MMCS config, root and cap."""

    shapes: list[MatrixShape]
    var: list[bool]
    cfg: MmcsConfig
    root: Any
    cap: list[Any]

    @property
    def kind(self) -> str:
        if all(self.var):
            return "var"
        return "fixed" if not any(self.var) else "mixed"


def verify(
    ar: Arith[B, E, D, Bit],
    params: PcsParams,
    claims: Sequence[RoundClaim[E, D]],
    proof: PcsProof,
    tr: FiatShamir[B, E, D, Bit],
) -> None:
    """Verify a PCS opening proof against the claims, every matrix at the fixed height of its
    shape (raises through ``ar`` on failure, ``ValueError`` for malformed shapes, including a
    proof whose structure is not that of the claims' shape). The lo = hi case of
    :func:`verify_var`: the tallest matrices form the "variable" group."""
    _check_claims(claims)
    check_structure(PcsShape.of_claims(params, claims), proof)
    lb = params.log_blowup
    top = max(s.log_height for c in claims for s in c.shapes) + lb
    var_mats = {
        (r, m)
        for r, c in enumerate(claims)
        for m, s in enumerate(c.shapes)
        if s.log_height + lb == top
    }
    fixed = LogHeight[B, Bit](top, top, (ar.bit_const(1),))
    verify_var(ar, params, claims, proof, tr, fixed, top, var_mats)


def _check_claims(claims: Sequence[RoundClaim[E, D]]) -> None:
    for c in claims:
        if len(c.points) != len(c.shapes) or len(c.values) != len(c.shapes):
            raise ValueError("claims: one list of points and values per matrix")
        for s, pts, vals in zip(c.shapes, c.points, c.values, strict=True):
            if len(vals) != len(pts) or any(len(v) != s.width for v in vals):
                raise ValueError("claims: values do not match points and widths")


def verify_var(
    ar: Arith[B, E, D, Bit],
    params: PcsParams,
    claims: Sequence[RoundClaim[E, D]],
    proof: PcsProof,
    tr: FiatShamir[B, E, D, Bit],
    top: LogHeight[B, Bit],
    actual_top: int,
    var_mats: set[tuple[int, int]] | None = None,
) -> None:
    """:func:`verify` for claims whose matrices ``var_mats`` ((round, matrix); default:
    all) have the variable LDE log height ``top`` and the others the fixed heights of their
    shapes (+ blowup), all below ``top.lo`` (the claims' shapes give the widths; variable
    matrices' heights are ignored). ``actual_top`` is the proof's own height: it only maps the
    proof's lists onto the circuit's fixed slots (witness layout), never the control flow.
    Slots the proof of that height does not have are read as zeros and never checked. The
    proof's structure must already match its height (the STARK verifier checks it natively)."""
    _check_claims(claims)
    hs = scheme_of(params.hash)
    lb = params.log_blowup
    cands = list(top.candidates)
    if var_mats is None:
        var_mats = {(r, m) for r, c in enumerate(claims) for m in range(len(c.shapes))}
    masked = [r for r, c in enumerate(claims) if c.has_mask]
    if len(masked) > 1 or (masked and not params.zk):
        raise ValueError("claims: at most one masked round, and only with zk")
    if masked and not any((masked[0], m) in var_mats for m in range(len(claims[masked[0]].shapes))):
        raise ValueError("claims: the masked round must contain the tallest matrix")
    own_r_tree = params.zk and not masked
    if len(proof.queries) != params.num_queries:
        raise ValueError("PCS proof: wrong number of queries")
    if not params.zk and not any(
        pts for r, c in enumerate(claims) for m, pts in enumerate(c.points) if (r, m) in var_mats
    ):
        raise ValueError("the tallest committed matrix must be opened at some point")
    fixed_h = {
        s.log_height + lb
        for r, c in enumerate(claims)
        for m, s in enumerate(c.shapes)
        if (r, m) not in var_mats
    }
    if fixed_h and max(fixed_h) >= top.lo:
        raise ValueError("height range: fixed-height matrices must be shorter than the range")
    ftop = max(fixed_h, default=0)
    fri_fixed = sorted(
        {
            s.log_height + lb
            for r, c in enumerate(claims)
            for m, (s, pts) in enumerate(zip(c.shapes, c.points, strict=True))
            if (r, m) not in var_mats and pts
        },
        reverse=True,
    )
    # FRI schedules: a variable part down to the first fixed input (or the end), then a part
    # that is the same for every height
    var_sched: dict[int, list[int]] = {}
    fixed_parts = set()
    for H in cands:
        full = fri.fold_schedule(params, [H, *fri_fixed])
        cur, i = H, 0
        while fri_fixed and cur > fri_fixed[0]:
            cur -= full[i]
            i += 1
        if not fri_fixed:
            i = len(full)
        var_sched[H] = full[:i]
        fixed_parts.add(tuple(full[i:]))
    if len(fixed_parts) != 1:
        raise ValueError("height range: the FRI schedule below the variable part differs")
    fixed_sched = list(fixed_parts.pop())
    if fri_fixed and fri.fold_schedule(params, fri_fixed) != fixed_sched:
        raise ValueError("height range: the FRI schedule below the variable part is unexpected")
    finals = {fri.final_log_height(params, [H, *fri_fixed]) for H in cands}
    lens = {fri.final_poly_len(params, [H, *fri_fixed]) for H in cands}
    if len(finals) != 1 or len(lens) != 1:
        raise ValueError("height range: the FRI final polynomial depends on the height")
    final_log, final_len = finals.pop(), lens.pop()
    n_slots = max(len(s) for s in var_sched.values())
    if min(len(s) for s in var_sched.values()) == 0 < n_slots:
        raise ValueError("height range: every height needs a FRI layer (above any fixed input)")
    offs: list[int] = []  # index bits folded before variable slot j (the same for every height)
    for j in range(n_slots):
        before = {sum(s[:j]) for s in var_sched.values() if len(s) > j}
        if len(before) != 1:
            raise ValueError("height range: FRI layers do not line up (unsupported schedule)")
        offs.append(before.pop())
    # witness layout only: a height outside the range (possible only when the native checks
    # are bypassed) is laid out as the tallest one; its one-hot selector has no witness anyway
    n_var_actual = len(var_sched.get(actual_top, var_sched[top.hi]))

    # 1-2. transcript: random codeword root, claimed values, alpha
    zk_root = None
    if own_r_tree:
        if proof.zk_root is None:
            raise ValueError("PCS proof: random-codeword commitment missing")
        zk_root = hs.digest_input(ar, proof.zk_root)
        tr.observe_digest(zk_root)
    for c in claims:
        for per_matrix in c.values:
            for at_point in per_matrix:
                tr.observe_ext(at_point)
    alpha = tr.sample_ext()
    # FRI commitments: variable slot j's steps happen only for heights with more than j layers
    var_roots = _pad_d(ar, hs, proof.fri_roots[:n_var_actual], n_slots)
    fixed_roots = _pad_d(ar, hs, proof.fri_roots[n_var_actual:], len(fixed_sched))
    active = [
        top.when(ar, partial(_more_than, lambda H: len(var_sched[H]), j)) for j in range(n_slots)
    ]
    betas = []
    for j, root in enumerate(var_roots):
        t2 = tr.copy()
        t2.observe_digest(root)
        betas.append(t2.sample_ext())
        tr.adopt_if(active[j], t2)
    fixed_betas = []
    for root in fixed_roots:
        tr.observe_digest(root)
        fixed_betas.append(tr.sample_ext())
    if len(proof.final_poly) != final_len:
        raise ValueError("PCS proof: FRI final polynomial has the wrong length")
    final_poly = [ar.e_input(c) for c in proof.final_poly]
    tr.observe_ext(final_poly)
    tr.check_pow(hs.nonce_input(ar, proof.pow_nonce), params.pow_bits)
    query_bits = [tr.sample_bits(top.hi) for _ in range(params.num_queries)]

    # alpha powers and per-(matrix, point) value sums (key None = the variable height)
    max_w = max(s.width for c in claims for s in c.shapes)
    apows = [ar.e_const(EXT_ONE)]
    for _ in range(max_w):
        apows.append(ar.e_mul(apows[-1], alpha))

    def alpha_pow(e: int) -> E:
        q, r = divmod(e, max_w)
        acc = apows[r]
        base = apows[max_w]
        while q:
            if q & 1:
                acc = ar.e_mul(acc, base)
            q >>= 1
            if q:
                base = ar.e_mul(base, base)
        return acc

    plan: dict[int | None, list[tuple[int, int, int, int]]] = {}
    offsets: dict[int | None, int] = {}
    for r, c in enumerate(claims):
        for m, (s, pts) in enumerate(zip(c.shapes, c.points, strict=True)):
            key = None if (r, m) in var_mats else s.log_height + lb
            for k in range(len(pts)):
                o = offsets.get(key, 0)
                plan.setdefault(key, []).append((r, m, k, o))
                offsets[key] = o + s.width
    coef = {o: alpha_pow(o) for o in sorted({e[3] for v in plan.values() for e in v})}
    zk_coef = alpha_pow(offsets.get(None, 0)) if params.zk else None
    vsums: dict[tuple[int, int, int], E] = {}
    for h_plan in plan.values():
        for r, m, k, _ in h_plan:
            acc = ar.e_const(_ZERO_E)
            for col, v in enumerate(claims[r].values[m][k]):
                acc = ar.e_add(acc, ar.e_mul(apows[col], v))
            vsums[(r, m, k)] = acc

    # input trees and their caps
    trees: list[_Tree] = []
    for r, c in enumerate(claims):
        shapes = [
            MatrixShape(top.hi if (r, m) in var_mats else s.log_height + lb, s.width)
            for m, s in enumerate(c.shapes)
        ]
        flags = [(r, m) in var_mats for m in range(len(c.shapes))]
        if c.has_mask:
            shapes.append(MatrixShape(top.hi, EXT_DEGREE))
            flags.append(True)
        trees.append(_Tree(shapes, flags, _input_config_for(params, c.salted), c.root, []))
    if zk_root is not None:
        r_shape = MatrixShape(top.hi, EXT_DEGREE)
        trees.append(_Tree([r_shape], [True], _input_config(params), zk_root, []))
    if len(proof.input_caps) != len(trees):
        raise ValueError("PCS proof: wrong number of Merkle caps")
    var_plans = {H: tree_plan(_input_config(params), H) for H in cands}
    for r, (t, raw) in enumerate(zip(trees, proof.input_caps, strict=True)):
        if t.kind == "var":
            n_cap = 1 << max(tree_plan(t.cfg, H).log_cap for H in cands)
            t.cap = _pad_d(ar, hs, raw, n_cap)
            verify_cap_var(ar, t.cfg, top, lambda H: H, t.root, t.cap, f"round {r}")
        else:  # the cap lies in the fixed part of the tree
            t.cap = [hs.digest_input(ar, d) for d in raw]
            mmcs.verify_cap(ar, t.cfg, t.root, t.shapes, t.cap, f"round {r}")
    fri_cfg = fri.layer_config(params)

    def layer_rows(H: int, *, j: int) -> int | None:
        s = var_sched[H]
        return H - sum(s[: j + 1]) if len(s) > j else None

    fri_caps = []
    for j in range(n_slots):
        lrs = [layer_rows(H, j=j) for H in cands]
        lcs = [tree_plan(fri_cfg, lr).log_cap for lr in lrs if lr is not None]
        raw = proof.fri_caps[j] if j < n_var_actual else []
        cap = _pad_d(ar, hs, raw, 1 << max(lcs))
        verify_cap_var(
            ar, fri_cfg, top, partial(layer_rows, j=j), var_roots[j], cap, f"FRI layer {j}"
        )
        fri_caps.append(cap)
    fixed_shapes = fri.layer_shapes(params, fri_fixed) if fri_fixed else []
    fixed_caps = []
    for k, (shape, root) in enumerate(zip(fixed_shapes, fixed_roots, strict=True)):
        raw = _at(proof.fri_caps, n_var_actual + k, [])
        cap = _pad_d(ar, hs, raw, 1 << mmcs.cap_plan([shape], fri_cfg)[0])
        mmcs.verify_cap(ar, fri_cfg, root, [shape], cap, f"FRI layer {n_var_actual + k}")
        fixed_caps.append(cap)
    one = ar.bit_const(1)
    in_levels = max(len(p.below) for p in var_plans.values())

    for q, (bits, qp) in enumerate(zip(query_bits, proof.queries, strict=True)):
        if len(qp.inputs) != len(trees):
            raise ValueError("PCS proof: wrong number of round openings in a query")
        # the index into the tallest fixed height: the top ftop bits of the selected height's
        tb = [top.select_bit(ar, partial(_bit_at, bits, m - ftop)) for m in range(ftop)]
        rows_by_round: list[list[list[B]]] = []
        for r, (t, op) in enumerate(zip(trees, qp.inputs, strict=True)):
            what = f"round {r} query {q}"
            groups = mmcs.group_heights(t.shapes)
            if len(op.rows) != len(t.shapes) or any(
                len(row) != s.width for row, s in zip(op.rows, t.shapes, strict=True)
            ):
                raise ValueError(f"{what}: opened rows do not match the widths")
            if len(op.salts) != len(groups) or any(len(s) != t.cfg.salt_len for s in op.salts):
                raise ValueError(f"{what}: salts do not match the commitment")
            # checked against the tree below (for every candidate height that uses them)
            rows = [[ar.b_input_committed(v) for v in row] for row in op.rows]
            salts = [[ar.b_input_committed(v) for v in s] for s in op.salts]
            rows_by_round.append(rows)
            if t.kind == "fixed":
                sibs = [[hs.digest_input(ar, d) for d in lvl] for lvl in op.siblings]
                hmax = groups[0][0]
                mmcs.verify_opening(
                    ar, t.cfg, t.cap, t.shapes, tb[ftop - hmax :], rows, salts, sibs, what
                )
                continue
            leaf = _opening_leaf(ar, hs, [v for i in groups[0][1] for v in rows[i]] + salts[0])
            if t.kind == "var":
                sib_slots = []
                for lvl in range(in_levels):
                    la = next(p.below[lvl] for p in var_plans.values() if len(p.below) > lvl)
                    have = op.siblings[lvl] if lvl < len(op.siblings) else []
                    sib_slots.append(_pad_d(ar, hs, have, (1 << la) - 1))
                cand = {H: PathCandidate(leaf, 0, H) for H in cands}
                verify_opening_var(ar, t.cfg, top, cand, one, bits, t.cap, sib_slots, what)
            else:
                _open_mixed(ar, t, top, actual_top, bits, tb, leaf, rows, salts, op, what)
        # DEEP reduction at this query's points (the variable height, then fixed heights)
        reduced: dict[int | None, E] = {}
        for key, h_plan in plan.items():
            if key is None:
                x = masked_domain_point(ar, top, ar.b_const(GENERATOR), bits, 0, lambda H: H)
            else:
                x = fri.domain_point(ar, GENERATOR, key, tb[ftop - key :])
            xe = e_from_base(ar, x)
            s_cache: dict[tuple[int, int], E] = {}
            by_point: dict[int, tuple[E, E]] = {}
            for r, m, k, o in h_plan:
                if (r, m) not in s_cache:
                    row = rows_by_round[r][m]
                    s_cache[(r, m)] = ar.e_lincomb_base(apows[: len(row)], row)
                z = claims[r].points[m][k]
                term = ar.e_mul(coef[o], ar.e_sub(s_cache[(r, m)], vsums[(r, m, k)]))
                prev = by_point.get(id(z))
                by_point[id(z)] = (z, term if prev is None else ar.e_add(prev[1], term))
            acc = ar.e_const(_ZERO_E)
            for z, tsum in by_point.values():
                acc = ar.e_add(acc, ar.e_mul(tsum, ar.e_inv(ar.e_sub(xe, z))))
            reduced[key] = acc
        if zk_coef is not None:
            rrow = rows_by_round[masked[0]][-1] if masked else rows_by_round[-1][0]
            term = ar.e_mul(zk_coef, ar.e_from_coeffs(rrow))
            reduced[None] = ar.e_add(reduced[None], term) if None in reduced else term
        fri_q = list(qp.fri)
        after = _fri_var_slots(
            ar, params, top, var_sched, offs, fri_caps, betas, bits, reduced[None],
            fri_q[:n_var_actual], active, q,
        )  # fmt: skip
        _fri_tail(
            ar, params, top, var_sched, fixed_sched, fri_fixed, final_log, fixed_caps,
            fixed_betas, betas, final_poly, bits, tb, reduced, after,
            fri_q[n_var_actual:], n_var_actual, q,
        )  # fmt: skip


def _fri_tail(
    ar: Arith[B, E, D, Bit],
    params: PcsParams,
    top: LogHeight[B, Bit],
    var_sched: dict[int, list[int]],
    fixed_sched: list[int],
    fri_fixed: list[int],
    final_log: int,
    fixed_caps: list[list[D]],
    fixed_betas: list[E],
    betas: list[E],
    final_poly: list[E],
    bits: Sequence[Bit],
    tb: Sequence[Bit],
    reduced: dict[int | None, E],
    after: dict[tuple[int, int | None], E],
    fixed_ops: Sequence[Any],
    n_var_actual: int,
    q: int,
) -> None:
    """The end of one FRI query: without fixed inputs, the final check of the selected height;
    with them, the roll-in of the first fixed input after each height's last variable layer,
    then the fixed layers and the final check (``fri.verify_layers``, top-aligned index bits
    ``tb``)."""
    if fri_fixed:
        rolled: dict[tuple[int, int | None], E] = {}
        for H in top.candidates:
            key2 = (len(var_sched[H]), var_sched[H][-1])
            if key2 not in rolled:
                beta_a = betas[key2[0] - 1]
                for _ in range(var_sched[H][-1]):
                    beta_a = ar.e_mul(beta_a, beta_a)
                rolled[key2] = ar.e_add(after[key2], ar.e_mul(beta_a, reduced[fri_fixed[0]]))
        expected = top.select(ar, ar.select_e, partial(_after_last, rolled, var_sched))
        fri.verify_layers(
            ar, params, fixed_caps, fixed_betas, final_poly, fixed_sched, fri_fixed[0], tb,
            expected, {h: v for h, v in reduced.items() if h is not None},
            lambda lc: top.select_b_const(ar, partial(_coset_shift, lc)),
            fixed_ops, n_var_actual, q,
        )  # fmt: skip
        return
    # final polynomial at the final point: bits [H - final, H) of the index
    fshift = top.select_b_const(ar, lambda H: pow(GENERATOR, 1 << (H - final_log), P))
    fbits = [top.select_bit(ar, partial(_bit_at, bits, m - final_log)) for m in range(final_log)]
    x_final = masked_domain_point(ar, top, fshift, fbits, 0, lambda H: final_log)
    want = top.select(ar, ar.select_e, partial(_after_last, after, var_sched))
    ar.e_assert_eq(
        fri.eval_final_poly(ar, final_poly, x_final), want, f"FRI final polynomial query {q}"
    )


def _after_last(
    vals: dict[tuple[int, int | None], Any], scheds: dict[int, list[int]], H: int
) -> Any:
    s = scheds[H]
    return vals[(len(s), s[-1])] if s else vals[(0, None)]


def _coset_shift(log_cur: int, H: int) -> int:
    """The coset shift of the FRI codeword of log size ``log_cur`` when folding started at H."""
    return pow(GENERATOR, 1 << (H - log_cur), P)


def _open_mixed(
    ar: Arith[B, E, D, Bit],
    t: _Tree,
    top: LogHeight[B, Bit],
    actual_top: int,
    bits: Sequence[Bit],
    tb: Sequence[Bit],
    leaf: D,
    rows: Sequence[Sequence[B]],
    salts: Sequence[Sequence[B]],
    op: Any,
    what: str,
) -> None:
    """A Merkle opening of a tree with a variable-height group over fixed-height groups: full-
    arity levels from the leaf with the low index bits (shared by all heights), each height's
    partial level into the tallest fixed height (one hash per partial arity, on the selected
    node and bits), then the fixed part of the tree with the top-aligned bits ``tb``."""
    cfg = t.cfg
    hs = cfg.scheme
    mla = cfg.max_log_arity
    groups = mmcs.group_heights(t.shapes)
    fixed_groups = groups[1:]
    fm = fixed_groups[0][0]
    fixed_shapes = [s for s, v in zip(t.shapes, t.var, strict=True) if not v]
    log_cap, below_fixed = mmcs.cap_plan(fixed_shapes, cfg)
    fixed_ar = mmcs.level_log_arities([s.log_height for s in fixed_shapes], mla)[:below_fixed]
    split = {H: divmod(H - fm, mla) for H in top.candidates}
    q_max = max(qv for qv, _ in split.values())
    partials = sorted({rv for _, rv in split.values() if rv})
    # witness slots from the proof's list for its own height (layout only)
    qa, ra = split.get(actual_top, split[top.hi])
    sibs = list(op.siblings)
    n_var = qa + (1 if ra else 0)
    full = [_pad_d(ar, hs, sibs[c] if c < qa else [], (1 << mla) - 1) for c in range(q_max)]
    part = {r: _pad_d(ar, hs, _at(sibs, qa, []) if ra == r else [], (1 << r) - 1) for r in partials}
    fixed_sibs = [
        _pad_d(ar, hs, _at(sibs, n_var + lvl, []), (1 << la) - 1) for lvl, la in enumerate(fixed_ar)
    ]
    nodes = [leaf]
    for c in range(q_max):
        nodes.append(hs.compress_path(ar, nodes[-1], full[c], bits[mla * c : mla * (c + 1)]))
    node: D = top.select(ar, hs.selector(ar), lambda H: nodes[split[H][0]])
    at_fm = node
    for r in partials:
        pbits = [
            top.select_bit(ar, partial(_partial_bit, split, bits, mla, r, u)) for u in range(r)
        ]
        hp = hs.compress_path(ar, node, part[r], pbits)
        at_fm = hs.select(ar, top.when(ar, partial(_has_partial, split, r)), hp, at_fm)
    group_of = {lh: g for g, (lh, _) in enumerate(groups)}

    def group_leaf(g: int) -> D:
        vals = [v for i in groups[g][1] for v in rows[i]] + list(salts[g])
        return hs.leaf(ar, vals)

    cur = hs.inject(ar, at_fm, group_leaf(group_of[fm]))
    cur_log = fm
    for lvl, la in enumerate(fixed_ar):
        lo_bit = len(tb) - cur_log
        cur = hs.compress_path(ar, cur, fixed_sibs[lvl], tb[lo_bit : lo_bit + la])
        cur_log -= la
        if cur_log in group_of:
            cur = hs.inject(ar, cur, group_leaf(group_of[cur_log]))
    if len(t.cap) != 1 << log_cap:
        raise ValueError(f"{what}: Merkle cap has the wrong size")
    hs.assert_cap_entry(ar, None, cur, t.cap, tb[len(tb) - log_cap :], f"{what}: Merkle path")


def _partial_bit(
    split: dict[int, tuple[int, int]], bits: Sequence[Any], mla: int, r: int, u: int, H: int
) -> Any:
    qv, rv = split[H]
    return bits[mla * qv + u] if rv == r else None


def _has_partial(split: dict[int, tuple[int, int]], r: int, H: int) -> bool:
    return split[H][1] == r


def _fri_var_slots(
    ar: Arith[B, E, D, Bit],
    params: PcsParams,
    top: LogHeight[B, Bit],
    scheds: dict[int, list[int]],
    offs: list[int],
    caps: list[list[D]],
    betas: list[E],
    bits: Sequence[Bit],
    reduced: E,
    openings: Sequence[Any],
    active: list[Bit],
    q: int,
) -> dict[tuple[int, int | None], E]:
    """The variable FRI layer slots of one query (see the module doc). Returns the fold output
    of each (slot + 1, arity) pair (the value after a height's last variable layer is at
    ``(len(schedule), schedule[-1])``), and ``(0, None)`` for the input."""
    cfg = fri.layer_config(params)
    hs = cfg.scheme
    expected = reduced
    out: dict[tuple[int, int | None], E] = {(0, None): reduced}
    for j, off in enumerate(offs):
        in_slot = {H: s[j] for H, s in scheds.items() if len(s) > j}
        variants = sorted(set(in_slot.values()))
        width = 1 << max(variants)
        op = openings[j] if j < len(openings) else None
        raw_row = list(op.row) if op is not None else []
        # checked by the slot's Merkle path whenever the slot is active (used only then)
        row = [
            ar.e_input_committed(raw_row[t] if t < len(raw_row) else _ZERO_E) for t in range(width)
        ]
        leaves: dict[int, D] = {}
        folds: dict[int, E] = {}
        opened_at: dict[int, E] = {}
        shift = ar.b_const(pow(GENERATOR, 1 << off, P))
        suffix = _coset_point_suffixes(ar, top, bits[off:], off, variants)
        for la in variants:
            vrow = row[: 1 << la]
            flat: list[B] = []
            for v in vrow:
                flat.extend(ar.e_coeffs(v))
            leaves[la] = _opening_leaf(ar, hs, flat)
            opened_at[la] = select_e_by_bits(ar, vrow, bits[off : off + la])
            xb = ar.b_mul(shift, suffix[la])
            folds[la] = fri.fold_row(ar, vrow, xb, betas[j], la)
            out[(j + 1, la)] = folds[la]
        # the opened coset contains the expected value (one check on the selected variant)
        fallback_v = opened_at[variants[0]]
        value = top.select(ar, ar.select_e, partial(_fold_of, opened_at, in_slot, fallback_v))
        e_assert_eq_if(ar, active[j], value, expected, f"FRI layer {j} query {q} value")
        # Merkle path of the slot's layer
        plans = {H: tree_plan(cfg, H - off - la) for H, la in in_slot.items()}
        n_lv = max(len(p.below) for p in plans.values())
        raw_sibs = list(op.siblings) if op is not None else []
        sib_slots = []
        for lvl in range(n_lv):
            la_l = next(p.below[lvl] for p in plans.values() if len(p.below) > lvl)
            have = raw_sibs[lvl] if lvl < len(raw_sibs) else []
            sib_slots.append(_pad_d(ar, hs, have, (1 << la_l) - 1))
        verify_opening_var(
            ar,
            cfg,
            top,
            {H: PathCandidate(leaves[la], off + la, H - off - la) for H, la in in_slot.items()},
            active[j],
            bits,
            caps[j],
            sib_slots,
            f"FRI layer {j} query {q}",
        )
        fallback = folds[variants[0]]
        expected = top.select(ar, ar.select_e, partial(_fold_of, folds, in_slot, fallback))
    return out


__all__ = [
    "PathCandidate",
    "TreePlan",
    "masked_domain_point",
    "tree_plan",
    "verify",
    "verify_cap_var",
    "verify_opening_var",
    "verify_var",
]
