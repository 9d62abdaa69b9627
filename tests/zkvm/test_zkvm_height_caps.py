"""The zkVM's height caps refer to the STARK verifier's (``params.MAX_LOG_HEIGHT``)."""

from __future__ import annotations

from zkrv_prover.stark.commit.params import MAX_LOG_HEIGHT
from zkrv_prover.zkvm import image_id, machine


def test_zkvm_caps_are_within_the_verifier_cap() -> None:
    assert machine.LOG_MAX_TABLE == MAX_LOG_HEIGHT
    assert image_id.MAX_LOG_TABLE == MAX_LOG_HEIGHT
    assert machine.LOG_MAX_CYCLES <= MAX_LOG_HEIGHT
