"""Protocol layer: the multi-table STARK prover and verifier, the proof format and size
report, the soundness calculator and the test hooks.

Imports the lower layers (``field``, ``commit``, ``air``).
"""
