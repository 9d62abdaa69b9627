"""The shrink layer: the recursion proof that the Groth16 wrap verifies, and what it costs.

Production API (``docs/wrap.md``, "The shrink layer"): :func:`prove_shrink` takes a recursion
proof (its verifying key, public values and proof, Poseidon2-BabyBear), records the program that
verifies it with the :data:`SHRINK_POSEIDON2` table and every table at one height
(:func:`record_shrink`; its machine is then one fused table,
:class:`zkrv_prover.recursion.machine.FusedAir`), picks BN254-hash parameters reaching
:data:`TARGET_BITS` proven bits at :data:`SHRINK_LOG_BLOWUP` (:func:`shrink_config`), makes
the key (:func:`shrink_key`, cached in memory per shrink program) and proves;
:func:`verify_shrink` checks the result. The shrink proof's public values are the inner
proof's, in order.

Study helpers:

A shrink proof is a recursion program (the recorded verifier of some proof) proven with the
BN254 hash (``PcsParams`` default), so that the R1CS wrap circuit can check it. Its circuit grows
with the queries times the opened width (every opened base value is range-checked, hashed into
its Merkle leaf and DEEP-reduced), so the shrink machine picks a narrow Poseidon2 table and the
blowup whose query count for the target security is smallest for what the prover can afford.

- the recursion program verifying a proof is :func:`zkrv_prover.recursion.prove.record_verifier`
  (any Poseidon2 table, optionally every table at one height);
- :func:`shrink_params`: the fewest queries reaching ``target`` proven bits (Johnson-bound
  regime, best multiplicity m) for a program's machine at a blowup and grinding;
- :func:`wrap_constraints`: the size of the wrap circuit of a shrink proof of that machine
  (a random proof of the right shape through :func:`zkrv_prover.r1cs.wrap.emit_verifier` on a
  non-strict constraint system: the circuit depends only on the shape).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from zkrv_prover.lru import Lru
from zkrv_prover.recursion.builder import Poseidon2Variant
from zkrv_prover.recursion.machine import build_machine, machine_log_heights
from zkrv_prover.recursion.program import RecursionProgram, RecursionWitness
from zkrv_prover.recursion.prove import program_vk, prove_program, record_verifier, verify_program
from zkrv_prover.stark.air.air import TableLayout, compile_machine
from zkrv_prover.stark.commit.hash_scheme import HashName
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol import soundness
from zkrv_prover.stark.protocol.prover import StarkProof, VerifyingKey

#: Proven bits (Johnson-bound regime) a shrink configuration must reach.
TARGET_BITS = 100.0
#: The production shrink blowup (log2) and grinding bits: see ``docs/wrap.md``, "The shrink
#: layer", for the measurement behind the choice (blowup 16: the final circuit stays in the
#: 2^22 Groth16 domain that blowup 32 also needs, at half the shrink prover's LDE).
SHRINK_LOG_BLOWUP = 4
SHRINK_POW_BITS = 20
#: Hash family of shrink proofs: the one the R1CS wrap circuit verifies.
SHRINK_HASH: HashName = "poseidon-bn254"
#: The Poseidon2 table the shrink program is recorded with: ``medium`` (7 rows per permutation,
#: 175 opened columns) rather than ``skinny`` (23 rows, 156): the shrink of a compress proof is
#: 2^17 rows instead of 2^19 and its final circuit 8% smaller (``docs/wrap.md``).
SHRINK_POSEIDON2: Poseidon2Variant = "medium"


def log_heights(program: RecursionProgram) -> list[int]:
    """The machine's table log heights (table order; a uniform program's machine is one fused
    table: :func:`zkrv_prover.recursion.machine.machine_log_heights`)."""
    return machine_log_heights(program)


@dataclass(frozen=True)
class ShrinkParams:
    """A configuration reaching the target: its parameters, JBR multiplicity and proven bits
    (the minimum over every soundness term, the limiting one named)."""

    params: PcsParams
    m: int
    bits: float
    limiting_term: str


def shrink_params(
    layouts: Sequence[TableLayout],
    heights: Sequence[int],
    log_blowup: int,
    pow_bits: int,
    target: float = TARGET_BITS,
    base: PcsParams | None = None,
    lifted: bool = False,
) -> ShrinkParams | None:
    """The fewest queries reaching ``target`` JBR bits for a proof of ``layouts`` at
    ``heights`` (None when some query-independent term is below it; ``lifted``: a proof in
    the lifted layout). The shape is re-derived
    at the found query count (it changes the zk padding of small tables) until it holds."""
    params = replace(base or PcsParams(), log_blowup=log_blowup, pow_bits=pow_bits)
    fld = soundness.ExtensionField()
    for _ in range(8):
        shape = soundness.shape_of("shrink", layouts, heights, params, lifted=lifted)
        found = soundness.best_jbr_queries(target, params, shape, fld)
        if found is None:
            return None
        q, m = found
        params = replace(params, num_queries=q)
        shape = soundness.shape_of("shrink", layouts, heights, params, lifted=lifted)
        rep = soundness.security_report(params, shape, soundness.JohnsonBound(m), fld)
        if rep.minimum >= target:
            return ShrinkParams(params, m, rep.minimum, rep.limiting_term)
    raise RuntimeError("shrink_params: the query count did not settle")


def shape_only_key(program: RecursionProgram, params: PcsParams) -> VerifyingKey:
    """A verifying key of the program's machine without committing its preprocessed traces
    (a placeholder root): enough to build the wrap circuit, whose shape ignores the root."""
    machine = build_machine(program)
    return VerifyingKey(machine, params, compile_machine(machine), pre_root=1)


def wrap_constraints(program: RecursionProgram, params: PcsParams, seed: int = 0) -> int:
    """R1CS constraints of the wrap circuit (``emit_verifier``) of a shrink proof of
    ``program`` with ``params`` (BN254 hash)."""
    from zkrv_prover.r1cs.builder import ConstraintSystem
    from zkrv_prover.r1cs.profile import random_shaped_proof
    from zkrv_prover.r1cs.wrap import emit_verifier

    vk = shape_only_key(program, params)
    heights = log_heights(program)
    proof = random_shaped_proof(vk, heights, seed)
    cs = ConstraintSystem(strict=False)
    emit_verifier(cs, vk, [0] * program.num_public, proof)
    return int(cs.n_constraints)


def security_bits(
    program: RecursionProgram, params: PcsParams, lifted: bool = False
) -> ShrinkParams:
    """The proven bits (JBR, best multiplicity) of a proof of ``program``'s machine under
    ``params`` (``lifted``: in the lifted layout), e.g. to label explicit (toy) parameters."""
    layouts = compile_machine(build_machine(program))
    shape = soundness.shape_of("shrink", layouts, log_heights(program), params, lifted=lifted)
    fld = soundness.ExtensionField()
    best: ShrinkParams | None = None
    for m in soundness.JBR_M_RANGE:
        rep = soundness.security_report(params, shape, soundness.JohnsonBound(m), fld)
        if best is None or rep.minimum > best.bits:
            best = ShrinkParams(params, m, rep.minimum, rep.limiting_term)
    assert best is not None
    return best


def record_shrink(
    inner_vk: VerifyingKey,
    public: Sequence[int],
    proof: StarkProof,
    poseidon2: Poseidon2Variant = SHRINK_POSEIDON2,
) -> tuple[RecursionProgram, RecursionWitness]:
    """The shrink program verifying ``proof`` (of ``public`` under ``inner_vk``, a
    Poseidon2-BabyBear key) and its witness: the generic verifier recorded with the
    ``poseidon2`` table (default :data:`SHRINK_POSEIDON2`), every table padded to the tallest
    height, exposing ``public`` in order.
    The program depends only on ``inner_vk`` and the proof's shape (for a fixed-height recursion
    key: only on the key). Raises ``VerificationError``/``ValueError`` when the proof does not
    verify, as the native verifier does."""
    return record_verifier(inner_vk, public, proof, poseidon2, uniform=True)


def shrink_config(
    program: RecursionProgram,
    log_blowup: int = SHRINK_LOG_BLOWUP,
    pow_bits: int = SHRINK_POW_BITS,
    target: float = TARGET_BITS,
) -> ShrinkParams:
    """The production parameters of ``program``'s shrink proof: BN254 hash, ``log_blowup``,
    ``pow_bits`` and the fewest queries reaching ``target`` proven bits (``ValueError`` when
    no query count does)."""
    layouts = compile_machine(build_machine(program))
    base = PcsParams(hash=SHRINK_HASH)
    sp = shrink_params(layouts, log_heights(program), log_blowup, pow_bits, target, base)
    if sp is None:
        raise ValueError(f"no query count reaches {target} bits at blowup 2^{log_blowup}")
    return sp


@dataclass(frozen=True)
class ShrinkKey:
    """A shrink program, its verifying key (BN254 hash) and the parameters' security."""

    program: RecursionProgram
    vk: VerifyingKey
    config: ShrinkParams

    @property
    def params(self) -> PcsParams:
        return self.vk.params


