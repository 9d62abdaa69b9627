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
import json
import os
import platform
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


def digest(paths: Iterable[Path], extra: str = "", root: Path = ROOT) -> str:
    h = hashlib.sha256(extra.encode())
    for p in sorted(paths):
        h.update(str(p.relative_to(root)).encode())
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
        check_clang()
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
    check_clang()


def check_clang() -> None:
    """Guests need a clang that targets riscv32 (any Debian clang >= 14 does)."""
    out = subprocess.run(["clang", "--print-targets"], capture_output=True, text=True).stdout
    if "riscv32" not in out:
        raise SetupError(
            f"{shutil.which('clang')} cannot target riscv32: install Debian's clang and lld"
            " (apt-get install clang lld) or put an LLVM clang with RISC-V first on PATH"
        )


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
    try:
        run([*pip, "install", "-q", "-r", "requirements.lock"])
    except SetupError as e:
        raise SetupError(
            f"pip could not install requirements.lock ({e}): check that PyPI is reachable; a"
            " pinned version PyPI no longer serves needs a new lock (README, Development)"
        ) from e
    run([*pip, "install", "-q", "--no-deps", "--no-build-isolation", "-e", "."])
    write_stamp(stamp, value)


# Tools whose installed version is checked by running them: name -> (command relative to the
# root, the lock entry whose version the output must contain).
NPM_TOOLS = {
    "anvil": (["node_modules/.bin/anvil", "--version"], "node_modules/@foundry-rs/anvil"),
    "forge": (["node_modules/.bin/forge", "--version"], "node_modules/@foundry-rs/forge"),
    "solc": (["scripts/solc", "--version"], "node_modules/solc"),
}
# npm's names for this machine, to tell which optional per-platform packages apply here.
NPM_OS = {"linux": "linux", "darwin": "darwin", "windows": "win32"}
NPM_CPU = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}
#: Oldest Node.js major version the pinned npm packages support (Foundry's `engines`).
NODE_MAJOR = 20
LOCK_OUT_OF_SYNC = "can only install packages when your package.json and package-lock.json"


def _npm_platform_matches(entry: dict[str, object], os_name: str, cpu: str) -> bool:
    """npm's ``os``/``cpu`` filters: a list of names, or of ``!name`` exclusions."""
    for field, here in (("os", os_name), ("cpu", cpu)):
        allowed = entry.get(field)
        if not isinstance(allowed, list) or not allowed:
            continue
        excluded = {a[1:] for a in allowed if a.startswith("!")}
        included = {a for a in allowed if not a.startswith("!")}
        if here in excluded or (included and here not in included):
            return False
    return True


def _npm_reason(stderr: str) -> str:
    """The first informative ``npm error`` line (npm ends with a pointer to its log file)."""
    for line in stderr.splitlines():
        text = line.removeprefix("npm error").strip()
        if line.startswith("npm error") and text and not text.startswith("code "):
            return text
    return stderr.strip().splitlines()[0] if stderr.strip() else "no message"


def check_npm_versions(root: Path) -> None:
    """Every package the lock pins for this platform is installed at exactly its locked version,
    and anvil, forge and solc report that version when run. Raises SetupError naming the first
    package or tool that differs."""
    lock = json.loads((root / "package-lock.json").read_text())
    os_name = NPM_OS.get(platform.system().lower(), platform.system().lower())
    cpu = NPM_CPU.get(platform.machine().lower(), platform.machine().lower())
    for path, entry in lock.get("packages", {}).items():
        if not path.startswith("node_modules/") or "version" not in entry:
            continue
        if entry.get("optional") and not _npm_platform_matches(entry, os_name, cpu):
            continue
        name = path.removeprefix("node_modules/")
        manifest = root / path / "package.json"
        if not manifest.is_file():
            if entry.get("optional"):
                continue  # an optional package npm may skip; the tool checks below catch ours
            raise SetupError(f"npm package {name} is not installed: delete node_modules and rerun")
        have = json.loads(manifest.read_text()).get("version")
        if have != entry["version"]:
            raise SetupError(
                f"npm package {name} is {have}, package-lock.json pins {entry['version']}:"
                " delete node_modules and rerun"
            )
    for tool, (cmd, lock_path) in NPM_TOOLS.items():
        want = lock["packages"][lock_path]["version"]
        try:
            out = subprocess.run(
                [str(root / cmd[0]), *cmd[1:]], capture_output=True, text=True, timeout=60
            ).stdout
        except OSError as e:
            raise SetupError(f"{tool} does not run ({e}): delete node_modules and rerun") from e
        if f"Version: {want}" not in out:
            first = out.strip().splitlines()[0] if out.strip() else "no output"
            raise SetupError(f"{tool} reports {first!r}, package-lock.json pins {want}")


