"""iden3 .r1cs / .wtns serialization: round trips and malformed files."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from bn254_testutil import cubic_r1cs

from zkrv_prover.bn254 import iden3
from zkrv_prover.bn254.constants import R
from zkrv_prover.bn254.sample_r1cs import chain_r1cs
from zkrv_prover.r1cs.system import R1CS, from_limbs


def _same(a: R1CS, b: R1CS) -> None:
    assert (a.n_vars, a.n_public, a.n_constraints) == (b.n_vars, b.n_public, b.n_constraints)
    for x, y in ((a.a, b.a), (a.b, b.b), (a.c, b.c)):
        assert np.array_equal(x.indptr, y.indptr)
        assert np.array_equal(x.indices, y.indices)
        assert np.array_equal(x.coeffs, y.coeffs)


@pytest.mark.parametrize("make", [cubic_r1cs, lambda: chain_r1cs(33)])
def test_r1cs_and_wtns_round_trip(make) -> None:  # type: ignore[no-untyped-def]
    r, w = make()
    data = iden3.r1cs_to_bytes(r)
    assert data[:4] == b"r1cs"
    back = iden3.r1cs_from_bytes(data)
    _same(r, back)
    assert back.is_satisfied(w) is None
    wl = iden3.wtns_from_bytes(iden3.wtns_to_bytes(w))
    assert from_limbs(wl) == w


def test_large_coefficients_survive() -> None:
    r, _ = cubic_r1cs()
    from zkrv_prover.r1cs.system import SparseMatrix

    a = SparseMatrix.from_rows([[(1, R - 1)], [(3, 2**200 + 7)], [(4, 1), (1, 1), (0, 5)]])
    r2 = R1CS(r.n_vars, r.n_public, a, r.b, r.c)
    _same(r2, iden3.r1cs_from_bytes(iden3.r1cs_to_bytes(r2)))


def test_malformed_files_rejected() -> None:
    r, w = cubic_r1cs()
    data = iden3.r1cs_to_bytes(r)
    with pytest.raises(ValueError, match="magic"):
        iden3.r1cs_from_bytes(b"wtns" + data[4:])
    with pytest.raises(ValueError, match="truncated"):
        iden3.r1cs_from_bytes(data[:-5])
    with pytest.raises(ValueError, match="version"):
        iden3.r1cs_from_bytes(data[:4] + struct.pack("<I", 9) + data[8:])
    wrong_prime = bytearray(data)
    wrong_prime[12 + 12 + 4] ^= 1  # first byte of the prime in the header section
    with pytest.raises(ValueError, match="field"):
        iden3.r1cs_from_bytes(bytes(wrong_prime))
    wt = iden3.wtns_to_bytes(w)
    bad = bytearray(wt)
    bad[-32:] = R.to_bytes(32, "little")
    with pytest.raises(ValueError, match="canonical"):
        iden3.wtns_from_bytes(bytes(bad))
    with pytest.raises(ValueError, match="truncated"):
        iden3.wtns_from_bytes(wt[:-1])
    with pytest.raises(ValueError, match="trailing"):
        iden3.wtns_from_bytes(wt + b"\0")
