"""Groth16 receipts of zkVM executions: ``zkrv.wrap(receipt) -> Groth16Receipt``.

A STARK receipt of one zkVM execution (kind ``stark``, from :func:`zkrv.prove`) is wrapped by
:func:`zkrv_prover.r1cs.zkvm_wrap.wrap_zkvm_proof`: the universal, compress and shrink recursion
layers, then the final Groth16 circuit, whose one public input is the receipt's claim digest
(``docs/wrap.md``). A multi-segment receipt (kind ``segmented``) is wrapped by
:func:`~zkrv_prover.r1cs.zkvm_wrap.wrap_zkvm_segmented`: the segment join tree instead of the
universal layer (``docs/segments.md``, "Join"), then the same compress, shrink and final
circuit, hence the same key. The circuit depends only on the **wrap profile** (the layers'
parameters), never on the guest or the execution's length: one Groth16 key, one deployed
verifier, serves every guest.

Keys come from the key cache (:class:`zkrv.keys.KeyCache`): on a miss the UNSAFE dev setup runs
once (progress stage "groth16 setup") and the key is saved by circuit digest; a ceremony key
imported for the same circuit replaces it. After each wrap the cache remembers which circuit
the profile uses (``groth16/zkvm-<profile>.json``), which is how ``zkrv deploy`` without
``--vk`` finds the key; :func:`setup_key` (``zkrv keys setup``) derives it without a user
receipt, by proving and wrapping a tiny built-in guest (:func:`setup_guest`).

**Profiles.** ``production`` (the default: every layer at >= 100 proven bits) and ``toy`` (TOY
SECURITY, 2 queries per layer: tests only). The toy profile is selected only explicitly: the
environment variable ``ZKRV_WRAP_PROFILE=toy`` (what the CLI and the main job use) or the
``profile="toy"`` argument. Everything it produces says so: the key's record and every view of
it carry ``toy_security`` and :data:`zkrv.keys.TOY_LABEL` (``zkrv inspect``, ``zkrv verify``,
``zkrv keys list``), :func:`wrap` issues a :class:`ToySecurityWarning`, and ``zkrv deploy``
refuses a TOY key on any chain but a local development chain.
"""

from __future__ import annotations

import json
import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zkrv.errors import ZkrvError
from zkrv.fsutil import atomic_write_text
from zkrv.receipt import (
    Groth16Receipt,
    Receipt,
    ReceiptKind,
    ReceiptVerificationError,
    SegmentedReceipt,
    StarkReceipt,
)

if TYPE_CHECKING:
    from zkrv.keys import CachedKey, KeyCache
    from zkrv_prover.executor import MemoryImage
    from zkrv_prover.progress import Progress
    from zkrv_prover.recursion.pipeline import WrapProfile

__all__ = [
    "DEFAULT_PROFILE",
    "PROFILES",
    "PROFILE_ENV",
    "SetupResult",
    "ToySecurityWarning",
    "WrappedReceipt",
    "cached_zkvm_key",
    "profile_name",
    "setup_guest",
    "setup_key",
    "wrap",
    "wrap_receipt",
]

#: The environment variable that selects the wrap profile (unset or empty: DEFAULT_PROFILE).
PROFILE_ENV = "ZKRV_WRAP_PROFILE"
#: The profile used unless one is named: always production. TOY is test-only and explicit.
DEFAULT_PROFILE = "production"
PROFILES = ("production", "toy")
#: Format of the ``zkvm-<profile>.json`` pointer in the key cache.
POINTER_FORMAT = "zkrv-zkvm-wrap-key-v1"


class ToySecurityWarning(UserWarning):
    """A Groth16 receipt or key of the TOY wrap profile (a few proven bits): tests only."""


def profile_name(profile: str | None = None) -> str:
    """The wrap profile to use: ``profile`` if given, else ``$ZKRV_WRAP_PROFILE``, else
    :data:`DEFAULT_PROFILE` (``production``); ZkrvError for an unknown name."""
    raw = profile if profile is not None else os.environ.get(PROFILE_ENV, "")
    name = raw.strip().lower() or DEFAULT_PROFILE
    if name not in PROFILES:
        where = "wrap profile" if profile is not None else PROFILE_ENV
        choices = ", ".join(PROFILES)
        raise ZkrvError(f"{where}={raw!r}: unknown wrap profile (choose from {choices})")
    return name


def _profile(name: str) -> WrapProfile:
    from zkrv_prover.recursion import pipeline

    return {"production": pipeline.PRODUCTION, "toy": pipeline.TOY}[name]


