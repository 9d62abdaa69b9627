"""Helpers for the zkVM machine tests: hand-assembled programs (reusing the executor tests'
independent assembler), witness generation and a fast constraint-coverage check."""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from zkrv.receipt import StarkReceipt
from zkrv_prover.executor import ExecutionResult, MemoryImage, execute
from zkrv_prover.stark.air import debug, logup
from zkrv_prover.stark.air import symbolic_eval as se
from zkrv_prover.stark.air.air import P_BB, Expr, Op, TableLayout, compile_machine, topo_order
from zkrv_prover.stark.field import field as fld
from zkrv_prover.stark.field.field import EXT_DEGREE
from zkrv_prover.zkvm import machine as zm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "executor"))
import executor_asm as asm
from alu_testutil import _row_interactions

__all__ = [
    "asm",
    "coverage_escapes",
    "every_instruction",
    "forged_receipt",
    "problems",
    "run_program",
    "windowed_escapes",
    "witness",
]

D = asm.DATA
_LAYOUT_CACHE: dict[tuple[int, int], list[TableLayout]] = {}


def run_program(
    code: list[int], data: dict[int, int] | None = None, inp: bytes = b""
) -> ExecutionResult:
    """Execute ``code`` followed by HALT (exit code = a0) with tracing."""
    return asm.run(code, data, inp)


def witness(res: ExecutionResult) -> zm.MachineWitness:
    """The full machine witness of a traced execution."""
    assert res.trace is not None
    tables = zm.ProgramTables.from_image(res.image)
    return zm.generate(tables, res.trace)


def problems(
    w: zm.MachineWitness,
    core: Sequence[np.ndarray] | None = None,
    public: Sequence[int] | None = None,
) -> list[str]:
    """Debug-checker problems of the witness, optionally with replaced core traces and public
    values (the peripheral tables are then regenerated from the replaced traces, as a
    malicious prover would)."""
    pub = list(w.public if public is None else public)
    if core is None:
        traces = w.traces
    else:
        traces = zm.complete_traces(w.layouts, list(core), pub, strict=False)
    return debug.check_traces(w.layouts, traces, pub)


def core_copy(w: zm.MachineWitness) -> list[np.ndarray]:
    return [np.array(t, copy=True) for t in w.traces[: len(zm.CORE_TABLES)]]


def coverage_escapes(
    w: zm.MachineWitness,
    tables: Sequence[str],
    samples: int = 3,
    seed: int = 1,
    rows: Sequence[int] = (),
    columns: Sequence[int] | None = None,
) -> list[tuple[str, int, int]]:
    """Like :func:`zkrv_prover.stark.protocol.testing.constraint_coverage`, restricted to
    ``tables`` and fast: a mutation of table t counts as caught if t's own constraints fail or t's
    LogUp sum changes (all other tables are unchanged, so the machine's total then is nonzero;
    random challenges make a missed change improbable). Tries the boundary rows, ``samples`` random
    rows and ``rows``, in every column or only ``columns``. Returns (table, column, row)
    escapes."""
    rng = np.random.default_rng(seed)
    alpha = rng.integers(0, se.P_INT, size=fld.EXT_DEGREE).astype(np.uint32)
    beta = rng.integers(0, se.P_INT, size=fld.EXT_DEGREE).astype(np.uint32)
    names = [lay.air.name for lay in w.layouts]
    out: list[tuple[str, int, int]] = []
    for name in tables:
        t = names.index(name)
        lay = w.layouts[t]
        # with a random blind column (the STARK layer's): a mutated blind changes the LogUp sum
        blind = None
        if lay.has_logup:
            b = np.random.default_rng(seed + t).integers(0, se.P_INT, size=EXT_DEGREE)
            blind = logup.blind_column(w.traces[t].shape[0], b)
        tr = logup.with_blind(lay, np.array(w.traces[t], copy=True), blind)
        _, base = logup.aux_trace(lay, tr, lay.preprocessed, w.public, alpha, beta)
        n = tr.shape[0]
        tried = {0, 1, n - 2, n - 1} | {int(r) for r in rng.integers(0, n, size=samples)}
        tried |= set(rows)
        for col in range(lay.main_width) if columns is None else columns:
            for row in sorted(tried):
                orig = int(tr[row, col])
                for new in {(orig + 1) % se.P_INT, int(rng.integers(0, se.P_INT))} - {orig}:
                    tr[row, col] = new
                    caught = bool(debug.table_failures(lay, tr, w.public))
                    if not caught:
                        try:
                            _, cs = logup.aux_trace(
                                lay, tr, lay.preprocessed, w.public, alpha, beta
                            )
                            caught = not np.array_equal(cs, base)
                        except ValueError:
                            caught = True
                    tr[row, col] = orig
                    if not caught:
                        out.append((name, col, row))
                        break
    return out


