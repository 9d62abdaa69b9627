"""Field layer: BabyBear and its quintic extension, NTT / coset LDE, the generic verifier
arithmetic (``arith``), proof-byte codec, prover randomness and the thread-pool helper.

Imports nothing else from ``zkrv_prover.stark``.
"""
