"""LOG buffer bounds and sticky end of input: the circuit accepts exactly what the executor
accepts (``docs/zkvm.md``, "ECALL"). (COMMIT is a precompile over 64-byte blocks:
``test_zkvm_sha256.py``.)

Honest side: executions with edge-case buffers (length 0 with any pointer, buffers starting at
RAM_START, ending exactly at RAM_END, unaligned, in a code page) and reads past the end of input
satisfy the machine, and every new witness cell is pinned (coverage on exactly those rows).
Malicious side: a cheating host that skips the executor's checks (the executor itself traps on
these programs) produces traces that the machine rejects, and only through the new checks (the
circuit without them had nothing else that could notice)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
from zkvm_util import D, asm, coverage_escapes, problems, witness

from zkrv_prover.executor import MemoryImage, execute
from zkrv_prover.executor import machine as ex_machine
from zkrv_prover.executor import run as ex_run
from zkrv_prover.executor.abi import RAM_END, RAM_START
from zkrv_prover.executor.accel import sha256_pad
from zkrv_prover.executor.errors import EcallError
from zkrv_prover.stark.air.air import P_BB, compile_machine
from zkrv_prover.zkvm import machine as zm
from zkrv_prover.zkvm.buses import BUS_BYTE
from zkrv_prover.zkvm.cpu import C

CPU = zm.CORE_TABLES.index("cpu")
COMMIT, LOG, READ = 2, 3, 1
#: Where the edge-case program keeps its padded journal (committed before its own HALT).
JBLOCKS = D + 0x800
#: Columns the buffer and end-of-input checks use on ECALL rows.
CHECK_COLUMNS = ("cond", "inv", "pinv", "eof", "q", *(f"mn_{j}" for j in range(4)))
CHECK_COLUMNS += tuple(f"rdp_{j}" for j in range(4))


def ecall(num: int, a0: int, a1: int) -> list[int]:
    return [*asm.li(10, a0), *asm.li(11, a1), asm.i("addi", 17, 0, num), asm.ECALL]


def halt_with_journal(code: list[int], journal: bytes) -> tuple[list[int], dict[int, int]]:
    """``code``, then COMMIT of every block of the padded ``journal`` (stored in the data page),
    then HALT(a0 = 0)."""
    blocks = sha256_pad(journal)
    data = MemoryImage.bytes_as_words(JBLOCKS, blocks)
    tail = []
    for k in range(0, len(blocks), 64):
        tail += ecall(COMMIT, 0, JBLOCKS + k)
    tail += [asm.i("addi", 10, 0, 0), asm.i("addi", 17, 0, 0), asm.ECALL]
    return code + tail, data


#: (ECALL, a0, a1) the executor accepts: a1 == 0 with any pointer, or a buffer inside RAM.
HONEST_BUFFERS = [
    (LOG, 0, 0),  # null pointer, empty
    (LOG, 0xFFFF_FFFF, 0),  # any pointer when empty
    (LOG, 0xFFFF, 0),
    (LOG, RAM_START, 1),  # starts exactly at RAM_START (code page: read-only is fine)
    (LOG, RAM_END - 1, 1),  # ends exactly at RAM_END
    (LOG, RAM_END - 0x1000, 0x1000),
    (LOG, D + 1, 3),  # unaligned
    (LOG, 0x0600_0000, 0x0600_0000),  # the high bytes of a0 and a1 sum to RAM_END's
    (LOG, RAM_START + 0x0300_0001, RAM_END - RAM_START - 0x0300_0001),
]


def edge_case_program() -> tuple[list[int], dict[int, int], bytes]:
    """Every buffer of :data:`HONEST_BUFFERS`, then READs past the end of input (6 bytes of
    input: counts 4, 2, 0, 0), then a 70-byte journal (two blocks padded)."""
    code: list[int] = []
    for num, a0, a1 in HONEST_BUFFERS:
        code += ecall(num, a0, a1)
    for _ in range(4):
        code += ecall(READ, D, 0)
    journal = bytes(range(3, 73))
    full, data = halt_with_journal(code, journal)
    return full, data, journal


@pytest.fixture(scope="module")
def edge() -> zm.MachineWitness:
    code, data, journal = edge_case_program()
    res = execute(asm.image(code, data), b"abcdef", trace=True)
    assert res.journal == journal and res.exit_code == 0
    return witness(res)


def ecall_rows(w: zm.MachineWitness, num: int | None = None) -> np.ndarray:
    cpu = w.traces[CPU]
    sel = cpu[:, C["f_ecall"]] == 1
    if num is not None:
        sel &= cpu[:, C["r2_0"]] == num
    return np.flatnonzero(sel)


def test_edge_case_buffers_and_reads_past_eof_are_accepted(edge: zm.MachineWitness) -> None:
    assert problems(edge) == []
    cpu = edge.traces[CPU]
    bufs = ecall_rows(edge, LOG).tolist()
    assert len(bufs) == len(HONEST_BUFFERS) and len(ecall_rows(edge, COMMIT)) == 2
    # cond = [a1 == 0]; q and mn hold the range check of RAM_END - a0 - a1 when a1 != 0
    assert sorted(cpu[bufs, C["cond"]].tolist()) == [0] * 6 + [1] * 3
    reads = ecall_rows(edge, READ)
    assert cpu[reads, C["rn_0"]].tolist() == [4, 2, 0, 0]
    assert cpu[reads, C["eof"]].tolist() == [0, 0, 1, 1]
    assert cpu[reads[1] + 1 :, C["eof"]].all() and not cpu[: reads[1] + 1, C["eof"]].any()


def test_new_columns_are_pinned_on_every_ecall_row(edge: zm.MachineWitness) -> None:
    """Coverage of the new checks: every cell of the columns they use, on every ECALL row and
    the rows around the short READ, is pinned by a constraint or a bus."""
    reads = ecall_rows(edge, READ)
    rows = [*ecall_rows(edge).tolist(), int(reads[1]) + 1, int(reads[1]) + 2]
    cols = [C[c] for c in CHECK_COLUMNS]
    assert coverage_escapes(edge, ["cpu"], samples=2, rows=rows, columns=cols) == []


def test_c_guest_reads_past_eof_and_commits_edge_buffers(tmp_path: Path) -> None:
    from zkrv.build import build

    src = Path(__file__).parent / "guests" / "ecalls.c"
    elf = build([src], tmp_path / "ecalls.elf")
    for inp in (b"", b"x", b"12345678", bytes(range(11))):
        res = execute(elf, inp, trace=True)
        assert res.exit_code == len(inp)
        assert res.journal[:4] == len(inp).to_bytes(4, "little")
        assert res.trace is not None
        w = zm.generate(zm.ProgramTables.from_image(res.image), res.trace)
        assert problems(w) == [], inp


# -- a cheating host: the executor without its ECALL checks --------------------------------------
class LaxHost(ex_machine.Machine):
    """Skips the LOG bounds check (out-of-range bytes read as nothing) and, if
    ``read_chunks`` is set, answers READ k with ``read_chunks[k]`` (end of input not sticky)."""

    read_chunks: ClassVar[list[bytes]] = []

    def _span(self, pc: int, ptr: int, length: int, what: str) -> bytes:
        if length and (ptr < RAM_START or ptr + length > RAM_END):
            return b""
        return super()._span(pc, ptr, length, what)

    def _ecall(self, pc: int) -> int:
        if self.x[17] == READ and self.read_chunks:
            self.input, self.input_pos = self.read_chunks.pop(0), 0
        return super()._ecall(pc)


def lax_witness(code: list[int], read_chunks: list[bytes] | None = None) -> zm.MachineWitness:
    """Run ``code`` + HALT on :class:`LaxHost` and build the witness a cheating prover would:
    the peripheral tables serve what they can (``complete_traces(strict=False)``)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ex_run, "Machine", LaxHost)
        mp.setattr(LaxHost, "read_chunks", list(read_chunks or []))
        res = execute(asm.image(code + asm.HALT, {}), b"", trace=True)
    assert res.trace is not None
    tables = zm.ProgramTables.from_image(res.image)
    machine = zm.build_machine(tables)
    lays = compile_machine(machine)
    core = zm.core_traces(tables, res.trace)
    traces = [core.traces[name] for name in zm.CORE_TABLES]
    full = zm.complete_traces(lays, traces, core.public, strict=False)
    return zm.MachineWitness(machine, lays, full, core.public)


