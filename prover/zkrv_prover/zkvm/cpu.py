"""The CPU table: one row per cycle (then padding), RV32IM control flow, registers and memory.

Row i is the instruction retired in cycle ``clk = i``. The row copies its instruction's decoded
fields (:data:`zkrv_prover.zkvm.program.FIELDS`) and proves them by looking the full tuple up on
``BUS_PROGRAM``; the rest are witness columns (:data:`WITNESS`). Accesses, at timestamps
``4 clk + 1 + slot``: slot 0 reads rs1, slot 1 reads rs2, slot 2 is the memory access, slot 3
writes rd (a read-modify-write on ``BUS_MEMORY``). Arithmetic goes to ``BUS_ALU``; sign bits
and small range checks to ``BUS_BYTE``; timestamp gaps to ``BUS_RANGE16`` + ``BUS_BYTE``.

Padding rows execute the program table's pad row (pc 0, no effects, next pc 0); the HALT ECALL
jumps to it, so after the one HALT (``BUS_HALT`` is received exactly once) only padding follows.
Every constraint and soundness argument is written up in ``docs/zkvm.md``.
"""

from __future__ import annotations

from zkrv_prover.executor.abi import RAM_END
from zkrv_prover.stark.air.air import Air, AirBuilder, Expr
from zkrv_prover.zkvm.buses import (
    BUS_ACCEL,
    BUS_ALU,
    BUS_BYTE,
    BUS_ENTRY,
    BUS_HALT,
    BUS_PROGRAM,
    BUS_RANGE16,
    ByteOp,
)
from zkrv_prover.zkvm.memory import (
    KIND_REG,
    PUB_EXIT,
    PUB_POST_EOF,
    PUB_POST_PC,
    PUB_PRE_EOF,
    PUB_PRE_PC,
    PUB_SEG_FIRST,
    mem_access,
    ts_check,
)
from zkrv_prover.zkvm.program import FIELDS

#: Witness columns (after the copied program fields). r1/r2: rs1/rs2 values; rdp/rn: rd before
#: and after; alu: the ALU result; mp/mn: the memory word before/after; mem_wr: the word's
#: writability (1 for stores); s0..s3: one-hot byte offset of the ALU result (address); q: the
#: ALU result's low byte >> 2; cond/inv/taken: branch condition, inverse witness, branch taken;
#: lbv/hbv: the addressed byte / next byte of the loaded word; sign: load sign bit; rc0..rc3:
#: READ's byte count in unary (rc_j = [count > j]); e_*: ECALL kind; pinv: LOG's inverse of a0's
#: two high bytes' sum (a0 >= RAM_START); eof: end of input reached (a short READ happened in an
#: earlier row); pts_*/lo_*/hi_*: previous timestamps and gap limbs per slot. LOG rows reuse
#: cond/inv (cond = [a1 == 0]) and mn (the bytes of RAM_END - a0 - a1).
WITNESS: tuple[str, ...] = (
    "clk",
    *(f"r1_{j}" for j in range(4)),
    *(f"r2_{j}" for j in range(4)),
    *(f"rdp_{j}" for j in range(4)),
    *(f"rn_{j}" for j in range(4)),
    *(f"alu_{j}" for j in range(4)),
    *(f"mp_{j}" for j in range(4)),
    *(f"mn_{j}" for j in range(4)),
    "mem_wr",
    "s0",
    "s1",
    "s2",
    "s3",
    "q",
    "cond",
    "inv",
    "taken",
    "lbv",
    "hbv",
    "sign",
    "rc0",
    "rc1",
    "rc2",
    "rc3",
    "e_halt",
    "e_read",
    "e_commit",
    "e_log",
    "e_sha",
    "e_mm",
    "e_kk",
    "pinv",
    "eof",
    *(f"pts_{s}" for s in ("rs1", "rs2", "mem", "rd")),
    *(f"lo_{s}" for s in ("rs1", "rs2", "mem", "rd")),
    *(f"hi_{s}" for s in ("rs1", "rs2", "mem", "rd")),
)
COLUMNS: tuple[str, ...] = FIELDS + WITNESS
C = {name: i for i, name in enumerate(COLUMNS)}
CPU_WIDTH = len(COLUMNS)

