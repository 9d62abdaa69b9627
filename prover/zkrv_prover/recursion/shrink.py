"""The shrink layer: the recursion proof that the Groth16 wrap verifies, and what it costs.

A shrink proof is a recursion program (the recorded verifier of some proof) proven with the
BN254 hash (``PcsParams`` default), so that the R1CS wrap circuit can check it. Its circuit grows
with the queries times the opened width (every opened base value is range-checked, hashed into
its Merkle leaf and DEEP-reduced), so the shrink machine picks the skinny Poseidon2 table and the
blowup whose query count for the target security is smallest for what the prover can afford.

- the recursion program verifying a proof is :func:`zkrv_prover.recursion.prove.record_verifier`
  (either Poseidon2 table, optionally every table at one height);
- :func:`shrink_params`: the fewest queries reaching ``target`` proven bits (Johnson-bound
  regime, best multiplicity m) for a program's machine at a blowup and grinding;
- :func:`wrap_constraints`: the size of the wrap circuit of a shrink proof of that machine
  (a random proof of the right shape through :func:`zkrv_prover.r1cs.wrap.emit_verifier` on a
  non-strict constraint system: the circuit depends only on the shape).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from zkrv_prover.recursion.machine import build_machine
from zkrv_prover.recursion.program import RecursionProgram
from zkrv_prover.stark.air.air import TableLayout, compile_machine
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.protocol import soundness
from zkrv_prover.stark.protocol.prover import VerifyingKey

#: Proven bits (Johnson-bound regime) a shrink configuration must reach.
TARGET_BITS = 100.0


def log_heights(program: RecursionProgram) -> list[int]:
    """The machine's table log heights (table order)."""
    return [t.height.bit_length() - 1 for t in program.tables]


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
) -> ShrinkParams | None:
    """The fewest queries reaching ``target`` JBR bits for a proof of ``layouts`` at
    ``heights`` (None when some query-independent term is below it). The shape is re-derived
    at the found query count (it changes the zk padding of small tables) until it holds."""
    params = replace(base or PcsParams(), log_blowup=log_blowup, pow_bits=pow_bits)
    fld = soundness.ExtensionField()
    for _ in range(8):
        shape = soundness.shape_of("shrink", layouts, heights, params)
        found = soundness.best_jbr_queries(target, params, shape, fld)
        if found is None:
            return None
        q, m = found
        params = replace(params, num_queries=q)
        shape = soundness.shape_of("shrink", layouts, heights, params)
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
