"""The Poseidon2 AIR gadget: its generator matches the reference permutation, its constraints
accept honest traces and catch a wrong value in any column, and a Poseidon2 table proves."""

from __future__ import annotations

import numpy as np
import pytest

from zkrv_prover.recursion import poseidon2_air as p2
from zkrv_prover.stark.air import debug
from zkrv_prover.stark.air import symbolic_eval as se
from zkrv_prover.stark.air.air import Air, AirBuilder, Machine, TableLayout, build_table
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.field.arith import VerificationError
from zkrv_prover.stark.field.field import P
from zkrv_prover.stark.field.poseidon2 import PARTIAL_ROUNDS, WIDTH, permute, permute_batch
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol.prover import ProverError, keygen, prove
from zkrv_prover.stark.protocol.testing import unchecked_prover
from zkrv_prover.stark.protocol.verifier import verify

FAST = PcsParams(num_queries=6, pow_bits=1)

# Relative columns of each kind (module doc layout).
FULL0_CUBE = WIDTH + 3  # initial full round 0, cube 3
FULL1_OUT = WIDTH + 32 + 16 + 5  # initial full round 1, output 5
PARTIAL_START = WIDTH + 4 * 32
PARTIAL4_CUBE = PARTIAL_START + 2 * 4
PARTIAL9_SBOX = PARTIAL_START + 2 * 9 + 1
FINAL_START = PARTIAL_START + 2 * PARTIAL_ROUNDS
FULL6_CUBE = FINAL_START + 2 * 32 + 11  # final full round 2 (round 6 overall), cube 11


def _inputs(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, P, size=(n, WIDTH), dtype=np.uint64)
    x[0] = 0  # a padding-like row
    x[1] = P - 1  # the largest values
    return x


def _layout(air: Air) -> TableLayout:
    return build_table(air, 0)


def _failing_rows(lay: TableLayout, main: np.ndarray) -> np.ndarray:
    """Boolean per row: some constraint of ``lay`` fails there."""
    bad = np.zeros(main.shape[0], dtype=bool)
    leaf = se.RowLeaves(main, None, None, [], None, None)

    def consume(_: int, v: np.ndarray) -> None:
        bad[:] |= np.broadcast_to(v != 0, bad.shape)

    se.evaluate_stream([c.expr for c in lay.constraints], leaf, consume)
    return bad


def test_layout() -> None:
    assert p2.NUM_COLS == 16 + 8 * 32 + 13 * 2 == 298
    assert p2.input_cols() == list(range(16))
    assert p2.output_cols() == list(range(282, 298))
    assert p2.input_cols(5) == list(range(5, 21))
    assert p2.output_cols(5) == list(range(287, 303))


def test_generate_matches_reference() -> None:
    x = _inputs(257)
    tr = p2.generate(x)
    assert tr.dtype == np.uint32 and tr.shape == (257, p2.NUM_COLS)
    assert int(tr.max()) < P
    assert (tr[:, p2.input_cols()] == x).all()
    assert (tr[:, p2.output_cols()] == permute_batch(x)).all()
    assert tr[2, p2.output_cols()].tolist() == permute(x[2].tolist())
    assert p2.generate(np.zeros((0, WIDTH), dtype=np.uint32)).shape == (0, p2.NUM_COLS)
    with pytest.raises(ValueError):
        p2.generate(np.full((1, WIDTH), P, dtype=np.uint64))
    with pytest.raises(ValueError):
        p2.generate(np.zeros((2, 15), dtype=np.uint64))


def test_table_trace_pads_with_zero_permutations() -> None:
    x = _inputs(5)
    tr = p2.table_trace(x)
    assert tr.shape == (8, p2.NUM_COLS)
    assert (tr[5:] == p2.generate(np.zeros((3, WIDTH), dtype=np.uint64))).all()
    assert p2.table_trace(x, 16).shape[0] == 16
    with pytest.raises(ValueError):
        p2.table_trace(x, 4)


def test_degrees() -> None:
    lay = _layout(p2.Poseidon2Air())
    assert len(lay.constraints) == 8 * 32 + 13 * 2
    assert max(c.expr.degree for c in lay.constraints) == 3
    assert lay.degree == 3
    assert not lay.interactions


