"""The execution trace the prover consumes: one row per cycle, columnar uint32 numpy arrays.

Row i describes the instruction retired in cycle i (``clk == i``). Columns (see
``docs/executor.md`` for the full contract):

- ``pc``, ``next_pc`` (the pc of row i+1; the last row is the HALT ECALL and has next_pc == pc),
  ``insn`` (the instruction word at pc).
- ``rs1``, ``rs2``, ``rd``: register slots the row uses (0 when unused; x0 reads are 0 and
  ``rd == 0`` means no register is written), with ``rs1_val``, ``rs2_val``, ``rd_prev`` (rd's
  value before the row) and ``rd_val`` (after).
- ``mem_op`` (0 none, 1 read, 2 write), ``mem_addr`` (the effective byte address),
  ``mem_prev``/``mem_val``: the aligned word containing mem_addr before/after the row (equal for
  reads). Sub-word accesses are word accesses in this view.
- ECALL rows: ``ecall_id`` is a7's value (a read of x17), ``rs1 = 10``/``rs2 = 11`` (a0, a1).
  READ rows write a0 (``rd = 10``) and one memory word; the others write nothing.

SHA256 and COMMIT precompile calls (``ecall_id`` 4 and 2) keep their traffic out of the per-row
columns (a call reads 16 block words and rewrites 8 state words: memory words for SHA256, the
journal registers for COMMIT): ``sha256_calls`` has one row per call, in execution order,
``(a0, a1, state words before, block words, journal)`` as uint32 (block words as stored in
memory, little-endian; ``journal`` is 1 for COMMIT), aligned with those ECALL rows. MODMUL256
calls (``ecall_id`` 6: 24 input words read, 8 result words rewritten) likewise have one
``modmul_calls`` row each, ``(a0, a1, input words, result words before)``, and KECCAKF calls
(``ecall_id`` 5: 50 state words rewritten in place) one ``keccak_calls`` row each, ``(a0, state
words before)``.

Alongside: the initial :class:`MemoryImage` and the final value of every word that is in the
image or was accessed (``final_addresses``/``final_values``); all other words are zero throughout.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from zkrv_prover.executor.abi import (
    ECALL_COMMIT,
    ECALL_KECCAKF,
    ECALL_MODMUL256,
    ECALL_SHA256,
    REG_A0,
    REG_A1,
    REG_A7,
)
from zkrv_prover.executor.accel import (
    KECCAK_STATE_WORDS,
    SHA256_IV,
    keccak_f,
    modmul256,
    sha256_compress,
    state_digest,
)
from zkrv_prover.executor.codegen import DYN_COLUMNS
from zkrv_prover.executor.decode import LOADS, READS_RS1, READS_RS2, STORES, WRITES_RD
from zkrv_prover.executor.image import MemoryImage
from zkrv_prover.executor.semantics import check_semantics

U32 = npt.NDArray[np.uint32]

COLUMNS = (
    "clk",
    "pc",
    "next_pc",
    "insn",
    "rs1",
    "rs2",
    "rd",
    "rs1_val",
    "rs2_val",
    "rd_prev",
    "rd_val",
    "mem_op",
    "mem_addr",
    "mem_prev",
    "mem_val",
    "ecall_id",
)
MEM_NONE, MEM_READ, MEM_WRITE = 0, 1, 2
#: Fields of one ``Trace.sha256_calls`` row.
SHA256_RECORD = 2 + 8 + 16 + 1
#: Column of ``Trace.sha256_calls`` that marks COMMIT calls (journal state, not memory).
SHA256_JOURNAL = 26
#: Fields of one ``Trace.modmul_calls`` row: a0, a1, 24 input words (a, b, m), 8 old result words.
MODMUL256_RECORD = 2 + 24 + 8
#: Fields of one ``Trace.keccak_calls`` row: a0, the 50 state words before.
KECCAKF_RECORD = 1 + KECCAK_STATE_WORDS
ECALL_WORD = 0x00000073


@dataclass(frozen=True, eq=False)
class Trace:
    """A complete, self-contained record of one halted execution (see module docstring)."""

    columns: dict[str, U32]
    image: MemoryImage
    final_addresses: U32
    final_values: U32
    input: bytes
    journal: bytes
    journal_digest: bytes
    exit_code: int
    #: one row per SHA256 precompile call: a0, a1, 8 old state words, 16 block words
    sha256_calls: U32 = field(default_factory=lambda: np.zeros((0, SHA256_RECORD), np.uint32))
    #: one row per MODMUL256 precompile call: a0, a1, 24 input words, 8 old result words
    modmul_calls: U32 = field(default_factory=lambda: np.zeros((0, MODMUL256_RECORD), np.uint32))
    #: one row per KECCAKF call: a0, the 50 state words before
    keccak_calls: U32 = field(default_factory=lambda: np.zeros((0, KECCAKF_RECORD), np.uint32))

    def __len__(self) -> int:
        return int(self.columns["clk"].size)

    def __getitem__(self, name: str) -> U32:
        return self.columns[name]


def assemble_trace(machine: object) -> Trace:
    """Build the columns from a halted traced :class:`~zkrv_prover.executor.machine.Machine`.

    Vectorized: Python loops run over distinct translated blocks and their instructions, never
    over rows.
    """
    from zkrv_prover.executor.machine import Machine

    assert isinstance(machine, Machine) and machine.trace and machine.halted
    m = machine
    cols, sha, mm, kk = assemble_columns(m, m.cycles, None)
    touched = cols["mem_addr"][cols["mem_op"] != MEM_NONE] & np.uint32(0xFFFFFFFC)
    acc = accel_accesses(cols, sha, mm, kk)
    touched = np.concatenate([touched, acc.words.astype(np.uint32)])
    fa = np.union1d(m.image.addresses, touched).astype(np.uint32)
    fv = m.words[fa >> 2].astype(np.uint32)
    assert m.exit_code is not None and m.journal_digest is not None
    return Trace(
        cols, m.image, fa, fv, m.input, bytes(m.journal), m.journal_digest, m.exit_code, sha, mm, kk
    )


def assemble_columns(
    machine: object, n: int, next_pc: int | None
) -> tuple[dict[str, U32], U32, U32, U32]:
    """The columns and the SHA256/COMMIT, MODMUL256 and KECCAKF call records of the ``n`` cycles a
    traced machine recorded since its records were last cleared (``Machine.clear_records``): the
    whole run, or one segment. The last row's ``next_pc`` is ``next_pc``, or its own pc when
    None (a HALT row)."""
    from zkrv_prover.executor.machine import Machine

    assert isinstance(machine, Machine) and machine.trace
    m = machine
    blocks = m.blocks
    seq = np.asarray(m.seq, dtype=np.int64)
    lens = np.array([b.length for b in blocks], dtype=np.int64)
    L = lens[seq]
    if int(L.sum()) != n:
        raise AssertionError(f"trace has {int(L.sum())} rows but the machine ran {n} cycles")
    starts = np.cumsum(L) - L
    block_of_row = np.repeat(np.arange(seq.size), L)
    offset = np.arange(n, dtype=np.int64) - starts[block_of_row]

    # Static columns: one entry per (block, instruction), gathered per row.
    base = np.cumsum(lens) - lens
    static_idx = base[seq][block_of_row] + offset
    instrs = [ins for b in blocks for ins in b.instrs]
    s_pc = np.array([b.pc + 4 * j for b in blocks for j in range(b.length)], dtype=np.uint32)
    s_insn = np.array([i.word for i in instrs], dtype=np.uint32)
    s_rs1 = np.array([i.rs1 if i.op in READS_RS1 else 0 for i in instrs], dtype=np.uint32)
    s_rs2 = np.array([i.rs2 if i.op in READS_RS2 else 0 for i in instrs], dtype=np.uint32)
    s_rd = np.array([i.rd if i.op in WRITES_RD else 0 for i in instrs], dtype=np.uint32)
    s_mem = np.array(
        [MEM_READ if i.op in LOADS else MEM_WRITE if i.op in STORES else 0 for i in instrs],
        dtype=np.uint32,
    )
    cols: dict[str, U32] = {"clk": np.arange(n, dtype=np.uint32)}
    cols["pc"] = s_pc[static_idx]
    cols["next_pc"] = np.empty(n, dtype=np.uint32)
    cols["next_pc"][:-1] = cols["pc"][1:]
    cols["next_pc"][-1:] = cols["pc"][-1:] if next_pc is None else next_pc
    cols["insn"] = s_insn[static_idx]
    cols["rs1"], cols["rs2"], cols["rd"] = s_rs1[static_idx], s_rs2[static_idx], s_rd[static_idx]
    cols["mem_op"] = s_mem[static_idx]
    for name in DYN_COLUMNS:
        cols[name] = np.zeros(n, dtype=np.uint32)

    # Dynamic columns: each block's record tuples, in execution order, scattered to its rows.
    order = np.argsort(seq, kind="stable")
    bounds = np.searchsorted(seq[order], np.arange(len(blocks) + 1))
    for b in blocks:
        execs = order[bounds[b.bid] : bounds[b.bid + 1]]
        if not execs.size or not b.n_slots:
            continue
        rec = np.frombuffer(m.records[b.bid], dtype=np.uint32).reshape(-1, b.n_slots)
        if rec.shape[0] != execs.size:
            raise AssertionError(f"block {b.bid}: {rec.shape[0]} records, {execs.size} runs")
        rows0 = starts[execs]
        for j, srcs in enumerate(b.sources):
            for name, (kind, v) in srcs.items():
                if kind == "s":
                    cols[name][rows0 + j] = rec[:, v]

    # ECALL rows: operands and effects come from the handler's records, in order.
    cols["ecall_id"] = np.zeros(n, dtype=np.uint32)
    erows = np.flatnonzero(cols["insn"] == ECALL_WORD)
    er = np.array(m.ecall_records, dtype=np.uint32).reshape(-1, 10)
    if er.shape[0] != erows.size:
        raise AssertionError(f"{erows.size} ECALL rows but {er.shape[0]} ECALL records")
    cols["ecall_id"][erows] = er[:, 0]
    cols["rs1"][erows], cols["rs2"][erows] = REG_A0, REG_A1
    for k, name in enumerate(
        ("rs1_val", "rs2_val", "rd", "rd_prev", "rd_val", "mem_op", "mem_addr", "mem_prev")
    ):
        cols[name][erows] = er[:, k + 1]
    cols["mem_val"][erows] = er[:, 9]

    sha = np.array(m.sha256_records, dtype=np.uint32).reshape(-1, SHA256_RECORD)
    if sha.shape[0] != int(np.count_nonzero(is_accel(er[:, 0]))):
        raise AssertionError("SHA256/COMMIT records do not match their ECALL rows")
    mm = np.array(m.modmul_records, dtype=np.uint32).reshape(-1, MODMUL256_RECORD)
    if mm.shape[0] != int(np.count_nonzero(er[:, 0] == ECALL_MODMUL256)):
        raise AssertionError("MODMUL256 records do not match their ECALL rows")
    kk = np.array(m.keccak_records, dtype=np.uint32).reshape(-1, KECCAKF_RECORD)
    if kk.shape[0] != int(np.count_nonzero(er[:, 0] == ECALL_KECCAKF)):
        raise AssertionError("KECCAKF records do not match their ECALL rows")
    return cols, sha, mm, kk


def is_accel(ecall_id: U32) -> npt.NDArray[np.bool_]:
    """Which ECALL ids are precompile calls with a ``sha256_calls`` record (SHA256, COMMIT)."""
    return (ecall_id == ECALL_SHA256) | (ecall_id == ECALL_COMMIT)


@dataclass(frozen=True)
class AccelAccesses:
    """The memory words precompile calls access, in one list: SHA256/COMMIT block reads, SHA256
    state writes, MODMUL256 input reads, MODMUL256 result writes, KECCAKF state rewrites (each
    group call by call; KECCAKF rewrites its state at ``T + 1``).
    ``key`` orders them with the rows' own accesses (``4 row`` for a row's load or store): reads
    at ``4 row + 1``, writes at ``4 row + 2``, as the circuit's timestamps ``T + 1``, ``T + 2``."""

    words: npt.NDArray[np.int64]
    key: npt.NDArray[np.int64]
    prev: U32
    is_read: npt.NDArray[np.bool_]


