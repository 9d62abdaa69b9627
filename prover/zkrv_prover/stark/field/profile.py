"""The security profile of this process: the parameters that fix the shape of every value of the
proof system (the challenge field's degree, the Poseidon2 digest and sponge rate) and the zkVM's
query count, chosen once per process by the environment variable ``ZKRV_SECURITY_PROFILE``.

- ``"100"`` (default): BabyBear^5 challenges, 8-element Poseidon2 digests (rate 8, capacity 8),
  at least 100 proven bits on every term; receipts can be wrapped into Groth16 and verified on
  chain.
- ``"128"``: for receipts that stay off chain. BabyBear^6 challenges (x^6 - 31), 9-element
  Poseidon2 digests with a 9-element capacity (rate 7; ~139-bit collision resistance against
  ~123.6 with 8 elements) and more zkVM queries, for at least 128 proven bits on every term
  (``soundness.security_summary``). The recursion verifier and the Groth16 wrap are built for
  the default profile only and refuse to run under this one (:func:`require_default`).

Why a process-wide setting and not a per-proof parameter: the extension degree and the digest
size are the shapes of arrays and of the verifier's circuits in every layer (field, commitments,
AIR, recursion), each of which reads them as module constants. Proofs and receipts record the
profile (``PcsParams.as_ints`` binds the hash family's shape, and image IDs hash it), so a
receipt checked under the wrong profile is refused, never misread.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

#: The environment variable that selects the profile.
PROFILE_ENV = "ZKRV_SECURITY_PROFILE"


@dataclass(frozen=True)
class SecurityProfile:
    """One profile (module docstring). ``target_bits``: the proven (Johnson-bound) security the
    zkVM's parameters reach on every term at its largest shapes."""

    name: str
    target_bits: int
    ext_degree: int
    ext_w: int
    p2_digest: int
    p2_rate: int
    zkvm_num_queries: int
    zkvm_pow_bits: int
    #: Whether receipts can be wrapped (recursion, Groth16) and verified on chain.
    onchain: bool


#: The profiles by name. The query counts are the fewest reaching ``target_bits`` at the zkVM's
#: largest shapes with the grinding bits beside them (``tests/zkvm/test_zkvm_params.py``).
PROFILES: dict[str, SecurityProfile] = {
    "100": SecurityProfile("100", 100, 5, 2, 8, 8, 55, 24, True),
    "128": SecurityProfile("128", 128, 6, 31, 9, 7, 74, 24, False),
}
DEFAULT_PROFILE = "100"


class ProfileError(ValueError):
    """An unknown profile name, or work the current profile does not support."""


def _load() -> SecurityProfile:
    name = os.environ.get(PROFILE_ENV, DEFAULT_PROFILE).strip() or DEFAULT_PROFILE
    if name not in PROFILES:
        raise ProfileError(
            f"{PROFILE_ENV}={name!r}: the security profile must be one of {sorted(PROFILES)}"
        )
    return PROFILES[name]


#: The profile of this process (read once, at import).
PROFILE: SecurityProfile = _load()


def require_default(what: str) -> None:
    """Raise :class:`ProfileError` if this process does not run a profile whose receipts can be
    wrapped and verified on chain (``what``: the refused operation, for the message)."""
    if not PROFILE.onchain:
        raise ProfileError(
            f"{what} needs the on-chain security profile; this process runs "
            f"{PROFILE_ENV}={PROFILE.name}, whose receipts stay off chain"
        )


__all__ = [
    "DEFAULT_PROFILE",
    "PROFILE",
    "PROFILES",
    "PROFILE_ENV",
    "ProfileError",
    "SecurityProfile",
    "require_default",
]
