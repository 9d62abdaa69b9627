"""The Cap table: Merkle-cap membership by an indexed lookup on the CAP bus (tables/cap.py).

Recorded checks prove and verify and raise what the mux tree raises; each constraint and both
bus sides catch a mutated trace (forged multiplicity, forged read), and the verifier rejects a
proof of a forged read."""

from __future__ import annotations

import numpy as np
import pytest
from recursion_testutil import FAST, Recorded, record

from zkrv_prover.recursion.builder import RecursionBuilder
from zkrv_prover.recursion.machine import table_traces
from zkrv_prover.recursion.prove import program_vk, prove_program, verify_program
from zkrv_prover.recursion.tables.cap import _ACT, _BIT, _C, _KEY, _MULT, _V, CAP_BUS
from zkrv_prover.stark.commit.hash_scheme import Poseidon2BabyBear
from zkrv_prover.stark.field.arith import NativeArith, VerificationError
from zkrv_prover.stark.field.field import P
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol.prover import prove
from zkrv_prover.stark.protocol.testing import unchecked_prover

HS = Poseidon2BabyBear()
CAP = [[100 * j + k for k in range(8)] for j in range(8)]  # 8 digests: 3 index bits
MEMORY_BUS = 17


def _cap_program(r: RecursionBuilder, idx: int = 5, node: list[int] | None = None) -> None:
    """Two unconditional checks and one gated check (active = 0, node garbage) of one cap, and
    a check of a second cap."""
    cap = [[r.b_input(v) for v in d] for d in CAP]
    bits = r.b_to_bits(r.b_input(idx), 3)
    HS.assert_cap_entry(r, None, [r.b_input(v) for v in node or CAP[idx]], cap, bits, "t")
    bits2 = r.b_to_bits(r.b_input(2), 3)
    HS.assert_cap_entry(r, None, [r.b_input(v) for v in CAP[2]], cap, bits2, "t2")
    off = r.b_to_bits(r.b_input(0), 1)[0]
    HS.assert_cap_entry(r, off, [r.b_input(7)] * 8, cap, bits, "t3")
    small = [[r.b_input(v) for v in d] for d in CAP[:2]]  # a second cap: entry rows 8, 9
    HS.assert_cap_entry(r, None, [r.b_input(v) for v in CAP[1]], small, bits[:1], "t4")
    r.expose_public(bits[0])


def _rec() -> Recorded:
    r = RecursionBuilder()
    _cap_program(r)
    return record(r)


def _check_rows(rc: Recorded) -> np.ndarray:
    pre = rc.layouts[rc.index("cap")].preprocessed
    assert pre is not None
    return np.flatnonzero(pre[:, -1] == 1)


def test_cap_checks_prove_and_verify() -> None:
    rc = _rec()
    assert rc.program.rows()["cap"] == 14  # 8 + 2 entry rows, then 4 check rows
    assert "select" not in rc.program.rows()
    assert rc.problems() == []
    t = rc.trace("cap")
    assert list(t[:8, _MULT]) == [0, 0, 1, 0, 0, 1, 0, 0]  # the inactive check counts nothing
    vk = program_vk(rc.program, FAST)
    proof = prove_program(vk, rc.witness, rng=FieldRng.seeded(1), recorded=rc.program)
    verify_program(vk, proof, rc.witness.public)


def test_cap_is_shared_and_small_caps_fall_back() -> None:
    r = RecursionBuilder()
    _cap_program(r)
    n = r.op_counts()["cap"]
    one = [[r.b_input(1) for _ in range(8)]]
    HS.assert_cap_entry(r, None, one[0], one, [], "single")  # no bits: a plain assert_eq
    assert r.op_counts()["cap"] == n


@pytest.mark.parametrize("active", [None, 1])
def test_wrong_node_raises_like_the_mux_tree(active: int | None) -> None:
    bad = list(CAP[5])
    bad[3] += 1
    with pytest.raises(VerificationError) as rec_err:
        _cap_program(RecursionBuilder(), node=bad)
    ar = NativeArith()
    cap = [[ar.b_input(v) for v in d] for d in CAP]
    with pytest.raises(VerificationError) as nat_err:
        HS.assert_cap_entry(ar, active, bad, cap, ar.b_to_bits(5, 3), "t")
    assert str(rec_err.value) == str(nat_err.value)


