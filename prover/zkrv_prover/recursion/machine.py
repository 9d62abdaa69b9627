"""The recursion machine of a program: its tables as a STARK :class:`Machine`, and the main
traces of a witness (gathered from the memory image, vectorized per table)."""

from __future__ import annotations

from zkrv_prover.recursion.program import RecursionProgram, RecursionWitness
from zkrv_prover.recursion.tables.common import U32
from zkrv_prover.stark.air.air import Machine

#: LogUp degree budget of every table of a *uniform* machine (all tables at one height, e.g. the
#: shrink's). Its tables share one quotient, of the machine's largest degree (3), so a budget of
#: 4 (three interactions per LogUp helper instead of two) costs one more quotient chunk (one
#: extension column) for the whole machine while it removes a third of the helper columns
#: (shrink of the compress proof: 582 -> 527 opened base columns, quotient 10 -> 15). A
#: machine of several heights keeps each table's own budget (there a raised degree costs a
#: chunk per height).
UNIFORM_LOGUP_DEGREE = 4


def build_machine(program: RecursionProgram) -> Machine:
    """One table per non-empty op kind of ``program`` (its preprocessed traces fixed), sharing
    the program's public values; when every table has the same height (and there are several)
    their LogUp degree budgets are raised to :data:`UNIFORM_LOGUP_DEGREE`."""
    airs = program.airs()
    if len(airs) > 1 and len({air.height for air in airs}) == 1:
        for air in airs:
            air.logup_degree = max(air.logup_degree or 0, UNIFORM_LOGUP_DEGREE)
    return Machine(airs, num_public_values=program.num_public, name="recursion")


def generate_traces(program: RecursionProgram, witness: RecursionWitness) -> list[U32]:
    """The main traces (one per table of :func:`build_machine`, in order) of ``witness``."""
    if witness.memory.shape[0] != program.num_cells:
        raise ValueError("the witness is not for this program (cell count differs)")
    if len(witness.public) != program.num_public:
        raise ValueError("the witness is not for this program (public value count differs)")
    return [air.main_trace(witness.memory, witness.public) for air in program.airs()]
