"""Composite (segmented) receipts through the SDK and CLI: ``zkrv.prove`` proves an execution
longer than one segment in segments (``SegmentedReceipt``, kind 4) with the claim a one-proof
receipt has; the receipt round-trips, verifies, and every tampering of its bytes, its claim or
its segment list is rejected; Groth16 wrapping refuses it with the reason; ``zkrv prove
--segment-po2/--jobs``, ``zkrv verify`` and ``zkrv inspect`` handle it.

Proofs use the zkVM's own parameters."""

from __future__ import annotations

import dataclasses
import json
import os
import struct
from pathlib import Path

import pytest
from zkvm_util import asm, image_of

import zkrv
from zkrv.build import build
from zkrv.cli import main
from zkrv.errors import ZkrvError
from zkrv.receipt import (
    ReceiptKind,
    ReceiptVerificationError,
    SegmentedReceipt,
    StarkReceipt,
    decode_receipt,
)
from zkrv_prover.executor import MemoryImage, execute
from zkrv_prover.zkvm.segment_codec import decode_segmented, encode_segmented

GUEST = Path(__file__).parent / "guests" / "segments.c"
GUEST_INPUT = bytes(range(40))  # 7111 cycles: four segments of 2^11


@pytest.fixture(scope="module")
def tiny() -> MemoryImage:
    """100 straight-line instructions and the halt: two segments of 2^6 cycles."""
    return image_of([asm.i("addi", 5, 5, 1)] * 100)


@pytest.fixture(scope="module")
def receipt(tiny: MemoryImage) -> SegmentedReceipt:
    r = zkrv.prove(tiny, segment_po2=6, jobs=1)
    assert isinstance(r, SegmentedReceipt)
    return r


def _with_seal(r: SegmentedReceipt, seal: bytes) -> SegmentedReceipt:
    return dataclasses.replace(r, seal=seal)


def _rejected(r: SegmentedReceipt, image_id: bytes, match: str) -> None:
    with pytest.raises(ReceiptVerificationError, match=match):
        r.verify(image_id)


def test_a_long_execution_is_proven_in_segments(
    tiny: MemoryImage, receipt: SegmentedReceipt
) -> None:
    """The segmented receipt claims what the execution computes, under the program's image ID
    (the one a one-proof receipt has), round-trips through bytes and verifies."""
    res = execute(tiny, b"", trace=False)
    iid = zkrv.image_id(tiny)
    assert receipt.kind == ReceiptKind.SEGMENTED and receipt.segments == 2
    assert (receipt.image_id, receipt.exit_code) == (iid, res.exit_code)
    assert receipt.journal == res.journal
    back = decode_receipt(receipt.to_bytes())
    assert isinstance(back, SegmentedReceipt) and back == receipt
    back.verify(iid, res.journal)
    info = back.to_json()
    assert info["kind"] == "segmented" and info["segments"] == 2


def test_a_short_execution_stays_one_proof(tiny: MemoryImage) -> None:
    """At most 2^segment_po2 cycles: the one-proof STARK receipt, as before segments."""
    r = zkrv.prove(tiny, segment_po2=7)
    assert isinstance(r, StarkReceipt)
    r.verify(zkrv.image_id(tiny))


def test_claim_tampering_is_rejected(tiny: MemoryImage, receipt: SegmentedReceipt) -> None:
    iid = zkrv.image_id(tiny)
    with pytest.raises(ReceiptVerificationError, match="is for image"):
        receipt.verify(bytes(32))
    with pytest.raises(ReceiptVerificationError, match="journal differs"):
        receipt.verify(iid, b"other")
    _rejected(dataclasses.replace(receipt, exit_code=receipt.exit_code + 1), iid, "invalid")
    _rejected(dataclasses.replace(receipt, journal=b"x"), iid, "invalid")
    other = image_of([asm.i("addi", 6, 6, 1)] * 100)
    forged = dataclasses.replace(receipt, image_id=zkrv.image_id(other))
    _rejected(forged, forged.image_id, "does not match the image ID")


