"""The KECCAKF precompile in the machine (``zkvm/keccak_f.py``, ``docs/zkvm-accel.md``): the CPU's
calls reach the ``keccak_f`` table, whose blocks read and rewrite the 50 state words through the
memory argument. Honest witnesses satisfy the machine; malicious ones (a wrong output word, an
output to another address, a permutation of a state other than memory's, a call left unanswered)
are rejected; every column is covered; the per-proof cap holds; and (slow) proofs through the real
prover and verifier agree with pycryptodome's Keccak-256."""

from __future__ import annotations

import random
import struct
import sys
from pathlib import Path

import numpy as np
import pytest
from zkvm_util import (
    cap_refused,
    core_copy,
    forged_receipt,
    problems,
    run_program,
    windowed_escapes,
    witness,
)

import zkrv
from zkrv.build import build
from zkrv.errors import ZkrvError
from zkrv.receipt import ReceiptVerificationError, SegmentedReceipt, StarkReceipt
from zkrv_prover.executor import ExecutionResult, execute
from zkrv_prover.executor.trace import keccak_results
from zkrv_prover.zkvm import keccak_f as kf
from zkrv_prover.zkvm import machine as zm
from zkrv_prover.zkvm.buses import BUS_ACCEL, BUS_KECCAK_IO, BUS_MEMORY

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "executor"))
from test_executor_keccak import GUEST, reference

KK = zm.CORE_TABLES.index("keccak_f")
KC = kf.C
R = kf.ROWS_PER_CALL
#: 300 bytes: three permutations of Keccak-256 (two full 136-byte blocks and the padded tail)
DATA = random.Random(21).randbytes(300)


@pytest.fixture(scope="module")
def elf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build([GUEST], tmp_path_factory.mktemp("kk") / "rt_keccak.elf")


def run(elf: Path, data: bytes) -> ExecutionResult:
    """Mode 0 of the test guest: commit ``zkrv_keccak256(data)`` (one ECALL per permutation)."""
    return execute(elf, struct.pack("<I", 0) + data, trace=True)


@pytest.fixture(scope="module")
def res(elf: Path) -> ExecutionResult:
    return run(elf, DATA)


@pytest.fixture(scope="module")
def wit(res: ExecutionResult) -> zm.MachineWitness:
    return witness(res)


def block_bytes(tr: np.ndarray, block: int, prefix: str) -> bytes:
    """The 200 bytes a block's io rows hold in ``ob`` (before) or ``nb`` (after)."""
    rows = tr[block * R : block * R + kf.LANES, KC[f"{prefix}0"] : KC[f"{prefix}0"] + 8]
    return bytes(rows.astype(np.uint8).ravel())


def words_bytes(words: np.ndarray) -> bytes:
    return words.astype("<u4").tobytes()


def test_witness_satisfies_the_machine(res: ExecutionResult, wit: zm.MachineWitness) -> None:
    """Three calls: three active blocks, each reading the state the executor recorded at the
    call's pointer and writing its permutation; the journal is pycryptodome's digest."""
    assert problems(wit) == []
    assert res.journal == reference(DATA)
    assert res.trace is not None
    calls = res.trace.keccak_calls
    assert calls.shape[0] == 3
    tr = wit.traces[KK]
    assert tr.shape[0] == 256  # 3 x 48 rows, padded
    assert int(tr[:, KC["active"]].sum()) == 3 * R
    new = keccak_results(calls)
    cpu = wit.traces[zm.CORE_TABLES.index("cpu")]
    call_rows = np.flatnonzero(cpu[:, zm.C["e_kk"]])
    for i in range(3):
        blk = tr[i * R : (i + 1) * R]
        assert (blk[:, KC["ts"]] == 4 * call_rows[i] + 1).all()
        a0 = int(calls[i, 0])
        assert int(blk[0, KC["p0"]]) == (a0 & 0xFF) >> 2
        assert block_bytes(tr, i, "ob") == words_bytes(calls[i, 1:])
        assert block_bytes(tr, i, "nb") == words_bytes(new[i])


def test_wrong_output_word_rejected(wit: zm.MachineWitness) -> None:
    """Lane 5's output changed in memory (its io row's new bytes) and, consistently, on the
    block's last row: the last round's output constraint fails; with the last row left honest,
    the lane's hand-over on ``BUS_KECCAK_IO`` fails. Either way memory's later readers disagree."""
    core = core_copy(wit)
    tr = core[KK]
    tr[5, KC["nb0"]] ^= 1
    only_io = problems(wit, core)
    assert any(p.startswith(f"bus {BUS_KECCAK_IO} ") for p in only_io), only_io
    tr[R - 1, KC["limb5_0"]] ^= 1
    out = problems(wit, core)
    assert any("out5_0" in p for p in out), out
    assert any(p.startswith(f"bus {BUS_MEMORY} ") for p in out), out


def test_output_to_wrong_address_rejected(wit: zm.MachineWitness) -> None:
    """The first block's pointer byte 1 changed on all its rows: the CPU's call is not
    answered (and the words it touches are not the ones the guest reads)."""
    core = core_copy(wit)
    core[KK][:R, KC["p1"]] += 1
    out = problems(wit, core)
    assert any(p.startswith(f"bus {BUS_ACCEL} ") for p in out), out


