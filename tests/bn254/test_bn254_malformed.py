"""Malformed inputs of every decoder raise ValueError (never a panic or a crash of the process):
corrupt proving-key files (including absurd length fields), zkeys, verifying keys, proofs and
iden3 files."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from zkrv_prover.bn254 import groth16 as g
from zkrv_prover.bn254 import iden3
from zkrv_prover.bn254.sample_r1cs import chain_r1cs
from zkrv_prover.bn254.zkey import export_zkey, import_zkey

pytestmark = pytest.mark.native


def _mutations(data: bytes, rng: random.Random, upto: int) -> list[bytes]:
    out = []
    for off in range(8, min(upto, len(data) - 8), 8):  # 8-byte windows: all-ones lengths
        out.append(data[:off] + b"\xff" * 8 + data[off + 8 :])
    for _ in range(40):  # random single-byte changes anywhere
        off = rng.randrange(len(data))
        out.append(data[:off] + bytes([data[off] ^ (1 << rng.randrange(8))]) + data[off + 1 :])
    for cut in (0, 5, 12, len(data) // 3, len(data) - 1):
        out.append(data[:cut])
    return out


def test_corrupt_proving_key_files(tmp_path: Path) -> None:
    r, w = chain_r1cs(6)
    pk = g.dev_setup(r, seed=3)
    pk.save(tmp_path / "k.pk")
    data = (tmp_path / "k.pk").read_bytes()
    rng = random.Random(1)
    meta_end = 12 + int.from_bytes(data[8:12], "big")
    loaded = 0
    for i, bad in enumerate(_mutations(data, rng, meta_end + 32 + 600)):
        p = tmp_path / f"m{i}.pk"
        p.write_bytes(bad)
        try:
            k = g.ProvingKey.load(p)
        except ValueError:
            continue
        loaded += 1  # a benign change (e.g. inside a point at infinity, or metadata text)
        try:
            proof = g.prove(k, r, w)
        except ValueError:
            continue
        # A corrupt key can at worst produce proofs that do not verify under the real key.
        assert g.verify(pk.vk, [w[1]], proof) in (True, False)
    assert loaded < 60
    # Directed: the first query's u64 length (after the sizes and six header points).
    off = meta_end + 32 + 3 * 64 + 3 * 128
    assert int.from_bytes(data[off : off + 8], "little") == r.n_vars
    for value in (2**64 - 1, 2**40, r.n_vars + 1, r.n_vars - 1, 0):
        p = tmp_path / "len.pk"
        p.write_bytes(data[:off] + value.to_bytes(8, "little") + data[off + 8 :])
        with pytest.raises(ValueError, match="corrupt"):
            g.ProvingKey.load(p)


def test_corrupt_zkeys(tmp_path: Path) -> None:
    r, _ = chain_r1cs(6)
    pk = g.dev_setup(r, seed=4)
    export_zkey(pk, r, tmp_path / "k.zkey")
    data = (tmp_path / "k.zkey").read_bytes()
    rng = random.Random(2)
    for i, bad in enumerate(_mutations(data, rng, 400)):
        p = tmp_path / f"m{i}.zkey"
        p.write_bytes(bad)
        try:
            k = import_zkey(p, r)
        except ValueError:
            continue
        assert k.vk.n_public == 1


def test_random_bytes_everywhere() -> None:
    rng = random.Random(3)
    for n in (0, 1, 12, 255, 256, 257, 600, 716):
        blob = bytes(rng.randrange(256) for _ in range(n))
        for fn in (g.Proof, g.VerifyingKey, iden3.r1cs_from_bytes, iden3.wtns_from_bytes):
            with pytest.raises(ValueError):
                fn(blob)
        for magic in (b"ZKRVVK1\0", b"r1cs", b"wtns"):
            with pytest.raises(ValueError):
                (g.VerifyingKey if magic[0] == ord("Z") else iden3.r1cs_from_bytes)(magic + blob)
