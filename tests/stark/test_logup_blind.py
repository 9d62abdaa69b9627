"""LogUp blinding: the published per-table LogUp sums do not let anyone test a guessed witness
against a proof (the "guessed-input attack"), while a prover whose blinds do not cancel, or a
tampered published sum, is rejected."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from zkrv_prover.stark.air import debug, logup
from zkrv_prover.stark.air.air import Air, AirBuilder, Expr, Machine, Op, compile_machine
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.examples import multi_table, range_check
from zkrv_prover.stark.field.arith import VerificationError
from zkrv_prover.stark.field.field import EXT_DEGREE, P
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol.prover import ProverError, StarkProof, VerifyingKey, keygen, prove
from zkrv_prover.stark.protocol.testing import genuine_logup_sums, unchecked_prover
from zkrv_prover.stark.protocol.verifier import verify

FAST = PcsParams(num_queries=6, pow_bits=1)
NIBBLE_BUS = 5


class PinAir(Air):
    """A secret 4-digit hex PIN, one digit per row, each range-checked on the nibble bus. The
    statement (no public values) is only "I know 4 nibbles": every PIN is a valid witness."""

    name = "pin"
    main_width = 1

    def eval(self, b: AirBuilder) -> None:
        (d,) = b.main_local
        b.send(NIBBLE_BUS, [d])


class NibblesAir(Air):
    """The nibbles 0..15 (preprocessed) with their multiplicities (main)."""

    name = "nibbles"
    main_width = 1
    preprocessed_width = 1

    def eval(self, b: AirBuilder) -> None:
        b.receive(NIBBLE_BUS, [b.pre_local[0]], b.main_local[0])

    def preprocessed_trace(self) -> np.ndarray:
        return np.arange(16, dtype=np.uint32)[:, None]


def pin_machine() -> Machine:
    return Machine([PinAir(), NibblesAir()], name="pin")


def pin_traces(pin: str) -> list[np.ndarray]:
    digits = np.array([int(c, 16) for c in pin], dtype=np.uint32)
    return [digits[:, None], np.bincount(digits, minlength=16).astype(np.uint32)[:, None]]


def genuine_sums(
    vk: VerifyingKey, proof: StarkProof, guess: list[np.ndarray]
) -> list[tuple[int, ...]]:
    """The attack: the LogUp sums L_t of a guessed witness at the proof's challenges."""
    return genuine_logup_sums(vk, proof, [], guess)


def zero_blinds(vk: VerifyingKey, traces: list[np.ndarray]) -> list[np.ndarray]:
    """What the unblinded construction committed (it published cumsum_t = L_t)."""
    return [np.zeros((traces[t].shape[0], EXT_DEGREE), np.uint32) for t in vk.logup_tables]


def test_guessed_pin_attack_works_without_blinding_and_fails_with_it() -> None:
    vk = keygen(pin_machine(), FAST)
    secret, wrong = "4a7c", "4a7d"
    witness = pin_traces(secret)
    rng = FieldRng.seeded(1)

    # the unblinded construction: the correct guess reproduces every published sum, a wrong
    # one does not, so a receipt tells the secret apart from any other PIN
    leaky = prove(vk, witness, [], rng, blinds=zero_blinds(vk, witness))
    verify(vk, [], leaky)
    assert genuine_sums(vk, leaky, pin_traces(secret)) == list(leaky.cumsums)
    assert genuine_sums(vk, leaky, pin_traces(wrong)) != list(leaky.cumsums)

    # blinded (the prover's default): both guesses give sums unrelated to the published ones
    for seed in range(3):
        proof = prove(vk, witness, [], FieldRng.seeded(seed))
        verify(vk, [], proof)
        for guess in (secret, wrong):
            sums = genuine_sums(vk, proof, pin_traces(guess))
            assert all(s != c for s, c in zip(sums, proof.cumsums, strict=True)), guess
        total = np.sum(np.array(proof.cumsums, dtype=np.int64), axis=0) % P
        assert not total.any()  # only the total, zero, is revealed


def test_blinded_sums_are_fresh_per_proof() -> None:
    # the published sums of one witness differ from proof to proof (uniform b_t), while the
    # genuine sums at each proof's challenges are what they are
    vk = keygen(pin_machine(), FAST)
    witness = pin_traces("0000")
    sums = {tuple(prove(vk, witness, [], FieldRng.seeded(s)).cumsums[0]) for s in range(4)}
    assert len(sums) == 4


def test_without_zk_sums_are_unblinded() -> None:
    # non-zk proofs hide nothing anyway: their blinds are zero (same layout, same verifier)
    params = PcsParams(num_queries=6, pow_bits=1, zk=False)
    vk = keygen(pin_machine(), params)
    witness = pin_traces("1234")
    proof = prove(vk, witness, [], FieldRng.seeded(0))
    verify(vk, [], proof)
    assert genuine_sums(vk, proof, witness) == list(proof.cumsums)


@pytest.mark.parametrize("zk", [True, False])
def test_multi_table_completeness(zk: bool) -> None:
    params = PcsParams(num_queries=6, pow_bits=1, zk=zk)
    vk = keygen(multi_table.machine(), params)
    traces, pub = multi_table.trace()
    assert [lay.main_width - lay.witness_width for lay in vk.layouts] == [EXT_DEGREE] * 3
    verify(vk, pub, prove(vk, traces, pub, FieldRng.seeded(5)))


