#!/usr/bin/env python3
"""Build the zkrv wheel: ``dist/zkrv-<version>-cp311-abi3-<platform>.whl``.

The wheel holds both packages (``zkrv``, ``zkrv_prover``) with the native engine
``zkrv_prover/_native.abi3.so`` (built by ``scripts/setup.py`` from ``prover/native`` with
maturin; reused as is), the compiled contract artifacts, the guest headers, runtime sources and
linker script. setuptools (the project's build backend, no build isolation: the pinned setuptools
in ``.venv``) builds from a clean copy of the sources, so stale ``build/`` trees or caches in the
checkout never reach the wheel. setuptools tags a tree without declared extension modules
``py3-none-any``; the native module is a stable-ABI (abi3, Python >= 3.11) Linux binary, so the
wheel is retagged ``cp311-abi3-<platform>`` with ``Root-Is-Purelib: false`` and its RECORD
rewritten. Usage: ``.venv/bin/python scripts/wheel.py [--out DIR]`` (``scripts/wheel.sh`` runs
the setup first).
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import io
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NATIVE_DIR = ROOT / "prover" / "zkrv_prover"
TAG = "cp311-abi3-" + sysconfig.get_platform().replace("-", "_").replace(".", "_")
#: Files the wheel must hold (beyond the Python modules) for an installed zkrv to work.
REQUIRED = (
    "zkrv_prover/_native.abi3.so",
    "zkrv/onchain/artifacts/contracts.json",
    "zkrv/guest/link.ld",
    "zkrv/guest/include/zkrv.h",
    "zkrv/guest/src/crt0.S",
    "zkrv/py.typed",
    "zkrv_prover/py.typed",
)


class WheelError(Exception):
    pass


def _copy_sources(dest: Path) -> None:
    """The files setuptools needs, without caches or build leftovers."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "*.tmp")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, dest / name)
    shutil.copytree(ROOT / "sdk" / "zkrv", dest / "sdk" / "zkrv", ignore=ignore)
    shutil.copytree(ROOT / "prover" / "zkrv_prover", dest / "prover" / "zkrv_prover", ignore=ignore)


def _record_line(name: str, data: bytes) -> list[str]:
    b64 = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return [name, f"sha256={b64}", str(len(data))]


def _retag(src: Path, out_dir: Path) -> Path:
    """Rewrite the pure wheel ``src`` as a ``TAG`` platform wheel in ``out_dir``."""
    dist, version = src.name.split("-")[:2]
    dist_info = f"{dist}-{version}.dist-info"
    dest = out_dir / f"{dist}-{version}-{TAG}.whl"
    rows: list[list[str]] = []
    tmp = dest.with_suffix(".tmp")
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename == f"{dist_info}/RECORD":
                continue
            data = zin.read(info)
            if info.filename == f"{dist_info}/WHEEL":
                lines = [
                    ln
                    for ln in data.decode().splitlines()
                    if ln and not ln.startswith(("Root-Is-Purelib:", "Tag:"))
                ]
                lines += ["Root-Is-Purelib: false", f"Tag: {TAG}"]
                data = ("\n".join(lines) + "\n").encode()
            zout.writestr(info, data)
            rows.append(_record_line(info.filename, data))
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows([*rows, [f"{dist_info}/RECORD", "", ""]])
        zout.writestr(f"{dist_info}/RECORD", buf.getvalue())
        missing = [n for n in REQUIRED if n not in zout.namelist()]
    if missing:
        tmp.unlink()
        raise WheelError(f"the wheel lacks {missing}")
    tmp.replace(dest)
    return dest


def build_wheel(out_dir: Path) -> Path:
    """Build the wheel into ``out_dir`` (replacing older zkrv wheels there); its path."""
    natives = sorted(NATIVE_DIR.glob("_native*.so"))
    found = [p.name for p in natives]
    if found != ["_native.abi3.so"]:
        raise WheelError(
            f"expected exactly prover/zkrv_prover/_native.abi3.so, found {found}: run"
            " scripts/setup.py"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="zkrv-wheel-") as tmp:
        src, pure = Path(tmp) / "src", Path(tmp) / "pure"
        src.mkdir()
        _copy_sources(src)
        cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        cmd += ["--wheel-dir", str(pure), str(src)]
        env = dict(os.environ, PIP_NO_INPUT="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
        r = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if r.returncode != 0:
            tail = (r.stderr or r.stdout).strip().splitlines()[-1:] or [f"status {r.returncode}"]
            raise WheelError(f"pip wheel failed: {tail[0]}")
        built = list(pure.glob("zkrv-*.whl"))
        if len(built) != 1:
            raise WheelError(f"pip wheel produced {[p.name for p in built]}, expected one wheel")
        for old in out_dir.glob("zkrv-*.whl"):
            old.unlink()
        return _retag(built[0], out_dir)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description="Build dist/zkrv-*.whl (abi3, native engine inside).")
    ap.add_argument("--out", type=Path, default=ROOT / "dist", help="output folder (dist/)")
    args = ap.parse_args(argv)
    t0 = time.time()
    try:
        path = build_wheel(args.out)
    except WheelError as e:
        print(f"wheel: error: {e}", file=sys.stderr)
        return 1
    size = path.stat().st_size
    print(f"{path} ({size / 2**20:.1f} MiB, {time.time() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
