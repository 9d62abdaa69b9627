"""The zkVM machine: its tables, and their traces generated from an executor :class:`Trace`.

Tables, in machine order: the core tables of this package (program, cpu, registers, image,
memory, halt), the ALU tables (:data:`zkrv_prover.zkvm.alu.ALU_TABLES`) and the byte table
(:class:`zkrv_prover.zkvm.bytes.ByteTable`). The receiving tables get their traces from what the
others send, evaluated on the senders' traces (:func:`bus_sends`, ``collect_lookups``), so no
table needs bookkeeping of who looks it up.

Everything is vectorized over rows; the only Python loops run over columns, slots and tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from zkrv_prover import progress
from zkrv_prover.executor.abi import (
    ECALL_COMMIT,
    ECALL_KECCAKF,
    ECALL_MODMUL256,
    ECALL_SHA256,
    JOURNAL_REG,
    RAM_END,
)
from zkrv_prover.executor.image import MemoryImage
from zkrv_prover.executor.trace import SHA256_JOURNAL, Trace, keccak_results, modmul_results
from zkrv_prover.stark.air import symbolic_eval as se
from zkrv_prover.stark.air.air import Air, Machine, TableLayout, compile_machine
from zkrv_prover.stark.commit.params import MAX_LOG_HEIGHT
from zkrv_prover.zkvm import cpu as cpu_mod
from zkrv_prover.zkvm.alu import ALU_TABLES, AluEvents, alu_result, alu_traces
from zkrv_prover.zkvm.buses import BUS_ALU, BUS_GLOBAL, bytes_to_word, word_to_bytes
from zkrv_prover.zkvm.bytes import ByteTable, collect_lookups
from zkrv_prover.zkvm.cpu import A1_REG, CPU_WIDTH, READ_DST_REG, C, CpuAir
from zkrv_prover.zkvm.keccak_f import ACCESS_TS as KECCAK_TS
from zkrv_prover.zkvm.keccak_f import LANES as KECCAK_LANES
from zkrv_prover.zkvm.keccak_f import ROWS_PER_CALL as KECCAK_ROWS
from zkrv_prover.zkvm.keccak_f import KeccakFAir, KeccakRcAir, keccak_f_trace, rc_trace
from zkrv_prover.zkvm.memory import (
    FIXED_HEIGHT,
    H_HI,
    H_LO,
    H_PTS,
    H_TS,
    HALT_WIDTH,
    M_F,
    M_FTS,
    M_IMG,
    M_LIMBS,
    M_OPEN,
    M_PSEG,
    M_SD,
    M_V,
    M_VALID,
    M_W,
    M_WR,
    MEMORY_WIDTH,
    MEMORY_WIDTH_SEGMENTED,
    NUM_MACHINE_REGS,
    NUM_PUBLIC,
    NUM_PUBLIC_SEGMENTED,
    PUB_DIGEST,
    PUB_EXIT,
    W_HI,
    W_LO,
    HaltAir,
    ImageAir,
    MemoryAir,
    RegisterAir,
    image_table,
    initial_registers,
)
from zkrv_prover.zkvm.modmul256 import (
    IN_TS,
    IN_WORDS,
    OUT_TS,
    OUT_WORDS,
    ModMul256Air,
    modmul_trace,
)
from zkrv_prover.zkvm.program import FIELDS, F, ProgramAir, lookup_rows, program_table
from zkrv_prover.zkvm.segments import SegmentBoundary
from zkrv_prover.zkvm.sha256 import (
    BLOCK_TS,
    ROWS_PER_CALL,
    STATE_TS,
    Sha256Air,
    Sha256KAir,
    compress_calls,
    k_trace,
    sha256_trace,
)

U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]

#: Most CPU rows (cycles, HALT included, rounded up to a power of two) in one proof. Timestamps
#: reach 4 * rows + 1 and every timestamp gap is proven < 2^24 (docs/zkvm.md). Below the STARK
#: verifier's cap ``params.MAX_LOG_HEIGHT`` (tested).
LOG_MAX_CYCLES = 21
MAX_CYCLES = 1 << LOG_MAX_CYCLES
CORE_TABLES = (
    "program",
    "cpu",
    "registers",
    "image",
    "memory",
    "halt",
    "sha256",
    "sha256_k",
    "modmul256",
    "keccak_f",
    "keccak_rc",
)
#: Largest log2 height of every other table whose height the prover chooses (memory, ALU): the
#: STARK verifier's cap. With these caps the total number of lookups stays far below p (LogUp
#: soundness, docs/zkvm.md).
LOG_MAX_TABLE = MAX_LOG_HEIGHT
#: Most SHA256 precompile calls in one proof: the sha256 table (64 rows per call) is capped at
#: 2^LOG_MAX_TABLE rows like every prover-sized table (LogUp multiplicities, docs/zkvm-accel.md).
MAX_SHA256_CALLS = (1 << LOG_MAX_TABLE) // ROWS_PER_CALL
#: Largest log2 height of the modmul256 table (one row per call). Lower than the other tables'
#: cap: the table is ~500 columns wide and its LogUp helpers ~400 more, and the batching term of
#: the proven security figure grows with width times height (``soundness.py``).
LOG_MAX_MODMUL256 = 16
#: Most MODMUL256 precompile calls in one proof.
MAX_MODMUL256_CALLS = 1 << LOG_MAX_MODMUL256
#: Largest log2 height of the keccak_f table (48 rows per call); capped below the other tables
#: for the same reason as modmul256: about 1,300 columns and 70 interactions per row.
LOG_MAX_KECCAK = 18
#: Most KECCAKF precompile calls in one proof.
MAX_KECCAK_CALLS = (1 << LOG_MAX_KECCAK) // KECCAK_ROWS


def height_caps(layouts: Sequence[TableLayout]) -> list[int]:
    """Largest allowed log2 height per table: the preprocessed height for fixed tables,
    :data:`LOG_MAX_CYCLES` for the CPU, :data:`LOG_MAX_TABLE` for the rest."""
    caps = []
    for lay in layouts:
        if lay.preprocessed is not None:
            caps.append(lay.preprocessed.shape[0].bit_length() - 1)
        elif lay.air.name == "cpu":
            caps.append(LOG_MAX_CYCLES)
        elif lay.air.name == "modmul256":
            caps.append(LOG_MAX_MODMUL256)
        elif lay.air.name == "keccak_f":
            caps.append(LOG_MAX_KECCAK)
        else:
            caps.append(LOG_MAX_TABLE)
    return caps


def check_heights(layouts: Sequence[TableLayout], log_heights: Sequence[int]) -> None:
    """Raise ``ValueError`` if a table is taller than :func:`height_caps` allows (the verifier
    calls this: timestamps and LogUp multiplicities are only sound below those heights)."""
    for lay, lh, cap in zip(layouts, log_heights, height_caps(layouts), strict=True):
        if lh > cap:
            raise ValueError(f"table {lay.air.name!r}: 2^{lh} rows exceeds the maximum 2^{cap}")


class CycleBoundError(ValueError):
    """The execution is longer than one proof may be."""


@dataclass(frozen=True)
class ProgramTables:
    """The preprocessed data fixed by an image (what the image ID binds)."""

    image: MemoryImage
    program: U32
    image_words: U32

    @classmethod
    def from_image(cls, image: MemoryImage) -> ProgramTables:
        return cls(image, program_table(image), image_table(image))


def core_airs(tables: ProgramTables, segmented: bool = False) -> list[Air]:
    """The core tables, in :data:`CORE_TABLES` order (``segmented``: docs/segments.md)."""
    return [
        ProgramAir(tables.program, segmented),
        CpuAir(segmented),
        RegisterAir(segmented),
        ImageAir(tables.image_words, segmented),
        MemoryAir(segmented),
        HaltAir(segmented),
        Sha256Air(),
        Sha256KAir(),
        ModMul256Air(),
        KeccakFAir(),
        KeccakRcAir(),
    ]


def build_machine(tables: ProgramTables, segmented: bool = False) -> Machine:
    """The machine: core tables, ALU tables, byte table; :data:`NUM_PUBLIC` public values.

    ``segmented=True`` gives the machine that proves one segment of a longer execution
    (``docs/segments.md``): :data:`NUM_PUBLIC_SEGMENTED` public values and the ``BUS_GLOBAL``
    boundary: ``BUS_GLOBAL`` is a global bus of the STARK layer, so the memory and register
    tables are boundary tables (committed in the boundary round, ``docs/stark.md``).
    ``segmented=False`` is exactly the one-proof machine (image IDs, keys, receipts)."""
    airs = [*core_airs(tables, segmented), *ALU_TABLES, ByteTable()]
    if segmented:
        return Machine(
            airs,
            num_public_values=NUM_PUBLIC_SEGMENTED,
            name="zkrv-rv32im-segment",
            global_buses=frozenset({BUS_GLOBAL}),
        )
    return Machine(airs, num_public_values=NUM_PUBLIC, name="zkrv-rv32im")


#: Smallest height of the tables whose height the prover picks (CPU, memory, ALU). Why: with zk a
#: table of n < 2^12 rows is committed at a padded height N >= n + (2 queries + 8) and its
#: quotient has (d N - n) / n chunks of n rows (d: constraint degree), so a 2-row table of degree
#: 2 costs 127 quotient chunks per query opening; from 2^6 rows on it is 2 d - 1 (docs/zkvm.md,
#: proof size).
MIN_TABLE_HEIGHT = 1 << 6


def _pow2(n: int) -> int:
    """Padded height of a prover-sized table of n rows."""
    return max(MIN_TABLE_HEIGHT, 1 << max(0, (n - 1).bit_length()))


def public_values(journal_digest: bytes, exit_code: int) -> list[int]:
    """The 36 public values: digest bytes then exit-code bytes (little-endian)."""
    if len(journal_digest) != 32 or not 0 <= exit_code < 1 << 32:
        raise ValueError("bad journal digest or exit code")
    return list(journal_digest) + list(exit_code.to_bytes(4, "little"))


@dataclass
class CoreTraces:
    """Core table traces (by name) and the public values."""

    traces: dict[str, U32]
    public: list[int]


def check_cycles(cycles: int) -> None:
    """Raise :class:`CycleBoundError` if ``cycles`` exceeds :data:`MAX_CYCLES`."""
    if cycles > MAX_CYCLES:
        raise CycleBoundError(
            f"execution ran {cycles} cycles; one proof holds at most {MAX_CYCLES} (2^"
            f"{LOG_MAX_CYCLES}) cycles"
        )


def core_traces(
    tables: ProgramTables, t: Trace, boundary: SegmentBoundary | None = None
) -> CoreTraces:
    """Traces of the core tables for the executor trace ``t`` (which must halt), or, with a
    ``boundary``, of the segmented machine for one segment's trace ``t`` (``docs/segments.md``:
    it halts only if it is the last; a non-final segment fills its CPU table exactly)."""
    n = len(t)
    check_cycles(n)
    h = _pow2(n)
    has_halt = boundary is None or boundary.last
    if not has_halt and h != n:
        raise ValueError(f"a non-final segment must have 2^k >= {MIN_TABLE_HEIGHT} cycles, not {n}")
    pt = tables.program
    cpu = np.zeros((h, CPU_WIDTH), dtype=np.uint32)
    prow = np.zeros(h, dtype=np.int64)
    prow[:n] = lookup_rows(pt, t["pc"])  # pad rows stay on program row 0 (the pad row)
    nf = len(FIELDS)
    cpu[:, :nf] = pt[prow, :nf]
    fl = {name: cpu[:, C[name]].astype(bool) for name in FIELDS if name.startswith(("f_", "r_"))}
    for name in ("ld_b", "ld_h", "ld_w", "st_b", "st_h", "st_w", "sx_b", "sx_h"):
        fl[name] = cpu[:, C[name]].astype(bool)
    cpu[:, C["clk"]] = np.arange(h, dtype=np.uint32)

    def col(name: str) -> U32:
        out = np.zeros(h, dtype=np.uint32)
        out[:n] = t[name]
        return out

    def put_bytes(prefix: str, words: U32) -> None:
        cpu[:, [C[f"{prefix}{j}"] for j in range(4)]] = word_to_bytes(words)

    ecall = fl["f_ecall"]
    eid = col("ecall_id")
    e_halt, e_read = ecall & (eid == 0), ecall & (eid == 1)
    ebuf = ecall & (eid == 3)  # LOG
    e_sha = ecall & (eid == ECALL_SHA256)
    e_accel = e_sha | (ecall & (eid == ECALL_COMMIT))  # sha256 table calls (SHA256, COMMIT)
    e_mm = ecall & (eid == ECALL_MODMUL256)
    e_kk = ecall & (eid == ECALL_KECCAKF)
    keep_rd = ebuf | e_accel | e_mm | e_kk  # rows whose rd slot reads a1 unchanged
    cpu[:, C["e_halt"]], cpu[:, C["e_read"]] = e_halt, e_read
    cpu[:, C["e_commit"]], cpu[:, C["e_log"]] = ecall & (eid == 2), ecall & (eid == 3)
    cpu[:, C["e_sha"]], cpu[:, C["e_mm"]], cpu[:, C["e_kk"]] = e_sha, e_mm, e_kk
    r1 = np.where(fl["f_rs1"], col("rs1_val"), 0).astype(np.uint32)
    r2 = np.where(ecall, eid, np.where(fl["f_rs2"], col("rs2_val"), 0)).astype(np.uint32)
    put_bytes("r1_", r1)
    put_bytes("r2_", r2)
    # ALU result: b = pc (AUIPC) or rs1, c = imm or rs2
    pc = cpu[:, C["pc"]]
    imm32 = (cpu[:, C["ib0"]] | cpu[:, C["ib1"]] << 8 | cpu[:, C["ib2"]] << 16).astype(np.uint32)
    imm32 |= (cpu[:, C["ib3"]].astype(np.uint32) << 24).astype(np.uint32)
    alu_b = np.where(fl["f_auipc"], pc, r1).astype(np.uint32)
    alu_c = np.where(fl["f_imm"], imm32, r2).astype(np.uint32)
    alu = np.zeros(h, dtype=np.uint32)
    f_alu = fl["f_alu"]
    alu[f_alu] = alu_result(cpu[f_alu, C["alu_op"]], alu_b[f_alu], alu_c[f_alu])
    put_bytes("alu_", alu)
    # address decomposition
    loads = fl["ld_b"] | fl["ld_h"] | fl["ld_w"]
    stores = fl["st_b"] | fl["st_h"] | fl["st_w"]
    mem_en = loads | stores | e_read
    dec_en = mem_en | fl["f_jalr"]
    low = (alu & 3).astype(np.int64)
    for k in range(4):
        cpu[:, C[f"s{k}"]] = dec_en & (low == k)
    cpu[:, C["q"]] = np.where(dec_en, (alu & 0xFF) >> 2, 0)
    word_addr = (alu & np.uint32(0xFFFFFFFC)).astype(np.uint32)
    # memory word before/after and writability
    mp = np.where(mem_en, col("mem_prev"), 0).astype(np.uint32)
    mn = np.where(mem_en, col("mem_val"), 0).astype(np.uint32)
    put_bytes("mp_", mp)
    put_bytes("mn_", mn)
    img_w, _, img_wr = _image_cols(tables.image_words)
    cpu[:, C["mem_wr"]] = np.where(mem_en, _writable(img_w, img_wr, word_addr >> 2), 0)
    mpb = word_to_bytes(mp)
    sel = np.stack([cpu[:, C[f"s{k}"]] for k in range(4)], axis=1).astype(np.uint32)
    lbv = (sel * mpb).sum(axis=1).astype(np.uint32)
    hbv = (sel[:, :3] * mpb[:, 1:]).sum(axis=1).astype(np.uint32)
    cpu[:, C["lbv"]], cpu[:, C["hbv"]] = lbv, hbv
    sign = np.where(fl["sx_b"], lbv >> 7, np.where(fl["sx_h"], hbv >> 7, 0)).astype(np.uint32)
    cpu[:, C["sign"]] = sign
    # branches
    br, beq, neg = fl["f_branch"], fl["f_beq"], fl["f_neg"]
    total = word_to_bytes(alu).sum(axis=1).astype(np.uint64)
    cond = np.where(beq, total == 0, np.where(br, alu & 1, 0)).astype(np.uint32)
    cpu[:, C["cond"]] = cond
    inv = se.b_inv(total % se.P).astype(np.uint32)
    cpu[:, C["inv"]] = np.where(beq, inv, 0)
    cpu[:, C["taken"]] = br & (cond.astype(bool) ^ neg)
    # rd slot: READ writes a0, LOG/COMMIT/SHA256 read a1 (value unchanged)
    rcount = np.where(e_read, col("rd_val"), 0).astype(np.uint32)
    for j in range(4):
        cpu[:, C[f"rc{j}"]] = rcount > j
    short = e_read & (rcount < 4)
    cpu[1:, C["eof"]] = np.cumsum(short)[:-1] > 0  # a short READ happened in an earlier row
    if boundary is not None and boundary.pre_eof:  # ... or in an earlier segment
        cpu[:, C["eof"]] = 1
    rd_en = fl["f_rd"] | e_read | keep_rd
    rdp = np.where(keep_rd, col("rs2_val"), np.where(fl["f_rd"] | e_read, col("rd_prev"), 0))
    rdp = rdp.astype(np.uint32)
    put_bytes("rdp_", rdp)
    _buffer_columns(cpu, ebuf, r1, rdp)
    rn_b = _rd_value(cpu, fl, word_to_bytes(alu), mpb, lbv, hbv, sign, rcount, keep_rd, e_read)
    cpu[:, [C[f"rn_{j}"] for j in range(4)]] = rn_b
    rn = (rn_b[:, 0] | rn_b[:, 1] << 8 | rn_b[:, 2] << 16 | rn_b[:, 3] << 24).astype(np.uint32)
    wrote = fl["f_rd"] | e_read
    if not np.array_equal(rn[wrote], col("rd_val")[wrote]):
        bad = int(np.flatnonzero(rn[wrote] != col("rd_val")[wrote])[0])
        raise AssertionError(f"rd value mismatch on cycle {int(np.flatnonzero(wrote)[bad])}")
    rd_addr = cpu[:, C["rd"]].astype(np.int64) + READ_DST_REG * e_read + A1_REG * keep_rd

    # -- timestamps: every access (space, addr, ts, new value) sorted per address ----------
    clk = np.arange(h, dtype=np.int64)
    ts = 4 * clk + 1
    halt_rows = np.flatnonzero(e_halt)
    if halt_rows.size != int(has_halt):
        raise ValueError(
            "the trace must end with exactly one HALT"
            if has_halt
            else "a non-final segment must not HALT"
        )
    hrow = int(halt_rows[0]) if has_halt else 0
    nd = 8 if has_halt else 0  # the halt table's reads of the journal registers
    slot_spec = [
        ("rs1", fl["f_rs1"], 0, cpu[:, C["rs1"]].astype(np.int64), r1),
        ("rs2", fl["f_rs2"], 0, cpu[:, C["rs2"]].astype(np.int64), r2),
        ("mem", mem_en, 1, (word_addr >> 2).astype(np.int64), mn),
        ("rd", rd_en, 0, rd_addr, rn),
    ]
    spaces, addrs, tss, vals, owner = [], [], [], [], []
    for s_i, (_, en, space, addr, newv) in enumerate(slot_spec):
        rows = np.flatnonzero(en)
        spaces.append(np.full(rows.size, space, dtype=np.int64))
        addrs.append(addr[rows])
        tss.append(ts[rows] + s_i)
        vals.append(newv[rows].astype(np.uint32))
        owner.append(s_i * h + rows)
    halt_ts = 4 * hrow + 5
    digest = t.journal_digest if has_halt else b""
    spaces.append(np.zeros(nd, dtype=np.int64))
    addrs.append(JOURNAL_REG + np.arange(nd, dtype=np.int64))
    tss.append(np.full(nd, halt_ts, dtype=np.int64))
    vals.append(np.frombuffer(digest, dtype=">u4").astype(np.uint32))
    owner.append(4 * h + np.arange(nd, dtype=np.int64))
    # SHA256/COMMIT precompile calls: 16 block reads at T + 1, 8 state rewrites at T + 2 (in
    # memory for SHA256, the journal registers for COMMIT)
    calls = t.sha256_calls
    srows = _call_rows(e_accel, calls, MAX_SHA256_CALLS, "SHA256/COMMIT")
    n_sha = srows.size
    sha_ts = ts[srows]
    sha_new = compress_calls(calls)
    jc = calls[:, SHA256_JOURNAL:].astype(bool)
    sp_b = (calls[:, 1:2].astype(np.int64) >> 2) + np.arange(16)
    sp_s = np.where(jc, JOURNAL_REG, calls[:, 0:1].astype(np.int64) >> 2) + np.arange(8)
    spaces.append(np.concatenate([np.ones(16 * n_sha), np.repeat(~jc[:, 0], 8)]).astype(np.int64))
    addrs.append(np.concatenate([sp_b.ravel(), sp_s.ravel()]))
    tss.append(
        np.concatenate([np.repeat(sha_ts + BLOCK_TS, 16), np.repeat(sha_ts + STATE_TS, 8)]).astype(
            np.int64
        )
    )
    vals.append(np.concatenate([calls[:, 10:26].ravel(), sha_new.ravel()]).astype(np.uint32))
    o_sha = 4 * h + nd  # where each access block's previous timestamps land in pts_all
    owner.append(o_sha + np.arange(24 * n_sha, dtype=np.int64))
    # MODMUL256 calls: 24 input reads at T + 1, 8 result rewrites at T + 2
    mm = t.modmul_calls
    mrows = _call_rows(e_mm, mm, MAX_MODMUL256_CALLS, "MODMUL256")
    n_mm = mrows.size
    mm_ts = ts[mrows]
    mw_in = (mm[:, 1:2].astype(np.int64) >> 2) + np.arange(IN_WORDS)
    mw_out = (mm[:, 0:1].astype(np.int64) >> 2) + np.arange(OUT_WORDS)
    spaces.append(np.ones(32 * n_mm, dtype=np.int64))
    addrs.append(np.concatenate([mw_in.ravel(), mw_out.ravel()]))
    tss.append(
        np.concatenate([np.repeat(mm_ts + IN_TS, IN_WORDS), np.repeat(mm_ts + OUT_TS, OUT_WORDS)])
    )
    vals.append(np.concatenate([mm[:, 2:26].ravel(), modmul_results(mm).ravel()]))
    o_mm = o_sha + 24 * n_sha
    owner.append(o_mm + np.arange(32 * n_mm, dtype=np.int64))
    # KECCAKF calls: the 50 state words rewritten at T + 1
    kk = t.keccak_calls
    krows = _call_rows(e_kk, kk, MAX_KECCAK_CALLS, "KECCAKF")
    n_kk = krows.size
    kk_ts = ts[krows]
    nw = 2 * KECCAK_LANES
    spaces.append(np.ones(nw * n_kk, dtype=np.int64))
    addrs.append(((kk[:, 0:1].astype(np.int64) >> 2) + np.arange(nw)).ravel())
    tss.append(np.repeat(kk_ts + KECCAK_TS, nw))
    kk_new = keccak_results(kk)
    vals.append(kk_new.ravel())
    o_kk = o_mm + 32 * n_mm
    owner.append(o_kk + np.arange(nw * n_kk, dtype=np.int64))
    sp, ad, tt = np.concatenate(spaces), np.concatenate(addrs), np.concatenate(tss)
    vv, ow = np.concatenate(vals), np.concatenate(owner)
    order = np.lexsort((tt, ad, sp))
    sp, ad, tt, vv, ow = sp[order], ad[order], tt[order], vv[order], ow[order]
    same = np.zeros(sp.size, dtype=bool)
    same[1:] = (sp[1:] == sp[:-1]) & (ad[1:] == ad[:-1])
    prev_ts = np.where(same, np.concatenate(([0], tt[:-1])), 0)
    pts_all = np.zeros(o_kk + nw * n_kk, dtype=np.int64)
    pts_all[ow] = prev_ts
    for s_i, (nm, en, _, _, _) in enumerate(slot_spec):
        pts = pts_all[s_i * h : (s_i + 1) * h]
        d = np.where(en, ts + s_i - pts - 1, 0)
        cpu[:, C[f"pts_{nm}"]] = pts
        cpu[:, C[f"lo_{nm}"]] = d & 0xFFFF
        cpu[:, C[f"hi_{nm}"]] = d >> 16
    last = np.ones(sp.size, dtype=bool)
    last[:-1] = ~same[1:]
    fin_sp, fin_ad, fin_ts, fin_v = sp[last], ad[last], tt[last], vv[last]

    # -- boundary tables -------------------------------------------------------------------
    regs = np.zeros((FIXED_HEIGHT, 5 if boundary is None else 9), dtype=np.uint32)
    rsel = fin_sp == 0
    # untouched registers end as they began
    init = initial_registers() if boundary is None else boundary.registers.astype(np.uint32)
    regs[:NUM_MACHINE_REGS, 1:5] = word_to_bytes(init)
    if boundary is not None:
        regs[:NUM_MACHINE_REGS, 5:9] = word_to_bytes(init)
    regs[fin_ad[rsel], 0] = fin_ts[rsel]
    regs[fin_ad[rsel], 1:5] = word_to_bytes(fin_v[rsel].astype(np.uint32))
    if boundary is None:
        mem = _memory_trace(tables.image_words, fin_ad[~rsel], fin_ts[~rsel], fin_v[~rsel])
    else:
        mem = _segment_memory_trace(
            tables.image_words, boundary, fin_ad[~rsel], fin_ts[~rsel], fin_v[~rsel]
        )
    halt = np.zeros((FIXED_HEIGHT, HALT_WIDTH), dtype=np.uint32)
    hpts = pts_all[4 * h : o_sha]
    sha_pts = pts_all[o_sha:o_mm]
    mm_pts = pts_all[o_mm:o_kk]
    kk_pts = pts_all[o_kk:]
    height_calls = _pow2(n_sha * ROWS_PER_CALL) // ROWS_PER_CALL
    sha = sha256_trace(
        calls,
        sha_ts,
        sha_pts[: 16 * n_sha].reshape(n_sha, 16),
        _writable(img_w, img_wr, sp_b.ravel()).reshape(n_sha, 16),
        sha_pts[16 * n_sha :].reshape(n_sha, 8),
        height_calls,
    )
    mmt = modmul_trace(
        mm,
        mm_ts,
        mm_pts[: IN_WORDS * n_mm].reshape(n_mm, IN_WORDS),
        _writable(img_w, img_wr, mw_in.ravel()).reshape(n_mm, IN_WORDS),
        mm_pts[IN_WORDS * n_mm :].reshape(n_mm, OUT_WORDS),
        _pow2(n_mm),
    )
    kst = kk[:, 1:].astype(np.uint64).reshape(n_kk, KECCAK_LANES, 2)
    kkt = keccak_f_trace(
        kst[:, :, 0] | kst[:, :, 1] << np.uint64(32),
        _pow2(n_kk * KECCAK_ROWS),
        kk_ts,
        kk[:, 0],
        kk_pts.reshape(n_kk, nw),
    )
    hd = halt_ts - hpts - 1
    hr = slice(0, nd)  # the active rows
    halt[hr, H_TS] = halt_ts
    halt[hr, H_PTS] = hpts
    halt[hr, H_LO], halt[hr, H_HI] = hd & 0xFFFF, hd >> 16
    count = np.bincount(prow, minlength=pt.shape[0]).astype(np.uint32)
    traces = {
        "program": count[:, None],
        "cpu": cpu,
        "registers": regs,
        # segmented: the image is sent by the first segment only
        "image": tables.image_words[:, 6:7] * np.uint32(boundary is None or boundary.first),
        "memory": mem,
        "halt": halt,
        "sha256": sha,
        "sha256_k": k_trace(height_calls, n_sha),
        "modmul256": mmt,
        "keccak_f": kkt,
        "keccak_rc": rc_trace(kkt),
    }
    if boundary is None:
        return CoreTraces(traces, public_values(t.journal_digest, t.exit_code))
    return CoreTraces(traces, segment_public_values(boundary, t.journal_digest, t.exit_code))


def _call_rows(flags: npt.NDArray[np.bool_], records: U32, cap: int, what: str) -> I64:
    """The CPU rows of a precompile's calls (``flags``), checked against its executor records
    (one per call, in order) and its per-proof cap (:class:`CycleBoundError` beyond it)."""
    rows = np.flatnonzero(flags)
    if rows.size != records.shape[0]:
        raise ValueError(f"{what} calls do not match their ECALL rows")
    if rows.size > cap:
        raise CycleBoundError(
            f"execution made {rows.size} {what} precompile calls; one proof holds at most {cap}"
        )
    return rows


def segment_public_values(b: SegmentBoundary, journal_digest: bytes, exit_code: int) -> list[int]:
    """The segmented machine's :data:`NUM_PUBLIC_SEGMENTED` public values: the 36 of
    :func:`public_values` (zero unless ``b`` is the last segment), then ``seg, seg_first,
    seg_last, pre_pc, post_pc, pre_eof, post_eof``."""
    head = public_values(journal_digest, exit_code) if b.last else [0] * NUM_PUBLIC
    tail = [b.seg, int(b.first), int(b.last), b.pre_pc, b.post_pc, int(b.pre_eof)]
    return [*head, *tail, int(b.post_eof)]


def _image_cols(img: U32) -> tuple[I64, U32, U32]:
    valid = img[:, 6] == 1
    return img[valid, 0].astype(np.int64), img[valid, 1:5], img[valid, 5]


def _writable(img_w: I64, img_wr: U32, w: npt.NDArray[np.integer]) -> U32:
    """Writability of word indices ``w``: the image's flag, 1 for words outside the image."""
    w = np.asarray(w, dtype=np.int64)
    pos = np.searchsorted(img_w, w)
    pos_c = np.minimum(pos, max(img_w.size - 1, 0))
    hit = (pos < img_w.size) & (img_w[pos_c] == w) if img_w.size else np.zeros(w.shape, bool)
    return np.where(hit, img_wr[pos_c] if img_w.size else 1, 1).astype(np.uint32)


