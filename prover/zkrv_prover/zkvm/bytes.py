"""The preprocessed byte table: receives every ``BUS_BYTE`` and ``BUS_RANGE16`` lookup.

Height 2^16, row ``r = x + 256 y`` for all byte pairs ``(x, y)``. Preprocessed (fixed, part of the
verifying key) columns: ``x, y, x & y, x | y, x ^ y, [x < y], x >> 7``. Main columns: one
multiplicity per :class:`ByteOp` (in ByteOp order) and one for ``BUS_RANGE16``.

Interactions on every row (receive, with that row's multiplicity):

- ``BUS_BYTE (RANGE, x, y, 0)``, ``(AND, x, y, x&y)``, ``(OR, ..)``, ``(XOR, ..)``,
  ``(LTU, x, y, [x<y])``, ``(MSB, x, y, x>>7)``;
- ``BUS_RANGE16 (x + 256 y,)``, i.e. every value of [0, 2^16) exactly once.

Soundness: the table has no constraints of its own; LogUp balance means every tuple sent on these
buses (with nonzero total multiplicity) equals a received tuple, i.e. a row of this fixed table:
``x, y`` are bytes and ``z`` is the function value. (Multiplicities are field elements, so this
holds while the total number of lookups stays below p, see ``docs/stark.md``.) ``MSB`` accepts
any ``y``; senders pass the constant 0.

Multiplicities are computed from the other tables' traces by evaluating their sends
(:func:`collect_lookups`), so any table's lookups are counted without extra bookkeeping.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from zkrv_prover.stark.air import symbolic_eval as se
from zkrv_prover.stark.air.air import Air, AirBuilder, TableLayout
from zkrv_prover.zkvm.buses import BUS_BYTE, BUS_RANGE16, ByteOp

#: Height of the table (all pairs of bytes).
HEIGHT = 1 << 16
#: Main column of the RANGE16 multiplicity (after one column per ByteOp).
COL_RANGE16 = len(ByteOp)
#: Preprocessed column holding z for each ByteOp (RANGE has z = 0, no column).
_PRE_Z = {ByteOp.AND: 2, ByteOp.OR: 3, ByteOp.XOR: 4, ByteOp.LTU: 5, ByteOp.MSB: 6}


@lru_cache(maxsize=1)
def _preprocessed() -> npt.NDArray[np.uint32]:
    r = np.arange(HEIGHT, dtype=np.uint32)
    x, y = r & 0xFF, r >> 8
    cols = [x, y, x & y, x | y, x ^ y, (x < y).astype(np.uint32), x >> 7]
    out = np.stack(cols, axis=1).astype(np.uint32)
    out.flags.writeable = False
    return out


def byte_op_value(op: int, x: npt.NDArray[np.int64], y: npt.NDArray[np.int64]) -> np.ndarray:
    """The table's ``z`` for ``op`` on byte arrays (the function the table tabulates)."""
    if op == ByteOp.RANGE:
        return np.zeros_like(x)
    return _preprocessed()[x + 256 * y, _PRE_Z[ByteOp(op)]].astype(np.int64)


class ByteTable(Air):
    """Receives ``BUS_BYTE`` and ``BUS_RANGE16`` (see module doc)."""

    name = "bytes"
    main_width = len(ByteOp) + 1
    preprocessed_width = 7
    #: 7 receives: degree-3 helpers pair them (7 -> 4 helpers; docs/zkvm.md, proof size)
    logup_degree = 3

    def eval(self, b: AirBuilder) -> None:
        x, y = b.pre_local[0], b.pre_local[1]
        m = b.main_local
        for op in ByteOp:
            z = 0 if op == ByteOp.RANGE else b.pre_local[_PRE_Z[op]]
            b.receive(BUS_BYTE, [int(op), x, y, z], m[int(op)])
        b.receive(BUS_RANGE16, [x + 256 * y], m[COL_RANGE16])

    def preprocessed_trace(self) -> np.ndarray:
        return _preprocessed()


