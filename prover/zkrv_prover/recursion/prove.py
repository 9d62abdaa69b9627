"""Proving and verifying a recursion program's execution with the STARK prover and verifier.

The verifying key is the keygen of :func:`.machine.build_machine` (it commits the program's
preprocessed traces); the proof's public values are the exposed cells' values.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkrv_prover.recursion.builder import Poseidon2Variant, RecursionBuilder
from zkrv_prover.recursion.machine import build_machine, generate_traces
from zkrv_prover.recursion.program import RecursionProgram, RecursionWitness
from zkrv_prover.recursion.tables.common import padded_height
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol.prover import StarkProof, VerifyingKey, keygen, prove
from zkrv_prover.stark.protocol.verifier import check_shape, verify, verify_with


def record_verifier(
    vk: VerifyingKey,
    public: Sequence[int],
    proof: StarkProof,
    poseidon2: Poseidon2Variant = "wide",
    uniform: bool = False,
) -> tuple[RecursionProgram, RecursionWitness]:
    """Record the generic verifier of ``proof`` (for ``public`` under ``vk``) as a recursion
    program whose public values are ``public``, with the ``poseidon2`` table variant;
    ``uniform``: every table padded to the tallest one's height. Raises ``VerificationError``
    (or ``ValueError`` for a malformed shape) when the proof does not verify, exactly as the
    native verifier."""
    r = RecursionBuilder(poseidon2=poseidon2)
    check_shape(vk, proof, len(public))
    cells = [r.b_input(int(v)) for v in public]
    verify_with(r, vk, cells, proof)
    for c in cells:
        r.expose_public(c)
    if not uniform:
        return r.finish()
    return r.finish(max(padded_height(n) for n in r.table_rows().values()))


def program_vk(program: RecursionProgram, params: PcsParams | None = None) -> VerifyingKey:
    """The verifying key of the program's machine."""
    return keygen(build_machine(program), params)


def prove_program(
    program: RecursionProgram | VerifyingKey,
    witness: RecursionWitness,
    params: PcsParams | None = None,
    rng: FieldRng | None = None,
    recorded: RecursionProgram | None = None,
) -> StarkProof:
    """A STARK proof that ``witness`` executes ``program`` (or a key made by
    :func:`program_vk`, then ``recorded`` is its program); raises ``ProverError`` when it does
    not."""
    if isinstance(program, VerifyingKey):
        if recorded is None:
            raise ValueError("proving with a key needs the recorded program too")
        vk, prog = program, recorded
    else:
        vk, prog = program_vk(program, params), program
    return prove(vk, generate_traces(prog, witness), list(witness.public), rng)


def verify_program(
    program_or_vk: RecursionProgram | VerifyingKey,
    proof: StarkProof,
    public_values: Sequence[int],
    params: PcsParams | None = None,
) -> None:
    """Verify a recursion proof; raises ``VerificationError`` when it is not valid."""
    vk = (
        program_or_vk
        if isinstance(program_or_vk, VerifyingKey)
        else program_vk(program_or_vk, params)
    )
    verify(vk, [int(v) for v in public_values], proof)
