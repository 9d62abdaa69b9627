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
at its index, read from memory by the entry row. Bits and ``active`` are boolean (constrained
here too, though their writers already make them bits), so a key lies in its own cap's range;
``mult`` is zero and ``active`` is zero outside entry and check rows (constrained), so padding
rows do nothing.

Op rows (``op_width`` 17, zero padded): entry ``(0, key, a_0..a_7)`` (the digest's 8 base
cells); check ``(1, b_0..b_5, key_base, active, n_0..n_7)`` (bit cells, unused ones the
constant 0; active the constant 1 for an unconditional check; the node's 8 base cells). Table
row i holds entry i and check i (rows: the larger count).

Preprocessed: ``key, a_0..a_7, is_entry | b_0..b_5, key_base, active, n_0..n_7, is_check``
(addresses). Main: ``d_0..d_7, mult | bit_0..bit_5, active, node_0..node_7``.
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
_KEY, _A, _IS_ENTRY = 0, 1, 1 + DIGEST
_B = _IS_ENTRY + 1
_KEY_BASE = _B + CAP_BITS
_ACTIVE = _KEY_BASE + 1
_N = _ACTIVE + 1
_IS_CHECK = _N + DIGEST
PRE_WIDTH = _IS_CHECK + 1
# main columns
_D, _MULT = 0, DIGEST
_BIT = DIGEST + 1
_ACT = _BIT + CAP_BITS
_NODE = _ACT + 1
MAIN_WIDTH = _NODE + DIGEST


class CapAir(RecursionAir):
    name = "cap"
    main_width = MAIN_WIDTH
    preprocessed_width = PRE_WIDTH
    op_width = 2 + CAP_BITS + 1 + DIGEST
    # pairs of interactions share a helper column (25 interactions; degree 3)
    logup_degree = 3

    def eval(self, b: AirBuilder) -> None:
        m, p = b.main_local, b.pre_local
        d, mult = m[_D : _D + DIGEST], m[_MULT]
        bits, active, node = m[_BIT:_ACT], m[_ACT], m[_NODE : _NODE + DIGEST]
        is_entry, is_check = p[_IS_ENTRY], p[_IS_CHECK]
        one = Expr.const(1)
        b.assert_zero(mult * (one - is_entry), "entry_mult")
        b.assert_zero(active * (one - is_check), "check_active")
        for j, bit in enumerate(bits):
            b.assert_bool(bit, f"bit_bool{j}")
        b.assert_bool(active, "active_bool")
        for k in range(DIGEST):
            read_base(b, p[_A + k], d[k], is_entry)
        b.send(CAP_BUS, [p[_KEY], *d], mult)
        key: Expr = p[_KEY_BASE]
        for j, bit in enumerate(bits):
            key = key + (1 << j) * bit
        for j in range(CAP_BITS):
            read_base(b, p[_B + j], bits[j], is_check)
        read_base(b, p[_ACTIVE], active, is_check)
        for k in range(DIGEST):
            read_base(b, p[_N + k], node[k], is_check)
        b.receive(CAP_BUS, [key, *node], active)

    @staticmethod
    def num_rows(ops: I64) -> int:
        kinds = ops[:, 0]
        return max(int((kinds == ENTRY).sum()), int((kinds == CHECK).sum()))

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
        out[:ne, _KEY:_IS_ENTRY] = entries[:, 1 : 2 + DIGEST]
        out[:ne, _IS_ENTRY] = 1
        out[:nc, _B:_IS_CHECK] = checks[:, 1:]
        out[:nc, _IS_CHECK] = 1
        return pad_rows(out, height).astype(np.uint32)

    def main_trace(self, mem: U32, public: Sequence[int]) -> U32:
        pre = self.pre.astype(np.int64)
        is_entry, is_check = pre[:, _IS_ENTRY] == 1, pre[:, _IS_CHECK] == 1
        out = np.zeros((self.height, MAIN_WIDTH), dtype=np.uint32)
        for k in range(DIGEST):
            out[:, _D + k] = gather(mem, pre[:, _A + k], is_entry, block=False)
            out[:, _NODE + k] = gather(mem, pre[:, _N + k], is_check, block=False)
        for j in range(CAP_BITS):
            out[:, _BIT + j] = gather(mem, pre[:, _B + j], is_check, block=False)
        out[:, _ACT] = gather(mem, pre[:, _ACTIVE], is_check, block=False)
        # each entry's multiplicity: how many active checks look it up
        weights = out[:, _BIT : _BIT + CAP_BITS].astype(np.int64) << np.arange(CAP_BITS)
        keys = pre[:, _KEY_BASE] + weights.sum(axis=1)
        looked = keys[is_check & (out[:, _ACT] == 1)]
        counts = np.bincount(looked, minlength=int(pre[:, _KEY].max(initial=0)) + 1)
        out[:, _MULT] = np.where(is_entry, counts[np.where(is_entry, pre[:, _KEY], 0)], 0)
        return out
