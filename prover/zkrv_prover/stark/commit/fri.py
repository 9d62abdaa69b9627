"""FRI over the extension field (``field.EXT_DEGREE`` coefficients per value) with folding arity
up to 16, roll-in of shorter inputs, and a final polynomial sent in the clear.

Codewords are evaluations on cosets in **bit-reversed order** (see ``ntt.lde_bitrev``): layer k
holds f_k on ``s_k * H_{N_k}`` with s_0 = GENERATOR and s_{k+1} = s_k^{a_k}. In bit-reversed
order the a_k points of a folding coset ``{x ω_a^t}`` are consecutive, so layer k is committed as
an (N_k / a_k, EXT_DEGREE a_k) matrix (one Merkle leaf per coset) and the folded index is
``i >> log a_k``.

Folding: with f(X) = sum_{r<a} X^r f_r(X^a), ``fold(f, β)(y) = sum_r β^r f_r(y)``. From the coset
values e (bit-reversed, so an inverse DIT transform reads them in place),
``x^r f_r(x^a) = (1/a) sum_j ω_a^(-rj) e'_j`` and the folded value is Horner in ``β / x``.

Schedule (shape-driven): starting at the tallest input height, each layer folds by
``min(2^LOG_FOLDING_ARITY, 2^(current - next stop))`` where the stops are the heights of shorter
inputs (their reduced openings are *rolled in* right after the fold that reaches their height:
``f_{k+1} = fold(f_k, β_k) + β_k^{a_k} * input_h``) and the final domain.

Degree bounds (``final_poly_len``): the input at LDE height h has the committed degree bound of
height h - LOG_BLOWUP (``PcsParams.degree_bound``: 2^(h-b), or the relaxed 2^(h-b) (1 + 2^-6)
under zk). Folding by a maps a bound d to ceil(d / a) (f = sum_{r<a} X^r f_r(X^a) with every
deg f_r < ceil(d / a)), a roll-in takes the larger bound, and the final codeword must be a
polynomial with exactly the resulting number of coefficients: 2^LOG_FINAL_POLY_LEN, plus
2^(LOG_FINAL_POLY_LEN - 6) under zk (fewer when inputs are tiny). Its coefficients are sent and
the verifier evaluates it at each query's final point. With relaxed bounds and every height and
the final length >= 2^ZK_LOG_HEADROOM the divisions are exact, so FRI proves precisely the
relaxed bound; below that the ceilings round up by at most one coefficient.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from zkrv_prover import progress
from zkrv_prover.stark.commit import mmcs
from zkrv_prover.stark.commit.mmcs import MatrixShape, MmcsConfig
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.commit.transcript import FiatShamir
from zkrv_prover.stark.field import field as fld
from zkrv_prover.stark.field.arith import Arith, B, Bit, D, E, b_pow_bits, select_e_by_bits
from zkrv_prover.stark.field.field import (
    EXT_DEGREE,
    GENERATOR,
    ExtInt,
    P,
    inv_int,
    two_adic_generator,
)
from zkrv_prover.stark.field.ntt import bit_reverse_indices, coset_intt, intt

U32 = npt.NDArray[np.uint32]


def final_log_height(params: PcsParams, input_log_heights: Sequence[int]) -> int:
    """log2 of the final codeword's domain: the final-polynomial domain, or the shortest input
    when that is shorter (every input must be rolled in before the end)."""
    return min(params.log_final_lde, min(input_log_heights))


def final_poly_len(params: PcsParams, input_log_heights: Sequence[int]) -> int:
    """Number of coefficients of the final polynomial: the inputs' degree bounds carried
    through the fold schedule (module doc). Raises ``ValueError`` if that leaves less than a
    no redundancy on the final domain (degenerate parameters: the last check would be void)."""
    hs = sorted(set(input_log_heights), reverse=True)
    lb = params.log_blowup
    schedule = fold_schedule(params, hs)
    cur = hs[0]
    bound = params.degree_bound(cur - lb)
    for la in schedule:
        bound = -(-bound >> la)  # ceil(bound / 2^la)
        cur -= la
        if cur in hs:
            bound = max(bound, params.degree_bound(cur - lb))
    if bound >= 1 << cur:
        raise ValueError(f"final polynomial of {bound} coefficients on 2^{cur} points")
    return bound


def fold_schedule(params: PcsParams, input_log_heights: Sequence[int]) -> list[int]:
    """log2 of each layer's folding arity, top layer first."""
    hs = sorted(set(input_log_heights), reverse=True)
    if hs[-1] < params.log_blowup:
        raise ValueError("an FRI input is shorter than the blowup")
    final = final_log_height(params, hs)
    out = []
    cur = hs[0]
    while cur > final:
        stops = [h for h in hs if h < cur] + [final]
        la = min(params.log_folding_arity, cur - max(stops))
        out.append(la)
        cur -= la
    return out


