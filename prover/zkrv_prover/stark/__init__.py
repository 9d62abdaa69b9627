"""The STARK proof system: BabyBear field and NTT, Poseidon-BN254 commitments, FRI PCS, AIRs.

Layers (see docs/stark-pcs.md and docs/stark.md):

- ``field``, ``ntt``: BabyBear and its quintic extension, batched NTT / coset LDE (numpy).
- ``arith``: the generic verifier arithmetic (``NativeArith`` here, a circuit version in r1cs).
- ``transcript``: the Poseidon-BN254 Fiat-Shamir transcript, written once over ``arith``.
- ``mmcs``, ``fri``, ``pcs``, ``params``: hiding Merkle commitments of matrices, FRI, the
  polynomial commitment scheme and its security parameters.
- ``air``, ``logup``, ``prover``, ``verifier``, ``proof``: the multi-table AIR layer.
"""

from __future__ import annotations
