"""Receipt claims and their digests (re-exported from :mod:`zkrv_prover.claim`, the single
Python definition; see there for the hashing scheme)."""

from __future__ import annotations

from zkrv_prover.claim import (
    PUBLIC_INPUT_SHIFT,
    ZERO_DIGEST,
    ExitCode,
    ExitSystem,
    Output,
    ReceiptClaim,
    claim_public_input,
    ok_claim_digest,
    sha256,
    tag_digest,
    tagged_struct,
)

__all__ = [
    "PUBLIC_INPUT_SHIFT",
    "ZERO_DIGEST",
    "ExitCode",
    "ExitSystem",
    "Output",
    "ReceiptClaim",
    "claim_public_input",
    "ok_claim_digest",
    "sha256",
    "tag_digest",
    "tagged_struct",
]