@dataclass(frozen=True)
class ShrinkProof:
    """A shrink proof with its key and public values (the inner proof's, in order)."""

    key: ShrinkKey
    public: tuple[int, ...]
    proof: StarkProof

    def verify(self) -> None:
        """:func:`verify_shrink` of this proof (``VerificationError`` when invalid)."""
        verify_shrink(self.key, self.public, self.proof)


#: Shrink keys in memory, by (shrink program digest, parameters); the least recently used go
#: first past :data:`KEY_CACHE_SIZE` (a key holds its preprocessed traces' commitment data).
KEY_CACHE_SIZE = 2
_KEYS: Lru[tuple[str, PcsParams], ShrinkKey] = Lru(KEY_CACHE_SIZE)


def clear_keys() -> None:
    """Drop the cached shrink keys."""
    _KEYS.clear()


def shrink_key(program: RecursionProgram, params: PcsParams | None = None) -> ShrinkKey:
    """The key of ``program`` (from :func:`record_shrink`) under ``params`` (default:
    :func:`shrink_config`; explicit parameters must hash with :data:`SHRINK_HASH`, and their
    security is only reported, not required: tests use toy parameters). Cached in memory per
    (program digest, parameters): the program digest covers the inner key and every constant
    the recorded verifier uses, so one inner recursion program has one cached shrink key."""
    if params is not None and params.hash != SHRINK_HASH:
        raise ValueError(f"shrink proofs hash with {SHRINK_HASH}, not {params.hash!r}")
    config = shrink_config(program) if params is None else security_bits(program, params)
    return _KEYS.get_or_make(
        (program.digest, config.params),
        lambda: ShrinkKey(program, program_vk(program, config.params), config),
    )


def prove_shrink(
    inner_vk: VerifyingKey,
    public: Sequence[int],
    proof: StarkProof,
    params: PcsParams | None = None,
    rng: FieldRng | None = None,
    poseidon2: Poseidon2Variant = SHRINK_POSEIDON2,
) -> ShrinkProof:
    """Shrink a recursion proof: :func:`record_shrink` with the ``poseidon2`` table (which
    verifies ``proof`` natively and raises when it is invalid), :func:`shrink_key` (``params``:
    default the production configuration) and a STARK proof of the recorded execution, whose
    public values are ``public``."""
    program, witness = record_shrink(inner_vk, public, proof, poseidon2)
    key = shrink_key(program, params)
    sproof = prove_program(key.vk, witness, rng=rng, recorded=program)
    return ShrinkProof(key, tuple(int(v) for v in witness.public), sproof)


def verify_shrink(key: ShrinkKey | VerifyingKey, public: Sequence[int], proof: StarkProof) -> None:
    """Verify a shrink proof natively (``VerificationError`` when it is not valid for
    ``public``)."""
    verify_program(key.vk if isinstance(key, ShrinkKey) else key, proof, public)
