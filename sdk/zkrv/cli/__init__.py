"""The ``zkrv`` command line.

Contract shared by every subcommand:
- ``--json`` prints exactly one JSON object on stdout (results, or ``{"error": ...}`` on failure).
- Errors are one line on stderr, ``zkrv: error: <what and where>``, never a traceback for a user
  mistake. Exit status: 0 success, 1 failure (:class:`zkrv.errors.ZkrvError`), 2 usage error.
- Subcommands live in their own modules below; each exposes ``register(subparsers)``, which adds
  a parser whose ``func`` default takes the parsed namespace and returns a :class:`Result`.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

from zkrv import __version__
from zkrv.cli._common import ArgumentParser, Result, emit_error, emit_result
from zkrv.errors import UsageError, ZkrvError

# Subcommand modules, in the order `zkrv --help` lists them.
SUBCOMMAND_MODULES: tuple[str, ...] = (
    "zkrv.cli.info",
    "zkrv.cli.build",
    "zkrv.cli.execute",
    "zkrv.cli.image_id",
    "zkrv.cli.prove",
    "zkrv.cli.wrap",
    "zkrv.cli.verify",
    "zkrv.cli.inspect_receipt",
    "zkrv.cli.keys",
    "zkrv.cli.node",
    "zkrv.cli.deploy",
    "zkrv.cli.new",
)


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="zkrv",
        description="zkrv: prove RISC-V (RV32IM) programs with STARKs, wrap to Groth16, "
        "verify on Ethereum.",
    )
    parser.add_argument("--version", action="version", version=f"zkrv {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``zkrv`` executable; returns the process exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    json_mode = "--json" in args_list
    try:
        # the security profile is read from the environment when the proof system is first
        # imported: an unknown name is a user mistake (ProfileError, a ValueError), not a crash
        import zkrv_prover.stark.field.profile  # noqa: F401
    except ValueError as e:
        emit_error(str(e), json_mode=json_mode)
        return 1
    try:
        parser = build_parser()
        args = parser.parse_args(args_list)
        if getattr(args, "func", None) is None:
            raise UsageError("missing command; run 'zkrv --help' to list commands")
        result: Result = args.func(args)
        emit_result(result, json_mode=bool(getattr(args, "json", False)))
        return result.exit_code
    except ZkrvError as e:
        emit_error(e.message, json_mode=json_mode)
        return e.exit_code
    except KeyboardInterrupt:
        emit_error("interrupted", json_mode=json_mode)
        return 130
    except BrokenPipeError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
