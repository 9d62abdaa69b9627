"""Hash schemes: every digest operation of the commitments and the transcript, per hash family.

A proof's hash family is ``PcsParams.hash`` (bound into headers and image IDs); :func:`scheme_of`
gives its :class:`HashScheme`. The generic verifier (MMCS, FRI, PCS, STARK) and the prover go
through the scheme for every digest operation, so digests are opaque to them:

- ``"poseidon-bn254"`` (:class:`PoseidonBn254`): a digest is a BN254 scalar ``D``; leaves are
  the commitment spec's packed Poseidon (:func:`~.arith.leaf_hash`), nodes Poseidon of the
  children, injection Poseidon([node, leaf]), the transcript a Poseidon chain
  (``transcript.py``). This is the format the Groth16 wrap verifies.
- ``"poseidon2-babybear"`` (:class:`Poseidon2BabyBear`): a digest is 8 base elements (a list of
  8 ``B``), encoded in proofs as the int sum_i felt_i 2^(32 i) (32 bytes, like a BN254 digest;
  reading refuses a non-canonical element). leaf(vals): state = 0, state[8] = len(vals), per
  chunk of 8 values overwrite state[0..len] and permute, digest = state[0..8] (salts, when
  hiding, are appended to the row's values). compress(l, r) = permute(l || r)[0..8] (binary
  trees only); injection of a shorter group's leaf = compress(node, leaf). The transcript is
  the duplex sponge of ``transcript_p2.py``. This family is native to BabyBear, for recursion.
  Under the 128-bit security profile (``field/profile.py``) digests have 9 elements (36-byte
  ints), the rate is 7, and compress is the sponge of l || r with capacity tag 2^30.

Each scheme states its generic security (:class:`HashSecurity`: collision resistance from its
digest and capacity sizes), which the soundness calculator reports as a term.

Verifier-side methods take the ``Arith`` first and follow its rules (shape-driven control
flow only); prover-side methods work on the backend's digest arrays (``hash_backend.py``) and
give proof digests as ints.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from zkrv_prover import progress
from zkrv_prover.stark.commit import hash_backend as hb
from zkrv_prover.stark.commit.transcript import FiatShamir, Transcript
from zkrv_prover.stark.commit.transcript_p2 import Poseidon2Transcript
from zkrv_prover.stark.field.arith import AnyArith, leaf_hash
from zkrv_prover.stark.field.arith import xor_permute as arith_xor_permute
from zkrv_prover.stark.field.codec import digest_felts

HashName = Literal["poseidon-bn254", "poseidon2-babybear"]
#: The hash families, in the order of their code in ``PcsParams.as_ints``.
HASH_NAMES: tuple[HashName, ...] = ("poseidon-bn254", "poseidon2-babybear")

Digest = Any  # a scheme's digest: opaque to generic code


@dataclass(frozen=True)
class HashSecurity:
    """The generic security of a hash family as commitments and the transcript use it: a
    sponge on a ``width``-element permutation with ``capacity`` elements of capacity, digests of
    ``digest_len`` elements, each element of a field of ``element_bits`` bits (log2 of its
    size). Modelled as a random oracle, collisions cost ~2^collision_bits evaluations:
    ``collision_bits = min(digest_bits, capacity_bits) / 2`` (the birthday bound on the digest,
    and the sponge's capacity bound). The soundness calculator caps every proof's figure by it
    (``soundness.HASH_TERM``)."""

    width: int
    capacity: int
    digest_len: int
    element_bits: float

    @property
    def digest_bits(self) -> float:
        """log2 of the number of digests."""
        return self.digest_len * self.element_bits

    @property
    def capacity_bits(self) -> float:
        """log2 of the size of the sponge's capacity."""
        return self.capacity * self.element_bits

    @property
    def collision_bits(self) -> float:
        """Generic collision resistance in bits (class docstring)."""
        return min(self.digest_bits, self.capacity_bits) / 2


DigestArray = npt.NDArray[Any]


@runtime_checkable
class CapLookup(Protocol):
    """An ``Arith`` with a cheaper Merkle-cap membership check than a mux tree (the recursion
    recorder's indexed lookup). :meth:`HashScheme.assert_cap_entry` uses it when the arith
    provides it; it must raise exactly what the mux-tree check would."""

    def cap_check(
        self, active: Any, node: Any, cap: Sequence[Any], bits: Sequence[Any], what: str
    ) -> bool:
        """Record ``node = cap[sum bits[j] 2^j]`` (when ``active`` is 1, or always when None);
        False if this shape is not supported (the caller falls back to the mux tree)."""
        ...


@runtime_checkable
class SwapCompress(Protocol):
    """An ``Arith`` that compresses a conditionally swapped pair in one step (the recursion
    recorder: the swap is part of its Poseidon2 row). Used by
    :meth:`Poseidon2BabyBear.compress_path` for binary levels."""

    def compress_swapped(self, bit: Any, left: Any, right: Any) -> Any:
        """``compress(right, left)`` when bit = 1, else ``compress(left, right)``, or None if
        not supported (the caller falls back to swaps and a plain compress)."""
        ...


class HashScheme(ABC):
    """The digest operations of one hash family (module docstring)."""

    name: HashName
    #: Generic security (collision resistance) of the family.
    security: HashSecurity
    #: Columns and dtype of the prover's digest arrays.
    digest_cols: int
    digest_dtype: type

    @abstractmethod
    def is_canonical(self, v: int) -> bool:
        """Whether the int ``v`` is the proof encoding of a digest of this family (what
        :meth:`digest_input` accepts), e.g. a root carried outside the proof."""

    # ---- verifier side (generic over Arith) ---------------------------------------------------
    @abstractmethod
    def digest_input(self, ar: AnyArith, v: int) -> Digest:
        """A digest read from the proof (its int encoding; refused if not canonical)."""

    @abstractmethod
    def digest_const(self, ar: AnyArith, v: int) -> Digest:
        """A constant digest (e.g. the verifying key's preprocessed root)."""

    @abstractmethod
    def assert_eq(self, ar: AnyArith, a: Digest, b: Digest, what: str) -> None:
        """Check a = b."""

    @abstractmethod
    def select(self, ar: AnyArith, bit: Any, if1: Digest, if0: Digest) -> Digest:
        """``if1`` when bit = 1, else ``if0``."""

    def assert_eq_if(self, ar: AnyArith, bit: Any, a: Digest, b: Digest, what: str) -> None:
        """Check a = b only when bit = 1."""
        self.assert_eq(ar, self.select(ar, bit, a, b), b, what)

    @abstractmethod
    def leaf(self, ar: AnyArith, vals: Sequence[Any]) -> Digest:
        """The leaf digest of a row of base elements (salt values appended when hiding)."""

    @abstractmethod
    def compress(self, ar: AnyArith, children: Sequence[Digest]) -> Digest:
        """The node digest of a Merkle node's children (in order)."""

    @abstractmethod
    def inject(self, ar: AnyArith, node: Digest, leaf: Digest) -> Digest:
        """A node that absorbs a shorter group's leaf (MMCS injection)."""

    @abstractmethod
    def nonce_input(self, ar: AnyArith, v: int) -> Any:
        """The proof-of-work nonce read from the proof."""

    @abstractmethod
    def transcript(self, ar: AnyArith, label: str) -> FiatShamir[Any, Any, Any, Any]:
        """A fresh Fiat-Shamir transcript of this family."""

    def check_arity(self, arity: int) -> None:  # noqa: B027 (a no-op unless overridden)
        """Raise ``ValueError`` if Merkle trees of this arity cannot use the family."""

    def selector(self, ar: AnyArith) -> Callable[[Any, Digest, Digest], Digest]:
        """:meth:`select` bound to ``ar`` (the ``sel_fn`` of ``LogHeight.select``)."""
        return partial(self.select, ar)

    def select_by_bits(self, ar: AnyArith, items: Sequence[Digest], bits: Sequence[Any]) -> Digest:
        """items[pos] with pos = sum bits[j] 2^j (a mux tree; len(items) = 2^len(bits))."""
        if len(items) != 1 << len(bits):
            raise ValueError("select_by_bits needs 2^len(bits) items")
        cur = list(items)
        for bit in bits:
            cur = [self.select(ar, bit, cur[j + 1], cur[j]) for j in range(0, len(cur), 2)]
        return cur[0]

    def compress_path(
        self, ar: AnyArith, node: Digest, siblings: Sequence[Digest], bits: Sequence[Any]
    ) -> Digest:
        """The parent of a Merkle path node at position pos = sum bits[j] 2^j among its
        children, ``siblings`` in XOR order: compress(xor_permute([node, *siblings], bits))."""
        return self.compress(ar, self.xor_permute(ar, [node, *siblings], bits))

    def assert_cap_entry(
        self,
        ar: AnyArith,
        active: Any,
        node: Digest,
        cap: Sequence[Digest],
        bits: Sequence[Any],
        what: str,
    ) -> None:
        """Check node = cap[pos], pos = sum bits[j] 2^j: only when the bit ``active`` is 1, or
        always when ``active`` is None (:meth:`select_by_bits`, then :meth:`assert_eq` or
        :meth:`assert_eq_if`)."""
        sel = self.select_by_bits(ar, cap, bits)
        if active is None:
            self.assert_eq(ar, node, sel, what)
        else:
            self.assert_eq_if(ar, active, node, sel, what)

    def xor_permute(
        self, ar: AnyArith, items: Sequence[Digest], bits: Sequence[Any]
    ) -> list[Digest]:
        """out[k] = items[k XOR pos], pos = sum bits[j] 2^j, by conditional swaps
        (:func:`~.arith.xor_permute` with this scheme's select)."""
        return arith_xor_permute(ar, items, bits, lambda bit, a, b: self.select(ar, bit, a, b))

    # ---- prover side ------------------------------------------------------------------------
    @abstractmethod
    def hash_rows(self, rows: npt.NDArray[np.uint32], backend: hb.Backend) -> DigestArray:
        """Leaf digests of the rows of an (n, m) canonical matrix: (n, digest_cols)."""

    @abstractmethod
    def compress_batch(self, children: DigestArray, backend: hb.Backend) -> DigestArray:
        """Node digests of (n, a, digest_cols) children: (n, digest_cols)."""

    def inject_batch(
        self, nodes: DigestArray, leaves: DigestArray, backend: hb.Backend
    ) -> DigestArray:
        """Injection of n leaves into n nodes (``inject`` batched)."""
        return self.compress_batch(np.stack([nodes, leaves], axis=1), backend)

    @abstractmethod
    def to_ints(self, digests: DigestArray) -> list[int]:
        """(n, digest_cols) digests as their int encodings."""

    @abstractmethod
    def pow_samples(
        self, tr: FiatShamir[Any, Any, Any, Any], start: int, count: int, backend: hb.Backend
    ) -> npt.NDArray[np.uint64]:
        """The grinding check values of nonces start .. start + count - 1 (their low bits must
        be zero) in the transcript's current state (prover side)."""

    def grind_direct(
        self, tr: FiatShamir[Any, Any, Any, Any], bits: int, backend: hb.Backend
    ) -> int | None:
        """The smallest valid nonce by a dedicated engine search, or None (then :func:`grind`
        searches in batches)."""
        return None


class PoseidonBn254(HashScheme):
    """Poseidon over BN254 (module docstring): today's format, byte for byte."""

    name: HashName = "poseidon-bn254"
    #: circomlib Poseidon: widths 2..17, capacity one scalar, a digest is one scalar
    #: (~126.8-bit collision resistance).
    security = HashSecurity(width=17, capacity=1, digest_len=1, element_bits=math.log2(hb.R))
    digest_cols = 4
    digest_dtype = np.uint64

    def is_canonical(self, v: int) -> bool:
        return 0 <= v < hb.R

    def digest_input(self, ar: AnyArith, v: int) -> Digest:
        return ar.d_input(v)

    def digest_const(self, ar: AnyArith, v: int) -> Digest:
        return ar.d_const(v)

    def assert_eq(self, ar: AnyArith, a: Digest, b: Digest, what: str) -> None:
        ar.d_assert_eq(a, b, what)

    def select(self, ar: AnyArith, bit: Any, if1: Digest, if0: Digest) -> Digest:
        return ar.select_d(bit, if1, if0)

    def leaf(self, ar: AnyArith, vals: Sequence[Any]) -> Digest:
        return leaf_hash(ar, vals)

    def compress(self, ar: AnyArith, children: Sequence[Digest]) -> Digest:
        return ar.hash(list(children))

    def inject(self, ar: AnyArith, node: Digest, leaf: Digest) -> Digest:
        return ar.hash([node, leaf])

    def nonce_input(self, ar: AnyArith, v: int) -> Any:
        return ar.d_input(v)

    def transcript(self, ar: AnyArith, label: str) -> FiatShamir[Any, Any, Any, Any]:
        return Transcript(ar, label)

    def hash_rows(self, rows: npt.NDArray[np.uint32], backend: hb.Backend) -> DigestArray:
        return hb.hash_rows(rows, backend)

    def compress_batch(self, children: DigestArray, backend: hb.Backend) -> DigestArray:
        return hb.hash_batch(children, backend)

    def to_ints(self, digests: DigestArray) -> list[int]:
        return hb.limbs_to_ints(digests)

    def pow_samples(
        self, tr: FiatShamir[Any, Any, Any, Any], start: int, count: int, backend: hb.Backend
    ) -> npt.NDArray[np.uint64]:
        if not isinstance(tr, Transcript):
            raise TypeError("poseidon-bn254 grinding needs its transcript")
        st = hb.ints_to_limbs([tr.pow_state()])[0]
        x = np.zeros((count, 2, 4), dtype=np.uint64)
        x[:, 0] = st
        x[:, 1, 0] = np.arange(start, start + count, dtype=np.uint64)
        return hb.hash_batch(x, backend)[:, 0]


class Poseidon2BabyBear(HashScheme):
    """Poseidon2 over BabyBear, width 16 (module docstring)."""

    name: HashName = "poseidon2-babybear"
    #: Width 16. Default profile: rate 8, capacity 8 and 8-element digests (8 log2(p) = 247.3
    #: bits of digest and capacity, ~123.6-bit collision resistance); 128-bit profile: rate 7,
    #: capacity 9 and 9-element digests (278.2 bits, ~139.1).
    security = HashSecurity(
        width=16,
        capacity=16 - hb.P2_RATE,
        digest_len=hb.P2_DIGEST,
        element_bits=math.log2(hb.P),
    )
    digest_cols = hb.P2_DIGEST
    digest_dtype = np.uint32

    def is_canonical(self, v: int) -> bool:
        if not 0 <= v < 1 << (32 * hb.P2_DIGEST):
            return False
        return all(f < hb.P for f in digest_felts(v))

    def digest_input(self, ar: AnyArith, v: int) -> Digest:
        if not 0 <= v < 1 << (32 * hb.P2_DIGEST):
            raise ValueError(f"proof value {v} is not a 32-byte Poseidon2 digest")
        return [ar.b_input(f) for f in digest_felts(v)]

    def digest_const(self, ar: AnyArith, v: int) -> Digest:
        if not self.is_canonical(v):
            raise ValueError("not a canonical Poseidon2 digest constant")
        return [ar.b_const(f) for f in digest_felts(v)]

    def assert_eq(self, ar: AnyArith, a: Digest, b: Digest, what: str) -> None:
        ar.b_assert_eq_vec(a, b, what)

    def select(self, ar: AnyArith, bit: Any, if1: Digest, if0: Digest) -> Digest:
        return ar.select_b_vec(bit, if1, if0)

    def assert_cap_entry(
        self,
        ar: AnyArith,
        active: Any,
        node: Digest,
        cap: Sequence[Digest],
        bits: Sequence[Any],
        what: str,
    ) -> None:
        # The recursion recorder checks the cap by an indexed lookup (one row, no mux tree).
        if isinstance(ar, CapLookup) and ar.cap_check(active, node, cap, bits, what):
            return
        super().assert_cap_entry(ar, active, node, cap, bits, what)

    def compress_path(
        self, ar: AnyArith, node: Digest, siblings: Sequence[Digest], bits: Sequence[Any]
    ) -> Digest:
        # The recursion recorder swaps inside its Poseidon2 row (no Select rows).
        if len(bits) == 1 and len(siblings) == 1 and isinstance(ar, SwapCompress):
            out = ar.compress_swapped(bits[0], node, siblings[0])
            if out is not None:
                return out
        return super().compress_path(ar, node, siblings, bits)

    @staticmethod
    def _sponge(ar: AnyArith, vals: Sequence[Any], tag: int) -> Digest:
        """``hash_backend._sponge`` over ``ar``: state[P2_RATE] = tag, overwrite-mode chunks."""
        zero = ar.b_const(0)
        state = [zero] * 16
        state[hb.P2_RATE] = ar.b_const(tag)
        for c in range(0, len(vals), hb.P2_RATE):
            chunk = list(vals[c : c + hb.P2_RATE])
            state = ar.b_permute(chunk + state[len(chunk) :])
        return state[: hb.P2_DIGEST]

    def leaf(self, ar: AnyArith, vals: Sequence[Any]) -> Digest:
        if not vals:
            raise ValueError("cannot hash an empty row")
        return self._sponge(ar, vals, len(vals))

    def compress(self, ar: AnyArith, children: Sequence[Digest]) -> Digest:
        if len(children) != 2:
            raise ValueError("poseidon2-babybear Merkle trees are binary")
        left, right = children
        if not hb.P2_COMPRESS_IN_ONE:
            return self._sponge(ar, [*left, *right], hb.P2_NODE_TAG)
        return ar.b_permute([*left, *right])[: hb.P2_DIGEST]

    def inject(self, ar: AnyArith, node: Digest, leaf: Digest) -> Digest:
        return self.compress(ar, [node, leaf])

    def nonce_input(self, ar: AnyArith, v: int) -> Any:
        return ar.b_input(v)

    def transcript(self, ar: AnyArith, label: str) -> FiatShamir[Any, Any, Any, Any]:
        return Poseidon2Transcript(ar, label)

    def check_arity(self, arity: int) -> None:
        if arity != 2:
            raise ValueError("hash 'poseidon2-babybear' requires merkle_arity == 2")

    def hash_rows(self, rows: npt.NDArray[np.uint32], backend: hb.Backend) -> DigestArray:
        return hb.p2_hash_rows(rows, backend)

    def compress_batch(self, children: DigestArray, backend: hb.Backend) -> DigestArray:
        if children.shape[1] != 2:
            raise ValueError("poseidon2-babybear Merkle trees are binary")
        return hb.p2_compress(children, backend)

    def to_ints(self, digests: DigestArray) -> list[int]:
        return hb.p2_to_ints(digests)

    def _pow_state(self, tr: FiatShamir[Any, Any, Any, Any]) -> tuple[list[int], list[int]]:
        if not isinstance(tr, Poseidon2Transcript):
            raise TypeError("poseidon2-babybear grinding needs its transcript")
        state, pending = tr.pow_state()
        return [int(v) for v in state], [int(v) for v in pending]

    def pow_samples(
        self, tr: FiatShamir[Any, Any, Any, Any], start: int, count: int, backend: hb.Backend
    ) -> npt.NDArray[np.uint64]:
        state, pending = self._pow_state(tr)
        count = min(count, hb.P - start)  # nonces are base elements
        if count <= 0:
            raise ValueError("no proof-of-work nonce below p")
        return hb.p2_pow_samples(state, pending, start, count, backend).astype(np.uint64)

    def grind_direct(
        self, tr: FiatShamir[Any, Any, Any, Any], bits: int, backend: hb.Backend
    ) -> int | None:
        state, pending = self._pow_state(tr)
        return hb.p2_grind_native(state, pending, bits, backend)


_SCHEMES: dict[str, HashScheme] = {s.name: s for s in (PoseidonBn254(), Poseidon2BabyBear())}


def scheme_of(name: str) -> HashScheme:
    """The scheme of a hash family name (``ValueError`` for an unknown one)."""
    try:
        return _SCHEMES[name]
    except KeyError:
        raise ValueError(f"unknown hash family {name!r} (one of {HASH_NAMES})") from None


def grind(tr: FiatShamir[Any, Any, Any, Any], bits: int, hash_name: str, backend: str) -> int:
    """The smallest nonce whose grinding check (``tr.check_pow``) passes, then absorbed into
    ``tr`` (prover side); 0 when bits = 0. Batch search with progress reporting."""
    if bits == 0:
        return 0
    scheme = scheme_of(hash_name)
    be: hb.Backend = "native" if backend == "native" else "reference"
    direct = scheme.grind_direct(tr, bits, be)
    if direct is not None:
        tr.check_pow(scheme.nonce_input(tr.ar, direct), bits)
        return direct
    # Batches of 2^(bits-3): large enough for the native engine's threads, small enough that
    # the expected overshoot past the first hit is ~6% instead of ~58% for a 2^bits batch.
    batch = 1 << min(max(bits - 3, 6), 16)
    mask = np.uint64((1 << bits) - 1)
    start = 0
    # The search length is random: report against the expected number of batches, holding the
    # last unit back until a nonce is found.
    expected = max(1, (1 << bits) // batch)
    progress.stage("grinding", expected)
    reported = 0
    while True:
        vals = scheme.pow_samples(tr, start, batch, be)
        hits = np.nonzero((vals & mask) == 0)[0]
        if hits.size:
            nonce = start + int(hits[0])
            tr.check_pow(scheme.nonce_input(tr.ar, nonce), bits)
            progress.advance(expected - reported)
            return nonce
        start += batch
        if reported < expected - 1:
            progress.advance()
            reported += 1


__all__ = [
    "HASH_NAMES",
    "CapLookup",
    "Digest",
    "HashName",
    "HashScheme",
    "HashSecurity",
    "Poseidon2BabyBear",
    "PoseidonBn254",
    "SwapCompress",
    "grind",
    "scheme_of",
]
