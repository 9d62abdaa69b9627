"""BN254 engine: Poseidon (circomlib parameters), Merkle commitments over it, and Groth16.

``poseidon``, ``poseidon_batch``, ``hash_rows`` and ``MerkleTree`` run in the native engine;
pure-Python references live beside them: :mod:`.poseidon_ref` (Poseidon) and :mod:`.merkle` (the
commitment spec: ``pack_babybear``, ``hash_leaf``, ``merkle_layers``, ...). Importing this package
never requires the native extension; the fast entry points load it on first use.
"""

from __future__ import annotations

from zkrv_prover.bn254.constants import P, R
from zkrv_prover.bn254.hashing import (
    MerkleTree,
    hash_rows,
    limbs_to_int,
    poseidon,
    poseidon_batch,
)
from zkrv_prover.bn254.merkle import (
    hash_leaf,
    merkle_layers,
    merkle_root,
    open_path,
    pack_babybear,
    verify_path,
)

__all__ = [
    "MerkleTree",
    "P",
    "R",
    "hash_leaf",
    "hash_rows",
    "limbs_to_int",
    "merkle_layers",
    "merkle_root",
    "open_path",
    "pack_babybear",
    "poseidon",
    "poseidon_batch",
    "verify_path",
]
