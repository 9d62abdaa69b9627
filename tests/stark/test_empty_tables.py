"""Empty tables: committed unmasked and without a LogUp blind, their all-zero matrices left out of
the proof bytes (the zero-matrix mask of ``proof.py``), and the proof still verifies; the mask is
strict (canonical, no stray bits) and lying about it is caught."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest

from zkrv_prover.stark.air import quotient
from zkrv_prover.stark.air.air import Air, AirBuilder, Machine, compile_machine
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.examples import multi_table
from zkrv_prover.stark.field.codec import BASE_BITS, ProofFormatError
from zkrv_prover.stark.field.field import EXT_DEGREE, P
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol.proof import decode_proof, encode_proof, zero_matrices
from zkrv_prover.stark.protocol.prover import (
    StarkProof,
    VerifyingKey,
    empty_tables,
    keygen,
    prove,
)
from zkrv_prover.stark.protocol.size_report import proof_size_breakdown, total_bytes
from zkrv_prover.stark.protocol.verifier import verify

FAST = PcsParams(num_queries=4, pow_bits=1)
OPS, ADDER, BYTES = 0, 1, 2


def _idle_trace() -> tuple[list[np.ndarray], list[int]]:
    """No operations: ``ops`` all zero (it sends nothing); ``adder`` all zero too, but every
    row still sends 0 to the range bus (a nonzero aux from public data only); ``bytes`` counts
    those sends."""
    ops = np.zeros((32, 4), dtype=np.uint32)
    adder = np.zeros((8, 4), dtype=np.uint32)
    byte_m = np.zeros((256, 1), dtype=np.uint32)
    byte_m[0] = 8
    return [ops, adder, byte_m], [0]


@pytest.fixture(scope="module", params=[False, True], ids=["default", "lifted"])
def idle(request: pytest.FixtureRequest) -> tuple[VerifyingKey, StarkProof, list[int]]:
    params = PcsParams(num_queries=4, pow_bits=1, hash="poseidon2-babybear")
    vk = keygen(multi_table.machine(), params, lifted=request.param)
    traces, pub = _idle_trace()
    assert empty_tables(vk, traces) == {OPS, ADDER}
    return vk, prove(vk, traces, pub, FieldRng.seeded(5)), pub


def test_empty_table_matrices_are_zero_and_left_out(idle) -> None:  # type: ignore[no-untyped-def]
    vk, proof, pub = idle
    verify(vk, pub, proof)
    zero = zero_matrices(proof)
    # rounds: preprocessed (bytes), main, aux, quotient; ops is matrix 0 of main and aux
    assert (1, OPS) in zero and (2, OPS) in zero
    assert (1, ADDER) in zero  # main all zero, unmasked
    assert (2, ADDER) not in zero  # its aux (range sends of 0) is public, not zero
    assert not any(r == 1 and i == BYTES for r, i in zero)
    if vk.lifted:  # one quotient per table: the empty ops table's quotient vanishes
        assert (3, OPS) in zero
    raw = encode_proof(vk, proof)
    assert total_bytes(proof_size_breakdown(vk, proof)) == len(raw)
    back = decode_proof(vk, raw)
    assert encode_proof(vk, back) == raw and zero_matrices(back) == zero
    verify(vk, pub, back)
    # the main round's query rows cost only the busy table's columns
    queries = proof.pcs_proof.queries
    every = BASE_BITS * sum(len(row) for qp in queries for row in qp.inputs[1].rows)
    kept = BASE_BITS * sum(len(qp.inputs[1].rows[BYTES]) for qp in queries)
    assert proof_size_breakdown(vk, proof)["query_rows/main"] == kept < every


def test_empty_tables_carry_no_blind_and_a_zero_sum(idle) -> None:  # type: ignore[no-untyped-def]
    vk, proof, _ = idle
    sums = dict(zip(vk.local_tables, proof.cumsums, strict=True))
    assert sums[OPS] == (0,) * EXT_DEGREE
    assert sums[ADDER] != (0,) * EXT_DEGREE  # its genuine (public) sum, unblinded


def test_the_mask_is_strict(idle) -> None:  # type: ignore[no-untyped-def]
    vk, proof, _ = idle
    raw = bytearray(encode_proof(vk, proof))
    at = 8 + 2 + 1 + len(proof.log_heights)  # the mask's first byte
    n_mats = sum(len(rnd) for rnd in proof.opened)
    # a stray bit beyond the matrix count
    if n_mats % 8:
        bad = bytearray(raw)
        bad[at + (n_mats - 1) // 8] |= 0x80
        with pytest.raises(ProofFormatError, match=r"unused bits|trailing|bytes"):
            decode_proof(vk, bytes(bad))
    # claiming a nonzero matrix is zero shifts every later field: the parse fails, or the
    # restored zeros make a different proof that the verifier rejects
    flat = [(r, i) for r, rnd in enumerate(proof.opened) for i in range(len(rnd))]
    j = flat.index((1, BYTES))
    bad = bytearray(raw)
    bad[at + j // 8] |= 1 << (j % 8)
    with pytest.raises(ProofFormatError):
        decode_proof(vk, bytes(bad))
    # an all-zero matrix not marked: non-canonical
    j = flat.index((1, OPS))
    clear = bytearray(raw)
    clear[at + j // 8] &= ~(1 << (j % 8)) & 0xFF
    width = len(proof.opened[1][OPS][0])
    with pytest.raises(ProofFormatError):
        decode_proof(vk, bytes(clear))
    assert width > 0


def test_busy_tables_are_masked_as_before() -> None:
    vk = keygen(multi_table.machine(), FAST)
    traces, pub = multi_table.trace(4, 2)
    assert empty_tables(vk, traces) == set()
    proof = prove(vk, traces, pub, FieldRng.seeded(3))
    assert zero_matrices(proof) == frozenset()
    verify(vk, pub, decode_proof(vk, encode_proof(vk, proof)))


class _GatedOps(multi_table.OpsAir):
    """The ops table without its first-row public-value constraint: every constraint and send is
    gated by a column, so an all-zero trace satisfies it syntactically."""

    name = "gated_ops"

    def eval(self, b: AirBuilder) -> None:
        a, bb, c, s = b.main_local
        b.assert_bool(s, "s_bool")
        b.send(multi_table.ADD_BUS, [a, bb, c], s)


def _gated_machine() -> Machine:
    return Machine(
        [_GatedOps(), multi_table.AdderAir(), multi_table.BytesAir(8)],
        num_public_values=1,
        name="gated",
    )


def test_zero_quotient_check_is_syntactic_and_conservative() -> None:
    """``TableLayout.vanishes_on_zero_trace``: the gated ops table's constraints all vanish when
    its columns do; the adder's do not (it sends on the range bus with a constant multiplicity),
    nor do the original ops table's (a first-row constraint against a public value, whatever
    that value is) or a first-row constraint with a nonzero constant."""

    class FirstIsOne(Air):
        name = "first_is_one"
        main_width = 1

        def eval(self, b: AirBuilder) -> None:
            b.when_first_row().assert_eq(b.main_local[0], 1, "first")

    lays = compile_machine(_gated_machine())
    assert lays[OPS].vanishes_on_zero_trace
    assert not lays[ADDER].vanishes_on_zero_trace
    assert not compile_machine(multi_table.machine())[OPS].vanishes_on_zero_trace
    (one,) = compile_machine(Machine([FirstIsOne()], num_public_values=0))
    assert not one.vanishes_on_zero_trace


def test_prover_skips_the_quotient_of_a_vanishing_empty_table(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The idle trace on the gated machine: the empty gated ops table's quotient is not
    evaluated (known zero), the adder's is (its aux is not zero), and the proof verifies with
    that quotient a zero matrix."""
    evaluated: list[str] = []
    real = quotient.combined_quotient

    def spy(layout, *args, **kwargs):  # type: ignore[no-untyped-def]
        evaluated.append(layout.air.name)
        return real(layout, *args, **kwargs)

    monkeypatch.setattr(quotient, "combined_quotient", spy)
    params = PcsParams(num_queries=4, pow_bits=1, hash="poseidon2-babybear")
    vk = keygen(_gated_machine(), params, lifted=True)
    traces, pub = _idle_trace()
    proof = prove(vk, traces, pub, FieldRng.seeded(6))
    assert evaluated == ["adder", "bytes"]
    verify(vk, pub, proof)
    assert (3, OPS) in zero_matrices(proof)


