"""Poseidon and Merkle gadgets against the pure-Python references of zkrv_prover.bn254."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from zkrv_prover.bn254 import merkle as ref
from zkrv_prover.bn254.constants import R
from zkrv_prover.bn254.poseidon_ref import permute, poseidon
from zkrv_prover.r1cs.builder import LC, ConstraintSystem
from zkrv_prover.r1cs.gadgets import babybear as bb
from zkrv_prover.r1cs.gadgets import merkle
from zkrv_prover.r1cs.gadgets import poseidon as pg

Pinned = Callable[[ConstraintSystem, int], list[int]]
Sat = Callable[[ConstraintSystem], bool]


@pytest.mark.parametrize("k", [1, 2, 3, 4, 8, 16])
def test_poseidon_hash_matches_reference(k: int, every_var_pinned: Pinned) -> None:
    rng = random.Random(k)
    cs = ConstraintSystem()
    xs = [rng.randrange(R) for _ in range(k)]
    ins = [cs.alloc(x) for x in xs]
    out = pg.hash_elements(cs, ins)
    assert out.value == poseidon(xs)
    if k == 2:
        assert cs.n_constraints == 240
    # an input given as a linear combination, a constant input, and a second call (template reuse)
    lc_in = [ins[0] * 3 + 5, *ins[1:]]
    assert pg.hash_elements(cs, lc_in).value == poseidon([(xs[0] * 3 + 5) % R, *xs[1:]])
    const_in = [LC.const(7), *ins[1:]]
    assert pg.hash_elements(cs, const_in).value == poseidon([7, *xs[1:]])
    if k <= 4:
        assert every_var_pinned(cs, 1) == []


def test_poseidon_full_state_permutation() -> None:
    rng = random.Random(9)
    for t in (2, 3, 5, 17):
        cs = ConstraintSystem()
        xs = [rng.randrange(R) for _ in range(t)]
        out = pg.permute(cs, [cs.alloc(x) for x in xs])
        assert [o.value for o in out] == permute(xs)
        assert [o.value for o in pg.permute(cs, [LC.const(x) for x in xs])] == permute(xs)


def test_poseidon_wrong_output_rejected(is_satisfied: Sat) -> None:
    cs = ConstraintSystem(strict=False)
    a, b = cs.alloc(1), cs.alloc(2)
    out = pg.hash_elements(cs, [a, b])
    cs.assert_equal(out, LC.const(poseidon([1, 2]) + 1))
    assert not is_satisfied(cs)
    # tampering with any S-box value inside the replayed template breaks it too
    cs = ConstraintSystem()
    pg.hash_elements(cs, [cs.alloc(1), cs.alloc(2)])
    r1cs, w = cs.to_r1cs(), cs.witness()
    from zkrv_prover.r1cs.check import first_unsatisfied

    for v in (3, 50, cs.n_vars - 1):
        bad = list(w)
        bad[v] = (bad[v] + 1) % R
        assert first_unsatisfied(r1cs, bad) is not None


@pytest.mark.parametrize("m", [1, 8, 9, 20, 140])
def test_leaf_hash_matches_spec(m: int) -> None:
    rng = random.Random(m)
    row = [rng.randrange(ref.BABYBEAR_P) for _ in range(m)]
    cs = ConstraintSystem()
    cells = [bb.alloc(cs, v) for v in row]
    assert merkle.hash_leaf(cs, cells).value == ref.hash_leaf(row)
    # unreduced inputs (a product, a difference) are canonicalized before packing
    cells2 = [bb.mul(cs, cells[0], bb.const(1)), *cells[1:]]
    cells2[0] = bb.sub(cs, bb.add(cs, cells2[0], cells[-1]), cells[-1])
    assert merkle.hash_leaf(cs, cells2).value == ref.hash_leaf(row)


@pytest.mark.parametrize("arity", [2, 4, 8, 16])
def test_merkle_paths(arity: int, is_satisfied: Sat) -> None:
    rng = random.Random(arity)
    depth = 2 if arity < 16 else 1
    leaves = [rng.randrange(R) for _ in range(arity**depth)]
    layers = ref.merkle_layers(leaves, arity)
    root = layers[-1][0]
    k = arity.bit_length() - 1
    for index in sorted({0, len(leaves) - 1, rng.randrange(len(leaves))}):
        sib = ref.open_path(layers, index, arity)

        def build(cs: ConstraintSystem, leaf: int, idx: int, siblings: list[list[int]]) -> None:
            bits = [cs.alloc((idx >> i) & 1) for i in range(k * depth)]
            for b in bits:
                cs.assert_bool(b)
            sv = [[cs.alloc(x) for x in lvl] for lvl in siblings]
            merkle.verify_path(cs, cs.alloc(leaf), bits, sv, LC.const(root), arity)

        cs = ConstraintSystem()
        build(cs, leaves[index], index, sib)
        # wrong leaf, wrong index, tampered sibling: no satisfying witness is produced
        for leaf, idx, s in (
            (leaves[index] + 1, index, sib),
            (leaves[index], (index + 1) % len(leaves), sib),
            (leaves[index], index, [[x + (i == 0) for i, x in enumerate(lvl)] for lvl in sib]),
        ):
            bad = ConstraintSystem(strict=False)
            build(bad, leaf, idx, s)
            assert not is_satisfied(bad), (leaf, idx)


def test_merkle_level_cost() -> None:
    cs = ConstraintSystem()
    b = cs.alloc(1)
    merkle.path_root(cs, cs.alloc(5), [b], [[cs.alloc(6)]], 2)
    assert cs.n_constraints == 241


def test_one_hot() -> None:
    for k in (1, 2, 3):
        for v in range(2**k):
            cs = ConstraintSystem()
            e = merkle.one_hot(cs, [cs.alloc((v >> i) & 1) for i in range(k)])
            assert [x.value for x in e] == [int(j == v) for j in range(2**k)]
            assert cs.n_constraints == 2**k - 2
