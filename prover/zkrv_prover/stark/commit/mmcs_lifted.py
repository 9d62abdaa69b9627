"""Lifted-leaf Merkle commitments (the Poseidon2 MMCS layout for per-table variable heights).

Layout: matrices t of heights 2^h_t are committed in ONE binary tree of height H >= max h_t
(``log_height``; default the tallest). Each matrix has its own row digests
``d_t[j] = leaf(row_t[j])`` (the scheme's leaf hash), and leaf i of the tree is
``leaf(d_0[i >> (H - h_0)] || d_1[i >> (H - h_1)] || ... || salt_i)`` in fixed matrix order,
with one salt row per leaf when hiding. There are no injections: the tree's shape depends on H
only, so a verifier whose heights are data walks one path of H levels (levels above the actual H
skipped by selection, ``pcs_verify.verify_opening_var``) and recomputes each ``d_t`` from the
opened row whatever h_t is. Row i >> (H - h_t) of a shorter matrix is the bit-reversed-LDE index
relation (``docs/stark-pcs.md``), so one opening index serves every matrix.

Hiding needs one salt per leaf, not per matrix: a row digest ``d_t`` appears only inside leaf
hashes, each of which absorbs its own fresh salt, so siblings and caps reveal nothing about
unopened rows, and an opened row's digest is computable from the row anyway.

The cap is the level of ``2^min(max_log_cap, H)`` nodes. Openings reveal every matrix's row,
the leaf's salt and the siblings below the cap (binary trees: one sibling per level, as in
``mmcs.py``). Cost: T + 1 leaf sponges per leaf (T matrices), the lifted one gathered by the
native engine (``hash_backend.p2_hash_lifted``); ``poseidon-bn254`` trees keep the injection
layout of ``mmcs.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from zkrv_prover.stark.commit import hash_backend as hb
from zkrv_prover.stark.commit.mmcs import MatrixShape, MerkleOpening, MerkleTree, MmcsConfig
from zkrv_prover.stark.field.arith import AnyArith
from zkrv_prover.stark.field.randomness import FieldRng, require

U32 = npt.NDArray[np.uint32]


def log_cap(config: MmcsConfig, log_height: int) -> int:
    """log2 of the cap of a lifted tree of height 2^log_height."""
    return min(config.max_log_cap, log_height)


def commit(
    matrices: Sequence[U32],
    config: MmcsConfig,
    rng: FieldRng | None,
    log_height: int | None = None,
) -> MerkleTree:
    """Commit canonical matrices (power-of-two heights) in a lifted tree of height
    ``log_height`` (default and minimum: the tallest matrix). Binary trees only."""
    if config.max_arity != 2:
        raise ValueError("lifted trees are binary")
    mats = [np.ascontiguousarray(m, dtype=np.uint32) for m in matrices]
    if not mats:
        raise ValueError("commit at least one matrix")
    shapes = []
    for m in mats:
        n = m.shape[0]
        if m.ndim != 2 or n < 1 or n & (n - 1) or m.shape[1] < 1:
            raise ValueError(f"bad matrix shape {m.shape}")
        shapes.append(MatrixShape(n.bit_length() - 1, m.shape[1]))
    top = max(s.log_height for s in shapes)
    H = top if log_height is None else log_height
    if top > H:
        raise ValueError(f"lifted tree height 2^{H} below its tallest matrix 2^{top}")
    hs = config.scheme
    if hs.name != "poseidon2-babybear":
        raise ValueError("lifted trees hash with poseidon2-babybear")
    digests = [hs.hash_rows(m, config.backend) for m in mats]
    salts: dict[int, U32] = {}
    if config.salt_len:  # one salt row per leaf (module doc), keyed 0
        salts[0] = require(rng, "a hiding commitment (salts)").base((1 << H, config.salt_len))
    leaves = hb.p2_hash_lifted(digests, H, salts.get(0), config.backend)
    levels: list[npt.NDArray[Any]] = [leaves]
    for _ in range(H):
        prev = levels[-1]
        levels.append(hs.compress_batch(prev.reshape(-1, 2, hs.digest_cols), config.backend))
    tree = MerkleTree(config, mats, shapes, salts, levels, [1] * H)
    tree.lifted_height = H
    tree.root = hs.to_ints(levels[-1])[0]
    return tree


def cap_of(tree: MerkleTree) -> list[int]:
    """The cap of a lifted tree (sent once per proof)."""
    H = tree.lifted_height
    assert H is not None
    return tree.config.scheme.to_ints(tree.levels[H - log_cap(tree.config, H)])


def open_indices(tree: MerkleTree, indices: Sequence[int]) -> list[MerkleOpening]:
    """Openings of leaf indices (< 2^H): rows i >> (H - h_t), the leaf's salt (``salts``
    holds one row, empty when not hiding), siblings below the cap."""
    H = tree.lifted_height
    assert H is not None
    idx = np.asarray(indices, dtype=np.int64)
    if idx.size and (idx.min() < 0 or idx.max() >= 1 << H):
        raise ValueError("opening index out of range")
    rows = [
        m[idx >> (H - s.log_height)].tolist()
        for m, s in zip(tree.matrices, tree.shapes, strict=True)
    ]
    salts = tree.salts[0][idx].tolist() if tree.config.salt_len else [[]] * len(idx)
    below = H - log_cap(tree.config, H)
    sibs: list[list[int]] = []
    node = idx.copy()
    for lvl in range(below):
        sibs.append(tree.config.scheme.to_ints(tree.levels[lvl][node ^ 1]))
        node >>= 1
    return [
        MerkleOpening(
            rows=[r[q] for r in rows],
            salts=[salts[q]],
            siblings=[[sibs[lvl][q]] for lvl in range(below)],
        )
        for q in range(len(idx))
    ]


def leaf(
    ar: AnyArith, config: MmcsConfig, rows: Sequence[Sequence[Any]], salt: Sequence[Any]
) -> Any:
    """The lifted leaf of opened rows (one per matrix, in commit order) and the leaf's salt
    (verifier side, over ``Arith``): leaf of the concatenated row digests and the salt. The
    tree height does not enter: that is what lets every matrix height be data."""
    hs = config.scheme
    flat: list[Any] = []
    for row in rows:
        flat.extend(hs.leaf(ar, list(row)))
    flat.extend(salt)
    return hs.leaf(ar, flat)


__all__ = ["cap_of", "commit", "leaf", "log_cap", "open_indices"]
