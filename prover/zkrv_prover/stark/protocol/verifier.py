"""The multi-table STARK verifier, written once over :class:`~.arith.Arith`.

:func:`verify_with` is the one verifier: it replays the transcript, checks every table's
out-of-domain identity (:mod:`.ood`; zeta must lie outside the trace domain and the LDE
coset, :func:`.ood.check_zeta`), the LogUp balance ``sum_t cumsum_t = 0`` and the PCS
openings (:mod:`.pcs_verify`, the one PCS verifier). Its control flow depends only on the
verifying key and the proof's *shape* (table heights, which :func:`check_shape` validates
against the key before any arithmetic), so a circuit ``Arith`` turns the same code into a fixed
circuit per shape. :func:`verify` runs it with :class:`~.arith.NativeArith`. With
``height_range=(lo, hi)`` the variable tables' height is data instead
(:class:`~.arith.LogHeight`; fixed heights are the PCS verifier's lo = hi case): the control
flow, hence the circuit, is the same for every height in the range (``docs/wrap.md``,
"Variable heights").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zkrv_prover.stark.air.lifted_quotient import chunk_plan
from zkrv_prover.stark.air.ood import GroupMember, TableOpenings, check_group, check_zeta
from zkrv_prover.stark.air.quotient import group_degree, num_chunks, quotient_groups
from zkrv_prover.stark.commit import pcs, pcs_verify
from zkrv_prover.stark.commit.hash_scheme import scheme_of
from zkrv_prover.stark.commit.mmcs import MatrixShape
from zkrv_prover.stark.commit.params import MAX_LOG_HEIGHT
from zkrv_prover.stark.field.arith import AnyArith, LogHeight, NativeArith, VerificationError
from zkrv_prover.stark.field.codec import ProofFormatError
from zkrv_prover.stark.field.field import (
    EXT_DEGREE,
    EXT_ZERO,
    TWO_ADICITY,
    ExtInt,
    P,
    two_adic_generator,
)
from zkrv_prover.stark.protocol.commit_phase import read_commitments
from zkrv_prover.stark.protocol.global_challenges import global_challenges
from zkrv_prover.stark.protocol.heights import HeightSpec, min_log, quotient_log
from zkrv_prover.stark.protocol.prover import (
    LABEL,
    StarkProof,
    VerifyingKey,
    mask_plan,
    observe_header,
    opening_points,
)
from zkrv_prover.stark.protocol.verifier_lifted import LiftedInputs, verify_with_lifted


def check_shape(
    vk: VerifyingKey, proof: StarkProof, n_public: int, pre_root_input: bool = False
) -> None:
    """Validate the proof's shape against the key (raises :class:`VerificationError`): heights
    in range (at most 2^MAX_LOG_HEIGHT, and equal to the preprocessed height where fixed, unless
    the preprocessed root is data: ``pre_root_input``, lifted proofs), LogUp sums and rounds
    present exactly when needed, one opened value per column and point; a lifted proof carries
    the key's preprocessed root (or any, with ``pre_root_input``)."""
    lays, params = vk.layouts, vk.params
    if n_public != vk.machine.num_public_values:
        raise VerificationError(
            f"expected {vk.machine.num_public_values} public values, got {n_public}"
        )
    if len(proof.log_heights) != len(lays):
        raise VerificationError(f"proof has {len(proof.log_heights)} tables, key {len(lays)}")
    for lay, lh in zip(lays, proof.log_heights, strict=True):
        if lh > MAX_LOG_HEIGHT:
            raise VerificationError(
                f"table {lay.air.name!r}: height 2^{lh} exceeds the verifier's cap "
                f"2^{MAX_LOG_HEIGHT} (params.MAX_LOG_HEIGHT)"
            )
        ch = mask_plan(params, 1 << lh).log_height if 1 <= lh <= TWO_ADICITY else 0
        if not lh >= 1 or ch == 0 or ch + params.log_blowup > TWO_ADICITY:
            raise VerificationError(f"table {lay.air.name!r}: height 2^{lh} out of range")
        pre_fixed = not (vk.lifted and pre_root_input)
        if pre_fixed and lay.preprocessed is not None and lay.preprocessed.shape[0] != 1 << lh:
            raise VerificationError(f"table {lay.air.name!r}: height differs from preprocessed")
    if vk.lifted and (proof.pre_root is None) != (vk.pre_root is None):
        raise VerificationError("a lifted proof carries its preprocessed root")
    if vk.lifted and not pre_root_input and proof.pre_root != vk.pre_root:
        raise VerificationError("preprocessed root differs from the key's")
    has_aux = bool(vk.logup_tables)
    if (proof.aux_root is not None) != has_aux or len(proof.cumsums) != len(vk.local_tables):
        raise VerificationError("LogUp commitments do not match the machine")
    if (proof.boundary_root is not None) != vk.has_global or len(proof.global_sums) != len(
        vk.boundary_tables
    ):
        raise VerificationError("boundary round and global sums do not match the machine")
    expected = _round_shapes(vk, proof.log_heights)
    if len(proof.opened) != len(expected):
        raise VerificationError("wrong number of opened rounds")
    for r, ((shapes, pts), got) in enumerate(zip(expected, proof.opened, strict=True)):
        if len(got) != len(shapes):
            raise VerificationError(f"round {r}: wrong number of matrices")
        for s, p, vals in zip(shapes, pts, got, strict=True):
            if len(vals) != p or any(len(v) != s.width for v in vals):
                raise VerificationError(f"round {r}: opened values have the wrong shape")


