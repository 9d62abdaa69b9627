"""The medium Poseidon2 table (7 rows per permutation): the trace matches the reference
permutation; programs prove and verify; every constraint kind catches a mutated trace (state
words, round constants and selectors, the swap bit, addresses); the verifier rejects a proof of
a mutated trace; a recorded verifier gives the same values as with the skinny table."""

from __future__ import annotations

import numpy as np
import pytest
from recursion_testutil import FAST, Recorded, record

from zkrv_prover.recursion import shrink
from zkrv_prover.recursion.builder import RecursionBuilder
from zkrv_prover.recursion.machine import generate_traces, table_traces
from zkrv_prover.recursion.prove import program_vk, prove_program, verify_program
from zkrv_prover.recursion.tables import poseidon2_medium as md
from zkrv_prover.stark.air import debug
from zkrv_prover.stark.air.air import Machine, compile_machine
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.examples import fibonacci
from zkrv_prover.stark.field.arith import VerificationError
from zkrv_prover.stark.field.field import P
from zkrv_prover.stark.field.poseidon2 import WIDTH, permute
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol.prover import keygen, prove
from zkrv_prover.stark.protocol.testing import unchecked_prover

T = md.MediumPoseidon2Air.name
NEXT = {f"next{j}" for j in range(WIDTH)}
STAGES = {f"{k}{g}_{i}" for k in ("cube", "sbox") for g in (1, 2) for i in range(WIDTH)}


def _program(variant: str = "medium") -> Recorded:
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


def _refill(t: np.ndarray, row: int) -> None:
    """Recompute the S-box stages of ``row`` from its state (consistent cubes and S-box
    outputs, so only transitions and the bus can notice a changed state)."""
    j = row % md.ROWS
    s = [t[row : row + 1, md.S + i].astype(np.uint64) for i in range(WIDTH)]
    st1 = [md._sbox(s[i], md.RC1[j][i]) for i in range(WIDTH)]
    w1 = [w for _, w in st1]
    u2 = [v % np.uint64(P) for v in md._external(w1)]
    st2 = [md._sbox(u2[i], md.RC2[j][i]) for i in range(WIDTH)]
    for i in range(WIDTH):
        t[row, md.Y1 + i], t[row, md.W1 + i] = st1[i][0][0], st1[i][1][0]
        t[row, md.Y2 + i], t[row, md.W2 + i] = st2[i][0][0], st2[i][1][0]


def _bump(t: np.ndarray, row: int, col: int, by: int = 1) -> None:
    t[row, col] = (int(t[row, col]) + by) % P


def test_layout() -> None:
    rc = _program()
    lay = rc.layouts[rc.index(T)]
    assert rc.program.rows()[T] == 3 * md.ROWS
    assert (lay.main_width, lay.pre_width, lay.aux_width, lay.degree) == (86, 39, 9, 3)
    assert not {"poseidon2", "poseidon2_skinny"} & set(rc.program.rows())
    # the partial-round forms extend to a basis with three unit vectors
    assert len(md.EXTRA) == WIDTH - len(md.A_PARTIAL) == 3


def test_block_trace_is_the_reference_permutation() -> None:
    rng = np.random.default_rng(5)
    reads = rng.integers(0, P, size=(6, WIDTH), dtype=np.uint64)
    bit = np.array([0, 1, 0, 1, 1, 0], dtype=np.uint64)
    rows = md.block_trace(reads, bit)
    for n in range(6):
        x = [int(v) for v in reads[n]]
        if bit[n]:
            x = x[8:] + x[:8]
        assert [int(v) for v in rows[n, md.OUT, md.S : md.S + WIDTH]] == permute(x)
        assert [int(v) for v in rows[n, md.IN, md.S : md.S + WIDTH]] == [int(v) for v in reads[n]]
        assert int(rows[n, md.IN, md.BIT]) == int(bit[n])


def test_same_values_as_the_other_tables() -> None:
    a, b, c = _program("medium"), _program("skinny"), _program("wide")
    assert a.witness.public == b.witness.public == c.witness.public
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