class ByteLookups:
    """Accumulates lookup counts and produces the byte table's main trace."""

    def __init__(self) -> None:
        self.counts = np.zeros((HEIGHT, len(ByteOp) + 1), dtype=np.int64)

    def add_byte(
        self,
        op: npt.ArrayLike,
        x: npt.ArrayLike,
        y: npt.ArrayLike,
        z: npt.ArrayLike,
        mult: npt.ArrayLike = 1,
        strict: bool = True,
    ) -> None:
        """Count ``BUS_BYTE (op, x, y, z)`` lookups (arrays or scalars, broadcast). With
        ``strict``, a tuple that is not a row of the table raises ``ValueError``; otherwise it is
        dropped (then the bus will not balance: for malicious-prover tests)."""
        o, xx, yy, zz, mm = (np.asarray(v, dtype=np.int64).reshape(-1) for v in (op, x, y, z, mult))
        n = max(o.size, xx.size, yy.size, zz.size, mm.size)
        o, xx, yy, zz, mm = (np.broadcast_to(v, (n,)) for v in (o, xx, yy, zz, mm))
        ok = (o >= 0) & (o < len(ByteOp)) & (xx >= 0) & (xx < 256) & (yy >= 0) & (yy < 256)
        ok &= mm >= 0
        good = np.flatnonzero(ok)
        zexp = np.full(n, -1, dtype=np.int64)
        for op_ in ByteOp:
            sel = good[o[good] == op_]
            zexp[sel] = byte_op_value(op_, xx[sel], yy[sel])
        ok &= zz == zexp
        if strict and not ok.all():
            i = int(np.flatnonzero(~ok)[0])
            raise ValueError(
                f"BUS_BYTE lookup (op={o[i]}, x={xx[i]}, y={yy[i]}, z={zz[i]}) x{mm[i]}"
                " is not a row of the byte table"
            )
        np.add.at(self.counts, (xx[ok] + 256 * yy[ok], o[ok]), mm[ok])

    def add_range16(self, v: npt.ArrayLike, mult: npt.ArrayLike = 1, strict: bool = True) -> None:
        """Count ``BUS_RANGE16 (v,)`` lookups (see :meth:`add_byte` for ``strict``)."""
        vv, mm = (np.asarray(a, dtype=np.int64).reshape(-1) for a in (v, mult))
        n = max(vv.size, mm.size)
        vv, mm = np.broadcast_to(vv, (n,)), np.broadcast_to(mm, (n,))
        ok = (vv >= 0) & (vv < HEIGHT) & (mm >= 0)
        if strict and not ok.all():
            i = int(np.flatnonzero(~ok)[0])
            raise ValueError(f"BUS_RANGE16 lookup ({vv[i]},) x{mm[i]} is out of range")
        np.add.at(self.counts[:, COL_RANGE16], vv[ok], mm[ok])

    def trace(self) -> npt.NDArray[np.uint32]:
        """The byte table's main trace ``(2^16, 7)`` uint32."""
        if int(self.counts.max(initial=0)) >= se.P_INT:
            raise ValueError("byte-table multiplicity reaches p: too many lookups for one proof")
        return self.counts.astype(np.uint32)


def collect_lookups(
    layouts: Sequence[TableLayout],
    traces: Sequence[np.ndarray | None],
    public: Sequence[int],
    strict: bool = True,
) -> ByteLookups:
    """Count every ``BUS_BYTE``/``BUS_RANGE16`` send of the given tables (a ``None`` trace, e.g.
    the byte table's own slot, is skipped) by evaluating the interactions on their traces.
    Multiplicities must evaluate to non-negative integers (< p/2); a table that *receives* on
    these buses (other than the byte table) raises ``ValueError``."""
    out = ByteLookups()
    for lay, tr in zip(layouts, traces, strict=True):
        if tr is None:
            continue
        inters = [i for i in lay.interactions if i.bus in (BUS_BYTE, BUS_RANGE16)]
        if not inters:
            continue
        leaf = se.RowLeaves(np.asarray(tr), lay.preprocessed, None, public, None, None)
        n = tr.shape[0]
        for inter in inters:
            vals = se.evaluate_numpy([*inter.values, inter.multiplicity], leaf, n)
            mult = vals[-1].astype(np.int64)
            if int(mult.max(initial=0)) > se.P_INT // 2:
                raise ValueError(f"table {lay.air.name!r} receives on bus {inter.bus}")
            v = [a.astype(np.int64) for a in vals[:-1]]
            nz = mult != 0
            if inter.bus == BUS_BYTE:
                if len(v) != 4:
                    raise ValueError(f"table {lay.air.name!r}: BUS_BYTE tuples have 4 values")
                out.add_byte(v[0][nz], v[1][nz], v[2][nz], v[3][nz], mult[nz], strict)
            else:
                if len(v) != 1:
                    raise ValueError(f"table {lay.air.name!r}: BUS_RANGE16 tuples have 1 value")
                out.add_range16(v[0][nz], mult[nz], strict)
    return out