def _round_shapes(
    vk: VerifyingKey, log_heights: Sequence[int]
) -> list[tuple[list[MatrixShape], list[int]]]:
    """Per round: committed shapes (log height, width) of its matrices and how many points each
    is opened at. Rounds: preprocessed (if any), boundary (machines with global buses: the
    boundary tables' main matrices), main (the other tables'), aux (if any), quotient. Main,
    boundary, aux and quotient matrices sit at the table's masked height
    (``mask_plan``; the quotient round has one matrix per group of equal-height tables,
    ``quotient_groups``); the preprocessed round (public, unmasked) at the table's height."""
    pre_p, main_p, aux_p, quo_p = opening_points(vk, log_heights, EXT_ZERO)
    params, lays = vk.params, vk.layouts
    plans = [mask_plan(params, 1 << lh) for lh in log_heights]
    log_N = [mp.log_height for mp in plans]
    out = []
    if vk.pre_tables:
        out.append(
            (
                [MatrixShape(log_heights[t], lays[t].pre_width) for t in vk.pre_tables],
                [len(p) for p in pre_p],
            )
        )
    for tables in ([vk.boundary_tables] if vk.has_global else []) + [vk.main_tables]:
        out.append(
            (
                [MatrixShape(log_N[t], lays[t].main_width) for t in tables],
                [len(main_p[t]) for t in tables],
            )
        )
    if vk.logup_tables:
        out.append(
            (
                [MatrixShape(log_N[t], EXT_DEGREE * lays[t].aux_width) for t in vk.logup_tables],
                [len(p) for p in aux_p],
            )
        )
    degrees = [lay.degree for lay in lays]
    quo_shapes = []
    if vk.lifted:  # one quotient per table (lifted_quotient.chunk_plan), heights.py's heights
        for t, lh in enumerate(log_heights):
            c = chunk_plan(params, degrees[t], 1 << lh).chunks
            quo_shapes.append(MatrixShape(quotient_log(params, degrees[t], lh), EXT_DEGREE * c))
        out.append((quo_shapes, [len(p) for p in quo_p]))
        for t, rnd in enumerate(out[:-1]):  # pre: pre_log; main, aux: committed_log
            lifted = [MatrixShape(max(s.log_height, min_log(params)), s.width) for s in rnd[0]]
            out[t] = (lifted, rnd[1])
        return out
    for g in quotient_groups(log_heights):
        mp = plans[g[0]]
        c = num_chunks(group_degree(degrees, g), mp.n, mp.degree_bound)
        quo_shapes.append(MatrixShape(log_N[g[0]], EXT_DEGREE * c))
    out.append((quo_shapes, [len(p) for p in quo_p]))
    return out


