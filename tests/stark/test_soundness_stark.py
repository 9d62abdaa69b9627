"""Soundness: a malicious prover (own checks off) and tampered proofs are rejected by the
verifier."""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np
import pytest

from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.examples import fibonacci, multi_table, range_check
from zkrv_prover.stark.field.arith import VerificationError
from zkrv_prover.stark.field.field import P
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol.prover import StarkProof, VerifyingKey, keygen, prove
from zkrv_prover.stark.protocol.testing import unchecked_prover
from zkrv_prover.stark.protocol.verifier import verify

FAST = PcsParams(num_queries=6, pow_bits=1)


def _cheat(vk: VerifyingKey, traces: list[np.ndarray], pub: list[int]) -> StarkProof:
    with unchecked_prover():
        return prove(vk, traces, pub, FieldRng.seeded(3))


@pytest.mark.parametrize(("row", "col"), [(0, 0), (5, 1), (15, 1), (15, 0)])
def test_mutated_trace_cell_rejected(row: int, col: int) -> None:
    vk = keygen(fibonacci.machine(), FAST)
    traces, pub = fibonacci.trace(4)
    traces[0][row, col] = (int(traces[0][row, col]) + 1) % P
    proof = _cheat(vk, traces, pub)
    with pytest.raises(VerificationError):
        verify(vk, pub, proof)


def test_mutated_cells_in_every_table_rejected() -> None:
    vk = keygen(multi_table.machine(), FAST)
    base, pub = multi_table.trace(5, 3)
    for t, (row, col) in enumerate([(1, 2), (2, 3), (7, 0)]):
        traces = [x.copy() for x in base]
        if t == 0:
            traces[0][row, 3] = 1  # make sure the ops row is sent
        traces[t][row, col] = (int(traces[t][row, col]) + 1) % P
        with pytest.raises(VerificationError):
            verify(vk, pub, _cheat(vk, traces, pub))


def test_wrong_public_values_rejected() -> None:
    vk = keygen(fibonacci.machine(), FAST)
    traces, pub = fibonacci.trace(4)
    proof = prove(vk, traces, pub, FieldRng.seeded(1))
    verify(vk, pub, proof)
    for i in range(3):
        bad = list(pub)
        bad[i] = (bad[i] + 1) % P
        with pytest.raises(VerificationError):
            verify(vk, bad, proof)
    # a prover that proves the wrong result with its checks off is caught too
    bad = [pub[0], pub[1], (pub[2] + 1) % P]
    with pytest.raises(VerificationError):
        verify(vk, bad, _cheat(vk, traces, bad))


def test_wrong_multiplicities_rejected() -> None:
    vk = keygen(range_check.machine(4), FAST)
    traces, pub = range_check.trace(4)
    traces[0][3, 1] = (int(traces[0][3, 1]) + 1) % P
    with pytest.raises(VerificationError, match="LogUp"):
        verify(vk, pub, _cheat(vk, traces, pub))


def test_wrong_cross_table_multiplicity_rejected() -> None:
    vk = keygen(multi_table.machine(), FAST)
    traces, pub = multi_table.trace(5, 3)
    traces[1][0, 3] = (int(traces[1][0, 3]) + 1) % P  # adder claims an extra use
    with pytest.raises(VerificationError):
        verify(vk, pub, _cheat(vk, traces, pub))


def test_out_of_range_value_rejected() -> None:
    vk = keygen(range_check.machine(4), FAST)
    traces, pub = range_check.trace(4)
    v = int(traces[0][2, 0])
    traces[0][2, 0] = 16  # outside the table; fix the count of v so only 16 is wrong
    traces[0][v, 1] -= 1
    with pytest.raises(VerificationError):
        verify(vk, pub, _cheat(vk, traces, pub))


@pytest.fixture(scope="module")
def honest() -> tuple[VerifyingKey, StarkProof, list[int]]:
    vk = keygen(multi_table.machine(), FAST)
    traces, pub = multi_table.trace(5, 3)
    proof = prove(vk, traces, pub, FieldRng.seeded(5))
    verify(vk, pub, proof)
    return vk, proof, pub


def _bump_ext(v: tuple[int, ...]) -> tuple[int, ...]:
    return ((v[0] + 1) % P, *v[1:])


