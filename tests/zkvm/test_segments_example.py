"""examples/segments/long_run.py proves a sort run in segments and verifies the receipt it
wrote (small run: 60 words, 7507 cycles, two segments of 2^12 on two worker processes)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from zkrv.receipt import SegmentedReceipt, decode_receipt

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "segments" / "long_run.py"


@pytest.mark.slow
def test_example_runs(tmp_path: Path) -> None:
    out = tmp_path / "sort.receipt"
    args = ["--n", "60", "--segment-po2", "12", "--jobs", "2", "--out", str(out)]
    proc = subprocess.run(
        [sys.executable, str(EXAMPLE), *args], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "7507 cycles" in proc.stdout
    assert "segmented receipt, 2 segments" in proc.stdout and "verified in" in proc.stdout
    r = decode_receipt(out.read_bytes())
    assert isinstance(r, SegmentedReceipt) and r.segments == 2