def _rd_value(
    cpu: U32,
    fl: dict[str, npt.NDArray[np.bool_]],
    alu_b: U32,
    mpb: U32,
    lbv: U32,
    hbv: U32,
    sign: U32,
    rcount: U32,
    keep_rd: npt.NDArray[np.bool_],
    e_read: npt.NDArray[np.bool_],
) -> U32:
    """rd's new bytes, exactly as the CPU's ``rd_value`` constraint defines them."""
    h = cpu.shape[0]
    ib = cpu[:, [C[f"ib{j}"] for j in range(4)]]
    lk = cpu[:, [C[f"lk{j}"] for j in range(4)]]
    rdp = cpu[:, [C[f"rdp_{j}"] for j in range(4)]]
    ext = 255 * sign
    ld_b, ld_h, ld_w = fl["ld_b"], fl["ld_h"], fl["ld_w"]
    load = np.zeros((h, 4), dtype=np.uint32)
    load[:, 0] = (ld_b | ld_h | ld_w) * lbv
    load[:, 1] = np.where(ld_b, ext, np.where(ld_h | ld_w, hbv, 0))
    for j in (2, 3):
        load[:, j] = np.where(ld_b | ld_h, ext, np.where(ld_w, mpb[:, j], 0))
    out = (
        fl["r_alu"][:, None] * alu_b
        + fl["r_imm"][:, None] * ib
        + fl["r_link"][:, None] * lk
        + load
        + keep_rd[:, None] * rdp
    )
    out[:, 0] += e_read * rcount
    return out.astype(np.uint32)


