"""Quotient (prover, numpy) against the out-of-domain check (verifier, through NativeArith),
without the PCS: polynomials are evaluated at zeta directly from their coefficients."""

from __future__ import annotations

import numpy as np
import pytest

from zkrv_prover.stark import logup, ntt, quotient, zk
from zkrv_prover.stark.air import Op, TableLayout, compile_machine
from zkrv_prover.stark.arith import NativeArith, VerificationError
from zkrv_prover.stark.examples import bench_air, fibonacci, range_check
from zkrv_prover.stark.field import GENERATOR, P, ext_mul_int, two_adic_generator
from zkrv_prover.stark.ood import TableOpenings, check_table, uses_next

Ext = tuple[int, int, int, int]


def _eval_cols(coeffs: np.ndarray, z: Ext) -> list[Ext]:
    """Each column polynomial (coefficients (N, w)) at the extension point z (Horner)."""
    out = []
    for col in coeffs.T.tolist():
        acc: Ext = (0, 0, 0, 0)
        for c in reversed(col):
            m = ext_mul_int(acc, z)
            acc = ((m[0] + c) % P, m[1], m[2], m[3])
        out.append(acc)
    return out


def _prove_and_check(
    lay: TableLayout, trace: np.ndarray, pub: list[int], N: int, seed: int, strict: bool = True
) -> None:
    rng = np.random.default_rng(seed)
    n = trace.shape[0]
    ch = rng.integers(0, P, size=(3, 4), dtype=np.uint64)
    alpha, beta, gamma = ch[0], ch[1], ch[2]
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
        masked = zk.mask_trace(m, N, rng) if n < N and k != "pre" else m
        coeffs[k] = ntt.intt(masked)
    M = quotient.quotient_domain_size(lay.degree, n, N)
    c = quotient.num_chunks(lay.degree, n, N)
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
        None if aux_lde is None else aux_lde.reshape(M, -1, 4),
        pub,
        np.stack([alpha, beta]),
        None if cumsum is None else cumsum.astype(np.uint64),
    )
    q = quotient.combined_quotient(lay, leaves, gamma)
    chunks = quotient.split_quotient(q, GENERATOR, n, N, c, rng if n < N else None, strict)
    assert chunks.shape == (N, 4 * c)
    zeta: Ext = tuple(int(v) for v in rng.integers(0, P, size=4))  # type: ignore[assignment]
    h = two_adic_generator(n.bit_length() - 1)
    zh: Ext = ext_mul_int(zeta, (h, 0, 0, 0))

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
        quotient=_eval_cols(ntt.intt(chunks), zeta),
    )
    ar = NativeArith()
    chals = [ar.e_const(alpha.tolist()), ar.e_const(beta.tolist())]
    cs = None if cumsum is None else ar.e_const(cumsum.tolist())
    check_table(ar, lay, ops, pub, chals, cs, ar.e_const(gamma.tolist()), zeta, n)


@pytest.mark.parametrize("zk_on", [False, True])
def test_fibonacci_quotient_passes_ood(zk_on: bool) -> None:
    lay = compile_machine(fibonacci.machine())[0]
    (tr,), pub = fibonacci.trace(3)
    _prove_and_check(lay, tr, pub, N=32 if zk_on else 8, seed=1)


@pytest.mark.parametrize("zk_on", [False, True])
def test_logup_table_quotient_passes_ood(zk_on: bool) -> None:
    lay = compile_machine(range_check.machine(bits=4))[0]
    (tr,), pub = range_check.trace(bits=4)
    _prove_and_check(lay, tr, pub, N=32 if zk_on else 16, seed=2)


def test_bench_air_quotient_passes_ood() -> None:
    lay = compile_machine(bench_air.machine())[0]
    (tr, _), pub = bench_air.trace(3)
    _prove_and_check(lay, tr, pub, N=16, seed=3)


def test_bad_trace_detected_by_prover_and_by_ood() -> None:
    lay = compile_machine(fibonacci.machine())[0]
    (tr,), pub = fibonacci.trace(3)
    tr[4, 1] += 1
    with pytest.raises(ValueError, match="too high a degree"):
        _prove_and_check(lay, tr, pub, N=16, seed=4)
    with pytest.raises(VerificationError):
        _prove_and_check(lay, tr, pub, N=16, seed=4, strict=False)
    (tr,), pub = fibonacci.trace(3)
    with pytest.raises(VerificationError):  # wrong public value
        _prove_and_check(lay, tr, [pub[0], pub[1], pub[2] + 1], N=16, seed=5, strict=False)


def test_masking_keeps_trace_on_subgroup() -> None:
    rng = np.random.default_rng(0)
    (tr,), _ = fibonacci.trace(3)
    m = zk.mask_trace(tr, 32, rng)
    assert (zk.unmask_rows(m, 8) == tr).all()
    assert zk.masked_height(8, 3) == 16 and zk.masked_height(8, 100) == 128
