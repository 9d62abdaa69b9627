"""Image IDs and verifying keys of the RV32IM machine.

The image ID of a program is

    SHA-256(SHA-256("zkrv.ImageId") || SHA-256(ZKVM_VERSION) || PCS parameters (u32 BE each)
            || log2 program-table height (u8) || log2 image-table height (u8)
            || preprocessed commitment root (32 bytes BE))

The preprocessed commitment covers the program table (every decoded instruction and the entry
flag), the image table (every initial memory word and its writability) and the machine's fixed
tables, so it is fixed by the ELF's loadable image and entry point; computing it needs no
execution. A STARK proof is checked against exactly that commitment (it is absorbed into the
transcript and every preprocessed opening is proven against it), so a proof for image ID X is
a proof about the program whose image gives X (collision resistance of SHA-256 and of the
proof's hash family, Poseidon2-BabyBear: ``soundness.HASH_FAMILIES``).

Both machines of a program, the one-proof machine and the segmented machine that proves long
executions in segments (``docs/segments.md``), share its image ID: they commit the same
preprocessed tables (the segmented machine changes main columns, constraints and buses only), and
the formula names the circuits through :data:`ZKVM_VERSION` alone, which versions both. A change
to either machine's AIR is a new version.

The verifier never needs the image itself: :func:`verifier_key` rebuilds the key from the root
and the two heights carried by the receipt, after checking they hash to the expected image ID.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from zkrv_prover.claim import sha256, tag_digest
from zkrv_prover.executor.image import MemoryImage
from zkrv_prover.lru import Lru
from zkrv_prover.stark.air.air import Machine, compile_machine
from zkrv_prover.stark.commit.hash_backend import P2_DIGEST
from zkrv_prover.stark.commit.hash_scheme import HashName
from zkrv_prover.stark.commit.params import MAX_LOG_HEIGHT, PcsParams
from zkrv_prover.stark.field.field import P
from zkrv_prover.stark.field.profile import PROFILE
from zkrv_prover.stark.protocol.prover import VerifyingKey, keygen
from zkrv_prover.zkvm.machine import ProgramTables, build_machine
from zkrv_prover.zkvm.program import PRE_WIDTH

#: Version of the zkVM circuits and proof layout (tables, buses, public values, the lifted
#: layout) of both the one-proof and the segmented machine; hashed into every image ID.
ZKVM_VERSION = "zkrv-rv32im-v8"
#: Largest log2 heights a receipt may claim for the program and image tables: the STARK
#: verifier's cap (2^22 words: the code and data of a 16 MiB image).
MAX_LOG_TABLE = MAX_LOG_HEIGHT


#: Hash family of zkVM receipts: Poseidon2 over BabyBear, the family the recursion verifier
#: checks natively (the Groth16 wrap verifies poseidon-bn254 proofs only; CHANGELOG.md).
ZKVM_HASH: HashName = "poseidon2-babybear"


#: zkVM proofs use the lifted layout (``stark/protocol/heights.py``): every table height is data
#: for the verifier, so one recursion program verifies receipts of every guest and length
#: (``docs/zkvm.md``, "Proof layout"). The preprocessed root is that of the lifted tree.
ZKVM_LIFTED = True


#: Grinding bits of zkVM proofs. Poseidon2-BabyBear grinding is cheap natively (2^24 hashes in
#: about 0.5 s on 2 cores with AVX-512, a few seconds without), so zkVM proofs grind 7 bits more
#: than the STARK default (17) and need 5 queries fewer for the same proven figure: about 10 KiB
#: less per query (``docs/zkvm.md``, "Parameters").
ZKVM_POW_BITS = PROFILE.zkvm_pow_bits
#: FRI queries of zkVM proofs: the fewest with which every term reaches the security profile's
#: target at the largest shapes with :data:`ZKVM_POW_BITS` (default profile: 55, query phase
#: 100.4, FRI batching 100.3 bits; 128-bit profile: 74, FRI batching 128.6, query phase 129.0;
#: ``soundness.security_summary()``, checked by ``tests/zkvm/test_zkvm_params.py`` and
#: ``tests/zkvm/test_security_profile.py``).
ZKVM_NUM_QUERIES = PROFILE.zkvm_num_queries
#: log2 of the final FRI polynomial's length in zkVM proofs: 2^7 coefficients, one FRI layer
#: fewer than the STARK default (2^6). The layer's cap and its per-query coset and path cost
#: more than the 64 extra coefficients (about 8 KiB less at 2^16 cycles); every committed matrix
#: is then at least 2^8 rows tall (``heights.min_log``), which masked tables are anyway.
ZKVM_LOG_FINAL_POLY_LEN = 7


def zkvm_params() -> PcsParams:
    """The PCS parameters of zkVM proofs: the STARK layer's defaults with the
    :data:`ZKVM_HASH` family, :data:`ZKVM_POW_BITS` grinding bits, :data:`ZKVM_NUM_QUERIES`
    queries and a final polynomial of 2^:data:`ZKVM_LOG_FINAL_POLY_LEN` coefficients (all bound
    into every image ID through ``PcsParams.as_ints``)."""
    return PcsParams(
        hash=ZKVM_HASH,
        num_queries=ZKVM_NUM_QUERIES,
        pow_bits=ZKVM_POW_BITS,
        log_final_poly_len=ZKVM_LOG_FINAL_POLY_LEN,
    )


#: Tag of the image-ID preimage: its first 32 bytes are ``tag_digest(IMAGE_ID_TAG)``.
IMAGE_ID_TAG = "ImageId"


def image_id_prefix(params: PcsParams) -> bytes:
    """The constant head of every image-ID preimage under ``params`` (104 bytes; 112 under the
    128-bit security profile): the tag, the zkVM version's SHA-256 and the PCS parameters as
    u32 big-endian words."""
    words = b"".join(int(v).to_bytes(4, "big") for v in params.as_ints())
    return tag_digest(IMAGE_ID_TAG) + sha256(ZKVM_VERSION.encode()) + words


def image_id_preimage(pre_root: int, log_program: int, log_image: int, params: PcsParams) -> bytes:
    """The bytes an image ID hashes: :func:`image_id_prefix`, the two log2 heights as u8 and
    the preprocessed root as 4 P2_DIGEST bytes big-endian (the Groth16 claim circuit,
    ``r1cs/zkvm_claim.py``, builds the same layout from circuit variables)."""
    n = 4 * P2_DIGEST  # 32 bytes (36 under the 128-bit security profile)
    if not 0 <= pre_root < 1 << (8 * n):
        raise ValueError("preprocessed root out of range")
    return image_id_prefix(params) + bytes([log_program, log_image]) + pre_root.to_bytes(n, "big")


def image_id_from(pre_root: int, log_program: int, log_image: int, params: PcsParams) -> bytes:
    """The image ID for a preprocessed root and table heights (see the module docstring)."""
    return sha256(image_id_preimage(pre_root, log_program, log_image, params))


def root_felts(pre_root: int) -> list[int]:
    """The P2_DIGEST felts of a Poseidon2-BabyBear root given as its integer ``sum felt_i 2^(32 i)``
    (``ValueError`` unless every felt is canonical): how the recursion layers and the
    global challenges take the preprocessed root as data."""
    if not 0 <= pre_root < 1 << (32 * P2_DIGEST):
        raise ValueError("a Poseidon2 root is below 2^256")
    felts = [(pre_root >> (32 * i)) & 0xFFFFFFFF for i in range(P2_DIGEST)]
    if any(f >= P for f in felts):
        raise ValueError("not a canonical Poseidon2-BabyBear root")
    return felts


@dataclass(frozen=True)
class ProgramKey:
    """A program's preprocessed tables, its proving/verifying key and image ID."""

    tables: ProgramTables
    vk: VerifyingKey
    image_id: bytes
    log_program: int
    log_image: int


