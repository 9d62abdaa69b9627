"""The verifier's commitment phase, shared by the fixed-layout and lifted verifiers.

After the header, both verifiers read the commitment roots and draw the challenges in the same
order: main root; with LogUp, the challenges alpha and beta, the aux root and the per-table
LogUp sums (which must total zero); then gamma (constraint combination), the quotient root and
the out-of-domain point zeta.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zkrv_prover.stark.commit.hash_scheme import HashScheme
from zkrv_prover.stark.commit.transcript import FiatShamir
from zkrv_prover.stark.field.arith import AnyArith
from zkrv_prover.stark.field.field import EXT_ZERO
from zkrv_prover.stark.protocol.prover import StarkProof, VerifyingKey


@dataclass
class Commitments:
    """Roots read from the proof and challenges drawn, in transcript order."""

    main_root: Any
    aux_root: Any | None
    challenges: list[Any]
    cumsums: list[Any]
    gamma: Any
    quo_root: Any
    zeta: Any


def read_commitments(
    ar: AnyArith,
    hs: HashScheme,
    tr: FiatShamir[Any, Any, Any, Any],
    vk: VerifyingKey,
    proof: StarkProof,
) -> Commitments:
    """Run the commitment phase on ``tr`` (its header already observed); checks that the LogUp
    buses balance. ``check_shape`` guarantees the aux root is present when the key has LogUp."""
    main_root = hs.digest_input(ar, proof.main_root)
    tr.observe_digest(main_root)
    challenges: list[Any] = []
    cumsums: list[Any] = []
    aux_root = None
    if vk.logup_tables:
        challenges = [tr.sample_ext(), tr.sample_ext()]
        assert proof.aux_root is not None  # check_shape
        aux_root = hs.digest_input(ar, proof.aux_root)
        tr.observe_digest(aux_root)
        cumsums = [ar.e_input(c) for c in proof.cumsums]
        tr.observe_ext(cumsums)
        total = cumsums[0]
        for c in cumsums[1:]:
            total = ar.e_add(total, c)
        ar.e_assert_eq(total, ar.e_const(EXT_ZERO), "LogUp buses balance")
    gamma = tr.sample_ext()
    quo_root = hs.digest_input(ar, proof.quotient_root)
    tr.observe_digest(quo_root)
    zeta = tr.sample_ext()
    return Commitments(main_root, aux_root, challenges, cumsums, gamma, quo_root, zeta)
