"""Shared CLI plumbing: a one-line-error argument parser and uniform result output."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from typing import Any, NoReturn

from zkrv.errors import UsageError


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but usage errors raise :class:`UsageError` (one line, exit status 2)."""

    def error(self, message: str) -> NoReturn:
        where = "" if self.prog == "zkrv" else f"{self.prog}: "
        raise UsageError(f"{where}{message}")


@dataclass
class Result:
    """What a subcommand produced.

    ``data`` is the machine-readable result (printed as one JSON object under ``--json``);
    ``text`` is the human rendering (printed otherwise). ``exit_code`` is the process status.
    """

    data: dict[str, Any] = field(default_factory=dict)
    text: str = ""
    exit_code: int = 0


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    """Give a subcommand the uniform ``--json`` flag."""
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object on stdout instead of text"
    )


def emit_result(result: Result, json_mode: bool) -> None:
    if json_mode:
        sys.stdout.write(json.dumps(result.data, sort_keys=True) + "\n")
    elif result.text:
        sys.stdout.write(result.text.rstrip("\n") + "\n")
    sys.stdout.flush()


def emit_error(message: str, json_mode: bool) -> None:
    line = " ".join(message.split())
    if json_mode:
        sys.stdout.write(json.dumps({"error": line}) + "\n")
        sys.stdout.flush()
    sys.stderr.write(f"zkrv: error: {line}\n")
    sys.stderr.flush()
