"""The Groth16 key cache: proving and verifying keys by circuit digest, found by seal selector.

A per-user directory holds, for each Groth16 circuit, its proving key and its verifying key,
named by the **circuit digest** (``zkrv_prover.bn254.groth16.r1cs_digest``: SHA-256 over the
R1CS's sizes and matrices, hex). Receipts carry only the seal's 4-byte selector
(:func:`zkrv.seal.groth16_selector` of the verifying key); :meth:`KeyCache.by_selector` finds the
key that selector names, which is how :meth:`zkrv.receipt.Groth16Receipt.verify` checks a
receipt natively.

Where (first that is set)::

    $ZKRV_CACHE_DIR/groth16/          $XDG_CACHE_HOME/zkrv/groth16/          ~/.cache/zkrv/groth16/

the same directory as :func:`zkrv_prover.bn254.groth16.cache_dir`, so keys made by
``cached_dev_setup`` (e.g. by the wrap) are found here too. Files::

    <digest>.pk        proving key (the native engine's format; metadata JSON inside)
    <digest>.vk.json   verifying-key record: {"format": "zkrv-groth16-vk-v1", "circuit_digest",
                       "selector", "source", "unsafe_dev_setup", ["warning"], "imported_from",
                       ["wrap_profile", "toy_security", "toy_warning"],
                       "vk": snarkjs verification_key.json}
    zkvm-<profile>.json  which circuit the zkVM wrap of that profile uses (:mod:`zkrv.wrapping`)
    circuits/<id>.json   circuit id -> circuit digest (``groth16.CircuitIndex``): lets a wrap
                       with a cached key prove from the witness alone (``docs/wrap.md``)

and, beside ``groth16/``, ``layers/``: the recursion layers' keys of the zkVM wrap
(``<layer>-<profile>-<digest>.key``, :func:`zkrv_prover.recursion.pipeline.layer_key_from`;
the production shrink key is about 1.4 GiB), made by the first wrap and read by later ones.

Keys of the zkVM wrap carry the wrap profile that made their circuit (``wrap_profile``); keys of
the TOY profile (tests only) are also marked ``"toy_security": true`` with ``TOY_LABEL`` in every
record, JSON view and CLI line.

Atomicity: every file is written to a temporary file in the same directory, flushed and
fsync'ed, then renamed over the target (:func:`zkrv.fsutil.atomic_write_bytes`; proving keys by
the native engine, same scheme), so a crash leaves the old file or the new one, never half a
key; temporary files (``.<name>.*.tmp``) are never read as keys. The proving key is written
before its verifying-key record; a record without a proving key (imported verifying key) is
legitimate, a proving key without a record is completed on the next :meth:`KeyCache.setup`.

Trust: :meth:`KeyCache.setup` runs the **UNSAFE single-party dev setup** (whoever runs it could
forge proofs); such keys are marked ``"unsafe_dev_setup": true`` and carry the
``UNSAFE_LABEL`` warning in every record, JSON view and CLI line. A ceremony key replaces the dev
key of the same circuit through :meth:`KeyCache.import_zkey` (a snarkjs ``.zkey``, checked
against the circuit's R1CS) or, for verification only, :meth:`KeyCache.import_vk` (a snarkjs
``verification_key.json``; the caller names the circuit digest, which a verifying key alone
cannot prove; the dev proving key, which no longer matches, is removed).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from zkrv.errors import ZkrvError
from zkrv.fsutil import atomic_write_text
from zkrv.onchain.groth16 import VerifyingKey
from zkrv.seal import SELECTOR_LEN, groth16_selector

if TYPE_CHECKING:
    from zkrv_prover.bn254.groth16 import NativeR1CS, ProvingKey
    from zkrv_prover.bn254.groth16 import VerifyingKey as NativeVerifyingKey
    from zkrv_prover.r1cs.system import R1CS

__all__ = [
    "TOY_LABEL",
    "UNSAFE_LABEL",
    "CachedKey",
    "KeyCache",
    "KeyLookup",
    "cache_root",
]

#: The label every dev-setup key carries (the engine's own constant, repeated here so that
#: importing this module does not load the native engine; a test checks they are equal).
UNSAFE_LABEL = "UNSAFE dev setup (single-party trapdoor): never use these keys in production"
#: The label every key of a TOY SECURITY wrap circuit carries (``zkrv.wrapping``, tests only).
TOY_LABEL = (
    "TOY SECURITY: the zkVM wrap's recursion layers use 2 queries each (a few proven bits); "
    "for tests only, never deploy"
)
VK_FORMAT = "zkrv-groth16-vk-v1"
_NATIVE_VK_MAGIC = b"ZKRVVK1\0"
_DIGEST_RE = re.compile(r"^[0-9a-f]{64}$")

ProgressFn = Callable[[str, float], None]


def cache_root() -> Path:
    """The per-user zkrv cache: ``$ZKRV_CACHE_DIR``, else ``$XDG_CACHE_HOME/zkrv``, else
    ``~/.cache/zkrv`` (empty variables count as unset)."""
    root = os.environ.get("ZKRV_CACHE_DIR")
    if root:
        return Path(root)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "zkrv"


def check_circuit_digest(digest: str) -> str:
    """``digest`` if it is a circuit digest (64 lowercase hex characters), else ZkrvError."""
    if not isinstance(digest, str) or not _DIGEST_RE.match(digest):
        raise ZkrvError(f"key cache: {digest!r} is not a circuit digest (64 lowercase hex digits)")
    return digest


@dataclass(frozen=True)
class CachedKey:
    """A verifying key in the cache, with where it came from.

    ``source`` is ``"dev-setup"`` (UNSAFE), ``"snarkjs-zkey"`` or ``"snarkjs-vk"`` (imported
    ceremony keys; their trust rests on the ceremony, which zkrv cannot judge).
    ``wrap_profile``: the zkVM wrap profile whose circuit this key belongs to, when known;
    ``toy_security``: that profile is TOY SECURITY (tests only).
    """

    circuit_digest: str
    vk: VerifyingKey
    source: str
    unsafe_dev_setup: bool
    path: Path
    imported_from: str | None = None
    wrap_profile: str | None = None
    toy_security: bool = False

    @property
    def selector(self) -> bytes:
        return groth16_selector(self.vk)

    def native_vk(self) -> NativeVerifyingKey:
        """The key in the native engine's layout (for its pairing check)."""
        from zkrv_prover.bn254.groth16 import VerifyingKey as NativeVK

        return NativeVK(_NATIVE_VK_MAGIC + self.vk.to_bytes())

    def to_json(self) -> dict[str, Any]:
        """Summary for CLI ``--json`` output; dev keys carry ``warning: UNSAFE_LABEL``."""
        out: dict[str, Any] = {
            "circuit_digest": self.circuit_digest,
            "selector": "0x" + self.selector.hex(),
            "source": self.source,
            "unsafe_dev_setup": self.unsafe_dev_setup,
            "n_public": self.vk.n_public,
            "path": str(self.path),
        }
        if self.imported_from is not None:
            out["imported_from"] = self.imported_from
        if self.unsafe_dev_setup:
            out["warning"] = UNSAFE_LABEL
        if self.wrap_profile is not None:
            out["wrap_profile"] = self.wrap_profile
        if self.toy_security:
            out["toy_security"] = True
            out["toy_warning"] = TOY_LABEL
        return out

    def describe(self) -> str:
        """One human line; dev keys say UNSAFE, TOY keys TOY SECURITY."""
        trust = UNSAFE_LABEL if self.unsafe_dev_setup else f"imported ({self.source})"
        what = f"  zkVM wrap ({self.wrap_profile})" if self.wrap_profile else ""
        toy = f"  {TOY_LABEL}" if self.toy_security else ""
        return f"0x{self.selector.hex()}  circuit {self.circuit_digest}{what}  {trust}{toy}"


