"""The CLI contract shared by every subcommand: --help, --version, --json, one-line errors."""

from __future__ import annotations

import json

from zkrv import __version__


def test_version(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("--version")
    assert r.returncode == 0
    assert r.stdout.decode().strip() == f"zkrv {__version__}"


def test_help_lists_commands(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("--help")
    assert r.returncode == 0
    assert "info" in r.stdout.decode()


def test_unknown_command_is_one_line_usage_error(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("no-such-command")
    assert r.returncode == 2
    err = r.stderr.decode()
    assert err.count("\n") == 1 and err.startswith("zkrv: error: ")
    assert "Traceback" not in err


def test_missing_command_is_usage_error(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli()
    assert r.returncode == 2
    assert r.stderr.decode().startswith("zkrv: error: missing command")


def test_json_error_is_one_object(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("info", "--json", "--bogus-flag")
    assert r.returncode == 2
    assert "error" in json.loads(r.stdout)


def test_info_json(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("info", "--json")
    assert r.returncode == 0
    data = json.loads(r.stdout)
    assert data["version"] == __version__
    assert data["native_extension"] is True
    assert data["tools"]["solc"] is not None and data["tools"]["anvil"] is not None


def test_info_json_security(cli) -> None:  # type: ignore[no-untyped-def]
    from zkrv_prover.stark.protocol.soundness import HASH_TERM, security_summary

    r = cli("info", "--json")
    sec = json.loads(r.stdout)["security"]
    expect = security_summary()
    assert sec["security_bits_jbr"] == round(expect.security_bits_jbr, 2)
    assert sec["regimes"]["jbr"]["limiting_term"] == expect.jbr.limiting_term
    assert sec["parameters"]["num_queries"] == expect.jbr.params.num_queries
    assert sec["shape"]["log_max_lde"] == 25
    # zkVM receipts hash with Poseidon2-BabyBear; its collision bound is a term of every regime
    assert sec["parameters"]["hash"] == sec["hash"]["family"] == "poseidon2-babybear"
    assert sec["hash"]["collision_bits"] == round(expect.jbr.bits(HASH_TERM), 2)
    assert sec["regimes"]["jbr"]["terms"][HASH_TERM] == sec["hash"]["collision_bits"]
