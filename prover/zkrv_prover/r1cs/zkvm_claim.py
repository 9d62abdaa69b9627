"""The claim digest of a zkVM receipt, computed in the circuit from BabyBear variables.

The final Groth16 circuit verifies a recursion proof whose public values carry, as BabyBear
elements, a zkVM receipt's preprocessed root (the 8 felts of a Poseidon2-BabyBear digest), the
log2 heights of its program and image tables, and the zkVM's 36 public values (the journal
digest's 32 bytes, then the exit code's 4 bytes little-endian: ``zkvm.machine.public_values``).
:func:`zkvm_claim_digest` turns those variables into the digest the SDK gives such a receipt
(``zkrv.receipt.Receipt.claim``), reusing the one definition of each part::

    root      = sum_i felt_i 2^(32 i)                          (hash_scheme.Poseidon2BabyBear)
    image_id  = SHA-256(image_id_prefix(params) || u8(log_program) || u8(log_image)
                        || root as 32 bytes big-endian)        (zkvm.image_id.image_id_preimage)
    claim     = ReceiptClaim(image_id, Output(journal_digest),
                             ExitCode(HALTED, exit_code))      (claim_circuit.halted_claim_digest)

``image_id_prefix`` (tag, zkVM version, PCS parameters) is a constant of the circuit, and so is
the first SHA-256 block of the image ID (it holds only the prefix: it folds away).

Range checks (each input is a :class:`~.gadgets.babybear.BB`; nothing about it is trusted except
the bound of a lazy, non-canonical value, which :func:`~.gadgets.babybear.reduce` relies on):
every root felt is decomposed into 31 bits with a canonical check (< p), so its bits are *the*
BabyBear element and the packed root is below 2^256; every public value is a byte (< 256), as the
zkVM's public values are; each height lies in [1, MAX_LOG_TABLE], the range the native verifier
(``image_id.verifier_key``) accepts.

Cost (constraints, measured in ``tests/r1cs/test_r1cs_zkvm_claim.py``): 141,383 = six variable
SHA-256 compressions (image ID 47,633; ``Output`` and ``ReceiptClaim`` 93,162) + 588 range
checks (8 felts at 35, 36 bytes at 8, 2 heights at 10). ``docs/wrap.md``, "The claim of a zkVM
receipt in the circuit".
"""

from __future__ import annotations

from collections.abc import Sequence

from zkrv_prover.bn254.constants import R
from zkrv_prover.r1cs import claim_circuit
from zkrv_prover.r1cs.builder import LC, ConstraintSystem
from zkrv_prover.r1cs.claim_circuit import Bits
from zkrv_prover.r1cs.gadgets import babybear as bb
from zkrv_prover.r1cs.gadgets.bits import assert_leq_const, to_bits
from zkrv_prover.r1cs.gadgets.sha256 import bytes_to_bits, sha256_bits
from zkrv_prover.stark.commit.hash_backend import P2_DIGEST
from zkrv_prover.stark.commit.hash_scheme import Poseidon2BabyBear
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.zkvm.image_id import MAX_LOG_TABLE, image_id_prefix
from zkrv_prover.zkvm.memory import NUM_PUBLIC, PUB_DIGEST, PUB_EXIT

#: Bits of a log2 table height (its u8 in the image ID has this many low bits set at most).
HEIGHT_BITS = MAX_LOG_TABLE.bit_length()


def _canonical_lc(cs: ConstraintSystem, x: bb.BB) -> LC:
    """An LC of ``x``'s value; reduced to [0, p) first when its bound allows more (a lazy
    value), so that a range check on it is one on the BabyBear element."""
    return x.lc if x.canonical else bb.reduce(cs, x, canonical=True).lc


def be_bits(le_bits: Sequence[LC], width: int) -> Bits:
    """Big-endian message bits (``width`` of them) of the value whose little-endian bits are
    ``le_bits``; missing high bits are zero. Free: a re-ordering."""
    if len(le_bits) > width:
        raise ValueError(f"{len(le_bits)} bits do not fit in {width}")
    return [*([LC.const(0)] * (width - len(le_bits))), *reversed(le_bits)]


