"""Lifted STARK proofs (Poseidon2, per-table heights as data): proofs of several height
combinations of a multi-table LogUp machine with preprocessed columns verify under one
HeightSpec; out-of-range heights, tampered proofs, lied heights, a top below a table and a wrong
preprocessed root are refused; the codec round-trips."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.examples import multi_table
from zkrv_prover.stark.field.arith import NativeArith, VerificationError
from zkrv_prover.stark.field.codec import ProofFormatError
from zkrv_prover.stark.field.field import P
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol import verifier_lifted
from zkrv_prover.stark.protocol.heights import HeightSpec
from zkrv_prover.stark.protocol.proof import decode_proof, encode_proof
from zkrv_prover.stark.protocol.prover import StarkProof, VerifyingKey, keygen, prove
from zkrv_prover.stark.protocol.verifier import verify, verify_with


def params(zk: bool = True) -> PcsParams:
    return PcsParams(
        num_queries=3,
        pow_bits=2,
        hash="poseidon2-babybear",
        log_final_poly_len=1,
        log_cap=1,
        zk=zk,
    )


#: ops in [2^5, 2^11], adder in [2^3, 2^7], bytes fixed (2^8) unless its root is data.
SPEC = HeightSpec(((5, 11), (3, 7), (8, 8)))
#: (log ops, log adder): base; the non-tallest (adder) changing alone; the tallest table (ops)
#: changing, below and above the fixed bytes table's committed height (the top H moves); the
#: adder taller than ops; both at their minima.
COMBOS = [(7, 4), (7, 6), (10, 4), (11, 4), (5, 7), (5, 3)]


def _prove(
    lo: int, la: int, zk: bool = True, log_bytes: int = 8, seed: int = 1
) -> tuple[VerifyingKey, list[int], StarkProof]:
    vk = keygen(multi_table.machine(log_bytes), params(zk), lifted=True)
    traces, pub = multi_table.trace(lo, la, log_bytes=log_bytes)
    return vk, pub, prove(vk, traces, pub, FieldRng.seeded(seed))


def test_lifted_is_opt_in_for_poseidon2_only() -> None:
    assert not keygen(multi_table.machine(), params()).lifted
    assert keygen(multi_table.machine(), params(), lifted=True).lifted
    with pytest.raises(ValueError):
        keygen(multi_table.machine(), PcsParams(hash="poseidon-bn254"), lifted=True)


@pytest.mark.parametrize("zk", [True, False])
@pytest.mark.parametrize("combo", COMBOS)
def test_heights_verify_under_one_spec(combo: tuple[int, int], zk: bool) -> None:
    vk, pub, proof = _prove(*combo, zk=zk)
    verify(vk, pub, proof, heights=SPEC)
    verify(vk, pub, proof)  # the degenerate spec: exactly its heights
    back = decode_proof(vk, encode_proof(vk, proof))
    verify(vk, pub, back, heights=SPEC)
    assert encode_proof(vk, back) == encode_proof(vk, proof)


def test_height_outside_spec_refused() -> None:
    vk, pub, proof = _prove(9, 4)
    with pytest.raises(VerificationError):
        verify(vk, pub, proof, heights=HeightSpec(((5, 8), (3, 7), (8, 8))))
    # in-circuit too: the one-hot of the height fails
    ar = NativeArith()
    low = HeightSpec(((5, 8), (3, 7), (8, 8)))
    with pytest.raises(VerificationError):
        verify_with(ar, vk, [ar.b_input(v) for v in pub], proof, heights=low)


def _row(p: StarkProof) -> None:
    row = p.pcs_proof.queries[0].inputs[1].rows[0]
    row[0] = (row[0] + 1) % P


def _sibling(p: StarkProof) -> None:
    p.pcs_proof.queries[1].inputs[2].siblings[0][0] ^= 1


def _opened(p: StarkProof) -> None:
    v = list(p.opened[1][1][0][0])
    v[0] = (v[0] + 1) % P
    p.opened[1][1][0][0] = tuple(v)


def _fri(p: StarkProof) -> None:
    v = list(p.pcs_proof.queries[0].fri[2].row[1])
    v[3] = (v[3] + 1) % P
    p.pcs_proof.queries[0].fri[2].row[1] = tuple(v)


def _lied_height(p: StarkProof) -> None:
    """The adder (not the tallest) claimed one shorter: same PCS structure, other selections."""
    p.log_heights[1] -= 1


@pytest.mark.parametrize("tamper", [_row, _sibling, _opened, _fri, _lied_height])
def test_tampered_refused(tamper: Callable[[StarkProof], None]) -> None:
    vk, pub, proof = _prove(8, 5)
    bad = copy.deepcopy(proof)
    tamper(bad)
    with pytest.raises(VerificationError):
        verify(vk, pub, bad, heights=SPEC)


def test_top_below_a_table_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A witness claiming the top H one below the tallest matrix: that matrix no longer fits
    under the top (``diff_one_hot`` finds no bit)."""
    vk, pub, proof = _prove(11, 5)  # the ops quotient is the tallest matrix
    top = verifier_lifted.hts.top_log(vk.params, vk.layouts, proof.log_heights)
    top += vk.params.log_blowup
    real = verifier_lifted._height

    def lying(ar: Any, value: int, lo: int, hi: int) -> Any:
        # the top's data value only (the proof's layout still follows the real top)
        return real(ar, value - 1 if value == top and lo < hi else value, lo, hi)

    monkeypatch.setattr(verifier_lifted, "_height", lying)
    ar = NativeArith()
    with pytest.raises(VerificationError):
        verify_with(ar, vk, [ar.b_input(v) for v in pub], proof, heights=SPEC)


def test_pre_root_as_data() -> None:
    """A proof of a machine differing only in its preprocessed table (2^9 instead of 2^8
    rows) verifies against the 2^8 machine's key with the root as data; a wrong root fails."""
    vk8 = keygen(multi_table.machine(8), params(), lifted=True)
    vk9, pub, proof = _prove(7, 4, log_bytes=9)
    spec = HeightSpec(((5, 10), (3, 7), (8, 9)))
    assert vk9.pre_root is not None and vk9.pre_root != vk8.pre_root
    with pytest.raises(VerificationError):
        verify(vk8, pub, proof, heights=spec)  # the key's own root is a constant
    verify(vk8, pub, proof, heights=spec, pre_root=vk9.pre_root)
    back = decode_proof(vk8, encode_proof(vk9, proof), pre_fixed=False)
    verify(vk8, pub, back, heights=spec, pre_root=vk9.pre_root)
    with pytest.raises(VerificationError):
        verify(vk8, pub, proof, heights=spec, pre_root=vk8.pre_root)
    bad = copy.deepcopy(proof)
    bad.pre_root = vk8.pre_root
    with pytest.raises(VerificationError):
        verify(vk8, pub, bad, heights=spec, pre_root=vk8.pre_root)
    ar = NativeArith()
    pub_in = [ar.b_input(v) for v in pub]
    got = verify_with(ar, vk8, pub_in, proof, heights=spec, pre_root_input=True)
    assert got is not None and got.pre_log_heights == [9]


def test_codec_refuses_truncation_and_excess() -> None:
    vk, _, proof = _prove(6, 4)
    raw = encode_proof(vk, proof)
    for bad in (raw[:-1], raw + b"\0"):
        with pytest.raises(ProofFormatError):
            decode_proof(vk, bad)
