"""Groth16 over BN254 through the native engine: dev setup, proving-key cache, prove, verify.

The R1CS and witness cross into Rust in bulk (:class:`zkrv_prover.r1cs.system.R1CS`, limb arrays).
Keys follow snarkjs's QAP conventions, so a proving key imported from a snarkjs ``.zkey`` (a real
multi-party ceremony) proves with the same code (see :mod:`.zkey`).

**The setup here is an UNSAFE single-party dev setup**: whoever runs it could know the trapdoor
and forge proofs. Keys it makes carry ``"unsafe_dev_setup": true`` in their metadata, and its
progress output says so. For production, run a multi-party ceremony (e.g. snarkjs ``powersoftau``
+ ``zkey contribute``) and import its ``.zkey``.

Encodings: a proof is 256 bytes (A || B || C, Ethereum precompile layout, big-endian); a
verifying key is zkrv's binary layout (magic, public-input count, points); proving keys are files
(magic, metadata JSON, ark-serialize body) written atomically into the cache directory
(``$ZKRV_CACHE_DIR/groth16`` or ``~/.cache/zkrv/groth16``), named by the R1CS digest.

**Witness-only proving.** With the key at hand, a proof needs from the circuit only its witness
and the constraint values ``A w``, ``B w``, ``C w`` (:class:`Assignment`, computed natively from
the builder's own buffers), not the R1CS: :func:`prove_assignment` skips the export, the digest
and the conversion of the matrices. Such a key is found by a *circuit id* (a digest of what
generates the circuit, including the code) through a :class:`CircuitIndex` record written by a
full-path prove of the same circuit id; the key check the R1CS digest gives is replaced by the
shape check and the caller's verification of the proof (a key of another circuit makes proofs
that do not verify).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from zkrv_prover.bn254.hashing import native
from zkrv_prover.r1cs.system import R1CS, from_limbs, to_limbs

if TYPE_CHECKING:
    from zkrv_prover.r1cs.builder import ConstraintSystem

#: Label attached to everything the dev setup produces or prints.
UNSAFE_LABEL = "UNSAFE dev setup (single-party trapdoor): never use these keys in production"
PROOF_BYTES = 256

ProgressFn = Callable[[str, float], None]


def stderr_progress(task: str) -> ProgressFn:
    """A progress callback printing ``[zkrv groth16] <task>: <phase> <pct>%`` lines to stderr."""
    t0 = time.perf_counter()

    def report(phase: str, frac: float) -> None:
        el = time.perf_counter() - t0
        line = f"[zkrv groth16] {task}: {phase} {frac:.0%} ({el:.1f} s)"
        print(line, file=sys.stderr, flush=True)

    return report


def r1cs_digest(r1cs: R1CS) -> str:
    """SHA-256 over the R1CS's sizes and arrays: identifies the circuit a key belongs to."""
    h = hashlib.sha256(b"zkrv-r1cs-v1")
    h.update(np.array([r1cs.n_vars, r1cs.n_public, r1cs.n_constraints], dtype="<i8").tobytes())
    for m in (r1cs.a, r1cs.b, r1cs.c):
        for arr, dt in ((m.indptr, "<i8"), (m.indices, "<i8"), (m.coeffs, "<u8")):
            # the array's own buffer, not a bytes copy: gigabytes for a production circuit
            h.update(np.ascontiguousarray(arr, dtype=dt).reshape(-1).data)
    return h.hexdigest()


class NativeR1CS:
    """An R1CS validated and converted once in Rust, reusable across setup and many proofs."""

    def __init__(self, r1cs: R1CS) -> None:
        r1cs.validate()
        self.r1cs = r1cs
        # The digest (SHA-256 over gigabytes for the production circuit) and the native
        # conversion both run without the GIL: overlap them.
        with ThreadPoolExecutor(max_workers=1) as pool:
            digest = pool.submit(r1cs_digest, r1cs)
            self.handle = self._convert(r1cs)
            self.digest = digest.result()

    @staticmethod
    def _convert(r1cs: R1CS) -> Any:

        def parts(m: Any) -> tuple[Any, Any, Any]:
            return (
                np.ascontiguousarray(m.indptr, dtype=np.int64),
                np.ascontiguousarray(m.indices, dtype=np.int64),
                np.ascontiguousarray(m.coeffs, dtype=np.uint64).reshape(-1, 4),
            )

        return native().R1cs(
            r1cs.n_vars, r1cs.n_public, *parts(r1cs.a), *parts(r1cs.b), *parts(r1cs.c)
        )

    @property
    def domain_size(self) -> int:
        return int(self.handle.domain_size)


