"""Setup: wall-clock time of scripts/setup.py when nothing changed (the idempotent re-run)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import measure

ROOT = Path(__file__).resolve().parents[2]


def run() -> list[dict[str, Any]]:
    t0 = time.perf_counter()
    subprocess.run(["python3", str(ROOT / "scripts" / "setup.py")], check=True, capture_output=True)
    return [measure("setup_rerun_seconds", round(time.perf_counter() - t0, 3), "s")]
