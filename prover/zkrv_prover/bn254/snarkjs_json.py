"""snarkjs's JSON layouts for Groth16 (``verification_key.json``, ``proof.json``,
``public.json``), converted to and from zkrv's byte encodings.

snarkjs writes points as decimal strings in projective form with z = 1: G1 ``[x, y, "1"]``,
G2 ``[[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]]``; the point at infinity has z = 0. Importing
validates everything natively (canonical coordinates, on curve, G2 subgroup) and raises
``ValueError`` otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zkrv_prover.bn254.constants import P, R
from zkrv_prover.bn254.groth16 import UNSAFE_LABEL, Proof, VerifyingKey
from zkrv_prover.bn254.hashing import native

_G1_INF = ["0", "1", "0"]
_G2_INF = [["0", "0"], ["1", "0"], ["0", "0"]]


def _words(raw: bytes, off: int, n: int) -> list[int]:
    return [int.from_bytes(raw[off + 32 * i : off + 32 * i + 32], "big") for i in range(n)]


def _g1_json(raw: bytes, off: int) -> list[str]:
    x, y = _words(raw, off, 2)
    return list(_G1_INF) if x == y == 0 else [str(x), str(y), "1"]


def _g2_json(raw: bytes, off: int) -> list[list[str]]:
    x1, x0, y1, y0 = _words(raw, off, 4)
    if x0 == x1 == y0 == y1 == 0:
        return [list(p) for p in _G2_INF]
    return [[str(x0), str(x1)], [str(y0), str(y1)], ["1", "0"]]


def _num(s: Any, what: str) -> int:
    if not isinstance(s, str | int) or isinstance(s, bool):
        raise ValueError(f"{what}: expected a decimal string, got {s!r}")
    try:
        v = int(s)
    except ValueError as e:
        raise ValueError(f"{what}: not a decimal integer: {s!r}") from e
    if not 0 <= v < P:
        raise ValueError(f"{what}: coordinate is not a canonical base-field element (>= P)")
    return v


def _g1_bytes(j: Any, what: str) -> bytes:
    if not isinstance(j, list) or len(j) != 3:
        raise ValueError(f"{what}: a G1 point is [x, y, z]")
    x, y, z = (_num(v, what) for v in j)
    if z == 0:
        return bytes(64)
    if z != 1:
        raise ValueError(f"{what}: only affine points (z = 1) are accepted")
    return x.to_bytes(32, "big") + y.to_bytes(32, "big")


def _g2_bytes(j: Any, what: str) -> bytes:
    pairs = isinstance(j, list) and all(isinstance(c, list) and len(c) == 2 for c in j)
    if not pairs or len(j) != 3:
        raise ValueError(f"{what}: a G2 point is [[x0, x1], [y0, y1], [z0, z1]]")
    (x0, x1), (y0, y1), (z0, z1) = ((_num(a, what), _num(b, what)) for a, b in j)
    if z0 == z1 == 0:
        return bytes(128)
    if (z0, z1) != (1, 0):
        raise ValueError(f"{what}: only affine points (z = 1) are accepted")
    return b"".join(v.to_bytes(32, "big") for v in (x1, x0, y1, y0))


def vk_to_json(vk: VerifyingKey, *, unsafe_dev_setup: bool | None = None) -> dict[str, Any]:
    """snarkjs ``verification_key.json`` (with ``vk_alphabeta_12`` computed natively). Keys from
    the dev setup get a ``zkrv_warning`` field carrying the UNSAFE label (snarkjs ignores it)."""
    raw = vk.raw
    n = vk.n_public
    ab = _words(bytes(native().groth16_alphabeta(raw)), 0, 12)
    alphabeta = [
        [[str(ab[6 * i + 2 * j]), str(ab[6 * i + 2 * j + 1])] for j in range(3)] for i in range(2)
    ]
    out: dict[str, Any] = {
        "protocol": "groth16",
        "curve": "bn128",
        "nPublic": n,
        "vk_alpha_1": _g1_json(raw, 12),
        "vk_beta_2": _g2_json(raw, 76),
        "vk_gamma_2": _g2_json(raw, 204),
        "vk_delta_2": _g2_json(raw, 332),
        "vk_alphabeta_12": alphabeta,
        "IC": [_g1_json(raw, 460 + 64 * i) for i in range(n + 1)],
    }
    if unsafe_dev_setup:
        out["zkrv_warning"] = UNSAFE_LABEL
    return out


def vk_from_json(j: dict[str, Any]) -> VerifyingKey:
    """Import a snarkjs Groth16 BN254 verification key."""
    if j.get("protocol") != "groth16" or j.get("curve") != "bn128":
        raise ValueError("not a snarkjs groth16/bn128 verification key")
    ic = j.get("IC")
    n = j.get("nPublic")
    if not isinstance(ic, list) or not isinstance(n, int) or len(ic) != n + 1:
        raise ValueError("verification key: IC must hold nPublic + 1 points")
    raw = b"ZKRVVK1\0" + n.to_bytes(4, "big") + _g1_bytes(j.get("vk_alpha_1"), "vk_alpha_1")
    for name in ("vk_beta_2", "vk_gamma_2", "vk_delta_2"):
        raw += _g2_bytes(j.get(name), name)
    raw += b"".join(_g1_bytes(p, f"IC[{i}]") for i, p in enumerate(ic))
    return VerifyingKey(raw)


def proof_to_json(proof: Proof) -> dict[str, Any]:
    """snarkjs ``proof.json``."""
    raw = proof.raw
    return {
        "pi_a": _g1_json(raw, 0),
        "pi_b": _g2_json(raw, 64),
        "pi_c": _g1_json(raw, 192),
        "protocol": "groth16",
        "curve": "bn128",
    }


def proof_from_json(j: dict[str, Any]) -> Proof:
    """Import a snarkjs Groth16 proof."""
    if not isinstance(j, dict):
        raise ValueError("a snarkjs proof is a JSON object")
    if j.get("protocol", "groth16") != "groth16":
        raise ValueError("not a groth16 proof")
    raw = _g1_bytes(j.get("pi_a"), "pi_a") + _g2_bytes(j.get("pi_b"), "pi_b")
    return Proof(raw + _g1_bytes(j.get("pi_c"), "pi_c"))


def public_to_json(public: Sequence[int]) -> list[str]:
    """snarkjs ``public.json``: decimal strings."""
    return [str(int(x)) for x in public]


def public_from_json(j: Any) -> list[int]:
    if not isinstance(j, list):
        raise ValueError("public.json must be a list")
    out = []
    for i, s in enumerate(j):
        v = int(s)
        if not 0 <= v < R:
            raise ValueError(f"public input {i} is not a canonical BN254 scalar")
        out.append(v)
    return out
