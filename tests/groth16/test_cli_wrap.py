"""``zkrv prove --groth16``, ``zkrv wrap``, ``zkrv keys setup`` and ``zkrv deploy`` without
``--vk``: argument and user errors (one line, no traceback, before any proving work) and the
CLI plumbing of ``prove --groth16`` with the prover and the wrap stubbed (the real wraps:
``tests/onchain/test_zkvm_groth16.py``), and the profile switch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from claim_fixture_circuit import FixtureProver

import zkrv.cli.prove as cli_prove
import zkrv.wrapping as wrapping
from zkrv.claim import sha256
from zkrv.errors import ZkrvError
from zkrv.keys import TOY_LABEL
from zkrv.receipt import DevReceipt, StarkReceipt, decode_receipt
from zkrv.seal import encode_mock_seal

pytestmark = pytest.mark.native

IMAGE = sha256(b"wrap cli image")
JOURNAL = b"\x07\x08"


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
def env(tmp_path: Path, monkeypatch) -> Path:  # type: ignore[no-untyped-def]
    cache = tmp_path / "cache"
    monkeypatch.setenv("ZKRV_CACHE_DIR", str(cache))
    monkeypatch.delenv("ZKRV_WRAP_PROFILE", raising=False)
    return cache


def test_profile_switch(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("ZKRV_WRAP_PROFILE", raising=False)
    assert wrapping.profile_name() == "production" == wrapping.DEFAULT_PROFILE
    monkeypatch.setenv("ZKRV_WRAP_PROFILE", "")
    assert wrapping.profile_name() == "production"
    monkeypatch.setenv("ZKRV_WRAP_PROFILE", "TOY")
    assert wrapping.profile_name() == "toy"
    assert wrapping.profile_name("production") == "production"  # an explicit name wins
    monkeypatch.setenv("ZKRV_WRAP_PROFILE", "fast")
    with pytest.raises(ZkrvError, match="ZKRV_WRAP_PROFILE='fast': unknown wrap profile"):
        wrapping.profile_name()


def test_setup_guest_runs() -> None:
    from zkrv_prover.executor import execute

    res = execute(wrapping.setup_guest(), b"")
    assert res.exit_code == 0 and res.journal == wrapping.SETUP_JOURNAL


def test_errors_before_any_work(
    cli: Any,
    env: Path,
    tmp_path: Path,
    groth16_fixture: FixtureProver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "out.receipt"
    r = cli("prove", "x.elf", "--dev", "--groth16", "-o", str(out))
    assert r.returncode == 2 and "not allowed with argument" in _one_line_error(r)
    r = cli("wrap", str(tmp_path / "missing.receipt"), "-o", str(out), "--json")
    assert r.returncode == 1 and "cannot read receipt" in _one_json(r.stdout)["error"]
    _one_line_error(r)
    r = cli("wrap", "-o", str(out))
    assert r.returncode == 2
    # Not a STARK receipt: a dev receipt, a Groth16 receipt.
    g16 = groth16_fixture.receipt(IMAGE, JOURNAL)
    dev = DevReceipt(IMAGE, 0, JOURNAL, encode_mock_seal(g16.claim.digest()))
    for name, rec, why in (
        ("dev", dev, "dev-mode receipt"),
        ("g16", g16, "already a Groth16 receipt"),
    ):
        p = tmp_path / f"{name}.receipt"
        p.write_bytes(rec.to_bytes())
        r = cli("wrap", str(p), "-o", str(out))
        assert r.returncode == 1 and why in _one_line_error(r)
        assert "Only a STARK receipt of a zkVM execution" in r.stderr.decode()
    # A STARK receipt whose seal is not a zkVM proof.
    p = tmp_path / "stark.receipt"
    p.write_bytes(StarkReceipt(IMAGE, 0, JOURNAL, bytes(40)).to_bytes())
    r = cli("wrap", str(p), "-o", str(out))
    assert r.returncode == 1 and "not a valid zkVM STARK receipt" in _one_line_error(r)
    # An unknown profile fails first.
    monkeypatch.setenv("ZKRV_WRAP_PROFILE", "fast")
    for args in (["wrap", str(p), "-o", str(out)], ["keys", "setup"]):
        r = cli(*args)
        assert r.returncode == 1 and "unknown wrap profile" in _one_line_error(r)
    assert not out.exists()


def test_deploy_without_cached_key(cli, env: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """No zkVM key cached: the error names the command that makes it (before connecting)."""
    r = cli("deploy", "--rpc", "http://127.0.0.1:9")
    err = _one_line_error(r)
    assert r.returncode == 1 and "run 'zkrv keys setup' first" in err
    monkeypatch.setenv("ZKRV_WRAP_PROFILE", "toy")
    r = cli("deploy", "--rpc", "http://127.0.0.1:9", "--json")
    assert "run 'ZKRV_WRAP_PROFILE=toy zkrv keys setup' first" in _one_json(r.stdout)["error"]


def test_prove_groth16_plumbing(
    env: Path,
    tmp_path: Path,
    groth16_fixture: FixtureProver,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``zkrv prove --groth16``: STARK prove, then the wrap of that receipt with the selected
    profile; the Groth16 receipt is written and described (prover and wrap stubbed)."""
    from zkrv.cli import main

    g16 = groth16_fixture.receipt(IMAGE, JOURNAL)
    stark = StarkReceipt(IMAGE, 0, JOURNAL, bytes(40))
    seen: dict[str, Any] = {}

    def fake_prove(elf: str, data: bytes, **kw: Any) -> StarkReceipt:
        seen["prove"] = (elf, data, kw["segment_po2"])
        return stark

    def fake_wrap(receipt: StarkReceipt, **kw: Any) -> wrapping.WrappedReceipt:
        seen["wrap"] = (receipt, kw["profile"])
        key = groth16_fixture.key
        key = type(key)(**{**key.__dict__, "wrap_profile": "toy", "toy_security": True})
        return wrapping.WrappedReceipt(g16, key, kw["profile"], 2.5, 1.0)

    monkeypatch.setattr(cli_prove, "prove", fake_prove)
    monkeypatch.setattr(wrapping, "wrap_receipt", fake_wrap)
    monkeypatch.setenv("ZKRV_WRAP_PROFILE", "toy")
    out = tmp_path / "sub" / "r.g16"
    rc = main(["prove", "g.elf", "--input-hex", "0102", "--groth16", "-o", str(out), "--json"])
    assert rc == 0
    d = json.loads(capsys.readouterr().out)
    assert seen["prove"] == ("g.elf", b"\x01\x02", None)  # the default segment size
    assert seen["wrap"] == (stark, "toy")
    assert decode_receipt(out.read_bytes()) == g16
    assert d["kind"] == "groth16" and d["output"] == str(out) and d["wrap_profile"] == "toy"
    assert d["toy_security"] is True and d["toy_warning"] == TOY_LABEL
    assert d["seal"] == "0x" + g16.seal.hex() and d["layer_bits"] == 2.5
    rc = main(["prove", "g.elf", "--groth16", "-o", str(out)])
    text = capsys.readouterr().out
    assert rc == 0 and "TOY SECURITY" in text and "wrap profile: toy" in text


