"""Shared pytest fixtures and markers for the zkrv test suite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


def run_cli(*args: str, input_bytes: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run the installed ``zkrv`` CLI in a subprocess (as a user would) and capture output."""
    exe = Path(sys.executable).parent / "zkrv"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.run([str(exe), *args], input=input_bytes, capture_output=True, env=env)


@pytest.fixture
def cli():  # type: ignore[no-untyped-def]
    return run_cli


@pytest.fixture(scope="session")
def groth16_fixture(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The TEST FIXTURE Groth16 circuit (``claim_fixture_circuit``; UNSAFE dev keys) set up
    once per session in its own key cache; makes Groth16 receipts of any claim."""
    from claim_fixture_circuit import FixtureProver

    return FixtureProver.setup(tmp_path_factory.mktemp("zkrv-cache"))