def _fingerprint() -> dict[str, str]:
    """What the pointer is valid for: the zkVM version and this zkrv's version (the circuit is
    a function of the code; a pointer from another version is ignored)."""
    from zkrv import __version__
    from zkrv_prover.zkvm.image_id import ZKVM_VERSION

    return {"zkvm_version": ZKVM_VERSION, "zkrv_version": __version__}


def _pointer_path(cache: KeyCache, profile: str) -> Path:
    return cache.dir / f"zkvm-{profile}.json"


def cached_zkvm_key(profile: str | None = None, keys: KeyCache | None = None) -> CachedKey | None:
    """The cached Groth16 verifying key of the zkVM wrap circuit of ``profile`` (default
    :func:`profile_name`), as recorded by the last wrap or :func:`setup_key` of this zkrv
    version; None if there is none (run ``zkrv keys setup``)."""
    from zkrv.keys import KeyCache

    name = profile_name(profile)
    cache = keys if keys is not None else KeyCache()
    path = _pointer_path(cache, name)
    try:
        with open(path) as f:
            rec = json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise ZkrvError(f"key cache: cannot read {path} ({e}); delete it") from e
    if not isinstance(rec, dict) or rec.get("format") != POINTER_FORMAT:
        raise ZkrvError(f"key cache: {path} is not a {POINTER_FORMAT} record; delete it")
    if any(rec.get(k) != v for k, v in _fingerprint().items()) or rec.get("profile") != name:
        return None  # made by another version: its circuit may differ
    digest = rec.get("circuit_digest")
    if not isinstance(digest, str):
        raise ZkrvError(f"key cache: {path} has no circuit digest; delete it")
    return cache.verifying_key(digest)


def _set_pointer(cache: KeyCache, profile: str, key: CachedKey) -> None:
    from zkrv.keys import TOY_LABEL

    path = _pointer_path(cache, profile)
    rec = {
        "format": POINTER_FORMAT,
        "profile": profile,
        "circuit_digest": key.circuit_digest,
        "selector": "0x" + key.selector.hex(),
        **_fingerprint(),
    }
    if profile == "toy":
        rec["toy_warning"] = TOY_LABEL
    try:
        atomic_write_text(path, json.dumps(rec, indent=1, sort_keys=True) + "\n")
    except OSError as e:
        raise ZkrvError(f"key cache: cannot write {path}: {e.strerror or e}") from e


@dataclass(frozen=True)
class WrappedReceipt:
    """A wrap's result: the Groth16 receipt, the cached key it verifies under, the profile,
    the weakest layer's proven bits and the wall time."""

    receipt: Groth16Receipt
    key: CachedKey
    profile: str
    layer_bits: float | None
    seconds: float

    @property
    def toy(self) -> bool:
        return self.key.toy_security

    def to_json(self) -> dict[str, Any]:
        from zkrv.keys import TOY_LABEL

        out: dict[str, Any] = {
            **self.receipt.to_json(),
            "seal": "0x" + self.receipt.seal.hex(),
            "seal_selector": "0x" + self.receipt.selector.hex(),
            "wrap_profile": self.profile,
            "layer_bits": None if self.layer_bits is None else round(self.layer_bits, 2),
            "verifying_key": self.key.to_json(),
            "wrap_seconds": round(self.seconds, 3),
        }
        if self.toy:
            out["toy_security"] = True
            out["toy_warning"] = TOY_LABEL
        return out


def _not_wrappable(receipt: Receipt) -> ZkrvError:
    kind = receipt.kind.name.lower() if isinstance(receipt.kind, ReceiptKind) else "unknown"
    why = {
        "groth16": "it is already a Groth16 receipt",
        "dev": "a dev-mode receipt ('zkrv prove --dev') proves nothing; prove without --dev",
    }.get(kind, "it is not a zkVM STARK receipt")
    return ZkrvError(
        f"wrap: cannot wrap a {kind} receipt: {why}. Only a STARK receipt of a zkVM "
        "execution (kind stark or segmented, from 'zkrv prove') can be wrapped"
    )


def _require_onchain_profile() -> None:
    """ZkrvError unless this process runs a security profile whose receipts can be wrapped
    (``ZKRV_SECURITY_PROFILE``: the 128-bit profile's receipts stay off chain)."""
    from zkrv_prover.stark.field.profile import ProfileError, require_default

    try:
        require_default("wrap")
    except ProfileError as e:
        raise ZkrvError(str(e)) from None


