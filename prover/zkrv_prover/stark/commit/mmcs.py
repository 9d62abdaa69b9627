"""Hiding Merkle commitments of several BabyBear matrices of power-of-two heights (an MMCS).

Tree shape (fixed by the heights, so prover, native verifier and circuit agree):

- Matrices are grouped by height. A group's leaf for row j is the commitment-spec leaf digest
  (:func:`~.arith.leaf_hash`) of the concatenated rows j of the group's matrices, in commit
  order, followed by the group's salt row when hiding (``salt_len`` random BabyBear values per
  row, revealed in openings; 8 values = 248 bits of hiding entropy per leaf).
- The tallest group (2^L rows) gives the bottom level. Going up, each level's arity is the
  largest allowed one (<= ``max_arity``) that does not jump over the height of another group:
  ``log_arity = min(log2(max_arity), current - next_lower_group_height)``. Node
  ``j = Poseidon(children j*a .. j*a + a - 1)``.
- When a level has the height of a shorter group, its nodes absorb that group's leaves:
  ``node_j = Poseidon([node_j, leaf_j])`` (Plonky3-style injection; one Merkle path serves all
  heights, which costs the circuit one extra width-3 hash per shorter group instead of a full
  extra path).
- Row j of a shorter matrix of height 2^h sits under leaf i of the tallest group when
  ``j = i >> (L - h)``; with the bit-reversed LDE order this is exactly the FRI/query index
  relation between domains of different sizes (see docs/stark-pcs.md).

An opening of index i reveals every matrix's row, each group's salt, and per level the a - 1
siblings of the path node in XOR order: ``siblings[m - 1] = child (pos XOR m)`` for m = 1..a-1,
where pos is the path node's position among its siblings. The verifier rebuilds the child list
with log2(a) layers of conditional swaps (:func:`~.arith.xor_permute`), so it never branches on
the index.

Hashing: the config's hash family (``MmcsConfig.hash``, ``hash_scheme.py``) gives the leaf,
node and injection functions above ("Poseidon" is the poseidon-bn254 family; poseidon2-babybear
trees are binary, nodes ``compress(left, right)``, injection ``compress(node, leaf)``).
Backends: ``"native"`` (the Rust engine, ``zkrv_prover._native``; required in production,
raising if missing) and ``"reference"`` (pure Python / numpy, for tests on small trees and for
checking that both give identical roots); ``hash_backend.py`` is the one place that picks it
(``hash_rows``/``hash_batch``, re-exported here, are the BN254 batch functions).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from zkrv_prover import progress
from zkrv_prover.stark.commit.hash_backend import Backend
from zkrv_prover.stark.commit.hash_backend import (
    NativeEngineMissingError as NativeEngineMissingError,
)
from zkrv_prover.stark.commit.hash_backend import hash_batch as hash_batch
from zkrv_prover.stark.commit.hash_backend import hash_rows as hash_rows
from zkrv_prover.stark.commit.hash_backend import ints_to_limbs as ints_to_limbs
from zkrv_prover.stark.commit.hash_backend import limbs_to_ints as limbs_to_ints
from zkrv_prover.stark.commit.hash_scheme import HashName, HashScheme, scheme_of
from zkrv_prover.stark.field.arith import Arith, B, Bit, D, E
from zkrv_prover.stark.field.randomness import FieldRng, require

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]

ARITIES = (2, 4, 8, 16)


# ------------------------------------------------------------------------------------------------
# Shape
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MmcsConfig:
    """Tree arity bound and hiding salt length (0 = binding only, not hiding)."""

    max_arity: int = 4
    salt_len: int = 8
    backend: Backend = "native"
    #: log2 of the largest Merkle cap (0: the cap is the root alone).
    max_log_cap: int = 0
    #: Hash family of leaves and nodes (``hash_scheme.HASH_NAMES``).
    hash: HashName = "poseidon-bn254"

    def __post_init__(self) -> None:
        if self.max_arity not in ARITIES:
            raise ValueError(f"Merkle arity must be one of {ARITIES}")
        self.scheme.check_arity(self.max_arity)
        if not 0 <= self.salt_len <= 64:
            raise ValueError("salt_len must be in 0..64")
        if not 0 <= self.max_log_cap <= 12:
            raise ValueError("max_log_cap must be in 0..12")

    @property
    def max_log_arity(self) -> int:
        return self.max_arity.bit_length() - 1

    @property
    def scheme(self) -> HashScheme:
        """The hash scheme of the tree's digests."""
        return scheme_of(self.hash)


