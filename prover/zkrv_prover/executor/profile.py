"""Cycle profiling: where a guest spends its cycles, by function and by call stack.

:class:`Profiler` is the state of the profiled dispatch loop
(:meth:`zkrv_prover.executor.machine.Machine.run` with a profiler; plain and traced runs do not
touch it). Every retired instruction is charged to a *stack*: the caller context (the functions
that made the calls still active, outermost first) plus the function containing the
instruction's pc (see :mod:`symbols`; code outside every symbol is a ``0xADDR`` gap).

Calls and returns follow the RISC-V calling convention's link-register hints (the unprivileged
spec's table for JAL/JALR, with x1 = ra and x5 = t0 as link registers):

- ``jal``/``jalr`` writing a link register is a call: the context gains the caller's function,
  and the return address (pc + 4) is remembered;
- ``jalr`` with rd not a link register and rs1 a link register is a return (``ret``,
  ``jr t0``): the context goes back to the frame whose return address is the target; failing
  that, to the innermost frame whose return address lies in the target's function (a
  ``longjmp``-style unwind); failing that (an unmatched return) it stays as it is;
- ``jalr`` writing one link register from the other is a return followed by a call;
- any other jump (``j``, ``jr a5``, a tail call ``jr t1``) only moves the pc: the frame simply
  becomes whatever function the new pc lies in (a tail call replaces the frame).

Blocks end at every jump, so the loop charges each block's instructions (split at function
boundaries, computed once per block) and applies the block's last instruction's call/return
effect after running it. :class:`Profile` is the result: distinct stacks with their cycles,
per-function self/total cycles, and speedscope's JSON file format.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from zkrv_prover.executor.codegen import BlockInfo
from zkrv_prover.executor.symbols import Symbols

#: x1 (ra) and x5 (t0): the link registers of the calling convention.
LINK_REGS = (1, 5)

_PUSH, _POP = 1, 2
_SHIFT = 32  # counts key: (context << _SHIFT) | piece index

SPEEDSCOPE_SCHEMA = "https://www.speedscope.app/file-format-schema.json"


def link_action(op: str, rd: int, rs1: int) -> int:
    """Call/return effect of an instruction: a bit set of push (1) and pop (2), 0 for none."""
    if op == "jal":
        return _PUSH if rd in LINK_REGS else 0
    if op != "jalr":
        return 0
    rd_link, rs_link = rd in LINK_REGS, rs1 in LINK_REGS
    if rd_link and rs_link:
        return _PUSH if rd == rs1 else _POP | _PUSH
    return (_PUSH if rd_link else 0) | (_POP if rs_link else 0)


#: Per-block static profile data: (piece, length) when the whole block lies in one piece,
#: else (-1, 0) with ``segments``; the link action; the piece of the last instruction (the
#: caller on a call); the return address of a call.
BlockProfile = tuple[int, int, tuple[tuple[int, int], ...] | None, int, int, int]


class Profiler:
    """Collection state of one profiled run (used by the machine's profiled loop).

    ``counts[(ctx << 32) | piece]`` is the number of cycles retired in ``piece`` under caller
    context ``ctx``. Context 0 is the empty context; context ``c > 0`` is its parent context
    ``parent[c]`` plus the caller piece ``caller[c]``. ``stack`` holds ``(context before the
    call, return address)`` per active call.
    """

    def __init__(self, symbols: Symbols) -> None:
        self.symbols = symbols
        self.static: list[BlockProfile] = []
        self.counts: defaultdict[int, int] = defaultdict(int)
        self.parent: list[int] = [0]
        self.caller: list[int] = [-1]
        self._child: dict[int, int] = {}
        self.stack: list[tuple[int, int]] = []
        self.ctx = 0
        self._extra: dict[int, int] = {}  # pc outside every piece -> pseudo piece index

    # ------------------------------------------------------------ during the run
    def piece(self, pc: int) -> int:
        """Piece index of ``pc`` (a pc outside the code ranges gets its own ``0xADDR`` piece;
        only a block that traps on fetch can be there, so this is for completeness)."""
        k = self.symbols.index(pc)
        if k is not None:
            return k
        if pc not in self._extra:
            self._extra[pc] = len(self.symbols.pieces) + len(self._extra)
        return self._extra[pc]

    def analyze(self, blocks: list[BlockInfo]) -> None:
        """Compute the static profile data of the blocks translated since the last call."""
        for info in blocks[len(self.static) :]:
            segs: list[list[int]] = []
            for j in range(info.length):
                p = self.piece(info.pc + 4 * j)
                if segs and segs[-1][0] == p:
                    segs[-1][1] += 1
                else:
                    segs.append([p, 1])
            last = info.instrs[-1]
            action = link_action(last.op, last.rd, last.rs1)
            ret = (info.pc + 4 * info.length) & 0xFFFFFFFF
            if len(segs) == 1:
                self.static.append((segs[0][0], info.length, None, action, segs[-1][0], ret))
            else:
                parts = tuple((p, k) for p, k in segs)
                self.static.append((-1, 0, parts, action, segs[-1][0], ret))

    def child(self, ctx: int, caller: int) -> int:
        """The context ``ctx`` extended by a call from piece ``caller`` (created once)."""
        key = (ctx << _SHIFT) | caller
        c = self._child.get(key)
        if c is None:
            c = self._child[key] = len(self.parent)
            self.parent.append(ctx)
            self.caller.append(caller)
        return c

    def pop(self, ctx: int, target: int) -> int:
        """The context after a return to ``target`` from context ``ctx`` (see module doc)."""
        stack = self.stack
        if stack and stack[-1][1] == target:
            return stack.pop()[0]
        for k in range(len(stack) - 1, -1, -1):
            if stack[k][1] == target:
                ctx = stack[k][0]
                del stack[k:]
                return ctx
        tp = self.piece(target)
        for k in range(len(stack) - 1, -1, -1):
            if self.piece(stack[k][1]) == tp:
                ctx = stack[k][0]
                del stack[k:]
                return ctx
        return ctx  # unmatched: keep attributing to the current stack

    # ------------------------------------------------------------ the result
    def result(self, name: str = "guest") -> Profile:
        """The :class:`Profile` of everything charged so far (stacks in first-seen order)."""
        names = [p.name for p in self.symbols.pieces]
        starts = [p.start for p in self.symbols.pieces]
        for pc in self._extra:
            names.append(f"0x{pc:08x}")
            starts.append(pc)
        ctx_frames: dict[int, tuple[int, ...]] = {0: ()}

        def frames_of(c: int) -> tuple[int, ...]:
            chain = []
            while c not in ctx_frames:
                chain.append(c)
                c = self.parent[c]
            base = ctx_frames[c]
            for c2 in reversed(chain):
                base = ctx_frames[c2] = (*base, self.caller[c2])
            return base

        index: dict[int, int] = {}  # piece -> frame index, in first-seen order
        frames: list[Frame] = []
        samples: list[tuple[tuple[int, ...], int]] = []
        for key, cycles in self.counts.items():
            stack = (*frames_of(key >> _SHIFT), key & ((1 << _SHIFT) - 1))
            out = []
            for p in stack:
                if p not in index:
                    index[p] = len(frames)
                    frames.append(Frame(names[p], starts[p]))
                out.append(index[p])
            samples.append((tuple(out), cycles))
        return Profile(name, frames, samples)


@dataclass(frozen=True)
class Frame:
    """A function (or label, or ``0xADDR`` gap) appearing in a profile, with its start address."""

    name: str
    address: int


@dataclass(frozen=True)
class FunctionCycles:
    """Cycles of one function: ``self_cycles`` retired in it, ``total_cycles`` while it was on
    the stack (each stack counted once, so recursion does not double count)."""

    function: str
    address: int
    self_cycles: int
    total_cycles: int


@dataclass
class Profile:
    """Cycles per distinct call stack of one execution.

    ``samples`` are ``(stack, cycles)`` with ``stack`` a tuple of indices into ``frames``,
    outermost first; each stack appears once and the cycles sum to ``total_cycles``, the
    execution's cycle count.
    """

    name: str
    frames: list[Frame]
    samples: list[tuple[tuple[int, ...], int]]
    total_cycles: int = field(init=False)

    def __post_init__(self) -> None:
        self.total_cycles = sum(c for _, c in self.samples)

    def functions(self) -> list[FunctionCycles]:
        """Every frame's self and total cycles, most self cycles first (ties: most total cycles,
        then by name)."""
        self_c = [0] * len(self.frames)
        total_c = [0] * len(self.frames)
        for stack, cycles in self.samples:
            self_c[stack[-1]] += cycles
            for f in set(stack):
                total_c[f] += cycles
        rows = [
            FunctionCycles(fr.name, fr.address, self_c[k], total_c[k])
            for k, fr in enumerate(self.frames)
        ]
        rows.sort(key=lambda r: (-r.self_cycles, -r.total_cycles, r.function))
        return rows

    def top(self, n: int) -> list[dict[str, Any]]:
        """The ``n`` functions with the most self cycles as JSON-ready dicts."""
        return [
            {"function": r.function, "self_cycles": r.self_cycles, "total_cycles": r.total_cycles}
            for r in self.functions()[:n]
        ]

    def to_speedscope(self) -> dict[str, Any]:
        """The profile in speedscope's file format: one "sampled" profile with one sample per
        distinct stack, weighted by its cycles (unit "none": the weights are cycles)."""
        return {
            "$schema": SPEEDSCOPE_SCHEMA,
            "name": self.name,
            "exporter": "zkrv execute --profile",
            "activeProfileIndex": 0,
            "shared": {"frames": [{"name": f.name} for f in self.frames]},
            "profiles": [
                {
                    "type": "sampled",
                    "name": f"{self.name} (cycles)",
                    "unit": "none",
                    "startValue": 0,
                    "endValue": self.total_cycles,
                    "samples": [list(s) for s, _ in self.samples],
                    "weights": [c for _, c in self.samples],
                }
            ],
        }

    def speedscope_json(self) -> str:
        """:meth:`to_speedscope` serialized (compact; large profiles stay small)."""
        return json.dumps(self.to_speedscope(), separators=(",", ":")) + "\n"
