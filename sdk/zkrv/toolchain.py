"""Locating the external tools zkrv drives: clang/lld, solc, anvil, forge, node.

Lookup order for a tool NAME: the environment variable ``ZKRV_<NAME>`` (an explicit path), the
directory of the running interpreter (``scripts/setup.py`` links the npm-installed tools into
``.venv/bin``), the repository's ``node_modules/.bin`` when running from a checkout, then ``PATH``.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from zkrv.errors import ToolchainError

#: Repository root when zkrv runs from a source checkout (editable install), else None.
REPO_ROOT: Path | None = next(
    (p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file()), None
)

_HINTS = {
    "clang": "install Debian clang and lld (run scripts/setup.py)",
    "ld.lld": "install Debian lld (run scripts/setup.py)",
    "solc": "run scripts/setup.py, which installs solc-js from npm and a solc wrapper",
    "anvil": "run scripts/setup.py, which installs Foundry's anvil from npm",
    "forge": "run scripts/setup.py, which installs Foundry's forge from npm",
    "node": "install Node.js",
    "qemu-riscv32": "install Debian qemu-user",
}


def find_tool(name: str, required: bool = True) -> Path | None:
    """Return the path of executable ``name``, or raise :class:`ToolchainError` if required."""
    env = os.environ.get("ZKRV_" + name.upper().replace("-", "_").replace(".", "_"))
    candidates: list[Path] = []
    if env:
        candidates.append(Path(env))
    candidates.append(Path(sys.executable).parent / name)
    if REPO_ROOT is not None:
        candidates.append(REPO_ROOT / "node_modules" / ".bin" / name)
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return c
    found = shutil.which(name)
    if found:
        return Path(found)
    if required:
        hint = _HINTS.get(name, "install it")
        raise ToolchainError(f"required tool '{name}' not found: {hint}")
    return None