def only_new_checks_fail(msgs: list[str], names: set[str]) -> bool:
    """Every problem is one of the constraints ``names`` or a BUS_BYTE imbalance (the byte
    lookups of d and q): checks the circuit did not have before LOG buffers were bounded."""
    for m in msgs:
        if m.startswith(f"bus {BUS_BYTE} unbalanced"):
            continue
        if not any(f"constraint {n!r}" in m for n in names):
            return False
    return True


#: (a0, a1) the executor traps on, with why.
BAD_BUFFERS = [
    (RAM_START - 1, 1),  # starts in the null guard
    (0, 4),
    (RAM_END - 3, 4),  # ends one byte past RAM
    (RAM_END, 1),
    (RAM_START + P_BB, 4),  # a0 wraps to RAM_START modulo p
    (D, P_BB + 4),  # a1 wraps to 4 modulo p
    (RAM_START, (1 << 32) - RAM_START + 4),  # a0 + a1 wraps modulo 2^32
    (0x0600_0000, 0x0600_0001),
]


@pytest.mark.parametrize(("a0", "a1"), BAD_BUFFERS)
def test_out_of_bounds_buffer_rejected(a0: int, a1: int) -> None:
    code = ecall(LOG, a0, a1)
    with pytest.raises(EcallError, match="outside the memory map"):
        execute(asm.image(code + asm.HALT, {}), b"")  # the real executor traps
    w = lax_witness(code)
    msgs = problems(w)
    assert msgs, (hex(a0), hex(a1))
    assert only_new_checks_fail(msgs, {"buf_start", "buf_end", "buf_top"}), msgs


