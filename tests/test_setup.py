"""scripts/setup.py's npm step: robust to what the registry serves, strict about versions.

The install runs in a scratch copy of the repository's npm files with a lock from which every
other platform's optional package entry was removed, as a lock written on a day when the
registry served only linux-amd64 looked. Setup must still succeed without touching the lock and
install exactly the pinned versions; a package or tool at another version must be named.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.node]

REPO_ROOT = Path(__file__).resolve().parent.parent


def _load_setup(root: Path) -> ModuleType:
    """Import the setup script from ``root/scripts`` (its ROOT is then the scratch copy)."""
    spec = importlib.util.spec_from_file_location("zkrv_setup_scratch", root / "scripts/setup.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _strip_foreign_platforms(lock: dict, setup: ModuleType) -> int:  # type: ignore[type-arg]
    """Remove optional per-platform entries that do not apply here, in place; return the count
    removed. The parents' ``optionalDependencies`` still name them, as in the old lock."""
    os_name = setup.NPM_OS[setup.platform.system().lower()]
    cpu = setup.NPM_CPU[setup.platform.machine().lower()]
    foreign = [
        path
        for path, entry in lock["packages"].items()
        if entry.get("optional")
        and ("os" in entry or "cpu" in entry)
        and not setup._npm_platform_matches(entry, os_name, cpu)
    ]
    for path in foreign:
        del lock["packages"][path]
    return len(foreign)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ModuleType, bytes]:
    """A scratch copy set up by the npm step from a lock lacking the foreign platforms."""
    root = tmp_path_factory.mktemp("setup-npm")
    (root / "scripts").mkdir()
    for rel in ("package.json", "scripts/setup.py", "scripts/solc", "rust-toolchain.toml"):
        shutil.copy2(REPO_ROOT / rel, root / rel)
    setup = _load_setup(root)
    lock = json.loads((REPO_ROOT / "package-lock.json").read_text())
    assert _strip_foreign_platforms(lock, setup) > 0, "the committed lock holds other platforms"
    old_lock = json.dumps(lock, indent=2).encode() + b"\n"
    (root / "package-lock.json").write_bytes(old_lock)
    setup.step_npm()
    return root, setup, old_lock


def test_setup_installs_pinned_versions_from_a_lock_lacking_other_platforms(
    scratch: tuple[Path, ModuleType, bytes],
) -> None:
    root, setup, old_lock = scratch
    assert root == setup.ROOT
    assert (root / "package-lock.json").read_bytes() == old_lock, "setup rewrote the lock"
    pinned = json.loads((REPO_ROOT / "package-lock.json").read_text())["packages"]
    for pkg in ("@foundry-rs/anvil", "@foundry-rs/forge", "solc", "snarkjs", "circomlibjs"):
        installed = json.loads((root / "node_modules" / pkg / "package.json").read_text())
        assert installed["version"] == pinned[f"node_modules/{pkg}"]["version"], pkg
    setup.check_npm_versions(root)  # the tools themselves report the pinned versions
    setup.step_npm()  # a second run is a no-op that still checks
    assert (root / "package-lock.json").read_bytes() == old_lock


def test_setup_names_a_package_at_another_version(
    scratch: tuple[Path, ModuleType, bytes],
) -> None:
    root, setup, _ = scratch
    manifest = root / "node_modules" / "snarkjs" / "package.json"
    original = manifest.read_text()
    data = json.loads(original)
    data["version"] = "0.0.1"
    manifest.write_text(json.dumps(data))
    try:
        with pytest.raises(setup.SetupError, match=r"npm package snarkjs is 0\.0\.1"):
            setup.check_npm_versions(root)
    finally:
        manifest.write_text(original)


def test_setup_names_a_tool_reporting_another_version(
    scratch: tuple[Path, ModuleType, bytes],
) -> None:
    root, setup, _ = scratch
    anvil = root / "node_modules" / ".bin" / "anvil"
    target = anvil.resolve()
    anvil.unlink()
    anvil.write_text("#!/bin/sh\necho 'anvil Version: 0.9.0'\n")
    anvil.chmod(0o755)
    try:
        with pytest.raises(setup.SetupError, match=r"anvil reports 'anvil Version: 0\.9\.0'"):
            setup.check_npm_versions(root)
    finally:
        anvil.unlink()
        anvil.symlink_to(target)
