"""Helpers for the zkVM machine tests: hand-assembled programs (reusing the executor tests'
independent assembler), witness generation and a fast constraint-coverage check."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from zkrv_prover.executor import ExecutionResult, MemoryImage, execute
from zkrv_prover.stark import debug, logup
from zkrv_prover.stark import symbolic_eval as se
from zkrv_prover.stark.air import TableLayout, compile_machine
from zkrv_prover.zkvm import machine as zm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "executor"))
import executor_asm as asm

__all__ = ["asm", "coverage_escapes", "problems", "run_program", "witness"]

_LAYOUT_CACHE: dict[tuple[int, int], list[TableLayout]] = {}


def run_program(
    code: list[int], data: dict[int, int] | None = None, inp: bytes = b""
) -> ExecutionResult:
    """Execute ``code`` followed by HALT (exit code = a0) with tracing."""
    return asm.run(code, data, inp)


def witness(res: ExecutionResult) -> zm.MachineWitness:
    """The full machine witness of a traced execution."""
    assert res.trace is not None
    tables = zm.ProgramTables.from_image(res.image)
    return zm.generate(tables, res.trace)


def problems(
    w: zm.MachineWitness,
    core: Sequence[np.ndarray] | None = None,
    public: Sequence[int] | None = None,
) -> list[str]:
    """Debug-checker problems of the witness, optionally with replaced core traces and public
    values (the peripheral tables are then regenerated from the replaced traces, as a
    malicious prover would)."""
    pub = list(w.public if public is None else public)
    if core is None:
        traces = w.traces
    else:
        traces = zm.complete_traces(w.layouts, list(core), pub, strict=False)
    return debug.check_traces(w.layouts, traces, pub)


def core_copy(w: zm.MachineWitness) -> list[np.ndarray]:
    return [np.array(t, copy=True) for t in w.traces[: len(zm.CORE_TABLES)]]


def coverage_escapes(
    w: zm.MachineWitness, tables: Sequence[str], samples: int = 3, seed: int = 1
) -> list[tuple[str, int, int]]:
    """Like :func:`zkrv_prover.stark.testing.constraint_coverage`, restricted to ``tables`` and
    fast: a mutation of table t counts as caught if t's own constraints fail or t's LogUp sum
    changes (all other tables are unchanged, so the machine's total then is nonzero; random
    challenges make a missed change improbable). Returns (table, column, row) escapes."""
    rng = np.random.default_rng(seed)
    alpha = rng.integers(0, se.P_INT, size=4).astype(np.uint32)
    beta = rng.integers(0, se.P_INT, size=4).astype(np.uint32)
    names = [lay.air.name for lay in w.layouts]
    out: list[tuple[str, int, int]] = []
    for name in tables:
        t = names.index(name)
        lay = w.layouts[t]
        tr = np.array(w.traces[t], copy=True)
        _, base = logup.aux_trace(lay, tr, lay.preprocessed, w.public, alpha, beta)
        n = tr.shape[0]
        rows = sorted({0, 1, n - 2, n - 1} | {int(r) for r in rng.integers(0, n, size=samples)})
        for col in range(lay.main_width):
            for row in rows:
                orig = int(tr[row, col])
                for new in {(orig + 1) % se.P_INT, int(rng.integers(0, se.P_INT))} - {orig}:
                    tr[row, col] = new
                    caught = bool(debug.table_failures(lay, tr, w.public))
                    if not caught:
                        try:
                            _, cs = logup.aux_trace(
                                lay, tr, lay.preprocessed, w.public, alpha, beta
                            )
                            caught = not np.array_equal(cs, base)
                        except ValueError:
                            caught = True
                    tr[row, col] = orig
                    if not caught:
                        out.append((name, col, row))
                        break
    return out


def image_of(code: list[int], data: dict[int, int] | None = None) -> MemoryImage:
    return asm.image(code + asm.HALT, data)


def execute_image(img: MemoryImage, inp: bytes = b"") -> ExecutionResult:
    return execute(img, inp, trace=True)


def layouts_for(w: zm.MachineWitness) -> list[TableLayout]:
    return compile_machine(w.machine)
