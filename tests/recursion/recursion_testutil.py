"""Shared helpers of the recursion tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zkrv_prover.recursion.builder import RecursionBuilder
from zkrv_prover.recursion.machine import table_traces
from zkrv_prover.recursion.program import RecursionProgram, RecursionWitness
from zkrv_prover.stark.air import debug
from zkrv_prover.stark.air.air import Machine, TableLayout, compile_machine
from zkrv_prover.stark.commit.params import PcsParams

#: Small, fast parameters (security is not the point of these tests).
FAST = PcsParams(num_queries=4, pow_bits=1)


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
    return Recorded(program, witness, compile_machine(machine), table_traces(program, witness))
