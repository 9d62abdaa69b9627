"""The lifted-leaf PCS (Poseidon2 proofs with per-matrix variable heights): proofs at several
height combinations verify under one range spec; out-of-range and tampered proofs fail; the
recorded verifier's program does not depend on the actual heights."""

from __future__ import annotations

import copy
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from zkrv_prover.stark.commit import pcs
from zkrv_prover.stark.commit.mmcs import MatrixShape
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.commit.pcs_verify_lifted import LiftedHeights, verify_lifted
from zkrv_prover.stark.commit.transcript_p2 import Poseidon2Transcript
from zkrv_prover.stark.field.arith import AnyArith, LogHeight, NativeArith, VerificationError
from zkrv_prover.stark.field.field import EXT_DEGREE, P
from zkrv_prover.stark.field.randomness import FieldRng

LABEL = "lifted-test"
#: (width, log-height range) of each matrix: round 0 holds matrices 0 and 1, round 1 matrix 2.
RANGES = [(3, (6, 9)), (2, (6, 9)), (4, (7, 8))]
ROUNDS = [[0, 1], [2]]
W = [w for w, _ in RANGES]


def params(zk: bool) -> PcsParams:
    return PcsParams(
        num_queries=3,
        pow_bits=2,
        hash="poseidon2-babybear",
        log_final_poly_len=1,
        log_cap=1,
        zk=zk,
    )


def _points(rng: np.random.Generator) -> list[tuple[int, ...]]:
    return [tuple(int(v) for v in rng.integers(0, P, EXT_DEGREE)) for _ in range(2)]


def prove(
    logs: Sequence[int], zk: bool, seed: int = 1
) -> tuple[list[int], list[pcs.PcsData], Any, pcs.Opened, pcs.PcsProof]:
    """Commit matrices of log heights ``logs`` (lifted rounds at the global top), open each at
    one or two points and prove."""
    prm = params(zk)
    frng = FieldRng.seeded(seed)
    g = np.random.default_rng(seed)
    coeffs = [
        g.integers(0, P, (1 << h, w), dtype=np.uint32)
        for h, (w, _) in zip(logs, RANGES, strict=True)
    ]
    top = max(logs)
    datas = []
    for r, idx in enumerate(ROUNDS):
        datas.append(
            pcs.commit_coeffs(
                prm,
                [coeffs[i] for i in idx],
                frng,
                mask=zk and r == len(ROUNDS) - 1,
                log_heights=[logs[i] for i in idx],
                lifted_height=top,
            )
        )
    zs = _points(np.random.default_rng(99))  # constants of the verifier: the same per spec
    pts = [[zs[: 1 + (i % 2)] for i in idx] for idx in ROUNDS]
    ar = NativeArith(native_hash=True)
    tr = Poseidon2Transcript(ar, LABEL)
    opened, proof = pcs.open_rounds(prm, list(zip(datas, pts, strict=True)), tr, frng, lifted=True)
    return list(logs), datas, pts, opened, proof


def verify(
    logs: Sequence[int], datas: Any, pts: Any, opened: Any, proof: pcs.PcsProof, zk: bool,
    ranges: Sequence[tuple[int, int]] | None = None, ar: AnyArith | None = None,
    top_lie: int = 0,
) -> None:  # fmt: skip
    """The verifier with every matrix height data in its range (top: the max of the ranges)."""
    prm = params(zk)
    ar = ar or NativeArith(native_hash=True)
    lb = prm.log_blowup
    ranges = ranges or [rg for _, rg in RANGES]

    def lh(v: int, lo: int, hi: int) -> LogHeight[Any, Any]:
        return LogHeight(lo, hi, tuple(ar.one_hot(ar.b_input(v), lo, hi)))

    mats = [lh(v + lb, lo + lb, hi + lb) for v, (lo, hi) in zip(logs, ranges, strict=True)]
    tlo = max(lo for lo, _ in ranges) + lb
    thi = max(hi for _, hi in ranges) + lb
    top_actual = max(logs) + lb - top_lie
    top = lh(top_actual, tlo, thi)
    heights = LiftedHeights(
        [[mats[i] for i in idx] for idx in ROUNDS],
        [top for _ in ROUNDS],
        top,
        top_actual,
        [top_actual for _ in ROUNDS],
    )
    tr = Poseidon2Transcript(ar, LABEL)
    claims = []
    for r, (idx, data) in enumerate(zip(ROUNDS, datas, strict=True)):
        claims.append(
            pcs.RoundClaim(
                [ar.b_input((data.root >> (32 * i)) & 0xFFFFFFFF) for i in range(8)],
                [MatrixShape(logs[i], W[i]) for i in idx],
                [[ar.e_const(z) for z in p] for p in pts[r]],
                [[[ar.e_input(v) for v in vals] for vals in m] for m in opened[r]],
                has_mask=zk and r == len(ROUNDS) - 1,
            )
        )
    verify_lifted(ar, prm, claims, proof, tr, heights)


