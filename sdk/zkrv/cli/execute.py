"""``zkrv execute ELF``: run a guest and print its exit code, journal and cycle count.

``--profile FILE`` / ``--profile-svg FILE`` also profile the run (cycles per function and call
stack, see :mod:`zkrv_prover.executor.profile`) and write it as speedscope JSON / a flame-graph
SVG; the output then gains a table of the functions with the most self cycles.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zkrv.cli._common import Result, add_json_flag
from zkrv.errors import UsageError, ZkrvError
from zkrv.execute import execute
from zkrv.fsutil import atomic_write_text
from zkrv_prover.executor.abi import DEFAULT_MAX_CYCLES

if TYPE_CHECKING:
    from zkrv_prover.executor.profile import Profile

#: Rows of the top-functions table: in the JSON object / in the text output.
TOP_JSON = 20
TOP_TEXT = 10


def _positive(text: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def register(sub: Any) -> None:
    p = sub.add_parser(
        "execute",
        help="run a guest ELF and print its exit code, journal and cycle count",
        description="Run a guest ELF. Guest log messages go to stderr.",
    )
    p.add_argument("elf", metavar="ELF", help="guest program built with 'zkrv build'")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--input", metavar="FILE", help="private input bytes from FILE")
    src.add_argument("--input-hex", metavar="HEX", help="private input bytes as hex")
    p.add_argument(
        "--max-cycles",
        type=_positive,
        default=DEFAULT_MAX_CYCLES,
        metavar="N",
        help=f"stop with an error after N cycles (default {DEFAULT_MAX_CYCLES})",
    )
    p.add_argument(
        "--profile",
        metavar="FILE",
        help="write the cycles per function and call stack to FILE (speedscope JSON; open it "
        "at speedscope.app)",
    )
    p.add_argument(
        "--profile-svg",
        metavar="FILE",
        help="write a flame graph of the cycles per call stack to FILE (standalone SVG)",
    )
    add_json_flag(p)
    p.set_defaults(func=run)


def read_input(args: argparse.Namespace) -> bytes:
    """The private input selected by ``--input``/``--input-hex`` (empty when neither)."""
    if args.input is not None:
        try:
            return Path(args.input).read_bytes()
        except OSError as e:
            raise ZkrvError(f"cannot read input file {args.input}: {e.strerror or e}") from None
    if args.input_hex is not None:
        text = args.input_hex.strip()
        text = text[2:] if text[:2].lower() == "0x" else text
        try:
            return bytes.fromhex(text)
        except ValueError:
            raise UsageError(f"execute: --input-hex is not valid hex: {args.input_hex!r}") from None
    return b""


def _log(text: str) -> None:
    for line in text.splitlines() or [""]:
        sys.stderr.write(f"[guest] {line}\n")
    sys.stderr.flush()


def _check_writable(path: str, flag: str) -> None:
    """Fail before a possibly long run if ``path`` clearly cannot be written."""
    target = Path(path)
    if target.is_dir():
        raise ZkrvError(f"cannot write {flag} file {path}: it is a directory")
    parent = target.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent  # the writer creates missing directories
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise ZkrvError(f"cannot write {flag} file {path}: {parent} is not a writable directory")


def _write(path: str, flag: str, text: str) -> None:
    try:
        atomic_write_text(path, text)
    except OSError as e:
        raise ZkrvError(f"cannot write {flag} file {path}: {e.strerror or e}") from None


def _profile_table(profile: Profile, n: int) -> str:
    total = max(profile.total_cycles, 1)
    lines = [f"{'self cycles':>12} {'self %':>7} {'total cycles':>13} {'total %':>7}  function"]
    for row in profile.functions()[:n]:
        lines.append(
            f"{row.self_cycles:>12} {100 * row.self_cycles / total:>6.2f}% "
            f"{row.total_cycles:>13} {100 * row.total_cycles / total:>6.2f}%  {row.function}"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> Result:
    data = read_input(args)
    for path, flag in ((args.profile, "--profile"), (args.profile_svg, "--profile-svg")):
        if path is not None:
            _check_writable(path, flag)
    profiling = args.profile is not None or args.profile_svg is not None
    r = execute(args.elf, data, max_cycles=args.max_cycles, log=_log, profile=profiling)
    out = {
        "exit_code": r.exit_code,
        "journal": "0x" + r.journal.hex(),
        "journal_digest": "0x" + r.journal_digest.hex(),
        "cycles": r.cycles,
        "logs": r.logs,
    }
    text = "\n".join(
        [
            f"exit code: {r.exit_code}",
            f"cycles: {r.cycles}",
            f"journal ({len(r.journal)} bytes): 0x{r.journal.hex()}",
            f"journal digest: 0x{r.journal_digest.hex()}",
        ]
    )
    if r.profile is not None:
        from zkrv_prover.executor.flamegraph import flame_graph_svg

        prof = r.profile
        if args.profile is not None:
            _write(args.profile, "--profile", prof.speedscope_json())
        if args.profile_svg is not None:
            _write(args.profile_svg, "--profile-svg", flame_graph_svg(prof))
        out["profile"] = {
            "speedscope": args.profile,
            "svg": args.profile_svg,
            "total_cycles": prof.total_cycles,
            "top": prof.top(TOP_JSON),
        }
        written = ", ".join(p for p in (args.profile, args.profile_svg) if p is not None)
        text += f"\nprofile ({prof.total_cycles} cycles) written to {written}\n"
        text += _profile_table(prof, TOP_TEXT)
    return Result(data=out, text=text)