class KeyLookup(Protocol):
    """What verification needs from a key store: the key a seal selector names."""

    def by_selector(self, selector: bytes) -> CachedKey | None: ...


def _vk_from_native(raw: bytes) -> VerifyingKey:
    """The SDK's :class:`VerifyingKey` of a native-layout key (``magic || n || EVM words``)."""
    from zkrv_prover.bn254.groth16 import VerifyingKey as NativeVK
    from zkrv_prover.bn254.snarkjs_json import vk_to_json

    return VerifyingKey.from_snarkjs(vk_to_json(NativeVK(raw)), where="proving key's vk")


def _snarkjs_vk(vk: VerifyingKey, unsafe: bool) -> dict[str, Any]:
    """snarkjs ``verification_key.json`` of ``vk`` (``zkrv_warning`` for dev keys)."""
    from zkrv_prover.bn254.groth16 import VerifyingKey as NativeVK
    from zkrv_prover.bn254.snarkjs_json import vk_to_json

    return vk_to_json(NativeVK(_NATIVE_VK_MAGIC + vk.to_bytes()), unsafe_dev_setup=unsafe)


class KeyCache:
    """Groth16 keys by circuit digest in ``root/groth16`` (``root`` defaults to
    :func:`cache_root`, read when the cache is created). See the module docstring."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root) if root is not None else cache_root()
        self.dir = self.root / "groth16"
        #: The recursion layers' keys (``recursion.pipeline.layer_key_from``): one-time setup
        #: like the Groth16 key, kept across processes.
        self.layers_dir = self.root / "layers"

    def __repr__(self) -> str:
        return f"KeyCache({str(self.root)!r})"

    # -- paths -----------------------------------------------------------------------------
    def pk_path(self, circuit_digest: str) -> Path:
        return self.dir / f"{check_circuit_digest(circuit_digest)}.pk"

    def vk_path(self, circuit_digest: str) -> Path:
        return self.dir / f"{check_circuit_digest(circuit_digest)}.vk.json"

    # -- reading ---------------------------------------------------------------------------
    def verifying_key(self, circuit_digest: str) -> CachedKey | None:
        """The cached verifying key of a circuit, or None; ZkrvError if its record is corrupt."""
        path = self.vk_path(circuit_digest)
        if not path.is_file():
            return None
        key = self._read_record(path)
        if key.circuit_digest != circuit_digest:
            raise ZkrvError(f"key cache: {path} names circuit {key.circuit_digest}; delete it")
        return key

    def proving_key(self, circuit_digest: str) -> ProvingKey | None:
        """The cached proving key of a circuit, or None; ZkrvError if it is corrupt or
        belongs to another circuit."""
        from zkrv_prover.bn254.groth16 import ProvingKey

        path = self.pk_path(circuit_digest)
        if not path.is_file():
            return None
        try:
            pk = ProvingKey.load(path)
        except ValueError as e:
            raise ZkrvError(f"key cache: {e}; delete {path}") from e
        if pk.meta.get("r1cs_digest") != circuit_digest:
            raise ZkrvError(f"key cache: proving key {path} belongs to another circuit")
        return pk

    def keys(self) -> list[CachedKey]:
        """Every verifying key in the cache, by circuit digest."""
        return [self._read_record(path) for path in self._record_paths()]

    def _record_paths(self) -> list[Path]:
        if not self.dir.is_dir():
            return []
        # names starting with "." are temporary files of interrupted writes
        return [p for p in sorted(self.dir.glob("*.vk.json")) if not p.name.startswith(".")]

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the cache's write lock (``groth16/.lock``, ``flock``; where ``fcntl`` is
        missing, nothing): concurrent setups or imports of one circuit then cannot pair one
        setup's proving key with another's verifying-key record."""
        try:
            import fcntl
        except ImportError:  # not POSIX
            yield
            return
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.dir / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise ZkrvError(f"key cache: cannot lock {self.dir}: {e.strerror or e}") from e
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    def by_selector(self, selector: bytes) -> CachedKey | None:
        """The verifying key whose Groth16 selector is ``selector`` (4 bytes), or None.
        Raises ZkrvError if two cached keys share the selector (ambiguous)."""
        if len(selector) != SELECTOR_LEN:
            raise ZkrvError(f"selector must be {SELECTOR_LEN} bytes, got {len(selector)}")
        want = "0x" + selector.hex()
        found = []
        for path in self._record_paths():
            try:
                stored = json.loads(path.read_text()).get("selector")
            except (OSError, ValueError, AttributeError):
                stored = want  # unreadable: let the full read below report it
            if stored != want:
                continue  # the record's own selector field differs: not this key
            key = self._read_record(path)
            if key.selector == selector:  # recomputed from the key, never trusted
                found.append(key)
        if len(found) > 1:
            names = ", ".join(k.circuit_digest for k in found)
            raise ZkrvError(f"key cache: selector 0x{selector.hex()} is ambiguous ({names})")
        return found[0] if found else None

    def _read_record(self, path: Path) -> CachedKey:
        try:
            rec = json.loads(path.read_text())
        except (OSError, ValueError) as e:
            raise ZkrvError(f"key cache: cannot read {path} ({e}); delete it") from e
        try:
            if not isinstance(rec, dict) or rec.get("format") != VK_FORMAT:
                raise ValueError(f"not a {VK_FORMAT} record")
            digest = check_circuit_digest(rec["circuit_digest"])
            unsafe = rec["unsafe_dev_setup"]
            source = rec["source"]
            imported = rec.get("imported_from")
            profile = rec.get("wrap_profile")
            toy = rec.get("toy_security", False)
            if not isinstance(unsafe, bool) or not isinstance(source, str):
                raise ValueError("bad unsafe_dev_setup or source")
            if imported is not None and not isinstance(imported, str):
                raise ValueError("bad imported_from")
            if (profile is not None and not isinstance(profile, str)) or not isinstance(toy, bool):
                raise ValueError("bad wrap_profile or toy_security")
            vk = VerifyingKey.from_snarkjs(rec["vk"], where=str(path))
        except (KeyError, TypeError, ValueError, ZkrvError) as e:
            raise ZkrvError(f"key cache: {path} is corrupt ({e}); delete it") from e
        return CachedKey(digest, vk, source, unsafe, path, imported, profile, toy)

    # -- writing ---------------------------------------------------------------------------
    def _write_record(
        self,
        circuit_digest: str,
        vk: VerifyingKey,
        source: str,
        unsafe: bool,
        imported_from: str | None = None,
        wrap_profile: str | None = None,
        toy: bool = False,
    ) -> CachedKey:
        path = self.vk_path(circuit_digest)
        rec: dict[str, Any] = {
            "format": VK_FORMAT,
            "circuit_digest": circuit_digest,
            "selector": "0x" + groth16_selector(vk).hex(),
            "source": source,
            "unsafe_dev_setup": unsafe,
            "imported_from": imported_from,
            "vk": _snarkjs_vk(vk, unsafe),
        }
        if unsafe:
            rec["warning"] = UNSAFE_LABEL
        if wrap_profile is not None:
            rec["wrap_profile"] = wrap_profile
        if toy:
            rec["toy_security"] = True
            rec["toy_warning"] = TOY_LABEL
        try:
            atomic_write_text(path, json.dumps(rec, indent=1, sort_keys=True) + "\n")
        except OSError as e:
            raise ZkrvError(f"key cache: cannot write {path}: {e.strerror or e}") from e
        return CachedKey(circuit_digest, vk, source, unsafe, path, imported_from, wrap_profile, toy)

    def _save_pk(self, pk: ProvingKey, circuit_digest: str) -> None:
        path = self.pk_path(circuit_digest)
        try:
            pk.save(path)
        except (OSError, ValueError) as e:
            raise ZkrvError(f"key cache: cannot write {path}: {e}") from e

    def setup(
        self,
        r1cs: R1CS | NativeR1CS,
        *,
        progress: ProgressFn | None = None,
        seed: int | None = None,
        wrap_profile: str | None = None,
        toy: bool = False,
    ) -> tuple[ProvingKey, CachedKey]:
        """The proving and verifying keys of ``r1cs``, from the cache, else from the **UNSAFE
        dev setup** (then saved atomically). ``wrap_profile``/``toy`` label the key's record as
        the circuit of that zkVM wrap profile (TOY SECURITY when ``toy``); a record without
        the labels is rewritten with them. An imported ceremony proving key is returned as
        is; a circuit whose verifying key was imported without its proving key cannot prove
        here (ZkrvError: import the ceremony's ``.zkey``).

        Setup progress goes to ``progress(phase, fraction)`` (phases carry the UNSAFE label)
        and to the current :mod:`zkrv_prover.progress` reporter as stage "groth16 setup" (only
        on a cache miss). ``seed`` makes the trapdoor deterministic: tests only.
        """
        from zkrv_prover.bn254 import groth16

        nr = r1cs if isinstance(r1cs, groth16.NativeR1CS) else groth16.NativeR1CS(r1cs)
        with self._locked():
            return self._setup(nr, progress, seed, wrap_profile, toy)

    def _setup(
        self,
        nr: NativeR1CS,
        progress: ProgressFn | None,
        seed: int | None,
        wrap_profile: str | None = None,
        toy: bool = False,
    ) -> tuple[ProvingKey, CachedKey]:
        from zkrv_prover import progress as progress_mod
        from zkrv_prover.bn254 import groth16

        digest = nr.digest
        record = self.verifying_key(digest)
        pk = self.proving_key(digest)
        if pk is None and record is not None and not record.unsafe_dev_setup:
            raise ZkrvError(
                f"key cache: circuit {digest} has an imported verifying key but no proving "
                "key; import the ceremony's .zkey to prove"
            )
        if pk is None:
            report = _both(progress, progress_mod.fraction_adapter("groth16 setup"))
            pk = groth16.dev_setup(nr, progress=report, seed=seed)
            self._save_pk(pk, digest)
        vk = _vk_from_native(pk.vk.to_bytes())
        if wrap_profile is None and record is not None:  # keep the labels it has
            wrap_profile, toy = record.wrap_profile, record.toy_security
        labels = (wrap_profile, toy)
        if record is not None and record.vk == vk:
            if (record.wrap_profile, record.toy_security) == labels:
                return pk, record
            rec = self._write_record(
                digest, vk, record.source, record.unsafe_dev_setup, record.imported_from, *labels
            )
            return pk, rec
        if record is not None and not record.unsafe_dev_setup:
            raise ZkrvError(
                f"key cache: the proving key of circuit {digest} does not match its imported "
                f"verifying key {record.path}"
            )
        source = "dev-setup" if pk.unsafe_dev_setup else str(pk.meta.get("source", "imported"))
        imported = pk.meta.get("imported_from")
        rec = self._write_record(
            digest,
            vk,
            source,
            pk.unsafe_dev_setup,
            imported if isinstance(imported, str) else None,
            *labels,
        )
        return pk, rec

    def import_zkey(
        self, path: str | os.PathLike[str], r1cs: R1CS | NativeR1CS
    ) -> tuple[ProvingKey, CachedKey]:
        """Import a snarkjs Groth16 ``.zkey`` made for ``r1cs`` (checked against it), replacing
        any key of that circuit (e.g. the dev key) by the ceremony's proving and verifying
        keys. ZkrvError if the file is malformed or belongs to another circuit."""
        from zkrv_prover.bn254 import groth16
        from zkrv_prover.bn254.zkey import import_zkey

        nr = r1cs if isinstance(r1cs, groth16.NativeR1CS) else groth16.NativeR1CS(r1cs)
        try:
            pk = import_zkey(path, nr)
        except (OSError, ValueError) as e:
            raise ZkrvError(f"cannot import {path}: {e}") from e
        vk = _vk_from_native(pk.vk.to_bytes())
        with self._locked():
            labels = self._labels(nr.digest)
            self._save_pk(pk, nr.digest)
            rec = self._write_record(nr.digest, vk, "snarkjs-zkey", False, str(path), *labels)
        return pk, rec

    def _labels(self, circuit_digest: str) -> tuple[str | None, bool]:
        """The wrap-profile labels of a circuit's current record (kept when a key is imported
        for it: they describe the circuit, not the setup)."""
        try:
            old = self.verifying_key(circuit_digest)
        except ZkrvError:
            return None, False
        return (None, False) if old is None else (old.wrap_profile, old.toy_security)

    def import_vk(
        self, vk: VerifyingKey | str | os.PathLike[str], circuit_digest: str
    ) -> CachedKey:
        """Import a ceremony verifying key (a :class:`VerifyingKey` or a snarkjs
        ``verification_key.json`` path) as the key of circuit ``circuit_digest``, for
        verification. Replaces a dev key of that circuit (its dev proving key, which no
        longer matches, is deleted); refuses to replace a different imported key (delete its
        record first). A verifying key cannot show which circuit it belongs to: naming the
        right digest is the caller's responsibility."""
        check_circuit_digest(circuit_digest)
        imported_from = None
        if not isinstance(vk, VerifyingKey):
            imported_from = str(vk)
            vk = VerifyingKey.load(Path(vk))
        with self._locked():
            return self._import_vk(vk, circuit_digest, imported_from)

    def _import_vk(
        self, vk: VerifyingKey, circuit_digest: str, imported_from: str | None
    ) -> CachedKey:
        old = self.verifying_key(circuit_digest)
        if old is not None and old.vk == vk:
            return old
        labels = (None, False) if old is None else (old.wrap_profile, old.toy_security)
        if old is not None and not old.unsafe_dev_setup:
            raise ZkrvError(
                f"key cache: circuit {circuit_digest} already has an imported key "
                f"({old.source}, selector 0x{old.selector.hex()}); delete {old.path} first"
            )
        pk_path = self.pk_path(circuit_digest)
        pk = self.proving_key(circuit_digest)
        if pk is not None and _vk_from_native(pk.vk.to_bytes()) != vk:
            if not pk.unsafe_dev_setup:
                raise ZkrvError(
                    f"key cache: {pk_path} is an imported proving key for another verifying "
                    "key; delete it first"
                )
            # Record first, then drop the stale dev proving key: a crash in between leaves a
            # proving key that setup() refuses (it does not match the imported record).
            rec = self._write_record(
                circuit_digest, vk, "snarkjs-vk", False, imported_from, *labels
            )
            with contextlib.suppress(FileNotFoundError):
                pk_path.unlink()
            return rec
        source = "snarkjs-vk"
        return self._write_record(circuit_digest, vk, source, False, imported_from, *labels)


def _both(a: ProgressFn | None, b: ProgressFn | None) -> ProgressFn | None:
    """A ``(phase, fraction)`` callback calling ``a`` then ``b`` (either may be None)."""
    if a is None or b is None:
        return a if b is None else b
    first, second = a, b

    def cb(phase: str, frac: float) -> None:
        first(phase, frac)
        second(phase, frac)

    return cb