def _native_r1cs(r1cs: R1CS | NativeR1CS) -> NativeR1CS:
    return r1cs if isinstance(r1cs, NativeR1CS) else NativeR1CS(r1cs)


@dataclass(frozen=True)
class Proof:
    """A Groth16 proof; ``raw`` is the 256-byte encoding (validated on construction)."""

    raw: bytes

    def __post_init__(self) -> None:
        native().groth16_check_proof(self.raw)  # raises ValueError on malformed bytes

    def to_bytes(self) -> bytes:
        return self.raw

    def coordinates(self) -> tuple[list[int], list[int], list[int]]:
        """(A, B, C) as big-endian-decoded ints: A = [x, y], B = [x.c1, x.c0, y.c1, y.c0],
        C = [x, y] — the argument order of an EVM pairing-based verifier."""
        w = [int.from_bytes(self.raw[i : i + 32], "big") for i in range(0, PROOF_BYTES, 32)]
        return w[0:2], w[2:6], w[6:8]


@dataclass(frozen=True)
class VerifyingKey:
    """A Groth16 verifying key in zkrv's binary layout (validated on construction)."""

    raw: bytes

    def __post_init__(self) -> None:
        native().groth16_check_vk(self.raw)

    @property
    def n_public(self) -> int:
        return int.from_bytes(self.raw[8:12], "big")

    def to_bytes(self) -> bytes:
        return self.raw


