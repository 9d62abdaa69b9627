"""The two-adic FRI polynomial commitment scheme: commit matrices of column polynomials, open them
at extension points with DEEP quotients, prove the openings with one batched FRI.

Commit (prover): a round commits several matrices of heights n_i = 2^h_i, each column a
polynomial with at most ``params.degree_bound(h_i)`` coefficients (exactly n_i without zk; the
relaxed bound n_i (1 + 2^-ZK_LOG_HEADROOM) with zk, which FRI proves), given by coefficients or
by evaluations on H_{n_i}. Each is extended to the coset
``GENERATOR * H_{n_i 2^LOG_BLOWUP}`` in bit-reversed order and all are committed in one MMCS tree
(hiding: salted leaves). ``lde(data, i)`` gives the extension, e.g. for quotient evaluation: its
first 2^k rows are the evaluations on ``GENERATOR * H_{2^k}``.

Open (both sides, same transcript order):

1. with ``zk``: commit a random ext-valued polynomial R with the degree bound of the tallest
   height and observe its root; it masks every FRI codeword;
2. observe all claimed values (rounds, matrices, points, columns in order), sample alpha (the
   lifted layout: one alpha_m per matrix instead, ``open_rounds``);
3. per LDE height h: ``ro_h(x) = sum over (matrix, point z) of
   alpha^off * (sum_c alpha^c (M_c(x) - v_c)) / (x - z)`` with ``off`` advancing by the matrix
   width per (matrix, point) within height h, plus ``alpha^off * R(x)`` at the top height;
4. FRI on {ro_h} (``fri.py``), grinding, ``num_queries`` query indices of the top height's bits;
5. per query: open every round's tree at ``index >> (L - L_round)`` (and R's tree), then FRI.

The verifier recomputes ro_h at each query from the opened rows and runs the FRI query check. It
is written once over ``Arith`` (``verify``); its control flow depends on shapes only.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Generic

import numpy as np
import numpy.typing as npt

from zkrv_prover import progress
from zkrv_prover.stark.commit import fri, hash_scheme, mmcs, mmcs_lifted
from zkrv_prover.stark.commit.fri import FriLayerOpening
from zkrv_prover.stark.commit.mmcs import MatrixShape, MerkleOpening, MmcsConfig
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.commit.transcript import FiatShamir
from zkrv_prover.stark.field import field as fld
from zkrv_prover.stark.field import parallel
from zkrv_prover.stark.field.arith import D, E
from zkrv_prover.stark.field.codec import DigestKind, ProofFormatError, Reader, Writer
from zkrv_prover.stark.field.field import EXT_DEGREE, GENERATOR, ExtInt, P, two_adic_generator
from zkrv_prover.stark.field.ntt import bit_reverse_indices, intt, lde_bitrev
from zkrv_prover.stark.field.randomness import FieldRng, require

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
NativeTranscript = FiatShamir[int, ExtInt, int, int]

_P64 = np.uint64(P)
#: Rows per block of the DEEP reduction (a block's temporaries: a few MiB per worker).
_DEEP_BLOCK = 1 << 14


def _input_config(params: PcsParams) -> MmcsConfig:
    return MmcsConfig(
        max_arity=params.merkle_arity,
        salt_len=params.commit_salt_len,
        backend=params.backend,
        max_log_cap=params.log_cap,
        hash=params.hash,
    )


# ------------------------------------------------------------------------------------------------
# Prover: commitments
# ------------------------------------------------------------------------------------------------


@dataclass
class PcsData:
    """Prover data of one committed round."""

    tree: mmcs.MerkleTree
    #: Full coefficients of each matrix (up to the degree bound: more rows than its height
    #: under the relaxed zk bound), so out-of-domain evaluation is exact.
    coeffs: list[U32]
    log_blowup: int
    #: log2 of each matrix's committed height (its LDE has 2^(h + log_blowup) rows).
    log_heights: list[int]
    #: Coefficients of the zk masking codeword R committed in this round (last tree matrix).
    mask: U32 | None = None
    #: Whether the leaves are salted (hiding); public rounds (preprocessed columns) are not.
    salted: bool = True

    @property
    def root(self) -> int:
        return self.tree.root

    @property
    def shapes(self) -> list[MatrixShape]:
        """Shapes (log height, width) of the committed matrices."""
        return [
            MatrixShape(h, c.shape[1]) for h, c in zip(self.log_heights, self.coeffs, strict=True)
        ]

    def lde(self, i: int) -> U32:
        """Matrix i on GENERATOR * H_{n 2^log_blowup}, rows in bit-reversed order."""
        return self.tree.matrices[i]


def _input_config_for(params: PcsParams, salted: bool) -> MmcsConfig:
    cfg = _input_config(params)
    return cfg if salted else replace(cfg, salt_len=0)


def commit_coeffs(
    params: PcsParams,
    coeffs: Sequence[U32],
    rng: FieldRng | None,
    mask: bool = False,
    log_heights: Sequence[int] | None = None,
    salted: bool = True,
    label: str | None = None,
    lifted_height: int | None = None,
) -> PcsData:
    """Commit matrices given by column coefficients ((m_i, w_i), natural order). Matrix i is
    committed at height 2^log_heights[i] (default: m_i, which must then be a power of two) and
    may have up to ``params.degree_bound(log_heights[i])`` coefficients (``ValueError``
    otherwise). ``rng`` (a CSPRNG, :class:`~.randomness.FieldRng`) draws the salts and the
    masking codeword (required when salting with ``params.zk``). ``salted=False`` commits a
    public round (no salts; deterministic).

    ``mask`` (zk only) also commits, in this same tree, the random codeword R that masks FRI
    (height = this round's tallest matrix, which must be the tallest of the whole proof). That
    saves the separate R tree and its Merkle path per query; the round must be committed before
    the opening's alpha is drawn (any round committed before ``open_rounds`` is).

    ``lifted_height``: commit in the lifted-leaf layout (``mmcs_lifted.py``, Poseidon2 proofs
    with per-table heights) as a tree of 2^(lifted_height + log_blowup) leaves (at least the
    tallest matrix's LDE).

    ``label``: report this commitment as progress stage ``"commit <label>"`` (one unit per
    matrix's LDE, plus the Merkle tree's units, :func:`.mmcs.commit_units`)."""
    cs = [np.ascontiguousarray(c, dtype=np.uint32) for c in coeffs]
    if log_heights is None:
        lhs = [_log2_exact(c.shape[0]) for c in cs]
    else:
        lhs = [int(h) for h in log_heights]
        if len(lhs) != len(cs):
            raise ValueError("one log height per matrix")
    for c, h in zip(cs, lhs, strict=True):
        if not 1 <= c.shape[0] <= params.degree_bound(h):
            raise ValueError(
                f"{c.shape[0]} coefficients exceed the degree bound {params.degree_bound(h)} "
                f"of height 2^{h}"
            )
    if mask and not params.zk:
        raise ValueError("a masking codeword is only used with zk")
    cfg = _input_config_for(params, salted)
    report = label is not None and progress.active()
    if report:
        shapes = [
            MatrixShape(h + params.log_blowup, c.shape[1]) for c, h in zip(cs, lhs, strict=True)
        ]
        if mask:
            r_h = max(lhs) if lifted_height is None else lifted_height
            shapes.append(MatrixShape(r_h + params.log_blowup, EXT_DEGREE))
        progress.stage(f"commit {label}", len(shapes) + mmcs.commit_units(shapes, cfg))
    ldes = []
    for c, h in zip(cs, lhs, strict=True):
        ldes.append(lde_bitrev(c, params.log_blowup, GENERATOR, h))
        if report:
            progress.advance()
    r_coeffs = None
    if mask:
        top = max(lhs) if lifted_height is None else lifted_height
        r_coeffs = require(rng, "a masking codeword").base((params.degree_bound(top), EXT_DEGREE))
        ldes.append(lde_bitrev(r_coeffs, params.log_blowup, GENERATOR, top))
        if report:
            progress.advance()
    if lifted_height is not None:
        tree = mmcs_lifted.commit(ldes, cfg, rng, lifted_height + params.log_blowup)
    else:
        tree = mmcs.commit(ldes, cfg, rng, report=report)
    return PcsData(tree, cs, params.log_blowup, lhs, r_coeffs, salted)


def _log2_exact(n: int) -> int:
    if n < 1 or n & (n - 1):
        raise ValueError(f"matrix height must be a power of two, got {n}")
    return n.bit_length() - 1


def commit_evals(
    params: PcsParams,
    evals: Sequence[U32],
    rng: FieldRng | None,
    mask: bool = False,
    salted: bool = True,
) -> PcsData:
    """Commit matrices given by evaluations on H_{n_i} (natural order), e.g. trace tables
    (``mask``, ``salted`` as in ``commit_coeffs``)."""
    return commit_coeffs(params, [intt(e) for e in evals], rng, mask, salted=salted)


def eval_coeffs_at(coeffs: U32, z: Sequence[int]) -> U32:
    """Evaluate each column polynomial at the extension point z: (n, w) -> (w, EXT_DEGREE)."""
    return eval_coeffs_at_points(coeffs, [z])[0]


def eval_coeffs_at_points(coeffs: U32, zs: Sequence[Sequence[int]]) -> U32:
    """Evaluate each column polynomial at every extension point: (n, w) ->
    (len(zs), w, EXT_DEGREE).

    Exact integer matmul in row chunks of 2^14 (on the parallel workers): coefficients (< 2^31)
    times 16-bit limbs of z^j (< 2^16), summed over 2^14 rows, stay below 2^61. All points share
    one pass over the coefficients."""
    n, w = coeffs.shape
    k = len(zs)
    if k == 0:
        return np.zeros((0, w, EXT_DEGREE), dtype=np.uint32)
    zp = np.concatenate(
        [fld.ext_powers(np.asarray(z, dtype=np.uint32), n).astype(np.uint64) for z in zs], axis=1
    )  # (n, EXT_DEGREE k)
    lo = zp & np.uint64(0xFFFF)
    hi = zp >> np.uint64(16)

    def rows(rng: tuple[int, int]) -> U64:
        r0, r1 = rng
        blk = coeffs[r0:r1].astype(np.uint64).T
        s_lo = fld.mod_p(blk @ lo[r0:r1])
        s_hi = fld.mod_p(blk @ hi[r0:r1])
        s_hi <<= np.uint64(16)
        s_lo += fld.mod_p(s_hi)
        return fld.mod_p(s_lo)

    acc = np.zeros((w, EXT_DEGREE * k), dtype=np.uint64)
    for part in parallel.map_blocks(rows, parallel.split(n, 1 << 14)):
        acc += part
        fld.mod_p(acc, out=acc)
    out = acc.reshape(w, k, EXT_DEGREE).transpose(1, 0, 2)
    return np.ascontiguousarray(out).astype(np.uint32)


def _dot_alpha(m: U32, alpha_pows: U32) -> U32:
    """sum_c alpha^c * m[:, c] for an (N, w) base matrix and (w, EXT_DEGREE) ext powers ->
    (N, EXT_DEGREE).

    float64 BLAS matmul on 16-bit limbs of alpha^c over chunks of 32 columns: each dot product
    is < 32 * 2^31 * 2^16 = 2^52, exact in a double. Row blocks run on the parallel workers."""
    n, w = m.shape
    lo = (alpha_pows & 0xFFFF).astype(np.float64)
    hi = (alpha_pows >> 16).astype(np.float64)
    out = np.empty((n, EXT_DEGREE), dtype=np.uint32)
    cstep = 32

    def rows(rng: tuple[int, int]) -> None:
        r0, r1 = rng
        acc = np.zeros((r1 - r0, EXT_DEGREE), dtype=np.uint64)
        for c0 in range(0, w, cstep):
            blk = m[r0:r1, c0 : c0 + cstep].astype(np.float64)
            s_lo = fld.mod_p((blk @ lo[c0 : c0 + cstep]).astype(np.uint64))
            s_hi = fld.mod_p((blk @ hi[c0 : c0 + cstep]).astype(np.uint64))
            s_hi <<= np.uint64(16)  # < 2^47
            acc += s_lo
            acc += s_hi
            fld.mod_p(acc, out=acc)
        out[r0:r1] = acc

    parallel.map_blocks(rows, parallel.split(n, _DEEP_BLOCK))
    return out


def _domain_bitrev(log_n: int) -> U32:
    """GENERATOR * omega_N^rev(i) for i < N (the LDE points in committed order)."""
    pts = fld.powers(two_adic_generator(log_n), 1 << log_n, start=GENERATOR)
    return pts[bit_reverse_indices(log_n)]


# ------------------------------------------------------------------------------------------------
# Proof structures
# ------------------------------------------------------------------------------------------------


@dataclass
class QueryProof:
    """One query: an MMCS opening per round (then R's when zk) and the FRI layer cosets."""

    inputs: list[MerkleOpening]
    fri: list[FriLayerOpening]


@dataclass
class PcsProof:
    """Everything the PCS adds to a proof besides the claimed values."""

    zk_root: int | None
    fri_roots: list[int]
    final_poly: list[ExtInt]
    pow_nonce: int
    input_caps: list[list[int]]  # per input tree (rounds, then R's when zk)
    fri_caps: list[list[int]]  # per FRI layer
    queries: list[QueryProof]


#: opened[round][matrix][point] = the w claimed values (ext) of that matrix at that point.
Opened = list[list[list[list[ExtInt]]]]


def _alpha_powers(alpha: Sequence[int], w: int) -> U32:
    return fld.ext_powers(np.asarray(alpha, dtype=np.uint32), w)


def grind(tr: NativeTranscript, bits: int, backend: str, hash_name: str = "poseidon-bn254") -> int:
    """Find the smallest nonce passing ``tr.check_pow(nonce, bits)`` and absorb it (prover
    side; ``hash_scheme.grind``); returns 0 when bits = 0."""
    return hash_scheme.grind(tr, bits, hash_name, backend)


def open_rounds(
    params: PcsParams,
    rounds: Sequence[tuple[PcsData, Sequence[Sequence[Sequence[int]]]]],
    tr: NativeTranscript,
    rng: FieldRng | None,
    unchecked: bool = False,
    lifted: bool = False,
) -> tuple[Opened, PcsProof]:
    """Open each round's matrices at their points (rounds[r] = (data, points[matrix] = list of
    ext points)) and prove it. Returns the claimed values and the proof. ``unchecked`` (tests
    only) disables the prover's own low-degree check, to exercise the verifier.

    ``lifted``: the per-table-height protocol (``pcs_verify_lifted.py``): rounds committed with
    ``lifted_height``; one challenge ``alpha_m`` per committed matrix (sampled in (round,
    matrix) order after the values, then one for the masking codeword R): matrix m's quotient at
    its k-th point takes ``alpha_m^(1 + k w_m)``, column c a further ``alpha_m^c``, and R
    ``alpha_R``, so no exponent depends on the heights; FRI folds by 2 at every layer (every
    height can take a roll-in)."""
    # 1. random masking codeword R: in a round (committed with mask=True) or its own tree
    log_top = max(h for data, _ in rounds for h in data.log_heights)
    masked = [r for r, (data, _) in enumerate(rounds) if data.mask is not None]
    if len(masked) > 1 or (masked and not params.zk):
        raise ValueError("at most one round may carry the masking codeword, and only with zk")
    r_lde: U32 | None = None
    zk_data = None
    if masked:
        mdata = rounds[masked[0]][0]
        assert mdata.mask is not None
        r_log = mdata.tree.shapes[-1].log_height - params.log_blowup
        if r_log != log_top:
            raise ValueError("the masked round must contain the tallest committed matrix")
        r_lde = mdata.lde(len(mdata.coeffs))
    elif params.zk:
        # R has the full (relaxed) degree bound, so every coefficient of the reduced polynomial,
        # and of its folds down to the final polynomial, is masked.
        r = require(rng, "zero-knowledge opening").base((params.degree_bound(log_top), EXT_DEGREE))
        if lifted:
            raise ValueError("lifted PCS: the masking codeword rides in a committed round")
        zk_data = commit_coeffs(params, [r], rng, log_heights=[log_top])
        tr.observe_digest(hash_scheme.scheme_of(params.hash).digest_const(tr.ar, zk_data.root))
        r_lde = zk_data.lde(0)
    # 2. claimed values
    opened: Opened = []
    progress.stage("open values", sum(len(data.coeffs) for data, _ in rounds))
    for data, points in rounds:
        if len(points) != len(data.coeffs):
            raise ValueError("one list of points per committed matrix")
        per_m = []
        for c, pts in zip(data.coeffs, points, strict=True):
            per_p = []
            for at_z in eval_coeffs_at_points(c, pts):
                vals = [_ext_tuple(row) for row in at_z]
                tr.observe_ext(vals)
                per_p.append(vals)
            per_m.append(per_p)
            progress.advance()
        opened.append(per_m)
    if lifted:  # one challenge per committed matrix (rounds, matrices), then R's
        n_mats = sum(len(data.coeffs) for data, _ in rounds)
        alphas = [tr.sample_ext() for _ in range(n_mats + (r_lde is not None))]
    else:
        alpha = tr.sample_ext()
    # 3. reduced openings per LDE height (see _reduce_height)
    top = log_top + params.log_blowup
    offsets: dict[int, int] = {}
    by_height: dict[int, list[_DeepMatrix]] = {}
    m_idx = 0
    for (data, points), per_m in zip(rounds, opened, strict=True):
        for i, (c, pts) in enumerate(zip(data.coeffs, points, strict=True)):
            m_idx += 1
            if not pts:
                continue
            w = c.shape[1]
            h = data.log_heights[i] + params.log_blowup
            a = alphas[m_idx - 1] if lifted else alpha
            ap = _alpha_powers(a, w)
            terms = []
            for k, (z, vals) in enumerate(zip(pts, per_m[i], strict=True)):
                v_alpha = _ext_dot(np.asarray(vals, dtype=np.uint32), ap)
                if lifted:  # alpha_m^(1 + k w): no exponent 0, so matrices never cancel
                    off = 1 + k * w
                else:
                    off = offsets.get(h, 0)
                    offsets[h] = off + w
                terms.append((_ext_tuple(z), v_alpha, fld.ext_pow_scalar(fld.ext_const(a), off)))
            by_height.setdefault(h, []).append(_DeepMatrix(data.lde(i), ap, terms))
    if top not in by_height and r_lde is None:
        raise ValueError("the tallest committed matrix must be opened at some point")
    r_term = None
    if r_lde is not None:
        if lifted:  # R's own challenge, to the first power
            r_term = (r_lde, fld.ext_const(alphas[-1]))
        else:
            r_off = offsets.get(top, 0)
            r_term = (r_lde, fld.ext_pow_scalar(fld.ext_const(alpha), r_off))
    heights = sorted(set(by_height) | ({top} if r_term is not None else set()), reverse=True)
    progress.stage("DEEP reduce", len(heights))
    reduced = {}
    for h in heights:
        reduced[h] = _reduce_height(h, by_height.get(h, []), r_term if h == top else None)
        progress.advance()
    # 4. FRI, grinding, queries
    fri_params = replace(params, log_folding_arity=1) if lifted else params
    fri_data = fri.commit_phase(fri_params, reduced, tr, unchecked)
    nonce = grind(tr, params.pow_bits, params.backend, params.hash)
    indices = []
    for _ in range(params.num_queries):
        bits = tr.sample_bits(top)
        indices.append(sum(b << j for j, b in enumerate(bits)))
    # 5. openings
    all_trees = [data.tree for data, _ in rounds]
    if zk_data is not None:
        all_trees.append(zk_data.tree)
    progress.stage("queries", len(all_trees) + 1)
    per_tree = []
    for tree in all_trees:
        lt = tree.log_max_height
        per_tree.append(mmcs.open_indices(tree, [i >> (top - lt) for i in indices]))
        progress.advance()
    queries = [
        QueryProof(
            [ops[q] for ops in per_tree],
            fri.open_query(fri_data, indices[q], top),
        )
        for q in range(len(indices))
    ]
    progress.advance()
    proof = PcsProof(
        zk_data.root if zk_data is not None else None,
        [t.root for t in fri_data.trees],
        fri_data.final_poly,
        nonce,
        [t.cap for t in all_trees],
        [t.cap for t in fri_data.trees],
        queries,
    )
    return opened, proof


def _ext_tuple(row: Sequence[int] | U32) -> ExtInt:
    if len(row) != EXT_DEGREE:
        raise ValueError(f"an extension element has {EXT_DEGREE} coefficients")
    return tuple(int(v) for v in row)


def _ext_dot(vals: U32, ap: U32) -> U32:
    """sum_c ap[c] * vals[c] for (w, EXT_DEGREE) ext arrays -> (EXT_DEGREE,)."""
    prods = fld.ext_mul(vals, ap).astype(np.uint64)
    return (prods.sum(axis=0) % _P64).astype(np.uint32)


@dataclass
class _DeepMatrix:
    """One opened matrix in the DEEP reduction: its LDE (bit-reversed rows), alpha^c per column
    and, per opening point z, (z, sum_c alpha^c v_c, alpha^offset)."""

    lde: U32
    ap: U32
    terms: list[tuple[ExtInt, U32, U32]]


def _reduce_height(log_h: int, mats: Sequence[_DeepMatrix], r_term: tuple[U32, U32] | None) -> U32:
    """ro_h(x) = sum over (matrix, point z) of alpha^off (sum_c alpha^c (M_c(x) - v_c)) / (x - z)
    (+ alpha^off R(x) at the top height) on the LDE points of height 2^log_h, bit-reversed
    order, as (2^log_h, EXT_DEGREE) uint32.

    Computed in row blocks on the parallel workers: per block, numerators are summed per
    distinct point, then multiplied by 1 / (x - z) once per point. Only the
    (2^log_h, EXT_DEGREE) result is allocated at full height."""
    N = 1 << log_h
    xs_all = _domain_bitrev(log_h)
    points: dict[ExtInt, int] = {}
    for mt in mats:
        for z, _, _ in mt.terms:
            points.setdefault(z, len(points))
    zs = [np.asarray(z, dtype=np.uint64) for z in points]
    out = np.empty((N, EXT_DEGREE), dtype=np.uint32)

    def rows(rng: tuple[int, int]) -> None:
        r0, r1 = rng
        num = np.zeros((len(zs), r1 - r0, EXT_DEGREE), dtype=np.uint64)
        for mt in mats:
            s_m = _dot_alpha(mt.lde[r0:r1], mt.ap).astype(np.uint64)
            for z, v_alpha, a_off in mt.terms:
                d = fld.sub64(s_m, v_alpha.astype(np.uint64))
                num[points[z]] = fld.add64(
                    num[points[z]], fld.ext_mul64(d, a_off.astype(np.uint64))
                )
        acc = np.zeros((r1 - r0, EXT_DEGREE), dtype=np.uint64)
        x = fld.ext_from_base64(xs_all[r0:r1].astype(np.uint64))
        for k, z64 in enumerate(zs):
            den = fld.sub64(x, z64)
            if bool(np.any(np.all(den == 0, axis=-1))):  # z on the LDE domain (negligible)
                raise ZeroDivisionError("opening point lies on the LDE domain")
            acc = fld.add64(acc, fld.ext_mul64(num[k], fld.ext_inv64(den)))
        if r_term is not None:
            r_lde, a_off = r_term  # R's EXT_DEGREE columns as one ext value per row
            rx = r_lde[r0:r1].astype(np.uint64)
            acc = fld.add64(acc, fld.ext_mul64(rx, a_off.astype(np.uint64)))
        out[r0:r1] = acc

    parallel.map_blocks(rows, parallel.split(N, _DEEP_BLOCK))
    return out


# ------------------------------------------------------------------------------------------------
# Verifier inputs (the verifier itself: ``pcs_verify.verify``)
# ------------------------------------------------------------------------------------------------


@dataclass
class RoundClaim(Generic[E, D]):
    """What the verifier knows about one committed round: its root, the degree-bound shapes of
    its matrices, the points each matrix is opened at and the claimed values there."""

    root: D
    shapes: list[MatrixShape]
    points: list[list[E]]
    values: list[list[list[E]]]
    #: The round also commits the zk masking codeword (``commit_*(..., mask=True)``).
    has_mask: bool = False
    #: Whether the round's leaves are salted (``commit_*(..., salted=False)``: public data).
    salted: bool = True
    #: Matrices (indices into ``shapes``) known to be zero: a verifier specialised to empty
    #: tables (``verifier.verify_with(..., zero_tables=...)``) takes their opened rows as the
    #: constant 0 instead of reading them (lifted PCS only). Their leaf digests are then
    #: constants, bound to the proof by the Merkle path like any other.
    zero: frozenset[int] = frozenset()


# ------------------------------------------------------------------------------------------------
# Shape and serialization
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PcsShape:
    """Everything that fixes the layout of a PCS proof: parameters, each round's degree-bound
    matrix shapes, and how many points each matrix is opened at."""

    params: PcsParams
    rounds: tuple[tuple[MatrixShape, ...], ...]
    points: tuple[tuple[int, ...], ...]
    #: Index of the round that also commits the zk masking codeword (None: its own tree).
    masked_round: int | None = None
    #: Indices of rounds committed without salts (public data, ``salted=False``).
    unsalted_rounds: tuple[int, ...] = ()
    #: Lifted layout (``open_rounds(lifted=True)``): each round's tree LDE log height (the
    #: largest is the FRI input's); None: the injection layout.
    lifted_trees: tuple[int, ...] | None = None

    @property
    def own_r_tree(self) -> bool:
        return self.params.zk and self.masked_round is None

    @property
    def top(self) -> int:
        return max(s.log_height for r in self.rounds for s in r) + self.params.log_blowup

    def opened_heights(self) -> list[int]:
        lb = self.params.log_blowup
        hs = {
            s.log_height + lb
            for r, pts in zip(self.rounds, self.points, strict=True)
            for s, k in zip(r, pts, strict=True)
            if k
        }
        if self.params.zk:
            hs.add(self.top)
        return sorted(hs, reverse=True)

    @staticmethod
    def of_claims(params: PcsParams, claims: Sequence[RoundClaim[E, D]]) -> PcsShape:
        """The shape the verifier's claims fix (round shapes, point counts, mask, salting)."""
        masked = [r for r, c in enumerate(claims) if c.has_mask]
        return PcsShape(
            params,
            tuple(tuple(c.shapes) for c in claims),
            tuple(tuple(len(p) for p in c.points) for c in claims),
            masked[0] if len(masked) == 1 else None,
            tuple(r for r, c in enumerate(claims) if not c.salted),
        )

    def input_trees(self) -> list[list[MatrixShape]]:
        """MMCS (LDE) shapes of each input tree, the random codeword's last when zk."""
        lb = self.params.log_blowup
        trees = [[MatrixShape(s.log_height + lb, s.width) for s in r] for r in self.rounds]
        if self.masked_round is not None:
            trees[self.masked_round].append(MatrixShape(self.top, EXT_DEGREE))
        elif self.params.zk:
            trees.append([MatrixShape(self.top, EXT_DEGREE)])
        return trees


def digest_kind(params: PcsParams) -> DigestKind:
    """The codec's digest kind of a proof with these parameters."""
    return "bn254" if params.hash == "poseidon-bn254" else "babybear"


#: (input tree, matrix) pairs whose opened rows a proof encoding omits because they are all
#: zero (``proof.encode_proof``: empty tables); the decoder restores them as zeros.
ZeroRows = frozenset[tuple[int, int]]


def write_proof(w: Writer, shape: PcsShape, proof: PcsProof, zero: ZeroRows = frozenset()) -> None:
    """Encode a PCS proof (layout fixed by ``shape``; see ``read_proof``), leaving out the rows
    of the matrices in ``zero`` (``ValueError`` unless they are all zero)."""
    p = shape.params
    w.digest_kind = digest_kind(p)
    if (proof.zk_root is not None) != shape.own_r_tree:
        raise ValueError("proof and shape disagree on the random-codeword tree")
    if proof.zk_root is not None:
        w.digest(proof.zk_root)
    for r in proof.fri_roots:
        w.digest(r)
    for c in proof.final_poly:
        w.ext(c)
    if p.pow_bits:
        w.u64(proof.pow_nonce)
    for cap in [*proof.input_caps, *proof.fri_caps]:
        for d in cap:
            w.digest(d)
    for qp in proof.queries:
        for t, op in enumerate(qp.inputs):
            for i, row in enumerate(op.rows):
                if (t, i) not in zero:
                    w.bases(row)
                elif any(row):
                    raise ValueError(f"rows of matrix {i} of tree {t} are not zero")
            for salt in op.salts:
                w.bases(salt)
            for lvl in op.siblings:
                for d in lvl:
                    w.digest(d)
        for lo in qp.fri:
            for v in lo.row:
                w.ext(v)
            for lvl in lo.siblings:
                for d in lvl:
                    w.digest(d)


def _rows(r: Reader, widths: Sequence[int], t: int, zero: ZeroRows, what: str) -> list[list[int]]:
    """One opening's rows of input tree t (one per matrix of these widths); the matrices in
    ``zero`` are not in the bytes and come back as zeros."""
    return [[0] * w if (t, i) in zero else r.bases(w, what) for i, w in enumerate(widths)]


def read_proof(r: Reader, shape: PcsShape, zero: ZeroRows = frozenset()) -> PcsProof:
    """Decode a PCS proof whose layout is fixed by ``shape``: every count comes from the shape,
    every value is checked canonical; raises ``ProofFormatError``. The rows of the matrices in
    ``zero`` are not read (``write_proof``): they are zero."""
    p = shape.params
    r.digest_kind = digest_kind(p)
    if shape.lifted_trees is not None:
        return _read_lifted(r, shape, shape.lifted_trees, zero)
    try:
        hs = shape.opened_heights()
        if not hs or hs[0] != shape.top:
            raise ProofFormatError("PCS shape: the tallest matrix is never opened")
        schedule = fri.fold_schedule(p, hs)
    except ValueError as e:
        raise ProofFormatError(f"PCS shape: {e}") from e
    final_len = fri.final_poly_len(p, hs)
    if shape.masked_round is not None and not (
        p.zk and 0 <= shape.masked_round < len(shape.rounds)
    ):
        raise ProofFormatError("PCS shape: bad masked round")
    zk_root = r.digest("random-codeword root") if shape.own_r_tree else None
    fri_roots = r.digests(len(schedule), "FRI layer roots")
    final_poly = r.exts(final_len, "FRI final polynomial")
    nonce = r.u64("proof-of-work nonce") if p.pow_bits else 0
    if p.hash == "poseidon2-babybear" and nonce >= P:
        raise ProofFormatError("proof-of-work nonce is not a BabyBear element")
    trees = shape.input_trees()
    in_cfg = _input_config(p)
    fri_cfg = fri.layer_config(p)
    tree_plans = []
    input_caps = []
    for t, shapes in enumerate(trees):
        groups = mmcs.group_heights(shapes)
        log_cap, below = mmcs.cap_plan(shapes, in_cfg)
        arities = mmcs.level_log_arities(
            [s.log_height for s in shapes], p.merkle_arity.bit_length() - 1
        )[:below]
        input_caps.append(r.digests(1 << log_cap, f"Merkle cap of round {t}"))
        salt = 0 if t in shape.unsalted_rounds else p.commit_salt_len
        tree_plans.append((shapes, len(groups), arities, salt))
    layer_plans = []
    fri_caps = []
    for k, (la, lshape) in enumerate(zip(schedule, fri.layer_shapes(p, hs), strict=True)):
        log_cap, below = mmcs.cap_plan([lshape], fri_cfg)
        arities = mmcs.level_log_arities([lshape.log_height], p.merkle_arity.bit_length() - 1)
        fri_caps.append(r.digests(1 << log_cap, f"Merkle cap of FRI layer {k}"))
        layer_plans.append((la, arities[:below]))
    queries = []
    for q in range(p.num_queries):
        inputs = []
        for t, (shapes, n_groups, arities, salt) in enumerate(tree_plans):
            what = f"query {q} round {t}"
            rows = _rows(r, [s.width for s in shapes], t, zero, what)
            salts = [r.bases(salt, what) for _ in range(n_groups)]
            sibs = [r.digests((1 << la) - 1, what) for la in arities]
            inputs.append(MerkleOpening(rows, salts, sibs))
        layers = []
        for k, (la, arities) in enumerate(layer_plans):
            what = f"query {q} FRI layer {k}"
            row = r.exts(1 << la, what)
            sibs = [r.digests((1 << a) - 1, what) for a in arities]
            layers.append(FriLayerOpening(row, sibs))
        queries.append(QueryProof(inputs, layers))
    return PcsProof(zk_root, fri_roots, final_poly, nonce, input_caps, fri_caps, queries)


def lifted_final_len(params: PcsParams, log_top: int) -> int:
    """Final polynomial length of a lifted proof whose FRI input has LDE log height
    ``log_top`` (binary folds down to the final domain)."""
    fp = replace(params, log_folding_arity=1)
    return fri.final_poly_len(fp, [log_top, params.log_final_lde + 1])


def _read_lifted(r: Reader, shape: PcsShape, trees: Sequence[int], zero: ZeroRows) -> PcsProof:
    """``read_proof`` of the lifted layout: one binary tree per round (height ``trees[r]``,
    rows per matrix, one salt per leaf, one sibling per level below the cap), FRI folding by 2
    from the top ``H`` (layer j: a pair of ext values and ``H - j - 1`` levels less its cap)."""
    p = shape.params
    if len(trees) != len(shape.rounds) or (p.zk and shape.masked_round is None):
        raise ProofFormatError("PCS shape: lifted trees do not match the rounds")
    H = max(trees)
    final_log = p.log_final_lde
    if final_log >= H:
        raise ProofFormatError("PCS shape: the top is not above the final FRI domain")
    fri_roots = r.digests(H - final_log, "FRI layer roots")
    final_poly = r.exts(lifted_final_len(p, H), "FRI final polynomial")
    nonce = r.u64("proof-of-work nonce") if p.pow_bits else 0
    if nonce >= P:
        raise ProofFormatError("proof-of-work nonce is not a BabyBear element")
    in_cfg = _input_config(p)
    fri_cfg = fri.layer_config(p)
    input_caps = []
    plans = []
    for t, (shapes, T) in enumerate(zip(shape.rounds, trees, strict=True)):
        lc = mmcs_lifted.log_cap(in_cfg, T)
        input_caps.append(r.digests(1 << lc, f"Merkle cap of round {t}"))
        widths = [s.width for s in shapes] + ([EXT_DEGREE] if t == shape.masked_round else [])
        salt = 0 if t in shape.unsalted_rounds else p.commit_salt_len
        plans.append((widths, salt, T - lc))
    fri_caps = []
    for j in range(H - final_log):
        lc = min(fri_cfg.max_log_cap, H - j - 1)
        fri_caps.append(r.digests(1 << lc, f"Merkle cap of FRI layer {j}"))
    queries = []
    for q in range(p.num_queries):
        inputs = []
        for t, (widths, salt, levels) in enumerate(plans):
            what = f"query {q} round {t}"
            rows = _rows(r, widths, t, zero, what)
            salts = [r.bases(salt, what)]
            inputs.append(MerkleOpening(rows, salts, [r.digests(1, what) for _ in range(levels)]))
        layers = []
        for j in range(H - final_log):
            what = f"query {q} FRI layer {j}"
            row = r.exts(2, what)
            below = H - j - 1 - min(fri_cfg.max_log_cap, H - j - 1)
            layers.append(FriLayerOpening(row, [r.digests(1, what) for _ in range(below)]))
        queries.append(QueryProof(inputs, layers))
    return PcsProof(None, fri_roots, final_poly, nonce, input_caps, fri_caps, queries)


def check_structure(shape: PcsShape, proof: PcsProof) -> None:
    """Check that ``proof`` has exactly the structure (every list length, the presence of the
    random-codeword root) of a proof of ``shape``, as ``read_proof`` would lay it out; raises
    ``ValueError`` naming the shape problem, or ``ProofFormatError`` for a mismatch. The
    verifier maps proof lists onto fixed slots, so a proof object built in memory must not
    carry extra or missing entries (values are checked canonical when the verifier reads them)."""
    if _structure(proof) != _shape_structure(shape):
        raise ProofFormatError("PCS proof structure does not match its shape")


@functools.lru_cache(maxsize=16)
def _shape_structure(shape: PcsShape) -> object:
    return _structure(read_proof(_ZeroReader(), shape))


class _ZeroReader(Reader):
    """Reads zeros: ``read_proof`` with it yields the structure of a proof of a shape."""

    def __init__(self) -> None:
        super().__init__(b"")

    def _uint(self, nbits: int, what: str) -> int:
        return 0

    def _bases(self, n: int, what: str) -> list[int]:
        return [0] * n


def _structure(x: object) -> object:
    """Nested list lengths of a proof object: a list of values (rows, digests, an extension
    element) by its length, values replaced by None."""
    if isinstance(x, list | tuple):
        if x and isinstance(x[0], int):
            return len(x)
        return [_structure(v) for v in x]
    if hasattr(x, "__dataclass_fields__"):
        return {k: _structure(getattr(x, k)) for k in x.__dataclass_fields__}
    return None if isinstance(x, int) else repr(type(x))


__all__ = [
    "Opened",
    "PcsData",
    "PcsProof",
    "PcsShape",
    "QueryProof",
    "RoundClaim",
    "check_structure",
    "commit_coeffs",
    "commit_evals",
    "eval_coeffs_at",
    "eval_coeffs_at_points",
    "grind",
    "open_rounds",
    "read_proof",
    "write_proof",
]