def layer_shifts(schedule: Sequence[int]) -> list[int]:
    """The coset shift of each layer's domain, plus the final domain's shift (last entry)."""
    shifts = [GENERATOR]
    for la in schedule:
        shifts.append(pow(shifts[-1], 1 << la, P))
    return shifts


def layer_config(params: PcsParams) -> MmcsConfig:
    # FRI layers are not salted: with zk the codeword is masked by a random codeword already.
    return MmcsConfig(
        max_arity=params.merkle_arity,
        salt_len=0,
        backend=params.backend,
        max_log_cap=params.log_cap,
        hash=params.hash,
    )


def layer_shapes(params: PcsParams, input_log_heights: Sequence[int]) -> list[MatrixShape]:
    """The committed matrix shape of each FRI layer: (N_k / a_k rows, EXT_DEGREE a_k
    columns)."""
    cur = max(input_log_heights)
    out = []
    for la in fold_schedule(params, input_log_heights):
        out.append(MatrixShape(cur - la, EXT_DEGREE << la))
        cur -= la
    return out


# ------------------------------------------------------------------------------------------------
# Prover
# ------------------------------------------------------------------------------------------------


#: Cosets folded per vectorized step: bounds the fold's temporaries (the extension products
#: take EXT_DEGREE^2 uint64 per coset) to a few MiB whatever the codeword's length.
_FOLD_BLOCK = 1 << 15


def fold_codeword(cur: U32, beta: Sequence[int], log_arity: int, shift: int) -> U32:
    """Fold an (N, EXT_DEGREE) bit-reversed codeword on shift * H_N by 2^log_arity with
    challenge beta."""
    n = cur.shape[0]
    a = 1 << log_arity
    m = n // a
    log_n = n.bit_length() - 1
    d = EXT_DEGREE
    cosets = cur.reshape(m, a, d)
    rev_a = bit_reverse_indices(log_arity)
    # 1 / x_b = shift^-1 * omega_N^(-rev_m(b))
    inv_om = inv_int(two_adic_generator(log_n))
    inv_x = fld.powers(inv_om, m, start=inv_int(shift))[bit_reverse_indices(m.bit_length() - 1)]
    beta_c = fld.ext_const(beta)
    out = np.empty((m, d), dtype=np.uint32)
    for s in range(0, m, _FOLD_BLOCK):  # blocks of cosets: memory, not a loop over rows
        e = min(m, s + _FOLD_BLOCK)
        v = cosets[s:e][:, rev_a, :]  # natural order per coset
        c = intt(np.ascontiguousarray(v.transpose(1, 0, 2)).reshape(a, (e - s) * d))
        c = c.reshape(a, e - s, d)
        gamma = fld.ext_mul_base(np.broadcast_to(beta_c, (e - s, d)), inv_x[s:e])
        acc = c[a - 1]
        for r in range(a - 2, -1, -1):  # loop over the arity (<= 16), not rows
            acc = fld.ext_add(fld.ext_mul(acc, gamma), c[r])
        out[s:e] = acc
    return out


