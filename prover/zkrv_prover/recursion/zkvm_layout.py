"""The public values of the universal zkVM recursion program (``ZKVM_RECURSION_PUBLIC``).

The recursion program that verifies any zkVM receipt exposes, as BabyBear elements and in this
order, what the receipt's claim digest is made of (``r1cs/zkvm_claim.py``, ``docs/wrap.md``):

=========  ======  ===========================================================================
offset     count   value
=========  ======  ===========================================================================
0          8       ``pre_root``: the receipt's preprocessed root, the 8 felts of a
                   Poseidon2-BabyBear digest (root = ``sum_i felt_i 2^(32 i)``)
8          1       ``log_program``: log2 height of the program table
9          1       ``log_image``: log2 height of the image table
10         36      ``public``: the zkVM's public values (journal digest bytes 0..31, exit code
                   bytes 32..35 little-endian: ``zkvm.machine.public_values``)
=========  ======  ===========================================================================

46 values in all. The shrink proof re-exposes the same values in the same order and the final
Groth16 circuit (``r1cs/zkvm_wrap.py``) reads them at these offsets: this module is the one place
that defines the layout, for the program that produces it and the circuit that consumes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from zkrv_prover.stark.commit.hash_backend import P2_DIGEST
from zkrv_prover.zkvm.image_id import MAX_LOG_TABLE, root_felts
from zkrv_prover.zkvm.memory import NUM_PUBLIC

#: Offset and count of the preprocessed root's felts.
PRE_ROOT, PRE_ROOT_LEN = 0, P2_DIGEST
#: Offsets of the two log2 table heights.
LOG_PROGRAM = PRE_ROOT + PRE_ROOT_LEN
LOG_IMAGE = LOG_PROGRAM + 1
#: Offset and count of the zkVM's public values.
PUBLIC, PUBLIC_LEN = LOG_IMAGE + 1, NUM_PUBLIC
#: Number of public values of the universal recursion program (and of the shrink proof).
ZKVM_RECURSION_PUBLIC = PUBLIC + PUBLIC_LEN

T = TypeVar("T")


@dataclass(frozen=True)
class ZkvmPublic(Generic[T]):
    """The 46 values split into their parts (ints natively, circuit variables in the R1CS)."""

    pre_root: tuple[T, ...]
    log_program: T
    log_image: T
    public: tuple[T, ...]


def split(values: Sequence[T]) -> ZkvmPublic[T]:
    """The parts of the :data:`ZKVM_RECURSION_PUBLIC` values (``ValueError`` on another count)."""
    if len(values) != ZKVM_RECURSION_PUBLIC:
        raise ValueError(
            f"the zkVM recursion program has {ZKVM_RECURSION_PUBLIC} public values, "
            f"got {len(values)}"
        )
    return ZkvmPublic(
        tuple(values[PRE_ROOT : PRE_ROOT + PRE_ROOT_LEN]),
        values[LOG_PROGRAM],
        values[LOG_IMAGE],
        tuple(values[PUBLIC : PUBLIC + PUBLIC_LEN]),
    )


def root_int(felts: Sequence[int]) -> int:
    """The integer ``sum felt_i 2^(32 i)`` of a root's 8 felts (the proof and image-ID encoding)."""
    if len(felts) != PRE_ROOT_LEN:
        raise ValueError(f"a Poseidon2 root has {PRE_ROOT_LEN} felts, got {len(felts)}")
    return sum(int(f) << (32 * i) for i, f in enumerate(felts))


def values(pre_root: int, log_program: int, log_image: int, public: Sequence[int]) -> list[int]:
    """The 46 public values of a receipt with that root, heights and zkVM public values, checked
    to be what the claim circuit accepts (canonical felts, heights in [1, MAX_LOG_TABLE], bytes);
    ``ValueError`` otherwise."""
    for h in (log_program, log_image):
        if not 1 <= h <= MAX_LOG_TABLE:
            raise ValueError(f"table log height {h} out of range")
    if len(public) != PUBLIC_LEN or any(not 0 <= int(v) < 256 for v in public):
        raise ValueError(f"the zkVM public values are {PUBLIC_LEN} bytes")
    return [*root_felts(pre_root), log_program, log_image, *(int(v) for v in public)]