class ProvingKey:
    """A native proving key with its metadata (``unsafe_dev_setup``, ``r1cs_digest``, ...)."""

    def __init__(self, handle: Any, meta: dict[str, Any]) -> None:
        self.handle = handle
        self.meta = meta

    @property
    def vk(self) -> VerifyingKey:
        return VerifyingKey(bytes(self.handle.vk_bytes()))

    @property
    def unsafe_dev_setup(self) -> bool:
        return bool(self.meta.get("unsafe_dev_setup", False))

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write atomically (temporary file in the same directory, then rename)."""
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.handle.save(Path(path), json.dumps(self.meta, sort_keys=True))

    @staticmethod
    def load(path: str | os.PathLike[str]) -> ProvingKey:
        """Read a key file; ``ValueError`` if it is not one or is corrupt."""
        handle, meta = native().ProvingKey.load(Path(path))
        try:
            parsed = json.loads(meta)
        except json.JSONDecodeError as e:
            raise ValueError(f"proving key {path}: metadata is not JSON ({e})") from e
        if not isinstance(parsed, dict):
            raise ValueError(f"proving key {path}: metadata is not a JSON object")
        return ProvingKey(handle, parsed)


def dev_setup(
    r1cs: R1CS | NativeR1CS,
    *,
    progress: ProgressFn | None = None,
    seed: int | None = None,
) -> ProvingKey:
    """UNSAFE single-party Groth16 setup for ``r1cs`` (dev and tests only; see module docs).

    ``progress(phase, fraction)`` is called between phases; ``seed`` makes the trapdoor
    deterministic and is for reproducible tests only.
    """
    nr = _native_r1cs(r1cs)
    report = progress

    def cb(phase: str, frac: float) -> None:
        if report is not None:
            report(f"{phase} [{UNSAFE_LABEL}]", frac)

    handle = native().ProvingKey.dev_setup(nr.handle, cb, seed)
    meta = {
        "format": "zkrv-groth16-pk-v1",
        "unsafe_dev_setup": True,
        "label": UNSAFE_LABEL,
        "r1cs_digest": nr.digest,
        "n_vars": nr.r1cs.n_vars,
        "n_public": nr.r1cs.n_public,
        "n_constraints": nr.r1cs.n_constraints,
        "domain_size": nr.domain_size,
        "deterministic_seed": seed is not None,
        "created_unix": int(time.time()),
    }
    return ProvingKey(handle, meta)


def _witness_limbs(witness: Sequence[int] | npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    if isinstance(witness, np.ndarray):
        if witness.dtype != np.uint64 or witness.ndim != 2 or witness.shape[1] != 4:
            raise ValueError(f"witness limbs must be (n_vars, 4) uint64, got {witness.shape}")
        return np.ascontiguousarray(witness)
    return to_limbs(witness)


def prove(
    pk: ProvingKey,
    r1cs: R1CS | NativeR1CS,
    witness: Sequence[int] | npt.NDArray[np.uint64],
    *,
    progress: ProgressFn | None = None,
    seed: int | None = None,
) -> Proof:
    """Prove that the full ``witness`` (w[0] = 1) satisfies ``r1cs``.

    Raises ``ValueError`` if the key was made for a different R1CS, the witness has the wrong
    length, is non-canonical, or violates a constraint (the first violated index is named).
    """
    nr = _native_r1cs(r1cs)
    want = pk.meta.get("r1cs_digest")
    if want != nr.digest:
        raise ValueError(f"proving key belongs to R1CS {want}, not to this R1CS ({nr.digest})")
    raw = native().groth16_prove(pk.handle, nr.handle, _witness_limbs(witness), progress, seed)
    return Proof(bytes(raw))


class Assignment:
    """A witness with its constraint values ``A w``, ``B w``, ``C w``, held natively: what
    :func:`prove_assignment` needs from a circuit whose key exists (module docstring)."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle

    @staticmethod
    def of(cs: ConstraintSystem) -> Assignment:
        """The assignment of a built circuit, from its recorded buffers (no R1CS export).
        ``ValueError`` naming the row when the witness violates a constraint (``cs`` built with
        ``strict=False``)."""
        (a, b, c) = cs.raw_matrices()
        handle = native().Assignment(
            cs.values_limbs(), cs.permutation(), cs.n_public, *a, *b, *c, cs.interned()
        )
        return Assignment(handle)

    @property
    def n_vars(self) -> int:
        return int(self.handle.n_vars)

    @property
    def n_public(self) -> int:
        return int(self.handle.n_public)

    @property
    def n_constraints(self) -> int:
        return int(self.handle.n_constraints)

    def public_inputs(self) -> list[int]:
        return from_limbs(self.handle.public_limbs())

    def witness(self) -> list[int]:
        """The full witness in exported variable order (tests)."""
        return from_limbs(self.handle.witness_limbs())

    def evaluations(self) -> tuple[list[int], list[int], list[int]]:
        """``(A w, B w, C w)``, one value per constraint (tests)."""
        a, b, c = self.handle.evaluations()
        return from_limbs(a), from_limbs(b), from_limbs(c)


def prove_assignment(
    pk: ProvingKey,
    assignment: Assignment,
    *,
    progress: ProgressFn | None = None,
    seed: int | None = None,
) -> Proof:
    """Prove from an :class:`Assignment`, with the same QAP as :func:`prove`.

    Only the key's shape (variables, public inputs, constraints) is checked (``ValueError``):
    the key is not tied to a circuit digest here, so **the caller must verify the proof** under
    ``pk.vk`` before using it; a key of another circuit of the same shape gives a proof that
    does not verify.
    """
    raw = native().groth16_prove_assignment(pk.handle, assignment.handle, progress, seed)
    return Proof(bytes(raw))


@dataclass(frozen=True)
class CircuitRecord:
    """What a full-path prove learnt about a circuit id: its R1CS digest and shape."""

    r1cs_digest: str
    n_vars: int
    n_public: int
    n_constraints: int


CIRCUIT_RECORD_FORMAT = "zkrv-circuit-record-v1"


