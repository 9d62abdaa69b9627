"""A value chain split over several proofs ("segments") joined by a global bus.

Each lane l carries a value that every segment advances by a few steps x -> x^2 + 1. Segment s
proves its steps; the values at its boundaries cross to the neighbouring segments on the global
bus ``GLOBAL_BUS`` (``docs/stark.md``, "Global buses"):

- ``link`` (boundary table, one row per lane): columns (lane, v_in, v_out). Receives
  ``(seg - 1, lane, v_in)`` on ``GLOBAL_BUS`` unless the segment is the first, sends
  ``(seg, lane, v_out)`` unless it is the last; locally sends ``(lane, v_in)`` and receives
  ``(lane, v_out)`` on ``STEP_BUS``.
- ``steps`` (main round): columns (lane, x, y, on) with y = x^2 + 1 and on boolean; receives
  ``(lane, x)`` and sends ``(lane, y)`` on ``STEP_BUS`` where on = 1.
- ``tick`` (boundary table without local interactions, two rows, the second off): columns
  (on, c_in, c_out) with c_out = c_in + 1 where on: a segment counter passed on the global bus
  as lane ``TICK_LANE``.

Public values: ``seg``, ``first`` (seg == 0), ``last`` (the final segment), set by whoever
checks the family. The local bus balances in each proof exactly when each lane's steps lead from
v_in to v_out; the global bus over all proofs when each segment starts where the previous one
stopped.
"""

from __future__ import annotations

import numpy as np

from zkrv_prover.stark.air.air import Air, AirBuilder, Machine
from zkrv_prover.stark.field.field import P

STEP_BUS, GLOBAL_BUS = 4, 9
#: The tick table's lane id on the global bus (never a link lane).
TICK_LANE = 1 << 20
#: Public value indices.
PUB_SEG, PUB_FIRST, PUB_LAST = 0, 1, 2


class LinkAir(Air):
    name = "link"
    main_width = 3

    def eval(self, b: AirBuilder) -> None:
        lane, v_in, v_out = b.main_local
        seg, first, last = b.public
        b.receive(GLOBAL_BUS, [seg - 1, lane, v_in], 1 - first)
        b.send(GLOBAL_BUS, [seg, lane, v_out], 1 - last)
        b.send(STEP_BUS, [lane, v_in])
        b.receive(STEP_BUS, [lane, v_out])


class StepsAir(Air):
    name = "steps"
    main_width = 4

    def eval(self, b: AirBuilder) -> None:
        lane, x, y, on = b.main_local
        b.assert_bool(on, "on_bool")
        b.assert_eq(y, x * x + 1, "step")
        b.receive(STEP_BUS, [lane, x], on)
        b.send(STEP_BUS, [lane, y], on)


class TickAir(Air):
    name = "tick"
    main_width = 3

    def eval(self, b: AirBuilder) -> None:
        on, c_in, c_out = b.main_local
        seg, first, last = b.public
        b.assert_bool(on, "on_bool")
        b.when(on).assert_eq(c_out, c_in + 1, "tick")
        b.receive(GLOBAL_BUS, [seg - 1, TICK_LANE, c_in], on * (1 - first))
        b.send(GLOBAL_BUS, [seg, TICK_LANE, c_out], on * (1 - last))


def machine() -> Machine:
    return Machine(
        [LinkAir(), StepsAir(), TickAir()],
        num_public_values=3,
        name="segments",
        global_buses=frozenset({GLOBAL_BUS}),
    )


def public(seg: int, count: int) -> list[int]:
    """The public values of segment ``seg`` of ``count``."""
    return [seg, int(seg == 0), int(seg == count - 1)]


def traces(
    count: int, log_lanes: int = 1, steps: int = 3, log_steps: int = 3, seed: int = 5
) -> list[list[np.ndarray]]:
    """Honest traces (link, steps, tick) of ``count`` segments: 2^log_lanes lanes with random
    start values, ``steps`` steps per lane and segment (2^log_steps rows of ``steps``, the rest
    off); the tick counter starts at 0."""
    lanes = 1 << log_lanes
    rows = 1 << log_steps
    if lanes * steps > rows:
        raise ValueError("the steps table is too short")
    rng = np.random.default_rng(seed)
    v = rng.integers(0, P, size=lanes, dtype=np.uint64)
    lane_ids = np.arange(lanes, dtype=np.uint64)
    out = []
    for s in range(count):
        xs, ys = [], []
        v_in = v.copy()
        for _ in range(steps):  # vectorized over lanes
            y = (v * v + 1) % P
            xs.append(v)
            ys.append(y)
            v = y
        link = np.stack([lane_ids, v_in, v], axis=1).astype(np.uint32)
        st = np.zeros((rows, 4), dtype=np.uint32)
        k = lanes * steps
        st[:, 2] = 1  # padding: x = 0, y = 1, off
        st[:k, 0] = np.tile(lane_ids, steps)
        st[:k, 1] = np.concatenate(xs)
        st[:k, 2] = np.concatenate(ys)
        st[:k, 3] = 1
        tick = np.array([[1, s, s + 1], [0, 0, 0]], dtype=np.uint32)
        out.append([link, st, tick])
    return out
