"""The SHA-256 precompile (``docs/zkvm-accel.md``): executor semantics against hashlib, the
circuit's witnesses against the debug checker, malicious witnesses (wrong output word, round
constant, intermediate, address, unread memory) rejected, every column of the table covered, and
(slow) proofs through the real prover and verifier."""

from __future__ import annotations

import hashlib
import random
import struct
from pathlib import Path

import numpy as np
import pytest
from zkvm_util import (
    cap_refused,
    core_copy,
    coverage_escapes,
    forged_receipt,
    problems,
    windowed_escapes,
)

import zkrv
from zkrv.build import build
from zkrv.errors import ZkrvError
from zkrv.receipt import ReceiptVerificationError, StarkReceipt
from zkrv_prover.executor import ExecutionResult, execute
from zkrv_prover.executor.abi import JOURNAL_REG
from zkrv_prover.executor.accel import SHA256_IV, sha256_compress
from zkrv_prover.executor.errors import EcallError
from zkrv_prover.executor.trace import check_trace
from zkrv_prover.zkvm import machine as zm
from zkrv_prover.zkvm import sha256 as sha
from zkrv_prover.zkvm.buses import BUS_ACCEL, BUS_MEMORY, BUS_SHA256_K
from zkrv_prover.zkvm.memory import M_F, M_FTS, M_W

GUEST = Path(__file__).parent / "guests" / "sha256_accel.c"
SHA = zm.CORE_TABLES.index("sha256")
MEM = zm.CORE_TABLES.index("memory")
SC = sha.C

#: message lengths around the padding boundaries (55/56: one or two tail blocks; 64 multiples)
EDGE_LENGTHS = [0, 1, 3, 55, 56, 63, 64, 65, 119, 120, 127, 128, 129, 200]


@pytest.fixture(scope="module")
def elf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build([GUEST], tmp_path_factory.mktemp("sha") / "sha256_accel.elf")


def run_hash(elf: Path, data: bytes, unaligned: bool = False) -> ExecutionResult:
    mode = 0 | (int(unaligned) << 8)
    return execute(elf, struct.pack("<I", mode) + data, trace=True)


def run_compress(
    elf: Path, state: list[int], block: bytes, overlap: bool = False
) -> ExecutionResult:
    """One zkrv_sha256_compress; with ``overlap`` the block starts at the state (its first 32
    bytes are the state's)."""
    words = struct.pack("<8I", *state)
    data = words + block[32:] if overlap else words + block
    return execute(elf, struct.pack("<I", 2 if overlap else 1) + data, trace=True)


def witness(res: ExecutionResult) -> zm.MachineWitness:
    assert res.trace is not None
    return zm.generate(zm.ProgramTables.from_image(res.image), res.trace)


# -- executor and guest API ------------------------------------------------------------------
def test_zkrv_sha256_matches_hashlib(elf: Path) -> None:
    """Edge lengths and random ones, aligned and unaligned buffers; the executor's records
    satisfy the trace oracle (memory consistency across precompile calls)."""
    rng = random.Random(16)
    cases = [(n, False) for n in EDGE_LENGTHS] + [(n, True) for n in (0, 64, 65, 130)]
    cases += [(rng.randrange(1, 600), rng.random() < 0.5) for _ in range(6)]
    for n, unaligned in cases:
        data = rng.randbytes(n)
        res = run_hash(elf, data, unaligned)
        assert res.journal == hashlib.sha256(data).digest(), (n, unaligned)
        assert res.exit_code == n
        assert res.trace is not None
        # one call per block of the padded message, plus the journal's COMMIT
        assert res.trace.sha256_calls.shape[0] == (n + 9 + 63) // 64 + 1
        check_trace(res.trace)