def test_cube_and_sbox() -> None:
    rc = _program()
    _bump(rc.trace(T), md.F01, md.Y1 + 5)  # a full round's cube
    assert {"cube1_5", "sbox1_5"} <= rc.failing()
    rc = _program()
    _bump(rc.trace(T), md.F45, md.Y2 + 9)  # the second stage's cube
    assert rc.failing() == {"cube2_9", "sbox2_9"}
    rc = _program()
    _bump(rc.trace(T), md.PARTIAL, md.W1 + 4)  # a partial round's S-box output
    failing = rc.failing()
    assert "sbox1_4" in failing and failing <= {"sbox1_4", *STAGES, *NEXT}
    # the transition out of the partial row and the one into it both read it
    assert failing & NEXT


@pytest.mark.parametrize(
    ("row", "what"),
    [
        (md.IN, "in"),
        (md.F01, "full 0-1"),
        (md.F23, "full 2-3 into partial"),
        (md.PARTIAL, "partial"),
        (md.F45, "full 4-5"),
        (md.F67, "full 6-7 into out"),
    ],
)
@pytest.mark.parametrize("word", [0, 7, 13, 15])
def test_wrong_state_word(row: int, what: str, word: int) -> None:
    """A wrong state word entering the row after ``row`` (its S-box stages recomputed, so they
    stay consistent): that row's transition fails, no cube or S-box constraint does."""
    rc = _program()
    t = rc.trace(T)
    nxt = md.ROWS + row + 1  # in the second block (the swapped Merkle level)
    _bump(t, nxt, md.S + word)
    _refill(t, nxt)
    failing = rc.failing()
    assert f"next{word}" in failing, what
    assert not STAGES & failing, what
    if row == md.F67:  # the out row: its readers (of the digest half) see the written value
        assert failing == ({"bus", f"next{word}"} if word < 8 else {f"next{word}"})


def test_wrong_round_constant(monkeypatch: pytest.MonkeyPatch) -> None:
    """A trace generated with one wrong round constant (stage 1 of rounds 4-5, stage 2 of
    rounds 2-3, a partial round's constant) fails the S-box constraints of that row."""
    for rcs, row, i in ((md.RC1, md.F45, 3), (md.RC2, md.F23, 11), (md.RC1, md.PARTIAL, 12)):
        rc = _program()
        wrong = [list(r) for r in rcs]
        wrong[row][i] = (wrong[row][i] + 1) % P
        with monkeypatch.context() as m:
            m.setattr(md, "RC1" if rcs is md.RC1 else "RC2", wrong)
            rc.traces = generate_traces(rc.program, rc.witness)
        g = 1 if rcs is md.RC1 else 2
        assert {f"cube{g}_{i}", f"sbox{g}_{i}"} <= rc.failing()


def _with_pre(rc: Recorded, row: int, col: int, value: int) -> None:
    airs = rc.program.airs()
    k = rc.index(T)
    airs[k].pre = airs[k].pre.copy()
    airs[k].pre[row, col] = value
    rc.layouts = compile_machine(Machine(airs, rc.program.num_public))


@pytest.mark.parametrize(
    ("row", "sel", "other"),
    [
        (md.F01, md.IS_F01, md.IS_F45),  # rounds 4-5's constants on rounds 0-1
        (md.F67, md.IS_F67, md.IS_F23),  # into a partial row instead of the output
        (md.PARTIAL, md.IS_P, md.IS_F01),
        (md.IN, md.IS_IN, md.IS_F01),
    ],
)
def test_wrong_selector(row: int, sel: int, other: int) -> None:
    """A verifying key with a row's kind changed rejects the honest trace."""
    rc = _program()
    _with_pre(rc, row, sel, 0)
    _with_pre(rc, row, other, 1)
    assert rc.failing() & (STAGES | NEXT)


def test_dropped_selector() -> None:
    """Without the partial row's selector its output is unconstrained; with it, a wrong one
    fails (the selector is what carries the transition)."""
    rc = _program()
    _with_pre(rc, md.PARTIAL, md.IS_P, 0)
    # the partial row's S-box stage now uses zero constants: the honest trace fails
    assert {f"cube1_{i}" for i in range(13)} <= rc.failing()