def wrap_receipt(
    receipt: Receipt,
    *,
    keys: KeyCache | None = None,
    progress: Progress | None = None,
    profile: str | None = None,
    seed: int | None = None,
) -> WrappedReceipt:
    """Wrap a STARK receipt into a Groth16 receipt (see the module docstring) and report the
    key, profile and figures. The STARK receipt is verified first (ReceiptVerificationError
    for an invalid one; ZkrvError for a receipt that is not a zkVM STARK receipt,
    one-proof or segmented), and the Groth16 receipt is verified natively before it is returned.

    ``keys``: the key cache (default: the user's, :class:`KeyCache`); ``progress``: stages
    "verify", "recursion", "wrap circuit", "groth16 setup" (key-cache miss only), "groth16
    prove"; ``profile``: ``"production"``/``"toy"`` (default :func:`profile_name`: the
    environment, else production); ``seed``: deterministic Groth16 randomness (tests only)."""
    from zkrv.keys import KeyCache
    from zkrv_prover.progress import reporting

    _require_onchain_profile()
    with reporting(progress):
        return _wrap(receipt, keys if keys is not None else KeyCache(), profile_name(profile), seed)


def _wrap(receipt: Receipt, cache: KeyCache, name: str, seed: int | None) -> WrappedReceipt:
    from zkrv.keys import TOY_LABEL
    from zkrv.onchain.groth16 import Proof
    from zkrv_prover import progress as prog
    from zkrv_prover.bn254 import groth16
    from zkrv_prover.r1cs.builder import UnsatisfiedConstraintError
    from zkrv_prover.r1cs.zkvm_wrap import wrap_zkvm_proof, wrap_zkvm_segmented
    from zkrv_prover.recursion.segment_tree import SegmentFamily
    from zkrv_prover.stark.field.arith import VerificationError
    from zkrv_prover.stark.protocol.verifier import verify as stark_verify
    from zkrv_prover.zkvm.image_id import verifier_key, zkvm_params

    if isinstance(receipt, SegmentedReceipt) and receipt.kind == ReceiptKind.SEGMENTED:
        segmented = True
    elif isinstance(receipt, StarkReceipt) and receipt.kind == ReceiptKind.STARK:
        segmented = False
    else:
        raise _not_wrappable(receipt)
    t0 = time.monotonic()
    prog.stage("verify", 1)
    if segmented:
        assert isinstance(receipt, SegmentedReceipt)
        try:
            receipt.verify(receipt.image_id)  # every segment proof and their composition
        except ReceiptVerificationError as e:
            raise ReceiptVerificationError(
                f"wrap: not a valid zkVM segmented receipt: {e.message}"
            ) from e
        run = receipt.segmented_proof()
        family = SegmentFamily.of(
            run, verifier_key(run.pre_root, run.log_program, run.log_image, zkvm_params(), True)
        )
    else:
        assert isinstance(receipt, StarkReceipt)
        try:
            vk, public, proof = receipt.zkvm_proof()
            stark_verify(vk, public, proof)  # what StarkReceipt.verify checks, decoded once
        except ReceiptVerificationError as e:
            raise ReceiptVerificationError(
                f"wrap: not a valid zkVM STARK receipt: {e.message}"
            ) from e
        except (VerificationError, ValueError) as e:
            raise ReceiptVerificationError(
                f"wrap: not a valid zkVM STARK receipt: receipt: invalid proof ({e})"
            ) from e
    prog.advance()
    prof = _profile(name)
    got: list[CachedKey] = []

    def setup(nr: groth16.NativeR1CS) -> groth16.ProvingKey:
        pk, key = cache.setup(nr, wrap_profile=name, toy=prof.toy)
        got.append(key)
        return pk

    def load_key(digest: str) -> groth16.ProvingKey | None:
        # the key a witness-only wrap proves with (its circuit id recorded by an earlier wrap)
        key = cache.verifying_key(digest)
        pk = cache.proving_key(digest) if key is not None else None
        if pk is not None and key is not None:
            got.append(key)
        return pk

    known = groth16.KnownKeys(groth16.CircuitIndex(cache.dir / "circuits"), load_key)
    common: dict[str, Any] = {
        "profile": prof,
        "setup": setup,
        "seed": seed,
        "key_store": cache.layers_dir,
        "keys": known,
    }
    try:
        if segmented:
            w = wrap_zkvm_segmented(family, **common)
        else:
            w = wrap_zkvm_proof(vk, public, proof, **common)
    except (VerificationError, UnsatisfiedConstraintError, ValueError) as e:
        raise ReceiptVerificationError(f"wrap: the receipt's proof does not wrap ({e})") from e
    key = got[-1]  # the key the proof was made with (the last one found or set up)
    st = w.statement
    if (st.image_id, st.journal_digest, st.exit_code) != (
        receipt.image_id,
        receipt.journal_digest,
        receipt.exit_code,
    ):
        raise RuntimeError("wrap: the wrapped statement differs from the receipt's claim (bug)")
    out = Groth16Receipt.from_proof(
        receipt.image_id,
        receipt.exit_code,
        receipt.journal,
        key.vk,
        Proof.from_bytes(w.proof.to_bytes()),
    )
    out.verify(receipt.image_id, receipt.journal, keys=cache)  # the key by selector + pairing
    _set_pointer(cache, name, key)
    if key.toy_security:
        warnings.warn(
            f"Groth16 receipt of the TOY wrap profile: {TOY_LABEL}", ToySecurityWarning, 2
        )
    return WrappedReceipt(out, key, name, w.layer_bits, time.monotonic() - t0)