def accel_accesses(cols: dict[str, U32], sha: U32, mm: U32, kk: U32) -> AccelAccesses:
    """The precompile memory accesses of a trace's ``cols`` with its call records ``sha``
    (``sha256_calls``), ``mm`` (``modmul_calls``) and ``kk`` (``keccak_calls``); ``prev`` is each
    word's value before."""
    ecall = cols["insn"] == ECALL_WORD
    srows = np.flatnonzero(ecall & is_accel(cols["ecall_id"])).astype(np.int64)
    mrows = np.flatnonzero(ecall & (cols["ecall_id"] == ECALL_MODMUL256)).astype(np.int64)
    krows = np.flatnonzero(ecall & (cols["ecall_id"] == ECALL_KECCAKF)).astype(np.int64)
    sm = sha[:, SHA256_JOURNAL] == 0  # SHA256 (memory state), not COMMIT (journal registers)
    k8, k16, k24, k50 = (np.arange(k, dtype=np.int64) for k in (8, 16, 24, KECCAK_STATE_WORDS))
    words = [
        sha[:, 1:2] + 4 * k16,
        sha[sm, :1] + 4 * k8,
        mm[:, 1:2] + 4 * k24,
        mm[:, :1] + 4 * k8,
        kk[:, :1] + 4 * k50,
    ]
    keys = [
        np.repeat(4 * srows + 1, 16),
        np.repeat(4 * srows[sm] + 2, 8),
        np.repeat(4 * mrows + 1, 24),
        np.repeat(4 * mrows + 2, 8),
        np.repeat(4 * krows + 1, KECCAK_STATE_WORDS),
    ]
    prev = [sha[:, 10:26], sha[sm, 2:10], mm[:, 2:26], mm[:, 26:34], kk[:, 1:]]
    is_read = (True, False, True, False, False)
    return AccelAccesses(
        np.concatenate([w.astype(np.int64).ravel() for w in words]),
        np.concatenate(keys).astype(np.int64),
        np.concatenate([p.ravel() for p in prev]).astype(np.uint32),
        np.concatenate([np.full(p.size, r) for p, r in zip(prev, is_read, strict=True)]).astype(
            bool
        ),
    )