def step_npm(root: Path = ROOT) -> None:
    """Install the pinned npm tools. ``npm ci`` when it accepts the lock; when npm says the lock
    is out of sync (the registry now lists optional per-platform packages that the lock lacks,
    or no longer lists some), ``npm install --no-save`` installs the locked versions without
    rewriting the lock. Either way the installed versions are then checked against the lock."""
    lock = root / "package-lock.json"
    value = digest([lock, root / "package.json"], root=root)
    stamp = root / "node_modules" / ".zkrv-stamp"
    if stamped(stamp, value):
        check_npm_versions(root)
        log("npm tools: up to date")
        return
    if shutil.which("npm") is None or shutil.which("node") is None:
        raise SetupError("npm not found: install Node.js (>= 20) and npm")
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    if int(node.lstrip("v").split(".")[0] or 0) < NODE_MAJOR:
        raise SetupError(f"Node.js {node} is too old: Foundry's npm packages need >= {NODE_MAJOR}")
    before = lock.read_bytes()
    quiet = ["--no-audit", "--no-fund", "--loglevel=error"]
    log("$ npm ci")
    r = subprocess.run(["npm", "ci", *quiet], cwd=root, capture_output=True, text=True)
    if r.returncode != 0:
        if LOCK_OUT_OF_SYNC not in r.stdout + r.stderr:
            raise SetupError(f"npm ci failed with status {r.returncode}: {_npm_reason(r.stderr)}")
        log(
            "npm ci: the registry's optional packages differ from the lock; installing with"
            " npm install --no-save"
        )
        try:
            run(["npm", "install", "--no-save", *quiet], cwd=root)
        finally:
            if lock.read_bytes() != before:
                lock.write_bytes(before)
    check_npm_versions(root)
    write_stamp(stamp, value)


def native_inputs() -> list[Path]:
    files = [NATIVE / "Cargo.toml", NATIVE / "Cargo.lock", NATIVE / "pyproject.toml"]
    files += [p for p in (NATIVE / "src").rglob("*") if p.is_file()]
    files += [ROOT / "rust-toolchain.toml"]
    return [p for p in files if p.exists()]


def check_rust() -> None:
    """The toolchain rust-toolchain.toml pins must be installed: rustup cannot download one here."""
    channel = next(
        (
            line.split("=", 1)[1].strip().strip('"')
            for line in (ROOT / "rust-toolchain.toml").read_text().splitlines()
            if line.strip().startswith("channel")
        ),
        "",
    )
    if shutil.which("cargo") is None:
        raise SetupError(f"cargo not found: install the Rust toolchain {channel} (rustup)")
    r = subprocess.run(["rustc", "--version"], cwd=NATIVE, capture_output=True, text=True)
    if r.returncode != 0 or f"rustc {channel}" not in r.stdout:
        have = r.stdout.strip() or r.stderr.strip().splitlines()[-1:]
        raise SetupError(
            f"Rust {channel} (rust-toolchain.toml) is not active here ({have}):"
            f" rustup toolchain install {channel} --profile minimal"
        )


def step_native() -> None:
    value = digest(native_inputs())
    stamp = NATIVE / "target" / ".zkrv-stamp"
    built = list(NATIVE_DEST.glob("_native*.so"))
    if built and stamped(stamp, value):
        log("native extension: up to date")
        return
    check_rust()
    out = NATIVE / "target" / "wheels"
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.time()
    build = [str(VENV / "bin" / "maturin"), "build", "--release", "--locked", "-q"]
    build += ["-m", str(NATIVE / "Cargo.toml"), "--out", str(out), "-i", str(VPY)]
    try:
        run(build)
    except SetupError as e:
        raise SetupError(
            f"building the native extension failed ({e}): see cargo's message above; a crate"
            " version the registry no longer serves needs `cargo update -p NAME` in prover/native"
        ) from e
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
