"""The prover's batch hashing: the one place that picks a hashing backend, for both hash
families.

Backends: ``"native"`` (the Rust engine, ``zkrv_prover._native``; required in production,
raising if missing) and ``"reference"`` (pure Python / numpy, for tests on small trees and for
checking that both give identical roots).

- Poseidon-BN254: digests are (n, 4) uint64 little-endian limbs (:func:`hash_rows`,
  :func:`hash_batch`).
- Poseidon2-BabyBear: digests are (n, P2_DIGEST) uint32 canonical elements
  (:func:`p2_hash_rows`, :func:`p2_compress`, :func:`p2_grind_native`). The native engine's
  ``p2_hash_rows``/``p2_compress``/``p2_hash_lifted`` are the default security profile's
  shape (8-element digests, rate 8); under the 128-bit profile (9-element digests, rate 7;
  ``field/profile.py``) its runtime-shaped ``p2_sponge_rows``/``p2_sponge_lifted`` compute the
  same sponges (the ``"reference"`` backend: numpy over :func:`permute_batch`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from zkrv_prover.bn254.constants import R
from zkrv_prover.stark.field.field import P
from zkrv_prover.stark.field.poseidon2 import WIDTH, permute_batch
from zkrv_prover.stark.field.profile import PROFILE

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
Backend = Literal["native", "reference"]

#: Poseidon2 digest size and sponge rate (elements; the security profile's).
P2_DIGEST = PROFILE.p2_digest
P2_RATE = PROFILE.p2_rate
#: Whether a 2-to-1 compression is one permutation of left || right (the digests fill the
#: state: 8 + 8 = WIDTH); otherwise it is a sponge over the 2 P2_DIGEST elements
#: (:func:`p2_compress`).
P2_COMPRESS_IN_ONE = 2 * P2_DIGEST <= WIDTH
#: Capacity tag of a node sponge (a leaf's tag is its length, always below it).
P2_NODE_TAG = 1 << 30
#: Whether the native engine's p2 sponges (rate 8, 8-element digests) apply.
_NATIVE_SHAPE = P2_DIGEST == 8 and P2_RATE == 8


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


#: The native engine's entry points written for the default profile's shape only.
_DEFAULT_SHAPE_ONLY = frozenset({"p2_hash_rows", "p2_compress", "p2_hash_lifted", "p2_grind"})


def _native_p2(name: str, backend: Backend) -> Any | None:
    """The native Poseidon2 entry point ``name`` for backend "native", if the engine has it
    (the fixed-shape sponges and grinding only under the default profile's shape)."""
    if backend != "native" or (name in _DEFAULT_SHAPE_ONLY and not _NATIVE_SHAPE):
        return None
    return getattr(native(), name, None)


def _permute(states: U32, backend: Backend) -> U32:
    """Batched Poseidon2 permutation of (n, 16) states, natively when the backend is."""
    fn = _native_p2("p2_permute", backend)
    if fn is not None:
        return np.asarray(fn(np.ascontiguousarray(states, dtype=np.uint32)), dtype=np.uint32)
    return permute_batch(states)


def _sponge(rows: U32, tag: int, backend: Backend) -> U32:
    """The overwrite-mode sponge of the rows of an (n, m) matrix: state = 0, state[P2_RATE] =
    tag; per chunk of P2_RATE values (the last may be shorter) overwrite state[0..len] and
    permute; the digest is state[0..P2_DIGEST]."""
    fn = _native_p2("p2_sponge_rows", backend)
    if fn is not None:
        return np.asarray(fn(rows, P2_RATE, P2_DIGEST, tag), dtype=np.uint32)
    n, m = rows.shape
    state = np.zeros((n, WIDTH), dtype=np.uint32)
    state[:, P2_RATE] = tag
    for c in range(0, m, P2_RATE):
        chunk = rows[:, c : c + P2_RATE]
        state[:, : chunk.shape[1]] = chunk
        state = _permute(state, backend)
    return np.ascontiguousarray(state[:, :P2_DIGEST])


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
    """(n, P2_DIGEST) digests to ints sum_i felt_i 2^(32 i) (the proof encoding)."""
    raw = np.ascontiguousarray(digests, dtype="<u4").tobytes()
    k = 4 * P2_DIGEST
    return [int.from_bytes(raw[k * i : k * i + k], "little") for i in range(digests.shape[0])]


def p2_from_ints(vals: Sequence[int]) -> U32:
    """Digest ints to (n, P2_DIGEST) uint32 elements (each must be canonical)."""
    raw = b"".join(int(v).to_bytes(4 * P2_DIGEST, "little") for v in vals)
    out = np.frombuffer(raw, dtype="<u4").reshape(len(vals), P2_DIGEST).astype(np.uint32)
    if out.size and int(out.max()) >= P:
        raise ValueError("not a canonical Poseidon2 digest")
    return out


def p2_hash_rows(rows: U32, backend: Backend = "native") -> U32:
    """Sponge leaf digests of the rows of an (n, m >= 1) canonical matrix, (n, P2_DIGEST):
    state = 0, state[P2_RATE] = m; per chunk of P2_RATE values (the last may be shorter)
    overwrite state[0..len] and permute; the digest is state[0..P2_DIGEST]."""
    rows = np.ascontiguousarray(rows, dtype=np.uint32)
    m = rows.shape[1]
    if m < 1:
        raise ValueError("cannot hash an empty row")
    fn = _native_p2("p2_hash_rows", backend)
    if fn is not None:
        return np.asarray(fn(rows), dtype=np.uint32)
    return _sponge(rows, m, backend)


def p2_hash_lifted(
    digests: Sequence[U32], log_height: int, salts: U32 | None, backend: Backend = "native"
) -> U32:
    """Lifted Merkle leaves, (2^log_height, P2_DIGEST): leaf i is the row sponge
    (:func:`p2_hash_rows`) of ``d_0[i >> (H - h_0)] || ... || d_{T-1}[i >> (H - h_{T-1})] ||
    salts[i]`` for the (2^h_t, P2_DIGEST) digest matrices ``digests`` (h_t <= H = log_height)
    and the optional (2^H, s) ``salts``."""
    ds = [np.ascontiguousarray(d, dtype=np.uint32) for d in digests]
    fn = _native_p2("p2_hash_lifted", backend)
    if fn is not None:
        return np.asarray(fn(ds, log_height, salts), dtype=np.uint32)
    fn = None if _NATIVE_SHAPE else _native_p2("p2_sponge_lifted", backend)
    if fn is not None:
        return np.asarray(fn(ds, log_height, P2_RATE, P2_DIGEST, salts), dtype=np.uint32)
    n = 1 << log_height
    parts = [np.repeat(d, n // d.shape[0], axis=0) for d in ds]
    if salts is not None:
        parts.append(np.asarray(salts, dtype=np.uint32))
    return p2_hash_rows(np.concatenate(parts, axis=1), backend)


def p2_compress(pairs: U32, backend: Backend = "native") -> U32:
    """2-to-1 compression of (n, 2, P2_DIGEST) digest pairs -> (n, P2_DIGEST): with 8-element
    digests permute(left || right)[0..8]; with longer ones (``P2_COMPRESS_IN_ONE`` false) the
    sponge of left || right with the capacity tag ``P2_NODE_TAG``."""
    flat = np.ascontiguousarray(pairs, dtype=np.uint32).reshape(-1, 2 * P2_DIGEST)
    if not P2_COMPRESS_IN_ONE:
        return _sponge(flat, P2_NODE_TAG, backend)
    fn = _native_p2("p2_compress", backend)
    if fn is not None:
        return np.asarray(fn(flat), dtype=np.uint32)
    return np.ascontiguousarray(permute_batch(flat)[:, :P2_DIGEST])


def p2_pow_samples(
    state: Sequence[int], pending: Sequence[int], start: int, count: int, backend: Backend
) -> U32:
    """The proof-of-work samples of nonces start .. start + count - 1:
    ``permute(state with [0..k] overwritten by pending + [nonce])[P2_RATE - 1]``
    (``transcript_p2``: a sample pops the last element of the rate)."""
    k = len(pending)
    if k >= P2_RATE:
        raise ValueError(f"the transcript's input buffer holds fewer than {P2_RATE} values")
    x = np.tile(np.asarray(state, dtype=np.uint32), (count, 1))
    x[:, :k] = np.asarray(pending, dtype=np.uint32)
    x[:, k] = np.arange(start, start + count, dtype=np.uint32)
    return _permute(x, backend)[:, P2_RATE - 1]


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