def modmul_results(mm: U32) -> U32:
    """The 8 result words each MODMUL256 call of ``mm`` (``modmul_calls`` rows) writes."""
    out = [modmul256(r[2:10].tolist(), r[10:18].tolist(), r[18:26].tolist()) for r in mm]
    return np.array(out, dtype=np.uint32).reshape(-1, 8)


def keccak_results(kk: U32) -> U32:
    """The 50 state words each KECCAKF call of ``kk`` (``keccak_calls`` rows) writes."""
    out = [keccak_f(r[1:].tolist()) for r in kk]
    return np.array(out, dtype=np.uint32).reshape(-1, KECCAK_STATE_WORDS)


def check_trace(t: Trace) -> None:
    """Check the trace's internal consistency; raise AssertionError naming the first problem.

    Checks, vectorized: row/clk/pc chaining, instruction words against the image, register
    reads equal the last write (or zero), x0 never holds a non-zero value, memory reads and
    ``mem_prev`` equal the last write of that word (or the image), final memory equals the last
    write, and every row obeys the ISA (:func:`~zkrv_prover.executor.semantics.check_semantics`).
    This is an independent oracle for the recorder, not a proof.
    """
    c = t.columns
    n = len(t)
    _req(np.array_equal(c["clk"], np.arange(n, dtype=np.uint32)), "clk is not 0..n-1")
    _req(np.array_equal(c["next_pc"][:-1], c["pc"][1:]), "next_pc does not chain to pc")
    _req(int(c["insn"][-1]) == ECALL_WORD and int(c["ecall_id"][-1]) == 0, "last row not HALT")
    img_idx = np.searchsorted(t.image.addresses, c["pc"])
    _req(bool(np.all(img_idx < t.image.addresses.size)), "pc outside the image")
    _req(np.array_equal(t.image.addresses[img_idx], c["pc"]), "pc outside the image")
    _req(np.array_equal(t.image.values[img_idx], c["insn"]), "insn differs from the image")

    # Registers: the value of r before row i is rd_val of the last row j < i with rd == r.
    rows = np.arange(n)
    ecall = c["insn"] == ECALL_WORD
    for r in range(32):
        wrote = c["rd"] == r
        if r == 0:
            _req(not np.any(c["rd_val"][wrote]), "x0 written with a non-zero value")
        last = np.maximum.accumulate(np.where(wrote, rows, -1))
        before = np.concatenate(([-1], last[:-1]))
        val = np.where(before >= 0, c["rd_val"][np.maximum(before, 0)], 0).astype(np.uint32)
        if r == 0:
            val[:] = 0
        for idx, vals in (("rs1", "rs1_val"), ("rs2", "rs2_val"), ("rd", "rd_prev")):
            sel = c[idx] == r
            _req(np.array_equal(c[vals][sel], val[sel]), f"{vals} of x{r} is not its last write")
        if r == REG_A7:
            _req(np.array_equal(c["ecall_id"][ecall], val[ecall]), "ecall_id is not a7")

    # Memory: order accesses by (word, row); each prev equals the previous val or the image.
    rows_acc = np.flatnonzero(c["mem_op"] != MEM_NONE)
    word = (c["mem_addr"][rows_acc] & np.uint32(0xFFFFFFFC)).astype(np.int64)
    acc = 4 * rows_acc  # order key: SHA256 calls read the block (+1), then write the state (+2)
    prev, val = c["mem_prev"][rows_acc], c["mem_val"][rows_acc]
    is_read = c["mem_op"][rows_acc] == MEM_READ
    srows = np.flatnonzero(ecall & is_accel(c["ecall_id"]))
    sha = t.sha256_calls
    _req(srows.size == sha.shape[0], "SHA256/COMMIT calls do not match their ECALL rows")
    _req(
        bool(np.all(sha[:, :2] == np.stack([c["rs1_val"][srows], c["rs2_val"][srows]], 1))),
        "SHA256/COMMIT pointers are not a0, a1",
    )
    jc = sha[:, SHA256_JOURNAL] == 1
    _req(np.array_equal(jc, c["ecall_id"][srows] == ECALL_COMMIT), "COMMIT flags are wrong")
    new = np.array(
        [sha256_compress(r[2:10].tolist(), r[10:26].astype("<u4").tobytes()) for r in sha],
        dtype=np.uint32,
    ).reshape(-1, 8)
    # the journal state: IV, then each COMMIT's output is the next one's input
    chain = np.concatenate([np.array([SHA256_IV], np.uint32), new[jc]])[: int(jc.sum())]
    _req(np.array_equal(sha[jc, 2:10], chain), "COMMIT states do not chain from the IV")
    _req(t.journal_digest == chain_digest(new[jc]), "journal digest != the last COMMIT state")
    mm = t.modmul_calls
    mrows = np.flatnonzero(ecall & (c["ecall_id"] == ECALL_MODMUL256))
    _req(mrows.size == mm.shape[0], "MODMUL256 calls do not match their ECALL rows")
    _req(
        bool(np.all(mm[:, :2] == np.stack([c["rs1_val"][mrows], c["rs2_val"][mrows]], 1))),
        "MODMUL256 pointers are not a0, a1",
    )
    kk = t.keccak_calls
    krows = np.flatnonzero(ecall & (c["ecall_id"] == ECALL_KECCAKF))
    _req(krows.size == kk.shape[0], "KECCAKF calls do not match their ECALL rows")
    _req(
        bool(np.all(kk[:, 0] == c["rs1_val"][krows])) and not c["rs2_val"][krows].any(),
        "KECCAKF pointers are not a0, and a1 = 0",
    )
    ax = accel_accesses(c, sha, mm, kk)
    written = np.concatenate(
        [new[~jc].ravel(), modmul_results(mm).ravel(), keccak_results(kk).ravel()]
    )
    ax_val = ax.prev.copy()
    ax_val[~ax.is_read] = written
    word = np.concatenate([word, ax.words]).astype(np.int64)
    acc = np.concatenate([acc, ax.key]).astype(np.int64)
    prev = np.concatenate([prev, ax.prev]).astype(np.uint32)
    val = np.concatenate([val, ax_val]).astype(np.uint32)
    is_read = np.concatenate([is_read, ax.is_read])
    o = np.lexsort((acc, word))
    acc, word, prev, val, is_read = acc[o], word[o], prev[o], val[o], is_read[o]
    first = np.ones(acc.size, dtype=bool)
    first[1:] = word[1:] != word[:-1]
    init_idx = np.searchsorted(t.image.addresses, word)
    init_idx_c = np.minimum(init_idx, max(t.image.addresses.size - 1, 0))
    has = (init_idx < t.image.addresses.size) & (
        t.image.addresses[init_idx_c].astype(np.int64) == word
    )
    init = np.where(has, t.image.values[init_idx_c], 0).astype(np.uint32)
    expect = np.where(first, init, np.concatenate(([0], val[:-1])).astype(np.uint32))
    _req(np.array_equal(prev, expect), "mem_prev is not the last value of that word")
    _req(np.array_equal(prev[is_read], val[is_read]), "a memory read changed memory")
    last = np.ones(acc.size, dtype=bool)
    last[:-1] = word[1:] != word[:-1]
    fidx = np.searchsorted(t.final_addresses, word[last])
    _req(np.array_equal(t.final_values[fidx], val[last]), "final memory != last write")
    check_semantics(c)


def chain_digest(states: U32) -> bytes:
    """The journal digest after COMMIT output ``states`` (k, 8): the last one's big-endian
    bytes, or the SHA-256 initial value's without any."""
    return state_digest(states[-1] if states.shape[0] else SHA256_IV)


def _req(ok: bool, what: str) -> None:
    if not ok:
        raise AssertionError(f"trace check failed: {what}")