def test_permuting_another_state_rejected(res: ExecutionResult, wit: zm.MachineWitness) -> None:
    """The first block permutes a state one bit away from memory's (all its rounds consistent):
    with its io rows holding memory's old bytes, the hand-over of the input fails; with the
    forged state's bytes, the memory argument fails. A block made inactive reads nothing, and
    the CPU's call is unanswered."""
    assert res.trace is not None
    calls = res.trace.keccak_calls
    st = calls[:, 1:].astype(np.uint64).reshape(-1, kf.LANES, 2)
    lanes = st[:, :, 0] | st[:, :, 1] << np.uint64(32)
    lanes[0, 3] ^= np.uint64(1 << 40)
    honest = wit.traces[KK]
    pts = honest[: kf.LANES, [KC["pts0"], KC["pts1"]]].reshape(-1)[None]
    forged = kf.keccak_f_trace(lanes[:1], 64, honest[:1, KC["ts"]], calls[:1, 0], pts)
    for keep_memory_bytes, bus in ((True, BUS_KECCAK_IO), (False, BUS_MEMORY)):
        core = core_copy(wit)
        blk = forged[:R].copy()
        if keep_memory_bytes:
            cols = slice(KC["ob0"], KC["ob0"] + 8)
            blk[: kf.LANES, cols] = honest[: kf.LANES, cols]
        core[KK][:R] = blk
        out = problems(wit, core)
        assert not any("out" in p or "parity" in p for p in out), out
        assert any(p.startswith(f"bus {bus} ") for p in out), (keep_memory_bytes, out)
    core = core_copy(wit)
    core[KK][:R, KC["active"]] = 0
    out = problems(wit, core)
    assert any(p.startswith(f"bus {BUS_ACCEL} ") for p in out), out


def test_table_switched_off_without_calls() -> None:
    """No KECCAKF call: the table is all zero (``on = 0``) and satisfies the machine; an active
    row in a switched-off table is rejected."""
    w = witness(run_program([0x00000513]))  # li a0, 0
    assert not w.traces[KK].any()
    assert problems(w) == []
    core = core_copy(w)
    core[KK][0, KC["active"]] = 1
    assert any("active_on" in p for p in problems(w, core))


@pytest.mark.slow
def test_keccak_table_covers_every_column(wit: zm.MachineWitness) -> None:
    """Every cell of the first block's first row (the call, an io row, the input), the last
    round's even row and the last row (the output), changed alone, breaks a constraint or the
    row's bus sums."""
    rows = [0, R - 2, R - 1]
    escapes, tried = windowed_escapes(wit, "keccak_f", rows)
    assert tried >= kf.WIDTH * len(rows)
    assert escapes == [], [(kf.COLUMNS[c], r) for c, r in escapes]


def test_max_calls_per_proof(wit: zm.MachineWitness) -> None:
    """The table is capped at 2^LOG_MAX_KECCAK rows, 48 per call; a taller table is refused
    by the verifier's height check."""
    assert cap_refused(wit, "keccak_f") == zm.LOG_MAX_KECCAK
    assert zm.MAX_KECCAK_CALLS == (1 << zm.LOG_MAX_KECCAK) // R


def test_too_many_calls_fail_before_proving(elf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zm, "MAX_KECCAK_CALLS", 2)
    with pytest.raises(ZkrvError, match="3 KECCAKF precompile calls; one proof holds at most 2"):
        zkrv.prove(elf, struct.pack("<I", 0) + DATA)


# -- proofs ------------------------------------------------------------------------------------
@pytest.mark.slow
def test_prove_and_verify(elf: Path) -> None:
    """zkrv.prove of Keccak-256 over the ECALL: the receipt verifies, its journal is
    pycryptodome's digest."""
    data = random.Random(22).randbytes(500)
    receipt = zkrv.prove(elf, struct.pack("<I", 0) + data)
    assert isinstance(receipt, StarkReceipt) and receipt.journal == reference(data)
    receipt.verify(zkrv.image_id(elf), journal=reference(data))


@pytest.mark.slow
def test_prove_in_segments(elf: Path) -> None:
    """Keccak-256 of 300 bytes (three calls, about 7,700 cycles) in two segments of 2^12 cycles:
    the state's words cross the segment boundary through the memory argument; the composite
    receipt verifies."""
    receipt = zkrv.prove(elf, struct.pack("<I", 0) + DATA, segment_po2=12, jobs=1)
    assert isinstance(receipt, SegmentedReceipt) and receipt.segments == 2
    assert receipt.journal == reference(DATA)
    receipt.verify(zkrv.image_id(elf), journal=reference(DATA))


@pytest.mark.slow
def test_malicious_prover_wrong_output_rejected(elf: Path) -> None:
    """A prover with its checks off writes a wrong output word (consistent between its io row
    and the block's last row); the verifier rejects the receipt."""

    def edit(core: list[np.ndarray]) -> None:
        core[KK][5, KC["nb0"]] ^= 1
        core[KK][R - 1, KC["limb5_0"]] ^= 1

    forged, image_id = forged_receipt(run(elf, DATA[:100]), edit)
    with pytest.raises((ReceiptVerificationError, ZkrvError)):
        forged.verify(image_id)
