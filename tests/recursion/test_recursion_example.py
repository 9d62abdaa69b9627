"""examples/recursion/verify_in_recursion.py runs and says what it checked."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "recursion" / "verify_in_recursion.py"


def test_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("zkrv_example_recursion", EXAMPLE)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.main()
    out = capsys.readouterr().out
    assert "recursion proof verified; public values [0, 1, " in out
    assert "other public values is rejected" in out
