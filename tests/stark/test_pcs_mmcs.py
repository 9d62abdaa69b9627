"""Merkle commitments of matrices (MMCS): native vs reference roots, openings, tampering."""

from __future__ import annotations

import numpy as np
import pytest

from zkrv_prover.bn254.merkle import hash_leaf, merkle_root
from zkrv_prover.stark.commit import mmcs
from zkrv_prover.stark.commit.mmcs import MatrixShape, MmcsConfig
from zkrv_prover.stark.field import field as fld
from zkrv_prover.stark.field.arith import NativeArith, VerificationError
from zkrv_prover.stark.field.randomness import FieldRng

RNG = FieldRng.seeded(5)


def _bits(i: int, n: int) -> list[int]:
    return [(i >> j) & 1 for j in range(n)]


def _verify(cfg: MmcsConfig, tree: mmcs.MerkleTree, i: int, op: mmcs.MerkleOpening) -> None:
    log_max = max(s.log_height for s in tree.shapes)
    ar = NativeArith()
    mmcs.verify_cap(ar, cfg, tree.root, tree.shapes, tree.cap, "test")
    mmcs.verify_opening(
        ar,
        cfg,
        tree.cap,
        tree.shapes,
        _bits(i, log_max),
        op.rows,
        op.salts,
        op.siblings,
        "test",
    )


def test_level_schedule() -> None:
    assert mmcs.level_log_arities([6], 2) == [2, 2, 2]
    assert mmcs.level_log_arities([5], 2) == [2, 2, 1]
    assert mmcs.level_log_arities([6, 5, 2], 2) == [1, 2, 1, 2]
    assert mmcs.level_log_arities([0], 4) == []
    assert mmcs.level_log_arities([3, 0], 1) == [1, 1, 1]


def test_single_matrix_matches_bn254_spec_reference() -> None:
    # Unsalted, one height, arity 4: the tree is the plain commitment-spec tree.
    m = RNG.base((16, 11))
    cfg = MmcsConfig(max_arity=4, salt_len=0, backend="reference")
    tree = mmcs.commit([m], cfg, None)
    leaves = [hash_leaf([int(v) for v in row]) for row in m]
    assert tree.root == merkle_root(leaves, 4)


@pytest.mark.native
def test_native_and_reference_roots_agree() -> None:
    mats = [
        RNG.base((16, 9)),
        RNG.base((8, 3)),
        RNG.base((16, 2)),
        RNG.base((2, 20)),
        RNG.base((1, 1)),
    ]
    for arity in (2, 4, 16):
        for salt_len in (0, 8):
            roots = []
            for backend in ("reference", "native"):
                cfg = MmcsConfig(max_arity=arity, salt_len=salt_len, backend=backend)  # type: ignore[arg-type]
                roots.append(mmcs.commit(mats, cfg, FieldRng.seeded(1)).root)
            assert roots[0] == roots[1]


