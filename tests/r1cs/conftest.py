"""Helpers shared by the R1CS gadget tests."""

from __future__ import annotations

from collections.abc import Callable

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
