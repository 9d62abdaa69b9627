"""Quotient (prover, numpy) against the out-of-domain check (verifier, through NativeArith),
without the PCS: polynomials are evaluated at zeta directly from their coefficients."""

from __future__ import annotations

import numpy as np
import pytest

from zkrv_prover.stark.air import logup, quotient, zk
from zkrv_prover.stark.air.air import Op, TableLayout, compile_machine
from zkrv_prover.stark.air.ood import GroupMember, TableOpenings, check_group, uses_next
from zkrv_prover.stark.examples import bench_air, fibonacci, range_check
from zkrv_prover.stark.field import ntt
from zkrv_prover.stark.field.arith import NativeArith, VerificationError
from zkrv_prover.stark.field.field import (
    EXT_DEGREE,
    EXT_ZERO,
    GENERATOR,
    P,
    ext_embed,
    ext_mul_int,
    two_adic_generator,
)
from zkrv_prover.stark.field.randomness import FieldRng

Ext = tuple[int, ...]


def _eval_cols(coeffs: np.ndarray, z: Ext) -> list[Ext]:
    """Each column polynomial (coefficients (N, w)) at the extension point z (Horner)."""
    out = []
    for col in coeffs.T.tolist():
        acc: Ext = EXT_ZERO
        for c in reversed(col):
            m = ext_mul_int(acc, z)
            acc = ((m[0] + c) % P, *m[1:])
        out.append(acc)
    return out


def _prove_and_check(
    lay: TableLayout,
    trace: np.ndarray,
    pub: list[int],
    mp: zk.MaskPlan,
    seed: int,
    strict: bool = True,
) -> None:
    """Mask, evaluate the quotient on its coset, split and blind it, then run the verifier's
    out-of-domain check on values computed from the coefficients."""
    rng = np.random.default_rng(seed)
    mask_rng = FieldRng.seeded(seed)
    n = trace.shape[0]
    ch = rng.integers(0, P, size=(3, EXT_DEGREE), dtype=np.uint64)
    alpha, beta, gamma = ch[0], ch[1], ch[2]
    if lay.has_logup:  # blinds on every row: the constraints hold for any blind column
        trace = logup.with_blind(lay, trace, mask_rng.base((n, EXT_DEGREE)))
    mats = {"main": trace}
    cumsum = None
    if lay.has_logup:
        aux, cumsum = logup.aux_trace(
            lay, trace, lay.preprocessed, pub, alpha.astype(np.uint32), beta.astype(np.uint32)
        )
        mats["aux"] = aux.reshape(n, -1)
    if lay.preprocessed is not None:
        mats["pre"] = lay.preprocessed
    coeffs = {}
    for k, m in mats.items():
        coeffs[k] = ntt.intt(m) if k == "pre" else zk.mask_coeffs(ntt.intt(m), mp, mask_rng)
    Nd = mp.degree_bound
    M = quotient.quotient_domain_size(lay.degree, n, Nd)
    c = quotient.num_chunks(lay.degree, n, Nd)
    lde = {}
    for k, co in coeffs.items():
        pad = np.zeros((M, co.shape[1]), dtype=np.uint32)
        pad[: co.shape[0]] = co
        lde[k] = ntt.coset_ntt(pad, GENERATOR)
    aux_lde = lde.get("aux")
    leaves = quotient.QuotientLeaves(
        n,
        quotient.domain_points(M, GENERATOR),
        lde["main"],
        lde.get("pre"),
        None if aux_lde is None else aux_lde.reshape(M, -1, EXT_DEGREE),
        pub,
        np.stack([alpha, beta]),
        None if cumsum is None else cumsum.astype(np.uint64),
    )
    q = quotient.combined_quotient(lay, leaves, gamma)
    top = quotient.quotient_len(lay.degree, n, Nd)
    coeffs_q = quotient.quotient_coeffs(q, GENERATOR, min(c * n, top), strict)
    chunks = quotient.split_coeffs(coeffs_q, n, Nd, c, mask_rng if n < Nd else None)
    assert chunks.shape == (Nd, EXT_DEGREE * c)
    _check_recombination(chunks, q, n, c)
    zeta: Ext = tuple(int(v) for v in rng.integers(0, P, size=EXT_DEGREE))
    h = two_adic_generator(n.bit_length() - 1)
    zh: Ext = ext_mul_int(zeta, ext_embed(h))

    def at(k: str, nxt: bool) -> list[Ext]:
        if k not in coeffs:
            return []
        return _eval_cols(coeffs[k], zh if nxt else zeta)

    ops = TableOpenings(
        main=at("main", False),
        main_next=at("main", True) if uses_next(lay, Op.MAIN) else [],
        pre=at("pre", False),
        pre_next=at("pre", True) if uses_next(lay, Op.PRE) else [],
        aux=at("aux", False),
        aux_next=at("aux", True) if uses_next(lay, Op.AUX) else [],
        quotient=_eval_cols(chunks, zeta),
    )
    ar = NativeArith()
    chals = [ar.e_const(alpha.tolist()), ar.e_const(beta.tolist())]
    cs = None if cumsum is None else ar.e_const(cumsum.tolist())
    member = GroupMember(lay, ops, cs)
    check_group(ar, [member], ops.quotient, pub, chals, ar.e_const(gamma.tolist()), zeta, n)


