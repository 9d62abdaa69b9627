"""Differential tests against Debian's qemu-riscv32: each C guest is built twice (zkrv runtime;
a tiny Linux-syscall runtime) at -O0 and -O2 and run on the same inputs. Journal (stdout) and
exit code must match; zkrv's traced run must also agree and pass the trace consistency check."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest

from zkrv.build import GUEST_DIR, INCLUDE_DIR, LINK_FLAGS, TARGET_FLAGS, build
from zkrv.toolchain import find_tool
from zkrv_prover.executor import check_trace, execute

HERE = Path(__file__).resolve().parent
GUESTS = HERE / "guests"
EXAMPLES = HERE.parents[1] / "examples" / "guests"
PROGRAMS = {
    "diff_arith": GUESTS / "diff_arith.c",
    "diff_memory": GUESTS / "diff_memory.c",
    "diff_control": GUESTS / "diff_control.c",
    "sort": EXAMPLES / "sort.c",
}
SHARED_RUNTIME = [GUEST_DIR / "src" / n for n in ("string.c", "malloc.c", "divdi3.c")]

pytestmark = [pytest.mark.qemu, pytest.mark.slow]


def build_linux(source: Path, out: Path, opt: str) -> Path:
    """The same program on the Linux-syscall runtime, for qemu-riscv32."""
    clang = str(find_tool("clang"))
    cmd = [clang, *TARGET_FLAGS, "-I", str(INCLUDE_DIR), opt, *LINK_FLAGS]
    cmd += ["-Wl,--defsym=__heap_end=__heap_start+0x800000"]
    cmd += [str(source), str(HERE / "linux_rt.c"), *map(str, SHARED_RUNTIME), "-o", str(out)]
    subprocess.run(cmd, check=True, capture_output=True)
    return out


def inputs(name: str) -> list[bytes]:
    rng = random.Random(name)
    out = [b"", bytes(range(7)), rng.randbytes(8), rng.randbytes(29), rng.randbytes(64)]
    if name == "sort":
        out = [(57).to_bytes(4, "little") + (3).to_bytes(4, "little"), bytes(8)]
        out += [rng.randbytes(5), (300).to_bytes(4, "little") + rng.randbytes(4)]
    return out


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], tuple[Path, Path]]:
    find_tool("qemu-riscv32")
    d = tmp_path_factory.mktemp("diff")
    out = {}
    for name, src in PROGRAMS.items():
        for opt in ("-O0", "-O2"):
            tag = f"{name}{opt}"
            zk = build([src], d / f"{tag}.zkrv.elf", [opt])
            lx = build_linux(src, d / f"{tag}.linux.elf", opt)
            out[(name, opt)] = (zk, lx)
    return out


@pytest.mark.parametrize("opt", ["-O0", "-O2"])
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_matches_qemu(
    builds: dict[tuple[str, str], tuple[Path, Path]], name: str, opt: str
) -> None:
    zk, lx = builds[(name, opt)]
    qemu = str(find_tool("qemu-riscv32"))
    for k, data in enumerate(inputs(name)):
        ref = subprocess.run([qemu, str(lx)], input=data, capture_output=True, timeout=120)
        res = execute(zk, data)
        assert "".join(t + "\n" for t in res.logs).encode() == ref.stderr
        assert res.journal == ref.stdout, f"journal differs on input {k}"
        assert res.exit_code & 0xFF == ref.returncode, f"exit code differs on input {k}"
        assert res.exit_code < 256
        if k == 0:  # traced runs cost more; one input per program suffices
            tr = execute(zk, data, trace=True)
            assert (tr.journal, tr.exit_code, tr.cycles) == (res.journal, res.exit_code, res.cycles)
            assert tr.trace is not None
            check_trace(tr.trace)
