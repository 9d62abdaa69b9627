"""Reusable soundness tooling for AIR authors (the zkVM circuit is held to it).

- :func:`constraint_coverage`: for every main column of every table (and every aux column of
  tables with LogUp), mutate cells of an honest trace and check that the constraints or the bus
  balance catch each mutation. Returns the mutations that escaped; an AIR is "covered" when the
  list is empty (or contains only cells the AIR deliberately leaves free).
- :func:`unchecked_prover`: a context manager that switches the prover's own pre-commit trace
  checks off, so tests can play a malicious prover and make sure the *verifier* rejects.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from zkrv_prover.stark import debug, logup
from zkrv_prover.stark import symbolic_eval as se
from zkrv_prover.stark.air import Machine, TableLayout, compile_machine
from zkrv_prover.stark.field import EXT_DEGREE


@dataclass(frozen=True)
class Escape:
    """A mutation no constraint noticed: table, column kind ('main' or 'aux'), column, row."""

    table: str
    kind: str
    column: int
    row: int


def _rows_to_try(n: int, rng: np.random.Generator, samples: int) -> list[int]:
    # first, second, last and random rows: boundary constraints and transitions both matter
    rows = {0, 1, n - 1, n - 2} | {int(r) for r in rng.integers(0, n, size=samples)}
    return sorted(r for r in rows if 0 <= r < n)


def _main_caught(
    lays: Sequence[TableLayout], traces: list[np.ndarray], public: Sequence[int], t: int
) -> bool:
    if debug.table_failures(lays[t], traces[t], public):
        return True
    return bool(debug.bus_imbalance(lays, traces, public))


def constraint_coverage(
    machine: Machine,
    traces: Sequence[np.ndarray],
    public: Sequence[int],
    samples_per_column: int = 4,
    seed: int = 0,
) -> list[Escape]:
    """Mutations of honest ``traces`` that no constraint (nor bus balance) detects.

    Each tried cell gets a uniformly random different value (or +1, also tried), one cell at a
    time. Raises ``ValueError`` if the honest traces do not satisfy the machine to begin with."""
    lays = compile_machine(machine)
    problems = debug.check_traces(lays, traces, public)
    if problems:
        raise ValueError(f"honest traces fail: {problems[0]}")
    rng = np.random.default_rng(seed)
    escapes: list[Escape] = []
    work = [np.array(t, dtype=np.uint32, copy=True) for t in traces]
    for t, lay in enumerate(lays):
        n = work[t].shape[0]
        for col in range(lay.main_width):
            for row in _rows_to_try(n, rng, samples_per_column):
                orig = int(work[t][row, col])
                for new in {(orig + 1) % se.P_INT, int(rng.integers(0, se.P_INT))} - {orig}:
                    work[t][row, col] = new
                    caught = _main_caught(lays, work, public, t)
                    work[t][row, col] = orig
                    if not caught:
                        escapes.append(Escape(lay.air.name, "main", col, row))
                        break
        if lay.has_logup:
            escapes += _aux_coverage(lay, work[t], public, rng, samples_per_column)
    return escapes


def _aux_coverage(
    lay: TableLayout,
    main: np.ndarray,
    public: Sequence[int],
    rng: np.random.Generator,
    samples: int,
) -> list[Escape]:
    alpha = rng.integers(0, se.P_INT, size=EXT_DEGREE, dtype=np.uint64).astype(np.uint32)
    beta = rng.integers(0, se.P_INT, size=EXT_DEGREE, dtype=np.uint64).astype(np.uint32)
    aux, cumsum = logup.aux_trace(lay, main, lay.preprocessed, public, alpha, beta)
    ch = np.stack([alpha, beta]).astype(np.uint64)
    out: list[Escape] = []
    n = main.shape[0]
    for col in range(lay.aux_width):
        for row in _rows_to_try(n, rng, samples):
            orig = aux[row, col].copy()
            coord = int(rng.integers(0, EXT_DEGREE))
            aux[row, col, coord] = (int(orig[coord]) + 1) % se.P_INT
            caught = bool(debug.table_failures(lay, main, public, aux, ch, cumsum))
            aux[row, col] = orig
            if not caught:
                out.append(Escape(lay.air.name, "aux", col, row))
    return out


# -- malicious-prover hook -------------------------------------------------------------------------
class _ProverChecks:
    enabled: bool = True


PROVER_CHECKS = _ProverChecks()


@contextlib.contextmanager
def unchecked_prover() -> Iterator[None]:
    """Within this block the prover skips its trace checks and proves whatever it is given
    (for tests that must see the verifier, not the prover, reject bad witnesses)."""
    old = PROVER_CHECKS.enabled
    PROVER_CHECKS.enabled = False
    try:
        yield
    finally:
        PROVER_CHECKS.enabled = old
