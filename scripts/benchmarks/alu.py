"""ALU tables: trace generation throughput and committed width per table (2^18 mixed events).

Events follow a CPU-like mix (mostly ADD, some logic/shift/compare, few M-extension ops) with
random operands, so nothing deduplicates: the worst case for the tables' heights. Reports the
time of ``alu_result`` + ``alu_traces`` + ``collect_lookups`` (the byte table's multiplicities),
and per table the committed base columns per row (main + EXT_DEGREE x aux extension columns).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from benchmarks._util import measure  # noqa: E402

LOG_EVENTS = 18
#: Relative frequency of AluOp 1..18 (ADD .. REMU).
MIX = [40, 4, 2, 2, 3, 3, 2, 1, 2, 2, 1, 0.3, 0.1, 0.3, 0.2, 0.2, 0.2, 0.2]


def run() -> list[dict[str, Any]]:
    from zkrv_prover.stark.air.air import Machine, compile_machine
    from zkrv_prover.stark.field.field import EXT_DEGREE
    from zkrv_prover.zkvm.alu import ALU_TABLES, AluEvents, alu_result, alu_traces
    from zkrv_prover.zkvm.bytes import ByteTable, collect_lookups

    rng = np.random.default_rng(0)
    n = 1 << LOG_EVENTS
    p = np.array(MIX) / sum(MIX)
    op = rng.choice(np.arange(1, 19), size=n, p=p).astype(np.uint32)
    b = rng.integers(0, 2**32, size=n, dtype=np.uint64).astype(np.uint32)
    c = rng.integers(0, 2**32, size=n, dtype=np.uint64).astype(np.uint32)
    lays = compile_machine(Machine([*ALU_TABLES, ByteTable()]))
    t0 = time.perf_counter()
    alu_result(op, b, c)
    traces = alu_traces(AluEvents.of(op, b, c))
    t_gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    trs = [traces[t.name] for t in ALU_TABLES]
    collect_lookups(lays, [*trs, None], []).trace()
    t_lookups = time.perf_counter() - t0
    out = [
        measure(f"alu_tracegen_seconds_2e{LOG_EVENTS}", round(t_gen, 3), "s"),
        measure(f"alu_lookup_count_seconds_2e{LOG_EVENTS}", round(t_lookups, 3), "s"),
        measure(
            f"alu_tracegen_mevents_per_s_2e{LOG_EVENTS}",
            round(n / (t_gen + t_lookups) / 1e6, 3),
            "Mevents/s",
        ),
    ]
    for lay in lays:
        rows = traces[lay.air.name].shape[0] if lay.air.name in traces else 1 << 16
        out.append(
            measure(
                f"{lay.air.name}_committed_columns",
                lay.main_width + EXT_DEGREE * lay.aux_width,
                "columns",
                main=lay.main_width,
                aux_ext=lay.aux_width,
                degree=lay.degree,
                rows=rows,
            )
        )
    return out
