"""Three tables of different heights connected by LogUp buses:

- ``ops`` (height 2^log_ops): columns (a, b, c, s); s is boolean and on rows with s = 1 the
  tuple (a, b, c) is sent to the ADD bus; the public value is a on the first row.
- ``adder`` (height 2^log_add): columns (a, b, c, m) with c = a + b; receives (a, b, c) from
  the ADD bus with multiplicity m, and sends c to the RANGE bus once per row.
- ``bytes`` (height 256, or 2^log_bytes): preprocessed r = 0..height-1, main multiplicity m;
  receives r from the RANGE bus with multiplicity m. So every adder result is below the height
  (a byte by default; ``log_bytes`` gives machines that differ only in their preprocessed
  table, like the zkVM's programs).
"""

from __future__ import annotations

import numpy as np

from zkrv_prover.stark.air.air import Air, AirBuilder, Machine

ADD_BUS, RANGE_BUS = 2, 3


class OpsAir(Air):
    name = "ops"
    main_width = 4

    def eval(self, b: AirBuilder) -> None:
        a, bb, c, s = b.main_local
        b.assert_bool(s, "s_bool")
        b.when_first_row().assert_eq(a, b.public[0], "first_a")
        b.send(ADD_BUS, [a, bb, c], s)


class AdderAir(Air):
    name = "adder"
    main_width = 4

    def eval(self, b: AirBuilder) -> None:
        a, bb, c, m = b.main_local
        b.assert_eq(c, a + bb, "sum")
        b.receive(ADD_BUS, [a, bb, c], m)
        b.send(RANGE_BUS, [c])


class BytesAir(Air):
    name = "bytes"
    main_width = 1
    preprocessed_width = 1

    def __init__(self, log_height: int = 8) -> None:
        self.log_height = log_height

    def eval(self, b: AirBuilder) -> None:
        (m,) = b.main_local
        (r,) = b.pre_local
        b.receive(RANGE_BUS, [r], m)

    def preprocessed_trace(self) -> np.ndarray:
        return np.arange(1 << self.log_height, dtype=np.uint32)[:, None]


def machine(log_bytes: int = 8) -> Machine:
    return Machine([OpsAir(), AdderAir(), BytesAir(log_bytes)], num_public_values=1, name="multi")


def trace(
    log_ops: int = 5, log_add: int = 3, seed: int = 7, log_bytes: int = 8
) -> tuple[list[np.ndarray], list[int]]:
    """Random additions: the adder table lists 2^log_add distinct (a, b) with a + b < 256, the
    ops table uses them at random (s = 0 rows repeat arbitrary junk that is not sent)."""
    rng = np.random.default_rng(seed)
    n_add, n_ops = 1 << log_add, 1 << log_ops
    a = rng.choice(128, size=n_add, replace=False).astype(np.uint32)
    b = rng.integers(0, 128, size=n_add, dtype=np.uint32)
    c = a + b
    pick = rng.integers(0, n_add, size=n_ops)
    s = (rng.random(n_ops) < 0.75).astype(np.uint32)
    ops = np.stack([a[pick], b[pick], c[pick], s], axis=1)
    junk = s == 0
    ops[junk, 2] = rng.integers(0, 1000, size=int(junk.sum()), dtype=np.uint32)
    m = np.bincount(pick[s == 1], minlength=n_add).astype(np.uint32)
    adder = np.stack([a, b, c, m], axis=1)
    byte_m = np.bincount(c, minlength=1 << log_bytes).astype(np.uint32)[:, None]
    return [ops, adder, byte_m], [int(ops[0, 0])]