@dataclass
class FriProverData:
    """The committed layers and what the query phase needs."""

    schedule: list[int]
    trees: list[mmcs.MerkleTree]
    final_poly: list[ExtInt]


def commit_phase(
    params: PcsParams,
    inputs: Mapping[int, U32],
    tr: FiatShamir[int, ExtInt, int, int],
    unchecked: bool = False,
) -> FriProverData:
    """Commit to the FRI layers of the reduced openings ``inputs`` (log height ->
    (2^h, EXT_DEGREE) bit-reversed ext codeword), sampling each folding challenge from ``tr``.

    ``unchecked`` (tests only) plays a cheating prover: instead of refusing a final codeword of
    too high degree it sends the truncated polynomial."""
    hs = sorted(inputs, reverse=True)
    schedule = fold_schedule(params, hs)
    shifts = layer_shifts(schedule)
    cur = np.ascontiguousarray(inputs[hs[0]], dtype=np.uint32)
    log_cur = hs[0]
    cfg = layer_config(params)
    trees = []
    progress.stage("FRI folding", len(schedule) + 1)  # one unit per layer, one for the final poly
    for k, la in enumerate(schedule):
        a = 1 << la
        tree = mmcs.commit([cur.reshape(-1, EXT_DEGREE * a)], cfg, None)
        trees.append(tree)
        tr.observe_digest(cfg.scheme.digest_const(tr.ar, tree.root))
        beta = tr.sample_ext()
        cur = fold_codeword(cur, beta, la, shifts[k])
        log_cur -= la
        if log_cur in inputs:
            ba = fld.ext_pow_scalar(fld.ext_const(beta), a)
            cur = fld.ext_add(cur, fld.ext_mul(inputs[log_cur], ba))
        progress.advance()
    # Final codeword: interpolate on shifts[-1] * H and check the degree bound.
    final_len = final_poly_len(params, hs)
    coeffs = coset_intt(cur[bit_reverse_indices(log_cur)], shifts[-1])
    if np.any(coeffs[final_len:]) and not unchecked:
        raise ValueError("FRI final codeword is not low-degree: the committed inputs are wrong")
    final_poly: list[ExtInt] = [tuple(int(v) for v in row) for row in coeffs[:final_len]]
    tr.observe_ext(final_poly)
    progress.advance()
    return FriProverData(schedule, trees, final_poly)


@dataclass
class FriLayerOpening:
    """A folding coset of one layer (a ext values, bit-reversed order) and its Merkle path."""

    row: list[ExtInt]
    siblings: list[list[int]]


def open_query(data: FriProverData, index: int, log_max: int) -> list[FriLayerOpening]:
    """The layer openings for query index ``index`` (an index into the tallest input)."""
    out = []
    idx = index
    for tree, la in zip(data.trees, data.schedule, strict=True):
        row_idx = idx >> la
        op = mmcs.open_indices(tree, [row_idx])[0]
        vals = op.rows[0]
        d = EXT_DEGREE
        row = [tuple(int(v) for v in vals[d * t : d * (t + 1)]) for t in range(1 << la)]
        out.append(FriLayerOpening(row, op.siblings))
        idx = row_idx
    return out


# ------------------------------------------------------------------------------------------------
# Verifier (generic)
# ------------------------------------------------------------------------------------------------


def domain_point(
    ar: Arith[B, E, D, Bit], shift: int, log_root: int, index_bits: Sequence[Bit]
) -> B:
    """shift * omega_{2^log_root}^rev(index), where rev reverses the len(index_bits) bits of the
    index given little-endian. With log_root = len(index_bits) this is the point at bit-reversed
    position ``index`` of shift * H; with a larger root it is a folding coset's base point."""
    return ar.b_mul(ar.b_const(shift), _rev_pow(ar, log_root, index_bits))


