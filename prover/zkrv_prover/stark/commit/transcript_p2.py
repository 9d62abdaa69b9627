"""The Fiat-Shamir transcript over Poseidon2-BabyBear (``PcsParams.hash = "poseidon2-babybear"``),
written once over :class:`~.arith.Arith` (its only hash primitive is ``b_permute``).

Construction: a duplex sponge on the width-16 permutation with rate RATE = 8 (capacity 8
elements, ~124 bits; under the 128-bit security profile RATE = 7, capacity 9 elements). The
state is 16 base elements, an input buffer (< RATE pending values) and an output buffer (unread
squeezed values):

- ``observe(v)``: clear the output buffer; append v to the input buffer; when it holds RATE
  values, duplex.
- ``duplex``: overwrite ``state[0..len(inbuf)]`` with the input buffer, clear it, permute, and
  set the output buffer to ``state[0..RATE]``.
- ``sample()``: duplex if the input buffer is non-empty or the output buffer is empty; pop the
  *last* element of the output buffer.

Start: observe ``encode(DOMAIN_TAG)`` then ``encode(label)``, where ``encode(bytes)`` is the
byte length followed by the bytes packed 3 per element, little-endian (< 2^24 < p, so the
encoding is injective).

Observing: a digest as its DIGEST_LEN elements, a base element as itself, an extension element
as its EXT_DEGREE coefficients. Sampling: a base challenge is one sample; an extension challenge is
EXT_DEGREE samples, coefficient 0 first. Query bits (n <= 27): the low n bits of one sample,
from its canonical 31-bit decomposition ``b_to_bits(v, 31)`` (a circuit or recursion program
decomposes canonically; natively a canonical v < p < 2^31 always fits). Since
p = 15 * 2^27 + 1, for n <= 27 we have p = q 2^n + 1: the all-zero pattern has q + 1
preimages and every other pattern q, so the n bits of a uniform v are within statistical
distance (1 - 2^-n) / p < 1/p ~ 2^-31 of uniform.

Grinding: ``check_pow(nonce, bits)`` observes the nonce (a base element), samples v, and
requires the low ``bits`` bits of v to be zero. The prover's search (``hash_scheme``) computes
the same v as ``permute(state with [0..k] overwritten by pending inputs + [nonce])[RATE - 1]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

from zkrv_prover.stark.commit.transcript import FiatShamir, label_scalar
from zkrv_prover.stark.field.arith import Arith, B, Bit, D, E
from zkrv_prover.stark.field.field import EXT_DEGREE
from zkrv_prover.stark.field.profile import PROFILE

#: Sponge width and rate (elements), and the digest size (elements): 16, 8, 8 in the default
#: security profile, 16, 7, 9 in the 128-bit one (capacity 9 elements, ~139 bits).
WIDTH = 16
RATE = PROFILE.p2_rate
DIGEST_LEN = PROFILE.p2_digest
#: Domain tag observed first (distinguishes this construction from any other use of the sponge).
DOMAIN_TAG = b"zkrv-p2-transcript-v1"
#: Most query-index bits one sample may give (p = 15 * 2^27 + 1; module docstring).
MAX_SAMPLE_BITS = 27


def encode_bytes(raw: bytes) -> list[int]:
    """The byte length, then the bytes 3 per element (little-endian): injective, all < p."""
    return [len(raw)] + [int.from_bytes(raw[i : i + 3], "little") for i in range(0, len(raw), 3)]


class Poseidon2Transcript(FiatShamir[B, E, D, Bit]):
    """A duplex-sponge Fiat-Shamir transcript over Poseidon2-BabyBear (module docstring)."""

    def __init__(self, ar: Arith[B, E, D, Bit], label: str) -> None:
        label_scalar(label)  # the same label rule as the BN254 transcript (1..31 ASCII bytes)
        self.ar = ar
        zero = ar.b_const(0)
        self._state: list[B] = [zero] * WIDTH
        self._in: list[B] = []
        self._out: list[B] = []
        for v in encode_bytes(DOMAIN_TAG) + encode_bytes(label.encode("ascii")):
            self.observe(ar.b_const(v))

    # ---- the sponge ---------------------------------------------------------------------------
    def _duplex(self) -> None:
        n = len(self._in)
        self._state = self.ar.b_permute([*self._in, *self._state[n:]])
        self._in = []
        self._out = self._state[:RATE]

    def observe(self, v: B) -> None:
        """Absorb one base element."""
        self._out = []
        self._in.append(v)
        if len(self._in) == RATE:
            self._duplex()

    def sample(self) -> B:
        """Squeeze one base element."""
        if self._in or not self._out:
            self._duplex()
        return self._out.pop()

    # ---- observing ----------------------------------------------------------------------------
    def observe_digest(self, d: Any) -> None:
        """Observe a digest (DIGEST_LEN base elements)."""
        if len(d) != DIGEST_LEN:
            raise ValueError(f"a Poseidon2 digest has {DIGEST_LEN} elements")
        for v in d:
            self.observe(v)

    def observe_base(self, vals: Sequence[B]) -> None:
        for v in vals:
            self.observe(v)

    # ---- sampling -----------------------------------------------------------------------------
    def sample_base(self) -> B:
        return self.sample()

    def sample_ext(self) -> E:
        """EXT_DEGREE samples, coefficient 0 first."""
        return self.ar.e_from_coeffs([self.sample() for _ in range(EXT_DEGREE)])

    def sample_bits(self, n: int) -> list[Bit]:
        """The low n <= 27 bits of one sample (canonical decomposition; module docstring)."""
        if not 0 <= n <= MAX_SAMPLE_BITS:
            raise ValueError(f"a Poseidon2 transcript samples at most {MAX_SAMPLE_BITS} bits")
        return self.ar.b_to_bits(self.sample(), 31)[:n]

    # ---- conditional steps --------------------------------------------------------------------
    def copy(self) -> Self:
        out = self.__class__.__new__(self.__class__)
        out.ar = self.ar
        out._state, out._in, out._out = list(self._state), list(self._in), list(self._out)
        return out

    def adopt_if(self, bit: Bit, other: Self) -> None:
        if len(other._in) != len(self._in) or len(other._out) != len(self._out):
            raise ValueError("conditional transcript steps must leave equal buffer lengths")
        sel = self.ar.select_b

        def pick(a: list[B], b: list[B]) -> list[B]:
            return [sel(bit, x, y) for x, y in zip(a, b, strict=True)]

        self._state = pick(other._state, self._state)
        self._in = pick(other._in, self._in)
        self._out = pick(other._out, self._out)

    # ---- grinding -----------------------------------------------------------------------------
    def pow_state(self) -> tuple[list[B], list[B]]:
        """(state, pending inputs) a grinding nonce is absorbed into (prover side): the PoW
        sample is ``permute(state with [0..k] overwritten by pending + [nonce])[RATE - 1]``."""
        return list(self._state), list(self._in)

    def check_pow(self, nonce: Any, bits: int) -> None:
        """Observe the nonce (a base element), sample v: its low ``bits`` bits must be zero.
        With bits = 0 nothing is checked or absorbed (the proof then carries no nonce)."""
        if bits == 0:
            return
        if bits > MAX_SAMPLE_BITS:
            raise ValueError(f"at most {MAX_SAMPLE_BITS} proof-of-work bits")
        self.observe(nonce)
        zero = self.ar.b_const(0)
        for j, bit in enumerate(self.ar.b_to_bits(self.sample(), 31)[:bits]):
            self.ar.b_assert_eq(self.ar.bit_to_base(bit), zero, f"proof-of-work bit {j}")


__all__ = ["DIGEST_LEN", "DOMAIN_TAG", "MAX_SAMPLE_BITS", "Poseidon2Transcript", "encode_bytes"]
