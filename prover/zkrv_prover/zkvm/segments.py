"""Segment boundaries of the segmented machine and a native check of a whole segmented execution
(``docs/segments.md``).

- :class:`SegmentBoundary`: what one segment's boundary tables hold besides its own trace: its
  index and first/last flags, the pc and end-of-input flag it starts and ends with, the machine
  registers it starts with (x0..x31 and the journal state), and its memory rows (word, start
  value, ``open``, ``prev_seg``).
- :class:`SegmentChain`: pass 1's bookkeeping. Fed the executor's segments in order
  (``executor.execute_segments``), it gives each one's boundary: segment 0 has a row for every
  image word and every word it touches, all opening; a later segment has a row for every word it
  touches, carried from the last earlier segment with a row for it (or opening, if none); the
  last segment also has a row for every word any segment touched or the image holds. It keeps
  one (segment, value) pair per word ever touched, never a trace.
- :func:`check_execution`: the native counterpart of the composite verifier
  (``zkvm.segment_prover.verify_segmented`` checks proofs): every segment's traces satisfy
  their constraints and local buses under the public values the verifier assigns (``seg = s``,
  ``seg_first``, ``seg_last``), pc and eof chain, and ``BUS_GLOBAL`` balances as a multiset
  over all segments (:class:`GlobalBus`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from zkrv_prover.executor.image import MemoryImage
from zkrv_prover.executor.segments import Segment
from zkrv_prover.stark.air import debug
from zkrv_prover.stark.air.air import TableLayout
from zkrv_prover.zkvm.buses import BUS_GLOBAL
from zkrv_prover.zkvm.memory import (
    NUM_MACHINE_REGS,
    NUM_PUBLIC,
    PUB_POST_EOF,
    PUB_POST_PC,
    PUB_PRE_EOF,
    PUB_PRE_PC,
    PUB_SEG,
    PUB_SEG_FIRST,
    PUB_SEG_LAST,
    image_words,
)

if TYPE_CHECKING:
    from zkrv_prover.zkvm.machine import MachineWitness

U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

#: Most segments of one execution: ``seg - prev_seg - 1`` is range checked below 2^16.
MAX_SEGMENTS = 1 << 16


@dataclass(frozen=True, eq=False)
class SegmentBoundary:
    """One segment's links to the others (see the module docstring). ``words`` are sorted word
    indices (address / 4), ``init`` their values at the segment's start; ``prev_seg`` is 0 on
    rows that ``open`` their word."""

    seg: int
    first: bool
    last: bool
    pre_pc: int
    post_pc: int
    pre_eof: bool
    post_eof: bool
    registers: U32
    words: I64
    init: U32
    open: Bools
    prev_seg: I64


class SegmentChain:
    """Pass 1: the boundary of each segment of one execution, fed in order (module docstring).

    :meth:`add` takes the executor's :class:`~zkrv_prover.executor.segments.Segment` (only its
    start state, final word values and flags are used) and returns its boundary. Raises
    ``ValueError`` for a segment out of order, after the last, or beyond :data:`MAX_SEGMENTS`.
    """

    def __init__(self, image: MemoryImage) -> None:
        w, v, _ = image_words(image)
        self._img_w = w.astype(np.int64)
        self._img_v = v.astype(np.uint32)
        # every word any segment so far has a row for: the last such segment, its value after
        self._w = np.zeros(0, dtype=np.int64)
        self._seg = np.zeros(0, dtype=np.int64)
        self._val = np.zeros(0, dtype=np.uint32)
        self._next = 0
        self._done = False

    @property
    def words(self) -> I64:
        """Word indices any segment so far has a row for (sorted)."""
        return self._w

    def add(self, segment: Segment) -> SegmentBoundary:
        s, st = self._next, segment.start
        if self._done or st.index != s or s >= MAX_SEGMENTS:
            raise ValueError(f"segment {st.index} given where segment {s} is due")
        last = segment.halted
        tw = (st.addresses >> np.uint32(2)).astype(np.int64)
        if not np.array_equal(segment.trace.final_addresses, st.addresses):
            raise ValueError("a segment's final words must be the words it touches")
        if s == 0:
            words = np.union1d(self._img_w, tw)
            init = np.zeros(words.size, dtype=np.uint32)
            init[np.searchsorted(words, self._img_w)] = self._img_v
            opens = np.ones(words.size, dtype=bool)
            prev = np.zeros(words.size, dtype=np.int64)
        else:
            words = np.union1d(tw, self._w) if last else tw
            pos = np.searchsorted(self._w, words)
            pos_c = np.minimum(pos, max(self._w.size - 1, 0))
            known = (pos < self._w.size) & (self._w[pos_c] == words) if self._w.size else pos < 0
            opens = ~known
            prev = np.where(known, self._seg[pos_c] if self._w.size else 0, 0).astype(np.int64)
            init = np.where(known, self._val[pos_c] if self._w.size else 0, 0).astype(np.uint32)
        ti = np.searchsorted(words, tw)
        init[ti] = st.values  # the executor's start values of the touched words
        final = init.copy()
        final[ti] = segment.trace.final_values
        keep = ~np.isin(self._w, words)
        w_all = np.concatenate([self._w[keep], words])
        o = np.argsort(w_all, kind="stable")
        self._w = w_all[o]
        self._seg = np.concatenate([self._seg[keep], np.full(words.size, s, np.int64)])[o]
        self._val = np.concatenate([self._val[keep], final])[o]
        self._next, self._done = s + 1, last
        return SegmentBoundary(
            seg=s,
            first=s == 0,
            last=last,
            pre_pc=st.pc,
            post_pc=segment.end_pc,
            pre_eof=st.eof,
            post_eof=segment.end_eof,
            registers=np.array(st.registers, dtype=np.uint32).reshape(NUM_MACHINE_REGS),
            words=words,
            init=init,
            open=opens,
            prev_seg=prev,
        )


class GlobalBus:
    """``BUS_GLOBAL`` summed over segments as a multiset of tuples (native; segment proofs sum
    it under global challenges instead): :meth:`add` one segment's traces, then
    :meth:`imbalance`."""

    def __init__(self) -> None:
        self._total: Counter[tuple[int, ...]] = Counter()
        self.fractions = 0

    def add(
        self, layouts: Sequence[TableLayout], traces: Sequence[np.ndarray], public: Sequence[int]
    ) -> None:
        """Count every tuple these traces send (+) or receive (-) on ``BUS_GLOBAL``."""
        from zkrv_prover.zkvm.machine import bus_sends

        vals, mult = bus_sends(layouts, traces, public, [BUS_GLOBAL])[BUS_GLOBAL]
        self.fractions += int(mult.size)
        if not mult.size:
            return
        uniq, inv = np.unique(vals, axis=0, return_inverse=True)
        sums = np.zeros(len(uniq), dtype=np.int64)
        np.add.at(sums, inv.reshape(-1), mult)
        for row, m in zip(uniq.tolist(), sums.tolist(), strict=True):
            self._total[tuple(row)] += m

    def imbalance(self) -> dict[tuple[int, ...], int]:
        """Tuples whose total multiplicity is not zero (empty when the bus balances)."""
        return {k: v for k, v in self._total.items() if v != 0}


def verifier_public(public: Sequence[int], s: int, n: int) -> list[int]:
    """``public`` with ``seg, seg_first, seg_last`` as the composite verifier sets them for the
    proof at position ``s`` of ``n`` (they are never taken from a proof)."""
    out = list(public)
    out[PUB_SEG], out[PUB_SEG_FIRST], out[PUB_SEG_LAST] = s, int(s == 0), int(s == n - 1)
    return out


def local_problems(
    layouts: Sequence[TableLayout], traces: Sequence[np.ndarray], public: Sequence[int]
) -> list[str]:
    """One segment's problems as one proof would see them: shapes, constraint failures and
    every bus but ``BUS_GLOBAL`` unbalanced."""
    try:
        debug.check_shapes(layouts, traces)
    except ValueError as e:
        return [str(e)]
    msgs = [
        str(f)
        for lay, tr in zip(layouts, traces, strict=True)
        for f in debug.table_failures(lay, tr, public)
    ]
    for bus, bad in debug.bus_imbalance(layouts, traces, public).items():
        if bus != BUS_GLOBAL:
            msgs.append(f"bus {bus} unbalanced on {len(bad)} tuples, e.g. {list(bad.items())[:3]}")
    return msgs


def chain_problems(publics: Sequence[Sequence[int]]) -> list[str]:
    """The composite verifier's checks on the segments' public values, in order: the pc and eof
    links, ``pre_eof == 0`` first, and no claim (digest, exit code) before the last segment."""
    msgs = []
    if publics and publics[0][PUB_PRE_EOF] != 0:
        msgs.append("segment 0 starts after the end of input")
    for s in range(len(publics) - 1):
        a, b = publics[s], publics[s + 1]
        if a[PUB_POST_PC] != b[PUB_PRE_PC]:
            msgs.append(f"segment {s} ends at pc {a[PUB_POST_PC]:#x}, {s + 1} starts elsewhere")
        if a[PUB_POST_EOF] != b[PUB_PRE_EOF]:
            msgs.append(f"segment {s} and {s + 1} disagree on the end of input")
        if any(a[:NUM_PUBLIC]):
            msgs.append(f"segment {s} is not the last but claims a digest or exit code")
    return msgs


def check_execution(witnesses: Sequence[MachineWitness]) -> list[str]:
    """Every problem of a segmented execution given as its segments' witnesses in order (the
    segmented machine's, ``machine.generate_segment``): each checked under the public values the
    composite verifier assigns to its position, the pc/eof chain, the global bus balance."""
    n = len(witnesses)
    bus = GlobalBus()
    msgs: list[str] = []
    publics = []
    for s, w in enumerate(witnesses):
        pub = verifier_public(w.public, s, n)
        publics.append(pub)
        msgs += [f"segment {s}: {m}" for m in local_problems(w.layouts, w.traces, pub)]
        bus.add(w.layouts, w.traces, pub)
    msgs += chain_problems(publics)
    bad = bus.imbalance()
    if bad:
        msgs.append(f"BUS_GLOBAL unbalanced on {len(bad)} tuples, e.g. {list(bad.items())[:3]}")
    return msgs