def _idft_bitrev(ar: Arith[B, E, D, Bit], vals: Sequence[E], log_a: int) -> list[E]:
    """a * (inverse DFT) of values given in bit-reversed order; output in natural order
    (iterative DIT with inverse roots; the 1/a factor is left to the caller)."""
    x = list(vals)
    a = 1 << log_a
    size = 2
    while size <= a:
        half = size // 2
        w = inv_int(two_adic_generator(size.bit_length() - 1))
        for start in range(0, a, size):
            wj = 1
            for j in range(half):
                u = x[start + j]
                t = x[start + j + half]
                if wj != 1:
                    t = ar.e_mul_base(t, ar.b_const(wj))
                x[start + j] = ar.e_add(u, t)
                x[start + j + half] = ar.e_sub(u, t)
                wj = wj * w % P
        size *= 2
    return x


def fold_row(ar: Arith[B, E, D, Bit], row: Sequence[E], x: B, beta: E, log_a: int) -> E:
    """Fold one coset (a values in bit-reversed order at x * omega_a^rev(t)) with challenge
    beta: sum_r (beta / x)^r * c_r where c = inverse DFT of the coset values."""
    c = _idft_bitrev(ar, row, log_a)
    gamma = ar.e_mul_base(beta, ar.b_inv(x))
    acc = c[-1]
    for r in range(len(c) - 2, -1, -1):
        acc = ar.e_add(ar.e_mul(acc, gamma), c[r])
    return ar.e_mul_base(acc, ar.b_const(inv_int(1 << log_a)))


def verify_query(
    ar: Arith[B, E, D, Bit],
    params: PcsParams,
    input_log_heights: Sequence[int],
    caps: Sequence[Sequence[Any]],
    betas: Sequence[E],
    final_poly: Sequence[E],
    index_bits: Sequence[Bit],
    reduced: Mapping[int, E],
    openings: Sequence[FriLayerOpening],
    q: int,
) -> None:
    """Check one query of a FRI proof on its own (inputs of fixed heights; the PCS verifier
    runs :func:`verify_layers` itself): ``reduced`` maps each input log height to its reduced
    opening at this query; ``caps`` are the layers' Merkle caps, already checked against the
    layer roots (``mmcs.verify_cap``)."""
    hs = sorted(set(input_log_heights), reverse=True)
    schedule = fold_schedule(params, hs)
    log_max = hs[0]
    if len(index_bits) != log_max:
        raise ValueError("FRI query has the wrong shape")
    if len(caps) != len(schedule) or len(betas) != len(schedule):
        raise ValueError("FRI commitments have the wrong shape")

    def shift_of(log_cur: int) -> B:
        return ar.b_const(pow(GENERATOR, 1 << (log_max - log_cur), P))

    rollins = {h: v for h, v in reduced.items() if h != log_max}
    verify_layers(
        ar, params, caps, betas, final_poly, schedule, log_max, index_bits, reduced[log_max],
        rollins, shift_of, openings, 0, q,
    )  # fmt: skip


