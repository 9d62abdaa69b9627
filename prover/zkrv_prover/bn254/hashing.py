"""Fast Poseidon and Merkle commitments through the native engine (``zkrv_prover._native``).

Same results as the references (:mod:`.poseidon_ref`, :mod:`.merkle`) but in Rust, multi-threaded,
with the GIL released and no per-hash Python call. Field elements cross as ``uint64`` arrays of
shape ``(..., 4)``: little-endian limbs of canonical scalars (< R) in standard form, the layout of
:func:`zkrv_prover.r1cs.system.to_limbs`. BabyBear rows cross as ``uint32`` arrays ``(n, m)``.
Non-canonical inputs raise ``ValueError``. There is no pure-Python fallback: if the extension is
not built, calls raise ``ImportError`` saying how to build it.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

from zkrv_prover.bn254.constants import R
from zkrv_prover.bn254.merkle import BABYBEAR_P

U64 = npt.NDArray[np.uint64]
U32 = npt.NDArray[np.uint32]


def native() -> ModuleType:
    """The compiled engine; ``ImportError`` with a fix if it has not been built."""
    try:
        return importlib.import_module("zkrv_prover._native")
    except ImportError as e:  # pragma: no cover - depends on the build
        raise ImportError(
            "zkrv's native BN254 engine (zkrv_prover._native) is not built: "
            "run `python3 scripts/setup.py`"
        ) from e


def poseidon(inputs: Sequence[int]) -> int:
    """circomlib's poseidon of 1..16 canonical scalars (t = len(inputs) + 1), natively."""
    for i, v in enumerate(inputs):
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or not 0 <= v < R:
            raise ValueError(f"Poseidon input {i} is not a canonical BN254 scalar (< R): {v}")
    raw = b"".join(int(v).to_bytes(32, "little") for v in inputs)
    return int.from_bytes(native().poseidon_bytes(raw), "little")


def _as_limbs(a: npt.ArrayLike, ndim: int, what: str) -> U64:
    arr = np.asarray(a)
    if arr.dtype != np.uint64:
        raise ValueError(f"{what} must be a uint64 limb array, got dtype {arr.dtype}")
    if arr.ndim != ndim or arr.shape[-1] != 4:
        raise ValueError(f"{what} must have {ndim} axes ending in 4 limbs, got shape {arr.shape}")
    return np.ascontiguousarray(arr)


def _as_rows(rows: npt.ArrayLike) -> U32:
    arr = np.asarray(rows)
    if arr.ndim != 2:
        raise ValueError(f"rows must be a 2-D array (n, m), got shape {arr.shape}")
    if arr.dtype != np.uint32:
        if not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(f"rows must hold integers, got dtype {arr.dtype}")
        if arr.size and (arr.min() < 0 or arr.max() >= BABYBEAR_P):
            raise ValueError("rows hold values outside the canonical BabyBear range [0, p)")
        arr = arr.astype(np.uint32)
    return np.ascontiguousarray(arr)


def poseidon_batch(inputs: npt.ArrayLike) -> U64:
    """Hash ``n`` inputs of ``k`` scalars each: ``(n, k, 4)`` uint64 -> ``(n, 4)`` uint64."""
    out: U64 = native().poseidon_batch(_as_limbs(inputs, 3, "inputs"))
    return out


def hash_rows(rows: npt.ArrayLike) -> U64:
    """Leaf digests (spec ``LEAF``) of ``(n, m)`` BabyBear rows -> ``(n, 4)`` uint64 limbs."""
    out: U64 = native().hash_rows(_as_rows(rows))
    return out


def limbs_to_int(limbs: npt.ArrayLike) -> int:
    """One ``(4,)`` limb vector to a Python int."""
    return int.from_bytes(np.asarray(limbs, dtype="<u8").tobytes(), "little")


class MerkleTree:
    """A Poseidon Merkle tree (spec ``NODE``) kept natively with all layers, for openings."""

    def __init__(self, handle: Any) -> None:
        self._t = handle

    @classmethod
    def from_rows(cls, rows: npt.ArrayLike, arity: int) -> MerkleTree:
        """Tree over the leaf digests of ``(n, m)`` BabyBear rows; n must be a power of arity."""
        return cls(native().MerkleTree.from_rows(_as_rows(rows), arity))

    @classmethod
    def from_leaves(cls, leaves: npt.ArrayLike, arity: int) -> MerkleTree:
        """Tree over given ``(n, 4)`` leaf digests."""
        return cls(native().MerkleTree.from_leaves(_as_limbs(leaves, 2, "leaves"), arity))

    @property
    def arity(self) -> int:
        return int(self._t.arity)

    @property
    def depth(self) -> int:
        return int(self._t.depth)

    @property
    def n_leaves(self) -> int:
        return int(self._t.n_leaves)

    @property
    def root_limbs(self) -> U64:
        """The root as ``(4,)`` uint64 limbs."""
        out: U64 = self._t.root()
        return out

    @property
    def root(self) -> int:
        return limbs_to_int(self.root_limbs)

    def layer(self, i: int) -> U64:
        """Layer ``i`` as ``(len, 4)`` limbs: 0 is the leaves, ``depth`` is ``[root]``."""
        out: U64 = self._t.layer(i)
        return out

    def layers(self) -> list[U64]:
        """All layers, leaves first."""
        return [self.layer(i) for i in range(self.depth + 1)]

    def open(self, indices: npt.ArrayLike) -> U64:
        """Siblings of each leaf index: ``(q, depth, arity - 1, 4)`` limbs, ordered as by
        :func:`zkrv_prover.bn254.merkle.open_path` (levels leaves-up, own slot left out)."""
        idx = np.ascontiguousarray(np.asarray(indices, dtype=np.int64).reshape(-1))
        out: U64 = self._t.open(idx)
        return out
