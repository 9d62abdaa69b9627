"""The prover's batch hashing: the one place that picks a hashing backend, for both hash
families.

Backends: ``"native"`` (the Rust engine, ``zkrv_prover._native``; required in production,
raising if missing) and ``"reference"`` (pure Python / numpy, for tests on small trees and for
checking that both give identical roots).

- Poseidon-BN254: digests are (n, 4) uint64 little-endian limbs (:func:`hash_rows`,
  :func:`hash_batch`).
- Poseidon2-BabyBear: digests are (n, 8) uint32 canonical elements (:func:`p2_hash_rows`,
  :func:`p2_compress`, :func:`p2_grind`). Until the native engine has the ``p2_*`` entry
  points, ``"native"`` runs the numpy reference for them (same function, slower).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from zkrv_prover.bn254.constants import R
from zkrv_prover.stark.field.field import P
from zkrv_prover.stark.field.poseidon2 import WIDTH, permute_batch

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
Backend = Literal["native", "reference"]

#: Poseidon2 digest size and sponge rate (elements).
P2_DIGEST = 8
P2_RATE = 8


class NativeEngineMissingError(RuntimeError):
    """The native engine (zkrv_prover._native) is not built; run scripts/setup.py."""


def native() -> Any:
    """The native engine module (raises :class:`NativeEngineMissingError` if not built)."""
    try:
        import zkrv_prover._native as _native
    except ImportError as e:  # no silent fallback: production hashing needs the engine
        raise NativeEngineMissingError(
            "zkrv_prover._native is not built (run scripts/setup.py); it is required for "
            "Merkle commitments (use backend='reference' only for small test trees)"
        ) from e
    return _native


def _native_p2(name: str, backend: Backend) -> Any | None:
    """The native Poseidon2 entry point ``name`` for backend "native", if the engine has it."""
    if backend != "native":
        return None
    return getattr(native(), name, None)


# ------------------------------------------------------------------------------------------------
# Poseidon-BN254
# ------------------------------------------------------------------------------------------------


def limbs_to_ints(limbs: U64) -> list[int]:
    """(n, 4) little-endian uint64 limbs to Python ints."""
    raw = np.ascontiguousarray(limbs, dtype="<u8").tobytes()
    return [int.from_bytes(raw[32 * i : 32 * i + 32], "little") for i in range(limbs.shape[0])]


def ints_to_limbs(vals: Sequence[int]) -> U64:
    """Canonical BN254 scalars to (n, 4) uint64 limbs."""
    for v in vals:
        if not 0 <= v < R:
            raise ValueError(f"not a canonical BN254 scalar: {v}")
    raw = b"".join(int(v).to_bytes(32, "little") for v in vals)
    return np.frombuffer(raw, dtype="<u8").reshape(len(vals), 4).astype(np.uint64)


def hash_rows(rows: U32, backend: Backend = "native") -> U64:
    """Leaf digests of the rows of an (n, m) canonical BabyBear matrix, as (n, 4) limbs."""
    rows = np.ascontiguousarray(rows, dtype=np.uint32)
    if backend == "native":
        return np.asarray(native().hash_rows(rows), dtype=np.uint64)
    from zkrv_prover.bn254.merkle import hash_leaf

    return ints_to_limbs([hash_leaf([int(v) for v in row]) for row in rows])


def hash_batch(inputs: U64, backend: Backend = "native") -> U64:
    """Poseidon of each of n inputs of k scalars: (n, k, 4) limbs -> (n, 4) limbs."""
    inputs = np.ascontiguousarray(inputs, dtype=np.uint64)
    if backend == "native":
        return np.asarray(native().poseidon_batch(inputs), dtype=np.uint64)
    from zkrv_prover.bn254.poseidon_ref import poseidon

    n, k, _ = inputs.shape
    flat = limbs_to_ints(inputs.reshape(n * k, 4))
    return ints_to_limbs([poseidon(flat[i * k : (i + 1) * k]) for i in range(n)])


# ------------------------------------------------------------------------------------------------
# Poseidon2-BabyBear
# ------------------------------------------------------------------------------------------------


def p2_to_ints(digests: U32) -> list[int]:
    """(n, 8) digests to ints sum_i felt_i 2^(32 i) (the proof encoding)."""
    raw = np.ascontiguousarray(digests, dtype="<u4").tobytes()
    return [int.from_bytes(raw[32 * i : 32 * i + 32], "little") for i in range(digests.shape[0])]


def p2_from_ints(vals: Sequence[int]) -> U32:
    """Digest ints to (n, 8) uint32 elements (each must be canonical)."""
    raw = b"".join(int(v).to_bytes(32, "little") for v in vals)
    out = np.frombuffer(raw, dtype="<u4").reshape(len(vals), P2_DIGEST).astype(np.uint32)
    if out.size and int(out.max()) >= P:
        raise ValueError("not a canonical Poseidon2 digest")
    return out


def p2_hash_rows(rows: U32, backend: Backend = "native") -> U32:
    """Sponge leaf digests of the rows of an (n, m >= 1) canonical matrix, (n, 8): state = 0,
    state[8] = m; per chunk of 8 values (the last may be shorter) overwrite state[0..len] and
    permute; the digest is state[0..8]."""
    rows = np.ascontiguousarray(rows, dtype=np.uint32)
    n, m = rows.shape
    if m < 1:
        raise ValueError("cannot hash an empty row")
    fn = _native_p2("p2_hash_rows", backend)
    if fn is not None:
        return np.asarray(fn(rows), dtype=np.uint32)
    state = np.zeros((n, WIDTH), dtype=np.uint32)
    state[:, P2_RATE] = m
    for c in range(0, m, P2_RATE):
        chunk = rows[:, c : c + P2_RATE]
        state[:, : chunk.shape[1]] = chunk
        state = permute_batch(state)
    return np.ascontiguousarray(state[:, :P2_DIGEST])


def p2_hash_lifted(
    digests: Sequence[U32], log_height: int, salts: U32 | None, backend: Backend = "native"
) -> U32:
    """Lifted Merkle leaves, (2^log_height, 8): leaf i is the row sponge (:func:`p2_hash_rows`)
    of ``d_0[i >> (H - h_0)] || ... || d_{T-1}[i >> (H - h_{T-1})] || salts[i]`` for the
    (2^h_t, 8) digest matrices ``digests`` (h_t <= H = log_height) and the optional
    (2^H, s) ``salts``."""
    ds = [np.ascontiguousarray(d, dtype=np.uint32) for d in digests]
    fn = _native_p2("p2_hash_lifted", backend)
    if fn is not None:
        return np.asarray(fn(ds, log_height, salts), dtype=np.uint32)
    n = 1 << log_height
    parts = [np.repeat(d, n // d.shape[0], axis=0) for d in ds]
    if salts is not None:
        parts.append(np.asarray(salts, dtype=np.uint32))
    return p2_hash_rows(np.concatenate(parts, axis=1), backend)


def p2_compress(pairs: U32, backend: Backend = "native") -> U32:
    """2-to-1 compression of (n, 2, 8) digest pairs: permute(left || right)[0..8] -> (n, 8)."""
    flat = np.ascontiguousarray(pairs, dtype=np.uint32).reshape(-1, 2 * P2_DIGEST)
    fn = _native_p2("p2_compress", backend)
    if fn is not None:
        return np.asarray(fn(flat), dtype=np.uint32)
    return np.ascontiguousarray(permute_batch(flat)[:, :P2_DIGEST])


def p2_pow_samples(
    state: Sequence[int], pending: Sequence[int], start: int, count: int, backend: Backend
) -> U32:
    """The proof-of-work samples of nonces start .. start + count - 1:
    ``permute(state with [0..k] overwritten by pending + [nonce])[7]`` (``transcript_p2``)."""
    k = len(pending)
    if k >= P2_RATE:
        raise ValueError("the transcript's input buffer holds fewer than 8 values")
    x = np.tile(np.asarray(state, dtype=np.uint32), (count, 1))
    x[:, :k] = np.asarray(pending, dtype=np.uint32)
    x[:, k] = np.arange(start, start + count, dtype=np.uint32)
    fn = _native_p2("p2_permute", backend)
    out = np.asarray(fn(x), dtype=np.uint32) if fn is not None else permute_batch(x)
    return out[:, P2_DIGEST - 1]


def p2_grind_native(
    state: Sequence[int], pending: Sequence[int], bits: int, backend: Backend
) -> int | None:
    """The smallest nonce whose sample has ``bits`` low zero bits, by the native engine's
    ``p2_grind``; None when the backend or engine does not provide it."""
    fn = _native_p2("p2_grind", backend)
    return None if fn is None else int(fn([int(v) for v in state], [int(v) for v in pending], bits))


__all__ = [
    "P2_DIGEST",
    "Backend",
    "NativeEngineMissingError",
    "hash_batch",
    "hash_rows",
    "ints_to_limbs",
    "limbs_to_ints",
    "native",
    "p2_compress",
    "p2_from_ints",
    "p2_grind_native",
    "p2_hash_lifted",
    "p2_hash_rows",
    "p2_pow_samples",
    "p2_to_ints",
]