COMBOS = [(9, 7, 8), (9, 8, 8), (8, 7, 8), (7, 9, 8), (6, 6, 7), (9, 9, 7)]


@pytest.mark.parametrize("zk", [False, True])
@pytest.mark.parametrize("logs", COMBOS)
def test_lifted_proofs_verify_under_one_spec(logs: tuple[int, ...], zk: bool) -> None:
    verify(*prove(logs, zk), zk=zk)


def test_fixed_ranges_verify() -> None:
    logs = (8, 7, 8)
    verify(*prove(logs, True), zk=True, ranges=[(h, h) for h in logs])


def test_height_outside_range_refused() -> None:
    logs = (9, 7, 8)
    with pytest.raises(VerificationError):
        verify(*prove(logs, True), zk=True, ranges=[(6, 8), (6, 9), (7, 8)])


def _tamper_row(proof: pcs.PcsProof) -> None:
    row = proof.queries[0].inputs[0].rows[1]
    row[0] = (row[0] + 1) % P


def _tamper_sibling(proof: pcs.PcsProof) -> None:
    s = proof.queries[1].inputs[1].siblings[0]
    s[0] ^= 1


def _tamper_fri(proof: pcs.PcsProof) -> None:
    v = list(proof.queries[0].fri[1].row[0])
    v[2] = (v[2] + 1) % P
    proof.queries[0].fri[1].row[0] = tuple(v)


@pytest.mark.parametrize("tamper", [_tamper_row, _tamper_sibling, _tamper_fri])
def test_tampered_proof_refused(tamper: Any) -> None:
    logs, datas, pts, opened, proof = prove((8, 9, 7), True)
    bad = copy.deepcopy(proof)
    tamper(bad)
    with pytest.raises(VerificationError):
        verify(logs, datas, pts, opened, bad, zk=True)


class _TamperedTranscript(Poseidon2Transcript):
    """Adds 1 to the ``which``-th extension challenge (0-based): in ``open_rounds`` /
    ``verify_lifted`` the first challenges are the per-matrix ``alpha_m`` (then zk's
    ``alpha_R``)."""

    which = 0

    def sample_ext(self) -> Any:
        out = super().sample_ext()
        self._n_ext = getattr(self, "_n_ext", 0) + 1  # copies (FRI steps) come later
        if self._n_ext - 1 == type(self).which:
            out = self.ar.e_add(out, self.ar.e_const((1,) + (0,) * (EXT_DEGREE - 1)))
        return out


@pytest.mark.parametrize("side", ["prover", "verifier"])
@pytest.mark.parametrize("which", [0, 1, 2, 3])
def test_tampered_matrix_challenge_refused(
    which: int, side: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One matrix's batching challenge alpha_m (or alpha_R, which = 3 with zk) differing
    between prover and verifier makes verification fail."""
    _TamperedTranscript.which = which
    mod = sys.modules[__name__]
    if side == "prover":
        monkeypatch.setattr(mod, "Poseidon2Transcript", _TamperedTranscript)
    proved = prove((9, 7, 8), True)
    monkeypatch.undo()
    if side == "verifier":
        monkeypatch.setattr(mod, "Poseidon2Transcript", _TamperedTranscript)
    with pytest.raises(VerificationError):
        verify(*proved, zk=True)


def test_lied_height_refused() -> None:
    """A matrix claimed one height shorter than committed: its point and roll-in move."""
    _, datas, pts, opened, proof = prove((8, 9, 8), True)
    with pytest.raises(VerificationError):
        verify([8, 9, 7], datas, pts, opened, proof, zk=True)


def test_top_below_a_matrix_refused() -> None:
    """H claimed one below the tallest matrix: that matrix no longer fits under the top."""
    with pytest.raises(VerificationError):
        verify(*prove((8, 9, 8), True), zk=True, top_lie=1)


@pytest.mark.parametrize("zk", [False, True])
def test_recorded_rows_ranges_vs_fixed(zk: bool) -> None:
    """Report: the recorded verifier's size with ranges against fixed heights."""
    from zkrv_prover.recursion.builder import RecursionBuilder

    logs = (8, 7, 8)
    sizes = []
    for ranges in (None, [(h, h) for h in logs]):
        r = RecursionBuilder()
        verify(*prove(logs, zk), zk=zk, ranges=ranges, ar=r)
        sizes.append(r.finish()[0].rows())
    print(f"\nzk={zk} rows with ranges {sizes[0]}\n          fixed       {sizes[1]}")