def _buffer_columns(cpu: U32, ebuf: npt.NDArray[np.bool_], a0: U32, a1: U32) -> None:
    """COMMIT/LOG rows' buffer check witnesses (``CpuAir``): cond = [a1 == 0] with inv, pinv =
    1 / (a0_2 + a0_3), mn = bytes of d = RAM_END - a0 - a1 (mod p, so that a malicious trace
    still meets ``buf_end`` and fails only the range checks), q = 4 (a0_3 + a1_3 + mn3)."""
    p = se.P_INT
    a0b, a1b = word_to_bytes(a0).astype(np.int64), word_to_bytes(a1).astype(np.int64)
    lsum = a1b.sum(axis=1)
    chk = ebuf & (lsum != 0)
    cpu[ebuf, C["cond"]] = lsum[ebuf] == 0
    cpu[ebuf, C["inv"]] = se.b_inv((lsum[ebuf] % p).astype(np.uint64)).astype(np.uint32)
    hi = (a0b[chk, 2] + a0b[chk, 3]).astype(np.uint64)
    cpu[chk, C["pinv"]] = se.b_inv(hi).astype(np.uint32)
    d = (RAM_END - a0[chk].astype(np.int64) - a1[chk].astype(np.int64)) % p
    db = word_to_bytes(d.astype(np.uint32))
    cpu[np.ix_(chk, [C[f"mn_{j}"] for j in range(4)])] = db
    top = 4 * (a0b[chk, 3] + a1b[chk, 3] + db[:, 3])
    cpu[chk, C["q"]] = top % p


