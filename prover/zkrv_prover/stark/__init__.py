"""The STARK proof system: BabyBear field and NTT, Poseidon-BN254 commitments, FRI PCS, AIRs.

Layered subpackages (see docs/stark-pcs.md and docs/stark.md); a layer imports only the layers
listed before it:

- ``field``: ``field`` (BabyBear and its quintic extension), ``ntt`` (batched NTT / coset LDE,
  numpy), ``arith`` (the generic verifier arithmetic: ``NativeArith`` here, a circuit version in
  r1cs), ``codec`` (proof bytes), ``randomness`` (the prover's field RNG), ``parallel``.
- ``commit``: ``transcript`` (the Poseidon-BN254 Fiat-Shamir transcript, written once over
  ``arith``), ``mmcs``, ``fri``, ``pcs``, ``pcs_verify``, ``params``: hiding Merkle commitments
  of matrices, FRI, the polynomial commitment scheme and its security parameters.
- ``air``: ``air`` (constraint DSL, machine compilation), ``logup``, ``quotient``,
  ``symbolic_eval``, ``ood``, ``debug``, ``zk`` (trace masking).
- ``protocol``: ``prover``, ``verifier``, ``proof`` (format), ``size_report``, ``soundness``,
  ``testing``.
- ``examples``: example AIRs built on all of the above.
"""

from __future__ import annotations