@dataclass(frozen=True)
class MatrixShape:
    """log2 of a committed matrix's height and its width (number of base columns)."""

    log_height: int
    width: int


def group_heights(shapes: Sequence[MatrixShape]) -> list[tuple[int, list[int]]]:
    """Distinct log heights, tallest first, with the indices of the matrices of that height."""
    by: dict[int, list[int]] = {}
    for i, s in enumerate(shapes):
        by.setdefault(s.log_height, []).append(i)
    return sorted(by.items(), key=lambda kv: -kv[0])


def level_log_arities(log_heights: Sequence[int], max_log_arity: int) -> list[int]:
    """log2 of each level's arity, from the leaves up (see the module docstring)."""
    hs = sorted(set(log_heights), reverse=True)
    out = []
    cur = hs[0]
    while cur > 0:
        lower = [h for h in hs if h < cur]
        nxt = lower[0] if lower else 0
        la = min(max_log_arity, cur - nxt)
        out.append(la)
        cur -= la
    return out


def cap_plan(shapes: Sequence[MatrixShape], config: MmcsConfig) -> tuple[int, int]:
    """(log2 of the cap size, number of levels below the cap). The cap is the lowest level whose
    size is at most 2^max_log_cap and not below the shortest group's injection level (so every
    injection happens at or below the cap)."""
    hs = [s.log_height for s in shapes]
    bound = min(config.max_log_cap, min(hs))
    cur = max(hs)
    below = 0
    for la in level_log_arities(hs, config.max_log_arity):
        if cur <= bound:
            break
        cur -= la
        below += 1
    return cur, below


def _check_shapes(shapes: Sequence[MatrixShape]) -> None:
    if not shapes:
        raise ValueError("commit at least one matrix")
    for s in shapes:
        if s.width < 1 or not 0 <= s.log_height <= 27:
            raise ValueError(f"bad matrix shape {s}")


# ------------------------------------------------------------------------------------------------
# Prover side
# ------------------------------------------------------------------------------------------------


@dataclass
class MerkleTree:
    """Prover data of one commitment: the matrices, salts and every tree level."""

    config: MmcsConfig
    matrices: list[U32]
    shapes: list[MatrixShape]
    salts: dict[int, U32]  # log_height -> (2^h, salt_len) salt rows
    levels: list[npt.NDArray[Any]]  # digest arrays: level 0 = tallest group's leaves; last = [root]
    log_arities: list[int]
    root: int = field(default=0)
    #: The tree height of a lifted-leaf tree (``mmcs_lifted.py``; its one salt matrix, a row
    #: per leaf, keyed 0), None for this module's injection layout.
    lifted_height: int | None = None

    @property
    def log_max_height(self) -> int:
        if self.lifted_height is not None:
            return self.lifted_height
        return max(s.log_height for s in self.shapes)

    @property
    def cap(self) -> list[int]:
        """The Merkle cap (see ``cap_plan``), sent once per proof."""
        if self.lifted_height is not None:
            from zkrv_prover.stark.commit import mmcs_lifted

            return mmcs_lifted.cap_of(self)
        return self.config.scheme.to_ints(self.levels[cap_plan(self.shapes, self.config)[1]])


#: Cells (uint32) of leaf rows assembled and hashed per call while committing: 16 MiB.
LEAF_CHUNK_CELLS = 1 << 22


def _group_rows(
    matrices: Sequence[U32], idx: Sequence[int], salt: U32 | None, rows: npt.NDArray[np.int64]
) -> U32:
    parts = [matrices[i][rows] for i in idx]
    if salt is not None:
        parts.append(salt[rows])
    return np.concatenate(parts, axis=1) if len(parts) > 1 else parts[0]


