"""The universal zkVM recursion program (``recursion/zkvm_verifier.py``): receipts of different
guests, heights and journals record one program; its proofs bind the 46 exposed values; bad
inner proofs and heights outside the spec fail recording; the variants specialised to empty
precompile tables are smaller, picked by the tables a receipt leaves empty, and refuse a receipt
that uses one of their tables. Inner and recursion proofs use small
test parameters (4 queries): the program's shape, not its security, is under test."""

from __future__ import annotations

import copy
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from recursion_testutil import FAST

from zkrv.build import build
from zkrv_prover.executor import execute
from zkrv_prover.recursion.program import RecursionProgram, RecursionWitness
from zkrv_prover.recursion.prove import program_vk, prove_program, verify_program
from zkrv_prover.recursion.zkvm_layout import LOG_IMAGE, LOG_PROGRAM, PRE_ROOT, PUBLIC, values
from zkrv_prover.recursion.zkvm_verifier import (
    VARIANTS,
    empty_tables,
    record_zkvm_verifier,
    variant_for,
    zkvm_height_spec,
)
from zkrv_prover.stark.field.arith import VerificationError
from zkrv_prover.stark.field.field import P
from zkrv_prover.stark.protocol.prover import StarkProof, VerifyingKey, prove
from zkrv_prover.zkvm.image_id import ProgramKey, program_key, zkvm_params
from zkrv_prover.zkvm.machine import generate

ROOT = Path(__file__).resolve().parents[2]
#: Inner zkVM proofs with the zkVM's hash and layout at 4 queries.
INNER = replace(zkvm_params(), num_queries=4, pow_bits=1)

pytestmark = pytest.mark.slow


@dataclass
class Receipt:
    key: ProgramKey
    public: list[int]
    proof: StarkProof

    @property
    def vk(self) -> VerifyingKey:
        return self.key.vk


def _receipt(guest: str, n: int, data: bytes = b"") -> Receipt:
    src = ROOT / "examples" / "guests" / guest
    if not src.exists():
        src = ROOT / "tests" / "executor" / "guests" / guest
    with tempfile.TemporaryDirectory() as d:
        elf = build([src], Path(d) / "g.elf")
        res = execute(elf, n.to_bytes(4, "little") + data, trace=True)
    assert res.trace is not None
    key = program_key(res.image, INNER)
    w = generate(key.tables, res.trace, key.vk.layouts)
    return Receipt(key, list(w.public), prove(key.vk, w.traces, w.public))


@pytest.fixture(scope="module")
def receipts() -> list[Receipt]:
    return [_receipt("fibonacci.c", 50), _receipt("sort.c", 40)]


@pytest.fixture(scope="module")
def recorded(receipts: list[Receipt]) -> list[tuple[RecursionProgram, RecursionWitness]]:
    return [record_zkvm_verifier(r.vk, r.public, r.proof) for r in receipts]


def test_one_program_for_every_guest(
    receipts: list[Receipt], recorded: list[tuple[RecursionProgram, RecursionWitness]]
) -> None:
    a, b = receipts
    assert a.key.image_id != b.key.image_id and a.public != b.public
    assert a.proof.log_heights != b.proof.log_heights
    (pa, _), (pb, _) = recorded
    assert pa.digest == pb.digest
    for r, (_, w) in zip(receipts, recorded, strict=True):
        assert r.vk.pre_root is not None
        want = values(r.vk.pre_root, r.key.log_program, r.key.log_image, r.public)
        assert list(w.public) == want


def test_proofs_bind_the_exposed_values(
    recorded: list[tuple[RecursionProgram, RecursionWitness]],
) -> None:
    (prog, wit), (prog2, wit2) = recorded
    vk = program_vk(prog, FAST)
    proof = prove_program(vk, wit, recorded=prog)
    verify_program(vk, proof, wit.public)
    verify_program(vk, prove_program(vk, wit2, recorded=prog2), wit2.public)
    for i in (PRE_ROOT + 3, LOG_PROGRAM, LOG_IMAGE, PUBLIC, PUBLIC + 35):
        bad = list(wit.public)
        bad[i] = (bad[i] + 1) % P
        with pytest.raises(VerificationError):
            verify_program(vk, proof, bad)