def test_openings_verify_and_tampering_rejected() -> None:
    mats = [
        RNG.base((16, 5)),
        RNG.base((4, 3)),
        RNG.base((16, 2)),
        RNG.base((2, 9)),
    ]
    cfg = MmcsConfig(max_arity=4, salt_len=2, backend="reference")
    tree = mmcs.commit(mats, cfg, FieldRng.seeded(3))
    idx = [0, 5, 15, 10]
    ops = mmcs.open_indices(tree, idx)
    for i, op in zip(idx, ops, strict=True):
        assert op.rows[0] == mats[0][i].tolist()
        assert op.rows[1] == mats[1][i >> 2].tolist()
        assert op.rows[3] == mats[3][i >> 3].tolist()
        _verify(cfg, tree, i, op)
    i, op = idx[1], ops[1]
    # wrong index
    with pytest.raises(VerificationError):
        _verify(cfg, tree, 6, op)
    # each matrix row value, each salt value, each sibling altered
    for m in range(len(op.rows)):
        bad = mmcs.MerkleOpening([list(r) for r in op.rows], op.salts, op.siblings)
        bad.rows[m][0] = (bad.rows[m][0] + 1) % fld.P
        with pytest.raises(VerificationError):
            _verify(cfg, tree, i, bad)
    for g in range(len(op.salts)):
        bad = mmcs.MerkleOpening(op.rows, [list(s) for s in op.salts], op.siblings)
        bad.salts[g][-1] = (bad.salts[g][-1] + 1) % fld.P
        with pytest.raises(VerificationError):
            _verify(cfg, tree, i, bad)
    for lvl in range(len(op.siblings)):
        for k in range(len(op.siblings[lvl])):
            bad = mmcs.MerkleOpening(op.rows, op.salts, [list(s) for s in op.siblings])
            bad.siblings[lvl][k] ^= 1
            with pytest.raises(VerificationError):
                _verify(cfg, tree, i, bad)
    # swapped siblings (order matters)
    bad = mmcs.MerkleOpening(op.rows, op.salts, [list(s) for s in op.siblings])
    bad.siblings[0] = bad.siblings[0][::-1]
    with pytest.raises(VerificationError):
        _verify(cfg, tree, i, bad)
    # malformed shapes are rejected before any hashing
    with pytest.raises(ValueError, match="wrong shape"):
        _verify(cfg, tree, i, mmcs.MerkleOpening(op.rows, op.salts, op.siblings[:-1]))
    with pytest.raises(ValueError, match="widths"):
        _verify(cfg, tree, i, mmcs.MerkleOpening([*op.rows[:-1], []], op.salts, op.siblings))


@pytest.mark.parametrize("log_cap", [0, 1, 2, 3, 4, 9])
def test_caps(log_cap: int) -> None:
    mats = [RNG.base((32, 3)), RNG.base((8, 2)), RNG.base((16, 1))]
    cfg = MmcsConfig(max_arity=4, salt_len=1, backend="reference", max_log_cap=log_cap)
    tree = mmcs.commit(mats, cfg, FieldRng.seeded(3))
    log_c, below = mmcs.cap_plan(tree.shapes, cfg)
    assert log_c <= min(log_cap, 3) and len(tree.cap) == 1 << log_c
    if log_cap == 0:
        assert tree.cap == [tree.root]
    for i in (0, 17, 31):
        op = mmcs.open_indices(tree, [i])[0]
        assert len(op.siblings) == below
        _verify(cfg, tree, i, op)
    ar = NativeArith()
    bad_cap = list(tree.cap)
    bad_cap[-1] ^= 1
    with pytest.raises(VerificationError):
        mmcs.verify_cap(ar, cfg, tree.root, tree.shapes, bad_cap, "cap")
    op = mmcs.open_indices(tree, [31])[0]
    with pytest.raises(VerificationError):  # right path, wrong cap entry
        mmcs.verify_opening(
            ar, cfg, bad_cap, tree.shapes, _bits(31, 5), op.rows, op.salts, op.siblings, "t"
        )


def test_salts_hide_equal_matrices() -> None:
    m = RNG.base((4, 3))
    cfg = MmcsConfig(max_arity=2, salt_len=8, backend="reference")
    r1 = mmcs.commit([m], cfg, FieldRng.seeded(1)).root
    r2 = mmcs.commit([m], cfg, FieldRng.seeded(2)).root
    assert r1 != r2
    with pytest.raises(ValueError, match="rng"):
        mmcs.commit([m], cfg, None)


def test_rejects_bad_matrices() -> None:
    cfg = MmcsConfig(salt_len=0, backend="reference")
    with pytest.raises(ValueError, match="power of two"):
        mmcs.commit([np.zeros((3, 2), dtype=np.uint32)], cfg, None)
    with pytest.raises(ValueError):
        mmcs.commit([], cfg, None)
    with pytest.raises(ValueError):
        MmcsConfig(max_arity=3)
    assert mmcs.group_heights([MatrixShape(3, 1), MatrixShape(5, 2), MatrixShape(3, 4)]) == [
        (5, [1]),
        (3, [0, 2]),
    ]
