"""ALU tables through the real STARK prover and verifier: honest machines verify, forged ones
proven with the prover's checks switched off are rejected by the verifier."""

from __future__ import annotations

import pytest
from alu_reference import alu_ref
from alu_testutil import honest, oracle_machine, oracle_traces

from zkrv_prover.stark.air import debug
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol.prover import VerifyingKey, keygen, prove
from zkrv_prover.stark.protocol.testing import unchecked_prover
from zkrv_prover.stark.protocol.verifier import verify
from zkrv_prover.zkvm.buses import BUS_ALU, AluOp
from zkrv_prover.zkvm.bytes import HEIGHT

#: Small, fast parameters (security is not the point of these tests).
FAST = PcsParams(log_blowup=1, num_queries=4, pow_bits=1, zk=False)

ALL_OPS = [int(o) for o in AluOp]
B_WORDS = [(0x80000000 + 0x01234567 * i) & 0xFFFFFFFF for i in range(len(ALL_OPS))]
C_WORDS = [(0xFFFFFFF0 - 0x00777777 * i) & 0xFFFFFFFF for i in range(len(ALL_OPS))]


@pytest.fixture(scope="module")
def oracle_vk() -> VerifyingKey:
    return keygen(oracle_machine(), FAST)


def test_oracle_machine_proves(oracle_vk: VerifyingKey) -> None:
    _, _, traces = oracle_traces(ALL_OPS, B_WORDS, C_WORDS)
    verify(oracle_vk, [], prove(oracle_vk, traces, [], FieldRng.seeded(1)))


@pytest.mark.parametrize(
    ("table", "op", "col", "byte"),
    [
        ("alu_add_sub", AluOp.SUB, 0, 0),  # a0
        ("alu_lt", AluOp.SLT, 8, 0),  # lt
        ("alu_shift", AluOp.SRA, 3, 3),  # a3
        ("alu_mul", AluOp.MULHSU, 12, 0),  # out4 = byte 0 of the high word
        ("alu_divrem", AluOp.REM, 12, 0),  # r0
    ],
)
def test_forged_alu_row_rejected_by_verifier(
    oracle_vk: VerifyingKey, table: str, op: AluOp, col: int, byte: int
) -> None:
    """The table row and the sender's claim both carry a wrong result (the ALU bus balances, the
    oracle accepts every lookup): only the table's constraints stand in the way."""
    ops, b, c = [int(op)], B_WORDS[:1], C_WORDS[:1]
    a = [alu_ref(int(op), b[0], c[0])]
    new = (((a[0] >> (8 * byte)) & 0xFF) + 1) % 256
    a[0] = (a[0] & ~(0xFF << (8 * byte))) | (new << (8 * byte))
    _, lays, traces = oracle_traces(ops, b, c, a, {table: (0, col, new)})
    msgs = debug.check_traces(lays, traces, [])
    # the table's own constraints fail (divrem's |r| request also changes: the bus as well)
    assert any(f"table {table!r}: constraint" in s for s in msgs), msgs
    assert table == "alu_divrem" or all(f"table {table!r}" in s for s in msgs), msgs
    with unchecked_prover():
        proof = prove(oracle_vk, traces, [], FieldRng.seeded(2))
    with pytest.raises(ValueError):
        verify(oracle_vk, [], proof)


def test_wrong_claim_rejected_by_verifier(oracle_vk: VerifyingKey) -> None:
    """An honest ALU but a sender claiming a wrong product: the ALU bus does not balance."""
    ops, b, c = [int(AluOp.MUL)], B_WORDS[:1], C_WORDS[:1]
    a = [alu_ref(ops[0], b[0], c[0]) ^ 0x100]
    _, lays, traces = oracle_traces(ops, b, c, a)
    msgs = debug.check_traces(lays, traces, [])
    assert [s.split(" unbalanced")[0] for s in msgs] == [f"bus {BUS_ALU}"]
    with unchecked_prover():
        proof = prove(oracle_vk, traces, [], FieldRng.seeded(3))
    with pytest.raises(ValueError):
        verify(oracle_vk, [], proof)


@pytest.mark.slow
def test_full_machine_with_byte_table_proves() -> None:
    """Sender + every ALU table + the real 2^16-row byte table, all 18 ops."""
    m, _, traces = honest(ALL_OPS, B_WORDS, C_WORDS)
    assert traces[-1].shape[0] == HEIGHT
    vk = keygen(m, FAST)
    verify(vk, [], prove(vk, traces, [], FieldRng.seeded(4)))
