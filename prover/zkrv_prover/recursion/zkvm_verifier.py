"""The universal zkVM recursion program: one recursion program that verifies the receipt of any
guest, of any execution length (``docs/recursion.md``, "One program for every guest").

zkVM proofs use the lifted layout (``zkvm.image_id.ZKVM_LIFTED``), so the generic verifier can
take every table height and the preprocessed root as data: :func:`record_zkvm_verifier` runs it
through a :class:`~.builder.RecursionBuilder` with

- the height spec :func:`zkvm_height_spec`: each table the prover sizes in
  ``[log2 MIN_TABLE_HEIGHT, cap]`` (the caps of ``zkvm.machine.height_caps``, which the native
  receipt verifier enforces: 2^21 rows for the CPU, 2^22 for the rest), the program and image
  tables in ``[1, MAX_LOG_TABLE]`` (they are sized by the ELF), and the fixed preprocessed tables
  (registers, halt, bytes) at their constant heights;
- the preprocessed root read from the proof (``pre_root_input``).

It exposes the 46 values of :mod:`.zkvm_layout`: the root's 8 felts, the program and image
tables' log heights and the zkVM's 36 public values. These are what the verifier took as data
and did not bind itself (``verifier_lifted.LiftedInputs``): the fixed tables' heights are
constants of the spec, and the root and the two heights are bound by whoever checks the claim
(they hash to the image ID: ``r1cs/zkvm_claim.py``). Since the control flow depends only on the
spec, every receipt records the same program (same digest, same verifying key).
"""

from __future__ import annotations

from collections.abc import Sequence

from zkrv_prover.recursion.builder import BCell, Poseidon2Variant, RecursionBuilder
from zkrv_prover.recursion.program import RecursionProgram, RecursionWitness
from zkrv_prover.recursion.zkvm_layout import PRE_ROOT_LEN, ZKVM_RECURSION_PUBLIC
from zkrv_prover.stark.commit import pcs
from zkrv_prover.stark.field.arith import VerificationError
from zkrv_prover.stark.field.codec import ProofFormatError
from zkrv_prover.stark.protocol.heights import HeightSpec
from zkrv_prover.stark.protocol.proof import zero_matrices
from zkrv_prover.stark.protocol.prover import StarkProof, VerifyingKey
from zkrv_prover.stark.protocol.verifier import check_shape, verify_with
from zkrv_prover.stark.protocol.verifier_lifted import LiftedInputs, pcs_shape
from zkrv_prover.zkvm.image_id import MAX_LOG_TABLE
from zkrv_prover.zkvm.machine import MIN_TABLE_HEIGHT, height_caps

#: Tables whose preprocessed columns differ per guest (their heights are data, exposed).
PROGRAM_TABLE, IMAGE_TABLE = "program", "image"
#: The precompile tables a receipt may leave empty, in groups that are empty together.
PRECOMPILE_GROUPS: tuple[tuple[str, ...], ...] = (("modmul256",), ("keccak_f", "keccak_rc"))
#: The universal program's variants: one per set of empty precompile groups, the general one
#: first. A variant takes its groups' tables as empty (their openings the constant 0), so it
#: skips their leaf hashing, DEEP terms and constraints: a receipt without Keccak or MODMUL256
#: calls pays for neither table (``docs/recursion.md``, "Variants").
VARIANTS: tuple[tuple[str, ...], ...] = tuple(
    tuple(n for k, g in enumerate(PRECOMPILE_GROUPS) if mask >> k & 1 for n in g)
    for mask in range(1 << len(PRECOMPILE_GROUPS))
)


def zkvm_height_spec(vk: VerifyingKey) -> HeightSpec:
    """The heights the universal program accepts for a zkVM key's tables (module doc)."""
    lo = MIN_TABLE_HEIGHT.bit_length() - 1
    ranges = []
    for lay, cap in zip(vk.layouts, height_caps(vk.layouts), strict=True):
        if lay.air.name in (PROGRAM_TABLE, IMAGE_TABLE):
            ranges.append((1, MAX_LOG_TABLE))
        elif lay.preprocessed is not None:
            h = lay.preprocessed.shape[0].bit_length() - 1
            ranges.append((h, h))
        else:
            ranges.append((lo, cap))
    return HeightSpec(tuple(ranges))


