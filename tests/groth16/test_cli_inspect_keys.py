"""``zkrv inspect``, ``zkrv keys`` and ``zkrv verify`` (native, and --rpc argument errors) as a
user runs them. On-chain ``zkrv verify --rpc``: ``tests/onchain/test_onchain_receipt.py``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from claim_fixture_circuit import FixtureProver

from zkrv.claim import sha256
from zkrv.keys import UNSAFE_LABEL
from zkrv.receipt import DevReceipt, StarkReceipt
from zkrv.seal import encode_mock_seal

pytestmark = pytest.mark.native

IMAGE = sha256(b"cli image")
JOURNAL = b"\x01\x02\x03"


def _one_json(out: bytes) -> dict[str, Any]:
    lines = out.decode().strip().splitlines()
    assert len(lines) == 1, lines
    obj = json.loads(lines[0])
    assert isinstance(obj, dict)
    return obj


def _one_line_error(r) -> str:  # type: ignore[no-untyped-def]
    err = r.stderr.decode()
    assert err.count("\n") == 1 and err.startswith("zkrv: error: "), err
    assert "Traceback" not in err
    return err


@pytest.fixture
def files(groth16_fixture: FixtureProver, tmp_path: Path, monkeypatch) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ZKRV_CACHE_DIR", str(groth16_fixture.cache.root))
    g16 = groth16_fixture.receipt(IMAGE, JOURNAL, exit_code=2)
    dev = DevReceipt(IMAGE, 0, JOURNAL, encode_mock_seal(g16.claim.digest()))
    stark = StarkReceipt(IMAGE, 0, JOURNAL, bytes(40))  # decodes; would not verify
    out = {}
    for name, r in (("g16", g16), ("dev", dev), ("stark", stark)):
        out[name] = tmp_path / f"{name}.receipt"
        out[name].write_bytes(r.to_bytes())
    return out


def test_inspect_every_kind(cli, files: dict[str, Path], groth16_fixture: FixtureProver) -> None:  # type: ignore[no-untyped-def]
    r = cli("inspect", str(files["g16"]), "--json")
    assert r.returncode == 0, r.stderr
    d = _one_json(r.stdout)
    g16 = groth16_fixture.receipt(IMAGE, JOURNAL, exit_code=2)
    assert d["kind"] == "groth16" and d["exit_code"] == 2
    assert d["image_id"] == "0x" + IMAGE.hex() and d["journal"] == "0x010203"
    assert d["journal_digest"] == "0x" + sha256(JOURNAL).hex()
    assert d["claim_digest"] == "0x" + g16.claim.digest().hex()
    assert d["seal"] == "0x" + g16.seal.hex() and d["seal_bytes"] == 260
    assert d["seal_selector"] == "0x" + groth16_fixture.key.selector.hex()
    vk = d["verifying_key"]
    assert vk["found"] and vk["unsafe_dev_setup"] and vk["warning"] == UNSAFE_LABEL
    r = cli("inspect", str(files["g16"]))
    text = r.stdout.decode()
    assert r.returncode == 0 and "kind: groth16" in text and "selector 0x" in text
    assert UNSAFE_LABEL in text
    r = cli("inspect", str(files["dev"]), "--json")
    d = _one_json(r.stdout)
    assert r.returncode == 0 and d["kind"] == "dev" and d["seal_bytes"] == 36
    assert "proves nothing" in d["warning"] and "verifying_key" not in d
    r = cli("inspect", str(files["stark"]), "--json")
    d = _one_json(r.stdout)
    assert r.returncode == 0 and d["kind"] == "stark" and d["seal"] == "0x" + "00" * 40


def test_inspect_bad_input(cli, files: dict[str, Path], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    raw = files["g16"].read_bytes()
    bad = tmp_path / "bad.receipt"
    for data, why in (
        (raw[:-3], "seal length"),
        (b"NOTARCPT" + raw[8:], "bad magic"),
        (raw[:10] + b"\x09" + raw[11:], "unknown kind 9"),
        (raw[:-256] + b"\x01" * 256, "malformed Groth16 seal"),  # points off their curves
    ):
        bad.write_bytes(data)
        r = cli("inspect", str(bad), "--json")
        assert r.returncode == 1, why
        assert why in _one_json(r.stdout)["error"] and str(bad) in _one_line_error(r)
    r = cli("inspect", str(tmp_path / "missing"))
    assert r.returncode == 1 and "cannot read receipt" in _one_line_error(r)
    r = cli("inspect")
    assert r.returncode == 2
    _one_line_error(r)


def test_verify_groth16_natively(cli, files: dict[str, Path], monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    r = cli("verify", str(files["g16"]), "--image-id", IMAGE.hex(), "--json")
    assert r.returncode == 0, r.stderr
    d = _one_json(r.stdout)
    assert d["valid"] is True and d["verifying_key"]["warning"] == UNSAFE_LABEL
    r = cli("verify", str(files["g16"]), "--image-id", IMAGE.hex())
    assert r.returncode == 0 and UNSAFE_LABEL in r.stdout.decode()
    r = cli("verify", str(files["g16"]), "--image-id", IMAGE.hex(), "--journal-hex", "0102")
    assert r.returncode == 1 and "journal differs" in _one_line_error(r)
    monkeypatch.setenv("ZKRV_CACHE_DIR", str(tmp_path / "empty"))
    r = cli("verify", str(files["g16"]), "--image-id", IMAGE.hex())
    assert r.returncode == 1 and "unknown Groth16 selector 0x" in _one_line_error(r)


def test_verify_rpc_argument_errors(cli, files: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    img = IMAGE.hex()
    r = cli("verify", str(files["g16"]), "--image-id", img, "--rpc", "http://127.0.0.1:9")
    assert r.returncode == 2 and "--rpc and --router" in _one_line_error(r)
    r = cli("verify", str(files["g16"]), "--image-id", img, "--router", "0x" + "11" * 20)
    assert r.returncode == 2
    r = cli("verify", str(files["g16"]), "--image-id", img, "--rpc", "x", "--router", "0xzz")
    assert r.returncode == 2 and "--router is not valid hex" in _one_line_error(r)
    r = cli(
        "verify", str(files["g16"]), "--image-id", img, "--json",
        "--rpc", "http://127.0.0.1:9", "--router", "0x" + "11" * 20,
    )  # fmt: skip
    assert r.returncode == 1 and "cannot reach" in _one_json(r.stdout)["error"]


def test_keys_cli(cli, groth16_fixture: FixtureProver, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ZKRV_CACHE_DIR", str(groth16_fixture.cache.root))
    r = cli("keys", "list", "--json")
    assert r.returncode == 0, r.stderr
    (k,) = _one_json(r.stdout)["keys"]
    assert k["selector"] == "0x" + groth16_fixture.key.selector.hex()
    assert k["warning"] == UNSAFE_LABEL
    r = cli("keys", "list")
    assert UNSAFE_LABEL in r.stdout.decode()
    r = cli("keys")
    assert r.returncode == 2
    _one_line_error(r)
    monkeypatch.setenv("ZKRV_CACHE_DIR", str(tmp_path))
    vk = tmp_path / "verification_key.json"
    vk.write_text(json.dumps(json.loads(groth16_fixture.key.path.read_text())["vk"]))
    r = cli("keys", "import-vk", str(vk), "--circuit", "nothex", "--json")
    assert r.returncode == 2 and "not a circuit digest" in _one_json(r.stdout)["error"]
    digest = groth16_fixture.key.circuit_digest
    r = cli("keys", "import-vk", str(vk), "--circuit", "0x" + digest, "--json")
    assert r.returncode == 0, r.stderr
    d = _one_json(r.stdout)
    assert d["source"] == "snarkjs-vk" and d["unsafe_dev_setup"] is False
    assert d["selector"] == "0x" + groth16_fixture.key.selector.hex()


def test_keys_import_zkey_cli(  # type: ignore[no-untyped-def]
    cli, groth16_fixture: FixtureProver, tmp_path: Path, monkeypatch
) -> None:
    from claim_fixture_circuit import SETUP_SEED, build

    from zkrv_prover.bn254 import groth16
    from zkrv_prover.bn254.iden3 import write_r1cs
    from zkrv_prover.bn254.zkey import export_zkey

    monkeypatch.setenv("ZKRV_CACHE_DIR", str(tmp_path / "cache"))
    r1cs = build(bytes(32)).to_r1cs()
    write_r1cs(tmp_path / "circuit.r1cs", r1cs)
    ceremony = groth16.dev_setup(groth16_fixture.nr, seed=SETUP_SEED + 9)  # stand-in ceremony
    export_zkey(ceremony, groth16_fixture.nr, tmp_path / "final.zkey")
    r = cli(
        "keys", "import-zkey", str(tmp_path / "final.zkey"),
        "--r1cs", str(tmp_path / "circuit.r1cs"), "--json",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    d = _one_json(r.stdout)
    assert d["source"] == "snarkjs-zkey" and d["unsafe_dev_setup"] is False
    assert d["circuit_digest"] == groth16_fixture.nr.digest and "warning" not in d
    r = cli("keys", "import-zkey", str(tmp_path / "circuit.r1cs"), "--r1cs", str(tmp_path / "x"))
    assert r.returncode == 1 and "cannot read R1CS" in _one_line_error(r)
    r = cli(
        "keys", "import-zkey", str(tmp_path / "circuit.r1cs"),
        "--r1cs", str(tmp_path / "circuit.r1cs"),
    )  # fmt: skip
    assert r.returncode == 1 and "cannot import" in _one_line_error(r)
