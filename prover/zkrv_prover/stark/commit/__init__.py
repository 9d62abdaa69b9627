"""Commitment layer: Fiat-Shamir transcript, hiding Merkle commitments of matrices (``mmcs``),
FRI, the polynomial commitment scheme (``pcs``, ``pcs_verify``) and its parameters.

Imports only ``stark.field``.
"""
