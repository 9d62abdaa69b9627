"""Debug-mode trace checking: evaluate every constraint on every row of plain traces and check
LogUp bus balance, reporting *which* constraint fails on *which* row.

This is what the prover runs before committing (unless its checks are switched off for
malicious-prover tests, see :mod:`zkrv_prover.stark.protocol.testing`); it is also the oracle of the
constraint-coverage checker. Everything is vectorized over rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from zkrv_prover.stark.air import symbolic_eval as se
from zkrv_prover.stark.air.air import TableLayout


@dataclass(frozen=True)
class Failure:
    """One violated constraint: table, constraint name, first failing row, failing row count."""

    table: str
    constraint: str
    row: int
    count: int

    def __str__(self) -> str:
        return (
            f"table {self.table!r}: constraint {self.constraint!r} fails on row {self.row}"
            f" ({self.count} rows)"
        )


def check_shapes(layouts: Sequence[TableLayout], traces: Sequence[np.ndarray]) -> None:
    """Raise ``ValueError`` unless there is one canonical uint32 (n, witness_width) trace per
    table (the AIR's own columns, without the LogUp blind) with n a power of two >= 2 (and
    equal to the preprocessed height where there is one)."""
    if len(traces) != len(layouts):
        raise ValueError(f"expected {len(layouts)} traces, got {len(traces)}")
    for lay, tr in zip(layouts, traces, strict=True):
        name = lay.air.name
        if tr.ndim != 2 or tr.shape[1] != lay.witness_width:
            raise ValueError(f"table {name!r}: trace shape {tr.shape}, width {lay.witness_width}")
        n = tr.shape[0]
        if n < 2 or n & (n - 1):
            raise ValueError(f"table {name!r}: height {n} is not a power of two >= 2")
        if lay.preprocessed is not None and lay.preprocessed.shape[0] != n:
            raise ValueError(
                f"table {name!r}: height {n} differs from its preprocessed height"
                f" {lay.preprocessed.shape[0]}"
            )
        if tr.size and int(tr.max()) >= se.P_INT:
            raise ValueError(f"table {name!r}: trace values are not canonical BabyBear")


def table_failures(
    lay: TableLayout,
    main: np.ndarray,
    public: Sequence[int],
    aux: np.ndarray | None = None,
    challenges: np.ndarray | None = None,
    cumsum: np.ndarray | None = None,
) -> list[Failure]:
    """Constraints of one table violated by its trace. Without ``aux``, only the table's own
    (base-field) constraints are checked (``main``: the witness columns, optionally followed
    by the blind columns); with it, the LogUp constraints too (``main``: the full main trace,
    blind columns included, ``logup.with_blind``)."""
    if aux is not None and main.shape[1] != lay.main_width:
        raise ValueError(f"table {lay.air.name!r}: LogUp constraints need the full main trace")
    cons = [c for c in lay.constraints if aux is not None or not c.expr.is_ext]
    cons = [c for c in cons if aux is not None or not c.name.startswith("logup_")]
    leaf = se.RowLeaves(main, lay.preprocessed, aux, public, challenges, cumsum)
    n = main.shape[0]
    out: list[Failure] = []

    def consume(i: int, v: np.ndarray) -> None:
        bad = v != 0
        if cons[i].expr.is_ext:
            bad = bad.any(axis=-1)
        bad = np.broadcast_to(bad, (n,))
        if bad.any():
            rows = np.flatnonzero(bad)
            out.append(Failure(lay.air.name, cons[i].name, int(rows[0]), int(rows.size)))

    se.evaluate_stream([c.expr for c in cons], leaf, consume)
    return out


def bus_imbalance(
    layouts: Sequence[TableLayout], traces: Sequence[np.ndarray], public: Sequence[int]
) -> dict[int, dict[tuple[int, ...], int]]:
    """Per bus, the tuples whose total multiplicity (over all tables, as integers mod p mapped
    to (-p/2, p/2]) is nonzero. Empty when every bus balances. Global buses
    (``Machine.global_buses``) are not checked: they balance over a family of proofs only."""
    totals: dict[int, Counter[tuple[int, ...]]] = {}
    for lay, tr in zip(layouts, traces, strict=True):
        if not lay.interactions:
            continue
        leaf = se.RowLeaves(tr, lay.preprocessed, None, public, None, None)
        n = tr.shape[0]
        for inter in lay.interactions:
            vals = se.evaluate_numpy([*inter.values, inter.multiplicity], leaf, n)
            cols = np.stack(vals[:-1], axis=1)
            mult = vals[-1].astype(np.int64)
            mult = np.where(mult > se.P_INT // 2, mult - se.P_INT, mult)
            nz = mult != 0
            uniq, inv = np.unique(cols[nz], axis=0, return_inverse=True)
            sums = np.zeros(len(uniq), dtype=np.int64)
            np.add.at(sums, inv.reshape(-1), mult[nz])
            ctr = totals.setdefault(inter.bus, Counter())
            for row, s in zip(uniq.tolist(), sums.tolist(), strict=True):
                ctr[tuple(row)] += s
    return {
        bus: {k: v for k, v in ctr.items() if v % se.P_INT != 0}
        for bus, ctr in totals.items()
        if any(v % se.P_INT != 0 for v in ctr.values())
    }


def check_traces(
    layouts: Sequence[TableLayout], traces: Sequence[np.ndarray], public: Sequence[int]
) -> list[str]:
    """All problems (shape, constraint failures, unbalanced buses) as messages; empty if none."""
    try:
        check_shapes(layouts, traces)
    except ValueError as e:
        return [str(e)]
    msgs = [
        str(f)
        for lay, tr in zip(layouts, traces, strict=True)
        for f in table_failures(lay, tr, public)
    ]
    for bus, bad in bus_imbalance(layouts, traces, public).items():
        some = list(bad.items())[:3]
        msgs.append(f"bus {bus} unbalanced on {len(bad)} tuples, e.g. {some}")
    return msgs
