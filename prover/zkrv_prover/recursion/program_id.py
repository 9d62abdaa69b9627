"""Program IDs: what fixes which recursion program made a proof verified with its preprocessed
root and table heights as data.

A recursion program's preprocessed root commits its instructions, and its table heights fix how
many of them run (the root alone does not fix the heights its matrices are read at). A verifier
that takes both as data (a join of segment ranges, a layer accepting one of several programs)
hashes them into the program's ID and compares it with the IDs it accepts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zkrv_prover.recursion.zkvm_layout import PRE_ROOT_LEN
from zkrv_prover.stark.commit.hash_scheme import HashScheme, scheme_of
from zkrv_prover.stark.field.arith import NativeArith
from zkrv_prover.stark.protocol.prover import VerifyingKey

#: Transcript label of :func:`program_id`.
PROGRAM_ID_LABEL = "zkrv.recursion.program"
#: Base elements of a program ID (as wide as a Poseidon2-BabyBear digest).
PROGRAM_ID_LEN = PRE_ROOT_LEN


def program_id(ar: Any, hs: HashScheme, root: Any, log_heights: Sequence[Any]) -> list[Any]:
    """A recursion program's ID: a fresh transcript of ``hs`` observes its preprocessed root
    (a digest of ``ar``) and its tables' log heights (base elements) and samples
    :data:`PROGRAM_ID_LEN` base elements. Generic over the arithmetic."""
    tr = hs.transcript(ar, PROGRAM_ID_LABEL)
    tr.observe_digest(root)
    tr.observe_base([ar.b_const(len(log_heights)), *log_heights])
    return [tr.sample_base() for _ in range(PROGRAM_ID_LEN)]


def key_program_id(vk: VerifyingKey, log_heights: Sequence[int]) -> list[int]:
    """:func:`program_id` natively, for a key's root and a proof's table heights."""
    if vk.pre_root is None:
        raise ValueError("the key has no preprocessed root")
    ar, hs = NativeArith(native_hash=True), scheme_of(vk.params.hash)
    pid = program_id(ar, hs, hs.digest_const(ar, vk.pre_root), [ar.b_const(h) for h in log_heights])
    return [int(x) for x in pid]


__all__ = ["PROGRAM_ID_LABEL", "PROGRAM_ID_LEN", "key_program_id", "program_id"]