def test_seal_tampering_is_rejected(tiny: MemoryImage, receipt: SegmentedReceipt) -> None:
    iid = zkrv.image_id(tiny)
    seal = receipt.seal
    _rejected(_with_seal(receipt, seal + b"\x00"), iid, "trailing")
    _rejected(_with_seal(receipt, seal[:-1]), iid, "truncated")
    bad_flags = bytearray(seal)
    bad_flags[38 + 8] |= 4  # first segment's eof flags byte: an unknown bit
    _rejected(_with_seal(receipt, bytes(bad_flags)), iid, "flag bits")
    flipped = bytearray(seal)
    flipped[len(seal) // 2] ^= 1  # inside a segment proof
    _rejected(_with_seal(receipt, bytes(flipped)), iid, "invalid|malformed")
    link = bytearray(seal)
    pre_pc = struct.unpack_from(">I", link, 38)[0]
    struct.pack_into(">I", link, 38, pre_pc + 4)  # the first segment's claimed start pc
    _rejected(_with_seal(receipt, bytes(link)), iid, "invalid")
    with pytest.raises(ZkrvError, match="segments"):
        _with_seal(receipt, seal[:34] + struct.pack(">I", 0) + seal[38:])


def test_segment_list_tampering_is_rejected(tiny: MemoryImage, receipt: SegmentedReceipt) -> None:
    """Dropping, repeating or reordering segments in the seal fails verification."""
    iid = zkrv.image_id(tiny)
    proof = decode_segmented(receipt.seal, iid, receipt.exit_code, receipt.journal)
    edits = {
        "drop first": (proof.links[1:], proof.proofs[1:]),
        "drop last": (proof.links[:1], proof.proofs[:1]),
        "swap": (proof.links[::-1], proof.proofs[::-1]),
        "repeat": (proof.links[:1] + proof.links, proof.proofs[:1] + proof.proofs),
    }
    for name, (links, proofs) in edits.items():
        bad = dataclasses.replace(proof, links=links, proofs=proofs)
        with pytest.raises(ReceiptVerificationError):
            _with_seal(receipt, encode_segmented(bad)).verify(iid)
        print(f"{name}: rejected")


def test_bad_segment_settings(tiny: MemoryImage) -> None:
    for po2 in (5, 22):
        with pytest.raises(ZkrvError, match="outside"):
            zkrv.prove(tiny, segment_po2=po2)
    with pytest.raises(ZkrvError, match="jobs"):
        zkrv.prove(tiny, jobs=0)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = str(tmp_path / "r.bin")
    for extra, msg in [
        (["--segment-po2", "3"], "outside"),
        (["--jobs", "0"], "at least 1"),
        (["--dev", "--jobs", "2"], "--dev makes no proof"),
    ]:
        code, _, err = run(capsys, "prove", "missing.elf", "-o", out, *extra)
        assert code == 2 and msg in err, (extra, err)


@pytest.mark.slow
def test_cli_prove_in_worker_processes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``zkrv prove --segment-po2 11 --jobs 2`` on a C guest: four segments proven by two
    worker processes; ``zkrv verify`` and ``zkrv inspect`` read the composite receipt."""
    elf = build([GUEST], tmp_path / "segments.elf")
    rpath = str(tmp_path / "r.bin")
    args = ["prove", str(elf), "--input-hex", GUEST_INPUT.hex(), "-o", rpath]
    code, out, err = run(capsys, *args, "--segment-po2", "11", "--jobs", "2", "--json")
    assert code == 0, err
    info = json.loads(out)
    assert info["kind"] == "segmented" and info["segments"] == 4
    res = execute(elf.read_bytes(), GUEST_INPUT, trace=False)
    assert info["journal"] == "0x" + res.journal.hex() and info["exit_code"] == res.exit_code
    code, out, err = run(capsys, "verify", rpath, "--image-id", info["image_id"], "--json")
    assert code == 0 and json.loads(out)["valid"] is True, err
    code, out, _ = run(capsys, "inspect", rpath)
    assert code == 0 and "segments: 4" in out
    code, _, err = run(capsys, "verify", rpath, "--image-id", "0x" + "11" * 32)
    assert code == 1 and "is for image" in err


@pytest.mark.slow
def test_worker_process_failures_reach_the_caller(tiny: MemoryImage) -> None:
    """A segment that fails in a worker process raises in the caller, with the worker's error;
    the pool is torn down."""
    from zkrv_prover.stark.protocol.prover import ProverError
    from zkrv_prover.zkvm.segment_prover import plan_segments, prove_segment
    from zkrv_prover.zkvm.segment_workers import prove_jobs

    plan = plan_segments(tiny, b"", 6)
    bad = dataclasses.replace(plan.jobs[1], public=[0] * len(plan.jobs[1].public))
    jobs = [plan.jobs[0], bad]
    with pytest.raises(ProverError, match="segment 1: re-execution changed its public values"):
        prove_jobs(prove_segment, tiny, b"", jobs, plan.challenges, jobs=2)


def test_dead_local_workers_are_replaced(
    tiny: MemoryImage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A local worker that dies under a segment is replaced and the segment rerun; results
    keep segment order. A segment whose worker dies at every attempt fails the prove after
    RETRIES reruns, naming the segment."""
    from zkvm_util import always_dies, dies_once

    from zkrv_prover.stark.protocol.prover import ProverError
    from zkrv_prover.zkvm.segment_workers import RETRIES, prove_jobs

    helpers = str(Path(__file__).parent)  # the workers import the stand-ins from zkvm_util
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([helpers, os.environ.get("PYTHONPATH", "")]))
    jobs = [(i, str(tmp_path / f"m{i}") if i in (0, 3) else None) for i in range(4)]
    ch = ((0,) * 4, (0,) * 4)
    out = prove_jobs(dies_once, tiny, b"in", jobs, ch, jobs=2)
    assert out == [("proof", i, b"in") for i in range(4)]
    assert (tmp_path / "m0").exists() and (tmp_path / "m3").exists()  # they did die once
    with pytest.raises(ProverError, match=rf"segment \d: its worker died {RETRIES + 1} times"):
        prove_jobs(always_dies, tiny, b"", [0, 1], ch, jobs=2)


def test_seal_size_caps_per_kind(receipt: SegmentedReceipt) -> None:
    """A segmented seal may exceed the 64 MiB cap of other kinds (a 2^24-cycle run in 2^17
    segments holds about 96 MiB): parsed and constructed up to MAX_SEGMENTED_SEAL; a STARK
    seal of that size is refused."""
    from zkrv.receipt import MAX_SEAL, MAX_SEGMENTED_SEAL

    big = receipt.seal[:38] + bytes(MAX_SEAL + 1 - 38)
    r = _with_seal(receipt, big)
    assert decode_receipt(r.to_bytes()).seal == big
    with pytest.raises(ZkrvError, match="too large"):
        StarkReceipt(r.image_id, 0, b"", big)
    raw = bytearray(r.to_bytes())
    at = len(raw) - len(big) - 4
    raw[at : at + 4] = (MAX_SEGMENTED_SEAL + 1).to_bytes(4, "big")
    with pytest.raises(ZkrvError, match="seal length"):
        decode_receipt(bytes(raw))
