"""Groth16 (BN254) verifying keys and proofs in snarkjs's JSON layout, with point validation.

snarkjs writes field elements as decimal strings and G1 points as ``[x, y, "1"]`` (affine, the
third coordinate is the projective Z) and G2 points as ``[[x.c0, x.c1], [y.c0, y.c1], ["1","0"]]``
where an Fp2 element is ``c0 + c1*u``. EIP-197 (the pairing precompile) wants G2 coordinates as
``x.c1, x.c0, y.c1, y.c0`` (imaginary part first): :meth:`G2Point.to_evm_words` does that swap.

Every point read here is checked canonical (coordinates < P), on its curve, and for G2 in the
order-R subgroup (G1 has cofactor 1), so a malformed key or proof fails at load time with
:class:`~zkrv.errors.ZkrvError` rather than as an opaque revert later.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zkrv.errors import ZkrvError
from zkrv_prover.bn254.constants import P, R

# Fp2 = Fp[u]/(u^2 + 1); elements are (c0, c1) = c0 + c1*u.
Fp2 = tuple[int, int]


def _f2_mul(a: Fp2, b: Fp2) -> Fp2:
    return ((a[0] * b[0] - a[1] * b[1]) % P, (a[0] * b[1] + a[1] * b[0]) % P)


def _f2_add(a: Fp2, b: Fp2) -> Fp2:
    return ((a[0] + b[0]) % P, (a[1] + b[1]) % P)


def _f2_sub(a: Fp2, b: Fp2) -> Fp2:
    return ((a[0] - b[0]) % P, (a[1] - b[1]) % P)


def _f2_inv(a: Fp2) -> Fp2:
    t = pow((a[0] * a[0] + a[1] * a[1]) % P, P - 2, P)
    return (a[0] * t % P, -a[1] * t % P)


#: Coefficient of the sextic twist E'(Fp2): y^2 = x^3 + 3/(9+u).
_B2: Fp2 = _f2_mul((3, 0), _f2_inv((9, 1)))

_G2Affine = tuple[Fp2, Fp2] | None  # None is the point at infinity


def _g2_add(p: _G2Affine, q: _G2Affine) -> _G2Affine:
    if p is None:
        return q
    if q is None:
        return p
    (x1, y1), (x2, y2) = p, q
    if x1 == x2:
        if _f2_add(y1, y2) == (0, 0):
            return None
        lam = _f2_mul(_f2_mul((3, 0), _f2_mul(x1, x1)), _f2_inv(_f2_add(y1, y1)))
    else:
        lam = _f2_mul(_f2_sub(y2, y1), _f2_inv(_f2_sub(x2, x1)))
    x3 = _f2_sub(_f2_sub(_f2_mul(lam, lam), x1), x2)
    return (x3, _f2_sub(_f2_mul(lam, _f2_sub(x1, x3)), y1))


def _g2_mul(p: _G2Affine, k: int) -> _G2Affine:
    acc: _G2Affine = None
    for bit in bin(k)[2:]:
        acc = _g2_add(acc, acc)
        if bit == "1":
            acc = _g2_add(acc, p)
    return acc


@dataclass(frozen=True)
class G1Point:
    """An affine G1 point; (0, 0) encodes the point at infinity, as in EIP-196."""

    x: int
    y: int

    def validate(self, what: str) -> None:
        if not (0 <= self.x < P and 0 <= self.y < P):
            raise ZkrvError(f"{what}: G1 coordinate is not a canonical field element")
        if (self.x, self.y) != (0, 0) and (self.y * self.y - self.x**3 - 3) % P != 0:
            raise ZkrvError(f"{what}: point is not on the BN254 G1 curve")

    def to_evm_words(self) -> list[int]:
        return [self.x, self.y]


@dataclass(frozen=True)
class G2Point:
    """An affine G2 point over Fp2 (``x = x0 + x1*u``); all-zero encodes infinity."""

    x0: int
    x1: int
    y0: int
    y1: int

    def validate(self, what: str) -> None:
        if not all(0 <= c < P for c in (self.x0, self.x1, self.y0, self.y1)):
            raise ZkrvError(f"{what}: G2 coordinate is not a canonical field element")
        if (self.x0, self.x1, self.y0, self.y1) == (0, 0, 0, 0):
            return
        x, y = (self.x0, self.x1), (self.y0, self.y1)
        if _f2_sub(_f2_mul(y, y), _f2_add(_f2_mul(_f2_mul(x, x), x), _B2)) != (0, 0):
            raise ZkrvError(f"{what}: point is not on the BN254 G2 twist")
        if _g2_mul((x, y), R) is not None:
            raise ZkrvError(f"{what}: G2 point is not in the order-R subgroup")

    def to_evm_words(self) -> list[int]:
        """EIP-197 order: imaginary part first."""
        return [self.x1, self.x0, self.y1, self.y0]


def _words_to_bytes(words: Sequence[int]) -> bytes:
    return b"".join(w.to_bytes(32, "big") for w in words)


@dataclass(frozen=True)
class VerifyingKey:
    """A Groth16 verifying key: ``ic[0] + sum(input_i * ic[i+1])`` is the input commitment."""

    alpha: G1Point
    beta: G2Point
    gamma: G2Point
    delta: G2Point
    ic: tuple[G1Point, ...]

    @property
    def n_public(self) -> int:
        return len(self.ic) - 1

    def validate(self) -> None:
        self.alpha.validate("vk_alpha_1")
        self.beta.validate("vk_beta_2")
        self.gamma.validate("vk_gamma_2")
        self.delta.validate("vk_delta_2")
        if not self.ic:
            raise ZkrvError("verifying key: IC is empty")
        for i, p in enumerate(self.ic):
            p.validate(f"IC[{i}]")

    def to_evm_words(self) -> list[int]:
        """alpha, beta, gamma, delta, IC0, IC1, ... as EVM words (G2 in EIP-197 order): the
        constructor argument of ``ZkrvGroth16Verifier`` for a one-input key."""
        words = self.alpha.to_evm_words() + self.beta.to_evm_words()
        words += self.gamma.to_evm_words() + self.delta.to_evm_words()
        for p in self.ic:
            words += p.to_evm_words()
        return words

    def to_bytes(self) -> bytes:
        """Canonical encoding (hashed into the seal selector): u32 nPublic, then EVM words."""
        return self.n_public.to_bytes(4, "big") + _words_to_bytes(self.to_evm_words())

    def check_onchain(self) -> None:
        """Raise :class:`ZkrvError` unless ``ZkrvGroth16Verifier`` accepts this key: exactly one
        public input, and alpha, beta, gamma, delta and IC1 not the point at infinity (any of
        them at infinity makes the proof or the input irrelevant). Assumes :meth:`validate`."""
        if self.n_public != 1:
            raise ZkrvError(
                f"verifying key has {self.n_public} public inputs; zkrv's Groth16 verifier takes"
                " exactly one (the claim digest)"
            )
        points: list[tuple[str, G1Point | G2Point]] = [
            ("vk_alpha_1", self.alpha),
            ("vk_beta_2", self.beta),
            ("vk_gamma_2", self.gamma),
            ("vk_delta_2", self.delta),
            ("IC[1]", self.ic[1]),
        ]
        for what, pt in points:
            if not any(pt.to_evm_words()):
                raise ZkrvError(f"verifying key: {what} is the point at infinity")

    @classmethod
    def from_snarkjs(cls, obj: dict[str, Any], where: str = "verifying key") -> VerifyingKey:
        try:
            if obj.get("protocol", "groth16") != "groth16":
                raise ZkrvError(f"{where}: protocol is {obj['protocol']!r}, expected 'groth16'")
            if obj.get("curve", "bn128") not in ("bn128", "bn254"):
                raise ZkrvError(f"{where}: curve is {obj['curve']!r}, expected bn128")
            vk = cls(
                alpha=_g1(obj["vk_alpha_1"]),
                beta=_g2(obj["vk_beta_2"]),
                gamma=_g2(obj["vk_gamma_2"]),
                delta=_g2(obj["vk_delta_2"]),
                ic=tuple(_g1(p) for p in obj["IC"]),
            )
            if "nPublic" in obj and int(obj["nPublic"]) != vk.n_public:
                raise ZkrvError(f"{where}: nPublic={obj['nPublic']} but IC has {len(vk.ic)}")
        except (KeyError, TypeError, ValueError, IndexError) as e:
            raise ZkrvError(f"{where}: not a snarkjs Groth16 verification key ({e!r})") from e
        try:
            vk.validate()
        except ZkrvError as e:
            raise ZkrvError(f"{where}: {e}") from e
        return vk

    @classmethod
    def load(cls, path: str | Path) -> VerifyingKey:
        return cls.from_snarkjs(_read_json(path), where=str(path))


@dataclass(frozen=True)
class Proof:
    """A Groth16 proof (A, B, C)."""

    a: G1Point
    b: G2Point
    c: G1Point

    def validate(self) -> None:
        self.a.validate("pi_a")
        self.b.validate("pi_b")
        self.c.validate("pi_c")

    def to_evm_words(self) -> list[int]:
        """The 8 words the Solidity verifier reads: A.x, A.y, B (EIP-197 order), C.x, C.y."""
        return self.a.to_evm_words() + self.b.to_evm_words() + self.c.to_evm_words()

    def to_bytes(self) -> bytes:
        return _words_to_bytes(self.to_evm_words())

    @classmethod
    def from_bytes(cls, data: bytes) -> Proof:
        if len(data) != 256:
            raise ZkrvError(f"Groth16 proof: expected 256 bytes, got {len(data)}")
        w = [int.from_bytes(data[i : i + 32], "big") for i in range(0, 256, 32)]
        proof = cls(G1Point(w[0], w[1]), G2Point(w[3], w[2], w[5], w[4]), G1Point(w[6], w[7]))
        proof.validate()
        return proof

    @classmethod
    def from_snarkjs(cls, obj: dict[str, Any], where: str = "proof") -> Proof:
        try:
            proof = cls(a=_g1(obj["pi_a"]), b=_g2(obj["pi_b"]), c=_g1(obj["pi_c"]))
        except (KeyError, TypeError, ValueError, IndexError) as e:
            raise ZkrvError(f"{where}: not a snarkjs Groth16 proof ({e!r})") from e
        try:
            proof.validate()
        except ZkrvError as e:
            raise ZkrvError(f"{where}: {e}") from e
        return proof

    @classmethod
    def load(cls, path: str | Path) -> Proof:
        return cls.from_snarkjs(_read_json(path), where=str(path))


def _read_json(path: str | Path) -> dict[str, Any]:
    try:
        obj = json.loads(Path(path).read_text())
    except (OSError, ValueError) as e:
        raise ZkrvError(f"{path}: cannot read JSON ({e})") from e
    if not isinstance(obj, dict):
        raise ZkrvError(f"{path}: expected a JSON object")
    return obj


def _int(s: Any) -> int:
    if isinstance(s, bool) or not isinstance(s, str | int):
        raise ValueError(f"expected a decimal string, got {s!r}")
    return int(s)


def _g1(v: Sequence[Any]) -> G1Point:
    """snarkjs G1 ``[x, y, z]``: z is 1 (affine) or 0 (infinity, encoded (0, 0))."""
    if len(v) not in (2, 3):
        raise ValueError("G1 point needs 2 or 3 coordinates")
    z = _int(v[2]) if len(v) == 3 else 1
    if z == 0:
        return G1Point(0, 0)
    if z != 1:
        raise ValueError("G1 point is not affine (z != 1)")
    return G1Point(_int(v[0]), _int(v[1]))


def _g2(v: Sequence[Any]) -> G2Point:
    if len(v) not in (2, 3):
        raise ValueError("G2 point needs 2 or 3 coordinates")
    z = (_int(v[2][0]), _int(v[2][1])) if len(v) == 3 else (1, 0)
    if z == (0, 0):
        return G2Point(0, 0, 0, 0)
    if z != (1, 0):
        raise ValueError("G2 point is not affine (z != 1)")
    (x0, x1), (y0, y1) = v[0], v[1]
    return G2Point(_int(x0), _int(x1), _int(y0), _int(y1))