#: ECALL numbers as the CPU decodes them from a7 (must match the executor's ABI).
ECALL_HALT, ECALL_READ, ECALL_COMMIT, ECALL_LOG, ECALL_SHA256 = 0, 1, 2, 3, 4
ECALL_KECCAKF, ECALL_MODMUL256 = 5, 6
#: Register the LOG and precompile rows read in their rd slot (a1: a pointer) and the one READ
#: writes (a0: the byte count).
A1_REG, READ_DST_REG = 11, 10


class CpuAir(Air):
    """The RV32IM CPU (see the module docstring).

    ``segmented``: a segment of a longer execution (``docs/segments.md``): the first row runs
    at ``pre_pc`` with ``eof = pre_eof`` (the entry is looked up only in the first segment), and
    the last row's next pc and next eof are ``post_pc`` and ``post_eof``."""

    name = "cpu"
    main_width = CPU_WIDTH

    def __init__(self, segmented: bool = False) -> None:
        self.segmented = segmented

    def eval(self, b: AirBuilder) -> None:
        cl, cn = b.main_local, b.main_next

        def v(name: str) -> Expr:
            return cl[C[name]]

        def vs(prefix: str) -> list[Expr]:
            return [cl[C[f"{prefix}{j}"]] for j in range(4)]

        r1, r2, rdp, rn = vs("r1_"), vs("r2_"), vs("rdp_"), vs("rn_")
        alu, mp, mn = vs("alu_"), vs("mp_"), vs("mn_")
        pb, lk, ib = vs("pb"), vs("lk"), vs("ib")
        s = [v("s0"), v("s1"), v("s2"), v("s3")]
        pc, imm, clk = v("pc"), v("imm"), v("clk")
        ld_b, ld_h, ld_w = v("ld_b"), v("ld_h"), v("ld_w")
        st_b, st_h, st_w = v("st_b"), v("st_h"), v("st_w")
        e_halt, e_read, e_commit, e_log = v("e_halt"), v("e_read"), v("e_commit"), v("e_log")
        e_sha, e_mm, e_kk = v("e_sha"), v("e_mm"), v("e_kk")
        f_branch, f_beq, f_neg = v("f_branch"), v("f_beq"), v("f_neg")
        f_jal, f_jalr, f_pad, f_ecall = v("f_jal"), v("f_jalr"), v("f_pad"), v("f_ecall")
        f_alu, f_imm, f_auipc = v("f_alu"), v("f_imm"), v("f_auipc")
        cond, inv, taken, sign = v("cond"), v("inv"), v("taken"), v("sign")
        lbv, hbv, q, mem_wr = v("lbv"), v("hbv"), v("q"), v("mem_wr")
        rc = [v(f"rc{j}") for j in range(4)]
        rcount = rc[0] + rc[1] + rc[2] + rc[3]
        ebuf = e_log  # LOG: a buffer (a0, a1) the executor bounds-checks
        accel = e_commit + e_sha + e_mm + e_kk  # precompile calls (docs/zkvm-accel.md)
        keep_rd = ebuf + accel  # rd slot reads a1 without changing it

        loads = ld_b + ld_h + ld_w
        stores = st_b + st_h + st_w
        mem_en = loads + stores + e_read
        dec_en = mem_en + f_jalr
        rd_en = v("f_rd") + e_read + keep_rd
        rd_addr = v("rd") + READ_DST_REG * e_read + A1_REG * keep_rd
        ts = 4 * clk + 1

        # -- clock, program, entry -------------------------------------------------------
        b.when_first_row().assert_zero(clk, "clk_first")
        b.when_transition().assert_eq(cn[C["clk"]], clk + 1, "clk_step")
        b.send(BUS_PROGRAM, cl[: len(FIELDS)])
        if self.segmented:
            b.send(BUS_ENTRY, [pc], b.is_first * b.public[PUB_SEG_FIRST])
            b.when_first_row().assert_eq(pc, b.public[PUB_PRE_PC], "pre_pc")
        else:
            b.send(BUS_ENTRY, [pc], b.is_first)

        # -- booleans --------------------------------------------------------------------
        for nm in ("mem_wr", "s0", "s1", "s2", "s3", "cond", "e_halt", "e_read", "e_commit"):
            b.assert_bool(v(nm), f"{nm}_bool")
        b.assert_bool(e_log, "e_log_bool")
        b.assert_bool(e_sha, "e_sha_bool")
        b.assert_bool(e_mm, "e_mm_bool")
        b.assert_bool(e_kk, "e_kk_bool")
        for j in range(4):
            b.assert_bool(rc[j], f"rc{j}_bool")

        # -- register reads and the rd read-modify-write --------------------------------
        for j in range(4):
            b.assert_zero((1 - v("f_rs1")) * r1[j], f"r1_off{j}")
            b.assert_zero((1 - v("f_rs2")) * r2[j], f"r2_off{j}")
            b.assert_zero((1 - rd_en) * rdp[j], f"rdp_off{j}")
        mem_access(b, v("rs1"), v("pts_rs1"), ts, r1, r1, KIND_REG, v("f_rs1"))
        mem_access(b, v("rs2"), v("pts_rs2"), ts + 1, r2, r2, KIND_REG, v("f_rs2"))
        mem_access(b, rd_addr, v("pts_rd"), ts + 3, rdp, rn, KIND_REG, rd_en)

        # -- ALU -------------------------------------------------------------------------
        alu_b = [(1 - f_auipc) * r1[j] + f_auipc * pb[j] for j in range(4)]
        alu_c = [(1 - f_imm) * r2[j] + f_imm * ib[j] for j in range(4)]
        b.send(BUS_ALU, [v("alu_op"), *alu, *alu_b, *alu_c], f_alu)
        for j in range(4):
            b.assert_zero((1 - f_alu) * alu[j], f"alu_off{j}")

        # -- address decomposition (loads, stores, READ, JALR target) -------------------
        b.assert_eq(s[0] + s[1] + s[2] + s[3], dec_en, "offset_onehot")
        b.assert_zero(dec_en * (alu[0] - 4 * q - s[1] - 2 * s[2] - 3 * s[3]), "offset_decomp")
        b.assert_zero((1 - dec_en - ebuf) * q, "q_off")
        b.assert_zero((ld_w + st_w + e_read) * (1 - s[0]), "word_aligned")
        b.assert_zero((ld_h + st_h) * (s[1] + s[3]), "half_aligned")
        b.assert_zero(f_jalr * (s[2] + s[3]), "jalr_aligned")
        word_addr = 4 * q + 256 * alu[1] + 65536 * alu[2] + 16777216 * alu[3]

        # -- memory access ---------------------------------------------------------------
        b.assert_zero((1 - mem_en) * mem_wr, "mem_wr_off")
        b.assert_zero((stores + e_read) * (1 - mem_wr), "store_writable")
        for j in range(4):
            b.assert_zero((1 - mem_en) * mp[j], f"mp_off{j}")
        sh = [s[0] * (r2[0] - mp[0]), s[0] * (r2[1] - mp[1])]
        sh += [s[2] * (r2[0] - mp[2]), s[2] * (r2[1] - mp[3])]
        for j in range(4):
            upd = st_w * (r2[j] - mp[j]) + st_h * sh[j] + st_b * s[j] * (r2[0] - mp[j])
            b.assert_zero((1 - e_read - ebuf) * (mn[j] - mp[j]) - upd, f"mem_new{j}")
        mem_access(b, word_addr, v("pts_mem"), ts + 2, mp, mn, mem_wr, mem_en)

        # -- loads -----------------------------------------------------------------------
        b.assert_eq(lbv, s[0] * mp[0] + s[1] * mp[1] + s[2] * mp[2] + s[3] * mp[3], "lbv")
        b.assert_eq(hbv, s[0] * mp[1] + s[1] * mp[2] + s[2] * mp[3], "hbv")
        b.assert_zero((1 - v("sx_b") - v("sx_h")) * sign, "sign_off")
        b.send(BUS_BYTE, [int(ByteOp.MSB), lbv, 0, sign], v("sx_b"))
        b.send(BUS_BYTE, [int(ByteOp.MSB), hbv, 0, sign], v("sx_h"))
        ext = 255 * sign
        load = [
            loads * lbv,
            ld_b * ext + (ld_h + ld_w) * hbv,
            (ld_b + ld_h) * ext + ld_w * mp[2],
            (ld_b + ld_h) * ext + ld_w * mp[3],
        ]

        # -- rd value ----------------------------------------------------------------------
        for j in range(4):
            val = v("r_alu") * alu[j] + v("r_imm") * ib[j] + v("r_link") * lk[j] + load[j]
            val = val + keep_rd * rdp[j]
            if j == 0:
                val = val + e_read * rcount
            b.assert_eq(rn[j], val, f"rd_value{j}")

        # -- branches and jumps -------------------------------------------------------------
        total = alu[0] + alu[1] + alu[2] + alu[3]
        b.assert_zero((1 - f_branch - ebuf) * cond, "cond_off")
        # inv is the inverse of a nonzero byte sum (BEQ/BNE: the SUB result; LOG: a1),
        # else 0
        b.assert_zero((1 - (f_beq + ebuf) * (1 - cond)) * inv, "inv_off")
        b.assert_zero(f_beq * (total * inv - 1 + cond), "beq_nonzero")
        b.assert_zero(f_beq * total * cond, "beq_zero")
        b.assert_zero(f_branch * (1 - f_beq) * (cond - alu[0]), "blt_cond")
        b.assert_eq(taken, f_branch * (cond + f_neg - 2 * cond * f_neg), "taken")
        seq = 1 - f_jal - f_jalr - f_pad - e_halt
        next_pc = seq * (pc + 4) + taken * (imm - 4) + f_jal * (pc + imm) + f_jalr * word_addr
        b.when_transition().assert_eq(cn[C["pc"]], next_pc, "next_pc")
        if self.segmented:
            b.when_last_row().assert_eq(b.public[PUB_POST_PC], next_pc, "post_pc")

        # -- ECALLs ------------------------------------------------------------------------
        kinds = e_halt + e_read + e_commit + e_log + e_sha + e_mm + e_kk
        b.assert_eq(kinds, f_ecall, "ecall_kind")
        a7 = ECALL_READ * e_read + ECALL_COMMIT * e_commit + ECALL_LOG * e_log
        a7 = a7 + ECALL_SHA256 * e_sha + ECALL_KECCAKF * e_kk + ECALL_MODMUL256 * e_mm
        b.assert_zero(f_ecall * (r2[0] - a7), "ecall_a7")
        for j in range(1, 4):
            b.assert_zero(f_ecall * r2[j], f"ecall_a7_hi{j}")
        for j in range(4):
            b.assert_zero(e_halt * (r1[j] - b.public[PUB_EXIT + j]), f"exit_code{j}")
        b.send(BUS_HALT, [ts + 4], e_halt)
        # precompiles (docs/zkvm-accel.md): the call (a7 = r2_0, a0 = r1, a1 = rdp) goes to
        # the table that owns a7, which accesses memory and the journal registers at ts + 1
        # and ts + 2 (this row's own slots there are x0..x31)
        b.send(BUS_ACCEL, [r2[0], ts, *r1, *rdp], accel)
        # READ: count in unary, monotone (rc_j+1 <= rc_j), bytes at and past the count are 0
        for j in range(4):
            b.assert_zero((1 - e_read) * rc[j], f"rc{j}_off")
            b.assert_zero(e_read * (1 - rc[j]) * mn[j], f"read_pad{j}")
        for j in range(3):
            b.assert_zero(rc[j + 1] * (1 - rc[j]), f"rc{j}_monotone")
        # End of input is sticky: eof turns on after a short READ (count < 4) and stays on;
        # a READ at eof returns 0 bytes (the executor's input position never moves back).
        eof = v("eof")
        short = e_read * (1 - rc[3])
        if self.segmented:
            b.when_first_row().assert_eq(eof, b.public[PUB_PRE_EOF], "eof_first")
        else:
            b.when_first_row().assert_zero(eof, "eof_first")
        b.when_transition().assert_eq(cn[C["eof"]], eof + (1 - eof) * short, "eof_step")
        if self.segmented:
            b.when_last_row().assert_eq(b.public[PUB_POST_EOF], eof + (1 - eof) * short, "post_eof")
        b.assert_zero(e_read * eof * rc[0], "read_at_eof")
        # LOG (the executor traps unless a1 == 0 or RAM_START <= a0, a0 + a1 <= RAM_END):
        # cond = [a1 == 0] (byte sum, inverse witness); if a1 != 0: a0's bytes 2..3 are not both
        # zero (a0 >= 2^16 = RAM_START), d = RAM_END - a0 - a1 is mn as a word (mn bytes) and
        # q = 4 (a0_3 + a1_3 + mn3) is a byte, so a0 + a1 + d = RAM_END as integers (docs/zkvm.md).
        lsum = rdp[0] + rdp[1] + rdp[2] + rdp[3]
        b.assert_zero(ebuf * (lsum * inv - 1 + cond), "buf_len_nonzero")
        b.assert_zero(ebuf * lsum * cond, "buf_len_zero")
        pinv = v("pinv")
        b.assert_zero(ebuf * ((r1[2] + r1[3]) * pinv - 1 + cond), "buf_start")
        b.assert_zero((1 - ebuf * (1 - cond)) * pinv, "pinv_off")
        ptr, length, d = _word(r1), _word(rdp), _word(mn)
        b.assert_zero(ebuf * (d - (1 - cond) * (RAM_END - ptr - length)), "buf_end")
        top = 4 * (r1[3] + rdp[3] + mn[3])
        b.assert_zero(ebuf * (q - (1 - cond) * top), "buf_top")
        # READ's input bytes; LOG's d bytes
        b.send(BUS_BYTE, [int(ByteOp.RANGE), mn[0], mn[1], 0], e_read + ebuf)
        b.send(BUS_BYTE, [int(ByteOp.RANGE), mn[2], mn[3], 0], e_read + ebuf)

        # -- timestamps ----------------------------------------------------------------------
        slots = (("rs1", v("f_rs1"), 0), ("rs2", v("f_rs2"), 1), ("mem", mem_en, 2))
        for nm, en, off in (*slots, ("rd", rd_en, 3)):
            ts_check(b, ts + off, v(f"pts_{nm}"), v(f"lo_{nm}"), v(f"hi_{nm}"), en, nm)
            b.send(BUS_RANGE16, [v(f"lo_{nm}")])
        b.send(BUS_BYTE, [int(ByteOp.RANGE), v("hi_rs1"), v("hi_rs2"), 0])
        b.send(BUS_BYTE, [int(ByteOp.RANGE), v("hi_mem"), v("hi_rd"), 0])
        b.send(BUS_BYTE, [int(ByteOp.RANGE), q, 0, 0])


def _word(bs: list[Expr]) -> Expr:
    """Four little-endian bytes as one field element (the integer mod p)."""
    return bs[0] + 256 * bs[1] + 65536 * bs[2] + 16777216 * bs[3]
