"""The public values of the segment recursion program (``segment_verifier.py``).

The program that verifies one segment proof of a multi-segment execution exposes, as BabyBear
elements and in this order, what a join of segment ranges needs (``docs/segments.md``,
"Join"):

=========  ======  ===========================================================================
offset     count   value
=========  ======  ===========================================================================
0          8       ``pre_root``: the preprocessed root's felts (as in ``zkvm_layout``)
8          1       ``log_program``: log2 height of the program table
9          1       ``log_image``: log2 height of the image table
10         43      ``public``: the segment's public values (``zkvm.memory``: the claim bytes,
                   then ``seg``, ``seg_first``, ``seg_last``, ``pre_pc``, ``post_pc``,
                   ``pre_eof``, ``post_eof``)
53         10      ``challenges``: the global challenges alpha_G, beta_G the proof was verified
                   against, 5 coefficients each
63         5       ``share``: the proof's share of the global bus (the sum of its boundary
                   tables' global sums)
68         8       ``acc_in``: the global-challenge accumulator before this segment
76         8       ``acc_out``: after it (``stark.protocol.global_challenges.step`` over the
                   public values and the boundary root)
=========  ======  ===========================================================================

84 values in all. The first 10 are the image-ID material of ``zkvm_layout`` at the same offsets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from zkrv_prover.recursion.zkvm_layout import LOG_IMAGE, LOG_PROGRAM, PRE_ROOT, PRE_ROOT_LEN
from zkrv_prover.stark.field.field import EXT_DEGREE
from zkrv_prover.stark.protocol.global_challenges import ACC_LEN
from zkrv_prover.zkvm.memory import NUM_PUBLIC_SEGMENTED

#: Offset and count of the segment's public values.
PUBLIC, PUBLIC_LEN = LOG_IMAGE + 1, NUM_PUBLIC_SEGMENTED
#: Offsets of the global challenges (two extension elements) and of the share (one).
CHALLENGES = PUBLIC + PUBLIC_LEN
SHARE = CHALLENGES + 2 * EXT_DEGREE
#: Offsets of the accumulators before and after the segment.
ACC_IN = SHARE + EXT_DEGREE
ACC_OUT = ACC_IN + ACC_LEN
#: Number of public values of the segment recursion program.
SEGMENT_RECURSION_PUBLIC = ACC_OUT + ACC_LEN

T = TypeVar("T")


@dataclass(frozen=True)
class SegmentPublic(Generic[T]):
    """The 84 values split into their parts (ints natively, cells in a recursion program)."""

    pre_root: tuple[T, ...]
    log_program: T
    log_image: T
    public: tuple[T, ...]
    alpha: tuple[T, ...]
    beta: tuple[T, ...]
    share: tuple[T, ...]
    acc_in: tuple[T, ...]
    acc_out: tuple[T, ...]

    def values(self) -> list[T]:
        """The parts in layout order (the inverse of :func:`split`)."""
        return [
            *self.pre_root,
            self.log_program,
            self.log_image,
            *self.public,
            *self.alpha,
            *self.beta,
            *self.share,
            *self.acc_in,
            *self.acc_out,
        ]


def split(values: Sequence[T]) -> SegmentPublic[T]:
    """The parts of the :data:`SEGMENT_RECURSION_PUBLIC` values (``ValueError`` on another
    count)."""
    if len(values) != SEGMENT_RECURSION_PUBLIC:
        raise ValueError(
            f"the segment recursion program has {SEGMENT_RECURSION_PUBLIC} public values, "
            f"got {len(values)}"
        )
    v = list(values)
    return SegmentPublic(
        tuple(v[PRE_ROOT : PRE_ROOT + PRE_ROOT_LEN]),
        v[LOG_PROGRAM],
        v[LOG_IMAGE],
        tuple(v[PUBLIC : PUBLIC + PUBLIC_LEN]),
        tuple(v[CHALLENGES : CHALLENGES + EXT_DEGREE]),
        tuple(v[CHALLENGES + EXT_DEGREE : SHARE]),
        tuple(v[SHARE:ACC_IN]),
        tuple(v[ACC_IN:ACC_OUT]),
        tuple(v[ACC_OUT:SEGMENT_RECURSION_PUBLIC]),
    )


__all__ = [
    "ACC_IN",
    "ACC_OUT",
    "CHALLENGES",
    "PUBLIC",
    "PUBLIC_LEN",
    "SEGMENT_RECURSION_PUBLIC",
    "SHARE",
    "SegmentPublic",
    "split",
]