def test_swap_bit() -> None:
    rc = _program()
    blk = md.ROWS  # the second block: swapped by a bit 1
    t = rc.trace(T)
    assert t[blk, md.BIT] == 1 and t[2 * blk, md.BIT] == 0
    t[blk, md.BIT] = 0
    assert {"next0", "next15", "bus"} <= rc.failing()
    rc = _program()
    rc.trace(T)[2 * blk, md.BIT] = 2
    assert "swap_bit_bool" in rc.failing()
    # a swapped state with the bit of the unswapped read (the bus notices the bit)
    rc = _program()
    t = rc.trace(T)
    t[2 * blk, md.BIT] = 1
    s = t[2 * blk, md.S : md.S + WIDTH].copy()
    t[2 * blk, md.S : md.S + WIDTH] = np.concatenate([s[8:], s[:8]])
    _refill(t, 2 * blk)
    assert rc.failing() == {"bus"}


def test_reads_and_writes_on_the_bus() -> None:
    # an input the row did not read (consistent stages): the bus and the first layer
    rc = _program()
    t = rc.trace(T)
    _bump(t, 0, md.S + 4)
    _refill(t, 0)
    assert rc.failing() - {"bus"} == NEXT
    # an output that differs from the last rounds' result and from what its readers see
    rc = _program()
    t = rc.trace(T)
    _bump(t, md.OUT, md.S + 3)
    _refill(t, md.OUT)
    assert rc.failing() == {"bus", "next3"}


@pytest.mark.parametrize(("row", "col"), [(md.OUT, md.ADDR + 2), (md.IN, md.ADDR + 9)])
def test_wrong_address(row: int, col: int) -> None:
    """An output written to (or an input read from) the wrong cell unbalances the bus."""
    rc = _program()
    pre = rc.program.airs()[rc.index(T)].pre
    _with_pre(rc, row, col, int(pre[row, col]) + 1)
    assert rc.failing() == {"bus"}
    rc = _program()
    _with_pre(rc, md.IN, md.ADDR_BIT, int(pre[md.IN, md.ADDR_BIT]) + 1)
    assert rc.failing() == {"bus"}


def test_padding_rows_do_nothing() -> None:
    rc = _program()
    i = rc.index(T)
    pad = rc.program.tables[i].rows
    assert pad < rc.program.airs()[i].height
    assert not rc.trace(T)[pad:].any()
    _with_pre(rc, pad, md.MULT, 1)  # a padding row writing (0, 0...) once
    assert rc.failing() == {"bus"}


def test_verifier_rejects_a_wrong_output() -> None:
    rc = _program()
    t = rc.trace(T)
    _bump(t, md.OUT, md.S + 15)
    vk = program_vk(rc.program, FAST)
    with unchecked_prover():
        proof = prove(vk, rc.traces, list(rc.witness.public), FieldRng.seeded(2))
    with pytest.raises(VerificationError):
        verify_program(vk, proof, rc.witness.public)


def test_recorded_verifier_same_as_skinny() -> None:
    """The shrink program of a Fibonacci proof (its generic verifier, uniform heights) recorded
    with the skinny and the medium table: same public values and memory, a satisfied AIR,
    7 / 23 the Poseidon2 rows."""
    inner = PcsParams(
        num_queries=3, pow_bits=4, hash="poseidon2-babybear", log_final_poly_len=2, log_cap=1
    )
    vk = keygen(fibonacci.machine(), inner)
    traces, pub = fibonacci.trace(5)
    proof = prove(vk, traces, pub, FieldRng.seeded(2))
    sk_prog, sk_wit = shrink.record_shrink(vk, pub, proof, "skinny")
    md_prog, md_wit = shrink.record_shrink(vk, pub, proof, "medium")
    assert list(md_wit.public) == list(sk_wit.public) == pub
    np.testing.assert_array_equal(md_wit.memory, sk_wit.memory)
    assert md_prog.rows()[T] * 23 == sk_prog.rows()["poseidon2_skinny"] * md.ROWS
    machine = Machine(md_prog.airs(), md_prog.num_public)
    lays = compile_machine(machine)
    assert debug.check_traces(lays, table_traces(md_prog, md_wit), pub) == []
