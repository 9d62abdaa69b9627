"""The byte table: its fixed contents, lookup counting, and lookups it must refuse."""

from __future__ import annotations

import numpy as np
import pytest
from alu_testutil import honest, problems

from zkrv_prover.stark.air.air import Air, AirBuilder, Machine, compile_machine
from zkrv_prover.zkvm.buses import BUS_BYTE, BUS_RANGE16, ByteOp
from zkrv_prover.zkvm.bytes import HEIGHT, ByteLookups, ByteTable, collect_lookups


def test_preprocessed_contents() -> None:
    pre = ByteTable().preprocessed_trace()
    assert pre.shape == (HEIGHT, 7)
    for r in (0, 1, 255, 256, 0x1234, 0x80FF, 0xFFFF):
        x, y = r & 0xFF, r >> 8
        assert pre[r].tolist() == [x, y, x & y, x | y, x ^ y, int(x < y), x >> 7]


class _Probe(Air):
    """Sends one BUS_BYTE tuple and one BUS_RANGE16 value per row, as listed in its trace."""

    name = "probe"
    main_width = 5

    def eval(self, b: AirBuilder) -> None:
        op, x, y, z, v = b.main_local
        b.send(BUS_BYTE, [op, x, y, z])
        b.send(BUS_RANGE16, [v])


def _check(rows: list[list[int]]) -> list[str]:
    lays = compile_machine(Machine([_Probe(), ByteTable()]))
    probe = np.array(rows, dtype=np.uint32)
    byte = collect_lookups(lays, [probe, None], [], strict=False).trace()
    return problems(lays, [probe, byte])


def test_valid_lookups_balance() -> None:
    ok = [
        [int(ByteOp.RANGE), 255, 0, 0, 0xFFFF],
        [int(ByteOp.AND), 0xF0, 0x3C, 0x30, 0],
        [int(ByteOp.OR), 0xF0, 0x3C, 0xFC, 1],
        [int(ByteOp.XOR), 0xF0, 0x3C, 0xCC, 2],
        [int(ByteOp.LTU), 3, 200, 1, 3],
        [int(ByteOp.LTU), 200, 3, 0, 3],
        [int(ByteOp.MSB), 0x80, 0, 1, 4],
        [int(ByteOp.MSB), 0x7F, 0, 0, 5],
    ]
    assert _check(ok) == []


@pytest.mark.parametrize(
    "bad",
    [
        [int(ByteOp.RANGE), 256, 0, 0, 0],  # x not a byte
        [int(ByteOp.RANGE), 0, 2**30, 0, 0],  # y not a byte
        [int(ByteOp.RANGE), 1, 1, 1, 0],  # RANGE has z = 0
        [int(ByteOp.AND), 0xF0, 0x3C, 0x31, 0],  # wrong function value
        [int(ByteOp.XOR), 0xF0, 0x3C, 0x0C, 0],
        [int(ByteOp.LTU), 5, 5, 1, 0],
        [int(ByteOp.MSB), 0x80, 0, 0, 0],
        [6, 0, 0, 0, 0],  # not a ByteOp
        [int(ByteOp.RANGE), 0, 0, 0, 0x10000],  # RANGE16 out of range
        [int(ByteOp.RANGE), 0, 0, 0, 2013265920],  # -1 in the field
    ],
)
def test_invalid_lookups_unbalance(bad: list[int]) -> None:
    good = [int(ByteOp.RANGE), 0, 0, 0, 0]
    msgs = _check([good, bad])
    assert msgs and all("unbalanced" in m for m in msgs), msgs
    lays = compile_machine(Machine([_Probe(), ByteTable()]))
    with pytest.raises(ValueError, match=r"byte table|out of range"):
        collect_lookups(lays, [np.array([good, bad], dtype=np.uint32), None], [])


def test_counts_and_overflow_guard() -> None:
    lk = ByteLookups()
    lk.add_byte(int(ByteOp.XOR), [1, 1, 2], [2, 2, 2], [3, 3, 0], [1, 4, 2])
    lk.add_range16([7, 7], [5, 6])
    tr = lk.trace()
    assert tr[1 + 256 * 2, ByteOp.XOR] == 5 and tr[2 + 256 * 2, ByteOp.XOR] == 2
    assert tr[7, -1] == 11 and int(tr.sum()) == 18
    lk.add_range16(9, 2013265921)
    with pytest.raises(ValueError, match="reaches p"):
        lk.trace()


def test_no_events_still_balance() -> None:
    """An execution without ALU requests: every table is two padding rows."""
    _, lays, traces = honest([], [], [])
    assert [t.shape[0] for t in traces[1:-1]] == [2] * 6
    assert problems(lays, traces) == []
