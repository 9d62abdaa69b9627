"""The Poseidon transcript and the native verifier arithmetic."""

from __future__ import annotations

import pytest

from zkrv_prover.bn254.constants import R
from zkrv_prover.bn254.poseidon_ref import poseidon
from zkrv_prover.stark.commit.transcript import DOMAIN, Transcript, label_scalar
from zkrv_prover.stark.field import arith
from zkrv_prover.stark.field.arith import NativeArith, VerificationError
from zkrv_prover.stark.field.field import (
    EXT_DEGREE,
    EXT_ONE,
    EXT_ZERO,
    P,
    ext_embed,
    ext_inv_int,
    ext_mul_int,
)


def test_transcript_matches_its_spec() -> None:
    ar = NativeArith()
    t = Transcript(ar, "test")
    s = poseidon([DOMAIN, label_scalar("test")])
    t.observe_digest(5)
    t.observe_base([1, 2, 3, 4, 5, 6, 7, 8, 9])
    e_in = tuple(range(1, EXT_DEGREE + 1))
    t.observe_ext([e_in])
    packed = [
        sum(v << (31 * i) for i, v in enumerate(range(1, 9))),
        9,
        sum(v << (31 * i) for i, v in enumerate(e_in)),  # 1 | 2 << 31 | 3 << 62 | ...
    ]
    s = poseidon([s, 5, *packed])
    s = poseidon([s])
    assert t.sample_base() == s % P
    # an extension challenge: the 4 lowest base-p digits of a squeeze, the rest from the next
    e = t.sample_ext()
    want: list[int] = []
    while len(want) < EXT_DEGREE:
        s = poseidon([s])
        want += [s // P**i % P for i in range(min(4, EXT_DEGREE - len(want)))]
    assert e == tuple(want)
    s = poseidon([s])
    assert t.sample_bits(10) == [(s >> j) & 1 for j in range(10)]
    # chunking: 20 queued scalars are absorbed as 15 + 5
    t.observe_digests(list(range(20)))
    s = poseidon([s, *range(15)])
    s = poseidon([s, *range(15, 20)])
    s = poseidon([s])
    assert t.sample_bits(3) == [(s >> j) & 1 for j in range(3)]


def test_transcript_is_order_and_label_sensitive() -> None:
    def run(label: str, vals: list[int]) -> int:
        t = Transcript(NativeArith(), label)
        t.observe_digests(vals)
        return t.sample_base()

    assert run("a", [1, 2]) != run("a", [2, 1])
    assert run("a", [1, 2]) != run("b", [1, 2])
    assert run("a", [1, 2]) == run("a", [1, 2])
    with pytest.raises(ValueError):
        label_scalar("x" * 32)


def test_grinding_check() -> None:
    ar = NativeArith()
    bits = 6
    base = Transcript(ar, "pow")
    base.observe_digest(77)
    state = base.pow_state()
    nonce = next(n for n in range(1 << 12) if poseidon([state, n]) % (1 << bits) == 0)
    good = Transcript(ar, "pow")
    good.observe_digest(77)
    good.check_pow(nonce, bits)
    bad_nonce = next(n for n in range(1 << 12) if poseidon([state, n]) % (1 << bits) != 0)
    bad = Transcript(ar, "pow")
    bad.observe_digest(77)
    with pytest.raises(VerificationError, match="proof-of-work"):
        bad.check_pow(bad_nonce, bits)
    # zero bits: no check and nothing absorbed
    t0, t1 = Transcript(ar, "z"), Transcript(ar, "z")
    t0.check_pow(12345, 0)
    assert t0.sample_base() == t1.sample_base()


def test_native_arith_ops() -> None:
    ar = NativeArith()
    a, b = 123456789, P - 5
    assert ar.b_mul(a, b) == a * b % P
    assert ar.b_mul(ar.b_inv(a), a) == 1
    assert ar.b_sub(3, 5) == P - 2
    x, y = (1, 2, 3, 4, 5)[:EXT_DEGREE], (P - 1, 7, 0, 9, P - 2)[:EXT_DEGREE]
    assert ar.e_mul(x, y) == ext_mul_int(x, y)
    assert ar.e_inv(x) == ext_inv_int(x)
    assert ar.e_mul_base(x, 3) == (3, 6, 9, 12, 15)[:EXT_DEGREE]
    with pytest.raises(VerificationError):
        ar.b_inv(0)
    with pytest.raises(VerificationError):
        ar.e_inv(EXT_ZERO)
    with pytest.raises(VerificationError, match="my check"):
        ar.b_assert_eq(1, 2, "my check")
    with pytest.raises(VerificationError):
        ar.e_assert_eq(x, y, "e")
    with pytest.raises(VerificationError):
        ar.d_assert_eq(1, 2, "d")
    with pytest.raises(VerificationError):
        ar.b_to_bits(8, 3)
    assert ar.b_to_bits(5, 3) == [1, 0, 1]
    assert ar.d_to_base(P * 7 + 3, 2) == [3, 7]
    assert ar.d_to_bits(R - 1, 4) == [(R - 1) >> j & 1 for j in range(4)]
    assert ar.pack_base([1, 2]) == 1 + (2 << 31)


def test_generic_helpers() -> None:
    ar = NativeArith()
    items = [10, 11, 12, 13, 14, 15, 16, 17]
    for pos in range(8):
        bits = [(pos >> j) & 1 for j in range(3)]
        assert arith.xor_permute(ar, items, bits) == [items[k ^ pos] for k in range(8)]
        es = [ext_embed(v) for v in items]
        assert arith.select_e_by_bits(ar, es, bits) == es[pos]
    assert arith.b_pow_bits(ar, 7, [1, 0, 1, 1]) == pow(7, 13, P)
    assert arith.b_pow_const(ar, 7, 0) == 1 and arith.b_pow_const(ar, 7, 100) == pow(7, 100, P)
    z = (3, 1, 4, 1, 5)[:EXT_DEGREE]
    r = EXT_ONE
    for _ in range(5):
        r = ext_mul_int(r, z)
    assert arith.e_pow_const(ar, z, 5) == r
    vals = list(range(1, 8 * 17 + 2))  # 18 packed elements: chained leaf
    from zkrv_prover.bn254.merkle import hash_leaf

    assert arith.leaf_hash(ar, vals) == hash_leaf(vals)
