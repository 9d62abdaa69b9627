"""SHA-256 gadget against hashlib, and the claim-digest public input against zkrv.claim."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable

import pytest

from zkrv_prover.bn254.constants import R
from zkrv_prover.r1cs.builder import LC, ConstraintSystem
from zkrv_prover.r1cs.check import first_unsatisfied, unpinned_vars
from zkrv_prover.r1cs.gadgets import sha256 as sg

Sat = Callable[[ConstraintSystem], bool]


def _msg_bits(cs: ConstraintSystem, msg: bytes) -> list[LC]:
    bits = [cs.alloc((byte >> (7 - i)) & 1) for byte in msg for i in range(8)]
    for b in bits:
        cs.assert_bool(b)
    return bits


@pytest.mark.parametrize("n", [0, 3, 55, 56, 64, 100])
def test_sha256_matches_hashlib(n: int) -> None:
    msg = random.Random(n).randbytes(n)
    cs = ConstraintSystem()
    d = sg.sha256_bits(cs, _msg_bits(cs, msg))
    assert sg.digest_bytes(d) == hashlib.sha256(msg).digest()
    # constant message parts fold away but give the same digest
    assert (
        sg.digest_bytes(sg.sha256_bits(cs, sg.bytes_to_bits(msg))) == hashlib.sha256(msg).digest()
    )
    top = sg.top_bits_int(d, 253)
    assert top.value == int.from_bytes(hashlib.sha256(msg).digest(), "big") >> 3
    if n == 3:
        assert first_unsatisfied(cs.to_r1cs(), cs.witness()) is None


def test_sha256_block_cost_and_pinning() -> None:
    cs = ConstraintSystem()
    state = [sg.alloc_word(cs, x) for x in range(1, 9)]
    block = [sg.alloc_word(cs, 0x01020304 * x) for x in range(16)]
    n0, v0 = cs.n_constraints, cs.n_vars
    sg.compress(cs, state, block)
    assert 24_000 < cs.n_constraints - n0 < 28_000
    # every variable the compression introduces is pinned by some constraint
    r1cs, w = cs.to_r1cs(), cs.witness()
    assert unpinned_vars(r1cs, w, range(v0, cs.n_vars, 7)) == []


def test_sha256_forged_digest_rejected() -> None:
    msg = b"zkrv"
    want = hashlib.sha256(msg).digest()
    cs = ConstraintSystem(strict=False)
    d = sg.sha256_bits(cs, _msg_bits(cs, msg))
    wrong = int.from_bytes(want, "big") >> 3 ^ 1
    cs.assert_equal(sg.top_bits_int(d, 253), LC.const(wrong))
    assert first_unsatisfied(cs.to_r1cs(), cs.witness()) is not None
    # flipping any single internal bit of the computation breaks some constraint
    cs = ConstraintSystem()
    d = sg.sha256_bits(cs, _msg_bits(cs, msg))
    r1cs, w = cs.to_r1cs(), cs.witness()
    rng = random.Random(1)
    for v in rng.sample(range(1, cs.n_vars), 40):
        bad = list(w)
        bad[v] = (bad[v] + 1) % R
        assert first_unsatisfied(r1cs, bad) is not None


def test_xor_forgery_rejected(is_satisfied: Sat) -> None:
    cs = ConstraintSystem(strict=False)
    a, b = cs.alloc(1), cs.alloc(1)
    out = cs.alloc(1)  # wrong: 1 xor 1 = 0
    cs.enforce(a * 2, b, a + b - out)
    assert not is_satisfied(cs)
