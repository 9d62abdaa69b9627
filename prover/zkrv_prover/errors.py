"""The base of every user-facing error raised by zkrv and zkrv_prover.

It lives in ``zkrv_prover`` (the lower layer) so the prover never imports the SDK; ``zkrv.errors``
re-exports it. A :class:`ZkrvError` is caused by user input (a bad file, a rejected proof): the
CLI prints its message as one line and exits non-zero without a traceback.
"""

from __future__ import annotations


class ZkrvError(Exception):
    """A user-facing error: one line saying what went wrong and where.

    ``exit_code`` is the CLI's exit status for this error (1 unless a subclass says otherwise).
    """

    exit_code: int = 1

    def __init__(self, message: str) -> None:
        # Keep messages on one line: the CLI contract is "one line, what and where".
        super().__init__(" ".join(str(message).split()))

    @property
    def message(self) -> str:
        return str(self)
