"""The public values of the segment recursion programs: a summary of a range of segments.

The leaf program (``segment_verifier.py``: one segment proof) and the join program (two
adjacent ranges) expose the same 93 BabyBear elements, so a join verifies either kind of child
with one layout (``docs/segments.md``, "Join"):

=========  ======  ===========================================================================
offset     count   value
=========  ======  ===========================================================================
0          8       ``pre_root``: the preprocessed root's felts (as in ``zkvm_layout``)
8          1       ``log_program``: log2 height of the program table
9          1       ``log_image``: log2 height of the image table
10         36      ``claim``: the claim bytes (journal digest, exit code) of the range's last
                   segment (zero unless that segment is the execution's last)
46         1       ``first_seg``: index of the range's first segment
47         1       ``first_flag``: that segment's ``seg_first`` public value
48         1       ``last_seg``: index of the range's last segment
49         1       ``last_flag``: that segment's ``seg_last`` public value
50         4       ``pre_pc``, ``post_pc``, ``pre_eof``, ``post_eof``: the first segment's
                   start and the last segment's end
54         10      ``challenges``: the global challenges alpha_G, beta_G every proof of the
                   range was verified against, 5 coefficients each
64         5       ``share``: the sum of the range's shares of the global bus
69         8       ``acc_in``: the global-challenge accumulator before the range
77         8       ``acc_out``: after it (``stark.protocol.global_challenges.step`` per segment)
85         8       ``join_root``: the preprocessed root of the join program that joins are
                   expected to be proven with (a leaf passes it through unchecked; every join
                   checks its join children against it, and the root of the tree checks it)
=========  ======  ===========================================================================

The first 46 values are the universal program's (``zkvm_layout``) at the same offsets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from zkrv_prover.recursion.zkvm_layout import PRE_ROOT_LEN, ZKVM_RECURSION_PUBLIC
from zkrv_prover.stark.field.field import EXT_DEGREE
from zkrv_prover.stark.protocol.global_challenges import ACC_LEN

#: Offsets of the range fields after the 46 values of ``zkvm_layout``.
FIRST_SEG = ZKVM_RECURSION_PUBLIC
FIRST_FLAG, LAST_SEG, LAST_FLAG = FIRST_SEG + 1, FIRST_SEG + 2, FIRST_SEG + 3
PRE_PC, POST_PC, PRE_EOF, POST_EOF = FIRST_SEG + 4, FIRST_SEG + 5, FIRST_SEG + 6, FIRST_SEG + 7
#: Offsets of the global challenges (two extension elements) and of the share (one).
CHALLENGES = POST_EOF + 1
SHARE = CHALLENGES + 2 * EXT_DEGREE
#: Offsets of the accumulators before and after the range, and of the expected join root.
ACC_IN = SHARE + EXT_DEGREE
ACC_OUT = ACC_IN + ACC_LEN
JOIN_ROOT = ACC_OUT + ACC_LEN
#: Number of public values of the segment recursion programs.
SEGMENT_RECURSION_PUBLIC = JOIN_ROOT + PRE_ROOT_LEN

T = TypeVar("T")


@dataclass(frozen=True)
class RangeSummary(Generic[T]):
    """The 93 values split into their parts (ints natively, cells in a recursion program).
    ``head`` is the 46 values of ``zkvm_layout`` (root felts, the two heights, the claim)."""

    head: tuple[T, ...]
    first_seg: T
    first_flag: T
    last_seg: T
    last_flag: T
    links: tuple[T, ...]  # pre_pc, post_pc, pre_eof, post_eof
    alpha: tuple[T, ...]
    beta: tuple[T, ...]
    share: tuple[T, ...]
    acc_in: tuple[T, ...]
    acc_out: tuple[T, ...]
    join_root: tuple[T, ...]

    def values(self) -> list[T]:
        """The parts in layout order (the inverse of :func:`split`)."""
        return [
            *self.head,
            self.first_seg,
            self.first_flag,
            self.last_seg,
            self.last_flag,
            *self.links,
            *self.alpha,
            *self.beta,
            *self.share,
            *self.acc_in,
            *self.acc_out,
            *self.join_root,
        ]


def split(values: Sequence[T]) -> RangeSummary[T]:
    """The parts of the :data:`SEGMENT_RECURSION_PUBLIC` values (``ValueError`` on another
    count)."""
    if len(values) != SEGMENT_RECURSION_PUBLIC:
        raise ValueError(
            f"the segment recursion programs have {SEGMENT_RECURSION_PUBLIC} public values, "
            f"got {len(values)}"
        )
    v = list(values)
    return RangeSummary(
        head=tuple(v[:ZKVM_RECURSION_PUBLIC]),
        first_seg=v[FIRST_SEG],
        first_flag=v[FIRST_FLAG],
        last_seg=v[LAST_SEG],
        last_flag=v[LAST_FLAG],
        links=tuple(v[PRE_PC : POST_EOF + 1]),
        alpha=tuple(v[CHALLENGES : CHALLENGES + EXT_DEGREE]),
        beta=tuple(v[CHALLENGES + EXT_DEGREE : SHARE]),
        share=tuple(v[SHARE:ACC_IN]),
        acc_in=tuple(v[ACC_IN:ACC_OUT]),
        acc_out=tuple(v[ACC_OUT:JOIN_ROOT]),
        join_root=tuple(v[JOIN_ROOT:SEGMENT_RECURSION_PUBLIC]),
    )


__all__ = [
    "ACC_IN",
    "ACC_OUT",
    "CHALLENGES",
    "FIRST_FLAG",
    "FIRST_SEG",
    "JOIN_ROOT",
    "LAST_FLAG",
    "LAST_SEG",
    "POST_EOF",
    "POST_PC",
    "PRE_EOF",
    "PRE_PC",
    "SEGMENT_RECURSION_PUBLIC",
    "SHARE",
    "RangeSummary",
    "split",
]
