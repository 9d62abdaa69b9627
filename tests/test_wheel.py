"""The wheel: ``scripts/wheel.py`` builds it; installed into a scratch venv it works on its own.

The installed flow runs from a directory outside the repository with a PATH holding only the
scratch venv and links to clang, ld.lld and node (for the npm anvil shim), no PYTHONPATH and a
scratch HOME: it builds, executes, proves and verifies the fibonacci guest, starts Anvil (the
repository's, through ``ZKRV_ANVIL``, as a user would point at any node), deploys the stack with
the mock verifier and the Groth16 verifier for the snarkjs fixture key (``--vk``), and verifies a
dev receipt and the fixture's Groth16 seal on chain. No solc is reachable, so deploying used the
packaged contract artifacts (the Groth16 verifier takes its key as constructor arguments).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.slow, pytest.mark.anvil]

#: Runs inside the installed venv: verify a receipt on chain, then the same seal with a journal
#: it does not prove; then the Groth16 fixture's seal, intact and with its last byte flipped.
#: Prints the module files and the outcomes as JSON.
ONCHAIN_SCRIPT = """
import json, sys
import zkrv, zkrv_prover, zkrv_prover._native
from zkrv import decode_receipt
from zkrv.onchain.client import ZkrvClient
from zkrv.claim import sha256
from zkrv.onchain.errors import ContractRevert
from zkrv.onchain.groth16 import Proof, VerifyingKey
from zkrv.seal import encode_groth16_seal

rpc, router, path, fixture = sys.argv[1:5]
r = decode_receipt(open(path, "rb").read())
client = ZkrvClient.connect(rpc, router)
client.verify(r.seal, r.image_id, r.journal)
try:
    client.verify(r.seal, r.image_id, r.journal + b"!")
    wrong = "accepted"
except ContractRevert as e:
    wrong = e.error_name
fx = json.load(open(fixture))
seal = encode_groth16_seal(VerifyingKey.from_snarkjs(fx["vk"]), Proof.from_snarkjs(fx["proof_ok"]))
image, journal = sha256(b"zkrv fixture image"), (42).to_bytes(32, "big")
client.verify(seal, image, journal)
try:
    client.verify(seal[:-1] + bytes([seal[-1] ^ 1]), image, journal)
    tampered = "accepted"
except ContractRevert as e:
    tampered = e.error_name
files = [zkrv.__file__, zkrv_prover.__file__, zkrv_prover._native.__file__]
print(json.dumps({"files": files, "sys_path": sys.path, "wrong_journal": wrong,
                  "groth16_tampered": tampered}))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    r = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "wheel.py"), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    (whl,) = out.glob("zkrv-*.whl")
    return whl