def eof_program() -> list[int]:
    """READ twice; exit code 1 iff the first READ was short and the second returned bytes,
    which no input can cause (end of input is sticky)."""
    a = asm
    return [
        *ecall(READ, D, 0),
        a.i("addi", 5, 10, 0),  # x5 = first count
        *ecall(READ, D + 4, 0),
        a.i("addi", 6, 10, 0),  # x6 = second count
        a.i("addi", 10, 0, 0),
        a.i("sltiu", 7, 5, 4),  # x7 = first read short
        a.r("sltu", 8, 0, 6),  # x8 = second read non-empty
        a.r("and", 10, 7, 8),
    ]


def test_eof_program_honest_exit_code_is_always_zero() -> None:
    for inp in (b"", b"ab", b"abcd", b"abcdefgh", b"abcdef"):
        assert execute(asm.image(eof_program() + asm.HALT, {}), inp).exit_code == 0


def test_read_after_short_read_rejected() -> None:
    w = lax_witness(eof_program(), [b"ab", b"cdef"])
    assert w.public[zm.PUB_EXIT] == 1  # a claim no honest execution can make
    msgs = problems(w)
    assert msgs and all("'read_at_eof'" in m for m in msgs), msgs


@pytest.mark.slow
@pytest.mark.parametrize("gap", ["eof", "buffer"])
def test_malicious_receipt_rejected_by_the_verifier(gap: str) -> None:
    """End to end: a prover with its own checks off proves the cheating host's execution (a READ
    returning bytes after a short READ, claiming exit code 1; or a LOG past RAM_END); the
    receipt does not verify (a failing constraint, or the unbalanced byte bus)."""
    from zkrv.receipt import ReceiptVerificationError, StarkReceipt, stark_seal
    from zkrv_prover.stark.protocol.proof import encode_proof
    from zkrv_prover.stark.protocol.prover import prove as stark_prove
    from zkrv_prover.stark.protocol.testing import unchecked_prover
    from zkrv_prover.zkvm.image_id import program_key

    if gap == "eof":
        code, expect = eof_program(), "constraints"
        w = lax_witness(code, [b"ab", b"cdef"])
        assert w.public[zm.PUB_EXIT] == 1
    else:
        code, expect = ecall(LOG, RAM_END - 3, 4), "LogUp"
        w = lax_witness(code)
    assert problems(w)
    key = program_key(asm.image(code + asm.HALT, {}))
    traces = zm.complete_traces(key.vk.layouts, w.traces[: len(zm.CORE_TABLES)], w.public, False)
    with unchecked_prover():
        proof = stark_prove(key.vk, traces, w.public)
    assert key.vk.pre_root is not None
    seal = stark_seal(key.vk.pre_root, key.log_program, key.log_image, encode_proof(key.vk, proof))
    forged = StarkReceipt(key.image_id, w.public[zm.PUB_EXIT], b"", seal)
    with pytest.raises(ReceiptVerificationError, match=expect):
        forged.verify(key.image_id)