def test_native_verifier_skips_the_constraints_of_a_vanishing_empty_table(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The native verifier does not evaluate the empty gated ops table's constraints at zeta
    (all its openings are zero and its constraints vanish with its columns), evaluates the
    others', and still rejects the proof when that table's quotient opening is made nonzero; an
    arithmetic that cannot know values (a circuit) never skips."""
    from zkrv_prover.stark.air import ood
    from zkrv_prover.stark.field.arith import Arith, NativeArith, VerificationError

    evaluated: list[str] = []
    real = ood.constraint_values

    def spy(ar, layout, *args, **kwargs):  # type: ignore[no-untyped-def]
        evaluated.append(layout.air.name)
        return real(ar, layout, *args, **kwargs)

    monkeypatch.setattr(ood, "constraint_values", spy)
    params = PcsParams(num_queries=4, pow_bits=1, hash="poseidon2-babybear")
    vk = keygen(_gated_machine(), params, lifted=True)
    traces, pub = _idle_trace()
    proof = prove(vk, traces, pub, FieldRng.seeded(7))
    verify(vk, pub, proof)
    assert sorted(evaluated) == ["adder", "bytes"]
    assert NativeArith().e_known_zero((0,) * EXT_DEGREE)
    assert not NativeArith().e_known_zero((0,) * (EXT_DEGREE - 1) + (1,))
    assert Arith.e_known_zero is not NativeArith.e_known_zero  # circuits keep the False default
    # a nonzero quotient value for the skipped table: the identity 0 = Z_H(zeta) q fails
    opened = copy.deepcopy(proof.opened)
    first = opened[3][OPS][0][0]
    opened[3][OPS][0][0] = ((first[0] + 1) % P, *first[1:])
    with pytest.raises(VerificationError, match=r"'gated_ops'.*constraints at zeta"):
        verify(vk, pub, dataclasses.replace(proof, opened=opened))
