"""The recursion machine of a program: its tables as a STARK :class:`Machine`, and the main
traces of a witness (gathered from the memory image, vectorized per table).

A *uniform* program (recorded with every table at one height, e.g. the shrink's) is proven as one
:class:`FusedAir`: its tables side by side in one AIR (the same columns, constraints and bus
interactions), so the machine has one LogUp running sum and one LogUp blind instead of one per
table (2 extension columns per table), and a LogUp degree budget of
:data:`UNIFORM_LOGUP_DEGREE`."""

from __future__ import annotations

import numpy as np

from zkrv_prover.recursion.program import RecursionProgram, RecursionWitness
from zkrv_prover.recursion.tables.common import U32, RecursionAir
from zkrv_prover.stark.air.air import Air, AirBuilder, Machine

#: LogUp degree budget of a uniform machine's fused table. Its constraints have degree 3, so a
#: budget of 4 (three interactions per LogUp helper instead of two) costs one more quotient
#: chunk (one extension column; with zk 3 -> 4 chunks, the quotient coset stays 4n) while it
#: removes about a third of the helper columns. Budget 5 would save 5 more helpers (shrink of
#: the compress proof: 3,126,333 -> 3,096,883 final-circuit constraints) but needs 5 chunks
#: with zk, a coset of 8n. A machine of several heights keeps each table's own budget (a raised
#: degree would cost a chunk per height).
UNIFORM_LOGUP_DEGREE = 4


class FusedAir(Air):
    """Tables of one height as one AIR: the main (and preprocessed) columns of table k follow
    those of tables 0..k-1; each table's :meth:`eval` runs on its own column slices, its
    constraints named ``table.constraint``. Sound exactly when the tables are: every row of
    the fused trace is a row of each table, every constraint and bus interaction is kept."""

    name = "fused"

    def __init__(self, airs: list[RecursionAir]) -> None:
        if len({air.height for air in airs}) != 1:
            raise ValueError("fused tables must have one height")
        self.airs = airs
        self.main_width = sum(air.main_width for air in airs)
        self.preprocessed_width = sum(air.preprocessed_width for air in airs)
        self.logup_degree = UNIFORM_LOGUP_DEGREE

    def eval(self, b: AirBuilder) -> None:
        m0 = p0 = 0
        for air in self.airs:
            sub = AirBuilder(air.main_width, air.preprocessed_width, len(b.public))
            m1, p1 = m0 + air.main_width, p0 + air.preprocessed_width
            sub.main_local, sub.main_next = b.main_local[m0:m1], b.main_next[m0:m1]
            sub.pre_local, sub.pre_next = b.pre_local[p0:p1], b.pre_next[p0:p1]
            sub.public = b.public
            air.eval(sub)
            for c in sub.constraints:
                b.constraints.append(type(c)(c.expr, f"{air.name}.{c.name}"))
            b.interactions.extend(sub.interactions)
            m0, p0 = m1, p1

    def preprocessed_trace(self) -> np.ndarray:
        return np.concatenate([air.pre for air in self.airs], axis=1)


def is_uniform(program: RecursionProgram) -> bool:
    """Whether the program's machine is one :class:`FusedAir`: several tables recorded at one
    height (``RecursionBuilder.finish(min_height)``, ``RecursionProgram.fused``)."""
    return program.fused


def build_machine(program: RecursionProgram) -> Machine:
    """One table per non-empty op kind of ``program`` (its preprocessed traces fixed), sharing
    the program's public values; a uniform program's tables fused into one
    (:class:`FusedAir`)."""
    airs: list[Air] = list(program.airs())
    if is_uniform(program):
        airs = [FusedAir(program.airs())]
    return Machine(airs, num_public_values=program.num_public, name="recursion")


def machine_log_heights(program: RecursionProgram) -> list[int]:
    """The log heights of :func:`build_machine`'s tables (machine order)."""
    heights = [t.height.bit_length() - 1 for t in program.tables]
    return heights[:1] if is_uniform(program) else heights


def table_traces(program: RecursionProgram, witness: RecursionWitness) -> list[U32]:
    """The main traces of ``witness``, one per table of the program (``program.airs()``)."""
    if witness.memory.shape[0] != program.num_cells:
        raise ValueError("the witness is not for this program (cell count differs)")
    if len(witness.public) != program.num_public:
        raise ValueError("the witness is not for this program (public value count differs)")
    return [air.main_trace(witness.memory, witness.public) for air in program.airs()]


def generate_traces(program: RecursionProgram, witness: RecursionWitness) -> list[U32]:
    """The main traces (one per table of :func:`build_machine`, in order) of ``witness``: the
    program's tables', side by side for a fused machine."""
    traces = table_traces(program, witness)
    if is_uniform(program):
        return [np.ascontiguousarray(np.concatenate(traces, axis=1))]
    return traces
