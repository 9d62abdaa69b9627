"""The relaxed degree bound of zk commitments: a matrix of height 2^h holds polynomials with up to
2^h + 2^(h-6) coefficients, its LDE stays 2^(h + blowup), and FRI proves exactly that bound."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from zkrv_prover.stark.commit import fri, mmcs, pcs, pcs_verify
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.commit.transcript import Transcript
from zkrv_prover.stark.field import field as fld
from zkrv_prover.stark.field.arith import NativeArith, VerificationError
from zkrv_prover.stark.field.codec import Reader, Writer
from zkrv_prover.stark.field.field import EXT_DEGREE, EXT_ZERO, GENERATOR, ExtInt, P
from zkrv_prover.stark.field.ntt import lde_bitrev
from zkrv_prover.stark.field.randomness import FieldRng

#: Small zk parameters whose heights >= 64 get the relaxed bound (blowup 4, fold by 4, final
#: polynomial of 64 + 1 coefficients).
RELAXED = PcsParams(
    log_blowup=2,
    num_queries=8,
    pow_bits=2,
    log_folding_arity=2,
    log_final_poly_len=6,
    salt_len=2,
    log_cap=2,
)


def test_degree_bounds_and_final_lengths() -> None:
    p, nozk = PcsParams(), PcsParams(zk=False)
    assert p.degree_bound(16) == 65536 + 1024 and nozk.degree_bound(16) == 65536
    assert p.degree_bound(5) == 32  # below 2^6 the relaxed bound is the exact one
    # the bench AIR: 2^16 rows and a 2^8-row table, blowup 8
    assert fri.fold_schedule(p, [19, 11]) == [3, 3, 2, 2]
    assert fri.final_poly_len(p, [19, 11]) == 65 and fri.final_poly_len(nozk, [19, 11]) == 64
    assert fri.final_poly_len(p, [19]) == 65
    # an input shorter than the final domain: exact bound 8 there, the folded one rounds up
    assert fri.final_poly_len(p, [19, 6]) == 9
    assert fri.final_poly_len(nozk, [19, 6]) == 8
    with pytest.raises(ValueError, match="final polynomial"):
        fri.final_poly_len(PcsParams(log_blowup=1, log_final_poly_len=0), [8])


def _eval(coeffs: np.ndarray, z: tuple[int, ...]) -> list[ExtInt]:
    out = []
    for col in coeffs.T.tolist():
        acc = EXT_ZERO
        for c in reversed(col):
            m = fld.ext_mul_int(acc, z)
            acc = ((m[0] + c) % P, *m[1:])
        out.append(acc)
    return out


class Relaxed:
    """Two rounds: (130 coefficients at height 128, 65 at 64) and (40 at 64), opened at two
    points and one; ``over`` adds coefficients beyond the bound to the first matrix (a cheating
    prover, committed by hand since ``commit_coeffs`` refuses it)."""

    def __init__(self, over: int = 0, unchecked: bool = False, seed: int = 1) -> None:
        rng = FieldRng.seeded(seed)
        p = RELAXED
        self.c1 = rng.base((p.degree_bound(7) + over, 2))
        c2 = rng.base((p.degree_bound(6), 3))
        c3 = rng.base((40, 1))
        if over:
            ldes = [lde_bitrev(self.c1, p.log_blowup, GENERATOR, 7)]
            ldes.append(lde_bitrev(c2, p.log_blowup, GENERATOR, 6))
            tree = mmcs.commit(ldes, pcs._input_config(p), rng)
            self.d1 = pcs.PcsData(tree, [self.c1, c2], p.log_blowup, [7, 6])
        else:
            self.d1 = pcs.commit_coeffs(p, [self.c1, c2], rng, log_heights=[7, 6])
        self.d2 = pcs.commit_coeffs(p, [c3], rng, log_heights=[6])
        tr = self._transcript()
        z1, z2 = tr.sample_ext(), tr.sample_ext()
        self.points = [[[z1, z2], [z1]], [[z2]]]
        self.opened, self.proof = pcs.open_rounds(
            p, [(self.d1, self.points[0]), (self.d2, self.points[1])], tr, rng, unchecked
        )
        self.shape = pcs.PcsShape(p, (tuple(self.d1.shapes), tuple(self.d2.shapes)), ((2, 1), (1,)))

    def _transcript(self) -> Transcript:  # type: ignore[type-arg]
        tr = Transcript(NativeArith(native_hash=True), "relaxed-test")
        tr.observe_digest(self.d1.root)
        tr.observe_digest(self.d2.root)
        return tr

    def verify(self, proof: pcs.PcsProof | None = None) -> None:
        ar = NativeArith(native_hash=True)
        tr = self._transcript()
        z1, z2 = tr.sample_ext(), tr.sample_ext()
        pts = [[[z1, z2], [z1]], [[z2]]]
        claims = [
            pcs.RoundClaim(
                ar.d_input(d.root),
                d.shapes,
                pts[r],
                [[[ar.e_input(v) for v in vals] for vals in m] for m in self.opened[r]],
            )
            for r, d in enumerate((self.d1, self.d2))
        ]
        pcs_verify.verify(ar, RELAXED, claims, self.proof if proof is None else proof, tr)


def test_relaxed_matrices_open_and_verify() -> None:
    s = Relaxed()
    assert [m.log_height for m in s.d1.shapes] == [7, 6]
    assert s.d1.lde(0).shape == (128 * 4, 2)  # LDE of the height, not of the coefficients
    assert len(s.proof.final_poly) == 65
    # opened values are evaluations of the full (130-coefficient) polynomials
    assert s.opened[0][0][1] == _eval(s.c1, s.points[0][0][1])
    s.verify()
    w = Writer()
    pcs.write_proof(w, s.shape, s.proof)
    r = Reader(w.getvalue())
    back = pcs.read_proof(r, s.shape)
    r.finish()
    assert back == s.proof
    s.verify(back)
    # tampering still caught
    back.final_poly[64] = ((back.final_poly[64][0] + 1) % P, *back.final_poly[64][1:])  # type: ignore[assignment]
    with pytest.raises(VerificationError):
        s.verify(back)


def test_commit_refuses_polynomials_over_the_bound() -> None:
    rng = FieldRng.seeded(0)
    with pytest.raises(ValueError, match="exceed the degree bound"):
        pcs.commit_coeffs(RELAXED, [rng.base((131, 1))], rng, log_heights=[7])
    nozk = replace(RELAXED, zk=False)
    with pytest.raises(ValueError, match="exceed the degree bound"):
        pcs.commit_coeffs(nozk, [rng.base((129, 1))], rng, log_heights=[7])


def test_polynomial_over_the_relaxed_bound_rejected() -> None:
    """A committed column with two coefficients too many: its DEEP quotient (x - z divides one
    degree off) exceeds the relaxed bound by one degree. The honest prover's FRI refuses; a
    cheating prover that sends the truncated final polynomial is rejected by the verifier."""
    with pytest.raises(ValueError, match="not low-degree"):
        Relaxed(over=2)
    for seed in (1, 2, 3):
        s = Relaxed(over=2, unchecked=True, seed=seed)
        with pytest.raises(VerificationError):
            s.verify()


# -- FRI on its own: an input codeword of exactly the relaxed bound passes, one more fails ------


def _fri_run(n_coeffs: int, log_h: int, unchecked: bool, seed: int) -> None:
    """Commit the FRI layers of a random ext polynomial with ``n_coeffs`` coefficients at degree
    height 2^log_h, then verify every query (raises ``VerificationError`` on rejection)."""
    p = RELAXED
    rng = FieldRng.seeded(seed)
    log_lde = log_h + p.log_blowup
    coeffs = rng.base((n_coeffs, EXT_DEGREE))
    codeword = lde_bitrev(coeffs, p.log_blowup, GENERATOR, log_h)
    tr = Transcript(NativeArith(native_hash=True), "fri-test")
    data = fri.commit_phase(p, {log_lde: codeword}, tr, unchecked)
    idx = [sum(b << j for j, b in enumerate(tr.sample_bits(log_lde))) for _ in range(12)]
    # verifier
    ar = NativeArith(native_hash=True)
    tv = Transcript(ar, "fri-test")
    roots = [ar.d_input(t.root) for t in data.trees]
    betas = []
    for root in roots:
        tv.observe_digest(root)
        betas.append(tv.sample_ext())
    final = [ar.e_input(c) for c in data.final_poly]
    if len(final) != fri.final_poly_len(p, [log_lde]):
        raise ValueError("final polynomial of the wrong length")
    tv.observe_ext(final)
    cfg = fri.layer_config(p)
    caps = []
    for k, (shape, root, tree) in enumerate(
        zip(fri.layer_shapes(p, [log_lde]), roots, data.trees, strict=True)
    ):
        cap = [ar.d_input(d) for d in tree.cap]
        mmcs.verify_cap(ar, cfg, root, [shape], cap, f"layer {k}")
        caps.append(cap)
    for q, i in enumerate(idx):
        bits = tv.sample_bits(log_lde)
        assert sum(b << j for j, b in enumerate(bits)) == i
        reduced = {log_lde: ar.e_const(tuple(int(v) for v in codeword[i]))}
        openings = fri.open_query(data, i, log_lde)
        fri.verify_query(ar, p, [log_lde], caps, betas, final, bits, reduced, openings, q)


@pytest.mark.parametrize("log_h", [8, 10])
def test_fri_proves_exactly_the_relaxed_bound(log_h: int) -> None:
    bound = RELAXED.degree_bound(log_h)
    _fri_run(bound, log_h, unchecked=False, seed=log_h)  # at the bound: accepted
    with pytest.raises(ValueError, match="not low-degree"):
        _fri_run(bound + 1, log_h, unchecked=False, seed=log_h)
    for seed in range(3):  # one degree over: rejected whatever the randomness
        with pytest.raises(VerificationError):
            _fri_run(bound + 1, log_h, unchecked=True, seed=100 + seed)
