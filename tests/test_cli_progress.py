"""``zkrv prove``'s progress bar: drawn on a terminal (checked through a pty), absent with
``--json`` or when stderr is not a tty. The prover is replaced by a stub that reports stages, so
these tests take milliseconds; the real stages are tested in tests/stark/test_progress.py."""

from __future__ import annotations

import fcntl
import io
import json
import os
import pty
import select
import struct
import sys
import termios
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

import zkrv.cli.prove as cli_prove
from zkrv.cli import main
from zkrv.cli._progress import TerminalProgress, terminal_progress
from zkrv.receipt import DevReceipt


@pytest.fixture
def tty() -> Iterator[tuple[IO[str], int]]:
    """A text stream on the slave side of a new pty, and the master fd to read what it shows."""
    master, slave = pty.openpty()
    # a new pty is 0 x 0 characters, on which tqdm draws nothing: give it a terminal's size
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    stream = os.fdopen(slave, "w")
    try:
        yield stream, master
    finally:
        stream.close()
        os.close(master)


def read_all(fd: int) -> str:
    """Everything written to the pty so far (non-blocking)."""
    out = b""
    while select.select([fd], [], [], 0.05)[0]:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        out += chunk
    return out.decode(errors="replace")


def test_terminal_progress_only_on_a_tty_without_json(tty: tuple[IO[str], int]) -> None:
    stream, master = tty
    assert terminal_progress(False, io.StringIO()) is None  # not a tty
    assert terminal_progress(True, stream) is None  # --json
    bar = terminal_progress(False, stream)
    assert isinstance(bar, TerminalProgress)
    bar.stage("commit main", 4)
    for _ in range(4):
        bar.advance()
    bar.stage("FRI folding", 3)
    bar.advance(3)
    bar.close()
    shown = read_all(master)
    assert "commit main" in shown and "FRI folding" in shown and "0/3" in shown


def run_prove(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, stderr: IO[str], *extra: str
) -> tuple[int, list[Any]]:
    """``zkrv prove --dev`` in-process with a stub prover; returns the exit code and the
    progress objects the stub received."""
    seen: list[Any] = []

    def fake_prove(elf: str, data: bytes, *, dev: bool, progress: Any, **kw: Any) -> DevReceipt:
        assert kw == {"segment_po2": None, "jobs": None, "ray": None}
        seen.append(progress)
        if progress is not None:
            progress.stage("execute", 2)
            progress.advance(2)
        return DevReceipt(bytes(32), 0, b"", b"\x00" * 36)

    monkeypatch.setattr(cli_prove, "prove", fake_prove)
    monkeypatch.setattr(sys, "stderr", stderr)
    code = main(["prove", "guest.elf", "--dev", "-o", str(tmp_path / "r.bin"), *extra])
    return code, seen


def test_cli_bar_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tty: tuple[IO[str], int]
) -> None:
    stream, master = tty
    code, seen = run_prove(monkeypatch, tmp_path, stream)
    assert code == 0 and isinstance(seen[0], TerminalProgress)
    assert "execute" in read_all(master)


def test_cli_no_bar_with_json_or_off_a_tty(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    tty: tuple[IO[str], int],
    capsys: pytest.CaptureFixture[str],
) -> None:
    stream, master = tty
    code, seen = run_prove(monkeypatch, tmp_path, stream, "--json")
    assert code == 0 and seen == [None] and read_all(master) == ""
    assert json.loads(capsys.readouterr().out)["kind"] == "dev"  # one JSON object on stdout
    err = io.StringIO()
    code, seen = run_prove(monkeypatch, tmp_path, err)
    assert code == 0 and seen == [None] and err.getvalue() == ""
