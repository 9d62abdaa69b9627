"""The recursion machine of a program: its tables as a STARK :class:`Machine`, and the main
traces of a witness (gathered from the memory image, vectorized per table)."""

from __future__ import annotations

from zkrv_prover.recursion.program import RecursionProgram, RecursionWitness
from zkrv_prover.recursion.tables.common import U32
from zkrv_prover.stark.air.air import Machine


def build_machine(program: RecursionProgram) -> Machine:
    """One table per non-empty op kind of ``program`` (its preprocessed traces fixed), sharing
    the program's public values."""
    return Machine(program.airs(), num_public_values=program.num_public, name="recursion")


def generate_traces(program: RecursionProgram, witness: RecursionWitness) -> list[U32]:
    """The main traces (one per table of :func:`build_machine`, in order) of ``witness``."""
    if witness.memory.shape[0] != program.num_cells:
        raise ValueError("the witness is not for this program (cell count differs)")
    if len(witness.public) != program.num_public:
        raise ValueError("the witness is not for this program (public value count differs)")
    return [air.main_trace(witness.memory, witness.public) for air in program.airs()]