def _leaf_step(width: int, config: MmcsConfig) -> int:
    """Rows per leaf-hashing chunk of a height group whose matrices are ``width`` wide."""
    return max(1, LEAF_CHUNK_CELLS // max(1, width + config.salt_len))


def commit_units(shapes: Sequence[MatrixShape], config: MmcsConfig) -> int:
    """The progress units :func:`commit` reports with ``report=True`` for matrices of these
    shapes: one per leaf-hashing chunk, plus one for the inner levels."""
    units = 1
    for lh, idx in group_heights(shapes):
        step = _leaf_step(sum(shapes[i].width for i in idx), config)
        units += -(-(1 << lh) // step)
    return units


def commit(
    matrices: Sequence[U32], config: MmcsConfig, rng: FieldRng | None, report: bool = False
) -> MerkleTree:
    """Commit to canonical uint32 matrices (heights powers of two). ``rng`` (a CSPRNG,
    :class:`~.randomness.FieldRng`) draws the salts; it may be None only when
    ``config.salt_len == 0``. ``report``: advance the current progress stage by
    :func:`commit_units` units (:mod:`zkrv_prover.progress`)."""
    mats = [np.ascontiguousarray(m, dtype=np.uint32) for m in matrices]
    shapes = []
    for m in mats:
        if m.ndim != 2:
            raise ValueError(f"commit takes 2-D matrices, got shape {m.shape}")
        h = m.shape[0]
        if h < 1 or h & (h - 1):
            raise ValueError(f"matrix height must be a power of two, got {h}")
        shapes.append(MatrixShape(h.bit_length() - 1, m.shape[1]))
    _check_shapes(shapes)
    groups = group_heights(shapes)
    salts: dict[int, U32] = {}
    if config.salt_len:
        gen = require(rng, "a hiding commitment (salts)")
        for lh, _ in groups:
            salts[lh] = gen.base((1 << lh, config.salt_len))
    scheme = config.scheme
    leaves: dict[int, npt.NDArray[Any]] = {}
    for lh, idx in groups:
        # Leaf rows are assembled and hashed in chunks (never a concatenated copy of the whole
        # group).
        step = _leaf_step(sum(shapes[i].width for i in idx), config)
        out: npt.NDArray[Any] = np.empty((1 << lh, scheme.digest_cols), scheme.digest_dtype)
        for r0 in range(0, 1 << lh, step):
            rows = np.arange(r0, min(1 << lh, r0 + step), dtype=np.int64)
            out[r0 : r0 + step] = scheme.hash_rows(
                _group_rows(mats, idx, salts.get(lh), rows), config.backend
            )
            if report:
                progress.advance()
        leaves[lh] = out
    log_ar = level_log_arities([s.log_height for s in shapes], config.max_log_arity)
    top = groups[0][0]
    levels = [leaves[top]]
    cur_log = top
    for la in log_ar:
        prev = levels[-1]
        a = 1 << la
        nodes = scheme.compress_batch(prev.reshape(-1, a, scheme.digest_cols), config.backend)
        cur_log -= la
        if cur_log in leaves:
            nodes = scheme.inject_batch(nodes, leaves[cur_log], config.backend)
        levels.append(nodes)
    if report:
        progress.advance()
    tree = MerkleTree(config, mats, shapes, salts, levels, log_ar)
    tree.root = scheme.to_ints(levels[-1])[0]
    return tree


@dataclass
class MerkleOpening:
    """One opened index: each matrix's row, each group's salt row (tallest group first; empty
    lists when not hiding) and per level the a - 1 siblings in XOR order."""

    rows: list[list[int]]
    salts: list[list[int]]
    siblings: list[list[int]]


def open_indices(tree: MerkleTree, indices: Sequence[int]) -> list[MerkleOpening]:
    """Openings of leaf indices of the tallest group (vectorized over the indices)."""
    if tree.lifted_height is not None:
        from zkrv_prover.stark.commit import mmcs_lifted

        return mmcs_lifted.open_indices(tree, indices)
    log_max = max(s.log_height for s in tree.shapes)
    idx = np.asarray(indices, dtype=np.int64)
    if idx.size and (idx.min() < 0 or idx.max() >= (1 << log_max)):
        raise ValueError("opening index out of range")
    rows_per_matrix = [
        tree.matrices[i][idx >> (log_max - s.log_height)].tolist()
        for i, s in enumerate(tree.shapes)
    ]
    groups = group_heights(tree.shapes)
    salt_rows = [
        tree.salts[lh][idx >> (log_max - lh)].tolist() if tree.config.salt_len else [[]] * len(idx)
        for lh, _ in groups
    ]
    sib_levels: list[list[list[int]]] = []  # [level][query] -> siblings
    node = idx.copy()
    below_cap = cap_plan(tree.shapes, tree.config)[1]
    for lvl, la in enumerate(tree.log_arities[:below_cap]):
        a = 1 << la
        pos = node & (a - 1)
        base = node - pos
        sib_idx = base[:, None] + (pos[:, None] ^ np.arange(1, a, dtype=np.int64)[None, :])
        sibs = tree.config.scheme.to_ints(tree.levels[lvl][sib_idx.ravel()])
        sib_levels.append([sibs[q * (a - 1) : (q + 1) * (a - 1)] for q in range(len(idx))])
        node = node >> la
    return [
        MerkleOpening(
            rows=[rows_per_matrix[m][q] for m in range(len(tree.shapes))],
            salts=[salt_rows[g][q] for g in range(len(groups))],
            siblings=[sib_levels[lvl][q] for lvl in range(below_cap)],
        )
        for q in range(len(idx))
    ]


# ------------------------------------------------------------------------------------------------
# Verifier side (generic over Arith; control flow depends on shapes only)
# ------------------------------------------------------------------------------------------------


def verify_cap(
    ar: Arith[B, E, D, Bit],
    config: MmcsConfig,
    root: Any,
    shapes: Sequence[MatrixShape],
    cap: Sequence[Any],
    what: str,
) -> None:
    """Check that a Merkle cap hashes up to ``root`` (no injections happen above the cap)."""
    _check_shapes(shapes)
    hs = config.scheme
    log_cap, below = cap_plan(shapes, config)
    if len(cap) != 1 << log_cap:
        raise ValueError(f"{what}: Merkle cap has the wrong size")
    cur = list(cap)
    for la in level_log_arities([s.log_height for s in shapes], config.max_log_arity)[below:]:
        a = 1 << la
        cur = [hs.compress(ar, cur[j : j + a]) for j in range(0, len(cur), a)]
    hs.assert_eq(ar, cur[0], root, f"{what}: Merkle cap root")


def verify_opening(
    ar: Arith[B, E, D, Bit],
    config: MmcsConfig,
    cap: Sequence[Any],
    shapes: Sequence[MatrixShape],
    index_bits: Sequence[Bit],
    rows: Sequence[Sequence[B]],
    salts: Sequence[Sequence[B]],
    siblings: Sequence[Sequence[Any]],
    what: str,
) -> None:
    """Check that ``rows`` (one per matrix, shorter matrices at index >> (L - h)) and ``salts``
    open the commitment at the index whose little-endian bits are ``index_bits`` (L = max log
    height bits), against a cap already checked with ``verify_cap`` (a one-element cap is the
    root). Structure (lengths) is validated with ``ValueError`` before any arithmetic: a proof
    parser must already have enforced it."""
    _check_shapes(shapes)
    groups = group_heights(shapes)
    log_max = groups[0][0]
    log_ar = level_log_arities([s.log_height for s in shapes], config.max_log_arity)
    log_cap, below = cap_plan(shapes, config)
    if len(index_bits) != log_max:
        raise ValueError(f"{what}: index needs {log_max} bits")
    if len(cap) != 1 << log_cap:
        raise ValueError(f"{what}: Merkle cap has the wrong size")
    if len(rows) != len(shapes) or any(
        len(r) != s.width for r, s in zip(rows, shapes, strict=True)
    ):
        raise ValueError(f"{what}: opened rows do not match the matrix widths")
    if len(salts) != len(groups) or any(len(s) != config.salt_len for s in salts):
        raise ValueError(f"{what}: salts do not match the commitment's groups")
    if len(siblings) != below or any(
        len(s) != (1 << la) - 1 for s, la in zip(siblings, log_ar[:below], strict=True)
    ):
        raise ValueError(f"{what}: Merkle path has the wrong shape")

    hs = config.scheme

    def group_leaf(g: int) -> Any:
        vals: list[B] = []
        for i in groups[g][1]:
            vals.extend(rows[i])
        vals.extend(salts[g])
        return hs.leaf(ar, vals)

    group_of = {lh: g for g, (lh, _) in enumerate(groups)}
    cur = group_leaf(0)
    cur_log = log_max
    for lvl, la in enumerate(log_ar[:below]):
        bit_lo = log_max - cur_log
        pos_bits = list(index_bits[bit_lo : bit_lo + la])
        cur = hs.compress_path(ar, cur, siblings[lvl], pos_bits)
        cur_log -= la
        if cur_log in group_of:
            cur = hs.inject(ar, cur, group_leaf(group_of[cur_log]))
    # The path node's index at the cap level is given by the top log_cap index bits.
    cap_bits = list(index_bits[log_max - log_cap :])
    hs.assert_cap_entry(ar, None, cur, cap, cap_bits, f"{what}: Merkle path")
