"""Fibonacci AIR: two columns (a, b); a' = b and b' = a + b on transitions; public values
(a0, b0, result) bind the first row and b on the last row."""

from __future__ import annotations

import numpy as np

from zkrv_prover.stark.air.air import Air, AirBuilder, Machine
from zkrv_prover.stark.field.field import P


class FibonacciAir(Air):
    name = "fibonacci"
    main_width = 2

    def eval(self, b: AirBuilder) -> None:
        a, bb = b.main_local
        a_next, b_next = b.main_next
        b.when_first_row().assert_eq(a, b.public[0], "a0")
        b.when_first_row().assert_eq(bb, b.public[1], "b0")
        b.when_transition().assert_eq(a_next, bb, "shift")
        b.when_transition().assert_eq(b_next, a + bb, "add")
        b.when_last_row().assert_eq(bb, b.public[2], "result")


def machine() -> Machine:
    return Machine([FibonacciAir()], num_public_values=3, name="fibonacci")


def trace(log_n: int, a0: int = 0, b0: int = 1) -> tuple[list[np.ndarray], list[int]]:
    """The trace of height 2^log_n and public values (a0, b0, b_{n-1}). A linear recurrence,
    so rows come from a Python loop over n ints only in this small example generator."""
    n = 1 << log_n
    rows = np.zeros((n, 2), dtype=np.uint32)
    a, b = a0 % P, b0 % P
    for i in range(n):
        rows[i] = (a, b)
        a, b = b, (a + b) % P
    return [rows], [a0 % P, b0 % P, int(rows[-1, 1])]
