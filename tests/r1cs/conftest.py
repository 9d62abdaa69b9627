"""Helpers shared by the R1CS gadget tests."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from zkrv_prover.r1cs.builder import ConstraintSystem
from zkrv_prover.r1cs.check import first_unsatisfied, unpinned_vars


def _every_var_pinned(cs: ConstraintSystem, first_var: int = 1) -> list[int]:
    """Variables >= first_var whose +1 corruption leaves the system satisfied (should be [])."""
    r1cs = cs.to_r1cs()
    w = cs.witness()
    assert first_unsatisfied(r1cs, w) is None
    assert cs.n_public == 0  # exported order == allocation order
    return unpinned_vars(r1cs, w, range(first_var, cs.n_vars))


@pytest.fixture
def every_var_pinned() -> Callable[[ConstraintSystem, int], list[int]]:
    return _every_var_pinned


def satisfied(cs: ConstraintSystem) -> bool:
    return first_unsatisfied(cs.to_r1cs(), cs.witness()) is None


@pytest.fixture
def is_satisfied() -> Callable[[ConstraintSystem], bool]:
    return satisfied


@pytest.fixture(scope="session")
def wrap_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Groth16 proving-key cache directory shared by the xdist workers of this session."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    path = root / "wrap-groth16-cache"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(scope="session")
def wrapped_fib(wrap_cache: Path) -> tuple[object, object]:
    """(case, WrappedProof) of the small fibonacci STARK; the first worker runs the (slow) dev
    setup under a file lock, the others then hit the key cache."""
    from r1cs_wrap_cases import WRAP_PROGRESS, fib_case

    from zkrv_prover.progress import Recorder, reporting
    from zkrv_prover.r1cs.wrap import wrap

    with open(wrap_cache / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        case = fib_case()
        rec = Recorder()  # the wrap's progress stages, checked in test_r1cs_wrap_groth16.py
        with reporting(rec):
            wp = wrap(*case, cache=wrap_cache, seed=3)
        WRAP_PROGRESS[:] = rec.totals()
        return case, wp