def image_of(code: list[int], data: dict[int, int] | None = None) -> MemoryImage:
    return asm.image(code + asm.HALT, data)


def execute_image(img: MemoryImage, inp: bytes = b"") -> ExecutionResult:
    return execute(img, inp, trace=True)


def layouts_for(w: zm.MachineWitness) -> list[TableLayout]:
    return compile_machine(w.machine)


R_OPS = ["add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and"]
M_OPS = ["mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu"]
I_OPS = ["addi", "slti", "sltiu", "xori", "ori", "andi"]
SH_OPS = ["slli", "srli", "srai"]
BRANCHES = ["beq", "bne", "blt", "bge", "bltu", "bgeu"]


def every_instruction() -> list[int]:
    """A program using every RV32IM instruction (branches both ways, every load/store width and
    offset, division edge cases) and every ECALL."""
    a = asm
    code: list[int] = [*a.li(5, 0x8000_0001), *a.li(6, 0xFFFF_FFFF), *a.li(7, 0x1234_5678)]
    code += [*a.li(8, D), *a.li(9, 7)]
    for op in R_OPS + M_OPS:
        code += [a.r(op, 10, 5, 6), a.r(op, 11, 7, 9), a.r(op, 12, 7, 0)]  # incl. x/0, -2^31/-1
    code += [a.r("add", 0, 5, 6)]  # write to x0 is discarded
    for op in I_OPS:
        code += [a.i(op, 10, 7, -5), a.i(op, 11, 5, 0x7FF)]
    for op in SH_OPS:
        code += [a.i(op, 10, 5, 0), a.i(op, 11, 5, 31), a.i(op, 12, 7, 13)]
    code += [a.u("lui", 13, 0xABCDE), a.u("auipc", 14, 0x12345), a.u("auipc", 0, 1)]
    # stores/loads of every width and offset
    code += [a.s("sw", 7, 8, 0), a.s("sw", 5, 8, 4)]
    for off in range(4):
        code += [a.i("lb", 15, 8, off), a.i("lbu", 16, 8, 4 + off), a.s("sb", 6, 8, 8 + off)]
    for off in (0, 2):
        code += [a.i("lh", 15, 8, 4 + off), a.i("lhu", 16, 8, off), a.s("sh", 9, 8, 12 + off)]
    code += [a.i("lw", 17, 8, 8), a.i("lw", 18, 8, 12), a.i("lw", 0, 8, 0)]
    code += [0x0FF0000F]  # fence
    for op in BRANCHES:  # each branch taken (skips one addi) and not taken
        code += [a.b(op, 5, 6, 8), a.i("addi", 19, 19, 1), a.b(op, 6, 5, 8), a.i("addi", 19, 19, 1)]
        code += [a.b(op, 7, 7, 8), a.i("addi", 19, 19, 1)]
    code += [a.jal(1, 8), a.i("addi", 19, 19, 100)]  # jal skips one
    n = len(code)  # jalr to an absolute target: skip one instruction
    code += [*a.li(20, asm.CODE + 4 * (n + 4)), a.i("jalr", 1, 20, 0), a.i("addi", 19, 19, 100)]
    # ECALLs: READ twice (4 bytes, then 2), LOG of 0 bytes (HALT's sequence makes a COMMIT)
    for _ in range(3):
        code += [*a.li(10, D + 32), a.i("addi", 17, 0, 1), asm.ECALL]
    code += [a.i("addi", 10, 8, 0), a.i("addi", 11, 0, 0), a.i("addi", 17, 0, 3), asm.ECALL]
    # SHA256 precompile: state at D + 64, block at D + 128 (zero words)
    code += [*a.li(10, D + 64), *a.li(11, D + 128), a.i("addi", 17, 0, 4), asm.ECALL]
    code += [a.i("addi", 10, 0, 42)]
    return code


