"""The Fiat-Shamir transcript interface (:class:`FiatShamir`) and its Poseidon-BN254
implementation (:class:`Transcript`), written once over :class:`~.arith.Arith`. The
Poseidon2-BabyBear transcript is ``transcript_p2.py``.

Prover and verifier run this same class: the prover with :class:`~.arith.NativeArith` (values are
ints), the native verifier likewise, and the Groth16 wrap circuit with ``CircuitArith`` (so the
circuit's challenges are derived exactly as the prover's).

Construction (a Poseidon hash chain; ``H`` is circomlib Poseidon, its width t = inputs + 1):

- start: ``state = H([DOMAIN, label])`` where ``DOMAIN`` is a fixed tag and ``label`` the
  protocol label's bytes as an integer (<= 31 bytes).
- observe: values are queued as BN254 scalars: a digest as itself, base elements packed 8 per
  scalar (the commitment packing), an extension element as its EXT_DEGREE coefficients (base
  elements).
- before anything is sampled, the queue is absorbed in chunks of up to 15:
  ``state = H([state, *chunk])``.
- sample: ``state = H([state])`` (width 2, never used for absorbing, so squeezes are domain
  separated from absorbs) and the sample is derived from the new state:

  * base element: the lowest base-p digit of state. Extension element: its EXT_DEGREE
    coefficients, taken as the lowest digits of as many squeezes as needed, at most
    ``MAX_BASE_DIGITS`` (4) per squeeze (a fifth coefficient needs a second squeeze). Since state
    is uniform below R (~2^254) and p^4 < 2^124, the k <= 4 digits of one squeeze are within
    statistical distance p^k / R < 2^-129 of uniform (no rejection sampling needed); five digits
    of one state would be only 2^-99 close.
  * query index bits: the n <= 64 lowest bits of state; distance 2^n / R < 2^-189.

- grinding (proof of work): with the queue absorbed, ``state = H([state, nonce])`` and the lowest
  ``bits`` bits of the new state must be zero; the prover searches the nonce (a BN254 scalar).

Which values a protocol observes, and in which order, is fixed by the proof's shape; lengths are
therefore implicit and need no separate encoding.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, Generic, Self

from zkrv_prover.stark.field.arith import MAX_BASE_DIGITS, PACK_WIDTH, Arith, B, Bit, D, E
from zkrv_prover.stark.field.field import EXT_DEGREE

#: Domain tag of the transcript construction (ASCII "zkrv-transcript-v1" as an integer).
DOMAIN = int.from_bytes(b"zkrv-transcript-v1", "big")
_ABSORB_CHUNK = 15


def label_scalar(label: str) -> int:
    """A protocol label (<= 31 ASCII bytes) as a BN254 scalar."""
    raw = label.encode("ascii")
    if not 1 <= len(raw) <= 31:
        raise ValueError("a transcript label has 1..31 ASCII bytes")
    return int.from_bytes(raw, "big")


class FiatShamir(ABC, Generic[B, E, D, Bit]):
    """The transcript interface the protocols run against, one implementation per hash family
    (``hash_scheme.py`` picks it). Digests are the scheme's opaque digests (a BN254 scalar, or
    8 base elements for Poseidon2); what is observed and sampled is the same for every family.
    """

    ar: Arith[B, E, D, Bit]

    @abstractmethod
    def observe_digest(self, d: Any) -> None:
        """Observe one digest (a Merkle root)."""

    def observe_digests(self, ds: Sequence[Any]) -> None:
        """Observe several digests, in order."""
        for d in ds:
            self.observe_digest(d)

    @abstractmethod
    def observe_base(self, vals: Sequence[B]) -> None:
        """Observe base elements."""

    def observe_ext(self, vals: Sequence[E]) -> None:
        """Observe extension elements as their coefficients (EXT_DEGREE base elements each)."""
        flat: list[B] = []
        for v in vals:
            flat.extend(self.ar.e_coeffs(v))
        self.observe_base(flat)

    @abstractmethod
    def sample_base(self) -> B:
        """A challenge in BabyBear."""

    @abstractmethod
    def sample_ext(self) -> E:
        """A challenge in the extension field."""

    @abstractmethod
    def sample_bits(self, n: int) -> list[Bit]:
        """n uniform bits, little-endian (a query index)."""

    @abstractmethod
    def copy(self) -> Self:
        """An independent transcript in the same state (to run steps that may not happen)."""

    @abstractmethod
    def adopt_if(self, bit: Bit, other: Self) -> None:
        """Take ``other``'s state when bit = 1 (``other`` a :meth:`copy` of this transcript,
        advanced by steps that happened exactly when bit = 1; buffer lengths must agree)."""

    @abstractmethod
    def check_pow(self, nonce: Any, bits: int) -> None:
        """Verify (and absorb) a proof-of-work nonce; bits = 0 checks and absorbs nothing."""


class Transcript(FiatShamir[B, E, D, Bit]):
    """The poseidon-bn254 transcript: a Poseidon hash chain (module docstring)."""

    def __init__(self, ar: Arith[B, E, D, Bit], label: str) -> None:
        self.ar = ar
        self._state: D = ar.hash([ar.d_const(DOMAIN), ar.d_const(label_scalar(label))])
        self._queue: list[D] = []

    # ---- observing ----------------------------------------------------------------------------
    def observe_digest(self, d: D) -> None:
        """Queue one BN254 scalar (a Merkle root, a packed value)."""
        self._queue.append(d)

    def observe_digests(self, ds: Sequence[D]) -> None:
        """Queue several BN254 scalars."""
        self._queue.extend(ds)

    def observe_base(self, vals: Sequence[B]) -> None:
        """Queue base elements, packed 8 per scalar (the last pack may be shorter)."""
        for i in range(0, len(vals), PACK_WIDTH):
            self._queue.append(self.ar.pack_base(vals[i : i + PACK_WIDTH]))

    # ---- sampling -----------------------------------------------------------------------------
    def _absorb(self) -> None:
        q = self._queue
        for i in range(0, len(q), _ABSORB_CHUNK):
            self._state = self.ar.hash([self._state, *q[i : i + _ABSORB_CHUNK]])
        self._queue = []

    def _squeeze(self) -> D:
        self._absorb()
        self._state = self.ar.hash([self._state])
        return self._state

    def sample_base(self) -> B:
        """A challenge in BabyBear."""
        return self.ar.d_to_base(self._squeeze(), 1)[0]

    def sample_ext(self) -> E:
        """A challenge in the extension field: EXT_DEGREE digits, at most MAX_BASE_DIGITS from
        each squeeze (module docstring)."""
        coeffs: list[B] = []
        while len(coeffs) < EXT_DEGREE:
            k = min(MAX_BASE_DIGITS, EXT_DEGREE - len(coeffs))
            coeffs.extend(self.ar.d_to_base(self._squeeze(), k))
        return self.ar.e_from_coeffs(coeffs)

    def sample_bits(self, n: int) -> list[Bit]:
        """n <= 64 uniform bits, little-endian (a query index)."""
        return self.ar.d_to_bits(self._squeeze(), n)

    # ---- conditional steps (variable proof shapes) --------------------------------------------
    def copy(self) -> Self:
        """An independent transcript in the same state (to run steps that may not happen)."""
        out = self.__class__.__new__(self.__class__)
        out.ar, out._state, out._queue = self.ar, self._state, list(self._queue)
        return out

    def adopt_if(self, bit: Bit, other: Self) -> None:
        """Take ``other``'s state when bit = 1 (both queues must have the same length): the
        steps run on ``other`` since :meth:`copy` happened exactly when bit = 1."""
        if len(other._queue) != len(self._queue):
            raise ValueError("conditional transcript steps must leave equal queue lengths")
        sel = self.ar.select_d
        self._state = sel(bit, other._state, self._state)
        self._queue = [sel(bit, a, b) for a, b in zip(other._queue, self._queue, strict=True)]

    # ---- grinding -----------------------------------------------------------------------------
    def pow_state(self) -> D:
        """Absorb the queue and return the state a grinding nonce is hashed with (prover side)."""
        self._absorb()
        return self._state

    def check_pow(self, nonce: D, bits: int) -> None:
        """Verify (and absorb) a proof-of-work nonce: H([state, nonce]) must end in ``bits`` zero
        bits. With bits = 0 nothing is checked or absorbed (the proof then carries no nonce)."""
        if bits == 0:
            return
        self._absorb()
        self._state = self.ar.hash([self._state, nonce])
        zero = self.ar.b_const(0)
        for j, bit in enumerate(self.ar.d_to_bits(self._state, bits)):
            self.ar.b_assert_eq(self.ar.bit_to_base(bit), zero, f"proof-of-work bit {j}")