def _memory_trace(img: U32, acc_w: I64, acc_ts: I64, acc_v: U32) -> U32:
    """The memory boundary table: image words and accessed words, sorted by word index."""
    img_w, img_v, img_wr = _image_cols(img)
    words = np.union1d(img_w, acc_w).astype(np.int64)
    k = words.size
    h = _pow2(k)
    mem = np.zeros((h, MEMORY_WIDTH), dtype=np.uint32)
    mem[:k, M_VALID] = 1
    mem[:k, M_W] = words
    ii = np.searchsorted(words, img_w)
    mem[ii, M_V : M_V + 4] = img_v
    mem[ii, M_IMG] = 1
    mem[:k, M_WR] = 1
    mem[ii, M_WR] = img_wr
    mem[:k, M_F : M_F + 4] = mem[:k, M_V : M_V + 4]  # untouched words end as they began
    ai = np.searchsorted(words, acc_w)
    mem[ai, M_FTS] = acc_ts
    mem[ai, M_F : M_F + 4] = word_to_bytes(acc_v.astype(np.uint32))
    _fill_range_limbs(mem, words)
    return mem


def _fill_range_limbs(mem: U32, words: I64) -> None:
    """The memory table's range-check limbs for its sorted ``words`` (one per valid row): the
    distances to both ends of RAM and the gap to the previous word, as 16-bit limb pairs.
    ValueError if a word lies outside RAM."""
    k = words.size
    if k and (words[0] < W_LO or words[-1] > W_HI):
        raise ValueError("a memory word lies outside RAM")
    d1, d2 = words - W_LO, W_HI - words
    gap = np.zeros(k, dtype=np.int64)
    gap[1:] = words[1:] - words[:-1] - 1
    for c0, d in ((M_LIMBS, d1), (M_LIMBS + 2, d2), (M_LIMBS + 4, gap)):
        mem[:k, c0] = d & 0xFFFF
        mem[:k, c0 + 1] = d >> 16