def test_compress_matches_hashlib_and_the_table(elf: Path) -> None:
    """One compression of a padded one-block message from the IV is SHA-256 of it; the executor's
    reference and the table's own vectorized computation agree on random states and blocks."""
    msg = b"abc"
    block = msg + b"\x80" + bytes(64 - len(msg) - 9) + struct.pack(">Q", 8 * len(msg))
    state = sha256_compress(list(SHA256_IV), block)
    assert b"".join(struct.pack(">I", x) for x in state) == hashlib.sha256(msg).digest()
    res = run_compress(elf, list(SHA256_IV), block)
    assert res.journal == struct.pack("<8I", *state)
    rng = np.random.default_rng(5)
    calls = rng.integers(0, 2**32, size=(20, 26), dtype=np.uint64).astype(np.uint32)
    ref = [sha256_compress(r[2:10].tolist(), r[10:26].astype("<u4").tobytes()) for r in calls]
    assert np.array_equal(sha.compress_calls(calls), np.array(ref, dtype=np.uint32))


def test_overlapping_state_and_block(elf: Path) -> None:
    """The block is read before the state is written (block = state + 32 more bytes)."""
    rng = random.Random(3)
    state = [rng.getrandbits(32) for _ in range(8)]
    block = struct.pack("<8I", *state) + rng.randbytes(32)
    res = run_compress(elf, state, block, overlap=True)
    assert res.journal == struct.pack("<8I", *sha256_compress(state, block))
    assert problems(witness(res)) == []


def test_bad_pointers_trap() -> None:
    """Misaligned, read-only (code page) state or out-of-RAM pointers: the executor traps (the
    circuit has no chain for such words)."""
    from zkvm_util import asm

    for a0, a1 in ((asm.DATA + 2, asm.DATA + 64), (asm.CODE, asm.DATA), (asm.DATA, 0x100)):
        code = [*asm.li(10, a0), *asm.li(11, a1), asm.i("addi", 17, 0, 4), asm.ECALL]
        with pytest.raises(EcallError, match="SHA256"):
            asm.run(code)


# -- the circuit on honest witnesses ---------------------------------------------------------
@pytest.mark.parametrize("n", [0, 64, 119, 300])
def test_hash_witness_satisfies_the_machine(elf: Path, n: int) -> None:
    data = bytes(range(256)) * 2
    res = run_hash(elf, data[:n], unaligned=n == 119)
    w = witness(res)
    assert problems(w) == []
    calls = res.trace.sha256_calls.shape[0] if res.trace is not None else 0
    active = w.traces[SHA][:, SC["active"]]
    assert int(active.sum()) == calls * sha.ROWS_PER_CALL


@pytest.fixture(scope="module")
def wit2(elf: Path) -> zm.MachineWitness:
    """Two calls (one compression, the journal's COMMIT): every sha256 row belongs to an active
    call, so every row must be pinned."""
    rng = random.Random(9)
    res = run_compress(elf, [rng.getrandbits(32) for _ in range(8)], rng.randbytes(64))
    w = witness(res)
    assert w.traces[SHA].shape[0] == 2 * sha.ROWS_PER_CALL
    assert w.traces[SHA][:, SC["active"]].all()
    return w


def mutate(w: zm.MachineWitness, edits: list[tuple[int, int, int, int]]) -> list[str]:
    """Problems of the witness after ``(table, row, col, value)`` edits of core traces (the
    peripheral tables regenerated, as a cheating prover would)."""
    core = core_copy(w)
    for t, row, col, val in edits:
        core[t][row, col] = val
    return problems(w, core)


def test_regenerated_honest_witness_passes(wit2: zm.MachineWitness) -> None:
    assert problems(wit2) == []
    assert problems(wit2, core_copy(wit2)) == []


def test_wrong_output_word_rejected(wit2: zm.MachineWitness) -> None:
    """A state word written with a wrong value, the memory table's final value changed to match
    (so memory balances): the output addition fails."""
    tr = wit2.traces[SHA]
    row = 3
    sp = [int(tr[row, SC[f"sp{j}"]]) for j in range(4)]
    word = sp[0] + 64 * sp[1] + 16384 * sp[2] + (1 << 22) * sp[3] + row  # a0 / 4 + k
    mem = wit2.traces[MEM]
    mrow = int(np.flatnonzero(mem[:, M_W] == word)[0])
    new = (int(tr[row, SC["n0"]]) + 1) % 256
    edits = [(SHA, row, SC["n0"], new)]
    if int(mem[mrow, M_FTS]) == int(tr[row, SC["ts"]]) + sha.STATE_TS:
        edits.append((MEM, mrow, M_F, new))
    out = mutate(wit2, edits)
    assert any("out_lo" in p for p in out), out