def test_bad_inner_proofs_fail_recording(receipts: list[Receipt]) -> None:
    r = receipts[0]
    bad_pub = list(r.public)
    bad_pub[0] ^= 1  # a journal-digest byte the proof does not prove
    with pytest.raises(VerificationError):
        record_zkvm_verifier(r.vk, bad_pub, r.proof)
    tampered = copy.deepcopy(r.proof)
    row = tampered.opened[1][1][0]  # main round, cpu table, value at zeta
    row[0] = [(row[0][0] + 1) % P, *row[0][1:]]
    with pytest.raises(VerificationError):
        record_zkvm_verifier(r.vk, r.public, tampered)


def test_height_spec(receipts: list[Receipt]) -> None:
    vk = receipts[0].vk
    spec = dict(zip((lay.air.name for lay in vk.layouts), zkvm_height_spec(vk).ranges, strict=True))
    assert spec["cpu"] == (6, 21) and spec["memory"] == (6, 22)
    assert spec["program"] == (1, 22) and spec["image"] == (1, 22)
    assert spec["registers"] == (6, 6) and spec["bytes"] == (16, 16)
    r = receipts[0]
    tall = copy.deepcopy(r.proof)
    tall.log_heights[1] = 22  # a CPU table above 2^21 rows
    with pytest.raises(VerificationError):
        record_zkvm_verifier(r.vk, r.public, tall)


def test_variants_of_a_receipt_without_precompile_calls(receipts: list[Receipt]) -> None:
    """A receipt that calls neither KECCAKF nor MODMUL256 leaves both tables empty and gets the
    most specialised variant; every variant records it, each dropped table saves rows, and the
    most specialised program's proof verifies."""
    r = receipts[0]
    assert {"modmul256", "keccak_f", "keccak_rc"} <= empty_tables(r.vk, r.proof)
    assert "cpu" not in empty_tables(r.vk, r.proof)
    assert variant_for(r.vk, r.proof) == VARIANTS[-1] == ("modmul256", "keccak_f", "keccak_rc")
    progs = [record_zkvm_verifier(r.vk, r.public, r.proof, empty=v) for v in VARIANTS]
    rows = [sum(p.rows().values()) for p, _ in progs]
    assert len({p.digest for p, _ in progs}) == len(VARIANTS)
    assert rows[0] > rows[1] > rows[3] and rows[0] > rows[2] > rows[3]
    prog, wit = progs[-1]
    vk = program_vk(prog, FAST)
    verify_program(vk, prove_program(vk, wit, recorded=prog), wit.public)


def test_variant_refuses_a_receipt_that_uses_its_tables(receipts: list[Receipt]) -> None:
    """One KECCAKF call: the keccak tables are not empty, so the receipt gets the variant
    without them, and a variant that takes them as empty refuses to record it; so does one
    whose empty table's opening was forged to zero."""
    r = _receipt("rt_keccak.c", 3, bytes(range(200)))
    empty = empty_tables(r.vk, r.proof)
    assert "keccak_f" not in empty and "modmul256" in empty
    assert variant_for(r.vk, r.proof) == ("modmul256",)
    for v in VARIANTS[2:]:
        with pytest.raises(VerificationError, match="keccak"):
            record_zkvm_verifier(r.vk, r.public, r.proof, empty=v)
    fib = receipts[0]
    forged = copy.deepcopy(fib.proof)
    t = [lay.air.name for lay in fib.vk.layouts].index("modmul256")
    value = forged.opened[1][t][0][0]  # main round, the table's first column at zeta
    forged.opened[1][t][0][0] = [1] + [0] * (len(value) - 1)
    with pytest.raises(VerificationError, match="'modmul256' is taken as empty"):
        record_zkvm_verifier(fib.vk, fib.public, forged, empty=VARIANTS[1])
