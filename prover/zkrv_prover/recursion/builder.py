"""The recorder: an :class:`~zkrv_prover.stark.field.arith.Arith` whose operations append rows
to the recursion tables.

Handles are memory cells (:class:`BCell` for base values and bits, :class:`ECell` for extension
values): an address plus the native value, computed while recording. So recording the generic
verifier on a real proof is also the witness generation, and it raises
:class:`~zkrv_prover.stark.field.arith.VerificationError` exactly where
:class:`~zkrv_prover.stark.field.arith.NativeArith` would (same checks, same messages).

What each primitive costs (table rows): ``*_const`` a deduplicated constant Witness row (free
when reused); ``*_input`` a Witness row; ``b_add``..``b_inv``/``b_assert_eq`` one BaseAlu row;
the ``e_*`` arithmetic one ExtAlu row (``e_mul_base`` reads the base cell as a block; ``e_inv`` and
``e_assert_nonzero`` are DIV(1, a)); ``e_from_coeffs``/``e_coeffs`` one Pack row (cached: packing
the coefficients of a cell returns that cell, and back); ``select_*`` one Select row (a
:meth:`RecursionBuilder.swap_b`/:meth:`RecursionBuilder.swap_e` returns both outputs of it, and
a select of the same pair in the other order reuses the row's second output);
``b_to_bits(a, n)`` min(n, 31) Bits rows (n = 0: an ASSERT_EQ of a and 0); ``b_permute``
one Poseidon2 row, or 23 rows of the skinny table with ``RecursionBuilder(poseidon2="skinny")``,
or 7 rows of the medium table with ``RecursionBuilder(poseidon2="medium")``
(``compress_swapped``, a Merkle level, too: the row swaps its input halves by a bit);
``cap_check`` (the Merkle-cap check of
:meth:`~zkrv_prover.stark.commit.hash_scheme.HashScheme.assert_cap_entry`) one Cap check row
plus, once per cap, one Cap entry row per digest; ``bit_and`` a MUL, ``bit_sum`` an
ADD chain, ``bit_to_base`` nothing. ``one_hot(a, lo, hi)`` takes hint bits from the Witness table
and checks them with BaseAlu rows (h * h = h, sum h = 1, sum (lo + i) h_i = a). Operations on
constant bits fold (a select on a constant bit is its chosen input), and so do additions of a
constant zero and multiplications by a constant one or zero (accumulators that start at 0, powers
that start at 1; ``1 * b`` as an extension value is b's own cell, read as the block
(b, 0, 0, 0, 0) every base cell holds). The hints of one ``one_hot`` are proven boolean,
exclusive and summing to one, so ``bit_and`` of two of them folds (h AND h = h, else 0) and so
does ``bit_sum`` of all of them (1): e.g. a tree whose height is the top height is opened at
shift 0 with no selection. The folding depends only on which cells are constants or hints of
which ``one_hot``, i.e. on the control flow.

The program depends only on the control flow, never on the values: recording the same verifier
shape twice gives identical programs (:attr:`RecursionProgram.digest`).

The BN254 digest operations (``d_*``, ``hash``, ``pack_base``, ``select_d``) raise
:class:`UnsupportedInRecursionError`: a proof verified in recursion hashes with Poseidon2-BabyBear.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Literal, NoReturn

import numpy as np

from zkrv_prover.recursion.program import RecursionProgram, RecursionWitness, assemble
from zkrv_prover.recursion.tables import (
    BaseAluAir,
    BaseWitnessAir,
    BitsAir,
    CapAir,
    DotAir,
    ExtAluAir,
    MediumPoseidon2Air,
    PackAir,
    Poseidon2Air,
    PublicAir,
    SelectAir,
    SkinnyPoseidon2Air,
    WitnessAir,
)
from zkrv_prover.recursion.tables.bits import NBITS
from zkrv_prover.recursion.tables.cap import CAP_BITS, CHECK, DIGEST, ENTRY
from zkrv_prover.recursion.tables.common import AluOp
from zkrv_prover.recursion.tables.pack import PACK, UNPACK
from zkrv_prover.stark.field import poseidon2
from zkrv_prover.stark.field.arith import Arith, VerificationError, p2_permute_fn
from zkrv_prover.stark.field.field import EXT_DEGREE, P, ext_inv_int, ext_mul_int, inv_int
from zkrv_prover.stark.field.profile import require_default

#: An extension value: EXT_DEGREE canonical ints.
Ext = tuple[int, ...]
_ZERO_HI = (0,) * (EXT_DEGREE - 1)
_ZERO_BLOCK = (0,) * EXT_DEGREE
_E_ZERO: Ext = (0, *_ZERO_HI)
_E_ONE: Ext = (1, *_ZERO_HI)

#: Which Poseidon2 table a recording uses: one permutation per row (``wide``, the smaller
#: height), one round per row (``skinny``, about a third of the opened width; for proofs whose
#: verifier pays per opened column, e.g. the shrink proof wrapped into Groth16) or seven rows per
#: permutation (``medium``: two full rounds or all partial rounds per row, a little wider than
#: skinny at about a third of its height).
Poseidon2Variant = Literal["wide", "skinny", "medium"]
POSEIDON2_TABLES: dict[str, str] = {
    "wide": Poseidon2Air.name,
    "skinny": SkinnyPoseidon2Air.name,
    "medium": MediumPoseidon2Air.name,
}


class UnsupportedInRecursionError(TypeError):
    """A BN254 digest operation was recorded: recursion verifies Poseidon2-BabyBear proofs."""


class BCell:
    """A base cell (also a bit): its address and native value."""

    __slots__ = ("addr", "v")

    def __init__(self, addr: int, v: int) -> None:
        self.addr, self.v = addr, v

    def __repr__(self) -> str:
        return f"BCell(@{self.addr}={self.v})"


class ECell:
    """An extension cell: its address and native value (EXT_DEGREE ints)."""

    __slots__ = ("addr", "v")

    def __init__(self, addr: int, v: Ext) -> None:
        self.addr, self.v = addr, v

    def __repr__(self) -> str:
        return f"ECell(@{self.addr}={self.v})"


def _unsupported(op: str) -> NoReturn:
    raise UnsupportedInRecursionError(
        f"{op}: BN254 digests are not available in the recursion VM; proofs verified in "
        'recursion must use PcsParams(hash="poseidon2-babybear")'
    )


class RecursionBuilder(Arith[BCell, ECell, NoReturn, BCell]):
    """Records a straight-line program (see the module doc); :meth:`finish` returns it with its
    witness."""

    def __init__(self, poseidon2: Poseidon2Variant = "wide") -> None:
        # its tables are laid out for the default profile's digests (8 elements, one
        # permutation per compression) and challenge field
        require_default("the recursion verifier")
        if poseidon2 not in POSEIDON2_TABLES:
            raise ValueError(f"unknown Poseidon2 table {poseidon2!r} (wide, skinny or medium)")
        # the table permutations are recorded into (same op rows in both)
        self._p2_table = POSEIDON2_TABLES[poseidon2]
        # the values: the native permutation when built (recording runs tens of thousands)
        self._permute = p2_permute_fn(native_hash=True)
        self._mem0: list[int] = []  # first coefficient of every cell, by address
        self._memx: dict[int, tuple[int, ...]] = {}  # the other coefficients of ext cells
        self._ops: dict[str, list[tuple[int, ...]]] = defaultdict(list)
        self._consts: dict[Ext, int] = {}  # block -> address
        self._packed: dict[tuple[int, ...], ECell] = {}  # coefficient addresses -> block
        self._unpacked: dict[int, list[BCell]] = {}  # block address -> coefficients
        # (bit, if1, if0) addresses -> the selected cell: a Select row serves both orders
        self._selected: dict[tuple[int, int, int], BCell | ECell] = {}
        # one_hot hint address -> its group (all hint addresses of that one_hot call)
        self._one_hot: dict[int, frozenset[int]] = {}
        self._public: list[int] = []
        self._cap_keys: dict[tuple[int, ...], int] = {}  # cap cell addresses -> key_base
        self._next_cap_key = 1  # key 0 is never an entry (padding rows send it)
        self._finished = False

    # ---- memory ------------------------------------------------------------------------------
    def _alloc_b(self, v: int) -> BCell:
        addr = len(self._mem0)
        self._mem0.append(v)
        return BCell(addr, v)

    def _alloc_e(self, v: Ext) -> ECell:
        addr = len(self._mem0)
        self._mem0.append(v[0])
        if any(v[1:]):
            self._memx[addr] = v[1:]
        return ECell(addr, v)

    def _op(self, table: str, row: tuple[int, ...]) -> None:
        if self._finished:
            raise RuntimeError("the program is finished")
        self._ops[table].append(row)

    def _const_addr(self, block: Ext) -> int:
        addr = self._consts.get(block)
        if addr is None:
            addr = len(self._mem0)
            self._mem0.append(block[0])
            if any(block[1:]):
                self._memx[addr] = block[1:]
            self._consts[block] = addr
            self._op(WitnessAir.name, (1, addr, *block))
        return addr

    def _const_value(self, c: BCell) -> int | None:
        """The value of a constant base cell (None for computed cells)."""
        v = c.v
        return v if self._consts.get((v, *_ZERO_HI)) == c.addr else None

    # ---- proof inputs ------------------------------------------------------------------------
    def b_input(self, v: int) -> BCell:
        if not 0 <= v < P:
            raise ValueError(f"proof value {v} is not a canonical BabyBear element")
        c = self._alloc_b(int(v))
        self._op(BaseWitnessAir.name, (c.addr,))
        return c

    def e_input(self, v: Sequence[int]) -> ECell:
        if len(v) != EXT_DEGREE:
            raise ValueError(f"an extension element has {EXT_DEGREE} coefficients")
        for x in v:
            if not 0 <= x < P:
                raise ValueError(f"proof value {x} is not a canonical BabyBear element")
        c = self._alloc_e(tuple(int(x) for x in v))
        self._op(WitnessAir.name, (0, c.addr, *_ZERO_BLOCK))
        return c

    def d_input(self, v: int) -> NoReturn:
        _unsupported("d_input")

    # ---- base field --------------------------------------------------------------------------
    def b_const(self, v: int) -> BCell:
        v = int(v) % P
        return BCell(self._const_addr((v, *_ZERO_HI)), v)

    def _balu(self, op: AluOp, a: BCell, b: BCell, v: int) -> BCell:
        out = self._alloc_b(v)
        self._op(BaseAluAir.name, (int(op), a.addr, b.addr, out.addr))
        return out

    def _both_const(self, a: BCell, b: BCell) -> bool:
        return self._const_value(a) is not None and self._const_value(b) is not None

    def b_add(self, a: BCell, b: BCell) -> BCell:
        if self._const_value(a) == 0:  # 0 + b (accumulators that start at zero)
            return b
        if self._const_value(b) == 0:
            return a
        if self._both_const(a, b):  # constants fold (a specialised program's known zeros)
            return self.b_const(a.v + b.v)
        return self._balu(AluOp.ADD, a, b, (a.v + b.v) % P)

    def b_sub(self, a: BCell, b: BCell) -> BCell:
        if self._const_value(b) == 0:
            return a
        if self._both_const(a, b):
            return self.b_const(a.v - b.v)
        return self._balu(AluOp.SUB, a, b, (a.v - b.v) % P)

    def b_mul(self, a: BCell, b: BCell) -> BCell:
        for x, y in ((a, b), (b, a)):
            k = self._const_value(x)
            if k == 1:  # 1 * y (products that start at one)
                return y
            if k == 0:
                return x
        if self._both_const(a, b):
            return self.b_const(a.v * b.v)
        return self._balu(AluOp.MUL, a, b, a.v * b.v % P)

    def b_inv(self, a: BCell) -> BCell:
        if a.v == 0:
            raise VerificationError("division by zero in the verifier (base field)")
        return self._balu(AluOp.DIV, self.b_const(1), a, inv_int(a.v))

    def b_assert_eq(self, a: BCell, b: BCell, what: str) -> None:
        if a.v != b.v:
            raise VerificationError(f"check failed: {what}")
        self._op(BaseAluAir.name, (int(AluOp.ASSERT_EQ), a.addr, b.addr, -1))

    # ---- extension field ---------------------------------------------------------------------
    def e_const(self, c: Sequence[int]) -> ECell:
        if len(c) != EXT_DEGREE:
            raise ValueError(f"an extension constant has {EXT_DEGREE} coefficients")
        block = tuple(int(x) % P for x in c)
        return ECell(self._const_addr(block), block)

    def e_from_coeffs(self, cs: Sequence[BCell]) -> ECell:
        if len(cs) != EXT_DEGREE:
            raise ValueError(f"an extension element has {EXT_DEGREE} coefficients")
        key = tuple(c.addr for c in cs)
        hit = self._packed.get(key)
        if hit is not None:
            return hit
        out = self._alloc_e(tuple(c.v for c in cs))
        self._op(PackAir.name, (PACK, out.addr, *key))
        self._packed[key] = out
        self._unpacked[out.addr] = list(cs)
        return out

    def e_coeffs(self, a: ECell) -> list[BCell]:
        hit = self._unpacked.get(a.addr)
        if hit is not None:
            return list(hit)
        cs = [self._alloc_b(x) for x in a.v]
        self._op(PackAir.name, (UNPACK, a.addr, *(c.addr for c in cs)))
        self._unpacked[a.addr] = cs
        self._packed[tuple(c.addr for c in cs)] = a
        return list(cs)

    def _ealu(self, op: AluOp, a: ECell | BCell, b: ECell | BCell, v: Ext) -> ECell:
        out = self._alloc_e(v)
        self._op(ExtAluAir.name, (int(op), a.addr, b.addr, out.addr))
        return out

    def _e_const_block(self, a: ECell) -> Ext | None:
        """The block of a constant extension cell (None for computed cells)."""
        return a.v if self._consts.get(a.v) == a.addr else None

    def _e_both_const(self, a: ECell, b: ECell) -> bool:
        return self._e_const_block(a) is not None and self._e_const_block(b) is not None

    def e_known_zero(self, v: ECell) -> bool:
        """True for the constant 0: a program specialised to empty tables has such openings
        (``verify_with(..., zero_tables=...)``), fixed by the program, not by the witness."""
        return self._e_const_block(v) == _E_ZERO

    def e_add(self, a: ECell, b: ECell) -> ECell:
        if self._e_const_block(a) == _E_ZERO:  # 0 + b (accumulators that start at zero)
            return b
        if self._e_const_block(b) == _E_ZERO:
            return a
        v = tuple((x + y) % P for x, y in zip(a.v, b.v, strict=True))
        if self._e_both_const(a, b):
            return self.e_const(v)
        return self._ealu(AluOp.ADD, a, b, v)

    def e_sub(self, a: ECell, b: ECell) -> ECell:
        if self._e_const_block(b) == _E_ZERO:
            return a
        v = tuple((x - y) % P for x, y in zip(a.v, b.v, strict=True))
        if self._e_both_const(a, b):
            return self.e_const(v)
        return self._ealu(AluOp.SUB, a, b, v)

    def e_mul(self, a: ECell, b: ECell) -> ECell:
        for x, y in ((a, b), (b, a)):
            k = self._e_const_block(x)
            if k == _E_ONE:  # 1 * y (powers that start at one)
                return y
            if k == _E_ZERO:  # 0 * y (the known-zero openings of empty tables)
                return x
        if self._e_both_const(a, b):
            return self.e_const(ext_mul_int(a.v, b.v))
        return self._ealu(AluOp.MUL, a, b, ext_mul_int(a.v, b.v))

    def e_mul_base(self, a: ECell, b: BCell) -> ECell:
        if self._const_value(b) == 1:
            return a
        if self._e_const_block(a) == _E_ZERO:
            return a
        if self._const_value(b) == 0:
            return self.e_const(_E_ZERO)
        if self._e_const_block(a) == _E_ONE:
            # 1 * b is b's own cell read as a block (v, 0, 0, 0, 0): every base cell's block
            return ECell(b.addr, (b.v, *_ZERO_HI))
        return self._ealu(AluOp.MUL, a, b, tuple(x * b.v % P for x in a.v))

    def e_lincomb_base(self, coeffs: Sequence[ECell], vals: Sequence[BCell]) -> ECell:
        # one Dot row per term, the running sum kept in the table (``tables/dot.py``)
        if len(coeffs) != len(vals):
            raise ValueError("e_lincomb_base: one coefficient per value")
        # terms with a constant zero factor (empty tables' rows) are dropped
        live = [
            (c, v)
            for c, v in zip(coeffs, vals, strict=True)
            if self._e_const_block(c) != _E_ZERO and self._const_value(v) != 0
        ]
        coeffs, vals = [c for c, _ in live], [v for _, v in live]
        if not coeffs:
            return self.e_const([0] * EXT_DEGREE)
        acc = [0] * EXT_DEGREE
        for c, v in zip(coeffs, vals, strict=True):
            acc = [(a + x * v.v) % P for a, x in zip(acc, c.v, strict=True)]
        out = self._alloc_e(tuple(acc))
        last = len(coeffs) - 1
        for i, (c, v) in enumerate(zip(coeffs, vals, strict=True)):
            self._op(DotAir.name, (c.addr, v.addr, out.addr if i == last else -1))
        return out

    def e_inv(self, a: ECell) -> ECell:
        if not any(a.v):
            raise VerificationError("division by zero in the verifier (extension field)")
        return self._ealu(AluOp.DIV, self.b_const(1), a, ext_inv_int(a.v))

    def e_assert_eq(self, a: ECell, b: ECell, what: str) -> None:
        if a.v != b.v:
            raise VerificationError(f"check failed: {what}")
        self._op(ExtAluAir.name, (int(AluOp.ASSERT_EQ), a.addr, b.addr, -1))

    def e_assert_nonzero(self, a: ECell, what: str) -> None:
        if not any(a.v):
            raise VerificationError(f"check failed: {what}")
        self._ealu(AluOp.DIV, self.b_const(1), a, ext_inv_int(a.v))  # output never read

    # ---- bits and selection ------------------------------------------------------------------
    def b_to_bits(self, a: BCell, n: int) -> list[BCell]:
        if n < 0:
            raise ValueError("b_to_bits needs n >= 0")
        if not 0 <= a.v < (1 << n):
            raise VerificationError(f"value does not fit in {n} bits")
        k = min(n, NBITS)
        if k == 0:  # a fits in no bits: a = 0
            self.b_assert_eq(a, self.b_const(0), "b_to_bits of 0 bits")
            return []
        row = (a.addr, len(self._mem0), k)
        bits = [self._alloc_b((a.v >> j) & 1) for j in range(k)]
        self._op(BitsAir.name, row)
        return bits + [self.b_const(0)] * (n - k)

    def bit_to_base(self, bit: BCell) -> BCell:
        return bit

    def _select_row(
        self, bit: BCell, out1: BCell | ECell, out2: BCell | ECell, a: int, b: int
    ) -> None:
        self._op(SelectAir.name, (bit.addr, a, b, out1.addr, out2.addr))
        self._selected[(bit.addr, a, b)] = out1
        self._selected[(bit.addr, b, a)] = out2

    def swap_b(self, bit: BCell, a: BCell, b: BCell) -> tuple[BCell, BCell]:
        """``(bit ? a : b, bit ? b : a)``: one Select row."""
        k = self._const_value(bit)
        if k is not None:
            return (a, b) if k else (b, a)
        o1, o2 = (a, b) if bit.v else (b, a)
        out1, out2 = self._alloc_b(o1.v), self._alloc_b(o2.v)
        self._select_row(bit, out1, out2, a.addr, b.addr)
        return out1, out2

    def swap_e(self, bit: BCell, a: ECell, b: ECell) -> tuple[ECell, ECell]:
        """``(bit ? a : b, bit ? b : a)``: one Select row."""
        k = self._const_value(bit)
        if k is not None:
            return (a, b) if k else (b, a)
        o1, o2 = (a, b) if bit.v else (b, a)
        out1, out2 = self._alloc_e(o1.v), self._alloc_e(o2.v)
        self._select_row(bit, out1, out2, a.addr, b.addr)
        return out1, out2

    def select_b(self, bit: BCell, if1: BCell, if0: BCell) -> BCell:
        # the other half of an earlier select on the same pair (a swap, e.g. xor_permute)
        hit = self._selected.get((bit.addr, if1.addr, if0.addr))
        if isinstance(hit, BCell):
            return hit
        return self.swap_b(bit, if1, if0)[0]

    def select_e(self, bit: BCell, if1: ECell, if0: ECell) -> ECell:
        hit = self._selected.get((bit.addr, if1.addr, if0.addr))
        if isinstance(hit, ECell):
            return hit
        if self._const_value(bit) is None and self._e_const_block(if0) == _E_ZERO:
            # bit ? a : 0 is a * bit: an ExtAlu row instead of a Select row (the roll-in of
            # reduced openings by their height's one-hot bit keeps the Select table small)
            return self.e_mul_base(if1, bit)
        return self.swap_e(bit, if1, if0)[0]

    def select_b_vec(self, bit: BCell, if1: Sequence[BCell], if0: Sequence[BCell]) -> list[BCell]:
        """Per element, except each full group of :data:`EXT_DEGREE` elements: packed into one
        block (cached: a vector unpacked from an earlier block packs back to it for free),
        selected by one Select row and unpacked (two Pack rows at most instead of five Select
        rows; Merkle path nodes chosen among candidate heights)."""
        if len(if1) != len(if0):
            raise ValueError("select_b_vec of vectors of different lengths")
        if self._const_value(bit) is not None:
            return [self.select_b(bit, x, y) for x, y in zip(if1, if0, strict=True)]
        out: list[BCell] = []
        full = len(if1) - len(if1) % EXT_DEGREE
        for i in range(0, full, EXT_DEGREE):
            a = self.e_from_coeffs(if1[i : i + EXT_DEGREE])
            b = self.e_from_coeffs(if0[i : i + EXT_DEGREE])
            out += self.e_coeffs(self.select_e(bit, a, b))
        out += [self.select_b(bit, x, y) for x, y in zip(if1[full:], if0[full:], strict=True)]
        return out

    def select_d(self, bit: BCell, if1: NoReturn, if0: NoReturn) -> NoReturn:
        _unsupported("select_d")

    # ---- bits as data ------------------------------------------------------------------------
    def bit_const(self, v: int) -> BCell:
        if v not in (0, 1):
            raise ValueError("a bit is 0 or 1")
        return self.b_const(v)

    def bit_and(self, a: BCell, b: BCell) -> BCell:
        for x, y in ((a, b), (b, a)):
            k = self._const_value(x)
            if k is not None:
                return y if k else x
        group = self._one_hot.get(a.addr)
        if group is not None and b.addr in group:
            # hints of one one_hot are proven boolean and exclusive: h AND h = h, else 0
            return a if a.addr == b.addr else self.bit_const(0)
        return self.b_mul(a, b)

    def bit_sum(self, bits: Sequence[BCell]) -> BCell:
        if sum(b.v for b in bits) > 1:
            raise ValueError("bit_sum of bits that are not mutually exclusive")
        live = [b for b in bits if self._const_value(b) != 0]
        if not live:
            return self.bit_const(0)
        group = self._one_hot.get(live[0].addr)
        if group is not None and len(live) == len(group) == len({b.addr for b in live} & group):
            return self.bit_const(1)  # every hint of one one_hot: proven to sum to 1
        acc = live[0]
        for b in live[1:]:
            acc = self.b_add(acc, b)
        return acc

    def one_hot(self, a: BCell, lo: int, hi: int) -> list[BCell]:
        if not lo <= a.v <= hi:
            raise VerificationError(f"value {a.v} is outside the allowed range [{lo}, {hi}]")
        if lo == hi:  # a single candidate: the bit is 1, provided a = lo
            self.b_assert_eq(a, self.b_const(lo), f"one_hot value is {lo}")
            return [self.bit_const(1)]
        hints = []
        for h in range(lo, hi + 1):
            c = self._alloc_b(int(a.v == h))
            self._op(BaseWitnessAir.name, (c.addr,))
            hints.append(c)
        for c in hints:
            self.b_assert_eq(self.b_mul(c, c), c, "one_hot hint is a bit")
        total, weighted = hints[0], self.b_mul(self.b_const(lo), hints[0])
        for h, c in zip(range(lo + 1, hi + 1), hints[1:], strict=True):
            total = self.b_add(total, c)
            weighted = self.b_add(weighted, self.b_mul(self.b_const(h), c))
        self.b_assert_eq(total, self.b_const(1), "one_hot hints sum to 1")
        self.b_assert_eq(weighted, a, "one_hot hints select the value")
        group = frozenset(c.addr for c in hints)
        for c in hints:  # bit_and / bit_sum fold what these constraints prove
            self._one_hot[c.addr] = group
        return hints

    # ---- hashing -----------------------------------------------------------------------------
    def b_permute(self, state: Sequence[BCell]) -> list[BCell]:
        """The Poseidon2-BabyBear permutation of 16 base cells: one Poseidon2 row whose 16
        outputs are consecutive cells."""
        if len(state) != poseidon2.WIDTH:
            raise ValueError(f"Poseidon2 permutes {poseidon2.WIDTH} elements, got {len(state)}")
        if all(self._const_value(c) is not None for c in state):
            # a constant state (an empty table's zero row hashed): its image is a constant
            return [self.b_const(v) for v in self._permute([c.v for c in state])]
        return self._permute_row(state, self.b_const(0))

    def _permute_row(self, reads: Sequence[BCell], bit: BCell) -> list[BCell]:
        """One Poseidon2 row: reads the 16 cells and ``bit``, permutes them with halves swapped
        when bit = 1."""
        vals = [c.v for c in reads]
        if bit.v:
            vals = vals[8:] + vals[:8]
        out_vals = self._permute(vals)
        row = (*(c.addr for c in reads), len(self._mem0), bit.addr)
        outs = [self._alloc_b(v) for v in out_vals]
        self._op(self._p2_table, row)
        return outs

    def compress_swapped(
        self, bit: BCell, left: Sequence[BCell], right: Sequence[BCell]
    ) -> list[BCell] | None:
        """Poseidon2-BabyBear ``compress`` of (left, right), or of (right, left) when bit = 1:
        one Poseidon2 row with its swap bit (a constant bit folds to a plain row). None for
        digests that are not 8 cells (hash_scheme.SwapCompress)."""
        if len(left) != 8 or len(right) != 8:
            return None
        k = self._const_value(bit)
        if k is not None:
            pair = [*right, *left] if k else [*left, *right]
            return self.b_permute(pair)[:8]
        return self._permute_row([*left, *right], bit)[:8]

    def d_const(self, v: int) -> NoReturn:
        _unsupported("d_const")

    def hash(self, inputs: Sequence[NoReturn]) -> NoReturn:
        _unsupported("hash")

    def pack_base(self, vals: Sequence[BCell]) -> NoReturn:
        _unsupported("pack_base")

    def d_assert_eq(self, a: NoReturn, b: NoReturn, what: str) -> NoReturn:
        _unsupported("d_assert_eq")

    def d_to_bits(self, d: NoReturn, n: int) -> NoReturn:
        _unsupported("d_to_bits")

    def d_to_base(self, d: NoReturn, k: int) -> NoReturn:
        _unsupported("d_to_base")

    # ---- Merkle caps (hash_scheme.CapLookup) ------------------------------------------------
    def cap_check(
        self,
        active: BCell | None,
        node: Sequence[BCell],
        cap: Sequence[Sequence[BCell]],
        bits: Sequence[BCell],
        what: str,
    ) -> bool:
        """``node = cap[sum bits[j] 2^j]`` when ``active`` (always when None): one Cap check row,
        plus one entry row per cap digest the first time this cap is checked. Raises what the
        mux-tree check raises; False (nothing recorded) for caps of one digest or of more than
        2^CAP_BITS digests."""
        m = len(bits)
        if not 1 <= m <= CAP_BITS or len(cap) != 1 << m:
            return False
        if any(len(d) != DIGEST for d in cap) or len(node) != DIGEST:
            return False
        if active is None or active.v:
            want = cap[sum(b.v << j for j, b in enumerate(bits))]
            for i, (x, y) in enumerate(zip(node, want, strict=True)):
                if x.v != y.v:
                    raise VerificationError(f"check failed: {what} (element {i})")
        addrs = tuple(c.addr for d in cap for c in d)
        key_base = self._cap_keys.get(addrs)
        if key_base is None:
            key_base = self._cap_keys[addrs] = self._next_cap_key
            self._next_cap_key += len(cap)
            pad = (0,) * (CAP_BITS + 1)
            for j, d in enumerate(cap):
                self._op(CapAir.name, (ENTRY, key_base + j, *(c.addr for c in d), *pad))
        zero = self.b_const(0).addr
        bit_addrs = [b.addr for b in bits] + [zero] * (CAP_BITS - m)
        act = (active if active is not None else self.b_const(1)).addr
        self._op(CapAir.name, (CHECK, *bit_addrs, key_base, act, *(c.addr for c in node)))
        return True

    # ---- public values and the result --------------------------------------------------------
    def expose_public(self, cell: BCell) -> int:
        """Make the base cell ``cell`` the next public value of the recursion proof; returns
        its index."""
        self._op(PublicAir.name, (cell.addr,))
        self._public.append(cell.v)
        return len(self._public) - 1

    @property
    def num_cells(self) -> int:
        return len(self._mem0)

    def op_counts(self) -> dict[str, int]:
        """Rows recorded so far per table."""
        return {k: len(v) for k, v in self._ops.items()}

    @property
    def num_consts(self) -> int:
        """Distinct constants recorded so far (rows of the Witness table)."""
        return len(self._consts)

    def table_rows(self) -> dict[str, int]:
        """Table rows recorded so far per table (several per op in some tables)."""
        from zkrv_prover.recursion.tables import TABLES

        out = {}
        for air in TABLES:
            rows = self._ops.get(air.name)
            if rows:
                out[air.name] = air.num_rows(np.asarray(rows, dtype=np.int64))
        return out

    def finish(self, min_height: int = 0) -> tuple[RecursionProgram, RecursionWitness]:
        """The program (tables' preprocessed traces, digest) and its witness (memory image,
        public values), every table padded to at least ``min_height`` rows. Recording ends
        here."""
        self._finished = True
        n = len(self._mem0)
        mem = np.zeros((n, EXT_DEGREE), dtype=np.uint32)
        mem[:, 0] = np.asarray(self._mem0, dtype=np.uint32)
        if self._memx:
            addrs = np.fromiter(self._memx.keys(), dtype=np.int64, count=len(self._memx))
            mem[addrs, 1:] = np.asarray(list(self._memx.values()), dtype=np.uint32)
        program = assemble(self._ops, n, len(self._public), min_height)
        return program, RecursionWitness(mem, tuple(self._public))
