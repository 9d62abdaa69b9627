"""Building C guest programs into RV32IM ELFs with the zkrv runtime linked in.

``build(sources, output)`` compiles the sources with clang (rv32im/ilp32, freestanding, -O2 by
default; extra flags come last so they override), compiles the SDK runtime (crt0, I/O over
ECALL, journal SHA-256, precompiles, string functions, malloc, 64-bit division helpers) at -O2,
and links everything with the SDK's linker script (see ``docs/executor.md`` for the memory map).
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from zkrv.errors import ToolchainError, ZkrvError
from zkrv.fsutil import atomic_write_bytes
from zkrv.toolchain import find_tool

#: The guest SDK shipped inside the package.
GUEST_DIR = Path(__file__).resolve().parent / "guest"
INCLUDE_DIR = GUEST_DIR / "include"
LINKER_SCRIPT = GUEST_DIR / "link.ld"
#: Runtime sources linked into every guest; the last three are platform-independent.
RUNTIME_NAMES = ("crt0.S", "io.c", "accel.c", "keccak.c", "string.c", "malloc.c", "divdi3.c")
RUNTIME_SOURCES = tuple(GUEST_DIR / "src" / n for n in RUNTIME_NAMES)

#: Target and code-generation flags shared by the runtime and user code.
TARGET_FLAGS = (
    "--target=riscv32-unknown-elf",
    "-march=rv32im",
    "-mabi=ilp32",
    "-mno-relax",
    "-mcmodel=medlow",
    "-ffreestanding",
    "-fno-pic",
    "-fno-exceptions",
    "-fno-unwind-tables",
    "-fno-asynchronous-unwind-tables",
    "-ffunction-sections",
    "-fdata-sections",
)
LINK_FLAGS = ("-nostdlib", "-static", "-fuse-ld=lld", "-Wl,--gc-sections")
DEFAULT_OPT = "-O2"


class BuildError(ZkrvError):
    """Compiling or linking a guest failed; ``stderr`` holds the compiler's full output."""

    def __init__(self, message: str, stderr: str = "") -> None:
        super().__init__(message)
        self.stderr = stderr


def build(
    sources: Sequence[str | Path],
    output: str | Path,
    extra_flags: Sequence[str] = (),
) -> Path:
    """Compile and link ``sources`` (C or assembly) into the RV32IM ELF ``output``.

    ``extra_flags`` go to clang after the defaults (e.g. ``["-O0", "-DN=10"]``). Returns the
    output path. Raises :class:`BuildError` (compiler errors) or :class:`ToolchainError`.
    """
    if not sources:
        raise ZkrvError("build: no source files given")
    srcs = [Path(s) for s in sources]
    for s in srcs:
        if not s.is_file():
            raise ZkrvError(f"build: source file not found: {s}")
    clang = str(find_tool("clang"))
    find_tool("ld.lld")  # clang -fuse-ld=lld needs it; fail early with the setup hint
    common = [*TARGET_FLAGS, "-I", str(INCLUDE_DIR)]
    with tempfile.TemporaryDirectory(prefix="zkrv-build-") as tmp:
        objs = []
        for i, rs in enumerate(RUNTIME_SOURCES):
            obj = Path(tmp) / f"rt{i}_{rs.stem}.o"
            _clang([clang, *common, "-O2", "-c", str(rs), "-o", str(obj)], f"runtime {rs.name}")
            objs.append(str(obj))
        elf = Path(tmp) / "guest.elf"
        cmd = [clang, *common, DEFAULT_OPT, *extra_flags, *LINK_FLAGS]
        cmd += ["-T", str(LINKER_SCRIPT), *map(str, srcs), *objs, "-o", str(elf)]
        _clang(cmd, ", ".join(map(str, srcs)))
        data = elf.read_bytes()
    out = Path(output)
    atomic_write_bytes(out, data)
    return out


def _clang(cmd: list[str], what: str) -> None:
    try:
        p = subprocess.run(cmd, capture_output=True, text=True)
    except OSError as e:
        raise ToolchainError(f"cannot run {cmd[0]}: {e}") from None
    if p.returncode != 0:
        lines = [ln for ln in p.stderr.splitlines() if "error" in ln] or p.stderr.splitlines()
        first = lines[0].strip() if lines else f"exit status {p.returncode}"
        raise BuildError(f"building {what} failed: {first}", p.stderr)
