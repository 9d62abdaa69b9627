"""The MODMUL256 precompile in the circuit (``zkvm/modmul256.py``, ``docs/zkvm-accel.md``): honest
witnesses satisfy the machine on edge and random operands, malicious witnesses (wrong result
byte, an unreduced remainder with a matching quotient, a forged m = 0 flag, a wrong address,
unread memory) are rejected, every column of a call's row is covered, the per-proof cap holds,
and (slow) proofs through the real prover and verifier agree with Python integers."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np
import pytest
from zkvm_util import cap_refused, core_copy, forged_receipt, problems, windowed_escapes

import zkrv
from zkrv.build import build
from zkrv.errors import ZkrvError
from zkrv.receipt import ReceiptVerificationError, StarkReceipt
from zkrv_prover.executor import ExecutionResult, execute
from zkrv_prover.zkvm import machine as zm
from zkrv_prover.zkvm import modmul256 as mm
from zkrv_prover.zkvm.buses import BUS_ACCEL, BUS_MEMORY

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "executor"))
from test_executor_modmul256 import GUEST, TOP, cases, words

MM = zm.CORE_TABLES.index("modmul256")
MC = mm.C
SECP_P = 2**256 - 2**32 - 977
#: the witness fixture's calls: an operand >= m, m = 0 (mod 2^256), m = 1, a small m
CALLS = [(SECP_P + 5, SECP_P - 1, SECP_P), (TOP, TOP, 0), (TOP, TOP, 1), (TOP, TOP - 2, 7)]


@pytest.fixture(scope="module")
def elf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build([GUEST], tmp_path_factory.mktemp("mm") / "mm.elf")


def run(elf: Path, calls: list[tuple[int, int, int]]) -> ExecutionResult:
    return execute(elf, b"".join(words(a) + words(b) + words(m) for a, b, m in calls), trace=True)


def witness(res: ExecutionResult) -> zm.MachineWitness:
    assert res.trace is not None
    return zm.generate(zm.ProgramTables.from_image(res.image), res.trace)


def row_bytes(tr: np.ndarray, row: int, prefix: str, n: int) -> int:
    return int.from_bytes(bytes(int(tr[row, MC[f"{prefix}{i}"]]) for i in range(n)), "little")


@pytest.fixture(scope="module")
def wit(elf: Path) -> zm.MachineWitness:
    return witness(run(elf, CALLS))


def test_witness_satisfies_the_machine(elf: Path) -> None:
    """Every edge and random case of the executor tests in one execution: the machine is
    satisfied, one active row per call, and each row's r and q are a b mod M' and a b div M'."""
    cs = cases()
    res = run(elf, cs)
    w = witness(res)
    assert problems(w) == []
    tr = w.traces[MM]
    assert int(tr[:, MC["active"]].sum()) == len(cs)
    for row, (a, b, m) in enumerate(cs):
        mod = m or 1 << 256
        assert row_bytes(tr, row, "x", 32) == a
        assert row_bytes(tr, row, "r", 32) == a * b % mod
        assert row_bytes(tr, row, "q", 64) == a * b // mod
        assert int(tr[row, MC["z"]]) == int(m == 0)
    assert res.journal == b"".join(words(a * b % (m or 1 << 256)) for a, b, m in cs)


def mutate(w: zm.MachineWitness, edits: list[tuple[int, str, int]]) -> list[str]:
    """Problems after ``(row, column, value)`` edits of the modmul256 trace (the peripheral
    tables regenerated, as a cheating prover would)."""
    core = core_copy(w)
    for row, col, val in edits:
        core[MM][row, MC[col]] = val
    return problems(w, core)


def forge(w: zm.MachineWitness, row: int, q: int, r: int) -> list[str]:
    """Problems after replacing a call's quotient and remainder by ``q, r`` with every carry,
    limb and borrow recomputed to match them (the best a cheating prover can do locally)."""
    core = core_copy(w)
    tr = core[MM].astype(np.int64)
    x = tr[row : row + 1, MC["x0"] : MC["x0"] + 96]
    qb = np.frombuffer(q.to_bytes(64, "little"), np.uint8).astype(np.int64)[None]
    rb = np.frombuffer(r.to_bytes(32, "little"), np.uint8).astype(np.int64)[None]
    mm.fill_arith(tr[row : row + 1], x, qb, rb)
    core[MM] = tr.astype(np.uint32)
    return problems(w, core)


