"""The STARK commitment spec over BN254 Poseidon, and its pure-Python reference.

Rows of BabyBear values are committed as Merkle trees whose leaves and nodes are Poseidon hashes
(circomlib parameters, see :mod:`zkrv_prover.bn254.poseidon_ref`), so a Groth16 circuit can
re-check openings cheaply. The spec (fixed; the native engine implements the same):

- ``pack_babybear``: a row of m canonical BabyBear values (< p = 2013265921) becomes
  k = ceil(m / 8) BN254 scalars, element j = sum_{i<8} v[8j+i] * 2^(31 i) (the last chunk may be
  shorter). 8 * 31 = 248 bits < 254, so packing is injective and canonical.
- ``hash_leaf``: e = pack(row); if k <= 16 the digest is poseidon(e) (t = k + 1); otherwise
  h = poseidon(e[0:16]), then h = poseidon([h, *c]) for each following chunk c of up to 15.
- ``NODE``: poseidon(children) with the tree's arity a in {2, 4, 8, 16} (t = a + 1). A tree has
  n = a^d leaves (a power of the arity, d >= 0); its root is the single top node, and the root of a
  one-leaf tree is that leaf's digest.
- Openings: for each level from the leaves up, the a - 1 siblings of the path node, in child
  order with the path node itself left out.

Everything here is slow reference code; the batch versions live in the native engine.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkrv_prover.bn254.poseidon_ref import poseidon

#: The BabyBear prime.
BABYBEAR_P: int = 2013265921
#: BabyBear values per packed BN254 scalar, and the bit stride between them.
PACK_WIDTH: int = 8
PACK_SHIFT: int = 31
#: Tree arities the spec allows.
ARITIES: tuple[int, ...] = (2, 4, 8, 16)


def pack_babybear(row: Sequence[int]) -> list[int]:
    """Pack canonical BabyBear values into ceil(len(row) / 8) BN254 scalars (see module doc)."""
    if len(row) == 0:
        raise ValueError("cannot pack an empty row")
    out = []
    for j in range(0, len(row), PACK_WIDTH):
        acc = 0
        for i, v in enumerate(row[j : j + PACK_WIDTH]):
            if not 0 <= int(v) < BABYBEAR_P:
                raise ValueError(f"row value {j + i} is not a canonical BabyBear element: {v}")
            acc |= int(v) << (PACK_SHIFT * i)
        out.append(acc)
    return out


def hash_leaf(row: Sequence[int]) -> int:
    """Leaf digest of one row of BabyBear values (sponge-free chain for more than 16 chunks)."""
    e = pack_babybear(row)
    if len(e) <= 16:
        return poseidon(e)
    h = poseidon(e[:16])
    for j in range(16, len(e), 15):
        h = poseidon([h, *e[j : j + 15]])
    return h


def _check_arity(arity: int) -> None:
    if arity not in ARITIES:
        raise ValueError(f"Merkle arity must be one of {ARITIES}, got {arity}")


def tree_depth(n_leaves: int, arity: int) -> int:
    """d with arity^d == n_leaves; ``ValueError`` if n_leaves is not a power of the arity."""
    _check_arity(arity)
    d, n = 0, 1
    while n < n_leaves:
        n *= arity
        d += 1
    if n != n_leaves or n_leaves < 1:
        raise ValueError(f"Merkle tree needs a power of {arity} leaves, got {n_leaves}")
    return d


def merkle_layers(leaf_digests: Sequence[int], arity: int) -> list[list[int]]:
    """All layers, leaves first and ``[root]`` last."""
    tree_depth(len(leaf_digests), arity)
    layers = [list(leaf_digests)]
    while len(layers[-1]) > 1:
        cur = layers[-1]
        layers.append([poseidon(cur[i : i + arity]) for i in range(0, len(cur), arity)])
    return layers


def merkle_root(leaf_digests: Sequence[int], arity: int) -> int:
    """Root of the tree over ``leaf_digests``."""
    return merkle_layers(leaf_digests, arity)[-1][0]


def open_path(layers: Sequence[Sequence[int]], index: int, arity: int) -> list[list[int]]:
    """Siblings of leaf ``index``: one list of arity - 1 digests per level, leaves first."""
    _check_arity(arity)
    if not 0 <= index < len(layers[0]):
        raise ValueError(f"leaf index {index} outside 0..{len(layers[0])}")
    out = []
    for layer in layers[:-1]:
        base, pos = index - index % arity, index % arity
        out.append([layer[base + i] for i in range(arity) if i != pos])
        index //= arity
    return out


def verify_path(
    leaf_digest: int, index: int, siblings: Sequence[Sequence[int]], root: int, arity: int
) -> bool:
    """True iff ``siblings`` (as from :func:`open_path`) connect ``leaf_digest`` at ``index`` to
    ``root``. Malformed openings (wrong sibling counts, index out of range) give False."""
    _check_arity(arity)
    if index < 0 or index >= arity ** len(siblings):
        return False
    h = leaf_digest
    for level in siblings:
        if len(level) != arity - 1:
            return False
        pos = index % arity
        children = [*level[:pos], h, *level[pos:]]
        try:
            h = poseidon(children)
        except ValueError:
            return False
        index //= arity
    return h == root
