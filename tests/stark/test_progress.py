"""Progress reporting inside the prover (:mod:`zkrv_prover.progress`): a recording reporter gets
stages in protocol order with advances summing to each stage's total, and reporting does not
change the proof."""

from __future__ import annotations

import pytest

from zkrv_prover import progress
from zkrv_prover.progress import Recorder, reporting
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.examples import multi_table
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol.proof import encode_proof
from zkrv_prover.stark.protocol.prover import keygen, prove
from zkrv_prover.stark.protocol.verifier import verify

#: small parameters; enough grinding bits for several batches (grind's batch is 2^6 at least)
PARAMS = PcsParams(num_queries=6, pow_bits=8)

EXPECTED_STAGES = [
    "check witness",
    "interpolate main",
    "commit main",
    "LogUp",
    "commit aux",
    "quotient",
    "commit quotient",
    "open values",
    "DEEP reduce",
    "FRI folding",
    "grinding",
    "queries",
]


def check_well_formed(rec: Recorder) -> None:
    """Every advance is positive and belongs to a stage; each stage's advances sum to its
    total."""
    assert rec.events and rec.events[0][0] == "stage"
    for ev in rec.events:
        if ev[0] == "advance":
            assert isinstance(ev[1], int) and ev[1] > 0
    for name, total, done in rec.totals():
        assert total >= 1 and done == total, (name, total, done)


def test_stark_prover_reports_every_stage_and_proofs_are_unchanged() -> None:
    vk = keygen(multi_table.machine(), PARAMS)
    traces, pub = multi_table.trace(5, 3)
    rec = Recorder()
    with reporting(rec):
        reported = prove(vk, traces, pub, FieldRng.seeded(7))
    plain = prove(vk, traces, pub, FieldRng.seeded(7))
    assert encode_proof(vk, reported) == encode_proof(vk, plain)
    verify(vk, pub, reported)
    assert [name for name, _, _ in rec.totals()] == EXPECTED_STAGES
    check_well_formed(rec)
    totals = {name: total for name, total, _ in rec.totals()}
    assert totals["quotient"] == len(traces)  # one unit per table
    assert totals["grinding"] == 4  # 2^8 nonces expected, batches of 2^6
    # a commitment: one LDE per matrix plus its Merkle units
    assert totals["commit main"] > len(traces)


def test_no_reporter_outside_the_block() -> None:
    rec = Recorder()
    with reporting(rec):
        progress.stage("inside", 2)
        progress.advance(2)
        with reporting(None):  # nested: reporting switched off
            progress.stage("hidden", 1)
        assert progress.active()
    progress.stage("outside", 1)
    progress.advance()
    assert not progress.active()
    assert rec.totals() == [("inside", 2, 2)]


def test_fraction_adapter_is_monotone_and_completes() -> None:
    assert progress.fraction_adapter("x") is None  # no reporter: no callback
    rec = Recorder()
    with reporting(rec):
        cb = progress.fraction_adapter("groth16 prove", units=100)
        assert cb is not None
        for phase, frac in [("quotient", 0.0), ("msm", 0.2), ("msm", 0.1), ("done", 1.0)]:
            cb(phase, frac)
    assert rec.events == [("stage", "groth16 prove", 100), ("advance", 20), ("advance", 80)]


@pytest.mark.native
def test_groth16_phases_through_the_adapter() -> None:
    from zkrv_prover.bn254 import groth16 as g
    from zkrv_prover.bn254.sample_r1cs import chain_r1cs

    r, w = chain_r1cs(8)
    rec = Recorder()
    with reporting(rec):
        pk = g.dev_setup(r, progress=progress.fraction_adapter("groth16 setup"), seed=1)
        g.prove(pk, r, w, progress=progress.fraction_adapter("groth16 prove"), seed=1)
    assert rec.totals() == [("groth16 setup", 100, 100), ("groth16 prove", 100, 100)]
    assert len(rec.events) > 4  # the engine reports between phases, not only at the end
