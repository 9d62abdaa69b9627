"""The skinny Poseidon2 table (one round per row): programs prove and verify; every constraint
kind catches a mutated trace; the verifier rejects a proof of a mutated trace."""

from __future__ import annotations

import numpy as np
import pytest
from recursion_testutil import FAST, Recorded, record

from zkrv_prover.recursion.builder import RecursionBuilder
from zkrv_prover.recursion.prove import program_vk, prove_program, verify_program
from zkrv_prover.recursion.tables import poseidon2_skinny as sk
from zkrv_prover.stark.air.air import Machine, compile_machine
from zkrv_prover.stark.field.arith import VerificationError
from zkrv_prover.stark.field.field import P
from zkrv_prover.stark.field.poseidon2 import permute
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol.prover import prove
from zkrv_prover.stark.protocol.testing import unchecked_prover

T = sk.SkinnyPoseidon2Air.name


def _program(variant: str = "skinny") -> Recorded:
    """A plain permutation, then a Merkle level swapped by a bit 1 and one by a bit 0."""
    r = RecursionBuilder(poseidon2=variant)  # type: ignore[arg-type]
    out = r.b_permute([r.b_input(i) for i in range(16)])
    assert [c.v for c in out] == permute(list(range(16)))
    left, right = out[:8], [r.b_input(100 + i) for i in range(8)]
    one = r.b_to_bits(r.b_input(1), 1)[0]
    mid = r.compress_swapped(one, left, right)
    assert mid is not None
    assert [c.v for c in mid] == permute([c.v for c in right] + [c.v for c in left])[:8]
    zero = r.b_to_bits(r.b_input(0), 1)[0]
    top = r.compress_swapped(zero, mid, left)
    assert top is not None
    r.expose_public(r.b_add(top[0], top[7]))
    return record(r)


def test_layout() -> None:
    rc = _program()
    lay = rc.layouts[rc.index(T)]
    assert rc.program.rows()[T] == 3 * sk.ROWS
    assert (lay.main_width, lay.pre_width, lay.aux_width, lay.degree) == (54, 52, 9, 3)
    assert "poseidon2" not in rc.program.rows()


def test_same_values_as_the_wide_table() -> None:
    a, b = _program("skinny"), _program("wide")
    assert a.witness.public == b.witness.public
    np.testing.assert_array_equal(a.witness.memory, b.witness.memory)
    assert a.program.digest != b.program.digest
    with pytest.raises(ValueError, match="unknown Poseidon2 table"):
        RecursionBuilder(poseidon2="narrow")  # type: ignore[arg-type]


def test_proves_and_verifies() -> None:
    rc = _program()
    assert rc.problems() == []
    vk = program_vk(rc.program, FAST)
    proof = prove_program(vk, rc.witness, rng=FieldRng.seeded(1), recorded=rc.program)
    verify_program(vk, proof, rc.witness.public)
    bad = [(rc.witness.public[0] + 1) % P]
    with pytest.raises(VerificationError):
        verify_program(vk, proof, bad)


def _bump(t: np.ndarray, row: int, col: int, by: int = 1) -> None:
    t[row, col] = (int(t[row, col]) + by) % P


def test_cube_and_sbox() -> None:
    rc = _program()
    _bump(rc.trace(T), 3, sk.Y + 5)  # a full round's cube
    assert {"cube5", "sbox5"} <= rc.failing()
    rc = _program()
    _bump(rc.trace(T), 7, sk.W)  # a partial round's S-box output
    assert rc.failing() == {"sbox0", "next0", *(f"next{j}" for j in range(16))}


@pytest.mark.parametrize(
    ("row", "what"),
    [(1, "full (initial)"), (sk.ROWS - 3, "full (final)"), (6, "partial"), (0, "in")],
)
def test_transitions(row: int, what: str) -> None:
    """A wrong state entering the row after ``row``: that row's transition fails (and only the
    cube/S-box columns recomputed from it stay consistent)."""
    rc = _program()
    t = rc.trace(T)
    nxt = row + 1
    _bump(t, nxt, sk.S + 2)
    s = int(t[nxt, sk.S + 2])
    c = int(rc.layouts[rc.index(T)].preprocessed[nxt, sk.RC + 2])  # type: ignore[index]
    cube = pow((s + c) % P, 3, P)
    t[nxt, sk.Y + 2], t[nxt, sk.W + 2] = cube, cube * cube % P * ((s + c) % P) % P
    failing = rc.failing()
    assert "next2" in failing, what
    assert not {f"cube{i}" for i in range(16)} & failing