def test_debug_checker_accepts_honest_trace() -> None:
    lay = _layout(p2.Poseidon2Air())
    assert debug.table_failures(lay, p2.table_trace(_inputs(100)), []) == []
    assert debug.table_failures(lay, p2.table_trace(np.zeros((0, WIDTH))), []) == []


@pytest.mark.parametrize(
    ("col", "constraint"),
    [
        (7, "p2_full0_cube"),  # an input: the first round's cubes no longer match
        (FULL0_CUBE, "p2_full0_cube3"),
        (FULL1_OUT, "p2_full1_out5"),
        (PARTIAL4_CUBE, "p2_partial4_cube"),
        (PARTIAL9_SBOX, "p2_partial9_sbox"),
        (FULL6_CUBE, "p2_full6_cube11"),
        (p2.output_cols()[9], "p2_full7_out9"),  # an output
    ],
    ids=["input", "full_cube", "full_out", "partial_cube", "partial_sbox", "final_cube", "output"],
)
def test_mutation_caught(col: int, constraint: str) -> None:
    lay = _layout(p2.Poseidon2Air())
    tr = p2.table_trace(_inputs(8))
    tr[3, col] = (int(tr[3, col]) + 1) % P
    fails = debug.table_failures(lay, tr, [])
    assert fails, f"mutating column {col} escaped"
    assert all(f.row == 3 and f.count == 1 for f in fails)
    assert any(f.constraint.startswith(constraint) for f in fails), fails


def test_every_column_is_constrained() -> None:
    """Each column mutated on its own row (constraints are row-local): every row fails."""
    lay = _layout(p2.Poseidon2Air())
    tr = p2.table_trace(_inputs(p2.NUM_COLS), 512)
    rng = np.random.default_rng(1)
    for col in range(p2.NUM_COLS):
        tr[col, col] = (int(tr[col, col]) + 1 + int(rng.integers(0, P - 1))) % P
    bad = _failing_rows(lay, tr)
    assert bad[: p2.NUM_COLS].all(), np.flatnonzero(~bad[: p2.NUM_COLS])
    assert not bad[p2.NUM_COLS :].any()


class _Offset(Air):
    """Two gadgets side by side after a free column: offsets are honoured."""

    name = "two"
    main_width = 1 + 2 * p2.NUM_COLS

    def eval(self, b: AirBuilder) -> None:
        p2.eval_permutation(b, 1)
        p2.eval_permutation(b, 1 + p2.NUM_COLS)


def test_offsets() -> None:
    lay = _layout(_Offset())
    assert lay.degree == 3
    a, c = p2.table_trace(_inputs(8, 1)), p2.table_trace(_inputs(8, 2))
    tr = np.concatenate([np.full((8, 1), 7, dtype=np.uint32), a, c], axis=1)
    assert debug.table_failures(lay, tr, []) == []
    assert (tr[:, p2.output_cols(1 + p2.NUM_COLS)] == permute_batch(_inputs(8, 2))).all()
    tr[2, p2.input_cols(1 + p2.NUM_COLS)[0]] += 1
    fails = debug.table_failures(lay, tr, [])
    assert fails and all(f.constraint.startswith(f"p2@{1 + p2.NUM_COLS}_") for f in fails)
    with pytest.raises(ValueError):
        p2.eval_permutation(AirBuilder(p2.NUM_COLS, 0, 0), 1)


def test_prove_and_verify_64_rows() -> None:
    vk = keygen(Machine([p2.Poseidon2Air()], name="poseidon2"), FAST)
    tr = p2.table_trace(_inputs(50), 64)
    proof = prove(vk, [tr], [], FieldRng.seeded(1))
    verify(vk, [], proof)
    # a tampered trace: the prover's own checks refuse it...
    bad = tr.copy()
    bad[17, PARTIAL9_SBOX] = (int(bad[17, PARTIAL9_SBOX]) + 1) % P
    with pytest.raises(ProverError, match="p2_partial9_sbox"):
        prove(vk, [bad], [], FieldRng.seeded(2))
    # ...and a proof of it made with the checks off is rejected by the verifier
    with unchecked_prover():
        cheat = prove(vk, [bad], [], FieldRng.seeded(3))
    with pytest.raises(VerificationError):
        verify(vk, [], cheat)