def wrap(
    receipt: Receipt,
    *,
    keys: KeyCache | None = None,
    progress: Progress | None = None,
    profile: str | None = None,
    seed: int | None = None,
) -> Groth16Receipt:
    """``receipt`` (a STARK receipt of a zkVM execution, one-proof or segmented) as a Groth16
    receipt: the same claim and journal, and the 260-byte router seal. See :func:`wrap_receipt`
    (arguments, errors); the key is the cached key of the profile's circuit (UNSAFE dev setup
    on a miss)."""
    return wrap_receipt(receipt, keys=keys, progress=progress, profile=profile, seed=seed).receipt


# -- the built-in guest of the key setup ------------------------------------------------------

_CODE = 0x0001_0000
_DATA = 0x0002_0000
#: The journal of :func:`setup_guest` (24 bytes: a whole number of words).
SETUP_JOURNAL = b"zkrv zkVM Groth16 setup\n"


def _li(rd: int, value: int) -> list[int]:
    """RV32I ``lui rd, hi; addi rd, rd, lo`` loading the 32-bit ``value``."""
    lo = value & 0xFFF
    lo = lo - 0x1000 if lo & 0x800 else lo
    hi = ((value - lo) >> 12) & 0xFFFFF
    lui = (hi << 12) | (rd << 7) | 0x37
    addi = ((lo & 0xFFF) << 20) | (rd << 15) | (rd << 7) | 0x13
    return [lui, addi]


def setup_guest() -> MemoryImage:
    """A tiny built-in guest (10 instructions, no compiler needed): commits
    :data:`SETUP_JOURNAL` (its one padded SHA-256 block, stored in the image) and halts with
    exit code 0. :func:`setup_key` wraps a receipt of it to derive the wrap circuit, which is
    the same for every guest."""
    from zkrv_prover.executor import MemoryImage
    from zkrv_prover.executor.accel import sha256_pad

    a0, a1, a7, ecall = 10, 11, 17, 0x0000_0073
    code = [
        *_li(a0, 0),
        *_li(a1, _DATA),
        *_li(a7, 2),  # COMMIT(a0 = 0, a1 = the padded journal's block)
        ecall,
        *_li(a7, 0),  # HALT(a0 = exit code 0)
        ecall,
    ]
    words = {_CODE + 4 * k: w for k, w in enumerate(code)}
    block = sha256_pad(SETUP_JOURNAL)
    assert len(block) == 64
    words |= MemoryImage.bytes_as_words(_DATA, block)
    return MemoryImage.from_words(_CODE, words, [(_CODE, _CODE + 0x1000)])


@dataclass(frozen=True)
class SetupResult:
    """``zkrv keys setup``'s result: the profile's key, and, when it was derived now
    (``derived``), the built-in guest's Groth16 receipt that checked it."""

    key: CachedKey
    profile: str
    derived: bool
    wrapped: WrappedReceipt | None = None


def setup_key(
    *,
    keys: KeyCache | None = None,
    progress: Progress | None = None,
    profile: str | None = None,
    force: bool = False,
) -> SetupResult:
    """Make sure the key cache holds the Groth16 key of the zkVM wrap circuit of ``profile``
    (default :func:`profile_name`), without a user receipt: prove the built-in guest
    (:func:`setup_guest`) and wrap it (UNSAFE dev setup on a miss; the wrapped receipt is
    verified under the key). If the cache already names the profile's key (a previous wrap or
    setup of this zkrv version), nothing is done unless ``force``."""
    from zkrv.keys import KeyCache
    from zkrv.prove import prove

    _require_onchain_profile()
    name = profile_name(profile)
    cache = keys if keys is not None else KeyCache()
    if not force:
        key = cached_zkvm_key(name, cache)
        if key is not None:
            return SetupResult(key, name, derived=False)
    stark = prove(setup_guest(), b"", progress=progress)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ToySecurityWarning)  # the result says it
        w = wrap_receipt(stark, keys=cache, progress=progress, profile=name)
    return SetupResult(w.key, name, derived=True, wrapped=w)
