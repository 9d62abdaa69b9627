"""The Python reference of the Merkle commitment spec."""

from __future__ import annotations

import random

import pytest
from bn254_testutil import circomlib_poseidon

from zkrv_prover.bn254.merkle import (
    BABYBEAR_P,
    hash_leaf,
    merkle_layers,
    merkle_root,
    open_path,
    pack_babybear,
    tree_depth,
    verify_path,
)
from zkrv_prover.bn254.poseidon_ref import poseidon


def test_pack_layout() -> None:
    row = [1, 2, 3, 4, 5, 6, 7, 8, 9]
    e = pack_babybear(row)
    assert len(e) == 2
    assert e[0] == sum(v << (31 * i) for i, v in enumerate(row[:8]))
    assert e[1] == 9
    top = pack_babybear([BABYBEAR_P - 1] * 8)[0]
    assert top < 2**248


def test_pack_rejects_bad_rows() -> None:
    with pytest.raises(ValueError, match="BabyBear"):
        pack_babybear([1, BABYBEAR_P])
    with pytest.raises(ValueError, match="BabyBear"):
        pack_babybear([-1])
    with pytest.raises(ValueError, match="empty"):
        pack_babybear([])


def test_leaf_short_and_long_rows() -> None:
    rng = random.Random(7)
    short = [rng.randrange(BABYBEAR_P) for _ in range(20)]  # k = 3
    assert hash_leaf(short) == poseidon(pack_babybear(short))
    long = [rng.randrange(BABYBEAR_P) for _ in range(8 * 40 + 3)]  # k = 41 = 16 + 15 + 10
    e = pack_babybear(long)
    h = poseidon(e[:16])
    h = poseidon([h, *e[16:31]])
    h = poseidon([h, *e[31:41]])
    assert hash_leaf(long) == h
    exactly16 = [rng.randrange(BABYBEAR_P) for _ in range(128)]
    assert hash_leaf(exactly16) == poseidon(pack_babybear(exactly16))


@pytest.mark.node
def test_leaf_against_circomlibjs() -> None:
    rng = random.Random(8)
    row = [rng.randrange(BABYBEAR_P) for _ in range(64)]  # the benchmark's row width
    assert [hash_leaf(row)] == circomlib_poseidon([pack_babybear(row)])


@pytest.mark.parametrize("arity", [2, 4, 8, 16])
def test_tree_roundtrip_and_tamper(arity: int) -> None:
    rng = random.Random(arity)
    n = arity**2
    leaves = [rng.randrange(2**250) for _ in range(n)]
    layers = merkle_layers(leaves, arity)
    assert [len(layer) for layer in layers] == [n, arity, 1]
    root = merkle_root(leaves, arity)
    assert root == poseidon([poseidon(leaves[i : i + arity]) for i in range(0, n, arity)])
    for idx in (0, n - 1, rng.randrange(n)):
        sib = open_path(layers, idx, arity)
        assert [len(s) for s in sib] == [arity - 1, arity - 1]
        assert verify_path(leaves[idx], idx, sib, root, arity)
        assert not verify_path(leaves[idx] ^ 1, idx, sib, root, arity)
        assert not verify_path(leaves[idx], (idx + 1) % n, sib, root, arity)
        bad = [list(s) for s in sib]
        bad[1][0] ^= 1
        assert not verify_path(leaves[idx], idx, bad, root, arity)
        assert not verify_path(leaves[idx], idx, [sib[0]], root, arity)
        assert not verify_path(leaves[idx], idx, [*sib, sib[0]], root, arity)


def test_single_leaf_tree_and_shape_errors() -> None:
    assert merkle_root([42], 4) == 42
    assert open_path(merkle_layers([42], 4), 0, 4) == []
    assert tree_depth(64, 4) == 3
    with pytest.raises(ValueError, match="power of 4"):
        merkle_layers([1] * 8, 4)
    with pytest.raises(ValueError, match="power of 2"):
        merkle_layers([], 2)
    with pytest.raises(ValueError, match="arity"):
        merkle_layers([1] * 9, 3)
