"""The in-circuit claim digest against zkrv.claim (the single source of truth), and the STARK
verifying-key digest used as the wrapped STARK's image ID."""

from __future__ import annotations

import random

import pytest

from zkrv.claim import (
    claim_public_input,
    ok_claim_digest,
    sha256,
    tag_digest,
)
from zkrv.claim import (
    tagged_struct as py_tagged_struct,
)
from zkrv_prover.r1cs import claim_circuit as cc
from zkrv_prover.r1cs.builder import LC, ConstraintSystem
from zkrv_prover.r1cs.check import first_unsatisfied
from zkrv_prover.r1cs.gadgets.sha256 import bytes_to_bits, digest_bytes
from zkrv_prover.r1cs.vk_digest import encode_vk, stark_vk_digest
from zkrv_prover.stark.air.air import AirBuilder, Machine
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.examples import fibonacci, range_check
from zkrv_prover.stark.protocol.prover import keygen


def _var_bits(cs: ConstraintSystem, data: bytes) -> list[LC]:
    """Message-order boolean witness bits of ``data``."""
    bits = [cs.alloc((byte >> (7 - i)) & 1) for byte in data for i in range(8)]
    for b in bits:
        cs.assert_bool(b)
    return bits


def test_tag_and_word_encodings() -> None:
    assert digest_bytes(cc.tag_bits("Output")) == tag_digest("Output")
    assert digest_bytes(cc.u32_be_bits(0x01020304)) == bytes([1, 2, 3, 4])
    bits = [LC.const((0xA1B2C3 >> i) & 1) for i in range(24)]
    assert digest_bytes(cc.u32_le_message_bits(bits)) == (0xA1B2C3).to_bytes(4, "little")
    with pytest.raises(ValueError):
        cc.u32_be_bits(1 << 32)
    with pytest.raises(ValueError):
        cc.const_digest(b"\x00" * 31)


@pytest.mark.parametrize("seed", [1, 2])
def test_tagged_struct_matches_zkrv_claim(seed: int) -> None:
    rng = random.Random(seed)
    digests = [rng.randbytes(32) for _ in range(rng.randint(1, 3))]
    words = [rng.getrandbits(32) for _ in range(rng.randint(0, 2))]
    cs = ConstraintSystem()
    got = cc.tagged_struct(
        cs, "Test", [_var_bits(cs, d) for d in digests], [cc.u32_be_bits(w) for w in words]
    )
    assert digest_bytes(got) == py_tagged_struct("Test", digests, words)


def test_ok_claim_digest_and_public_input() -> None:
    rng = random.Random(7)
    image_id, journal = rng.randbytes(32), rng.randbytes(12)
    cs = ConstraintSystem()
    jbits = _var_bits(cs, journal)
    from zkrv_prover.r1cs.gadgets.sha256 import sha256_bits

    jd = sha256_bits(cs, jbits)
    n0 = cs.n_constraints
    digest = cc.ok_claim_digest(cs, cc.const_digest(image_id), jd)
    claim_cost = cs.n_constraints - n0
    want = ok_claim_digest(image_id, sha256(journal))
    assert digest_bytes(digest) == want
    x = cs.declare_public(cc.public_input(digest))
    assert x.value == claim_public_input(want) < 2**253
    # three variable compressions; the constant blocks (tags, zero digests) fold away
    assert 60_000 < claim_cost < 72_000, claim_cost
    r1cs, w = cs.to_r1cs(), cs.witness()
    assert first_unsatisfied(r1cs, w) is None
    # the public input is pinned: any other value violates a constraint
    bad = list(w)
    bad[1] = (bad[1] + 1) % 2**253
    assert first_unsatisfied(r1cs, bad) is not None
    # and so is every journal bit (flip one)
    bad = list(w)
    bad[2 + 5] ^= 1
    assert first_unsatisfied(r1cs, bad) is not None


def test_constant_image_id_and_journal_fold_to_nothing() -> None:
    cs = ConstraintSystem()
    d = cc.ok_claim_digest(cs, cc.const_digest(bytes(32)), bytes_to_bits(sha256(b"j")))
    assert cs.n_constraints == 0
    assert digest_bytes(d) == ok_claim_digest(bytes(32), sha256(b"j"))


def test_stark_vk_digest_binds_the_key() -> None:
    p = PcsParams(num_queries=2, pow_bits=1)
    fib = keygen(fibonacci.machine(), p)
    assert stark_vk_digest(fib) == stark_vk_digest(keygen(fibonacci.machine(), p))
    # the hashing backend does not change which proofs verify: same digest
    ref = PcsParams(num_queries=2, pow_bits=1, backend="reference")
    assert stark_vk_digest(keygen(fibonacci.machine(), ref)) == stark_vk_digest(fib)
    others = [
        keygen(fibonacci.machine(), PcsParams(num_queries=3, pow_bits=1)),
        keygen(range_check.machine(4), p),
        keygen(range_check.machine(5), p),  # preprocessed root differs
    ]
    digests = {stark_vk_digest(fib)} | {stark_vk_digest(k) for k in others}
    assert len(digests) == 4

    # a different constraint with the same shape changes the digest
    class OtherFib(fibonacci.FibonacciAir):
        def eval(self, b: AirBuilder) -> None:
            a, bb = b.main_local
            a_next, b_next = b.main_next
            b.when_first_row().assert_eq(a, b.public[0], "a0")
            b.when_first_row().assert_eq(bb, b.public[1], "b0")
            b.when_transition().assert_eq(a_next, bb, "shift")
            b.when_transition().assert_eq(b_next, a + bb + 1, "add")  # differs here
            b.when_last_row().assert_eq(bb, b.public[2], "result")

    other = keygen(Machine([OtherFib()], num_public_values=3), p)
    assert len(encode_vk(other)) > len(encode_vk(fib))  # the constant and its addition
    assert stark_vk_digest(other) != stark_vk_digest(fib)
