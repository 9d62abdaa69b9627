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


def repo_root_of(module_file: Path) -> Path | None:
    """The checkout root when ``module_file`` is ``<root>/sdk/zkrv/<name>.py`` and ``<root>``
    holds ``pyproject.toml``, else None.

    Only that exact layout counts: an installed zkrv lives in ``site-packages``, which may sit
    under some other project's ``pyproject.toml`` (a dApp's ``.venv``).
    """
    here = module_file.resolve()
    if here.parent.parent.name != "sdk":
        return None
    root = here.parent.parent.parent
    return root if (root / "pyproject.toml").is_file() else None


#: Repository root when zkrv runs from a source checkout (editable install), else None.
REPO_ROOT: Path | None = repo_root_of(Path(__file__))

_HINTS = {
    "clang": "install clang and lld (Debian: apt-get install clang lld)",
    "ld.lld": "install lld (Debian: apt-get install lld)",
    "solc": "put solc 0.8.28 on PATH or set ZKRV_SOLC (in a checkout: run scripts/setup.py)",
    "anvil": "install Foundry's anvil on PATH (in a checkout: run scripts/setup.py)",
    "forge": "install Foundry's forge on PATH (in a checkout: run scripts/setup.py)",
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