def test_wheel_is_abi3_with_native_engine_and_data(wheel: Path) -> None:
    assert wheel.name == "zkrv-0.1.0-cp311-abi3-linux_x86_64.whl"
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        meta = z.read("zkrv-0.1.0.dist-info/WHEEL").decode()
        record = z.read("zkrv-0.1.0.dist-info/RECORD").decode()
    assert "Tag: cp311-abi3-linux_x86_64" in meta and "Root-Is-Purelib: false" in meta
    for name in (
        "zkrv_prover/_native.abi3.so",
        "zkrv/onchain/artifacts/contracts.json",
        "zkrv/guest/link.ld",
        "zkrv/guest/include/zkrv.h",
        "zkrv/guest/src/io.c",
    ):
        assert name in names
        assert f"\n{name},sha256=" in record
    assert not any("__pycache__" in n or n.startswith(("tests/", "scripts/")) for n in names)


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A scratch venv with the wheel and the pinned runtime dependencies; env and work dir."""
    base = tmp_path_factory.mktemp("installed")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    pip_env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    pip = [str(venv / "bin" / "pip"), "install", "-q", "-c", str(REPO / "requirements.lock")]
    r = subprocess.run([*pip, str(wheel)], capture_output=True, text=True, env=pip_env)
    assert r.returncode == 0, r.stderr[-2000:]
    tools = base / "tools"
    tools.mkdir()
    for name in ("clang", "ld.lld", "node"):
        found = shutil.which(name)
        assert found is not None, f"{name} not on PATH"
        (tools / name).symlink_to(found)
    work = base / "work"
    work.mkdir()
    env = {
        "PATH": f"{venv / 'bin'}:{tools}",
        "HOME": str(base / "home"),
        "ZKRV_STATE_DIR": str(base / "state"),
        "ZKRV_ANVIL": str(REPO / "node_modules" / ".bin" / "anvil"),
        "LANG": "C.UTF-8",
    }
    yield {"venv": venv, "env": env, "work": work}
    subprocess.run([str(venv / "bin" / "zkrv"), "node", "stop"], cwd=work, env=env, check=False)


def run_zkrv(inst: dict[str, Any], *args: str) -> subprocess.CompletedProcess[bytes]:
    exe = inst["venv"] / "bin" / "zkrv"
    return subprocess.run([str(exe), *args], cwd=inst["work"], env=inst["env"], capture_output=True)


def zkrv(inst: dict[str, Any], *args: str) -> Any:
    """Run the installed CLI with ``--json`` in the work dir; its JSON output."""
    r = run_zkrv(inst, *args, "--json")
    assert r.returncode == 0, r.stderr.decode()
    return json.loads(r.stdout)


def test_installed_wheel_proves_deploys_and_verifies_on_chain(installed: dict[str, Any]) -> None:
    work: Path = installed["work"]
    info = zkrv(installed, "info")
    assert info["native_extension"] is True
    assert info["tools"]["solc"] is None and info["tools"]["clang"] is not None

    shutil.copy(REPO / "examples" / "guests" / "fibonacci.c", work / "fibonacci.c")
    zkrv(installed, "build", "fibonacci.c", "-o", "fib.elf")
    ex = zkrv(installed, "execute", "fib.elf", "--input-hex", "0a000000")
    # n = 10 (LE u32) then fib(10) = 55 (LE u64).
    assert ex["exit_code"] == 0 and ex["journal"] == "0x0a0000003700000000000000"
    image = zkrv(installed, "image-id", "fib.elf")["image_id"]
    proved = zkrv(installed, "prove", "fib.elf", "--input-hex", "0a000000", "-o", "fib.receipt")
    assert proved["kind"] == "stark" and proved["image_id"] == image
    assert zkrv(installed, "verify", "fib.receipt", "--image-id", image)["valid"] is True

    zkrv(installed, "prove", "fib.elf", "--input-hex", "0a000000", "--dev", "-o", "dev.receipt")
    node = zkrv(installed, "node", "start")
    # The Groth16 verifier for a key is the packaged contract with the key as constructor
    # arguments: --vk deploys without solc.
    fixture_path = REPO / "contracts/test/fixtures/groth16_fixture.json"
    shutil.copy(fixture_path, work / "groth16_fixture.json")
    (work / "vk.json").write_text(json.dumps(json.loads(fixture_path.read_text())["vk"]))
    dep = zkrv(installed, "deploy", "--rpc", node["rpc_url"], "--mock", "--vk", "vk.json")
    assert list(dep["groth16"]) == ["0xe621fe78"]
    script = [str(installed["venv"] / "bin" / "python"), "-c", ONCHAIN_SCRIPT]
    r = subprocess.run(
        [*script, node["rpc_url"], dep["router"], "dev.receipt", "groth16_fixture.json"],
        cwd=work,
        env=installed["env"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["wrong_journal"] == "ClaimDigestMismatch"
    assert out["groth16_tampered"] in ("VerificationFailed", "InvalidProofPoint")
    venv = installed["venv"].resolve()
    for f in out["files"]:
        assert Path(f).resolve().is_relative_to(venv), f
    assert not any(p and Path(p).resolve().is_relative_to(REPO) for p in out["sys_path"])
