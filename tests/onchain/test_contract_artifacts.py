"""The packaged contract artifacts match a fresh compile of contracts/src with the pinned solc."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from zkrv.errors import ZkrvError
from zkrv.onchain import contracts
from zkrv.onchain.contracts import ARTIFACTS_FILE, artifacts_document, packaged_artifacts

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_packaged_artifacts_match_a_fresh_compile() -> None:
    pinned = json.loads((REPO / "package.json").read_text())["devDependencies"]["solc"]
    fresh = artifacts_document()
    assert fresh["compiler"].startswith(pinned + "+")
    committed = json.loads(ARTIFACTS_FILE.read_text())
    assert committed == fresh, "stale: run .venv/bin/python scripts/contract_artifacts.py"
    r = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "contract_artifacts.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_packaged_artifacts_hold_the_stack() -> None:
    arts = packaged_artifacts()
    for name in ("ZkrvVerifierRouter", "ZkrvEmergencyStop", "ZkrvMockVerifier", "EvenNumber"):
        assert arts[name].bytecode and arts[name].abi
    sources = json.loads(ARTIFACTS_FILE.read_text())["sources"]
    on_disk = sorted((REPO / "contracts" / "src").rglob("*.sol"))
    assert sorted(sources) == [
        "src/" + p.relative_to(REPO / "contracts" / "src").as_posix() for p in on_disk
    ]


def test_missing_artifacts_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(contracts, "ARTIFACTS_FILE", tmp_path / "contracts.json")
    with pytest.raises(ZkrvError, match="compiled contracts are missing"):
        packaged_artifacts()
