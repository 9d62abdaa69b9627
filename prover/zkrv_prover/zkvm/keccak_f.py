"""The Keccak-f[1600] table (#16, in progress): one permutation per 48-row block of ``keccak_f``,
two rows per round, the state's lanes bit-interleaved over the two rows.

Not yet part of the zkVM machine: the ECALL, the CPU's side and the memory reads and writes are
still to come (``docs/zkvm-accel.md``, "Keccak"). What this module proves is the permutation
itself: in each block, the 100 limbs on row 0 (the input) and on row 47 (the output) satisfy
``output = Keccak-f[1600](input)``. Its constants are the executor's (``executor/accel.py``); its
trace generator computes the permutation independently of the executor's, vectorized.

**Interleaving.** Row ``2 r + h`` of a block (``h = 0`` even, ``1`` odd) holds the bits ``2 k + h``
(``k = 0..31``) of round ``r``'s bit quantities. A 64-bit rotation moves bit ``z`` to
``z + s``; on the halves it is a rotation of each, swapping them when ``s`` is odd, so every bit
a round needs is on its two rows. All of a round's constraints sit on its even row (selector
``even``, from the fixed table) and read the odd row as the next row.

**A round** (FIPS 202, 3.2), with ``A`` the round's input lanes, as columns of both rows:

- ``c[x]``: bits of ``C[x]``; ``cp[x]``: bits of ``C'[x] = C[x] ^ C[x-1] ^ rot(C[x+1], 1)``;
- ``ap[x][y]``: bits of ``A'[x][y] = A[x][y] ^ C[x-1] ^ rot(C[x+1], 1)`` (after theta), with
  ``C'[x]`` the parity of ``A'[x][0..4]`` (``d (d - 2) (d - 4) = 0`` for ``d`` = the sum of the
  five bits minus ``C'``'s bit);
- the input limbs (even row): ``A[x][y] = A'[x][y] ^ C[x] ^ C'[x]``, as natural 16-bit limbs;
- the output limbs (odd row): chi over ``B = pi(rho(A'))`` (rho and pi are only a choice of
  bits), and iota on lane (0, 0), whose chi bits are columns ``chi00`` so that the XOR with the
  round constant stays degree 2. Round constants have bits only at ``2^m - 1`` (``m = 0..6``):
  those seven bits come from the fixed table as ``rc0..rc6``.

Given the input limbs, ``C`` is their parity (the parity of ``A' ^ C ^ C'`` over five lanes is
``C' ^ C ^ C' = C``), so ``C``, ``C'``, ``A'`` and the output are determined: the argument of
Plonky3's Keccak AIR, over two rows. Limbs are sums of 16 bits, so below 2^16.

**Rows and blocks.** ``idx`` runs ``0..47`` from the table's first row and restarts after
``last`` (idx 47); the fixed table ``keccak_rc`` (``BUS_KECCAK_RC (idx, even, first, last,
rc0..rc6)``) supplies the flags. The odd row of round ``r < 23`` hands its output limbs to the
even row of round ``r + 1``. Padding permutes the zero state (``active = 0``); the table's height
is a power of two, so its last block may stop after any round (both 48 and the height are even,
so a block always ends on an odd row). All-zero rows with ``on = 0`` are a switched-off table.

Constraints have degree 4 (the ``even`` selector on degree-3 XORs of three bits).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt

from zkrv_prover.executor.abi import ECALL_KECCAKF
from zkrv_prover.executor.accel import KECCAK_RC, KECCAK_RHO
from zkrv_prover.stark.air.air import Air, AirBuilder, Expr
from zkrv_prover.zkvm.bit_exprs import pack, xor
from zkrv_prover.zkvm.buses import (
    BUS_ACCEL,
    BUS_BYTE,
    BUS_KECCAK_IO,
    BUS_KECCAK_RC,
    BUS_RANGE16,
    ByteOp,
    word_to_bytes,
)
from zkrv_prover.zkvm.memory import KIND_RW, mem_access, ts_check

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

ROUNDS = 24
#: Rows per permutation: two per round.
ROWS_PER_CALL = 2 * ROUNDS
LANES = 25
#: Timestamp offset (from the ECALL row's ``T = 4 clk + 1``) of the state's read-modify-writes.
ACCESS_TS = 1
#: Bit positions ``2^m - 1`` where round constants can have set bits.
RC_BITS = tuple((1 << m) - 1 for m in range(7))

#: Columns of the fixed table ``keccak_rc`` (also the tuple of ``BUS_KECCAK_RC``).
RC_FIELDS = ("idx", "even", "first", "last", "io", *(f"rc{m}" for m in range(7)))
#: Height of the fixed table (a power of two; rows 48..63 are never looked up: ``idx`` cannot
#: pass 47, whose row has ``last = 1``).
RC_TABLE_ROWS = 64


def _lane(x: int, y: int) -> int:
    return x + 5 * y


#: The bit columns (one half of each 64-bit quantity per row).
_BIT_COLUMNS: tuple[str, ...] = (
    *(f"c{x}_{k}" for x in range(5) for k in range(32)),
    *(f"cp{x}_{k}" for x in range(5) for k in range(32)),
    *(f"ap{i}_{k}" for i in range(LANES) for k in range(32)),
    *(f"chi00_{k}" for k in range(32)),
)
#: The call and memory columns: the ECALL row's timestamp ``ts`` and a0's bytes (``p0 = a0_0 /
#: 4``), constant over a block; on its rows ``idx < 25`` (``io``) lane ``idx``'s two words at
#: ``a0 + 8 idx``: bytes before (``ob``) and after (``nb``), previous timestamps and gap limbs.
_IO_COLUMNS: tuple[str, ...] = (
    "ts",
    *(f"p{j}" for j in range(4)),
    *(f"ob{k}" for k in range(8)),
    *(f"nb{k}" for k in range(8)),
    *(f"{nm}{w}" for nm in ("pts", "lo", "hi") for w in range(2)),
)
COLUMNS: tuple[str, ...] = (
    "on",
    "active",
    *RC_FIELDS,
    *_BIT_COLUMNS,
    *(f"limb{i}_{j}" for i in range(LANES) for j in range(4)),
    *_IO_COLUMNS,
)
C = {name: i for i, name in enumerate(COLUMNS)}
WIDTH = len(COLUMNS)


def _pi_source(x: int, y: int) -> tuple[int, int]:
    """The lane ``(x', y')`` that pi moves to ``(x, y)``: ``(x, y) = (y', 2 x' + 3 y')``."""
    return (3 * (y - 3 * x)) % 5, x


@lru_cache(maxsize=1)
def rc_table() -> U32:
    """The fixed ``keccak_rc`` table (:data:`RC_TABLE_ROWS` rows, :data:`RC_FIELDS`)."""
    out = np.zeros((RC_TABLE_ROWS, len(RC_FIELDS)), dtype=np.uint32)
    for i in range(RC_TABLE_ROWS):
        out[i, 0] = i
        if i < ROWS_PER_CALL:
            out[i, 1] = 1 - i % 2
            out[i, 2] = int(i == 0)
            out[i, 3] = int(i == ROWS_PER_CALL - 1)
            out[i, 4] = int(i < LANES)
            for m, z in enumerate(RC_BITS):
                out[i, 5 + m] = (KECCAK_RC[i // 2] >> z) & 1
    out.flags.writeable = False
    return out


class KeccakFAir(Air):
    """Keccak-f[1600] permutations, 48 rows each (module docstring)."""

    name = "keccak_f"
    main_width = WIDTH
    static_layout = True

    def eval(self, b: AirBuilder) -> None:
        cl, cn = b.main_local, b.main_next

        def v(name: str) -> Expr:
            return cl[C[name]]

        def bit(prefix: str, z: int) -> Expr:
            """Bit ``z`` (0..63, natural order) of a 64-bit quantity: the even row's column
            for even ``z``, the odd (next) row's for odd ``z``."""
            z %= 64
            return (cl if z % 2 == 0 else cn)[C[f"{prefix}_{z // 2}"]]

        on, active, idx = v("on"), v("active"), v("idx")
        even, last = v("even"), v("last")
        nl = 1 - last
        ev = b.when(even)

        # -- switch, flags (fixed table), block constants --------------------------------------
        b.assert_bool(on, "on_bool")
        b.when_transition().assert_eq(cn[C["on"]], on, "on_const")
        b.assert_bool(active, "active_bool")
        b.assert_zero(active * (1 - on), "active_on")
        b.when_transition().assert_zero(nl * (cn[C["active"]] - active), "active_const")
        b.send(BUS_KECCAK_RC, [v(nm) for nm in RC_FIELDS], on)
        b.when_first_row().assert_zero(idx, "idx_first")
        b.when_transition().assert_zero(on * (cn[C["idx"]] - (idx + 1) * nl), "idx_step")

        self._call_and_memory(b)

        # -- bits --------------------------------------------------------------------------------
        for nm in _BIT_COLUMNS:
            b.assert_bool(v(nm), f"{nm}_bool")

        # -- theta: C' from C, and C' the parity of A' (even row, both halves) -------------------
        for x in range(5):
            for z in range(64):
                cx = bit(f"c{x}", z)
                ev.assert_eq(
                    bit(f"cp{x}", z),
                    xor(cx, bit(f"c{(x - 1) % 5}", z), bit(f"c{(x + 1) % 5}", z - 1)),
                    f"cp{x}_{z}",
                )
                d = sum((bit(f"ap{_lane(x, y)}", z) for y in range(1, 5)), bit(f"ap{x}", z))
                d = d - bit(f"cp{x}", z)
                ev.assert_zero(d * (d - 2) * (d - 4), f"parity{x}_{z}")

        # -- the input limbs: A = A' ^ C ^ C' (even row) ------------------------------------------
        for x in range(5):
            for y in range(5):
                i = _lane(x, y)
                for j in range(4):
                    bits = [
                        xor(bit(f"ap{i}", z), bit(f"c{x}", z), bit(f"cp{x}", z))
                        for z in range(16 * j, 16 * j + 16)
                    ]
                    ev.assert_eq(v(f"limb{i}_{j}"), pack(bits), f"in{i}_{j}")

        # -- rho, pi, chi, iota: the output limbs (odd row) ----------------------------------------
        offs = KECCAK_RHO

        def bb(x: int, y: int, z: int) -> Expr:
            sx, sy = _pi_source(x % 5, y)
            src = _lane(sx, sy)
            return bit(f"ap{src}", z - offs[src])

        def chi(x: int, y: int, z: int) -> Expr:
            return xor(bb(x, y, z), (1 - bb(x + 1, y, z)) * bb(x + 2, y, z))

        for z in range(64):
            ev.assert_eq(bit("chi00", z), chi(0, 0, z), f"chi00_{z}")
        rc = {z: v(f"rc{m}") for m, z in enumerate(RC_BITS)}
        for x in range(5):
            for y in range(5):
                i = _lane(x, y)
                for j in range(4):
                    zs = range(16 * j, 16 * j + 16)
                    if i == 0:
                        bits = [
                            xor(bit("chi00", z), rc[z]) if z in rc else bit("chi00", z) for z in zs
                        ]
                    else:
                        bits = [chi(x, y, z) for z in zs]
                    ev.assert_eq(cn[C[f"limb{i}_{j}"]], pack(bits), f"out{i}_{j}")

        # -- the odd row of round r hands its output to round r + 1 --------------------------------
        hand = b.when_transition()
        for i in range(LANES):
            for j in range(4):
                nm = f"limb{i}_{j}"
                hand.assert_zero((1 - even) * nl * (cn[C[nm]] - v(nm)), f"next_{nm}")

    def _call_and_memory(self, b: AirBuilder) -> None:
        """The ECALL and its 50 read-modify-writes: the block's first row receives the call,
        its rows ``idx < 25`` rewrite lane ``idx`` and take the lane's old and new limbs from
        the first and last rows over ``BUS_KECCAK_IO`` (``(ts, tag, 4 limbs)``, tag ``i`` the
        input and ``25 + i`` the output of lane ``i``; ``ts`` tells blocks apart)."""
        cl, cn = b.main_local, b.main_next

        def v(name: str) -> Expr:
            return cl[C[name]]

        on, active, idx, nl = v("on"), v("active"), v("idx"), 1 - v("last")
        ts, ptr = v("ts"), [v(f"p{j}") for j in range(4)]
        ob, nb = [v(f"ob{k}") for k in range(8)], [v(f"nb{k}") for k in range(8)]
        fa, la, ioa = v("first") * active, v("last") * active, v("io") * active
        rng = int(ByteOp.RANGE)

        for nm in ("ts", *(f"p{j}" for j in range(4))):
            b.when_transition().assert_zero(nl * (cn[C[nm]] - v(nm)), f"{nm}_const")
            b.assert_zero((1 - active) * v(nm), f"{nm}_inactive")
        a0 = [4 * ptr[0], *ptr[1:]]  # p0 a byte and 4 p0 a byte of a0: a0 is aligned
        b.receive(BUS_ACCEL, [ECALL_KECCAKF, ts, *a0, 0, 0, 0, 0], fa)
        b.send(BUS_BYTE, [rng, ptr[0], 0, 0], on)

        base = a0[0] + 256 * a0[1] + 65536 * a0[2] + 16777216 * a0[3] + 8 * idx
        for w in range(2):
            pts, lo, hi = v(f"pts{w}"), v(f"lo{w}"), v(f"hi{w}")
            ts_check(b, ts + ACCESS_TS, pts, lo, hi, ioa, f"word{w}")
            old, new = ob[4 * w : 4 * w + 4], nb[4 * w : 4 * w + 4]
            mem_access(b, base + 4 * w, pts, ts + ACCESS_TS, old, new, KIND_RW, ioa)
            b.send(BUS_RANGE16, [lo], on)
        b.send(BUS_BYTE, [rng, v("hi0"), v("hi1"), 0], on)
        for k in range(8):
            b.assert_zero((1 - ioa) * ob[k], f"ob{k}_off")
            b.assert_zero((1 - ioa) * nb[k], f"nb{k}_off")
        for k in range(0, 8, 2):  # the old bytes come from memory, which holds bytes
            b.send(BUS_BYTE, [rng, nb[k], nb[k + 1], 0], on)

        def limbs(bs: list[Expr]) -> list[Expr]:
            return [bs[2 * j] + 256 * bs[2 * j + 1] for j in range(4)]

        b.receive(BUS_KECCAK_IO, [ts, idx, *limbs(ob)], ioa)
        b.receive(BUS_KECCAK_IO, [ts, idx + LANES, *limbs(nb)], ioa)
        for i in range(LANES):
            lane = [v(f"limb{i}_{j}") for j in range(4)]
            b.send(BUS_KECCAK_IO, [ts, i, *lane], fa)
            b.send(BUS_KECCAK_IO, [ts, LANES + i, *lane], la)


class KeccakRcAir(Air):
    """The fixed ``keccak_rc`` table (:func:`rc_table`), received on ``BUS_KECCAK_RC`` with a
    free multiplicity."""

    name = "keccak_rc"
    main_width = 1
    preprocessed_width = len(RC_FIELDS)
    static_layout = True

    def eval(self, b: AirBuilder) -> None:
        b.receive(BUS_KECCAK_RC, list(b.pre_local), b.main_local[0])

    def preprocessed_trace(self) -> U32:
        return rc_table()


# -- the permutation and trace generation (numpy over permutations) -----------------------------
_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _rotl(x: U64, s: int) -> U64:
    if s == 0:
        return x
    return ((x << np.uint64(s)) | (x >> np.uint64(64 - s))) & _M64


def _rounds(states: U64) -> dict[str, U64]:
    """Every round's quantities for ``states`` (k, 25): ``a`` (k, 25, 25) inputs, ``c``, ``cp``
    (k, 25, 5), ``ap`` (k, 25, 25), ``chi00`` (k, 25) and ``out`` (k, 25, 25), indexed
    [call, round, ...]."""
    a = states.astype(np.uint64)
    offs = KECCAK_RHO
    rec: dict[str, list[U64]] = {nm: [] for nm in ("a", "c", "cp", "ap", "chi00", "out")}
    for r in range(ROUNDS):
        c = a[:, 0:5] ^ a[:, 5:10] ^ a[:, 10:15] ^ a[:, 15:20] ^ a[:, 20:25]
        d = np.stack([c[:, (x - 1) % 5] ^ _rotl(c[:, (x + 1) % 5], 1) for x in range(5)], axis=1)
        ap = a ^ np.tile(d, 5)
        bl = np.empty_like(ap)
        for x in range(5):
            for y in range(5):
                sx, sy = _pi_source(x, y)
                src = _lane(sx, sy)
                bl[:, _lane(x, y)] = _rotl(ap[:, src], offs[src])
        out = np.empty_like(bl)
        for x in range(5):
            for y in range(5):
                b1, b2 = bl[:, _lane((x + 1) % 5, y)], bl[:, _lane((x + 2) % 5, y)]
                out[:, _lane(x, y)] = bl[:, _lane(x, y)] ^ (~b1 & _M64 & b2)
        chi00 = out[:, 0].copy()
        out[:, 0] ^= np.uint64(KECCAK_RC[r])
        for nm, val in (("a", a), ("c", c), ("cp", c ^ d), ("ap", ap), ("chi00", chi00)):
            rec[nm].append(val)
        rec["out"].append(out)
        a = out
    return {nm: np.stack(vals, axis=1) for nm, vals in rec.items()}


def keccak_f(states: U64) -> U64:
    """Keccak-f[1600] of each row of ``states`` (k, 25) uint64 lanes (lane ``x + 5 y``)."""
    return _rounds(np.asarray(states, dtype=np.uint64).reshape(-1, LANES))["out"][:, -1]


def _halves(x: U64) -> U32:
    """(..., 2, 32): bits ``2 k + h`` of each 64-bit value, for h = 0, 1."""
    z = np.arange(64, dtype=np.uint64).reshape(32, 2).T  # [h, k] -> 2 k + h
    return ((x[..., None, None] >> z) & np.uint64(1)).astype(np.uint32)


def _limbs16(x: U64) -> U32:
    """(..., 4): the natural 16-bit limbs of each 64-bit value."""
    sh = np.uint64(16) * np.arange(4, dtype=np.uint64)
    return ((x[..., None] >> sh) & np.uint64(0xFFFF)).astype(np.uint32)


def keccak_f_trace(
    states: U64,
    height: int,
    ts: npt.ArrayLike | None = None,
    a0: npt.ArrayLike | None = None,
    pts: npt.ArrayLike | None = None,
) -> U32:
    """The ``keccak_f`` trace of ``height`` rows (a power of two, at least 48 per state) that
    permutes each row of ``states`` (k, 25) (``active`` blocks), then the zero state (padding,
    the last block possibly cut short). Without states the table is switched off: all zero.

    The calls were made at timestamps ``ts`` (k,) (the ECALL rows' ``4 clk + 1``) with state
    pointers ``a0`` (k,), and their 50 state words were last accessed at ``pts`` (k, 50).
    Defaults, for the table on its own: ``ts = 4 i + 5``, ``a0 = 0``, ``pts = 0``."""
    st = np.asarray(states, dtype=np.uint64).reshape(-1, LANES)
    k = st.shape[0]
    ts_a = np.asarray(4 * np.arange(k) + 5 if ts is None else ts, dtype=np.int64).reshape(k)
    a0_a = np.asarray(np.zeros(k) if a0 is None else a0, dtype=np.uint32).reshape(k)
    pts_a = np.asarray(np.zeros((k, 2 * LANES)) if pts is None else pts, dtype=np.int64)
    pts_a = pts_a.reshape(k, 2 * LANES)
    if height & (height - 1) or height < max(k, 1) * ROWS_PER_CALL:
        raise ValueError(f"height {height} is not a power of two >= {ROWS_PER_CALL} per call")
    if k == 0:
        return np.zeros((height, WIDTH), dtype=np.uint32)
    m = -(-height // ROWS_PER_CALL)  # blocks, the last one possibly cut
    padded = np.zeros((m, LANES), dtype=np.uint64)
    padded[:k] = st
    q = _rounds(padded)
    tr = np.zeros((m, ROUNDS, 2, WIDTH), dtype=np.uint32)
    tr[..., C["on"]] = 1
    tr[:k, ..., C["active"]] = 1
    rct = rc_table()[:ROWS_PER_CALL].reshape(ROUNDS, 2, len(RC_FIELDS))
    tr[..., C["idx"] : C["idx"] + len(RC_FIELDS)] = rct

    def put(prefix: str, vals: U64) -> None:
        """vals (m, 24, n): the bit quantities prefix0.. prefix(n-1), interleaved."""
        h = _halves(vals)  # (m, 24, n, 2, 32)
        n = vals.shape[2]
        first = C[f"{prefix}0_0"] if n > 1 else C[f"{prefix}_0"]
        block = np.moveaxis(h, 3, 2).reshape(m, ROUNDS, 2, n * 32)
        tr[..., first : first + 32 * n] = block

    put("c", q["c"])
    put("cp", q["cp"])
    put("ap", q["ap"])
    put("chi00", q["chi00"][..., None])
    limb0 = C["limb0_0"]
    tr[:, :, 0, limb0 : limb0 + 4 * LANES] = _limbs16(q["a"]).reshape(m, ROUNDS, 4 * LANES)
    tr[:, :, 1, limb0 : limb0 + 4 * LANES] = _limbs16(q["out"]).reshape(m, ROUNDS, 4 * LANES)
    _fill_io(tr.reshape(m, ROWS_PER_CALL, WIDTH)[:k], st, q["out"][:k, -1], ts_a, a0_a, pts_a)
    return tr.reshape(m * ROWS_PER_CALL, WIDTH)[:height]


def _fill_io(blk: U32, st: U64, out: U64, ts: I64, a0: U32, pts: I64) -> None:
    """The call and memory columns of the active blocks ``blk`` (k, 48, WIDTH), in place."""
    gap = ts[:, None] + ACCESS_TS - pts - 1  # (k, 50): word 2 i + w of lane i
    if gap.size and (gap.min() < 0 or gap.max() >= 1 << 24):
        raise ValueError("a state word's previous access is not within 2^24 before the call")
    blk[:, :, C["ts"]] = ts[:, None]
    pb = word_to_bytes(a0).astype(np.uint32)
    pb[:, 0] >>= 2
    blk[:, :, C["p0"] : C["p0"] + 4] = pb[:, None, :]
    io = slice(0, LANES)
    blk[:, io, C["ob0"] : C["ob0"] + 8] = st.astype("<u8").view(np.uint8).reshape(-1, LANES, 8)
    blk[:, io, C["nb0"] : C["nb0"] + 8] = out.astype("<u8").view(np.uint8).reshape(-1, LANES, 8)
    for w in range(2):
        blk[:, io, C[f"pts{w}"]] = pts[:, w::2]
        blk[:, io, C[f"lo{w}"]] = gap[:, w::2] & 0xFFFF
        blk[:, io, C[f"hi{w}"]] = gap[:, w::2] >> 16


def rc_trace(trace: U32) -> U32:
    """The ``keccak_rc`` multiplicities of a ``keccak_f`` trace: how often each row is sent."""
    on = trace[:, C["on"]] == 1
    counts = np.bincount(trace[on, C["idx"]].astype(np.int64), minlength=RC_TABLE_ROWS)
    return counts.astype(np.uint32)[:, None]
