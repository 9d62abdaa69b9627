"""Progress reporting from inside long prover work (trace generation, commitments, FRI, Groth16).

The prover announces each stage with ``stage(name, total)`` and then calls ``advance(n)`` as
units of that stage finish (a table, a matrix, a block of hashed rows, a FRI layer); the advances
of a stage sum to its ``total``. Calls happen at stage/block granularity only, never per row.

Reporting goes to the :class:`Progress` object installed for the current context with
:func:`reporting`; by default none is installed and :func:`stage`/:func:`advance` return at once,
so library users and tests pay nothing. Rendering (a terminal bar) belongs to the caller, e.g.
the ``zkrv`` CLI; this module prints nothing.

The reporter is held in a :class:`contextvars.ContextVar`, which worker threads of
:mod:`zkrv_prover.stark.field.parallel` do not inherit: the prover reports from the calling thread
only, so a reporter need not be thread-safe. Reporting never changes what is proven: proofs are
identical with and without a reporter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol

__all__ = ["Progress", "Recorder", "active", "advance", "fraction_adapter", "reporting", "stage"]


class Progress(Protocol):
    """Receives progress. ``stage`` starts a stage of ``total`` units (>= 1), ending the previous
    one; ``advance`` reports ``n`` more units of the current stage done. Both are called from the
    thread that runs the prover, and must not raise."""

    def stage(self, name: str, total: int) -> None: ...

    def advance(self, n: int = 1) -> None: ...


_current: ContextVar[Progress | None] = ContextVar("zkrv_progress", default=None)


@contextmanager
def reporting(progress: Progress | None) -> Iterator[Progress | None]:
    """Install ``progress`` as the reporter for the enclosed block (``None``: report nothing);
    the previous reporter is restored on exit."""
    token = _current.set(progress)
    try:
        yield progress
    finally:
        _current.reset(token)


def stage(name: str, total: int) -> None:
    """Start stage ``name`` of ``total`` units on the current reporter (no-op without one)."""
    p = _current.get()
    if p is not None:
        p.stage(name, max(1, int(total)))


def advance(n: int = 1) -> None:
    """Report ``n`` units of the current stage done (no-op without a reporter)."""
    p = _current.get()
    if p is not None and n:
        p.advance(int(n))


def active() -> bool:
    """Whether a reporter is installed (to skip computing a stage's total when none is)."""
    return _current.get() is not None


def fraction_adapter(prefix: str, units: int = 100) -> Callable[[str, float], None] | None:
    """A ``(phase, fraction)`` callback, the form the native Groth16 engine reports in, that
    drives the current reporter: the first call starts stage ``prefix`` of ``units`` units, and
    each call advances it to ``fraction`` (monotone; a fraction of 1.0 completes the stage).
    ``None`` when no reporter is installed. Call it from the reporting thread only (the native
    engine calls back from the thread that called it)."""
    p = _current.get()
    if p is None:
        return None
    rep: Progress = p
    done = -1

    def cb(phase: str, frac: float) -> None:
        nonlocal done
        if done < 0:
            rep.stage(prefix, units)
            done = 0
        target = min(units, max(done, round(float(frac) * units)))
        if target > done:
            rep.advance(target - done)
            done = target

    return cb


class Recorder:
    """A :class:`Progress` that records every call as ``("stage", name, total)`` or
    ``("advance", n)`` in :attr:`events` (tests, debugging)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, int] | tuple[str, int]] = []

    def stage(self, name: str, total: int) -> None:
        self.events.append(("stage", name, total))

    def advance(self, n: int = 1) -> None:
        self.events.append(("advance", n))

    def totals(self) -> list[tuple[str, int, int]]:
        """Per stage in order: (name, announced total, sum of its advances)."""
        out: list[tuple[str, int, int]] = []
        for ev in self.events:
            if len(ev) == 3:
                out.append((ev[1], ev[2], 0))
            elif out:
                name, total, done = out[-1]
                out[-1] = (name, total, done + ev[1])
        return out
