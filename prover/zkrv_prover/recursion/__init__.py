"""The recursion VM: BabyBear STARKs that verify other STARK proofs.

The generic verifier (``zkrv_prover.stark``, written once over ``Arith``) is recorded as a
straight-line program over BabyBear and its extension; an AIR with one table per operation kind
(ALU, selection, bit decomposition, Poseidon2, memory) proves that program's execution. Proofs
verified this way hash with Poseidon2-BabyBear (``PcsParams.hash``), so hashing stays native.

Modules: ``builder`` (the recorder ``RecursionBuilder``, an ``Arith`` whose cells carry native
values: recording is also witness generation), ``program`` (the recorded program = the verifying
key's preprocessed traces, its digest, and the witness memory image), ``tables`` (one AIR per op
kind on one MEMORY bus; the Cap table also owns the CAP lookup bus of Merkle-cap digests),
``machine`` (the STARK machine and vectorized main traces), ``prove`` (prove/verify a
program's execution), ``poseidon2_air`` (the permutation gadget).
"""
