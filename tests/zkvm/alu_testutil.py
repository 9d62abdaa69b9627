"""Test harness for the ALU tables: a tiny sender table, machines, honest traces, fast coverage.

The sender table plays the CPU: each row sends ``BUS_ALU (op, a, b, c)`` with multiplicity
``mult`` and range checks its ``b, c`` bytes through ``BUS_BYTE`` (the ALU tables rely on the
sender for that, see ``buses.py``). Its ``a`` is whatever the test claims the result is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from alu_reference import alu_ref

from zkrv_prover.stark.air import debug
from zkrv_prover.stark.air import symbolic_eval as se
from zkrv_prover.stark.air.air import Air, AirBuilder, Machine, TableLayout, compile_machine
from zkrv_prover.zkvm.alu import ALU_TABLES, alu_traces
from zkrv_prover.zkvm.alu.common import AluEvents, padded_height, word_bytes
from zkrv_prover.zkvm.buses import BUS_ALU, BUS_BYTE, BUS_RANGE16, ByteOp
from zkrv_prover.zkvm.bytes import ByteTable, byte_op_value, collect_lookups

SENDER_WIDTH = 14  # op, a[4], b[4], c[4], mult


class SenderAir(Air):
    """Sends the tuples it lists to BUS_ALU; range checks b and c."""

    name = "sender"
    main_width = SENDER_WIDTH

    def eval(self, b: AirBuilder) -> None:
        row = b.main_local
        op, a, bb, c, mult = row[0], row[1:5], row[5:9], row[9:13], row[13]
        b.send(BUS_ALU, [op, *a, *bb, *c], mult)
        for i in range(4):
            b.send(BUS_BYTE, [int(ByteOp.RANGE), bb[i], c[i], 0])


def machine() -> Machine:
    return Machine([SenderAir(), *ALU_TABLES, ByteTable()], name="alu_test")


def sender_trace(
    ops: Sequence[int], b: Sequence[int], c: Sequence[int], a: Sequence[int]
) -> np.ndarray:
    n = len(ops)
    t = np.zeros((padded_height(n), SENDER_WIDTH), dtype=np.int64)
    t[:n, 0] = ops
    t[:n, 1:5] = word_bytes(np.asarray(a, dtype=np.int64))
    t[:n, 5:9] = word_bytes(np.asarray(b, dtype=np.int64))
    t[:n, 9:13] = word_bytes(np.asarray(c, dtype=np.int64))
    t[:n, 13] = 1
    return t.astype(np.uint32)


def honest(
    ops: Sequence[int], b: Sequence[int], c: Sequence[int], a: Sequence[int] | None = None
) -> tuple[Machine, list[TableLayout], list[np.ndarray]]:
    """The machine, its layouts and traces for these events (claimed results ``a`` default to
    the reference semantics); the ALU traces come from the tables' own generators."""
    if a is None:
        a = [alu_ref(o, x, y) for o, x, y in zip(ops, b, c, strict=True)]
    m = machine()
    lays = compile_machine(m)
    alu = alu_traces(AluEvents.of(ops, b, c))
    traces: list[np.ndarray | None] = [sender_trace(ops, b, c, a)]
    traces += [alu[t.name] for t in ALU_TABLES]
    traces.append(None)
    traces[-1] = collect_lookups(lays, traces, [], strict=False).trace()
    return m, lays, [t for t in traces if t is not None]


def alu_sends(lay: TableLayout, tr: np.ndarray) -> AluEvents:
    """The ``BUS_ALU`` requests a table's trace sends, one event per unit of multiplicity."""
    leaf = se.RowLeaves(tr, lay.preprocessed, None, [], None, None)
    parts = []
    for inter in lay.interactions:
        if inter.bus != BUS_ALU:
            continue
        vals = [
            v.astype(np.int64)
            for v in se.evaluate_numpy([*inter.values, inter.multiplicity], leaf, tr.shape[0])
        ]
        mult = vals[-1]
        if int(mult.max(initial=0)) > se.P_INT // 2:
            continue  # a receive
        rep = np.repeat(np.arange(tr.shape[0]), mult)
        b = sum(vals[5 + i][rep] << (8 * i) for i in range(4))
        c = sum(vals[9 + i][rep] << (8 * i) for i in range(4))
        parts.append(AluEvents.of(vals[0][rep], b, c))
    return AluEvents.concat(parts)


def problems(lays: list[TableLayout], traces: list[np.ndarray]) -> list[str]:
    return debug.check_traces(lays, traces, [])


def _row_interactions(lay: TableLayout, tr: np.ndarray, row: int) -> Counter[tuple[int, ...]]:
    """Formal sum of (bus, values) -> multiplicity mod p contributed by one row (the ALU and
    sender tables only read the current row in their interactions)."""
    pre = None if lay.preprocessed is None else lay.preprocessed[row : row + 1]
    leaf = se.RowLeaves(tr[row : row + 1], pre, None, [], None, None)
    out: Counter[tuple[int, ...]] = Counter()
    for inter in lay.interactions:
        vals = se.evaluate_numpy([*inter.values, inter.multiplicity], leaf, 1)
        key = (inter.bus, *(int(v[0]) for v in vals[:-1]))
        out[key] = (out[key] + int(vals[-1][0])) % se.P_INT
    return Counter({k: v for k, v in out.items() if v})


