"""Compiling zkrv's Solidity contracts (``contracts/src``) with solc through py-solc-x.

The sources are read from ``contracts/src`` of the checkout (override with the environment
variable ``ZKRV_CONTRACTS_DIR``); a generated Groth16 verifier can be compiled alongside them.
Compiler settings match ``contracts/foundry.toml`` (optimizer 1e6 runs, EVM cancun) so forge and
Python deploy identical bytecode. Outputs are cached by the digest of the full compiler input.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zkrv.errors import ToolchainError, ZkrvError
from zkrv.fsutil import atomic_write_text
from zkrv.toolchain import REPO_ROOT, find_tool

#: Source unit prefix of the files in contracts/src (imports between them are relative).
SRC_PREFIX = "src/"
GENERATED_PREFIX = "src/generated/"
#: Lets application contracts import zkrv's sources as ``"zkrv/<file>.sol"``.
APP_REMAPPING = "zkrv/=" + SRC_PREFIX

SETTINGS: dict[str, Any] = {
    "optimizer": {"enabled": True, "runs": 1000000},
    "evmVersion": "cancun",
    "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}},
}


@dataclass(frozen=True)
class Artifact:
    """A compiled contract: its ABI and creation bytecode."""

    name: str
    source: str
    abi: list[dict[str, Any]]
    bytecode: bytes


def contracts_dir() -> Path:
    """Directory holding the Solidity sources (``contracts/src``)."""
    env = os.environ.get("ZKRV_CONTRACTS_DIR")
    if env:
        return Path(env)
    if REPO_ROOT is None:
        raise ToolchainError("zkrv's contracts/src not found: set ZKRV_CONTRACTS_DIR")
    return REPO_ROOT / "contracts" / "src"


def cache_dir() -> Path:
    base = REPO_ROOT / ".zkrv-cache" if REPO_ROOT is not None else Path.home() / ".cache" / "zkrv"
    return base / "solc"


def load_sources() -> dict[str, str]:
    """All ``.sol`` files under :func:`contracts_dir`, keyed by source unit name."""
    root = contracts_dir()
    files = sorted(root.rglob("*.sol"))
    if not files:
        raise ToolchainError(f"{root}: no Solidity sources found")
    return {SRC_PREFIX + p.relative_to(root).as_posix(): p.read_text() for p in files}


def compile_contracts(
    extra_sources: dict[str, str] | None = None, remappings: list[str] | None = None
) -> dict[str, Artifact]:
    """Compile ``contracts/src`` plus ``extra_sources`` (unit name -> text); name -> Artifact.

    A generated verifier should use a unit name under :data:`GENERATED_PREFIX` and import the
    library with the prefix ``"../"``. Application contracts can instead import through a
    remapping such as :data:`APP_REMAPPING` (``import ... from "zkrv/IZkrvVerifier.sol"``).
    Contract names must be unique across all sources. Without ``remappings`` the compiler input
    (hence the bytecode's metadata hash) is exactly forge's.
    """
    sources = load_sources()
    sources.update(extra_sources or {})
    # Remappings are part of the metadata hash: add the key only when asked.
    settings = dict(SETTINGS, remappings=list(remappings)) if remappings else SETTINGS
    std_input = {
        "language": "Solidity",
        "sources": {k: {"content": v} for k, v in sorted(sources.items())},
        "settings": settings,
    }
    solc = find_tool("solc")
    assert solc is not None
    key = hashlib.sha256(json.dumps(std_input, sort_keys=True).encode()).hexdigest()[:32]
    cached = cache_dir() / f"{key}.json"
    output: dict[str, Any] | None = None
    if cached.is_file():
        try:
            output = json.loads(cached.read_text())
        except ValueError:
            output = None
    if output is None:
        import solcx  # deferred: importing py-solc-x is slow-ish and only needed here
        from solcx.exceptions import SolcError

        try:
            output = solcx.compile_standard(std_input, solc_binary=str(solc), allow_empty=True)
        except SolcError as e:
            raise ZkrvError(f"solc failed: {_first_error(getattr(e, 'stdout_data', ''))}") from e
        errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
        if errors:
            raise ZkrvError(f"solc: {errors[0].get('formattedMessage', errors[0])}")
        cached.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(cached, json.dumps(output))
    return _artifacts(output)


def _artifacts(output: dict[str, Any]) -> dict[str, Artifact]:
    result: dict[str, Artifact] = {}
    for unit, contracts in output.get("contracts", {}).items():
        for name, c in contracts.items():
            if name in result:
                raise ZkrvError(f"contract name {name} is defined twice ({unit})")
            code = c.get("evm", {}).get("bytecode", {}).get("object", "")
            result[name] = Artifact(name, unit, c.get("abi", []), bytes.fromhex(code))
    return result


def _first_error(text: str) -> str:
    try:
        errs = json.loads(text).get("errors", [])
        return str(errs[0].get("message", errs[0])) if errs else text[:200]
    except (ValueError, AttributeError):
        return str(text)[:200]
