"""Segment proving on Ray (``zkrv.prove(..., ray=ADDRESS)``, ``segment_workers``): a local Ray
instance proves a two-segment execution into a receipt that verifies with the claim of local
proving; a worker that dies mid-segment is retried and the results keep segment order.

One test, so that one Ray instance runs at a time under pytest-xdist."""

from __future__ import annotations

from pathlib import Path

import pytest
import zkvm_util
from zkvm_util import asm, dies_once, image_of

import zkrv
from zkrv.receipt import SegmentedReceipt
from zkrv_prover.executor import execute
from zkrv_prover.zkvm.segment_workers import prove_jobs

ray = pytest.importorskip("ray")


class _Count:
    def __init__(self) -> None:
        self.stages: list[tuple[str, int]] = []
        self.done = 0

    def stage(self, name: str, total: int) -> None:
        self.stages.append((name, total))

    def advance(self, n: int = 1) -> None:
        self.done += n


@pytest.mark.slow
def test_ray_proves_segments_and_retries_lost_workers(tmp_path: Path) -> None:
    from zkrv_prover.progress import reporting

    img = image_of([asm.i("addi", 5, 5, 1)] * 100)
    r = zkrv.prove(img, segment_po2=6, ray="local", jobs=2)
    assert isinstance(r, SegmentedReceipt) and r.segments == 2
    res = execute(img, b"", trace=False)
    r.verify(zkrv.image_id(img), res.journal)
    assert not ray.is_initialized()  # the instance zkrv started is shut down

    # Ships the stand-in by value: Ray workers cannot import the test helpers.
    ray.cloudpickle.register_pickle_by_value(zkvm_util)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        jobs = [(i, str(tmp_path / f"m{i}") if i in (1, 3) else None) for i in range(5)]
        bar = _Count()
        with reporting(bar):
            out = prove_jobs(dies_once, img, b"in", jobs, ((0,) * 4, (0,) * 4), ray="auto")
        assert out == [("proof", i, b"in") for i in range(5)]
        assert (tmp_path / "m1").exists() and (tmp_path / "m3").exists()  # they did die once
        assert bar.stages == [("segments", 5)] and bar.done == 5
        assert ray.is_initialized()  # a caller's instance is left running
    finally:
        ray.shutdown()