def test_profile_pointer(groth16_fixture: FixtureProver, tmp_path: Path) -> None:
    """The cache's record of each profile's circuit: found for this zkrv version only; a
    missing key or another version's record is "not set up"; a corrupt one is an error."""
    from zkrv.keys import KeyCache

    cache = KeyCache(tmp_path)
    _, key = cache.setup(groth16_fixture.nr, seed=7, wrap_profile="toy", toy=True)
    assert wrapping.cached_zkvm_key("toy", cache) is None
    wrapping._set_pointer(cache, "toy", key)
    assert wrapping.cached_zkvm_key("toy", cache) == key
    assert wrapping.cached_zkvm_key("production", cache) is None
    path = cache.dir / "zkvm-toy.json"
    rec = json.loads(path.read_text())
    assert rec["circuit_digest"] == key.circuit_digest and rec["toy_warning"] == TOY_LABEL
    path.write_text(json.dumps({**rec, "zkvm_version": "zkrv-rv32im-v0"}))
    assert wrapping.cached_zkvm_key("toy", cache) is None
    path.write_text(json.dumps({**rec, "circuit_digest": "ab" * 32}))
    assert wrapping.cached_zkvm_key("toy", cache) is None  # no such key cached
    path.write_text("{")
    with pytest.raises(ZkrvError, match=r"zkvm-toy\.json"):
        wrapping.cached_zkvm_key("toy", cache)