def var_tables(vk: VerifyingKey) -> list[int]:
    """Tables whose height may vary in a variable-height verifier: those without preprocessed
    columns (a preprocessed table's height is fixed by the key)."""
    return [t for t, lay in enumerate(vk.layouts) if lay.preprocessed is None]


def height_offset(vk: VerifyingKey, lo: int, hi: int) -> int:
    """Check that ``vk`` supports one verifier for heights 2^lo..2^hi of its variable tables
    (:func:`var_tables`, which share that height; the others keep their preprocessed height)
    and return ``d``: their committed matrices have LDE log height ``log_height + d``. Raises
    ``ValueError`` naming what does not fit.

    Supported: heights at most 2^MAX_LOG_HEIGHT (the circuit's one-hot height then stays under
    the cap); over the range the zk-masked height is the height times a constant and the
    variable tables' quotient chunk count is constant (true once n exceeds the few rows the
    masking reveals); the fixed tables are shorter than 2^lo, so the quotient groups
    (``quotient_groups``: tables of equal height) are the same for every height in the range:
    the variable tables form one group, the fixed ones group among themselves. The PCS adds its
    own conditions (``pcs_verify.verify_var``: fixed tables shorter than the range, FRI schedules
    that line up)."""
    params = vk.params
    if not 1 <= lo <= hi:
        raise ValueError(f"height range [{lo}, {hi}] is empty or below 2^1")
    if hi > MAX_LOG_HEIGHT:
        raise ValueError(
            f"height range [{lo}, {hi}] exceeds the verifier's cap 2^{MAX_LOG_HEIGHT} "
            "(params.MAX_LOG_HEIGHT)"
        )
    if not var_tables(vk):
        raise ValueError("variable heights: every table has a fixed (preprocessed) height")
    plans = [mask_plan(params, 1 << lg) for lg in range(lo, hi + 1)]
    offs = {mp.log_height - lg for lg, mp in zip(range(lo, hi + 1), plans, strict=True)}
    if len(offs) != 1:
        raise ValueError(f"height range [{lo}, {hi}]: the zk masking changes shape; raise lo")
    d = offs.pop() + params.log_blowup
    if hi + d > TWO_ADICITY:
        raise ValueError(f"height 2^{hi} is too large for the field")
    for lay in vk.layouts:
        if lay.preprocessed is not None and lay.preprocessed.shape[0] >= 1 << lo:
            # it could share a height, hence a quotient group, with the variable tables
            raise ValueError(f"height range [{lo}, {hi}]: fixed table {lay.air.name!r} too tall")
    deg = max(vk.layouts[t].degree for t in var_tables(vk))
    ch = {num_chunks(deg, mp.n, mp.degree_bound) for mp in plans}
    if len(ch) != 1:
        raise ValueError("the variable tables' quotient chunk count varies; raise lo")
    return d


def check_height_range(vk: VerifyingKey, proof: StarkProof, lo: int, hi: int) -> None:
    """Natively: the proof's heights are one height in [lo, hi] (``VerificationError``) and its
    PCS proof has exactly the structure of a proof of that height."""
    height_offset(vk, lo, hi)
    hs = {proof.log_heights[t] for t in var_tables(vk)}
    if len(hs) != 1:
        raise VerificationError("the variable tables of a proof must have one height")
    (lg,) = hs
    if not lo <= lg <= hi:
        raise VerificationError(f"height 2^{lg} is outside the circuit's range [2^{lo}, 2^{hi}]")
    from zkrv_prover.stark.protocol.proof import _pcs_shape

    try:
        pcs.check_structure(_pcs_shape(vk, list(proof.log_heights)), proof.pcs_proof)
    except ProofFormatError as e:
        raise VerificationError("PCS proof structure does not match its height") from e


