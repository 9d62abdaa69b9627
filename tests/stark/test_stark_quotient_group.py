"""Quotients batched per height (``quotient.quotient_groups``, ``ood.check_group``): tables of
equal height share one quotient. Completeness for equal and different heights (with and without
LogUp, fixed and variable-height verifier), and soundness: a violated constraint in any member
of a group is caught, tampered quotient openings are rejected, the member order is bound."""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
import pytest

from zkrv_prover.stark.air import quotient
from zkrv_prover.stark.air.air import Air, AirBuilder, Machine
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.examples import multi_table
from zkrv_prover.stark.field.arith import VerificationError
from zkrv_prover.stark.field.field import EXT_DEGREE, P
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol import verifier
from zkrv_prover.stark.protocol.proof import decode_proof, encode_proof
from zkrv_prover.stark.protocol.prover import StarkProof, VerifyingKey, keygen, mask_plan, prove
from zkrv_prover.stark.protocol.testing import unchecked_prover
from zkrv_prover.stark.protocol.verifier import _round_shapes, height_offset, verify

FAST = PcsParams(num_queries=6, pow_bits=1)


class CubeAir(Air):
    """Degree 3: y' = y + x^3 on transitions, y = public[0] on the first row."""

    name = "cube"
    main_width = 2

    def eval(self, b: AirBuilder) -> None:
        x, y = b.main_local
        _, y_next = b.main_next
        b.when_first_row().assert_eq(y, b.public[0], "y0")
        b.when_transition().assert_eq(y_next, y + x * x * x, "cube_step")


class SquareAir(Air):
    """Degree 2: b = a^2 on every row."""

    name = "square"
    main_width = 2

    def eval(self, b: AirBuilder) -> None:
        a, sq = b.main_local
        b.assert_eq(sq, a * a, "square")


class ShiftAir(Air):
    """Degree 1 (with the transition selector): u' = v."""

    name = "shift"
    main_width = 2

    def eval(self, b: AirBuilder) -> None:
        _, v = b.main_local
        u_next, _ = b.main_next
        b.when_transition().assert_eq(u_next, v, "shift")


def _machine() -> Machine:
    return Machine([CubeAir(), SquareAir(), ShiftAir()], num_public_values=1, name="groups")


def _traces(logs: tuple[int, int, int], seed: int = 5) -> tuple[list[np.ndarray], list[int]]:
    rng = np.random.default_rng(seed)
    n0, n1, n2 = (1 << lg for lg in logs)
    x = rng.integers(0, P, n0, dtype=np.uint64)
    y = np.zeros(n0, dtype=np.uint64)
    y[0] = 7
    for i in range(1, n0):  # tiny test tables: a scalar loop is fine here
        y[i] = (int(y[i - 1]) + pow(int(x[i - 1]), 3, P)) % P
    a = rng.integers(0, P, n1, dtype=np.uint64)
    uv = rng.integers(0, P, (n2, 2), dtype=np.uint64)
    uv[1:, 0] = uv[:-1, 1]
    traces = [
        np.stack([x, y], axis=1),
        np.stack([a, a * a % np.uint64(P)], axis=1),
        uv,
    ]
    return [t.astype(np.uint32) for t in traces], [7]


@pytest.fixture(scope="module")
def vk() -> VerifyingKey:
    return keygen(_machine(), FAST)


def _quotient_widths(vk: VerifyingKey, logs: list[int]) -> list[int]:
    return [s.width for s in _round_shapes(vk, logs)[-1][0]]


def test_groups_are_tables_of_equal_height_in_table_order() -> None:
    assert quotient.quotient_groups([4, 4, 4]) == [[0, 1, 2]]
    assert quotient.quotient_groups([5, 3, 5, 3, 7]) == [[0, 2], [1, 3], [4]]
    assert quotient.quotient_groups([]) == []


@pytest.mark.parametrize("logs", [(4, 4, 4), (4, 5, 4), (5, 4, 3), (4, 4, 5)])
def test_completeness_equal_and_different_heights(
    vk: VerifyingKey, logs: tuple[int, int, int]
) -> None:
    traces, pub = _traces(logs)
    proof = prove(vk, traces, pub, FieldRng.seeded(1))
    verify(vk, pub, proof)
    assert decode_proof(vk, encode_proof(vk, proof)) == proof
    groups = quotient.quotient_groups(list(logs))
    assert len(proof.opened[-1]) == len(groups)  # one quotient matrix per height
    # a group's chunk count is its largest member degree's
    for g, width in zip(groups, _quotient_widths(vk, list(logs)), strict=True):
        mp = mask_plan(FAST, 1 << logs[g[0]])
        deg = max(vk.layouts[t].degree for t in g)
        assert width == EXT_DEGREE * quotient.num_chunks(deg, mp.n, mp.degree_bound)


def test_grouping_shrinks_the_quotient_round(vk: VerifyingKey) -> None:
    """Three equal-height tables: one quotient of the cube's chunk count instead of three."""
    mp = mask_plan(FAST, 1 << 4)
    per_table = sum(
        EXT_DEGREE * quotient.num_chunks(lay.degree, mp.n, mp.degree_bound) for lay in vk.layouts
    )
    (grouped,) = _quotient_widths(vk, [4, 4, 4])
    assert grouped == EXT_DEGREE * quotient.num_chunks(3, mp.n, mp.degree_bound) < per_table


