"""Executor: RV32IM execution speed on a CPU-bound guest (examples/guests/sort.c), plain and traced.

execute_mhz = cycles / wall time of plain execution (best of 3), in millions of cycles per second;
trace_mhz = the same with trace recording and assembly of the columnar trace (best of 2).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import best_time, measure, peak_rss_gib_self

from zkrv.build import build
from zkrv_prover.executor import execute, load_elf
from zkrv_prover.executor.machine import Machine
from zkrv_prover.executor.trace import assemble_trace

ROOT = Path(__file__).resolve().parents[2]
N = 1500  # elements to sort: about 3.4 million cycles


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="zkrv-bench-") as tmp:
        elf = build([ROOT / "examples" / "guests" / "sort.c"], Path(tmp) / "sort.elf")
        image = load_elf(elf)
    data = N.to_bytes(4, "little") + (12345).to_bytes(4, "little")
    cycles = execute(image, data).cycles
    t_exec = best_time(lambda: execute(image, data), repeat=3)

    def traced() -> None:
        execute(image, data, trace=True)

    t_trace = best_time(traced, repeat=2)
    # Split of the traced time: running with recording vs assembling the columns.
    m = Machine(image, data, trace=True)
    t0 = time.perf_counter()
    m.run(1 << 30)
    t1 = time.perf_counter()
    assemble_trace(m)
    t2 = time.perf_counter()
    return [
        measure("execute_mhz", round(cycles / t_exec / 1e6, 3), "MHz", cycles=cycles),
        measure("trace_mhz", round(cycles / t_trace / 1e6, 3), "MHz", cycles=cycles),
        measure("execute_seconds", round(t_exec, 3), "s"),
        measure("trace_record_seconds", round(t1 - t0, 3), "s"),
        measure("trace_assemble_seconds", round(t2 - t1, 3), "s"),
        measure("guest_cycles", cycles, "cycles"),
        measure("peak_rss", round(peak_rss_gib_self(), 3), "GiB"),
    ]
