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

from zkrv_prover.executor.accel import KECCAK_RC, KECCAK_RHO
from zkrv_prover.stark.air.air import Air, AirBuilder, Expr
from zkrv_prover.zkvm.bit_exprs import pack, xor
from zkrv_prover.zkvm.buses import BUS_KECCAK_RC

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]

ROUNDS = 24
#: Rows per permutation: two per round.
ROWS_PER_CALL = 2 * ROUNDS
LANES = 25
#: Bit positions ``2^m - 1`` where round constants can have set bits.
RC_BITS = tuple((1 << m) - 1 for m in range(7))

#: Columns of the fixed table ``keccak_rc`` (also the tuple of ``BUS_KECCAK_RC``).
RC_FIELDS = ("idx", "even", "first", "last", *(f"rc{m}" for m in range(7)))
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
COLUMNS: tuple[str, ...] = (
    "on",
    "active",
    *RC_FIELDS,
    *_BIT_COLUMNS,
    *(f"limb{i}_{j}" for i in range(LANES) for j in range(4)),
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
            for m, z in enumerate(RC_BITS):
                out[i, 4 + m] = (KECCAK_RC[i // 2] >> z) & 1
    out.flags.writeable = False
    return out


class KeccakFAir(Air):
    """Keccak-f[1600] permutations, 48 rows each (module docstring)."""

    name = "keccak_f"
    main_width = WIDTH

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


class KeccakRcAir(Air):
    """The fixed ``keccak_rc`` table (:func:`rc_table`), received on ``BUS_KECCAK_RC`` with a
    free multiplicity."""

    name = "keccak_rc"
    main_width = 1
    preprocessed_width = len(RC_FIELDS)

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


def keccak_f_trace(states: U64, height: int) -> U32:
    """The ``keccak_f`` trace of ``height`` rows (a power of two, at least 48 per state) that
    permutes each row of ``states`` (k, 25) (``active`` blocks), then the zero state (padding,
    the last block possibly cut short). Without states the table is switched off: all zero."""
    st = np.asarray(states, dtype=np.uint64).reshape(-1, LANES)
    k = st.shape[0]
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
    return tr.reshape(m * ROWS_PER_CALL, WIDTH)[:height]


def rc_trace(trace: U32) -> U32:
    """The ``keccak_rc`` multiplicities of a ``keccak_f`` trace: how often each row is sent."""
    on = trace[:, C["on"]] == 1
    counts = np.bincount(trace[on, C["idx"]].astype(np.int64), minlength=RC_TABLE_ROWS)
    return counts.astype(np.uint32)[:, None]
