"""LogUp range check in one table: a preprocessed column r = 0..2^bits-1, a value column v and a
multiplicity column m. Every row sends v to the range bus and receives r with multiplicity m, so
the bus balances iff every v is in [0, 2^bits) and m counts its occurrences."""

from __future__ import annotations

import numpy as np

from zkrv_prover.stark.air.air import Air, AirBuilder, Machine

RANGE_BUS = 1


class RangeCheckAir(Air):
    name = "range_check"
    main_width = 2  # v, m
    preprocessed_width = 1  # r

    def __init__(self, bits: int = 8) -> None:
        self.bits = bits

    def eval(self, b: AirBuilder) -> None:
        v, m = b.main_local
        (r,) = b.pre_local
        b.send(RANGE_BUS, [v])
        b.receive(RANGE_BUS, [r], m)

    def preprocessed_trace(self) -> np.ndarray:
        return np.arange(1 << self.bits, dtype=np.uint32)[:, None]


def machine(bits: int = 8) -> Machine:
    return Machine([RangeCheckAir(bits)], name="range_check")


def trace(bits: int = 8, seed: int = 1) -> tuple[list[np.ndarray], list[int]]:
    """Random in-range values with their multiplicities."""
    n = 1 << bits
    rng = np.random.default_rng(seed)
    v = rng.integers(0, n, size=n, dtype=np.uint32)
    m = np.bincount(v, minlength=n).astype(np.uint32)
    return [np.stack([v, m], axis=1)], []