def test_wrong_round_constant_rejected(wit2: zm.MachineWitness) -> None:
    """A round constant changed (and the round's outputs recomputed to match locally): the
    constants lookup fails."""
    row = 20
    tr = wit2.traces[SHA]
    edits = [(SHA, row, SC["k_lo"], (int(tr[row, SC["k_lo"]]) + 1) % 65536)]
    out = mutate(wit2, edits)
    assert out and any(f"bus {BUS_SHA256_K}" in p or "a_new" in p for p in out), out
    # consistent with the round equations (a_new/e_new shifted by one) still fails on the bus
    lo = int(tr[row, SC["an_lo"]])
    if lo < 65535 and int(tr[row, SC["en_lo"]]) < 65535:
        edits += [
            (SHA, row, SC["an_lo"], lo + 1),
            (SHA, row, SC["en_lo"], tr[row, SC["en_lo"]] + 1),
        ]
        out = mutate(wit2, edits)
        assert any(f"bus {BUS_SHA256_K}" in p for p in out), out


def test_wrong_intermediate_rejected(wit2: zm.MachineWitness) -> None:
    """A flipped bit of a round's state, of a message-schedule word, a wrong sigma helper."""
    for row, col in ((10, SC["a5"]), (30, SC["e17"]), (40, SC["w3"]), (5, SC["g0"])):
        tr = wit2.traces[SHA]
        assert mutate(wit2, [(SHA, row, col, 1 - int(tr[row, col]))])
    for row, col in ((20, SC["sg0_lo"]), (50, SC["x2_hi"]), (63, SC["an_hi"])):
        tr = wit2.traces[SHA]
        assert mutate(wit2, [(SHA, row, col, (int(tr[row, col]) + 1) % 65536)])


def test_output_to_wrong_address_rejected(wit2: zm.MachineWitness) -> None:
    """The state pointer's byte 1 changed on every row of the first call: the CPU's call and the
    memory chains no longer match."""
    tr = wit2.traces[SHA]
    edits = [
        (SHA, r, SC["sp1"], (int(tr[r, SC["sp1"]]) + 1) % 256) for r in range(sha.ROWS_PER_CALL)
    ]
    out = mutate(wit2, edits)
    assert any(f"bus {BUS_ACCEL}" in p for p in out), out


def test_unread_memory_rejected(wit2: zm.MachineWitness) -> None:
    """A call that claims a block word it did not read (the word's bits changed on a block row,
    the schedule unchanged), and a call made inactive so that it touches no memory at all."""
    tr = wit2.traces[SHA]
    assert mutate(wit2, [(SHA, 2, SC["w9"], 1 - int(tr[2, SC["w9"]]))])
    edits = [(SHA, r, SC["active"], 0) for r in range(sha.ROWS_PER_CALL)]
    out = mutate(wit2, edits)
    assert any(f"bus {BUS_ACCEL}" in p for p in out), out


def test_table_switched_off_without_calls() -> None:
    """A segment without SHA-256 or COMMIT calls (every halting run commits its journal, so a
    non-final segment) gets an all-zero ``sha256`` table (``on = 0``) and all-zero ``sha256_k``
    multiplicities, which satisfy the machine; making a block active in a switched-off table is
    rejected."""
    from zkvm_util import asm

    from zkrv_prover.executor import execute_segments
    from zkrv_prover.zkvm.buses import BUS_GLOBAL
    from zkrv_prover.zkvm.segments import SegmentChain

    img = asm.image([asm.i("addi", 5, 5, 1)] * 70 + asm.HALT, {})
    seg = next(iter(execute_segments(img, b"", 6)))
    assert not seg.halted and seg.trace.sha256_calls.shape[0] == 0
    w = zm.generate_segment(zm.ProgramTables.from_image(img), seg.trace, SegmentChain(img).add(seg))
    k = zm.CORE_TABLES.index("sha256_k")
    assert not w.traces[SHA].any() and not w.traces[k].any()

    def local(core: list[np.ndarray] | None = None) -> list[str]:  # BUS_GLOBAL spans segments
        return [p for p in problems(w, core) if f"bus {BUS_GLOBAL}" not in p]

    assert local() == []
    core = core_copy(w)
    core[SHA][: sha.ROWS_PER_CALL, SC["active"]] = 1
    assert any("active_on" in p for p in local(core))


