"""Shared helpers of the recursion tests."""

from __future__ import annotations

import contextlib
import importlib.util
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from zkrv_prover.recursion.builder import RecursionBuilder
from zkrv_prover.recursion.machine import generate_traces
from zkrv_prover.recursion.program import RecursionProgram, RecursionWitness
from zkrv_prover.stark.air import debug
from zkrv_prover.stark.air.air import Machine, TableLayout, compile_machine
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.field.poseidon2 import permute_batch

#: Small, fast parameters (security is not the point of these tests).
FAST = PcsParams(num_queries=4, pow_bits=1)

GADGET = "zkrv_prover.recursion.poseidon2_air"
HAS_P2_GADGET = importlib.util.find_spec(GADGET) is not None


@dataclass
class Recorded:
    """A finished recording with its compiled layouts and main traces (mutable copies)."""

    program: RecursionProgram
    witness: RecursionWitness
    layouts: list[TableLayout]
    traces: list[np.ndarray]

    def index(self, name: str) -> int:
        return [t.name for t in self.program.tables].index(name)

    def trace(self, name: str) -> np.ndarray:
        return self.traces[self.index(name)]

    def problems(self) -> list[str]:
        return debug.check_traces(self.layouts, self.traces, list(self.witness.public))

    def failing(self) -> set[str]:
        """Names of the failing constraints, plus "bus" for an unbalanced bus."""
        out = {
            f.constraint
            for lay, tr in zip(self.layouts, self.traces, strict=True)
            for f in debug.table_failures(lay, tr, list(self.witness.public))
        }
        if debug.bus_imbalance(self.layouts, self.traces, list(self.witness.public)):
            out.add("bus")
        return out


def record(r: RecursionBuilder) -> Recorded:
    program, witness = r.finish()
    machine = Machine(program.airs(), program.num_public)
    return Recorded(program, witness, compile_machine(machine), generate_traces(program, witness))


@contextlib.contextmanager
def stand_in_gadget() -> Iterator[None]:
    """Until the real Poseidon2 gadget (recursion/poseidon2_air.py) is merged: a stand-in with
    its API whose columns are the 16 inputs and 16 outputs and which constrains nothing (the
    permutation itself is then unproven). Lets the Poseidon2 table's bus wiring be tested."""
    if HAS_P2_GADGET:
        yield
        return
    m = types.ModuleType(GADGET)
    m.NUM_COLS = 32  # type: ignore[attr-defined]
    m.input_cols = lambda offset=0: list(range(offset, offset + 16))  # type: ignore[attr-defined]
    m.output_cols = lambda offset=0: list(range(offset + 16, offset + 32))  # type: ignore[attr-defined]
    m.eval_permutation = lambda b, offset=0: None  # type: ignore[attr-defined]
    m.generate = lambda ins: np.concatenate(  # type: ignore[attr-defined]
        [np.asarray(ins, dtype=np.uint32), permute_batch(np.asarray(ins))], axis=1
    )
    sys.modules[GADGET] = m
    try:
        yield
    finally:
        del sys.modules[GADGET]