def _segment_memory_trace(img: U32, b: SegmentBoundary, acc_w: I64, acc_ts: I64, acc_v: U32) -> U32:
    """The segmented machine's memory table: one row per word of ``b`` (sorted), its start
    value, ``open``/``prev_seg`` from ``b``, its last local access (if any) as the final state.
    Image words carry ``img`` only where they open (the first segment); writability is the
    image's (1 outside it) on every row."""
    img_w, _, img_wr = _image_cols(img)
    words = b.words
    k = words.size
    if not np.isin(acc_w, words).all():
        raise ValueError("the segment accesses a word its boundary does not list")
    h = _pow2(k)
    mem = np.zeros((h, MEMORY_WIDTH_SEGMENTED), dtype=np.uint32)
    mem[:k, M_VALID] = 1
    mem[:k, M_W] = words
    mem[:k, M_V : M_V + 4] = word_to_bytes(b.init)
    mem[:k, M_IMG] = b.open & np.isin(words, img_w)
    mem[:k, M_WR] = _writable(img_w, img_wr, words)
    mem[:k, M_F : M_F + 4] = mem[:k, M_V : M_V + 4]  # untouched words end as they began
    ai = np.searchsorted(words, acc_w)
    mem[ai, M_FTS] = acc_ts
    mem[ai, M_F : M_F + 4] = word_to_bytes(acc_v.astype(np.uint32))
    mem[:k, M_OPEN] = b.open
    carried = ~b.open
    mem[:k, M_PSEG] = np.where(carried, b.prev_seg, 0)
    mem[:k, M_SD] = np.where(carried, b.seg - b.prev_seg - 1, 0)
    _fill_range_limbs(mem, words)
    return mem


