"""Reusable soundness tooling for AIR authors (the zkVM circuit is held to it).

- :func:`constraint_coverage`: for every main column of every table (the LogUp blind columns
  included) and every aux column of tables with LogUp, mutate cells of an honest trace and
  check that the constraints, the bus balance or the blinds' balance catch each mutation.
  Returns the mutations that escaped; an AIR is "covered" when the list is empty (or contains
  only cells the AIR deliberately leaves free).
- :func:`genuine_logup_sums`: the per-table LogUp sums of guessed witness traces at a proof's
  challenges, i.e. the guessed-input attack that blinded sums defeat (``stark/air/logup.py``).
- :func:`unchecked_prover`: a context manager that switches the prover's own pre-commit trace
  checks off, so tests can play a malicious prover and make sure the *verifier* rejects.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from zkrv_prover.stark.air import debug, logup, zk
from zkrv_prover.stark.air import symbolic_eval as se
from zkrv_prover.stark.air.air import Machine, TableLayout, compile_machine
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.field.field import EXT_DEGREE
from zkrv_prover.stark.field.randomness import FieldRng

if TYPE_CHECKING:
    from zkrv_prover.stark.protocol.prover import StarkProof, VerifyingKey


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
    if bool(logup.blind_total(lays, traces).any()):
        return True  # the LogUp sums no longer add up to zero
    return bool(debug.bus_imbalance(lays, traces, public))


def constraint_coverage(
    machine: Machine,
    traces: Sequence[np.ndarray],
    public: Sequence[int],
    samples_per_column: int = 4,
    seed: int = 0,
) -> list[Escape]:
    """Mutations of honest ``traces`` (the AIRs' own columns) that no constraint (nor bus or
    blind balance) detects.

    The traces get honest LogUp blind columns (random, summing to zero over the tables, as the
    zk prover's), which are mutated like every other main column. Each tried cell gets a
    uniformly random different value (or +1, also tried), one cell at a time. Raises
    ``ValueError`` if the honest traces do not satisfy the machine to begin with."""
    if machine.global_buses:
        raise ValueError("constraint coverage does not model global buses yet")
    lays = compile_machine(machine)
    problems = debug.check_traces(lays, traces, public)
    if problems:
        raise ValueError(f"honest traces fail: {problems[0]}")
    rng = np.random.default_rng(seed)
    logup_tables = [t for t, lay in enumerate(lays) if lay.has_logup]
    drawn = zk.logup_blinds(PcsParams(), len(logup_tables), FieldRng.seeded(seed + 1))
    blind = {
        t: logup.blind_column(traces[t].shape[0], b)
        for t, b in zip(logup_tables, drawn, strict=True)
    }
    escapes: list[Escape] = []
    work = [
        logup.with_blind(lay, np.array(tr, dtype=np.uint32, copy=True), blind.get(t))
        for t, (lay, tr) in enumerate(zip(lays, traces, strict=True))
    ]
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


def genuine_logup_sums(
    vk: VerifyingKey,
    proof: StarkProof,
    public: Sequence[int],
    guess: Sequence[np.ndarray],
) -> list[tuple[int, ...]]:
    """The genuine LogUp sums L_t (one per LogUp table) of the witness traces ``guess`` at the
    challenges of ``proof``, which anyone can replay from public data. Unblinded, a proof
    publishes exactly these for its own witness, so comparing them with ``proof.cumsums`` tests
    a guessed private input; with the blinds they match for no guess (``docs/stark.md``)."""
    from zkrv_prover.stark.commit.hash_scheme import scheme_of
    from zkrv_prover.stark.field.arith import NativeArith
    from zkrv_prover.stark.protocol.prover import LABEL, observe_header

    if vk.has_global:  # the transcript would need the boundary round and global challenges
        raise ValueError("genuine_logup_sums does not replay machines with global buses")
    ar = NativeArith()
    hs = scheme_of(vk.params.hash)
    tr = hs.transcript(ar, LABEL)
    observe_header(tr, ar, vk, proof.log_heights, [ar.b_input(int(v)) for v in public])
    tr.observe_digest(hs.digest_input(ar, proof.main_root))
    alpha, beta = (np.asarray(tr.sample_ext(), dtype=np.uint32) for _ in range(2))
    out = []
    for t in vk.logup_tables:
        lay = vk.layouts[t]
        full = logup.with_blind(lay, np.asarray(guess[t], dtype=np.uint32))  # zero blind
        _, cs = logup.aux_trace(lay, full, lay.preprocessed, public, alpha, beta)
        out.append(tuple(int(v) for v in cs))
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