def lifted_spec(
    vk: VerifyingKey,
    proof: StarkProof,
    height_range: tuple[int, int] | None,
    heights: HeightSpec | None,
) -> HeightSpec:
    """The height spec of a lifted verification: ``heights``, else ``height_range`` for the
    tables without preprocessed columns (the others fixed), else the proof's own heights."""
    if heights is not None and height_range is not None:
        raise ValueError("pass a HeightSpec or a height range, not both")
    if heights is not None:
        return heights
    if height_range is not None:
        return HeightSpec.of_layouts(vk.layouts, *height_range, {})
    return HeightSpec.exact(proof.log_heights)


def verify_with(
    ar: AnyArith,
    vk: VerifyingKey,
    public: Sequence[Any],
    proof: StarkProof,
    height_range: tuple[int, int] | None = None,
    heights: HeightSpec | None = None,
    pre_root_input: bool = False,
    global_challenges: Sequence[Any] | None = None,
    zero_tables: frozenset[int] = frozenset(),
) -> LiftedInputs | None:
    """The verifier over any ``Arith`` (see module doc). ``public`` are base elements of ``ar``;
    proof values enter through ``ar.*_input``. Raises on failure (``VerificationError`` natively).
    Call :func:`check_shape` first.

    Lifted keys (``vk.lifted``, Poseidon2): ``heights`` is the :class:`.HeightSpec` whose every
    table height is data (default: exactly the proof's heights); ``pre_root_input`` reads the
    preprocessed root from the proof as data. Returns what the caller must bind
    (:class:`~.verifier_lifted.LiftedInputs`); ``verifier_lifted`` has the details. Other keys
    return None and take ``height_range`` only.

    ``height_range = (lo, hi)``: the common log height of the variable tables
    (:func:`var_tables`) is *data* in [lo, hi] (read from the proof, bound into the transcript
    header as usual, one-hot selected), so the control flow, and a circuit built from it, is
    the same for every height in the range (call :func:`check_height_range` too; supported
    machines: :func:`height_offset`).

    Machines with global buses (``vk.has_global``): ``global_challenges`` = (alpha_G, beta_G),
    extension elements of ``ar``, are required (``ValueError`` without them, so a caller that
    does not bind them, such as a recursion program built for other machines, cannot verify such
    a proof by mistake); the proof's boundary root is read as data and its global sums
    (``proof.global_sums``) are verified, not checked to cancel: the caller adds them over all
    proofs sharing the global buses.

    ``zero_tables`` (lifted keys only): tables taken as empty, their matrices the constant 0
    (``verifier_lifted.verify_with_lifted``: programs specialised to empty tables)."""
    if vk.has_global != (global_challenges is not None):
        raise ValueError(
            "a machine with global buses is verified against global challenges"
            if vk.has_global
            else "global challenges are only for machines with global buses"
        )
    if vk.lifted:
        spec = lifted_spec(vk, proof, height_range, heights)
        return verify_with_lifted(
            ar, vk, public, proof, spec, pre_root_input, global_challenges, zero_tables
        )
    if heights is not None or pre_root_input or zero_tables:
        raise ValueError(
            "height specs, a preprocessed root as data and zero tables need a lifted key"
        )
    lays, params = vk.layouts, vk.params
    lh = list(proof.log_heights)
    var: LogHeight[Any, Any] | None = None
    header_heights: list[Any] = list(lh)
    vts = set(var_tables(vk)) if height_range is not None else set()
    if height_range is not None:
        lo, hi = height_range
        d = height_offset(vk, lo, hi)
        actual = lh[min(vts)]
        lv = ar.b_input(actual)
        var = LogHeight(lo, hi, tuple(ar.one_hot(lv, lo, hi)))
        for t in vts:  # shapes (widths, point counts) are those of the tallest height
            header_heights[t], lh[t] = lv, hi
    hs = scheme_of(params.hash)
    tr = hs.transcript(ar, LABEL)
    observe_header(tr, ar, vk, header_heights, public)
    cm = read_commitments(ar, hs, tr, vk, proof, global_challenges)
    main_root, aux_root, quo_root = cm.main_root, cm.aux_root, cm.quo_root
    challenges, cumsums, gamma, zeta = cm.challenges, cm.cumsums, cm.gamma, cm.zeta
    shapes = _round_shapes(vk, lh)
    if var is None:
        log_lde = max(s.log_height for ms, _ in shapes for s in ms) + params.log_blowup
        check_zeta(ar, zeta, max(lh), log_lde)
    else:  # the variable tables are the tallest (height_offset), before and after masking
        check_zeta(ar, zeta, var, var.shifted(d))

    # opened values as arith inputs, and the points they claim (derived from zeta)
    opened = [[[[ar.e_input(v) for v in pt] for pt in m] for m in rnd] for rnd in proof.opened]
    h_gens = [_generator(ar, x) for x in lh]
    if var is not None:
        h_var = var.select_b_const(ar, two_adic_generator)
        h_gens = [h_var if t in vts else g for t, g in enumerate(h_gens)]
    pts_by_kind: dict[str, list[list[Any]]] = {}
    pre_tables, logup_tables = vk.pre_tables, vk.logup_tables

    def points_for(t: int, n_points: int) -> list[Any]:
        out = [zeta]
        if n_points == 2:
            out.append(ar.e_mul_base(zeta, h_gens[t]))
        return out

    rounds_tables: list[tuple[str, list[int]]] = []
    if pre_tables:
        rounds_tables.append(("pre", pre_tables))
    if vk.has_global:
        rounds_tables.append(("boundary", vk.boundary_tables))
    rounds_tables.append(("main", vk.main_tables))
    if logup_tables:
        rounds_tables.append(("aux", logup_tables))
    groups = quotient_groups(lh)
    rounds_tables.append(("quotient", [g[0] for g in groups]))  # a group's matrix by its first
    roots: list[Any] = []
    if pre_tables:
        assert vk.pre_root is not None
        roots.append(hs.digest_const(ar, vk.pre_root))
    if cm.boundary_root is not None:
        roots.append(cm.boundary_root)
    roots.append(main_root)
    if aux_root is not None:
        roots.append(aux_root)
    roots.append(quo_root)
    claims = []
    for (kind, tables), (mshapes, npts), root, vals in zip(
        rounds_tables, shapes, roots, opened, strict=True
    ):
        pts = [points_for(t, k) for t, k in zip(tables, npts, strict=True)]
        pts_by_kind[kind] = pts
        # the preprocessed round is public: committed without salts (prover.keygen)
        # the quotient round also commits the FRI masking codeword under zk (prover.prove)
        has_mask = kind == "quotient" and params.zk
        claims.append(pcs.RoundClaim(root, mshapes, pts, vals, has_mask, salted=kind != "pre"))

    # out-of-domain identity per quotient group (tables of one height, ood.check_group)
    by_kind = {
        kind: dict(zip(tables, vals, strict=True))
        for (kind, tables), vals in zip(rounds_tables, opened, strict=True)
    }
    if vk.has_global:  # a boundary table's main matrix is in the boundary round
        by_kind["main"] = {**by_kind["main"], **by_kind["boundary"]}
    local_index = {t: i for i, t in enumerate(vk.local_tables)}
    global_index = {t: i for i, t in enumerate(vk.boundary_tables)}
    for g in groups:
        members = []
        for t in g:

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
            members.append(GroupMember(lays[t], op, cum, gsum))
        quo = by_kind["quotient"][g[0]][0]
        # with a height range, a group is all variable (one height) or all fixed (shorter)
        n_g = var if var is not None and g[0] in vts else 1 << lh[g[0]]
        check_group(ar, members, list(quo), public, challenges, gamma, zeta, n_g)

    if var is None:
        pcs_verify.verify(ar, params, claims, proof.pcs_proof, tr)
    else:
        var_mats = {
            (r, m)
            for r, (_kind, tables) in enumerate(rounds_tables)
            for m, t in enumerate(tables)
            if t in vts
        }
        top = var.shifted(d)
        pcs_verify.verify_var(ar, params, claims, proof.pcs_proof, tr, top, actual + d, var_mats)
    return None