# -- sends to the peripheral buses --------------------------------------------------------------
def bus_sends(
    layouts: Sequence[TableLayout],
    traces: Sequence[U32],
    public: Sequence[int],
    buses: Sequence[int],
) -> dict[int, tuple[U32, I64]]:
    """All tuples the given tables send (positive multiplicity) or receive (negative) on each of
    ``buses``, rows with multiplicity 0 dropped. Vectorized per interaction."""
    acc: dict[int, tuple[list[U32], list[I64]]] = {bus: ([], []) for bus in buses}
    for lay, tr in zip(layouts, traces, strict=True):
        # a segmented machine's BUS_GLOBAL interactions are the layout's global ones
        inters = [i for i in (*lay.interactions, *lay.global_interactions) if i.bus in acc]
        if not inters:
            continue
        leaf = se.RowLeaves(tr, lay.preprocessed, None, public, None, None)
        n = tr.shape[0]
        for inter in inters:
            vals = se.evaluate_numpy([*inter.values, inter.multiplicity], leaf, n)
            cols = np.stack([np.broadcast_to(x, (n,)) for x in vals[:-1]], axis=1)
            mult = np.broadcast_to(vals[-1], (n,)).astype(np.int64)
            mult = np.where(mult > se.P_INT // 2, mult - se.P_INT, mult)
            nz = mult != 0
            acc[inter.bus][0].append(cols[nz].astype(np.uint32))
            acc[inter.bus][1].append(mult[nz])
    out: dict[int, tuple[U32, I64]] = {}
    for bus, (cs, ms) in acc.items():
        if cs:
            width = cs[0].shape[1]
            out[bus] = (np.concatenate(cs).reshape(-1, width), np.concatenate(ms))
        else:
            out[bus] = (np.zeros((0, 0), dtype=np.uint32), np.zeros(0, dtype=np.int64))
    return out


@dataclass
class MachineWitness:
    """A machine, its compiled layouts, all traces in table order and the public values."""

    machine: Machine
    layouts: list[TableLayout]
    traces: list[U32]
    public: list[int]


def generate(
    tables: ProgramTables, t: Trace, layouts: list[TableLayout] | None = None
) -> MachineWitness:
    """All traces for the executor trace ``t``: core tables, then the ALU tables serving the
    core tables' ``BUS_ALU`` requests, then the byte table counting everyone's lookups."""
    machine = build_machine(tables)
    lays = compile_machine(machine) if layouts is None else layouts
    progress.stage("trace", len(CORE_TABLES) + len(ALU_TABLES) + 1)  # one unit per table
    core = core_traces(tables, t)
    progress.advance(len(CORE_TABLES))  # the core tables come out of one pass
    traces = [core.traces[name] for name in CORE_TABLES]
    return MachineWitness(machine, lays, complete_traces(lays, traces, core.public), core.public)


def generate_segment(
    tables: ProgramTables,
    t: Trace,
    boundary: SegmentBoundary,
    layouts: list[TableLayout] | None = None,
) -> MachineWitness:
    """All traces of the segmented machine (``build_machine(tables, segmented=True)``) for one
    segment: ``t`` is its executor trace (``executor.execute_segments``/``execute_segment``)
    and ``boundary`` its rows and links (``zkvm.segments.SegmentChain``). The traces satisfy
    every constraint and every bus but ``BUS_GLOBAL``, which balances over all segments."""
    machine = build_machine(tables, segmented=True)
    lays = compile_machine(machine) if layouts is None else layouts
    core = core_traces(tables, t, boundary)
    traces = [core.traces[name] for name in CORE_TABLES]
    return MachineWitness(machine, lays, complete_traces(lays, traces, core.public), core.public)


def complete_traces(
    layouts: Sequence[TableLayout], core: Sequence[U32], public: Sequence[int], strict: bool = True
) -> list[U32]:
    """``core`` traces followed by the ALU and byte tables' traces serving them. With ``strict``
    off, lookups that no table row can serve are dropped instead of raising (malicious-prover
    tests: the buses then do not balance)."""
    nc = len(CORE_TABLES)
    traces = list(core)
    vals, mult = bus_sends(layouts[:nc], traces, public, [BUS_ALU])[BUS_ALU]
    if (mult < 0).any():
        raise ValueError("a core table receives on BUS_ALU")
    vals = np.repeat(vals, mult, axis=0) if vals.size else np.zeros((0, 13), dtype=np.uint32)
    if not strict:  # drop operands that are not bytes (no ALU row can hold them)
        vals = vals[(vals[:, 5:13] < 256).all(axis=1)]
    events = AluEvents.of(vals[:, 0], bytes_to_word(vals[:, 5:9]), bytes_to_word(vals[:, 9:13]))
    alu = alu_traces(events, MIN_TABLE_HEIGHT)
    traces += [alu[a.name] for a in ALU_TABLES]
    traces.append(collect_lookups(layouts, [*traces, None], public, strict).trace())
    progress.advance()  # the byte table
    check_heights(layouts, [t.shape[0].bit_length() - 1 for t in traces])
    return traces


# re-exported for tests that poke at columns
CPU_COLUMNS = cpu_mod.COLUMNS
__all__ = ["CPU_COLUMNS", "MAX_CYCLES", "PUB_DIGEST", "PUB_EXIT", "F", "generate"]