def _check_recombination(chunks: np.ndarray, q_evals: np.ndarray, n: int, c: int) -> None:
    """sum_j x^(j n) Q_j'(x) equals Q (its first c n coefficients: all of them when the
    constraints hold) as polynomials: the blinding terms telescope away."""
    Nd = chunks.shape[0]
    d = EXT_DEGREE
    total = np.zeros(((c - 1) * n + Nd, d), dtype=np.int64)
    for j in range(c):
        total[j * n : j * n + Nd] += chunks[:, d * j : d * (j + 1)].astype(np.int64)
    q = ntt.coset_intt(q_evals.astype(np.uint32), GENERATOR).astype(np.int64)[: c * n]
    want = np.zeros((max(total.shape[0], q.shape[0]), d), dtype=np.int64)
    want[: q.shape[0]] = q
    got = np.zeros_like(want)
    got[: total.shape[0]] = total % P
    assert (got == want).all()


#: masking layouts exercised at tiny sizes: none, padded (height 4n) and relaxed (n + n/4
#: coefficients at height n: the arithmetic of the large-table layout with a small k)
def _plans(n: int) -> list[zk.MaskPlan]:
    lg = n.bit_length() - 1
    return [zk.MaskPlan(n, lg, n), zk.MaskPlan(n, lg + 2, 4 * n), zk.MaskPlan(n, lg, n + n // 4)]


@pytest.mark.parametrize("layout", [0, 1, 2])
def test_fibonacci_quotient_passes_ood(layout: int) -> None:
    lay = compile_machine(fibonacci.machine())[0]
    (tr,), pub = fibonacci.trace(3)
    _prove_and_check(lay, tr, pub, _plans(8)[layout], seed=1)


@pytest.mark.parametrize("layout", [0, 1, 2])
def test_logup_table_quotient_passes_ood(layout: int) -> None:
    lay = compile_machine(range_check.machine(bits=4))[0]
    (tr,), pub = range_check.trace(bits=4)
    _prove_and_check(lay, tr, pub, _plans(16)[layout], seed=2)


@pytest.mark.parametrize("layout", [0, 1, 2])
def test_bench_air_quotient_passes_ood(layout: int) -> None:
    lay = compile_machine(bench_air.machine())[0]
    (tr, _), pub = bench_air.trace(4)
    _prove_and_check(lay, tr, pub, _plans(16)[layout], seed=3)


def test_chunk_counts_and_domains() -> None:
    n = 1 << 16
    relaxed = n + n // 64
    # degree 3: 3 chunks (the last one has 3 n / 64 - 1 coefficients) on a 4 n coset, against
    # 5 chunks on 8 n for the old doubled height; no zk: 2 chunks on 2 n
    assert quotient.num_chunks(3, n, relaxed) == 3
    assert quotient.quotient_domain_size(3, n, relaxed) == 4 * n
    assert quotient.num_chunks(3, n, 2 * n) == 5
    assert quotient.quotient_domain_size(3, n, 2 * n) == 8 * n
    assert quotient.num_chunks(3, n, n) == 2 and quotient.quotient_domain_size(3, n, n) == 2 * n
    assert quotient.num_chunks(2, n, relaxed) == 2
    assert quotient.quotient_domain_size(2, n, relaxed) == 2 * n
    assert quotient.num_chunks(1, n, relaxed) == 1


def test_bad_trace_detected_by_prover_and_by_ood() -> None:
    lay = compile_machine(fibonacci.machine())[0]
    for mp in _plans(8)[1:]:
        (tr,), pub = fibonacci.trace(3)
        tr[4, 1] += 1
        with pytest.raises(ValueError, match="too high a degree"):
            _prove_and_check(lay, tr, pub, mp, seed=4)
        with pytest.raises(VerificationError):
            _prove_and_check(lay, tr, pub, mp, seed=4, strict=False)
        (tr,), pub = fibonacci.trace(3)
        with pytest.raises(VerificationError):  # wrong public value
            _prove_and_check(lay, tr, [pub[0], pub[1], pub[2] + 1], mp, seed=5, strict=False)
