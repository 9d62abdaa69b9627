"""Verify a STARK proof inside a recursion STARK, from Python.

1. Prove the Fibonacci example AIR with the Poseidon2-BabyBear hash (the family the recursion VM
   verifies natively).
2. Record the generic STARK verifier on that proof through ``RecursionBuilder``: the recording
   is a straight-line BabyBear program plus its witness; the inner proof's public values become
   the program's public values.
3. Prove the program's execution (the recursion proof) and verify it. A recursion proof about
   other public values is rejected.

Run: ``PYTHONPATH=prover:sdk .venv/bin/python examples/recursion/verify_in_recursion.py``
(about 10 s; small parameters, not the production ones: see docs/recursion.md).
"""

from __future__ import annotations

from zkrv_prover.recursion.builder import RecursionBuilder
from zkrv_prover.recursion.prove import program_vk, prove_program, verify_program
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.examples import fibonacci
from zkrv_prover.stark.field.arith import VerificationError
from zkrv_prover.stark.protocol.prover import keygen, prove
from zkrv_prover.stark.protocol.verifier import check_shape, verify_with

#: Small parameters so the example runs in seconds (production: zkvm.image_id.zkvm_params()).
PARAMS = PcsParams(num_queries=8, pow_bits=8, hash="poseidon2-babybear")


def main() -> None:
    vk = keygen(fibonacci.machine(), PARAMS)
    traces, public = fibonacci.trace(6)
    inner = prove(vk, traces, public)

    rec = RecursionBuilder()
    check_shape(vk, inner, len(public))
    cells = [rec.b_input(v) for v in public]
    verify_with(rec, vk, cells, inner)  # raises VerificationError on an invalid inner proof
    for c in cells:
        rec.expose_public(c)
    program, witness = rec.finish()
    print(f"recursion program {program.digest[:16]}...: rows {program.rows()}")

    rvk = program_vk(program, PARAMS)
    outer = prove_program(rvk, witness, recorded=program)
    verify_program(rvk, outer, witness.public)
    print(f"recursion proof verified; public values {list(witness.public)}")
    try:
        verify_program(rvk, outer, [public[0], public[1], public[2] + 1])
    except VerificationError:
        print("a recursion proof about other public values is rejected")
    else:
        raise SystemExit("error: a wrong public value was accepted")


if __name__ == "__main__":
    main()