_KEYS: Lru[tuple[bytes, PcsParams], ProgramKey] = Lru(4)


def program_key(image: MemoryImage, params: PcsParams | None = None) -> ProgramKey:
    """Key and image ID of ``image`` (commits the preprocessed tables; no execution). The last
    few keys are cached by image digest: keygen costs about as much as a small proof."""
    params = params or zkvm_params()
    return _KEYS.get_or_make((image.digest(), params), lambda: _program_key(image, params))


def _program_key(image: MemoryImage, params: PcsParams) -> ProgramKey:
    tables = ProgramTables.from_image(image)
    vk = keygen(build_machine(tables), params, lifted=ZKVM_LIFTED)
    assert vk.pre_root is not None
    lp = tables.program.shape[0].bit_length() - 1
    li = tables.image_words.shape[0].bit_length() - 1
    return ProgramKey(tables, vk, image_id_from(vk.pre_root, lp, li, params), lp, li)


_SEGMENT_KEYS: Lru[tuple[bytes, PcsParams], ProgramKey] = Lru(4)


def segmented_key(image: MemoryImage, params: PcsParams | None = None) -> ProgramKey:
    """Key of the segmented machine (``build_machine(tables, segmented=True)``) for ``image``,
    with the program's image ID (:func:`program_key`'s: same preprocessed tables, hence the
    same preprocessed root, checked here). Cached like :func:`program_key`."""
    params = params or zkvm_params()
    return _SEGMENT_KEYS.get_or_make(
        (image.digest(), params), lambda: _segmented_key(image, params)
    )


def _segmented_key(image: MemoryImage, params: PcsParams) -> ProgramKey:
    one = program_key(image, params)
    vk = keygen(build_machine(one.tables, segmented=True), params, lifted=ZKVM_LIFTED)
    if vk.pre_root != one.vk.pre_root:  # the image ID names both machines' tables
        raise AssertionError("the segmented machine's preprocessed root differs")
    return ProgramKey(one.tables, vk, one.image_id, one.log_program, one.log_image)


@lru_cache(maxsize=8)
def _placeholder_machine(log_program: int, log_image: int, segmented: bool = False) -> Machine:
    """The machine with all-zero program and image tables of the given heights: the verifier
    uses only their shapes (the values are bound through the preprocessed root)."""
    prog = np.zeros((1 << log_program, PRE_WIDTH), dtype=np.uint32)
    img = np.zeros((1 << log_image, 7), dtype=np.uint32)
    dummy = MemoryImage.from_words(0x10000, {0x10000: 0x13}, [(0x10000, 0x11000)])
    tables = ProgramTables(dummy, prog, img)
    return build_machine(tables, segmented=segmented)


def verifier_key(
    pre_root: int,
    log_program: int,
    log_image: int,
    params: PcsParams | None = None,
    segmented: bool = False,
) -> VerifyingKey:
    """A verifying key from a receipt's preprocessed root and table heights (``segmented``:
    the segmented machine's, for segment proofs)."""
    params = params or zkvm_params()
    for lh in (log_program, log_image):
        if not 1 <= lh <= MAX_LOG_TABLE:
            raise ValueError(f"table log height {lh} out of range")
    machine = _placeholder_machine(log_program, log_image, segmented)
    return VerifyingKey(machine, params, compile_machine(machine), pre_root, None, ZKVM_LIFTED)
