"""iden3 binary formats for interchange with circom/snarkjs: ``.r1cs`` and ``.wtns``.

Both are sectioned files: a 4-byte magic, u32 version, u32 section count, then sections of
(u32 type, u64 byte size, content); all integers little-endian, field elements as 32-byte
little-endian canonical values (standard form). Facts from the iden3 binary-format specs:

- ``.r1cs`` v1: section 1 header = (u32 field size 32, prime, u32 nWires, u32 nPubOut,
  u32 nPubIn, u32 nPrvIn, u64 nLabels, u32 nConstraints); section 2 constraints = for each
  constraint, A, B, C as (u32 nTerms, then nTerms x (u32 wire, coefficient)); section 3 =
  nWires x u64 label ids. Wire 0 is the constant one, then outputs and public inputs (our
  ``n_public`` = nPubOut + nPubIn), then private wires.
- ``.wtns`` v2: section 1 = (u32 field size 32, prime, u32 nWitness); section 2 = the values.

Writing is vectorized with numpy (the constraint stream is built as 32-bit words); reading a
``.r1cs`` walks constraints in Python (fine up to ~10^5 constraints; interchange, not a hot path).
Malformed files raise ``ValueError`` naming the problem.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np
import numpy.typing as npt

from zkrv_prover.bn254.constants import R
from zkrv_prover.r1cs.system import R1CS, SparseMatrix, from_limbs, to_limbs

_PRIME_LE = R.to_bytes(32, "little")


def _sections(data: bytes, magic: bytes, versions: tuple[int, ...]) -> dict[int, bytes]:
    if len(data) < 12 or data[:4] != magic:
        raise ValueError(f"not an iden3 {magic.decode()} file (bad magic)")
    version, n = struct.unpack_from("<II", data, 4)
    if version not in versions:
        raise ValueError(f"unsupported {magic.decode()} version {version}")
    out: dict[int, bytes] = {}
    off = 12
    for _ in range(n):
        if off + 12 > len(data):
            raise ValueError(f"truncated {magic.decode()} file (section header)")
        typ, size = struct.unpack_from("<IQ", data, off)
        off += 12
        if off + size > len(data):
            raise ValueError(f"truncated {magic.decode()} file (section {typ})")
        if typ in out:
            raise ValueError(f"duplicate section {typ} in {magic.decode()} file")
        out[typ] = data[off : off + size]
        off += size
    if off != len(data):
        raise ValueError(f"trailing bytes after the last section of the {magic.decode()} file")
    return out


def _check_field(sec: bytes, what: str) -> None:
    if len(sec) < 36 or struct.unpack_from("<I", sec, 0)[0] != 32 or sec[4:36] != _PRIME_LE:
        raise ValueError(f"{what} is not over the BN254 scalar field")


def _section(typ: int, content: bytes) -> bytes:
    return struct.pack("<IQ", typ, len(content)) + content


def _limb_words(limbs: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint32]:
    return np.ascontiguousarray(limbs, dtype="<u8").view("<u4").reshape(-1, 8)


def r1cs_to_bytes(r1cs: R1CS) -> bytes:
    """Serialize as ``.r1cs`` v1 (all public variables recorded as public inputs)."""
    r1cs.validate()
    m = r1cs.n_constraints
    mats = (r1cs.a, r1cs.b, r1cs.c)
    counts = np.stack([np.diff(x.indptr) for x in mats], axis=1).reshape(-1)  # group = 3i + k
    group_words = 1 + 9 * counts
    starts = np.zeros(3 * m + 1, dtype=np.int64)
    np.cumsum(group_words, out=starts[1:])
    out = np.zeros(int(starts[-1]), dtype="<u4")
    out[starts[:-1]] = counts.astype(np.uint32)
    for k, mat in enumerate(mats):
        row = np.repeat(np.arange(m, dtype=np.int64), np.diff(mat.indptr))
        j = np.arange(int(mat.indptr[-1]), dtype=np.int64) - mat.indptr[row]
        off = starts[3 * row + k] + 1 + 9 * j
        out[off] = mat.indices.astype(np.uint32)
        words = _limb_words(mat.coeffs)
        for w in range(8):
            out[off + 1 + w] = words[:, w]
    header = struct.pack("<I", 32) + _PRIME_LE
    header += struct.pack("<IIIIQI", r1cs.n_vars, 0, r1cs.n_public, 0, r1cs.n_vars, m)
    labels = np.arange(r1cs.n_vars, dtype="<u8").tobytes()
    body = _section(1, header) + _section(2, out.tobytes()) + _section(3, labels)
    return b"r1cs" + struct.pack("<II", 1, 3) + body


def r1cs_from_bytes(data: bytes) -> R1CS:
    """Parse a ``.r1cs`` v1 file (custom-gate sections are rejected)."""
    secs = _sections(data, b"r1cs", (1,))
    if 1 not in secs or 2 not in secs:
        raise ValueError("r1cs file lacks its header or constraints section")
    extra = sorted(set(secs) - {1, 2, 3})
    if extra:
        raise ValueError(f"r1cs sections {extra} (custom gates) are unsupported")
    h = secs[1]
    _check_field(h, "r1cs file")
    if len(h) != 36 + 28:
        raise ValueError("r1cs header section has the wrong size")
    n_wires, n_out, n_pub_in, _n_prv, _n_labels, m = struct.unpack_from("<IIIIQI", h, 36)
    n_public = n_out + n_pub_in
    if n_wires < 1 or n_public >= n_wires:
        raise ValueError(f"r1cs header: {n_public} public wires out of range for {n_wires} wires")
    body = secs[2]
    rows: list[list[list[tuple[int, bytes]]]] = [[], [], []]
    off = 0
    try:
        for _ in range(m):
            for k in range(3):
                (cnt,) = struct.unpack_from("<I", body, off)
                off += 4
                terms = []
                for _ in range(cnt):
                    (wire,) = struct.unpack_from("<I", body, off)
                    coeff = body[off + 4 : off + 36]
                    if len(coeff) != 32:
                        raise struct.error("short coefficient")
                    terms.append((wire, coeff))
                    off += 36
                rows[k].append(terms)
    except struct.error as e:
        raise ValueError("truncated r1cs constraints section") from e
    if off != len(body):
        raise ValueError("r1cs constraints section has trailing bytes")
    mats = []
    for k in range(3):
        flat = [t for row in rows[k] for t in row]
        indptr = np.zeros(m + 1, dtype=np.int64)
        np.cumsum([len(row) for row in rows[k]], out=indptr[1:])
        indices = np.array([w for w, _ in flat], dtype=np.int64)
        coeffs = np.frombuffer(b"".join(c for _, c in flat), dtype="<u8").reshape(-1, 4)
        vals = from_limbs(coeffs)
        if any(v >= R for v in vals):
            raise ValueError("r1cs coefficient is not a canonical BN254 scalar")
        mats.append(SparseMatrix(indptr, indices, coeffs.astype(np.uint64)))
    r1cs = R1CS(n_vars=n_wires, n_public=n_public, a=mats[0], b=mats[1], c=mats[2])
    r1cs.validate()
    return r1cs


def wtns_to_bytes(witness: list[int] | npt.NDArray[np.uint64]) -> bytes:
    """Serialize a full witness as ``.wtns`` v2."""
    limbs = witness if isinstance(witness, np.ndarray) else to_limbs(witness)
    n = limbs.shape[0]
    head = struct.pack("<I", 32) + _PRIME_LE + struct.pack("<I", n)
    vals = np.ascontiguousarray(limbs, dtype="<u8").tobytes()
    return b"wtns" + struct.pack("<II", 2, 2) + _section(1, head) + _section(2, vals)


def wtns_from_bytes(data: bytes) -> npt.NDArray[np.uint64]:
    """Parse a ``.wtns`` file into ``(n, 4)`` uint64 limbs (canonical values checked)."""
    secs = _sections(data, b"wtns", (1, 2))
    if 1 not in secs or 2 not in secs:
        raise ValueError("wtns file lacks its header or values section")
    _check_field(secs[1], "wtns file")
    if len(secs[1]) != 40:
        raise ValueError("wtns header section has the wrong size")
    (n,) = struct.unpack_from("<I", secs[1], 36)
    if len(secs[2]) != 32 * n:
        raise ValueError(f"wtns values section holds {len(secs[2])} bytes, expected {32 * n}")
    limbs = np.frombuffer(secs[2], dtype="<u8").reshape(n, 4).astype(np.uint64)
    hi = limbs[:, 3]
    top = R >> 192
    if np.any(hi > top) or any(v >= R for v in from_limbs(limbs[hi == top])):
        raise ValueError("wtns value is not a canonical BN254 scalar")
    return limbs


def write_r1cs(path: str | os.PathLike[str], r1cs: R1CS) -> None:
    Path(path).write_bytes(r1cs_to_bytes(r1cs))


def read_r1cs(path: str | os.PathLike[str]) -> R1CS:
    return r1cs_from_bytes(Path(path).read_bytes())


def write_wtns(path: str | os.PathLike[str], witness: list[int] | npt.NDArray[np.uint64]) -> None:
    Path(path).write_bytes(wtns_to_bytes(witness))


def read_wtns(path: str | os.PathLike[str]) -> npt.NDArray[np.uint64]:
    return wtns_from_bytes(Path(path).read_bytes())
