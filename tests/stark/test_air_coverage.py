"""The reusable constraint-coverage checker finds unconstrained cells and passes tight AIRs."""

from __future__ import annotations

import pytest

from zkrv_prover.stark.air.air import Air, AirBuilder, Machine
from zkrv_prover.stark.examples import fibonacci, multi_table, range_check
from zkrv_prover.stark.protocol.testing import constraint_coverage


def test_tight_airs_are_covered() -> None:
    for mod, args in [(fibonacci, (4,)), (range_check, ())]:
        traces, pub = mod.trace(*args)
        assert constraint_coverage(mod.machine(), traces, pub, samples_per_column=2) == []


def test_free_cells_are_reported() -> None:
    # In `ops`, rows with s = 0 send nothing: a, b, c are free there (a except on row 0).
    traces, pub = multi_table.trace()
    esc = constraint_coverage(multi_table.machine(), traces, pub, samples_per_column=6)
    ops = traces[0]
    assert esc, "the checker must notice the deliberately free cells"
    for e in esc:
        assert e.table == "ops" and e.kind == "main" and e.column in (0, 1, 2)
        assert ops[e.row, 3] == 0 and not (e.column == 0 and e.row == 0)


def test_missing_constraint_detected() -> None:
    class LeakyFib(fibonacci.FibonacciAir):
        def eval(self, b: AirBuilder) -> None:  # forgets the 'add' transition
            a, bb = b.main_local
            b.when_first_row().assert_eq(a, b.public[0])
            b.when_transition().assert_eq(b.main_next[0], bb)

    traces, pub = fibonacci.trace(4)
    esc = constraint_coverage(Machine([LeakyFib()], 3), traces, pub)
    assert {e.column for e in esc} == {1}


def test_dishonest_input_rejected() -> None:
    class One(Air):
        name = "one"
        main_width = 1

        def eval(self, b: AirBuilder) -> None:
            b.assert_eq(b.main_local[0], 1)

    import numpy as np

    with pytest.raises(ValueError):
        constraint_coverage(Machine([One()]), [np.zeros((4, 1), np.uint32)], [])
