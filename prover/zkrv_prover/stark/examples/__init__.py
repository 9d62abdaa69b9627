"""Example AIRs: Fibonacci, a LogUp range check, a multi-table machine with lookups across
tables of different heights, and the 64-column benchmark AIR. Each module exposes ``machine()``
and a trace generator returning ``(traces, public_values)``."""
