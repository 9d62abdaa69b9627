"""BN254 engine: Poseidon (circomlib parameters), Merkle commitments over it, and Groth16.

Pure-Python references live beside the fast paths: :mod:`.poseidon_ref` (Poseidon),
:mod:`.merkle` (the commitment spec). Importing this package never requires the native
extension; the fast entry points load it on first use.
"""

from __future__ import annotations

from zkrv_prover.bn254.constants import P, R
from zkrv_prover.bn254.merkle import (
    hash_leaf,
    merkle_layers,
    merkle_root,
    open_path,
    pack_babybear,
    verify_path,
)
from zkrv_prover.bn254.poseidon_ref import poseidon

__all__ = [
    "P",
    "R",
    "hash_leaf",
    "merkle_layers",
    "merkle_root",
    "open_path",
    "pack_babybear",
    "poseidon",
    "verify_path",
]
