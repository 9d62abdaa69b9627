"""The verifier's commitment phase, shared by the fixed-layout and lifted verifiers.

After the header, both verifiers read the commitment roots and draw the challenges in the same
order: main root; with LogUp, the challenges alpha and beta, the aux root and the per-table
LogUp sums (which must total zero); then gamma (constraint combination), the quotient root and
the out-of-domain point zeta.

Machines with global buses (``docs/stark.md``, "Global buses") first observe the boundary root
and the global challenges (alpha_G, beta_G), given by the caller; alpha and beta are drawn only
when some table has local interactions, and the boundary tables' global sums are observed after
the LogUp sums (they are not required to total zero: the caller adds them over all proofs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
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
    #: Machines with global buses: the boundary root and the boundary tables' global sums.
    boundary_root: Any | None = None
    global_sums: list[Any] = field(default_factory=list)


def read_commitments(
    ar: AnyArith,
    hs: HashScheme,
    tr: FiatShamir[Any, Any, Any, Any],
    vk: VerifyingKey,
    proof: StarkProof,
    global_challenges: Sequence[Any] | None = None,
) -> Commitments:
    """Run the commitment phase on ``tr`` (its header already observed); checks that the LogUp
    buses balance. ``check_shape`` guarantees the aux root is present when the key has LogUp.
    ``global_challenges``: (alpha_G, beta_G) as extension elements of ``ar``, required exactly
    for machines with global buses (``ValueError`` otherwise)."""
    if vk.has_global != (global_challenges is not None):
        raise ValueError(
            "a machine with global buses is verified against global challenges"
            if vk.has_global
            else "global challenges are only for machines with global buses"
        )
    boundary_root = None
    if global_challenges is not None:
        if len(global_challenges) != 2 or proof.boundary_root is None:
            raise ValueError("two global challenges and a boundary root are needed")
        boundary_root = hs.digest_input(ar, proof.boundary_root)
        tr.observe_digest(boundary_root)
        tr.observe_ext(list(global_challenges))
    main_root = hs.digest_input(ar, proof.main_root)
    tr.observe_digest(main_root)
    challenges: list[Any] = []
    cumsums: list[Any] = []
    global_sums: list[Any] = []
    aux_root = None
    if vk.logup_tables:
        if vk.local_tables:
            challenges = [tr.sample_ext(), tr.sample_ext()]
        else:
            challenges = [ar.e_const(EXT_ZERO), ar.e_const(EXT_ZERO)]
        assert proof.aux_root is not None  # check_shape
        aux_root = hs.digest_input(ar, proof.aux_root)
        tr.observe_digest(aux_root)
        cumsums = [ar.e_input(c) for c in proof.cumsums]
        tr.observe_ext(cumsums)
        if cumsums:
            total = cumsums[0]
            for c in cumsums[1:]:
                total = ar.e_add(total, c)
            ar.e_assert_eq(total, ar.e_const(EXT_ZERO), "LogUp buses balance")
        if global_challenges is not None:
            global_sums = [ar.e_input(c) for c in proof.global_sums]
            tr.observe_ext(global_sums)
    if global_challenges is not None:
        if not challenges:
            challenges = [ar.e_const(EXT_ZERO), ar.e_const(EXT_ZERO)]
        challenges = [*challenges, *global_challenges]
    gamma = tr.sample_ext()
    quo_root = hs.digest_input(ar, proof.quotient_root)
    tr.observe_digest(quo_root)
    zeta = tr.sample_ext()
    return Commitments(
        main_root, aux_root, challenges, cumsums, gamma, quo_root, zeta, boundary_root, global_sums
    )
