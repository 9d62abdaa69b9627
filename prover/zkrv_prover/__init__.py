"""zkrv_prover: the RV32IM executor, the STARK proof system, circuits and the Groth16 wrap.

Subpackages: ``executor`` (RV32IM execution and traces), ``bn254`` (Poseidon, Merkle hashing and
Groth16 over BN254, backed by the native extension ``zkrv_prover._native``), ``stark`` (BabyBear,
NTT, commitments, FRI, AIR with LogUp), ``r1cs`` (R1CS builder and gadgets).
"""

__version__ = "0.1.0"
