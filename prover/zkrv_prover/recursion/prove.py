"""Proving and verifying a recursion program's execution with the STARK prover and verifier.

The verifying key is the keygen of :func:`.machine.build_machine` (it commits the program's
preprocessed traces); the proof's public values are the exposed cells' values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from zkrv_prover.recursion.builder import Poseidon2Variant, RecursionBuilder
from zkrv_prover.recursion.machine import build_machine, generate_traces
from zkrv_prover.recursion.program import RecursionProgram, RecursionWitness
from zkrv_prover.recursion.tables.common import padded_height
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol.heights import HeightSpec
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


def record_verifier_of(
    vk: VerifyingKey,
    spec: HeightSpec,
    public: Sequence[int],
    proof: StarkProof,
    accepted: Sequence[Sequence[int]],
    poseidon2: Poseidon2Variant = "wide",
    uniform: bool = False,
) -> tuple[RecursionProgram, RecursionWitness]:
    """Like :func:`record_verifier`, for a lifted recursion proof made by any one of several
    programs: ``proof`` is verified with its table heights (within ``spec``) and preprocessed
    root as data (``vk`` gives the machine's shape: every accepted program's, the same tables),
    and its :func:`.program_id.program_id` must be one of ``accepted`` (constants of the
    recorded program; which one is data). The public values are exposed as given. Raises
    ``VerificationError`` when the proof does not verify or its program is not accepted."""
    from zkrv_prover.recursion.program_id import PROGRAM_ID_LEN, key_program_id, program_id
    from zkrv_prover.recursion.zkvm_verifier import check_lifted_shape
    from zkrv_prover.stark.commit.hash_scheme import scheme_of
    from zkrv_prover.stark.field.arith import VerificationError

    if not accepted or any(len(a) != PROGRAM_ID_LEN for a in accepted):
        raise ValueError(f"accepted program IDs are {PROGRAM_ID_LEN} base elements each")
    check_lifted_shape(vk, public, proof, spec)
    if proof.pre_root is None:
        raise VerificationError("the proof carries no preprocessed root")
    actual = key_program_id(replace(vk, pre_root=proof.pre_root), list(proof.log_heights))
    which = next((i for i, a in enumerate(accepted) if list(a) == actual), None)
    if which is None:
        raise VerificationError("the proof is not by one of the accepted programs")
    r = RecursionBuilder(poseidon2=poseidon2)
    cells = [r.b_input(int(v)) for v in public]
    got = verify_with(r, vk, cells, proof, heights=spec, pre_root_input=True)
    assert got is not None and got.pre_root is not None
    pid = program_id(r, scheme_of(vk.params.hash), got.pre_root, got.pre_log_heights)
    bits = r.one_hot(r.b_input(which), 0, len(accepted) - 1)
    want = [r.b_const(int(v)) for v in accepted[0]]
    for bit, a in zip(bits[1:], accepted[1:], strict=True):
        want = r.select_b_vec(bit, [r.b_const(int(v)) for v in a], want)
    for x, y in zip(pid, want, strict=True):
        r.b_assert_eq(x, y, "the proof is by one of the accepted programs")
    for c in cells:
        r.expose_public(c)
    if not uniform:
        return r.finish()
    return r.finish(max(padded_height(n) for n in r.table_rows().values()))


def program_vk(
    program: RecursionProgram, params: PcsParams | None = None, lifted: bool = False
) -> VerifyingKey:
    """The verifying key of the program's machine (``lifted``: in the lifted layout, so a
    recursion program can verify its proofs with heights and root as data)."""
    return keygen(build_machine(program), params, lifted=lifted)


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
