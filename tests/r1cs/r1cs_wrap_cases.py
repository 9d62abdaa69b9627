"""STARK proofs the wrap tests share (a helper module, not a test file)."""

from __future__ import annotations

from typing import Any

import numpy as np

from zkrv_prover.stark.air.air import Air, AirBuilder, Machine
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.examples import fibonacci
from zkrv_prover.stark.field.field import P
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol.prover import StarkProof, VerifyingKey, keygen, prove
from zkrv_prover.stark.protocol.verifier import verify

#: Small parameters: ~47K verifier constraints (security is not the point here); a Merkle cap of
#: 4 so the Merkle paths have real levels; a final polynomial of 4 coefficients so the tiny
#: trace still has FRI layers.
#: (stage, total, advanced) of the session's ``wrapped_fib`` wrap, run under a recording
#: progress reporter (tests/r1cs/conftest.py)
WRAP_PROGRESS: list[tuple[str, int, int]] = []

WRAP_TEST_PARAMS = PcsParams(num_queries=2, pow_bits=1, log_cap=2, log_final_poly_len=2)

Case = tuple[VerifyingKey, list[int], StarkProof]


def fib_case(a0: int = 0, b0: int = 1, seed: int = 1) -> Case:
    """A verified fibonacci STARK of 2^3 rows: (key, public values, proof)."""
    vk = keygen(fibonacci.machine(), WRAP_TEST_PARAMS)
    traces, pub = fibonacci.trace(3, a0, b0)
    proof = prove(vk, traces, pub, FieldRng.seeded(seed))
    verify(vk, pub, proof)
    return vk, pub, proof


def bump(v: tuple[int, ...]) -> tuple[int, ...]:
    """An extension value with its first coordinate changed (a tampered opening)."""
    return ((v[0] + 1) % P, *v[1:])


def set_item(lst: list[Any], i: int, v: object) -> None:
    """``lst[i] = v`` as an expression (for tamper lambdas)."""
    lst[i] = v


class _SendAir(Air):
    """Sends its one column to bus 1 on every row."""

    name = "send"
    main_width = 1

    def eval(self, b: AirBuilder) -> None:
        b.send(1, [b.main_local[0]])


class _TableAir(Air):
    """Receives 0..7 (preprocessed) from bus 1 with the multiplicities in its column."""

    name = "table"
    main_width = 1
    preprocessed_width = 1

    def eval(self, b: AirBuilder) -> None:
        b.receive(1, [b.pre_local[0]], b.main_local[0])

    def preprocessed_trace(self) -> np.ndarray:
        return np.arange(8, dtype=np.uint32)[:, None]


def logup_case(seed: int = 1) -> Case:
    """A verified zk STARK of two 8-row tables joined by a LogUp lookup (so both carry blind
    columns with nonzero blinds): (key, public values, proof)."""
    vk = keygen(Machine([_SendAir(), _TableAir()], name="lookup"), WRAP_TEST_PARAMS)
    vals = np.array([3, 1, 4, 1, 5, 1, 2, 6], dtype=np.uint32)
    traces = [vals[:, None], np.bincount(vals, minlength=8).astype(np.uint32)[:, None]]
    proof = prove(vk, traces, [], FieldRng.seeded(seed))
    verify(vk, [], proof)
    return vk, [], proof
