"""The STARK's MMCS opening verifier (stark/commit/mmcs.py, generic over Arith) run as a circuit."""

from __future__ import annotations

import numpy as np
import pytest

from zkrv_prover.r1cs.builder import ConstraintSystem
from zkrv_prover.r1cs.check import first_unsatisfied
from zkrv_prover.r1cs.stark_arith import CircuitArith
from zkrv_prover.stark.commit import mmcs
from zkrv_prover.stark.field.arith import NativeArith
from zkrv_prover.stark.field.field import P
from zkrv_prover.stark.field.randomness import FieldRng


def _tree(max_arity: int) -> tuple[mmcs.MmcsConfig, mmcs.MerkleTree]:
    rng = np.random.default_rng(5)
    cfg = mmcs.MmcsConfig(max_arity=max_arity, salt_len=8, backend="reference")
    mats = [
        rng.integers(0, P, size=(16, 3), dtype=np.uint32),
        rng.integers(0, P, size=(4, 10), dtype=np.uint32),
    ]
    return cfg, mmcs.commit(mats, cfg, FieldRng.seeded(5))


def _verify(
    ca: CircuitArith,
    cfg: mmcs.MmcsConfig,
    tree: mmcs.MerkleTree,
    index: int,
    opening: mmcs.MerkleOpening,
    root: int,
) -> None:
    bits = ca.d_to_bits(ca.d_input(index), 4)
    mmcs.verify_opening(
        ca, cfg, [ca.d_input(root)], tree.shapes, bits,
        [[ca.b_input(v) for v in r] for r in opening.rows],
        [[ca.b_input(v) for v in s] for s in opening.salts],
        [[ca.d_input(v) for v in s] for s in opening.siblings],
        "test",
    )  # fmt: skip


@pytest.mark.parametrize("max_arity", [2, 4])
def test_mmcs_opening_in_circuit(max_arity: int) -> None:
    cfg, tree = _tree(max_arity)
    for index in (0, 9, 15):
        (op,) = mmcs.open_indices(tree, [index])
        bits = [(index >> j) & 1 for j in range(4)]
        mmcs.verify_opening(
            NativeArith(), cfg, [tree.root], tree.shapes, bits, op.rows, op.salts, op.siblings, "n"
        )
        cs = ConstraintSystem()
        _verify(CircuitArith(cs), cfg, tree, index, op, tree.root)
        assert first_unsatisfied(cs.to_r1cs(), cs.witness()) is None


def test_mmcs_tampered_opening_has_no_witness() -> None:
    cfg, tree = _tree(4)
    (op,) = mmcs.open_indices(tree, [6])
    tampers = [
        lambda o: o.rows[0].__setitem__(1, (o.rows[0][1] + 1) % P),
        lambda o: o.rows[1].__setitem__(9, (o.rows[1][9] + 1) % P),
        lambda o: o.salts[0].__setitem__(0, (o.salts[0][0] + 1) % P),
        lambda o: o.siblings[0].__setitem__(2, o.siblings[0][2] + 1),
    ]
    for tamper in tampers:
        bad = mmcs.MerkleOpening(
            [list(r) for r in op.rows], [list(s) for s in op.salts], [list(s) for s in op.siblings]
        )
        tamper(bad)
        cs = ConstraintSystem(strict=False)
        _verify(CircuitArith(cs), cfg, tree, 6, bad, tree.root)
        assert first_unsatisfied(cs.to_r1cs(), cs.witness()) is not None
    # the right opening at the wrong index fails too
    cs = ConstraintSystem(strict=False)
    _verify(CircuitArith(cs), cfg, tree, 7, op, tree.root)
    assert first_unsatisfied(cs.to_r1cs(), cs.witness()) is not None