TAMPER: dict[str, Callable[[StarkProof], None]] = {
    "main_root": lambda p: setattr(p, "main_root", p.main_root ^ 1),
    "aux_root": lambda p: setattr(p, "aux_root", (p.aux_root or 0) ^ 1),
    "quotient_root": lambda p: setattr(p, "quotient_root", p.quotient_root ^ 1),
    "cumsum": lambda p: p.cumsums.__setitem__(0, _bump_ext(p.cumsums[0])),  # type: ignore[arg-type]
    "cumsums_swapped": lambda p: p.cumsums.reverse(),
    "opened_main": lambda p: p.opened[1][0][0].__setitem__(0, _bump_ext(p.opened[1][0][0][0])),  # type: ignore[arg-type]
    "opened_aux_next": lambda p: p.opened[2][0][1].__setitem__(0, _bump_ext(p.opened[2][0][1][0])),  # type: ignore[arg-type]
    "opened_quotient": lambda p: p.opened[3][2][0].__setitem__(3, _bump_ext(p.opened[3][2][0][3])),  # type: ignore[arg-type]
    "opened_pre": lambda p: p.opened[0][0][0].__setitem__(0, _bump_ext(p.opened[0][0][0][0])),  # type: ignore[arg-type]
    "merkle_sibling": lambda p: (
        p.pcs_proof.queries[0]
        .inputs[1]
        .siblings[0]
        .__setitem__(0, p.pcs_proof.queries[0].inputs[1].siblings[0][0] ^ 1)
    ),
    "merkle_row": lambda p: (
        p.pcs_proof.queries[2]
        .inputs[1]
        .rows[0]
        .__setitem__(0, (p.pcs_proof.queries[2].inputs[1].rows[0][0] + 1) % P)
    ),
    "salt": lambda p: (
        p.pcs_proof.queries[1]
        .inputs[1]
        .salts[0]
        .__setitem__(0, (p.pcs_proof.queries[1].inputs[1].salts[0][0] + 1) % P)
    ),
    # the preprocessed round is public and unsalted; its opened rows are still bound
    "merkle_row_pre": lambda p: (
        p.pcs_proof.queries[1]
        .inputs[0]
        .rows[0]
        .__setitem__(0, (p.pcs_proof.queries[1].inputs[0].rows[0][0] + 1) % P)
    ),
    "fri_layer_row": lambda p: (
        p.pcs_proof.queries[0]
        .fri[0]
        .row.__setitem__(
            1,
            _bump_ext(p.pcs_proof.queries[0].fri[0].row[1]),  # type: ignore[arg-type]
        )
    ),
    "fri_root": lambda p: p.pcs_proof.fri_roots.__setitem__(0, p.pcs_proof.fri_roots[0] ^ 1),
    "final_poly": lambda p: p.pcs_proof.final_poly.__setitem__(
        0,
        _bump_ext(p.pcs_proof.final_poly[0]),  # type: ignore[arg-type]
    ),
    "pow_nonce": lambda p: setattr(p.pcs_proof, "pow_nonce", p.pcs_proof.pow_nonce + 1),
}


@pytest.mark.parametrize("what", list(TAMPER))
def test_tampered_proof_rejected(honest, what: str) -> None:  # type: ignore[no-untyped-def]
    vk, proof, pub = honest
    bad = copy.deepcopy(proof)
    TAMPER[what](bad)
    with pytest.raises(VerificationError):
        verify(vk, pub, bad)


def test_shape_lies_rejected(honest) -> None:  # type: ignore[no-untyped-def]
    vk, proof, pub = honest
    for mutate in (
        lambda p: p.log_heights.__setitem__(0, p.log_heights[0] + 1),
        lambda p: p.log_heights.__setitem__(2, 7),  # preprocessed table has a fixed height
        lambda p: p.log_heights.pop(),
        lambda p: p.opened[1][0].pop(),
        lambda p: p.cumsums.pop(),
        lambda p: setattr(p, "aux_root", None),
    ):
        bad = copy.deepcopy(proof)
        mutate(bad)
        with pytest.raises(ValueError):
            verify(vk, pub, bad)
