"""The prover's hiding randomness: uniform BabyBear values from a cryptographic generator.

Every random value the prover uses for zero knowledge (masking polynomials, the FRI masking
codeword, quotient blinding, Merkle salts) comes from a :class:`FieldRng`. Salts are revealed
in openings, so the generator must be unpredictable from its outputs: a statistical generator
(numpy's PCG64) is not, its state can be recovered from a few outputs.

Two modes, the same algorithm on top:

- production (``FieldRng()``): bytes from ``os.urandom`` (the kernel CSPRNG).
- deterministic (``FieldRng.seeded(seed)``, reproducible tests only): call i returns the first
  bytes of SHAKE-256(key || i), key = SHAKE-256(domain || seed). An extendable-output function
  keyed by a secret seed is itself a CSPRNG, so tests exercise the same distribution.

Values are drawn by rejection sampling, hence exactly uniform on [0, p) given uniform bytes:
each 32-bit word keeps its low 31 bits and is accepted when below p (probability
p / 2^31 = 15/16; rejected words are discarded). No modular reduction, so no bias.

A ``FieldRng`` is not thread-safe: draw from one thread (the prover draws on its main thread,
so a proof is the same for any number of worker threads).
"""

from __future__ import annotations

import hashlib
import os

import numpy as np
import numpy.typing as npt

from zkrv_prover.stark.field.field import EXT_DEGREE, P

U32 = npt.NDArray[np.uint32]

_DOMAIN = b"zkrv/field-rng/v1"
_KEYED_DOMAIN = b"zkrv/field-rng/keyed/v1"
_MASK31 = np.uint32((1 << 31) - 1)
#: Values drawn per block: bounds the temporaries of a large draw (salts of a 2^25-row LDE).
_BLOCK = 1 << 20


class FieldRng:
    """Uniform BabyBear values from a CSPRNG (module doc). ``FieldRng()`` reads ``os.urandom``;
    :meth:`seeded` gives a deterministic stream for reproducible tests."""

    def __init__(self) -> None:
        self._key: bytes | None = None
        self._calls = 0

    @classmethod
    def seeded(cls, seed: int | bytes) -> FieldRng:
        """A deterministic generator: the same seed and the same sequence of draws give the
        same values. For tests and benchmarks only (a known seed hides nothing)."""
        if isinstance(seed, int):
            if seed < 0:
                raise ValueError("seed must be non-negative")
            seed = seed.to_bytes((seed.bit_length() + 7) // 8 or 1, "little")
        rng = cls()
        rng._key = hashlib.shake_256(_DOMAIN + len(seed).to_bytes(8, "little") + seed).digest(32)
        return rng

    @classmethod
    def keyed(cls, key: bytes, label: str) -> FieldRng:
        """A stream keyed by a secret 32-byte ``key`` (from ``os.urandom``, kept private) and a
        public ``label`` separating its uses: call i returns SHAKE-256(k || i) with
        k = SHAKE-256(domain || label || key), so the same key and label replay the same values
        (a prover redraws a commitment exactly, e.g. the boundary round of
        ``prover.commit_boundary``), while without the key the stream is unpredictable."""
        if not isinstance(key, bytes) or len(key) != 32:
            raise ValueError("a FieldRng key is 32 bytes")
        tag = label.encode()
        rng = cls()
        rng._key = hashlib.shake_256(
            _KEYED_DOMAIN + len(tag).to_bytes(8, "little") + tag + key
        ).digest(32)
        return rng

    @property
    def deterministic(self) -> bool:
        """Whether this generator replays a seeded stream (tests) instead of ``os.urandom``."""
        return self._key is not None

    def random_bytes(self, n: int) -> bytes:
        """n bytes of the underlying stream."""
        if n < 0:
            raise ValueError("byte count must be non-negative")
        if self._key is None:
            return os.urandom(n)
        i = self._calls
        self._calls += 1
        return hashlib.shake_256(self._key + i.to_bytes(8, "little")).digest(n)

    def base(self, shape: int | tuple[int, ...]) -> U32:
        """Uniform canonical base-field elements (uint32, each < p) of the given shape."""
        dims = (shape,) if isinstance(shape, int) else tuple(shape)
        count = 1
        for d in dims:
            if d < 0:
                raise ValueError(f"negative dimension in shape {dims}")
            count *= d
        out = np.empty(count, dtype=np.uint32)
        filled = 0
        while filled < count:
            need = min(count - filled, _BLOCK)
            # 15/16 of the words are accepted; this many makes a second round rare
            draw = need + (need >> 3) + 16
            words = np.frombuffer(self.random_bytes(4 * draw), dtype="<u4") & _MASK31
            ok = words[words < P]
            take = min(ok.shape[0], need)
            out[filled : filled + take] = ok[:take]
            filled += take
        return out.reshape(dims)

    def ext(self, shape: int | tuple[int, ...]) -> U32:
        """Uniform extension elements of the given leading shape (trailing axis EXT_DEGREE)."""
        lead = (shape,) if isinstance(shape, int) else tuple(shape)
        return self.base((*lead, EXT_DEGREE))


def require(rng: object, what: str) -> FieldRng:
    """``rng`` as a :class:`FieldRng`; ``ValueError`` when missing (``what`` needs it),
    ``TypeError`` for anything else (a numpy ``Generator`` is not cryptographic)."""
    if rng is None:
        raise ValueError(f"{what} needs an rng (a FieldRng)")
    if not isinstance(rng, FieldRng):
        raise TypeError(
            f"{what}: hiding randomness must come from a FieldRng, not {type(rng).__name__}"
        )
    return rng
