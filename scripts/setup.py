#!/usr/bin/env python3
"""Set up everything zkrv needs on a fresh Debian machine, idempotently.

Steps, each skipped when its inputs have not changed since the last successful run (a stamp file
records a hash of the inputs):

1. System packages: clang and lld (guest builds), qemu-user (differential tests), via apt-get.
2. ``.venv``: a virtual environment with the pinned Python dependencies (requirements.lock) and
   zkrv installed editable, so ``.venv/bin/zkrv`` is the CLI.
3. ``node_modules``: the pinned npm tools (package-lock.json): Foundry's anvil and forge, solc-js,
   and the GPL test references snarkjs and circomlibjs.
4. The native extension ``zkrv_prover._native`` built with maturin from ``prover/native``.
5. Tool links in ``.venv/bin``: ``solc`` (the solc-js wrapper), ``anvil``, ``forge``.

Run with any Python >= 3.11: ``python3 scripts/setup.py``. Exit status is non-zero, with a one-line
reason, when a step cannot be completed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
VPY = VENV / "bin" / "python"
NATIVE = ROOT / "prover" / "native"
NATIVE_DEST = ROOT / "prover" / "zkrv_prover"
APT_PACKAGES = {"clang": "clang", "ld.lld": "lld", "qemu-riscv32": "qemu-user"}


class SetupError(Exception):
    pass


def log(msg: str) -> None:
    print(f"[setup] {msg}", flush=True)


def run(cmd: list[str], **kw: object) -> None:
    log("$ " + " ".join(str(c) for c in cmd))
    r = subprocess.run(cmd, cwd=kw.pop("cwd", ROOT), **kw)  # type: ignore[call-overload]
    if r.returncode != 0:
        raise SetupError(f"command failed with status {r.returncode}: {' '.join(map(str, cmd))}")


def digest(paths: Iterable[Path], extra: str = "") -> str:
    h = hashlib.sha256(extra.encode())
    for p in sorted(paths):
        h.update(str(p.relative_to(ROOT)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def stamped(stamp: Path, value: str) -> bool:
    return stamp.is_file() and stamp.read_text().strip() == value


def write_stamp(stamp: Path, value: str) -> None:
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(value + "\n")


def step_apt() -> None:
    missing = sorted({pkg for tool, pkg in APT_PACKAGES.items() if shutil.which(tool) is None})
    if not missing:
        log("system packages: present")
        return
    if shutil.which("apt-get") is None:
        raise SetupError(f"missing system packages {missing} and apt-get is unavailable")
    sudo = [] if os.geteuid() == 0 else (["sudo", "-n"] if shutil.which("sudo") else None)
    if sudo is None:
        raise SetupError(f"missing system packages {missing}: run as root or install them")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        run([*sudo, "apt-get", "update", "-qq"], env=env)
        run(
            [*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], env=env
        )
    except SetupError as e:
        raise SetupError(f"could not install system packages {missing} with apt-get ({e})") from e


def step_venv() -> None:
    inputs = [ROOT / "requirements.lock", ROOT / "pyproject.toml"]
    value = digest(inputs, extra=sys.version)
    stamp = VENV / ".zkrv-stamp"
    if VPY.exists() and stamped(stamp, value):
        log("python environment: up to date")
        return
    if not VPY.exists():
        run([sys.executable, "-m", "venv", str(VENV)])
    pip = [str(VPY), "-m", "pip", "--disable-pip-version-check"]
    run([*pip, "install", "-q", "-r", "requirements.lock"])
    run([*pip, "install", "-q", "--no-deps", "--no-build-isolation", "-e", "."])
    write_stamp(stamp, value)


def step_npm() -> None:
    lock = ROOT / "package-lock.json"
    value = digest([lock, ROOT / "package.json"])
    stamp = ROOT / "node_modules" / ".zkrv-stamp"
    if stamped(stamp, value):
        log("npm tools: up to date")
        return
    if shutil.which("npm") is None:
        raise SetupError("npm not found: install Node.js and npm")
    # `npm ci` refuses this lock: the registry holds only the linux-amd64 variants of Foundry's
    # optional per-platform packages. `npm install` installs exactly the locked versions.
    before = lock.read_bytes()
    run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"])
    if lock.read_bytes() != before:
        lock.write_bytes(before)
        raise SetupError("package-lock.json is out of date with package.json; update and commit it")
    for tool in ("anvil", "forge"):
        if not (ROOT / "node_modules" / ".bin" / tool).exists():
            raise SetupError(f"npm install did not provide {tool}")
    write_stamp(stamp, value)


def native_inputs() -> list[Path]:
    files = [NATIVE / "Cargo.toml", NATIVE / "Cargo.lock", NATIVE / "pyproject.toml"]
    files += [p for p in (NATIVE / "src").rglob("*") if p.is_file()]
    files += [ROOT / "rust-toolchain.toml"]
    return [p for p in files if p.exists()]


def step_native() -> None:
    value = digest(native_inputs())
    stamp = NATIVE / "target" / ".zkrv-stamp"
    built = list(NATIVE_DEST.glob("_native*.so"))
    if built and stamped(stamp, value):
        log("native extension: up to date")
        return
    out = NATIVE / "target" / "wheels"
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.time()
    run(
        [
            str(VENV / "bin" / "maturin"),
            "build",
            "--release",
            "--locked",
            "-q",
            "-m",
            str(NATIVE / "Cargo.toml"),
            "--out",
            str(out),
            "-i",
            str(VPY),
        ],
    )
    wheels = list(out.glob("*.whl"))
    if len(wheels) != 1:
        raise SetupError(f"maturin produced {len(wheels)} wheels in {out}, expected 1")
    with zipfile.ZipFile(wheels[0]) as z:
        # The cdylib's init symbol is PyInit__native, so the file imports as
        # zkrv_prover._native wherever maturin placed it inside the wheel.
        names = [
            n for n in z.namelist() if Path(n).name.startswith("_native") and n.endswith(".so")
        ]
        if len(names) != 1:
            raise SetupError(f"native wheel holds no single _native*.so: {z.namelist()}")
        for old in built:
            old.unlink()
        dest = NATIVE_DEST / Path(names[0]).name
        tmp = dest.with_suffix(".tmp")
        tmp.write_bytes(z.read(names[0]))
        tmp.replace(dest)
    log(f"native extension built in {time.time() - t0:.0f} s")
    write_stamp(stamp, value)


def step_links() -> None:
    links = {
        "solc": ROOT / "scripts" / "solc",
        "anvil": ROOT / "node_modules" / ".bin" / "anvil",
        "forge": ROOT / "node_modules" / ".bin" / "forge",
    }
    for name, target in links.items():
        link = VENV / "bin" / name
        if link.is_symlink() and link.resolve() == target.resolve():
            continue
        if link.exists() or link.is_symlink():
            link.unlink()
        link.symlink_to(target)
    log("tool links: .venv/bin/{solc,anvil,forge}")


def main() -> int:
    t0 = time.time()
    try:
        step_apt()
        step_venv()
        step_npm()
        step_native()
        step_links()
    except SetupError as e:
        print(f"setup: error: {e}", file=sys.stderr)
        return 1
    log(f"ready in {time.time() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
