"""Terminal rendering of :mod:`zkrv_prover.progress` stages for long CLI commands.

Only an interactive terminal gets a bar: with ``--json``, or when stderr is not a tty (a pipe, a
file, CI), :func:`terminal_progress` returns ``None`` and nothing extra is printed.
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any

from tqdm import tqdm


class TerminalProgress:
    """A :class:`zkrv_prover.progress.Progress` drawing one tqdm bar on ``stream``: each stage
    resets it (name, total); the total elapsed time of the command is shown alongside."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._t0 = time.monotonic()
        self._bar: Any = None

    def stage(self, name: str, total: int) -> None:
        if self._bar is None:
            self._bar = tqdm(
                total=total,
                desc=name,
                file=self._stream,
                leave=False,
                dynamic_ncols=True,  # follows the terminal's width
                bar_format="{desc:<16} {percentage:3.0f}%|{bar}| {n}/{total}{postfix}",
                postfix=self._elapsed(),
            )
            return
        self._bar.set_description_str(name, refresh=False)
        self._bar.set_postfix_str(self._elapsed(), refresh=False)
        self._bar.reset(total=total)  # redraws: a new stage shows at once

    def advance(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(self._elapsed(), refresh=False)
            self._bar.update(n)  # redraws at most every tqdm ``mininterval`` (0.1 s)

    def _elapsed(self) -> str:
        return f"{time.monotonic() - self._t0:.1f}s"

    def close(self) -> None:
        """Erase the bar (the command prints its result next)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def terminal_progress(json_mode: bool, stream: IO[str] | None = None) -> TerminalProgress | None:
    """A terminal bar on ``stream`` (default stderr) when it is a tty and ``json_mode`` is off,
    else ``None`` (report nothing)."""
    out = sys.stderr if stream is None else stream
    if json_mode or not out.isatty():
        return None
    return TerminalProgress(out)