class CircuitIndex:
    """Records ``circuit id -> R1CS digest`` in a directory (``<id>.json``, written atomically).

    A circuit id names the *inputs and code* a circuit is generated from (e.g.
    ``zkvm_wrap.circuit_id``); its record is written only after a full-path proof of that
    circuit verified, and it only ever selects a key: a stale or corrupt record costs a failed
    witness-only attempt (its proof does not verify, or the shape differs), never an accepted
    proof. An unreadable record reads as missing.
    """

    def __init__(self, directory: Path) -> None:
        self.dir = Path(directory)

    def path(self, circuit_id: str) -> Path:
        if not circuit_id or any(ch not in "0123456789abcdef" for ch in circuit_id):
            raise ValueError(f"a circuit id is lowercase hex, got {circuit_id!r}")
        return self.dir / f"{circuit_id}.json"

    def get(self, circuit_id: str) -> CircuitRecord | None:
        try:
            with open(self.path(circuit_id)) as f:
                rec = json.load(f)
            if rec.get("format") != CIRCUIT_RECORD_FORMAT:
                return None
            return CircuitRecord(
                str(rec["r1cs_digest"]),
                int(rec["n_vars"]),
                int(rec["n_public"]),
                int(rec["n_constraints"]),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def put(self, circuit_id: str, nr: NativeR1CS) -> None:
        """Record that ``circuit_id`` generates ``nr`` (atomic: temporary file, then rename)."""
        path = self.path(circuit_id)
        rec = {
            "format": CIRCUIT_RECORD_FORMAT,
            "r1cs_digest": nr.digest,
            "n_vars": nr.r1cs.n_vars,
            "n_public": nr.r1cs.n_public,
            "n_constraints": nr.r1cs.n_constraints,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(rec, sort_keys=True) + "\n")
        tmp.replace(path)

    def drop(self, circuit_id: str) -> None:
        self.path(circuit_id).unlink(missing_ok=True)


@dataclass(frozen=True)
class KnownKeys:
    """Where a witness-only prove finds its key: ``index`` maps a circuit id to an R1CS
    digest, ``load`` returns the proving key of a digest (None when there is none)."""

    index: CircuitIndex
    load: Callable[[str], ProvingKey | None]

    @staticmethod
    def dev_cache(cache: Path | None = None) -> KnownKeys:
        """The keys of :func:`cached_dev_setup` in ``cache`` (default :func:`cache_dir`); the
        index lives in its ``circuits/`` subdirectory."""
        root = cache or cache_dir()

        def load(digest: str) -> ProvingKey | None:
            path = root / f"{digest}.pk"
            if not path.is_file():
                return None
            pk = ProvingKey.load(path)
            return pk if pk.meta.get("r1cs_digest") == digest else None

        return KnownKeys(CircuitIndex(root / "circuits"), load)


def public_inputs(r1cs: R1CS, witness: Sequence[int]) -> list[int]:
    """The public inputs w[1..=n_public] of a full witness."""
    return list(witness[1 : r1cs.n_public + 1])


def verify(vk: VerifyingKey, public: Sequence[int] | npt.NDArray[np.uint64], proof: Proof) -> bool:
    """Pairing check of ``proof`` for ``public`` inputs. A wrong input count or non-canonical
    input raises ``ValueError``; an invalid proof returns ``False``."""
    limbs = _witness_limbs(public) if len(public) else np.zeros((0, 4), dtype=np.uint64)
    return bool(native().groth16_verify(vk.raw, limbs, proof.raw))


def cache_dir() -> Path:
    """Where proving keys live: ``$ZKRV_CACHE_DIR/groth16``, else ``$XDG_CACHE_HOME/zkrv/groth16``
    or ``~/.cache/zkrv/groth16``."""
    root = os.environ.get("ZKRV_CACHE_DIR")
    if root:
        return Path(root) / "groth16"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "zkrv" / "groth16"


def cached_dev_setup(
    r1cs: R1CS | NativeR1CS,
    *,
    cache: Path | None = None,
    progress: ProgressFn | None = None,
) -> tuple[ProvingKey, Path]:
    """The cached proving key for ``r1cs``, running the UNSAFE dev setup (and saving the key
    atomically) on a cache miss. Returns the key and its path."""
    nr = _native_r1cs(r1cs)
    path = (cache or cache_dir()) / f"{nr.digest}.pk"
    if path.is_file():
        pk = ProvingKey.load(path)
        if pk.meta.get("r1cs_digest") != nr.digest:
            raise ValueError(f"cached proving key {path} belongs to another R1CS")
        return pk, path
    pk = dev_setup(nr, progress=progress)
    pk.save(path)
    return pk, path


def public_limbs_to_ints(limbs: npt.NDArray[np.uint64]) -> list[int]:
    """Convenience: limb rows back to ints."""
    return from_limbs(limbs)