@pytest.mark.parametrize(("table", "row", "col"), [(0, 3, 1), (0, 0, 1), (1, 9, 1), (2, 6, 0)])
def test_violated_constraint_in_any_member_is_caught(
    vk: VerifyingKey, table: int, row: int, col: int
) -> None:
    """All three tables in one group: a wrong cell in any of them (cube step, first-row value,
    square, shift) proven with the prover's checks off fails the group's identity at zeta."""
    traces, pub = _traces((4, 4, 4))
    traces[table][row, col] = (int(traces[table][row, col]) + 1) % P
    with unchecked_prover():
        cheat = prove(vk, traces, pub, FieldRng.seeded(3))
    with pytest.raises(VerificationError, match="constraints at zeta"):
        verify(vk, pub, cheat)


def test_checked_prover_names_the_failing_table(vk: VerifyingKey) -> None:
    from zkrv_prover.stark.protocol.prover import ProverError

    traces, pub = _traces((4, 4, 4))
    traces[1][2, 1] ^= 1
    with pytest.raises(ProverError, match="square"):
        prove(vk, traces, pub)


@pytest.fixture(scope="module")
def grouped_proof(vk: VerifyingKey) -> tuple[list[int], StarkProof]:
    traces, pub = _traces((4, 4, 3))
    return pub, prove(vk, traces, pub, FieldRng.seeded(2))


@pytest.mark.parametrize("where", ["ood_first", "ood_last", "query_row", "query_last"])
def test_tampered_quotient_openings_rejected(
    vk: VerifyingKey, grouped_proof: tuple[list[int], StarkProof], where: str
) -> None:
    pub, proof = grouped_proof
    verify(vk, pub, proof)
    bad = copy.deepcopy(proof)
    quo = len(bad.opened) - 1
    if where.startswith("ood"):
        g = 0 if where == "ood_first" else -1
        v = list(bad.opened[quo][g][0][-1])
        v[1] = (v[1] + 1) % P
        bad.opened[quo][g][0][-1] = tuple(v)  # type: ignore[call-overload]
    else:
        q = bad.pcs_proof.queries[0 if where == "query_row" else -1]
        row = q.inputs[quo].rows[0]
        row[0] = (row[0] + 1) % P
    with pytest.raises(VerificationError):
        verify(vk, pub, bad)


def test_member_order_is_bound(
    vk: VerifyingKey,
    grouped_proof: tuple[list[int], StarkProof],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The verifier must combine the members in the prover's order (gamma powers differ)."""
    pub, proof = grouped_proof
    real = quotient.quotient_groups

    def reversed_members(log_heights: list[int]) -> list[list[int]]:
        return [list(reversed(g)) for g in real(log_heights)]

    monkeypatch.setattr(verifier, "quotient_groups", reversed_members)
    with pytest.raises(VerificationError, match="constraints at zeta"):
        verify(vk, pub, proof)


def _multi(log: int) -> tuple[list[np.ndarray], list[int]]:
    """multi_table traces with ops and adder at 2^log rows: the adder (at most 2^7 distinct
    sums) is padded with zero rows of multiplicity 0, whose c = 0 the byte table receives."""
    traces, pub = multi_table.trace(log, 7)
    pad = (1 << log) - traces[1].shape[0]
    traces[1] = np.concatenate([traces[1], np.zeros((pad, 4), dtype=np.uint32)])
    traces[2][0, 0] += pad
    return traces, pub


def test_logup_tables_in_one_group() -> None:
    """multi_table with every table at 2^8 (the preprocessed byte table's height): one group
    holding LogUp tables of different degrees; a violated s_bool that keeps the buses balanced
    (s = 2 sends twice, the adder receives once more) fails the group identity."""
    mvk = keygen(multi_table.machine(), FAST)
    traces, pub = _multi(8)
    assert quotient.quotient_groups([8, 8, 8]) == [[0, 1, 2]]
    verify(mvk, pub, prove(mvk, traces, pub, FieldRng.seeded(4)))
    ops, adder = traces[0], traces[1]
    row = int(np.flatnonzero(ops[:, 3] == 1)[0])
    match = np.flatnonzero((adder[:, 0] == ops[row, 0]) & (adder[:, 1] == ops[row, 1]))
    ops[row, 3] = 2
    adder[match[0], 3] += 1
    with unchecked_prover():
        cheat = prove(mvk, traces, pub, FieldRng.seeded(5))
    with pytest.raises(VerificationError, match="constraints at zeta"):
        verify(mvk, pub, cheat)


def test_variable_height_verifier_with_groups() -> None:
    """Variable tables (ops, adder) share one height and form one group; the fixed 2^8 byte
    table is its own group (heights in the range are above it). 3 queries: 2^10 rows are then
    masked at their own height (zk.plan: 2 * 3 + 2 EXT_DEGREE <= 2^10 / 64), like 2^11."""
    mvk = keygen(multi_table.machine(), replace(FAST, num_queries=3))
    assert height_offset(mvk, 10, 11) >= 0
    with pytest.raises(ValueError, match="fixed table 'bytes'"):
        height_offset(mvk, 8, 8)
    for lg in (10, 11):
        traces, pub = _multi(lg)
        proof = prove(mvk, traces, pub, FieldRng.seeded(lg))
        assert len(proof.opened[-1]) == 2
        verify(mvk, pub, proof, height_range=(10, 11))
        bad = copy.deepcopy(proof)
        v = list(bad.opened[-1][0][0][0])
        v[0] = (v[0] + 1) % P
        bad.opened[-1][0][0][0] = tuple(v)  # type: ignore[call-overload]
        with pytest.raises(VerificationError):
            verify(mvk, pub, bad, height_range=(10, 11))
