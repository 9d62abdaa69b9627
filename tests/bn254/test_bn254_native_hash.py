"""Native Poseidon, row hashing and Merkle trees against the pure-Python references."""

from __future__ import annotations

import random

import numpy as np
import pytest

from zkrv_prover.bn254 import MerkleTree, hash_rows, limbs_to_int, poseidon, poseidon_batch
from zkrv_prover.bn254.constants import R
from zkrv_prover.bn254.merkle import (
    BABYBEAR_P,
    hash_leaf,
    merkle_layers,
    open_path,
    verify_path,
)
from zkrv_prover.bn254.poseidon_ref import poseidon as poseidon_ref
from zkrv_prover.r1cs.system import from_limbs, to_limbs

pytestmark = pytest.mark.native


def test_single_poseidon_every_width_matches_reference() -> None:
    rng = random.Random(99)
    for k in range(1, 17):
        for xs in ([rng.randrange(R) for _ in range(k)], [0] * k, [R - 1] * k):
            assert poseidon(xs) == poseidon_ref(xs), k


def test_batch_matches_reference() -> None:
    rng = random.Random(5)
    for k in (1, 2, 4, 8, 15, 16):
        batch = [[rng.randrange(R) for _ in range(k)] for _ in range(6)]
        limbs = to_limbs(v for xs in batch for v in xs).reshape(6, k, 4)
        out = poseidon_batch(limbs)
        assert out.shape == (6, 4) and out.dtype == np.uint64
        assert from_limbs(out) == [poseidon_ref(xs) for xs in batch]


def test_rejects_non_canonical_and_bad_shapes() -> None:
    with pytest.raises(ValueError, match="canonical"):
        poseidon([1, R])
    with pytest.raises(ValueError, match="canonical"):
        poseidon([1.0, 2])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=r"1\.\.16"):
        poseidon(list(range(17)))
    bad = np.zeros((3, 2, 4), dtype=np.uint64)
    bad[2, 1] = [0xFFFFFFFFFFFFFFFF] * 4
    with pytest.raises(ValueError, match="canonical"):
        poseidon_batch(bad)
    rlimbs = to_limbs([R - 1])[0].copy()
    rlimbs[0] += np.uint64(1)  # exactly R
    bad2 = np.zeros((1, 2, 4), dtype=np.uint64)
    bad2[0, 0] = rlimbs
    with pytest.raises(ValueError, match="canonical"):
        poseidon_batch(bad2)
    with pytest.raises(ValueError, match="uint64"):
        poseidon_batch(np.zeros((1, 2, 4), dtype=np.int64))
    with pytest.raises(ValueError, match=r"1\.\.16"):
        poseidon_batch(np.zeros((1, 17, 4), dtype=np.uint64))
    with pytest.raises(ValueError, match="axes"):
        poseidon_batch(np.zeros((1, 2, 3), dtype=np.uint64))


@pytest.mark.parametrize("m", [1, 7, 8, 9, 64, 128, 129, 300])
def test_hash_rows_matches_reference(m: int) -> None:
    rng = np.random.default_rng(m)
    rows = rng.integers(0, BABYBEAR_P, size=(5, m), dtype=np.uint32)
    rows[0] = BABYBEAR_P - 1
    out = hash_rows(rows)
    assert from_limbs(out) == [hash_leaf(r) for r in rows.tolist()]


def test_hash_rows_rejects_non_canonical() -> None:
    rows = np.zeros((4, 9), dtype=np.uint32)
    rows[2, 5] = BABYBEAR_P
    with pytest.raises(ValueError, match=r"rows\[2, 5\]"):
        hash_rows(rows)
    with pytest.raises(ValueError, match="BabyBear"):
        hash_rows(np.array([[1, -1]], dtype=np.int64))
    with pytest.raises(ValueError, match="column"):
        hash_rows(np.zeros((4, 0), dtype=np.uint32))
    # Non-contiguous views are accepted and hashed like their copies.
    big = np.arange(64, dtype=np.uint32).reshape(8, 8)
    assert np.array_equal(hash_rows(big[:, ::2]), hash_rows(big[:, ::2].copy()))


@pytest.mark.parametrize("arity", [2, 4, 8, 16])
def test_tree_matches_reference(arity: int) -> None:
    n = arity**2 if arity < 16 else 16
    rng = np.random.default_rng(arity)
    rows = rng.integers(0, BABYBEAR_P, size=(n, 20), dtype=np.uint32)
    tree = MerkleTree.from_rows(rows, arity)
    leaves = [hash_leaf(r) for r in rows.tolist()]
    ref = merkle_layers(leaves, arity)
    assert tree.depth == len(ref) - 1 and tree.n_leaves == n and tree.arity == arity
    assert [from_limbs(layer) for layer in tree.layers()] == ref
    assert tree.root == ref[-1][0]
    t2 = MerkleTree.from_leaves(to_limbs(leaves), arity)
    assert t2.root == tree.root
    idx = np.array([0, n - 1, n // 3, 0])
    sib = tree.open(idx)
    assert sib.shape == (4, tree.depth, arity - 1, 4)
    for q, i in enumerate(idx.tolist()):
        path = [from_limbs(level) for level in sib[q]]
        assert path == open_path(ref, i, arity)
        assert verify_path(leaves[i], i, path, tree.root, arity)


def test_tree_errors_and_single_leaf() -> None:
    leaves = to_limbs([7])
    t = MerkleTree.from_leaves(leaves, 4)
    assert t.root == 7 and t.depth == 0
    assert t.open([0]).shape == (1, 0, 3, 4)
    with pytest.raises(ValueError, match="power of 2"):
        MerkleTree.from_leaves(to_limbs(range(6)), 2)
    with pytest.raises(ValueError, match="arity"):
        MerkleTree.from_leaves(to_limbs(range(9)), 3)
    tree = MerkleTree.from_leaves(to_limbs(range(8)), 2)
    with pytest.raises(ValueError, match="outside"):
        tree.open([8])
    with pytest.raises(ValueError, match="outside"):
        tree.open([-1])
    with pytest.raises(ValueError, match="layer"):
        tree.layer(4)
    bad = to_limbs(range(4)).copy()
    bad[3] = [0xFFFFFFFFFFFFFFFF] * 4
    with pytest.raises(ValueError, match=r"leaves\[3\]"):
        MerkleTree.from_leaves(bad, 2)
    assert limbs_to_int(tree.root_limbs) == tree.root


@pytest.mark.node
def test_native_matches_circomlibjs_directly() -> None:
    from bn254_testutil import circomlib_poseidon

    rng = random.Random(2024)
    batch = [[rng.randrange(R) for _ in range(k)] for k in range(1, 17)]
    assert [poseidon(xs) for xs in batch] == circomlib_poseidon(batch)