def test_forged_multiplicity() -> None:
    rc = _rec()
    rc.trace("cap")[5, _MULT] = 2  # entry 5 claims two lookups
    assert rc.failing() == {"bus"}
    assert set(_imbalance(rc)) == {CAP_BUS}


def test_forged_read() -> None:
    """A node that is not the cap digest at its index (memory consistent, multiplicities as an
    honest prover would count them): only the CAP bus is unbalanced."""
    rc = _rec()
    row = int(_check_rows(rc)[0])
    mem = rc.witness.memory.copy()
    pre = rc.layouts[rc.index("cap")].preprocessed
    assert pre is not None
    node_addr = int(pre[row, _C + 3])  # node cell 3 of the first check
    mem[node_addr, 0] = (int(mem[node_addr, 0]) + 1) % P
    rc.traces = table_traces(rc.program, type(rc.witness)(mem, rc.witness.public))
    assert rc.failing() == {"bus"}
    assert set(_imbalance(rc)) == {CAP_BUS}
    vk = program_vk(rc.program, FAST)
    with unchecked_prover():
        proof = prove(vk, rc.traces, list(rc.witness.public), FieldRng.seeded(2))
    with pytest.raises(VerificationError):
        verify_program(vk, proof, rc.witness.public)


def test_forged_read_of_another_entry() -> None:
    """Reading entry 4's digest at index 5 with matching multiplicities still fails (the key
    comes from the bits read from memory)."""
    rc = _rec()
    row = int(_check_rows(rc)[0])
    t = rc.trace("cap")
    t[row, _V : _V + 8] = CAP[4]
    t[row, _BIT] = 0  # index 4 ...
    t[4, _MULT], t[5, _MULT] = 1, 0
    assert rc.failing() == {"bus"}
    assert set(_imbalance(rc)) == {MEMORY_BUS}  # ... but bit and node cells differ from memory


def test_non_boolean_bit() -> None:
    rc = _rec()
    row = int(_check_rows(rc)[0])
    rc.trace("cap")[row, _BIT + 1] = 2
    assert "bit_bool1" in rc.failing()


def test_padding_rows_do_nothing() -> None:
    rc = _rec()
    rc.trace("cap")[5, _ACT] = 1  # an active flag on an entry row (it would receive its tuple)
    assert "active_bool" in rc.failing()
    rc = _rec()
    rc.trace("cap")[-1, _MULT] = 1  # a multiplicity on a padding row
    assert "entry_mult" in rc.failing()
    rc = _rec()
    row = int(_check_rows(rc)[0])
    rc.trace("cap")[row, _MULT] = 1  # a multiplicity on a check row
    assert "entry_mult" in rc.failing()


def test_entry_key_cannot_shift() -> None:
    """A node that is cap[4] at index 5 (memory consistent) with entry 4 sending its digest at
    key_base + 5 by a nonzero bit: both buses balance, the bit (zero outside check rows)
    catches it."""
    rc = _rec()
    row = int(_check_rows(rc)[0])  # the check of index 5
    pre = rc.layouts[rc.index("cap")].preprocessed
    assert pre is not None
    assert int(pre[5, _KEY]) == int(pre[4, _KEY]) + 1
    mem = rc.witness.memory.copy()
    for k in range(8):
        mem[int(pre[row, _C + k]), 0] = CAP[4][k]
    rc.traces = table_traces(rc.program, type(rc.witness)(mem, rc.witness.public))
    assert rc.failing() == {"bus"}
    t = rc.trace("cap")
    t[4, _BIT] = 1  # entry 4 sends (key_base + 5, cap[4]) ...
    t[4, _MULT], t[5, _MULT] = 1, 0  # ... once, entry 5 nothing
    assert rc.failing() == {"bit_bool0"}


def _imbalance(rc: Recorded) -> dict[int, dict[tuple[int, ...], int]]:
    from zkrv_prover.stark.air import debug

    return debug.bus_imbalance(rc.layouts, rc.traces, list(rc.witness.public))