def received_rows(lay: TableLayout, tr: np.ndarray) -> np.ndarray:
    """Boolean mask of rows with a nonzero receive multiplicity (a row nobody receives from
    asserts nothing: its cells may be free)."""
    leaf = se.RowLeaves(tr, lay.preprocessed, None, [], None, None)
    mask = np.zeros(tr.shape[0], dtype=bool)
    for inter in lay.interactions:
        (mult,) = se.evaluate_numpy([inter.multiplicity], leaf, tr.shape[0])
        mask |= mult > se.P_INT // 2  # receives carry -m
    return mask


def fast_coverage(
    lays: list[TableLayout],
    traces: list[np.ndarray],
    tables: Sequence[str],
    rows_per_column: int = 4,
    seed: int = 0,
) -> tuple[list[tuple[str, int, int, bool]], int]:
    """Single-cell mutations of honest traces that neither the table's constraints nor the bus
    balance catch, as ``(table, column, row, row_is_received)``, and the number of mutations
    tried. Same rule as :func:`zkrv_prover.stark.protocol.testing.constraint_coverage` (each tried
    cell gets +1 and a random value; rows: first, last and random *received* rows), but the balance
    check is incremental: the honest traces balance, so a mutation unbalances a bus exactly when
    it changes the mutated row's own interaction multiset."""
    assert not problems(lays, traces), problems(lays, traces)
    rng = np.random.default_rng(seed)
    escapes: list[tuple[str, int, int, bool]] = []
    tried = 0
    for t, lay in enumerate(lays):
        if lay.air.name not in tables:
            continue
        tr = traces[t].copy()
        n = tr.shape[0]
        recv = received_rows(lay, tr)
        live = np.flatnonzero(recv)
        # the AIR's own columns: the LogUp blind columns are the STARK layer's, and a mutated
        # blind changes no interaction (stark.protocol.testing.constraint_coverage covers them)
        for col in range(lay.witness_width):
            rows = {0, n - 1} | {int(r) for r in rng.choice(live, size=rows_per_column)}
            for row in sorted(rows):
                before = _row_interactions(lay, tr, row)
                orig = int(tr[row, col])
                for new in {(orig + 1) % se.P_INT, int(rng.integers(0, se.P_INT))} - {orig}:
                    tried += 1
                    tr[row, col] = new
                    caught = bool(debug.table_failures(lay, tr, []))
                    caught = caught or _row_interactions(lay, tr, row) != before
                    tr[row, col] = orig
                    if not caught:
                        escapes.append((lay.air.name, col, row, bool(recv[row])))
                        break
    return escapes, tried


class LookupOracleAir(Air):
    """TEST ONLY, unsound by design: receives whatever BUS_BYTE / BUS_RANGE16 tuples its rows list
    (no constraints). It stands in for the 2^16-row byte table where a test is about the *ALU*
    constraints and needs to stay fast (proving, the STARK layer's full coverage checker); the
    byte table itself is covered by the tests that use it."""

    name = "lookup_oracle"
    main_width = 7  # op, x, y, z, m_byte, v, m_range16

    def eval(self, b: AirBuilder) -> None:
        op, x, y, z, m, v, m16 = b.main_local
        b.receive(BUS_BYTE, [op, x, y, z], m)
        b.receive(BUS_RANGE16, [v], m16)


def oracle_machine() -> Machine:
    return Machine([SenderAir(), *ALU_TABLES, LookupOracleAir()], name="alu_oracle")


def oracle_traces(
    ops: Sequence[int],
    b: Sequence[int],
    c: Sequence[int],
    a: Sequence[int] | None = None,
    forge: dict[str, tuple[int, int, int]] | None = None,
) -> tuple[Machine, list[TableLayout], list[np.ndarray]]:
    """Like :func:`honest` on the oracle machine; ``forge[table] = (row, col, value)`` edits an
    ALU trace before the oracle's lookups are counted (so the oracle serves the forged row)."""
    if a is None:
        a = [alu_ref(o, x, y) for o, x, y in zip(ops, b, c, strict=True)]
    m = oracle_machine()
    lays = compile_machine(m)
    alu = alu_traces(AluEvents.of(ops, b, c))
    for name, (row, col, val) in (forge or {}).items():
        alu[name][row, col] = val
    traces: list[np.ndarray | None] = [sender_trace(ops, b, c, a)]
    traces += [alu[t.name] for t in ALU_TABLES]
    traces.append(None)
    counts = collect_lookups(lays, traces, [], strict=False).counts
    rows, kinds = np.nonzero(counts[:, :-1])
    vals = np.flatnonzero(counts[:, -1])
    n = padded_height(max(rows.size, vals.size))
    oracle = np.zeros((n, 7), dtype=np.int64)
    x, y = rows & 0xFF, rows >> 8
    oracle[: rows.size, 0] = kinds
    oracle[: rows.size, 1] = x
    oracle[: rows.size, 2] = y
    for k in np.unique(kinds):
        sel = np.flatnonzero(kinds == k)
        oracle[sel, 3] = byte_op_value(int(k), x[sel], y[sel])
    oracle[: rows.size, 4] = counts[rows, kinds]
    oracle[: vals.size, 5] = vals
    oracle[: vals.size, 6] = counts[vals, -1]
    traces[-1] = oracle.astype(np.uint32)
    return m, lays, [t for t in traces if t is not None]