def test_swap_bit() -> None:
    rc = _program()
    blk = sk.ROWS  # the second block: swapped by a bit 1
    t = rc.trace(T)
    assert t[blk, sk.BIT] == 1 and t[2 * blk, sk.BIT] == 0
    t[blk, sk.BIT] = 0
    assert {"next0", "next15", "bus"} <= rc.failing()
    rc = _program()
    rc.trace(T)[2 * blk, sk.BIT] = 2
    assert "swap_bit_bool" in rc.failing()


def test_reads_and_writes_on_the_bus() -> None:
    # an input the row did not read (consistent cube/S-box): the bus and the first layer
    rc = _program()
    t = rc.trace(T)
    _bump(t, 0, sk.S + 4)
    s = int(t[0, sk.S + 4])
    t[0, sk.Y + 4], t[0, sk.W + 4] = pow(s, 3, P), pow(s, 7, P)
    assert rc.failing() - {"bus"} == {f"next{j}" for j in range(16)}
    # an output that differs from the last round's result and from what its readers see
    rc = _program()
    t = rc.trace(T)
    out = sk.ROWS - 1
    _bump(t, out, sk.S + 3)
    s = int(t[out, sk.S + 3])
    t[out, sk.Y + 3], t[out, sk.W + 3] = pow(s, 3, P), pow(s, 7, P)
    assert rc.failing() == {"bus", "next3"}


def test_padding_rows_do_nothing() -> None:
    rc = _program()
    airs = rc.program.airs()
    i = rc.index(T)
    pad = rc.program.tables[i].rows
    assert pad < airs[i].height
    airs[i].pre = airs[i].pre.copy()
    airs[i].pre[pad, sk.MULT] = 1  # a padding row writing (0, 0...) once
    rc.layouts = compile_machine(Machine(airs, rc.program.num_public))
    assert rc.failing() == {"bus"}


def test_verifier_rejects_a_wrong_output() -> None:
    rc = _program()
    t = rc.trace(T)
    out = sk.ROWS - 1
    _bump(t, out, sk.S + 15)
    vk = program_vk(rc.program, FAST)
    with unchecked_prover():
        proof = prove(vk, rc.traces, list(rc.witness.public), FieldRng.seeded(2))
    with pytest.raises(VerificationError):
        verify_program(vk, proof, rc.witness.public)


def test_uniform_heights_and_shrink_params() -> None:
    """``finish(min_height)`` pads every table to one height (still proves); ``shrink_params``
    finds a query count reaching its target for the program's machine."""
    from zkrv_prover.recursion import shrink
    from zkrv_prover.recursion.machine import build_machine

    r = RecursionBuilder(poseidon2="skinny")
    out = r.b_permute([r.b_input(i) for i in range(16)])
    r.expose_public(out[0])
    rows = r.table_rows()
    assert rows[T] == sk.ROWS and rows["witness_base"] == 4  # 16 inputs, 5 per row
    rc = record_min(r, 64)
    assert set(rc.program.heights().values()) == {64}
    assert rc.problems() == []
    vk = program_vk(rc.program, FAST)
    proof = prove_program(vk, rc.witness, rng=FieldRng.seeded(1), recorded=rc.program)
    verify_program(vk, proof, rc.witness.public)
    lays = compile_machine(build_machine(rc.program))
    sp = shrink.shrink_params(lays, shrink.log_heights(rc.program), 3, 16, target=80.0)
    assert sp is not None and sp.bits >= 80.0 and sp.params.hash == "poseidon-bn254"


def record_min(r: RecursionBuilder, min_height: int) -> Recorded:
    program, witness = r.finish(min_height)
    from zkrv_prover.recursion.machine import table_traces

    machine = Machine(program.airs(), program.num_public)
    return Recorded(program, witness, compile_machine(machine), table_traces(program, witness))