def dies_once(image: object, input: bytes, job: tuple[int, str | None], *_: object) -> object:
    """A stand-in segment prover for worker tests: job ``(i, marker)``; the first attempt at a
    job with a marker whose file does not exist yet creates it and kills its worker process."""
    i, marker = job
    if marker is not None and not os.path.exists(marker):
        Path(marker).write_text("died")
        os._exit(1)
    return ("proof", i, input)


def always_dies(image: object, input: bytes, job: object, *_: object) -> object:
    """A stand-in segment prover whose worker process dies at every attempt."""
    os._exit(3)


def _main_columns(e: Expr) -> set[int]:
    return {x.index for x in topo_order([e]) if x.op == Op.MAIN}


def windowed_escapes(
    w: zm.MachineWitness, table: str, rows: list[int], seed: int = 0
) -> tuple[list[tuple[int, int]], int]:
    """Single-cell mutations (+1 and a random value) of ``table`` at ``rows`` that neither a
    constraint nor the row's own interactions notice, as ``(column, row)``, and the count tried.
    Fast form of ``coverage_escapes``: only the constraints that read the mutated column are
    evaluated, on the rows around it (the honest traces balance and every interaction of the
    table reads the current row only, so a mutation unbalances a bus exactly when it changes
    the row's interaction multiset)."""
    t = [lay.air.name for lay in w.layouts].index(table)
    lay, tr = w.layouts[t], np.array(w.traces[t], copy=True)
    assert all(
        not x.nxt
        for i in lay.interactions
        for v in (*i.values, i.multiplicity)
        for x in topo_order([v])
        if x.op == Op.MAIN
    )
    rng = np.random.default_rng(seed)
    n = tr.shape[0]
    escapes, tried = [], 0
    for col in range(lay.witness_width):
        cons = [c for c in lay.constraints if col in _main_columns(c.expr)]
        inters = [
            i
            for i in lay.interactions
            if any(col in _main_columns(v) for v in (*i.values, i.multiplicity))
        ]
        sub_c = dataclasses.replace(lay, constraints=cons)
        sub_i = dataclasses.replace(lay, interactions=inters)
        for row in rows:
            lo, hi = max(0, row - 1), min(n, row + 2)
            base = debug.table_failures(sub_c, tr[lo:hi], w.public)
            before = _row_interactions(sub_i, tr, row)
            orig = int(tr[row, col])
            for new in {(orig + 1) % P_BB, int(rng.integers(0, P_BB))} - {orig}:
                tried += 1
                tr[row, col] = new
                caught = debug.table_failures(sub_c, tr[lo:hi], w.public) != base
                caught = caught or _row_interactions(sub_i, tr, row) != before
                tr[row, col] = orig
                if not caught:
                    escapes.append((col, row))
                    break
    return escapes, tried


def cap_refused(w: zm.MachineWitness, table: str) -> int:
    """The log-height cap of ``table`` (``machine.height_caps``), checked to be refused by the
    verifier's height check one doubling above it (the witness's other heights as they are)."""
    names = [lay.air.name for lay in w.layouts]
    t = names.index(table)
    cap = zm.height_caps(w.layouts)[t]
    heights = [tr.shape[0].bit_length() - 1 for tr in w.traces]
    heights[t] = cap + 1
    with pytest.raises(ValueError, match=table):
        zm.check_heights(w.layouts, heights)
    return cap


def forged_receipt(
    res: ExecutionResult, edit: Callable[[list[np.ndarray]], None]
) -> tuple[StarkReceipt, bytes]:
    """A one-proof receipt of ``res`` from a prover with its checks off, whose core traces were
    changed by ``edit`` (the peripheral tables regenerated to match, as a cheating prover would),
    and the image ID to verify it against."""
    from zkrv.receipt import stark_seal
    from zkrv_prover.stark.protocol.proof import encode_proof
    from zkrv_prover.stark.protocol.prover import prove as stark_prove
    from zkrv_prover.stark.protocol.testing import unchecked_prover
    from zkrv_prover.zkvm.image_id import program_key

    key = program_key(res.image)
    assert res.trace is not None and key.vk.pre_root is not None
    w = zm.generate(key.tables, res.trace, key.vk.layouts)
    core = core_copy(w)
    edit(core)
    traces = zm.complete_traces(w.layouts, core, w.public, strict=False)
    with unchecked_prover():
        proof = stark_prove(key.vk, traces, w.public)
    seal = stark_seal(key.vk.pre_root, key.log_program, key.log_image, encode_proof(key.vk, proof))
    return StarkReceipt(key.image_id, res.exit_code, res.journal, seal), key.image_id
