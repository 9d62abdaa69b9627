"""R1CS gadgets: bits and range checks, BabyBear and its binomial extensions with lazy reduction,
Poseidon-BN254, Merkle paths, SHA-256 and the Fiat-Shamir transcript. Constraint counts are in
each function's docstring and collected in ``docs/r1cs.md``."""