def verify_layers(
    ar: Arith[B, E, D, Bit],
    params: PcsParams,
    caps: Sequence[Sequence[Any]],
    betas: Sequence[E],
    final_poly: Sequence[E],
    schedule: Sequence[int],
    log_start: int,
    bits: Sequence[Bit],
    expected: E,
    rollins: Mapping[int, E],
    shift_of: Callable[[int], B],
    openings: Sequence[FriLayerOpening],
    first_layer: int,
    q: int,
) -> None:
    """The FRI layers of a fixed ``schedule`` from LDE log height ``log_start`` to the final
    check, for one query: each layer's opened coset contains ``expected`` (then the previous
    fold plus the roll-ins ``rollins[h]`` of inputs at log height h), the cosets open the layer
    caps, and the last fold equals the final polynomial at the final point. ``bits`` are the
    index bits *top-aligned*: a codeword of log size l is indexed by ``bits[len(bits) - l:]``;
    ``shift_of(l)`` is that codeword's coset shift. Layers are numbered from ``first_layer`` in
    messages."""
    if len(openings) != len(schedule):
        raise ValueError("FRI query has the wrong number of layers")
    cfg = layer_config(params)
    n = len(bits)
    log_cur = log_start
    for k, la in enumerate(schedule):
        what = f"FRI layer {first_layer + k} query {q}"
        off = n - log_cur
        pos_bits, row_bits = bits[off : off + la], bits[off + la :]
        op = openings[k]
        if len(op.row) != 1 << la:
            raise ValueError(f"{what}: opening has the wrong arity")
        row = [ar.e_input_committed(v) for v in op.row]  # checked by verify_opening below
        flat: list[B] = [x for v in row for x in ar.e_coeffs(v)]
        sibs = [[cfg.scheme.digest_input(ar, s) for s in lvl] for lvl in op.siblings]
        shape = MatrixShape(log_cur - la, EXT_DEGREE << la)
        mmcs.verify_opening(ar, cfg, caps[k], [shape], row_bits, [flat], [[]], sibs, what)
        ar.e_assert_eq(select_e_by_bits(ar, row, pos_bits), expected, f"{what} value")
        x = ar.b_mul(shift_of(log_cur), _rev_pow(ar, log_cur, row_bits))
        expected = fold_row(ar, row, x, betas[k], la)
        log_cur -= la
        if log_cur in rollins:
            beta_a = betas[k]
            for _ in range(la):
                beta_a = ar.e_mul(beta_a, beta_a)
            expected = ar.e_add(expected, ar.e_mul(beta_a, rollins[log_cur]))
    x_final = ar.b_mul(shift_of(log_cur), _rev_pow(ar, log_cur, bits[n - log_cur :]))
    ar.e_assert_eq(
        eval_final_poly(ar, final_poly, x_final), expected, f"FRI final polynomial query {q}"
    )


def _rev_pow(ar: Arith[B, E, D, Bit], log_root: int, index_bits: Sequence[Bit]) -> B:
    """omega_{2^log_root}^rev(index) for little-endian ``index_bits`` (see ``domain_point``)."""
    # rev(index) = sum_m bit_m 2^(l - 1 - m): feed the bits most significant first.
    return b_pow_bits(ar, two_adic_generator(log_root), list(reversed(index_bits)))


def eval_final_poly(ar: Arith[B, E, D, Bit], coeffs: Sequence[E], x: B) -> E:
    """sum_j c_j x^j as a sum of products with the base-field powers of x (not Horner): the
    products are independent, so a circuit ``Arith`` can add them unreduced and reduce once,
    where Horner's chain would need a reduction of the accumulator at every step.

    The powers are x^(s a + b) = (x^s)^a * x^b (baby steps x^b, b < s, giant steps (x^s)^a,
    s ~ sqrt(len)): a circuit then reduces about 2 sqrt(len) distinct factors once each (its
    reductions are memoized per value) instead of nearly every power of one long chain, which
    grows by 31 bits per step (2^16 bench verifier: -6K constraints per query)."""
    n = len(coeffs)
    s = max(1, math.isqrt(n - 1))
    if s * s < n - 1:
        s += 1
    one = ar.b_const(1)
    low = [one, x]
    while len(low) <= s:
        low.append(ar.b_mul(low[-1], x))
    high = [one, low[s]]
    while len(high) <= (n - 1) // s:
        high.append(ar.b_mul(high[-1], low[s]))
    acc = coeffs[0]
    for j in range(1, n):
        a, b = divmod(j, s)
        xp = high[a] if b == 0 else low[b] if a == 0 else ar.b_mul(high[a], low[b])
        acc = ar.e_add(acc, ar.e_mul_base(coeffs[j], xp))
    return acc
