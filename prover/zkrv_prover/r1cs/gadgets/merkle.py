"""Merkle commitments of the STARK (spec: :mod:`zkrv_prover.bn254.merkle`) as R1CS.

- ``pack_babybear``: 8 canonical BabyBear values per BN254 element (free: a linear combination).
  The values must be canonical (< p), which :func:`hash_leaf` enforces via ``reduce``.
- ``hash_leaf``: Poseidon of the packed row (t = k + 1 for k <= 16 elements), chained beyond 16.
- ``path_root``: one level costs the child ordering plus Poseidon of width arity + 1. Ordering for
  arity 2 is one ``select`` (1 constraint); arity ``a`` > 2 builds the one-hot position
  (a - 2 constraints from the ``log2 a`` index bits) and 2 constraints per middle child.
  Per level: arity 2: 1 + 240 = 241; arity 4: 2 + 5 + 297 = 304 (see docs/r1cs.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from zkrv_prover.bn254.merkle import ARITIES, PACK_SHIFT, PACK_WIDTH
from zkrv_prover.r1cs.builder import LC, ConstraintSystem
from zkrv_prover.r1cs.gadgets import babybear as bb
from zkrv_prover.r1cs.gadgets.babybear import BB
from zkrv_prover.r1cs.gadgets.bits import select
from zkrv_prover.r1cs.gadgets.poseidon import hash_elements


def pack_babybear(cs: ConstraintSystem, row: Sequence[BB]) -> list[LC]:
    """Canonicalize ``row`` and pack it 8 values per element (reductions only where needed)."""
    if not row:
        raise ValueError("cannot pack an empty row")
    out = []
    for j in range(0, len(row), PACK_WIDTH):
        acc = LC({}, 0)
        for i, v in enumerate(row[j : j + PACK_WIDTH]):
            acc = acc + bb.reduce(cs, v, canonical=True).lc * (1 << (PACK_SHIFT * i))
        out.append(acc)
    return out


def hash_leaf(cs: ConstraintSystem, row: Sequence[BB]) -> LC:
    """Leaf digest of a row of BabyBear values, as ``zkrv_prover.bn254.merkle.hash_leaf``."""
    e = pack_babybear(cs, row)
    if len(e) <= 16:
        return hash_elements(cs, e)
    h = hash_elements(cs, e[:16])
    for j in range(16, len(e), 15):
        h = hash_elements(cs, [h, *e[j : j + 15]])
    return h


def one_hot(cs: ConstraintSystem, bits: Sequence[LC]) -> list[LC]:
    """``e[j] = [sum 2^i bits[i] == j]`` for boolean bits (2^k - 2 constraints for k >= 1 bits)."""
    e = [LC.const(1)]
    for b in bits:
        nxt: list[LC] = [LC({}, 0)] * (2 * len(e))
        for j, x in enumerate(e):
            hi = cs.mul(x, b, "one-hot")
            nxt[j] = x - hi
            nxt[j + len(e)] = hi
        e = nxt
    return e


def order_children(
    cs: ConstraintSystem, node: LC, pos_bits: Sequence[LC], siblings: Sequence[LC]
) -> list[LC]:
    """Children of a node, ``node`` placed at position ``pos`` (bits little-endian), siblings
    filling the other slots in order (as ``open_path`` lists them)."""
    a = len(siblings) + 1
    if a == 2:
        (s,) = siblings
        (b,) = pos_bits
        left = select(cs, b, s, node)
        return [left, node + s - left]
    e = one_hot(cs, pos_bits)
    children = []
    at_or_after = LC.const(1)  # [pos >= j]
    for j in range(a):
        # pos > j: siblings[j]; pos == j: node; pos < j: siblings[j - 1]. As a formula:
        # lo + [pos >= j] (hi - lo) + [pos == j] (node - hi), clamping lo/hi at the ends.
        lo = siblings[max(j - 1, 0)]
        hi = siblings[min(j, a - 2)]
        child = (
            lo
            + cs.mul(at_or_after, hi - lo, "merkle order")
            + cs.mul(e[j], node - hi, "merkle order")
        )
        children.append(child)
        at_or_after = at_or_after - e[j]
    return children


def path_root(
    cs: ConstraintSystem,
    leaf: LC,
    index_bits: Sequence[LC],
    siblings: Sequence[Sequence[LC]],
    arity: int,
) -> LC:
    """The root reached from ``leaf`` at the index given by boolean ``index_bits`` (little-endian,
    ``log2(arity)`` per level, leaves first) through ``siblings`` (``arity - 1`` per level)."""
    if arity not in ARITIES:
        raise ValueError(f"Merkle arity must be one of {ARITIES}, got {arity}")
    k = arity.bit_length() - 1
    if len(index_bits) != k * len(siblings):
        raise ValueError("index bits do not match the path length")
    h = leaf
    for level, sib in enumerate(siblings):
        if len(sib) != arity - 1:
            raise ValueError(f"level {level} has {len(sib)} siblings, expected {arity - 1}")
        h = hash_elements(cs, order_children(cs, h, index_bits[k * level : k * level + k], sib))
    return h


def verify_path(
    cs: ConstraintSystem,
    leaf: LC,
    index_bits: Sequence[LC],
    siblings: Sequence[Sequence[LC]],
    root: LC,
    arity: int,
) -> None:
    """Constrain the path to end at ``root`` (``path_root`` + 1 constraint)."""
    cs.assert_equal(path_root(cs, leaf, index_bits, siblings, arity), root, "merkle root")