def test_switching_a_used_table_off_rejected(wit2: zm.MachineWitness) -> None:
    """``on = 0`` on every row of a table that holds calls: the calls cannot stay active."""
    core = core_copy(wit2)
    core[SHA][:, SC["on"]] = 0
    out = problems(wit2, core)
    assert any("active_on" in p for p in out), out
    core[SHA][:, SC["active"]] = 0  # and inactive calls leave the CPU's ECALLs unanswered
    out = problems(wit2, core)
    assert any(f"bus {BUS_ACCEL}" in p for p in out), out


def test_sha256_tables_cover_every_column(wit2: zm.MachineWitness) -> None:
    """Mutating any cell of an active call's row (first/last rows, state, block and schedule
    rows, a row of the second call) breaks a constraint or the table's bus sums; the constants
    table's multiplicities are pinned by its bus."""
    rows = [0, 8, 16, 63, 70]
    escapes, tried = windowed_escapes(wit2, "sha256", rows)
    assert tried > 2 * sha.WIDTH * len(rows) * 0.9
    assert escapes == [], [(sha.COLUMNS[c], r) for c, r in escapes]
    assert coverage_escapes(wit2, ["sha256_k"], samples=2) == []


def test_max_calls_per_proof(wit2: zm.MachineWitness) -> None:
    """The sha256 table's cap (2^22 rows) allows 2^16 calls per proof; one row more is refused."""
    cap = cap_refused(wit2, "sha256")
    assert (1 << cap) // sha.ROWS_PER_CALL == zm.MAX_SHA256_CALLS == 1 << 16