def felt_bits(cs: ConstraintSystem, x: bb.BB) -> list[LC]:
    """The 31 little-endian bits of the canonical representative of ``x``, proving it < p
    (about 35 constraints for a canonical-bound variable)."""
    return bb.to_bits_canonical(cs, x)


def byte_bits(cs: ConstraintSystem, x: bb.BB) -> list[LC]:
    """The 8 little-endian bits of ``x``, proving the BabyBear element is below 256 (8
    constraints for a canonical-bound variable)."""
    return to_bits(cs, _canonical_lc(cs, x), 8)


def log_height_bits(cs: ConstraintSystem, x: bb.BB) -> list[LC]:
    """The :data:`HEIGHT_BITS` little-endian bits of a log2 table height, proving
    ``1 <= x <= MAX_LOG_TABLE``: a decomposition (x < 32), a comparison with the constant, and
    x != 0 by exhibiting its inverse (one constraint)."""
    lc = _canonical_lc(cs, x)
    bits = to_bits(cs, lc, HEIGHT_BITS)
    assert_leq_const(cs, bits, MAX_LOG_TABLE)
    inv = cs.alloc(pow(lc.value, -1, R) if lc.value else 0)
    cs.enforce(lc, inv, cs.ONE, "log height is not zero")
    return bits


def image_id_bits(
    cs: ConstraintSystem,
    pre_root: Sequence[bb.BB],
    log_program: bb.BB,
    log_image: bb.BB,
    params: PcsParams,
) -> Bits:
    """``zkvm.image_id.image_id_from(sum_i pre_root[i] 2^(32 i), log_program, log_image,
    params)`` as 256 message-order bits, with the range checks of the module docstring."""
    if len(pre_root) != P2_DIGEST:
        raise ValueError(f"a Poseidon2 root has {P2_DIGEST} felts, got {len(pre_root)}")
    msg = bytes_to_bits(image_id_prefix(params))
    for h in (log_program, log_image):
        msg += be_bits(log_height_bits(cs, h), 8)
    # the packed root's 32 big-endian bytes: felt 7 first, each as a big-endian u32
    felts = [felt_bits(cs, f) for f in pre_root]
    for fb in reversed(felts):
        msg += be_bits(fb, 32)
    return sha256_bits(cs, msg)


def zkvm_claim_digest(
    cs: ConstraintSystem,
    pre_root: Sequence[bb.BB],
    log_program: bb.BB,
    log_image: bb.BB,
    public: Sequence[bb.BB],
    params: PcsParams,
) -> Bits:
    """The claim digest of the zkVM receipt with preprocessed root ``pre_root`` (8 felts),
    table heights ``2^log_program``/``2^log_image`` and public values ``public`` (36 bytes:
    journal digest, exit code little-endian) under the PCS parameters ``params``, as 256
    message-order bits; equal to the SDK's ``Receipt.claim.digest()`` for that receipt
    (``ReceiptClaim(image_id_from(..), Output(journal_digest), ExitCode(HALTED, exit_code))``).

    ``params`` must hash with Poseidon2 over BabyBear (``ValueError`` otherwise): only then is
    a preprocessed root 8 BabyBear elements. Unsatisfiable unless every root felt is canonical,
    every public value a byte and both heights in [1, MAX_LOG_TABLE] (a strict ``cs`` raises at
    the failing check). Expose it with :func:`claim_circuit.public_input`.
    """
    if params.hash != Poseidon2BabyBear.name:
        raise ValueError(f"a zkVM claim needs poseidon2-babybear roots, not {params.hash!r}")
    if len(public) != NUM_PUBLIC:
        raise ValueError(f"the zkVM has {NUM_PUBLIC} public values, got {len(public)}")
    image_id = image_id_bits(cs, pre_root, log_program, log_image, params)
    journal_digest: Bits = []
    for x in public[PUB_DIGEST : PUB_DIGEST + 32]:
        journal_digest += be_bits(byte_bits(cs, x), 8)
    # the exit code's little-endian bytes, concatenated, are its little-endian bits
    exit_le = [b for x in public[PUB_EXIT : PUB_EXIT + 4] for b in byte_bits(cs, x)]
    return claim_circuit.halted_claim_digest(cs, image_id, journal_digest, be_bits(exit_le, 32))
