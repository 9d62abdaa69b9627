"""``zkrv prove`` / ``zkrv verify`` / ``zkrv image-id`` (in-process, sharing the key cache)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zkrv.build import build
from zkrv.cli import main
from zkrv.receipt import DevReceipt, decode_receipt

ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_verify_usage_and_input_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "verify", "nope.bin", "--image-id", "0x12")
    assert code == 2 and "32 bytes" in err
    code, _, err = run(capsys, "verify", str(tmp_path / "missing"), "--image-id", "0x" + "00" * 32)
    assert code == 1 and "cannot read receipt" in err
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a receipt at all, clearly" * 3)
    code, out, err = run(capsys, "verify", str(junk), "--image-id", "0x" + "00" * 32, "--json")
    assert code == 1 and "bad magic" in err and "error" in json.loads(out)


def test_verify_refuses_dev_receipts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dev = DevReceipt(bytes(range(32)), 0, b"hi", b"\x00" * 36)
    path = tmp_path / "dev.bin"
    path.write_bytes(dev.to_bytes())
    code, _, err = run(capsys, "verify", str(path), "--image-id", "0x" + bytes(range(32)).hex())
    assert code == 1 and "dev-mode" in err


@pytest.mark.slow
def test_image_id_and_dev_prove_of_a_c_guest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elf = build([ROOT / "examples" / "guests" / "sort.c"], tmp_path / "sort.elf")
    code, out, _ = run(capsys, "image-id", str(elf), "--json")
    assert code == 0
    iid = json.loads(out)["image_id"]
    assert iid.startswith("0x") and len(iid) == 66
    rpath = tmp_path / "r.bin"
    code, out, _ = run(
        capsys, "prove", str(elf), "--dev", "--input-hex", "05000000", "-o", str(rpath), "--json"
    )
    assert code == 0
    info = json.loads(out)
    assert info["kind"] == "dev" and info["image_id"] == iid and info["exit_code"] == 0
    r = decode_receipt(rpath.read_bytes())
    assert isinstance(r, DevReceipt) and len(r.journal) == 16
    r.verify_mock(bytes.fromhex(iid[2:]))
    code, _, err = run(capsys, "verify", str(rpath), "--image-id", iid)
    assert code == 1 and "dev-mode" in err