def _honest_blinds(vk: VerifyingKey, traces: list[np.ndarray], seed: int) -> list[np.ndarray]:
    from zkrv_prover.stark.air import zk

    drawn = zk.logup_blinds(vk.params, len(vk.logup_tables), FieldRng.seeded(seed))
    return [
        logup.blind_column(traces[t].shape[0], b)
        for t, b in zip(vk.logup_tables, drawn, strict=True)
    ]


def test_blinds_on_any_rows_that_cancel_verify() -> None:
    # the constraints add every row's blind: mass moved between rows and tables is fine as long
    # as the total is zero
    vk = keygen(multi_table.machine(), FAST)
    traces, pub = multi_table.trace()
    blinds = _honest_blinds(vk, traces, 0)
    blinds[0][3] = np.arange(EXT_DEGREE) + 7
    blinds[1][2] = (-blinds[0][3].astype(np.int64)) % P
    verify(vk, pub, prove(vk, traces, pub, FieldRng.seeded(1), blinds=blinds))


@pytest.mark.parametrize(("table", "row"), [(0, 0), (1, 0), (0, 5), (2, 255)])
def test_blinds_that_do_not_cancel_are_rejected(table: int, row: int) -> None:
    vk = keygen(multi_table.machine(), FAST)
    traces, pub = multi_table.trace()
    blinds = _honest_blinds(vk, traces, 0)
    blinds[table][row, 1] = (int(blinds[table][row, 1]) + 1) % P
    with pytest.raises(ProverError, match="blinds do not sum to zero"):
        prove(vk, traces, pub, FieldRng.seeded(1), blinds=blinds)
    with unchecked_prover():
        proof = prove(vk, traces, pub, FieldRng.seeded(1), blinds=blinds)
    with pytest.raises(VerificationError):
        verify(vk, pub, proof)


def test_tampered_published_sums_are_rejected() -> None:
    vk = keygen(multi_table.machine(), FAST)
    traces, pub = multi_table.trace()
    proof = prove(vk, traces, pub, FieldRng.seeded(2))
    verify(vk, pub, proof)
    # one sum changed: the balance check fails
    bad = copy.deepcopy(proof)
    c0 = bad.cumsums[0]
    bad.cumsums[0] = ((c0[0] + 1) % P, *c0[1:])
    with pytest.raises(VerificationError):
        verify(vk, pub, bad)
    # two sums changed so that the total stays zero (as if the blinds were re-split after the
    # commitment): each table's sum is bound to its committed columns (logup_last)
    c1 = bad.cumsums[1]
    bad.cumsums[1] = ((c1[0] - 1) % P, *c1[1:])
    with pytest.raises(VerificationError):
        verify(vk, pub, bad)


def test_blind_constraints_catch_mutated_blind_cells() -> None:
    # with the aux trace of the honest blind, a changed blind cell breaks the running sum's
    # step on its row, the last row (where the step wraps around through the cumsum) included
    lay = compile_machine(range_check.machine())[0]
    traces, pub = range_check.trace()
    n = traces[0].shape[0]
    rng = np.random.default_rng(3)
    blind = rng.integers(0, P, size=(n, EXT_DEGREE), dtype=np.uint32)
    full = logup.with_blind(lay, traces[0], blind)
    alpha, beta = (rng.integers(0, P, size=EXT_DEGREE, dtype=np.uint32) for _ in range(2))
    ch = np.stack([alpha, beta]).astype(np.uint64)
    aux, cs = logup.aux_trace(lay, full, lay.preprocessed, pub, alpha, beta)
    assert debug.table_failures(lay, full, pub, aux, ch, cs) == []
    assert lay.blind_col is not None
    for row, name in ((0, "logup_step"), (n // 2, "logup_step"), (n - 1, "logup_step")):
        bad = full.copy()
        col = lay.blind_col + row % EXT_DEGREE
        bad[row, col] = (int(bad[row, col]) + 1) % P
        fails = debug.table_failures(lay, bad, pub, aux, ch, cs)
        assert [(f.constraint, f.row) for f in fails] == [(name, row)]


def test_layout_and_ext_basis() -> None:
    lays = compile_machine(multi_table.machine())
    for lay, air in zip(lays, multi_table.machine().tables, strict=True):
        assert lay.witness_width == air.main_width == lay.blind_col
        assert lay.main_width == air.main_width + EXT_DEGREE
    x = Expr.ext_basis(1)
    assert x.op == Op.EXT_BASIS and x.is_ext and x.degree == 0
    with pytest.raises(ValueError):
        Expr.ext_basis(EXT_DEGREE)
    # tables without interactions have no blind
    from zkrv_prover.stark.examples import fibonacci

    (fib,) = compile_machine(fibonacci.machine())
    assert fib.blind_col is None and fib.witness_width == fib.main_width


def test_malformed_blinds_are_refused() -> None:
    vk = keygen(multi_table.machine(), FAST)
    traces, pub = multi_table.trace()
    blinds = _honest_blinds(vk, traces, 0)
    for bad in (blinds[:2], [blinds[0][:4], *blinds[1:]], [blinds[0] + np.uint32(P), *blinds[1:]]):
        with pytest.raises(ProverError):
            prove(vk, traces, pub, FieldRng.seeded(1), blinds=bad)
