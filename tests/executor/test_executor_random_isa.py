"""Random RV32IM instruction streams (assembled by clang from mnemonics, not by zkrv's test
assembler) run under zkrv and under qemu-riscv32; all 27 registers x5..x31 must match."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest
from test_executor_qemu import build_linux

from zkrv.build import build
from zkrv.toolchain import find_tool
from zkrv_prover.executor import check_trace, execute

pytestmark = [pytest.mark.qemu, pytest.mark.slow]

R_OPS = ["add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and"]
R_OPS += ["mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu"]
I_OPS = ["addi", "slti", "sltiu", "xori", "ori", "andi"]
SH_OPS = ["slli", "srli", "srai"]
EDGES = [0, 1, 2, 31, 32, 0x7FFFFFFF, 0x80000000, 0x80000001, 0xFFFFFFFF, 0xFFFFFFFE]
SAVED = [1, 8, 9, *range(18, 28)]  # ra, s0-s11: restored before returning
REGS = list(range(5, 32))

MAIN = r"""
#include <zkrv.h>
void rnd(uint32_t *out);
int main(void) {
    uint32_t out[27];
    rnd(out);
    zkrv_commit(out, sizeof out);
    return (int)(out[0] & 0x7F);
}
"""


def program(seed: int, n: int) -> str:
    rng = random.Random(seed)
    lines = [".text", ".globl rnd", "rnd:", "  addi sp, sp, -64", "  sw a0, 60(sp)"]
    lines += [f"  sw x{r}, {4 * k}(sp)" for k, r in enumerate(SAVED)]
    for r in REGS:
        v = rng.choice(EDGES) if rng.random() < 0.5 else rng.getrandbits(32)
        lines.append(f"  li x{r}, {v - (1 << 32) if v >> 31 else v}")
    for _ in range(n):
        kind = rng.random()
        rd, rs1, rs2 = rng.choice(REGS), rng.choice(REGS), rng.choice(REGS)
        if kind < 0.6:
            lines.append(f"  {rng.choice(R_OPS)} x{rd}, x{rs1}, x{rs2}")
        elif kind < 0.8:
            imm = rng.choice([-2048, -1, 0, 1, 2047, rng.randint(-2048, 2047)])
            lines.append(f"  {rng.choice(I_OPS)} x{rd}, x{rs1}, {imm}")
        elif kind < 0.95:
            lines.append(f"  {rng.choice(SH_OPS)} x{rd}, x{rs1}, {rng.randint(0, 31)}")
        else:
            lines.append(f"  lui x{rd}, {rng.getrandbits(20)}")
    lines.append("  lw ra, 60(sp)")
    lines += [f"  sw x{r}, {4 * k}(ra)" for k, r in enumerate(REGS)]
    lines += [f"  lw x{r}, {4 * k}(sp)" for k, r in enumerate(SAVED)]
    lines += ["  addi sp, sp, 64", "  ret", ""]
    return "\n".join(lines)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_streams_match_qemu(tmp_path: Path, seed: int) -> None:
    (tmp_path / "main.c").write_text(MAIN)
    (tmp_path / "rnd.S").write_text(program(seed, 400))
    zk = build([tmp_path / "main.c", tmp_path / "rnd.S"], tmp_path / "zk.elf")
    combined = tmp_path / "combined.c"
    combined.write_text(MAIN + '\n__asm__(".include \\"' + str(tmp_path / "rnd.S") + '\\"");\n')
    lx = build_linux(combined, tmp_path / "lx.elf", "-O2")
    ref = subprocess.run([str(find_tool("qemu-riscv32")), str(lx)], capture_output=True)
    res = execute(zk, trace=True)
    assert len(ref.stdout) == 27 * 4
    assert res.journal == ref.stdout and res.exit_code == ref.returncode
    assert res.trace is not None
    check_trace(res.trace)
