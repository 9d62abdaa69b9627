"""LogUp: aux columns satisfy their constraints, buses balance exactly when multisets agree."""

from __future__ import annotations

import numpy as np
import pytest

from zkrv_prover.stark.air import debug, logup, zk
from zkrv_prover.stark.air import symbolic_eval as se
from zkrv_prover.stark.air.air import compile_machine
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.examples import bench_air, fibonacci, multi_table, range_check
from zkrv_prover.stark.field.field import EXT_DEGREE
from zkrv_prover.stark.field.randomness import FieldRng

P = se.P_INT
EXAMPLES = [
    (fibonacci, (4,)),
    (range_check, ()),
    (multi_table, ()),
    (bench_air, (6,)),
]


def _challenges(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, P, size=EXT_DEGREE, dtype=np.uint64).astype(np.uint32)
    b = rng.integers(0, P, size=EXT_DEGREE, dtype=np.uint64).astype(np.uint32)
    return a, b


def _total(lays, traces, pub, seed: int = 0) -> np.ndarray:  # type: ignore[no-untyped-def]
    """sum_t cumsum_t at random challenges, each table with a random blind on row 0 (summing
    to zero over the tables, as the prover's), checking every LogUp constraint on the way."""
    alpha, beta = _challenges(seed)
    ch = np.stack([alpha, beta]).astype(np.uint64)
    tot = np.zeros(EXT_DEGREE, dtype=np.uint64)
    logup_tables = [t for t, lay in enumerate(lays) if lay.has_logup]
    blinds = zk.logup_blinds(PcsParams(), len(logup_tables), FieldRng.seeded(seed))
    for lay, tr, b in zip(
        [lays[t] for t in logup_tables], [traces[t] for t in logup_tables], blinds, strict=True
    ):
        tr = logup.with_blind(lay, tr, logup.blind_column(tr.shape[0], b))
        aux, cs = logup.aux_trace(lay, tr, lay.preprocessed, pub, alpha, beta)
        assert debug.table_failures(lay, tr, pub, aux, ch, cs) == []
        tot = (tot + cs) % P
    return tot


@pytest.mark.parametrize(("mod", "args"), EXAMPLES)
def test_honest_examples_check_and_balance(mod, args) -> None:  # type: ignore[no-untyped-def]
    lays = compile_machine(mod.machine())
    traces, pub = mod.trace(*args)
    assert debug.check_traces(lays, traces, pub) == []
    assert (_total(lays, traces, pub) == 0).all()


def test_wrong_multiplicity_unbalances() -> None:
    lays = compile_machine(range_check.machine())
    traces, pub = range_check.trace()
    traces[0][10, 1] += 1  # one extra claimed occurrence
    assert not (_total(lays, traces, pub) == 0).all()
    assert any("bus 1" in m for m in debug.check_traces(lays, traces, pub))


def test_out_of_range_value_unbalances_even_with_fixed_multiplicities() -> None:
    lays = compile_machine(range_check.machine())
    traces, pub = range_check.trace()
    v = int(traces[0][3, 0])
    traces[0][3, 0] = 256  # not in the table
    traces[0][v, 1] -= 1
    assert not (_total(lays, traces, pub) == 0).all()


def test_cross_table_bus_with_different_heights() -> None:
    lays = compile_machine(multi_table.machine())
    traces, pub = multi_table.trace(log_ops=6, log_add=2)
    assert [t.shape[0] for t in traces] == [64, 4, 256]
    assert (_total(lays, traces, pub) == 0).all()
    traces[1][0, 3] += 1  # adder claims one more use
    assert not (_total(lays, traces, pub) == 0).all()


def test_grouping_respects_degree_budget() -> None:
    lays = compile_machine(bench_air.machine())
    bench = lays[0]
    assert bench.degree == 3  # degree-3 transitions; LogUp fits in the same budget
    assert all(c.expr.degree <= 3 for c in bench.constraints)
    rc = compile_machine(range_check.machine())[0]
    # one helper (group 0), then the running sum (which carries group 1)
    assert rc.logup_groups == [[0], [1]] and rc.aux_width == 2 and rc.degree == 2


def test_running_sum_step_pins_the_cumsum_and_leaves_phi_free_up_to_a_constant() -> None:
    """The last group's fractions are phi's step on every row of the cycle (``logup.py``): a
    claimed sum off by anything breaks the step on the last row, where the cycle closes through
    the cumsum; a wrong phi cell breaks the steps into and out of its row; shifting the whole
    of phi by a constant changes nothing (the steps are differences)."""
    lay = compile_machine(range_check.machine())[0]
    traces, pub = range_check.trace()
    full = logup.with_blind(lay, traces[0])
    alpha, beta = _challenges(5)
    ch = np.stack([alpha, beta]).astype(np.uint64)
    aux, cs = logup.aux_trace(lay, full, lay.preprocessed, pub, alpha, beta)
    n, phi = full.shape[0], lay.aux_width - 1
    assert debug.table_failures(lay, full, pub, aux, ch, cs) == []
    bad_cs = cs.copy()
    bad_cs[2] = (int(bad_cs[2]) + 1) % P
    fails = debug.table_failures(lay, full, pub, aux, ch, bad_cs)
    assert [(f.constraint, f.row) for f in fails] == [("logup_step", n - 1)]
    bad = aux.copy()
    bad[7, phi, 0] = (int(bad[7, phi, 0]) + 1) % P
    fails = debug.table_failures(lay, full, pub, bad, ch, cs)
    assert [(f.constraint, f.row, f.count) for f in fails] == [("logup_step", 6, 2)]
    shifted = aux.copy()
    shifted[:, phi] = (shifted[:, phi].astype(np.uint64) + np.arange(1, 6)) % P
    assert debug.table_failures(lay, full, pub, shifted, ch, cs) == []
