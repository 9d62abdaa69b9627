#!/usr/bin/env python3
"""Per-stage time and peak memory of one STARK proof (a development tool, not a benchmark).

    scripts/prover_stages.py zkvm LOG       the sort guest at just under 2^LOG cycles
    scripts/prover_stages.py bench LOG [ZK] the benchmark AIR at 2^LOG rows (ZK = 0 or 1)

The prover's stage functions (commitments, LogUp aux traces, quotient evaluation and split,
DEEP openings, FRI) are wrapped in place; a sampler thread reads this process's resident set
every 5 ms and charges it to every running stage. Prints one row per stage: calls, wall
seconds and process CPU seconds (all threads; inclusive of nested stages), RSS when it was first
entered and the peak RSS while it (or a nested stage) ran, in GiB. Peak figures are sampled, so
spikes shorter than a few ms can be missed; the process's true peak (ru_maxrss) is printed last.
"""

from __future__ import annotations

import functools
import os
import resource
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE


class StageMeter:
    """Stage stack plus an RSS sampler thread."""

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.order: list[str] = []
        self.calls: dict[str, int] = {}
        self.secs: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.rss0: dict[str, int] = {}
        self.peak: dict[str, int] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            r = _rss()
            with self._lock:
                for s in self.stack:  # charge every enclosing stage
                    self.peak[s] = max(self.peak[s], r)

    def wrap(self, owner: Any, attr: str, label: str) -> None:
        """Wrap ``owner.attr`` (skipped when the prover version at hand has no such function)."""
        if not hasattr(owner, attr):
            return
        fn: Callable[..., Any] = getattr(owner, attr)

        @functools.wraps(fn)
        def inner(*args: Any, **kwargs: Any) -> Any:
            r = _rss()
            with self._lock:
                if label not in self.calls:
                    self.order.append(label)
                    self.calls[label], self.secs[label], self.cpu[label] = 0, 0.0, 0.0
                    self.rss0[label], self.peak[label] = r, r
                self.calls[label] += 1
                self.stack.append(label)
            t0, c0 = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                dt, dc = time.perf_counter() - t0, time.process_time() - c0
                r = _rss()
                with self._lock:
                    self.secs[label] += dt
                    self.cpu[label] += dc
                    self.peak[label] = max(self.peak[label], r)
                    self.stack.pop()

        setattr(owner, attr, inner)

    def report(self) -> str:
        g = 2**30
        head = f"{'stage':34s} {'calls':>5s} {'wall s':>8s} {'cpu s':>8s} {'rss0 GiB':>9s}"
        lines = [f"{head} {'peak GiB':>9s}"]
        for s in self.order:
            lines.append(
                f"{s:34s} {self.calls[s]:5d} {self.secs[s]:8.2f} {self.cpu[s]:8.2f} "
                f"{self.rss0[s] / g:9.2f} {self.peak[s] / g:9.2f}"
            )
        lines.append(f"process peak (ru_maxrss): {resource.getrusage(0).ru_maxrss / 2**20:.2f} GiB")
        return "\n".join(lines)


def instrument(meter: StageMeter) -> None:
    """Wrap the prover's stage functions (module attributes the prover calls through)."""
    from zkrv_prover.stark.air import logup, quotient
    from zkrv_prover.stark.commit import fri, mmcs, pcs
    from zkrv_prover.stark.field import ntt
    from zkrv_prover.stark.protocol import prover as pv

    meter.wrap(pv, "prove", "prove")
    for name in ("commit_evals", "commit_coeffs"):
        meter.wrap(pcs, name, f"{name} (all rounds)")
    meter.wrap(ntt, "intt", "intt")
    meter.wrap(pcs, "lde_bitrev", "  commit: lde_bitrev")
    meter.wrap(mmcs, "commit", "  commit: merkle")
    meter.wrap(logup, "aux_trace", "logup aux_trace")
    meter.wrap(pv, "_on_coset", "quotient: on_coset")
    meter.wrap(quotient, "QuotientLeaves", "quotient: leaves init")
    meter.wrap(quotient, "combined_quotient", "quotient: combined")
    meter.wrap(quotient, "quotient_coeffs", "quotient: interpolate (coset intt)")
    meter.wrap(quotient, "split_coeffs", "quotient: split and blind")
    meter.wrap(pcs, "open_rounds", "open_rounds")
    meter.wrap(pcs, "eval_coeffs_at_points", "  open: eval_coeffs_at_points")
    meter.wrap(pcs, "_dot_alpha", "  open: _dot_alpha")
    meter.wrap(fri, "commit_phase", "  open: fri commit")
    meter.wrap(pcs, "grind", "  open: grind")
    meter.wrap(mmcs, "open_indices", "  open: merkle openings")


def run_zkvm(log_cycles: int, meter: StageMeter) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    import tempfile

    from benchmarks.zkvm import _pick_n

    from zkrv.build import build
    from zkrv_prover.executor import execute
    from zkrv_prover.stark.protocol import prover as pv
    from zkrv_prover.zkvm.image_id import program_key
    from zkrv_prover.zkvm.machine import generate

    with tempfile.TemporaryDirectory() as d:
        elf = build([ROOT / "examples" / "guests" / "sort.c"], Path(d) / "sort.elf")
        n, cycles = _pick_n(elf, 1 << log_cycles)
        inp = n.to_bytes(4, "little")
        key = program_key(execute(elf, inp).image)
        res = execute(elf, inp, trace=True)
        assert res.trace is not None
        w = generate(key.tables, res.trace, key.vk.layouts)
        heights = {
            lay.air.name: int(t.shape[0]) for lay, t in zip(w.layouts, w.traces, strict=True)
        }
        print(f"cycles {cycles}, heights {heights}")
        instrument(meter)
        meter.start()
        pv.prove(key.vk, w.traces, w.public)


def run_bench(log_n: int, zk: bool, meter: StageMeter) -> None:
    from zkrv_prover.stark.commit.params import PcsParams
    from zkrv_prover.stark.examples.bench_air import machine, trace
    from zkrv_prover.stark.protocol import prover as pv

    vk = pv.keygen(machine(), PcsParams(zk=zk))
    traces, pub = trace(log_n)
    instrument(meter)
    meter.start()
    pv.prove(vk, traces, pub)


def main() -> int:
    if len(sys.argv) < 3 or sys.argv[1] not in ("zkvm", "bench"):
        print(__doc__)
        return 2
    meter = StageMeter()
    if sys.argv[1] == "zkvm":
        run_zkvm(int(sys.argv[2]), meter)
    else:
        run_bench(int(sys.argv[2]), len(sys.argv) < 4 or sys.argv[3] == "1", meter)
    meter.stop()
    print(meter.report())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
