"""The recursion VM: BabyBear STARKs that verify other STARK proofs.

The generic verifier (``zkrv_prover.stark``, written once over ``Arith``) is recorded as a
straight-line program over BabyBear and its extension; an AIR with one table per operation kind
(ALU, selection, bit decomposition, Poseidon2, memory) proves that program's execution. Proofs
verified this way hash with Poseidon2-BabyBear (``PcsParams.hash``), so hashing stays native.
"""