def test_regenerated_honest_witness_passes(wit: zm.MachineWitness) -> None:
    assert problems(wit) == []
    assert problems(wit, core_copy(wit)) == []


def test_wrong_result_byte_rejected(wit: zm.MachineWitness) -> None:
    """One result byte changed: the product identity fails."""
    tr = wit.traces[MM]
    out = mutate(wit, [(0, "r0", (int(tr[0, MC["r0"]]) + 1) % 256)])
    assert any("coef0" in p for p in out), out


@pytest.mark.parametrize("row", [2, 3])
def test_unreduced_remainder_rejected(wit: zm.MachineWitness, row: int) -> None:
    """``r + M'`` and ``q - 1``, with carries, limbs and borrows made consistent: the product
    identity holds, the bound ``r < M'`` does not (m = 1 and m = 7; for large m, ``r + m`` does
    not fit in 32 bytes at all)."""
    a, b, m = CALLS[row]
    q, r = divmod(a * b, m)
    out = forge(wit, row, q - 1, r + m)
    assert not any("coef" in p for p in out), out
    assert any("lt_limb" in p for p in out), out
    # the honest pair through the same path passes the arithmetic constraints
    assert not any("coef" in p or "lt_limb" in p for p in forge(wit, row, q, r))


def test_wrong_quotient_rejected(wit: zm.MachineWitness) -> None:
    """A reduced remainder with the wrong quotient: some coefficient equation fails (its carry
    would leave the 16-bit range)."""
    a, b, m = CALLS[0]
    q, r = divmod(a * b, m)
    out = forge(wit, 0, q + 1, r)
    assert any("coef" in p or "bus" in p for p in out), out


def test_forged_modulus_flag_rejected(wit: zm.MachineWitness) -> None:
    """z = 1 with m != 0 (reducing mod 2^256 instead), z = 0 with m = 0."""
    out = mutate(wit, [(0, "z", 1)])
    assert any("z_m_zero" in p for p in out), out
    out = mutate(wit, [(1, "z", 0)])
    assert any("z_m_nonzero" in p for p in out), out


def test_result_to_wrong_address_rejected(wit: zm.MachineWitness) -> None:
    """The result pointer's byte 1 changed: the CPU's call is not answered."""
    tr = wit.traces[MM]
    out = mutate(wit, [(0, "op1", (int(tr[0, MC["op1"]]) + 1) % 256)])
    assert any(f"bus {BUS_ACCEL}" in p for p in out), out


def test_unread_memory_rejected(wit: zm.MachineWitness) -> None:
    """An input byte other than memory's (the arithmetic recomputed to match: the memory
    argument fails), and a call made inactive so that it touches no memory (the CPU's call
    unanswered)."""
    tr = wit.traces[MM].astype(np.int64)
    core = core_copy(wit)
    x = tr[3:4, MC["x0"] : MC["x0"] + 96].copy()
    x[0, 0] ^= 1
    a = int.from_bytes(bytes(x[0, :32].astype(np.uint8)), "little")
    _, b, m = CALLS[3]
    q, r = divmod(a * b, m)
    row = tr[3:4].copy()
    row[0, MC["x0"] : MC["x0"] + 96] = x
    qb = np.frombuffer(q.to_bytes(64, "little"), np.uint8).astype(np.int64)[None]
    rb = np.frombuffer(r.to_bytes(32, "little"), np.uint8).astype(np.int64)[None]
    mm.fill_arith(row, x, qb, rb)
    core[MM][3] = row[0].astype(np.uint32)
    out = problems(wit, core)
    assert not any("coef" in p or "lt_limb" in p for p in out), out
    assert any(f"bus {BUS_MEMORY}" in p for p in out), out
    out = mutate(wit, [(0, "active", 0)])
    assert any(f"bus {BUS_ACCEL}" in p for p in out), out


