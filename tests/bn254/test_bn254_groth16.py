"""Native Groth16: completeness, soundness checks on tampered inputs, key handling, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from bn254_testutil import cubic_r1cs

from zkrv_prover.bn254 import groth16 as g
from zkrv_prover.bn254.constants import P, R
from zkrv_prover.bn254.sample_r1cs import chain_r1cs
from zkrv_prover.r1cs.system import R1CS, SparseMatrix, to_limbs

pytestmark = pytest.mark.native


@pytest.fixture(scope="module")
def chain() -> tuple[R1CS, list[int], g.ProvingKey, g.Proof]:
    r, w = chain_r1cs(40)
    pk = g.dev_setup(r, seed=7)
    return r, w, pk, g.prove(pk, r, w, seed=1)


def test_completeness_and_public_input_binding(chain: tuple) -> None:
    r, w, pk, proof = chain
    assert g.verify(pk.vk, [w[1]], proof)
    assert not g.verify(pk.vk, [w[1] + 1], proof)
    assert pk.vk.n_public == 1 and pk.unsafe_dev_setup
    # Proofs are randomized: a second proof differs but verifies.
    p2 = g.prove(pk, r, w)
    assert p2.raw != proof.raw and g.verify(pk.vk, [w[1]], p2)


def test_two_public_inputs() -> None:
    r, w = cubic_r1cs()
    pk = g.dev_setup(r)
    proof = g.prove(pk, r, w)
    assert g.verify(pk.vk, w[1:3], proof)
    assert not g.verify(pk.vk, [w[1], w[2] + 1], proof)
    assert not g.verify(pk.vk, [w[2], w[1]], proof)
    with pytest.raises(ValueError, match="expects 2 public inputs"):
        g.verify(pk.vk, w[1:2], proof)


def test_tampered_proofs_rejected(chain: tuple) -> None:
    _, w, pk, proof = chain
    raw = proof.raw
    swapped = g.Proof(raw[192:] + raw[64:192] + raw[:64])  # C and A exchanged: valid points
    assert not g.verify(pk.vk, [w[1]], swapped)
    other = g.prove(pk, *chain_r1cs(40)[0:2], seed=2)  # a valid proof, mixed with this one
    assert not g.verify(pk.vk, [w[1]], g.Proof(raw[:64] + other.raw[64:]))
    for off in (5, 40, 100, 200, 255):  # flipped bits: off the curve (ValueError) or invalid
        bad = bytearray(raw)
        bad[off] ^= 1
        try:
            ok = g.verify(pk.vk, [w[1]], g.Proof(bytes(bad)))
        except ValueError as e:
            assert "curve" in str(e) or "canonical" in str(e) or "subgroup" in str(e)
        else:
            assert not ok


def _fq2_sqrt(a0: int, a1: int) -> tuple[int, int] | None:
    """Square root in F_p[i]/(i^2 + 1) (p = 3 mod 4), or None."""
    norm = (a0 * a0 + a1 * a1) % P
    n = pow(norm, (P + 1) // 4, P)
    if n * n % P != norm:
        return None
    for d in ((a0 + n) * pow(2, -1, P) % P, (a0 - n) * pow(2, -1, P) % P):
        x0 = pow(d, (P + 1) // 4, P)
        if x0 * x0 % P == d and x0 != 0:
            x1 = a1 * pow(2 * x0, -1, P) % P
            return x0, x1
    return None


def _g2_point_outside_subgroup() -> bytes:
    # b' = 3 / (9 + i) on the twist; any point found this way is almost surely not r-torsion.
    inv = pow(82, -1, P)  # 1 / (9 + i) = (9 - i) / 82
    b0, b1 = 27 * inv % P, (-3 * inv) % P
    for x0 in range(1, 100):
        # x^3 for x = x0 (x1 = 0): y^2 = x0^3 + b'
        y = _fq2_sqrt((x0**3 + b0) % P, b1)
        if y is not None:
            return b"".join(v.to_bytes(32, "big") for v in (0, x0, y[1], y[0]))
    raise AssertionError("no twist point found")


def test_malformed_proof_bytes(chain: tuple) -> None:
    _, _, pk, proof = chain
    raw = proof.raw
    with pytest.raises(ValueError, match="256 bytes"):
        g.Proof(raw[:-1])
    x = int.from_bytes(raw[:32], "big") + P  # same point mod P, non-canonical encoding
    if x < 2**256:
        with pytest.raises(ValueError, match="canonical"):
            g.Proof(x.to_bytes(32, "big") + raw[32:])
    with pytest.raises(ValueError, match="not on the curve"):
        g.Proof(raw[:63] + bytes([raw[63] ^ 1]) + raw[64:])
    with pytest.raises(ValueError, match="subgroup"):
        g.Proof(raw[:64] + _g2_point_outside_subgroup() + raw[192:])
    with pytest.raises(ValueError, match="canonical"):
        g.verify(pk.vk, [R], proof)


def test_malformed_verifying_keys(chain: tuple) -> None:
    _, _, pk, _ = chain
    raw = pk.vk.raw
    with pytest.raises(ValueError, match="magic"):
        g.VerifyingKey(b"X" + raw[1:])
    with pytest.raises(ValueError, match="bytes"):
        g.VerifyingKey(raw[:-64])
    with pytest.raises(ValueError, match="IC"):
        g.VerifyingKey(raw[:-1] + bytes([raw[-1] ^ 1]))
    with pytest.raises(ValueError, match="subgroup"):
        g.VerifyingKey(raw[:76] + _g2_point_outside_subgroup() + raw[204:])


def test_mismatched_keys_and_bad_witnesses(chain: tuple) -> None:
    r, w, pk, proof = chain
    other_r, other_w = chain_r1cs(40, public_input=5)  # same circuit: the key fits
    assert g.verify(pk.vk, [5], g.prove(pk, other_r, other_w))
    r2, w2 = cubic_r1cs()
    with pytest.raises(ValueError, match="belongs to R1CS"):
        g.prove(pk, r2, w2)
    # Same shape, different coefficients: caught by the digest.
    coeffs = r.a.coeffs.copy()
    coeffs[1, 0] += np.uint64(1)
    r3 = R1CS(r.n_vars, r.n_public, SparseMatrix(r.a.indptr, r.a.indices, coeffs), r.b, r.c)
    with pytest.raises(ValueError, match="belongs to R1CS"):
        g.prove(pk, r3, w)
    bad = list(w)
    bad[10] += 1
    with pytest.raises(ValueError, match="constraint 8"):
        g.prove(pk, r, bad)
    with pytest.raises(ValueError, match="entries"):
        g.prove(pk, r, w[:-1])
    with pytest.raises(ValueError, match="entry 0"):
        g.prove(pk, r, [2, *w[1:]])
    limbs = to_limbs(w).copy()
    limbs[3] = [0xFFFFFFFFFFFFFFFF] * 4
    with pytest.raises(ValueError, match=r"witness\[3\]"):
        g.prove(pk, r, limbs)
    # A proof for another verifying key does not verify.
    pk_other = g.dev_setup(r, seed=8)
    assert not g.verify(pk_other.vk, [w[1]], proof)


def test_native_r1cs_validation() -> None:
    r, _ = cubic_r1cs()
    coeffs = r.c.coeffs.copy()
    coeffs[0] = to_limbs([R - 1])[0]
    coeffs[0, 0] += np.uint64(1)  # = R
    bad = R1CS(r.n_vars, r.n_public, r.a, r.b, SparseMatrix(r.c.indptr, r.c.indices, coeffs))
    with pytest.raises(ValueError, match="matrix C: coefficient 0"):
        g.NativeR1CS(bad)


def test_save_load_cache_and_corruption(tmp_path: Path, chain: tuple) -> None:
    r, w, _, _ = chain
    seen: list[str] = []
    pk, path = g.cached_dev_setup(r, cache=tmp_path, progress=lambda p, f: seen.append(p))
    assert path.is_file() and path.parent == tmp_path and path.name.startswith(g.r1cs_digest(r))
    assert seen and all("UNSAFE" in p for p in seen)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left
    pk2, path2 = g.cached_dev_setup(r, cache=tmp_path, progress=lambda p, f: seen.append("again"))
    assert path2 == path and "again" not in seen and pk2.vk.raw == pk.vk.raw
    assert pk2.meta["unsafe_dev_setup"] is True and "UNSAFE" in pk2.meta["label"]
    assert g.verify(pk2.vk, [w[1]], g.prove(pk2, r, w))
    data = path.read_bytes()
    (tmp_path / "trunc.pk").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"corrupt|serialization|reading"):
        g.ProvingKey.load(tmp_path / "trunc.pk")
    (tmp_path / "magic.pk").write_bytes(b"NOTAKEY!" + data[8:])
    with pytest.raises(ValueError, match="magic"):
        g.ProvingKey.load(tmp_path / "magic.pk")
    flipped = bytearray(data)
    flipped[-168] ^= 0x10  # inside the second-to-last G2 point of the B query (the last is 0)
    (tmp_path / "flip.pk").write_bytes(bytes(flipped))
    with pytest.raises(ValueError, match=r"curve|corrupt|serialization"):
        g.ProvingKey.load(tmp_path / "flip.pk")
    with pytest.raises(ValueError, match="reading"):
        g.ProvingKey.load(tmp_path / "missing.pk")


def test_progress_reporting(capsys: pytest.CaptureFixture[str]) -> None:
    r, w = cubic_r1cs()
    pk = g.dev_setup(r, progress=g.stderr_progress("setup"))
    err = capsys.readouterr().err
    assert "UNSAFE" in err and "h_query" in err
    g.prove(pk, r, w, progress=g.stderr_progress("prove"))
    assert "msm" in capsys.readouterr().err

    def boom(phase: str, frac: float) -> None:
        raise RuntimeError("stop")

    with pytest.raises(ValueError, match="progress callback failed"):
        g.dev_setup(r, progress=boom)


@pytest.mark.slow
def test_python_reference_verifier_agrees(chain: tuple) -> None:
    from zkrv_prover.bn254 import groth16_ref

    r, w = cubic_r1cs()
    pk = g.dev_setup(r)
    proof = g.prove(pk, r, w)
    pub = w[1:3]
    assert groth16_ref.verify(pk.vk.raw, pub, proof.raw) is True
    assert g.verify(pk.vk, pub, proof)
    bad_pub = [pub[0], pub[1] + 1]
    assert groth16_ref.verify(pk.vk.raw, bad_pub, proof.raw) is False
    assert not g.verify(pk.vk, bad_pub, proof)
    with pytest.raises(ValueError, match="subgroup"):
        groth16_ref.verify(
            pk.vk.raw, pub, proof.raw[:64] + _g2_point_outside_subgroup() + proof.raw[192:]
        )
