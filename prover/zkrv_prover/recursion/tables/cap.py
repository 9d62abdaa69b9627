"""Cap table: Merkle-cap membership by an indexed lookup instead of a mux tree.

A Merkle path ends with ``node = cap[pos]``, pos given by up to :data:`CAP_BITS` index bits.
As a mux tree that is (2^m - 1) * 8 Select rows per opening; here it is one *check* row, plus
one *entry* row per cap digest, shared by all the openings of that cap.

A second bus, :data:`CAP_BUS`, carries ``(key, d0..d7)``: entry j of a cap whose keys start at
``key_base`` (a program constant >= 1, caps get disjoint key ranges) sends
``(key_base + j, cap[j])`` with multiplicity ``mult``, a *main* column (the number of active
checks of that entry, filled in by the prover); a check row receives
``(key_base + sum_j 2^j bit_j, node)`` with multiplicity ``active``.

Soundness (the standard LogUp lookup): per distinct tuple t the bus contributes
``(sum of mult over entries equal to t - number of active checks of t) / (alpha - fp(t))``. If
an active check's tuple is not an entry, its pole has residue minus its check count, which is
nonzero in the field because the number of checks (< the table's height) is below p; so the sum
is a nonzero rational function and the verifier's check fails but with probability
~ (#fractions) / |F_p^5| (see :mod:`zkrv_prover.stark.air.logup`). Whatever the prover puts in
``mult``, an unbalanced check cannot be cancelled. A checked node therefore equals the cap digest
at its index, read from memory by the entry row. Bits and ``active`` are boolean on check rows
(constrained here too, though their writers already make them bits), so a key lies in its own
cap's range, and zero on the other rows, so an entry is sent at its own key; ``mult`` is zero
outside entry rows (constrained), so padding rows do nothing.

Op rows (``op_width`` 17, zero padded): entry ``(0, key, a_0..a_7)`` (the digest's 8 base
cells); check ``(1, b_0..b_5, key_base, active, n_0..n_7)`` (bit cells, unused ones the
constant 0; active the constant 1 for an unconditional check; the node's 8 base cells). A table
row holds one entry or one check (entries first; rows: their sum), sharing the digest columns
and one CAP bus interaction.

Preprocessed: ``key, c_0..c_7, b_0..b_5, active, is_entry, is_check`` (addresses: on an entry
row ``key`` and the digest cells, on a check row ``key_base``, the node cells, the bit cells and
the active cell). Main: ``v_0..v_7, mult, bit_0..bit_5, active``. Constraints (degree 2):
``mult (1 - is_entry) = 0``, ``active (active - is_check) = 0`` and ``bit_j (bit_j -
is_check) = 0`` (boolean on check rows, zero elsewhere: an entry's key cannot be shifted). Each
row reads ``v`` from ``c`` when real (``is_entry + is_check``), a check row its bits and
``active``, and every row sends ``(key + sum_j 2^j bit_j, v)`` on the CAP bus with multiplicity
``mult - active`` (an entry's lookups, minus an active check). 16 interactions instead of the
25 of a row holding an entry and a check side by side.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from zkrv_prover.recursion.tables.common import (
    I64,
    U32,
    RecursionAir,
    gather,
    pad_rows,
    read_base,
)
from zkrv_prover.stark.air.air import AirBuilder, Expr

#: The lookup bus of cap entries (the MEMORY bus is 17).
CAP_BUS = 18
#: Index bits a check row takes (caps of up to 2^CAP_BITS digests).
CAP_BITS = 6
DIGEST = 8
ENTRY, CHECK = 0, 1

# preprocessed columns
_KEY, _C = 0, 1
_B = _C + DIGEST
_ACTIVE = _B + CAP_BITS
_IS_ENTRY = _ACTIVE + 1
_IS_CHECK = _IS_ENTRY + 1
PRE_WIDTH = _IS_CHECK + 1
# main columns
_V, _MULT = 0, DIGEST
_BIT = DIGEST + 1
_ACT = _BIT + CAP_BITS
MAIN_WIDTH = _ACT + 1


class CapAir(RecursionAir):
    name = "cap"
    main_width = MAIN_WIDTH
    preprocessed_width = PRE_WIDTH
    op_width = 2 + CAP_BITS + 1 + DIGEST
    # pairs of interactions share a helper column (16 interactions; degree 3)
    logup_degree = 3

    def eval(self, b: AirBuilder) -> None:
        m, p = b.main_local, b.pre_local
        v, mult = m[_V : _V + DIGEST], m[_MULT]
        bits, active = m[_BIT:_ACT], m[_ACT]
        is_entry, is_check = p[_IS_ENTRY], p[_IS_CHECK]
        b.assert_zero(mult * (1 - is_entry), "entry_mult")
        b.assert_zero(active * (active - is_check), "active_bool")
        for j, bit in enumerate(bits):
            b.assert_zero(bit * (bit - is_check), f"bit_bool{j}")
        for k in range(DIGEST):
            read_base(b, p[_C + k], v[k], is_entry + is_check)
        for j in range(CAP_BITS):
            read_base(b, p[_B + j], bits[j], is_check)
        read_base(b, p[_ACTIVE], active, is_check)
        key: Expr = p[_KEY]
        for j, bit in enumerate(bits):
            key = key + (1 << j) * bit
        b.send(CAP_BUS, [key, *v], mult - active)

    @staticmethod
    def num_rows(ops: I64) -> int:
        return int(ops.shape[0])

    @staticmethod
    def read_addrs(ops: I64) -> I64:
        entries, checks = ops[ops[:, 0] == ENTRY], ops[ops[:, 0] == CHECK]
        return np.concatenate(
            [
                entries[:, 2 : 2 + DIGEST].reshape(-1),
                checks[:, 1 : 1 + CAP_BITS].reshape(-1),
                checks[:, 2 + CAP_BITS :].reshape(-1),  # active and the node
            ]
        )

    @staticmethod
    def write_addrs(ops: I64) -> I64:
        return np.zeros(0, dtype=np.int64)

    @staticmethod
    def preprocess(ops: I64, reads: I64, height: int) -> U32:
        entries, checks = ops[ops[:, 0] == ENTRY], ops[ops[:, 0] == CHECK]
        out = np.zeros((height, PRE_WIDTH), dtype=np.int64)
        ne, nc = entries.shape[0], checks.shape[0]
        out[:ne, _KEY : _C + DIGEST] = entries[:, 1 : 2 + DIGEST]
        out[:ne, _IS_ENTRY] = 1
        c = slice(ne, ne + nc)
        out[c, _B : _B + CAP_BITS] = checks[:, 1 : 1 + CAP_BITS]
        out[c, _KEY] = checks[:, 1 + CAP_BITS]
        out[c, _ACTIVE] = checks[:, 2 + CAP_BITS]
        out[c, _C : _C + DIGEST] = checks[:, 3 + CAP_BITS :]
        out[c, _IS_CHECK] = 1
        return pad_rows(out, height).astype(np.uint32)

    def main_trace(self, mem: U32, public: Sequence[int]) -> U32:
        pre = self.pre.astype(np.int64)
        is_entry, is_check = pre[:, _IS_ENTRY] == 1, pre[:, _IS_CHECK] == 1
        out = np.zeros((self.height, MAIN_WIDTH), dtype=np.uint32)
        for k in range(DIGEST):
            out[:, _V + k] = gather(mem, pre[:, _C + k], is_entry | is_check, block=False)
        for j in range(CAP_BITS):
            out[:, _BIT + j] = gather(mem, pre[:, _B + j], is_check, block=False)
        out[:, _ACT] = gather(mem, pre[:, _ACTIVE], is_check, block=False)
        # each entry's multiplicity: how many active checks look it up
        weights = out[:, _BIT : _BIT + CAP_BITS].astype(np.int64) << np.arange(CAP_BITS)
        keys = pre[:, _KEY] + weights.sum(axis=1)
        looked = keys[is_check & (out[:, _ACT] == 1)]
        counts = np.bincount(looked, minlength=int(keys.max(initial=0)) + 1)
        out[:, _MULT] = np.where(is_entry, counts[np.where(is_entry, pre[:, _KEY], 0)], 0)
        return out