def check_lifted_shape(
    vk: VerifyingKey, public: Sequence[int], proof: StarkProof, spec: HeightSpec
) -> None:
    """What the native verifier checks before running the generic one on a lifted proof whose
    heights and preprocessed root are data: the key is lifted, the heights lie in ``spec``, the
    proof's shape and PCS structure match them. Raises ``VerificationError`` (``ValueError``
    for a key that is not lifted)."""
    if not vk.lifted:
        raise ValueError("a recursion program with heights as data verifies lifted proofs")
    try:
        spec.check(proof.log_heights)
    except ValueError as e:
        raise VerificationError(str(e)) from e
    check_shape(vk, proof, len(public), pre_root_input=True)
    try:
        pcs.check_structure(pcs_shape(vk, list(proof.log_heights)), proof.pcs_proof)
    except ProofFormatError as e:
        raise VerificationError("PCS proof structure does not match its heights") from e


def check_receipt_shape(vk: VerifyingKey, public: Sequence[int], proof: StarkProof) -> HeightSpec:
    """:func:`check_lifted_shape` for a zkVM proof under :func:`zkvm_height_spec`; returns the
    spec."""
    if not vk.lifted:
        raise ValueError("the universal zkVM program verifies lifted zkVM proofs")
    spec = zkvm_height_spec(vk)
    check_lifted_shape(vk, public, proof, spec)
    return spec


def image_material(vk: VerifyingKey, got: LiftedInputs) -> list[BCell]:
    """The root's 8 felts and the program and image tables' log heights that the verification
    took as data (the first 10 values of ``zkvm_layout``: they hash to the image ID)."""
    assert got.pre_root is not None
    names = [vk.layouts[t].air.name for t in vk.pre_tables]
    heights = dict(zip(names, got.pre_log_heights, strict=True))
    root = list(got.pre_root)
    if len(root) != PRE_ROOT_LEN:
        raise ValueError("the zkVM's preprocessed root is a Poseidon2 digest")
    return [*root, heights[PROGRAM_TABLE], heights[IMAGE_TABLE]]


def empty_tables(vk: VerifyingKey, proof: StarkProof) -> frozenset[str]:
    """Names of the tables the proof leaves empty: main, aux and quotient matrices all zero
    (``proof.zero_matrices``) and a zero LogUp sum."""
    zero = zero_matrices(proof)
    rounds: list[list[int]] = []
    if vk.pre_tables:
        rounds.append([])  # preprocessed columns are never a receipt's to leave empty
    if vk.has_global:
        rounds.append([])
    rounds.append(vk.main_tables)
    if vk.logup_tables:
        rounds.append(vk.logup_tables)
    rounds.append(list(range(len(vk.layouts))))
    out = set()
    for t, lay in enumerate(vk.layouts):
        mats = [(r, tables.index(t)) for r, tables in enumerate(rounds) if t in tables]
        sums = [c for k, c in zip(vk.local_tables, proof.cumsums, strict=True) if k == t]
        if all(m in zero for m in mats) and not any(any(c) for c in sums):
            out.add(lay.air.name)
    return frozenset(out)


def variant_for(vk: VerifyingKey, proof: StarkProof) -> tuple[str, ...]:
    """The most specialised :data:`VARIANTS` entry whose tables ``proof`` leaves empty."""
    empty = empty_tables(vk, proof)
    return max((v for v in VARIANTS if set(v) <= empty), key=len)


def record_zkvm_verifier(
    vk: VerifyingKey,
    public: Sequence[int],
    proof: StarkProof,
    poseidon2: Poseidon2Variant = "wide",
    empty: Sequence[str] = (),
) -> tuple[RecursionProgram, RecursionWitness]:
    """Record the universal program verifying ``proof`` (a zkVM receipt's proof with public
    values ``public`` under ``vk``, lifted); raises ``VerificationError`` exactly where the
    native verifier would (and for heights outside :func:`zkvm_height_spec`). ``empty``: the
    variant specialised to receipts whose tables of these names are empty (:data:`VARIANTS`;
    ``VerificationError`` when the proof's are not)."""
    spec = check_receipt_shape(vk, public, proof)
    r = RecursionBuilder(poseidon2=poseidon2)
    cells = [r.b_input(int(v)) for v in public]
    names = [lay.air.name for lay in vk.layouts]
    zero = frozenset(names.index(n) for n in empty)
    got = verify_with(r, vk, cells, proof, heights=spec, pre_root_input=True, zero_tables=zero)
    assert got is not None
    exposed = [*image_material(vk, got), *cells]
    assert len(exposed) == ZKVM_RECURSION_PUBLIC
    for c in exposed:
        r.expose_public(c)
    return r.finish()


__all__ = [
    "PRECOMPILE_GROUPS",
    "VARIANTS",
    "check_lifted_shape",
    "check_receipt_shape",
    "empty_tables",
    "image_material",
    "record_zkvm_verifier",
    "variant_for",
    "zkvm_height_spec",
]
