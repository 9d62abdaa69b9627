"""AIR layer: constraint DSL and machine compilation, LogUp, quotient, symbolic evaluation,
out-of-domain checks, constraint debugging and zero-knowledge trace masking.

Imports only ``stark.field`` and ``stark.commit``.
"""