def _generator(ar: AnyArith, log_n: int) -> Any:
    from zkrv_prover.stark.field.field import two_adic_generator

    return ar.b_const(two_adic_generator(log_n))


def verify(
    vk: VerifyingKey,
    public: Sequence[int],
    proof: StarkProof,
    native_hash: bool = True,
    height_range: tuple[int, int] | None = None,
    heights: HeightSpec | None = None,
    pre_root: int | None = None,
    global_challenges: tuple[ExtInt, ExtInt] | None = None,
) -> ExtInt | None:
    """Verify natively; raises :class:`VerificationError` (or ``ValueError`` for malformed
    shapes) if the proof is not valid for ``public``. ``native_hash=False`` hashes with the
    pure-Python reference Poseidon instead of the native engine. ``height_range``: run the
    variable-height verifier (the wrap circuit's control flow for that range). Lifted keys:
    ``heights`` (a :class:`.HeightSpec`, default the proof's own heights) and ``pre_root``:
    verify with the preprocessed root as data and require it to be this value (a root of the
    same machine for another program; the key's preprocessed heights are then not enforced, the
    spec's ranges are).

    Machines with global buses: ``global_challenges`` (alpha_G, beta_G) are required; returns
    the proof's verified share of the global buses, ``proof.global_sum``, which the caller adds
    over every proof of the family and checks to be zero (:func:`verify_global` does it all).
    Returns None for other machines."""
    pre_in = pre_root is not None
    check_shape(vk, proof, len(public), pre_root_input=pre_in)
    if height_range is not None and not vk.lifted:
        check_height_range(vk, proof, *height_range)
    if vk.lifted:
        spec = lifted_spec(vk, proof, height_range, heights)
        try:
            spec.check(proof.log_heights)
        except ValueError as e:
            raise VerificationError(str(e)) from e
        from zkrv_prover.stark.protocol.verifier_lifted import pcs_shape

        try:
            pcs.check_structure(pcs_shape(vk, list(proof.log_heights)), proof.pcs_proof)
        except ProofFormatError as e:
            raise VerificationError("PCS proof structure does not match its heights") from e
        if pre_in and proof.pre_root != pre_root:
            raise VerificationError("preprocessed root differs from the expected one")
    ar = NativeArith(native_hash=native_hash)
    gch = None
    if global_challenges is not None:
        if len(global_challenges) != 2:
            raise VerificationError("two global challenges (alpha_G, beta_G) are needed")
        gch = [ar.e_const(tuple(int(v) for v in c)) for c in global_challenges]
    elif vk.has_global:
        raise VerificationError("a machine with global buses needs its global challenges")
    verify_with(
        ar,
        vk,
        [ar.b_input(int(v)) for v in public],
        proof,
        height_range,
        heights,
        pre_in,
        gch,
    )
    return proof.global_sum if vk.has_global else None


def verify_global(
    vk: VerifyingKey,
    items: Sequence[tuple[Sequence[int], StarkProof]],
    data: Sequence[int] = (),
    native_hash: bool = True,
) -> tuple[ExtInt, ExtInt]:
    """Verify a family of proofs sharing global buses (``items[s] = (public values, proof)``,
    in order): recompute the global challenges from ``data`` and every proof's public values
    and boundary root (:func:`.global_challenges.global_challenges`), verify each proof against
    them and check that their global sums add up to zero. Returns the challenges; raises
    :class:`VerificationError`."""
    if not vk.has_global:
        raise ValueError("the machine has no global buses")
    if not items:
        raise VerificationError("no proofs")
    for public, proof in items:
        check_shape(vk, proof, len(public))
    ch = global_challenges(
        vk.params,
        [(list(pub), int(proof.boundary_root or 0)) for pub, proof in items],
        data,
    )
    total = [0] * EXT_DEGREE
    for public, proof in items:
        share = verify(vk, public, proof, native_hash, global_challenges=ch)
        assert share is not None
        total = [(x + int(y)) % P for x, y in zip(total, share, strict=True)]
    if any(total):
        raise VerificationError("the global buses do not balance over the proofs")
    return ch