def test_too_many_calls_fail_before_proving(elf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """zkrv.prove refuses an execution with more calls than one proof holds, with a clear error
    (the cap lowered so that a 200-byte hash, 4 compressions and the journal's COMMIT, exceeds
    it)."""
    monkeypatch.setattr(zm, "MAX_SHA256_CALLS", 4)
    with pytest.raises(ZkrvError, match="SHA256/COMMIT precompile calls"):
        zkrv.prove(elf, struct.pack("<I", 0) + bytes(200))


# -- proofs ------------------------------------------------------------------------------------
@pytest.mark.slow
def test_prove_and_verify_hash(elf: Path) -> None:
    """zkrv.prove on a 200-byte hash (5 precompile calls): the receipt verifies and its journal
    is hashlib's digest."""
    data = bytes(range(200))
    receipt = zkrv.prove(elf, struct.pack("<I", 0) + data)
    assert isinstance(receipt, StarkReceipt)
    assert receipt.journal == hashlib.sha256(data).digest()
    receipt.verify(zkrv.image_id(elf), journal=hashlib.sha256(data).digest())


@pytest.mark.slow
def test_malicious_prover_wrong_digest_rejected(elf: Path) -> None:
    """A prover with its checks off claims a wrong compression output (one state byte, the
    memory table's final value changed to match); the verifier rejects the receipt."""
    rng = random.Random(4)
    res = run_compress(elf, [rng.getrandbits(32) for _ in range(8)], rng.randbytes(64))

    def edit(core: list[np.ndarray]) -> None:
        core[SHA][0, SC["n0"]] = (int(core[SHA][0, SC["n0"]]) + 1) % 256

    forged, image_id = forged_receipt(res, edit)
    with pytest.raises((ReceiptVerificationError, ZkrvError)):
        forged.verify(image_id)


# -- the journal: COMMIT compresses into the journal registers, HALT exposes them -------------
REGS = zm.CORE_TABLES.index("registers")


def test_journal_digest_is_the_machine_state(wit2: zm.MachineWitness) -> None:
    """The honest witness: the last call is the journal's COMMIT (jc = 1, a0 = 0, state in the
    journal registers, which start at the IV), the public digest is the journal registers' final
    value, most significant byte first."""
    tr = wit2.traces[SHA]
    jc = tr[:, SC["jc"]].reshape(-1, sha.ROWS_PER_CALL)
    assert jc[:, 0].tolist() == [0, 1] and (jc == jc[:, :1]).all()
    commit = tr[sha.ROWS_PER_CALL : sha.ROWS_PER_CALL + 8]
    assert commit[:, SC["sa"]].tolist() == list(range(JOURNAL_REG, JOURNAL_REG + 8))
    assert not commit[:, [SC[f"sp{j}"] for j in range(4)]].any()
    old = [
        int.from_bytes(bytes(commit[k, SC["o0"] : SC["o0"] + 4].tolist()), "little")
        for k in range(8)
    ]
    assert old == list(SHA256_IV)
    regs = wit2.traces[REGS][JOURNAL_REG : JOURNAL_REG + 8, 1:5]
    digest = b"".join(bytes(r.tolist()[::-1]) for r in regs)
    assert bytes(wit2.public[zm.PUB_DIGEST : zm.PUB_DIGEST + 32]) == digest


def test_commit_received_as_sha256_rejected(wit2: zm.MachineWitness) -> None:
    """The COMMIT's block with jc = 0 (so its state would be memory at a0 = 0): the CPU's COMMIT
    is not answered, and no memory chain holds word 0."""
    rows = range(sha.ROWS_PER_CALL, 2 * sha.ROWS_PER_CALL)
    out = mutate(wit2, [(SHA, r, SC["jc"], 0) for r in rows])
    assert any(f"bus {BUS_ACCEL}" in p for p in out), out


def test_sha256_call_received_as_commit_rejected(wit2: zm.MachineWitness) -> None:
    """The SHA256 call's block with jc = 1: its a0 is not 0, and the CPU's SHA256 is not
    answered (the call would rewrite the journal registers instead of memory)."""
    out = mutate(wit2, [(SHA, r, SC["jc"], 1) for r in range(sha.ROWS_PER_CALL)])
    assert any("commit_a0_zero" in p for p in out), out
    assert any(f"bus {BUS_ACCEL}" in p for p in out), out


def test_wrong_journal_state_rejected(wit2: zm.MachineWitness) -> None:
    """The COMMIT writes a wrong journal word, the register table's final value and the public
    digest changed to match: the output addition fails."""
    row = sha.ROWS_PER_CALL + 2
    tr = wit2.traces[SHA]
    new = (int(tr[row, SC["n0"]]) + 1) % 256
    edits = [(SHA, row, SC["n0"], new), (REGS, JOURNAL_REG + 2, 1, new)]
    pub = list(wit2.public)
    pub[zm.PUB_DIGEST + 4 * 2 + 3] = new
    core = core_copy(wit2)
    for t, r, c, v in edits:
        core[t][r, c] = v
    out = problems(wit2, core, pub)
    assert any("out_lo" in p for p in out), out


@pytest.mark.parametrize("registers_too", [False, True])
def test_forged_journal_digest_rejected(wit2: zm.MachineWitness, registers_too: bool) -> None:
    """A public digest other than the journal state (alone, or with the register table's final
    values forged to match): the halt table's reads do not chain to the last COMMIT's writes."""
    pub = list(wit2.public)
    pub[zm.PUB_DIGEST] ^= 1
    core = core_copy(wit2)
    if registers_too:
        core[REGS][JOURNAL_REG, 4] ^= 1  # byte 3 of register JOURNAL_REG is digest byte 0
    out = problems(wit2, core, pub)
    assert any(f"bus {BUS_MEMORY}" in p for p in out), out