def test_table_switched_off_without_calls(elf: Path) -> None:
    """No MODMUL256 call: the table is all zero (``on = 0``) and satisfies the machine; an
    active row in a switched-off table is rejected."""
    w = witness(run(elf, []))
    assert not w.traces[MM].any()
    assert problems(w) == []
    core = core_copy(w)
    core[MM][0, MC["active"]] = 1
    assert any("active_on" in p for p in problems(w, core))


def test_modmul_table_covers_every_column(wit: zm.MachineWitness) -> None:
    """Mutating any cell of a call's row (an m != 0 and an m = 0 row) breaks a constraint or the
    row's bus sums."""
    rows = [0, 1]
    escapes, tried = windowed_escapes(wit, "modmul256", rows)
    assert tried > 2 * mm.WIDTH * len(rows) * 0.9
    assert escapes == [], [(mm.COLUMNS[c], r) for c, r in escapes]


def test_max_calls_per_proof(wit: zm.MachineWitness) -> None:
    """The table is capped at 2^LOG_MAX_MODMUL256 rows, one call each; one row more is
    refused by the verifier's height check."""
    cap = cap_refused(wit, "modmul256")
    assert cap == zm.LOG_MAX_MODMUL256 and 1 << cap == zm.MAX_MODMUL256_CALLS


def test_too_many_calls_fail_before_proving(elf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zm, "MAX_MODMUL256_CALLS", 2)
    with pytest.raises(ZkrvError, match="MODMUL256 precompile calls"):
        zkrv.prove(elf, b"".join(words(a) + words(b) + words(m) for a, b, m in CALLS))


# -- proofs ------------------------------------------------------------------------------------
@pytest.mark.slow
def test_prove_and_verify(elf: Path) -> None:
    """zkrv.prove on the edge cases and random operands: the receipt verifies and its journal
    is Python's a * b % m."""
    rng = random.Random(6)
    cs = cases()[:9] + [(rng.getrandbits(256), rng.getrandbits(256), SECP_P) for _ in range(3)]
    want = b"".join(words(a * b % (m or 1 << 256)) for a, b, m in cs)
    receipt = zkrv.prove(elf, b"".join(words(a) + words(b) + words(m) for a, b, m in cs))
    assert isinstance(receipt, StarkReceipt) and receipt.journal == want
    receipt.verify(zkrv.image_id(elf), journal=want)


@pytest.mark.slow
def test_prove_in_segments(elf: Path) -> None:
    """Three calls (about 2,600 cycles) in two segments of 2^11 cycles (the result buffer's
    words cross the segment boundary through the memory argument): the composite receipt
    verifies and its journal is Python's."""
    from zkrv.receipt import SegmentedReceipt

    cs = cases()[:3]
    want = b"".join(words(a * b % (m or 1 << 256)) for a, b, m in cs)
    receipt = zkrv.prove(
        elf, b"".join(words(a) + words(b) + words(m) for a, b, m in cs), segment_po2=11, jobs=1
    )
    assert isinstance(receipt, SegmentedReceipt) and receipt.segments == 2
    assert receipt.journal == want
    receipt.verify(zkrv.image_id(elf), journal=want)


@pytest.mark.slow
def test_malicious_prover_unreduced_result_rejected(elf: Path) -> None:
    """A prover with its checks off proves ``r + m`` (quotient one less, arithmetic consistent,
    memory left as is); the verifier rejects the receipt."""
    a, b, m = CALLS[3]
    q, r = divmod(a * b, m)

    def edit(core: list[np.ndarray]) -> None:
        tr = core[MM].astype(np.int64)
        qb = np.frombuffer((q - 1).to_bytes(64, "little"), np.uint8).astype(np.int64)[None]
        rb = np.frombuffer((r + m).to_bytes(32, "little"), np.uint8).astype(np.int64)[None]
        mm.fill_arith(tr[0:1], tr[0:1, MC["x0"] : MC["x0"] + 96], qb, rb)
        core[MM] = tr.astype(np.uint32)

    forged, image_id = forged_receipt(run(elf, CALLS[3:]), edit)
    with pytest.raises((ReceiptVerificationError, ZkrvError)):
        forged.verify(image_id)
