"""BN254 (alt_bn128) curve constants shared by the Python references and the native engine."""

from __future__ import annotations

#: Order of the scalar field (the field of R1CS variables, Poseidon, and Groth16 witnesses).
R: int = 21888242871839275222246405745257275088548364400416034343698204186575808495617
#: Order of the base field (coordinates of G1/G2 points).
P: int = 21888242871839275222246405745257275088696311157297823662689037894645226208583
