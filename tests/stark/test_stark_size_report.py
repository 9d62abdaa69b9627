"""Proof size breakdown: the categories account for every serialized byte, and the big ones are
charged to the right round (cross-checked against widths from the verifying key)."""

from __future__ import annotations

import pytest

from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.examples import multi_table
from zkrv_prover.stark.field.field import EXT_DEGREE, EXT_ZERO
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol.proof import encode_proof
from zkrv_prover.stark.protocol.prover import keygen, opening_points, prove
from zkrv_prover.stark.protocol.size_report import (
    BASE,
    EXT,
    format_table,
    group_totals,
    proof_size_breakdown,
    round_names,
    total_bytes,
)


@pytest.mark.parametrize(
    "params",
    [
        PcsParams(num_queries=3, pow_bits=1),
        PcsParams(num_queries=2, pow_bits=0, zk=False),
        PcsParams(num_queries=2, pow_bits=2, log_cap=0, merkle_arity=2),
    ],
)
def test_categories_sum_to_the_serialized_size(params: PcsParams) -> None:
    vk = keygen(multi_table.machine(), params)
    traces, pub = multi_table.trace(4, 2)
    proof = prove(vk, traces, pub, FieldRng.seeded(5))
    sizes = proof_size_breakdown(vk, proof)
    assert total_bytes(sizes) == len(encode_proof(vk, proof))
    assert all(n > 0 for n in sizes.values())
    assert round_names(vk) == ["preprocessed", "main", "aux", "quotient"]
    # query leaf rows: every table's full row of each round, once per query
    q = params.num_queries
    main_w = sum(lay.main_width for lay in vk.layouts)
    pre_w = sum(lay.pre_width for lay in vk.layouts if lay.preprocessed is not None)
    aux_w = sum(EXT_DEGREE * lay.aux_width for lay in vk.layouts if lay.has_logup)
    zk_extra = sizes.get("query_rows/zk_random", 0) // (q * BASE)
    assert zk_extra in ((EXT_DEGREE,) if params.zk else (0,))
    assert sizes["query_rows/preprocessed"] == q * BASE * pre_w
    assert sizes["query_rows/aux"] == q * BASE * aux_w
    assert sizes["query_rows/main"] == q * BASE * main_w
    assert ("salts/main" in sizes) == params.zk
    assert ("pow" in sizes) == bool(params.pow_bits)
    # out-of-domain values: every main column at zeta (and zeta h where the table reads the
    # next row); the quotient chunks at zeta only
    _, main_pts, _, _ = opening_points(vk, proof.log_heights, EXT_ZERO)
    expect = sum(lay.main_width * len(p) for lay, p in zip(vk.layouts, main_pts, strict=True))
    assert sizes["opened/main"] == EXT * expect
    groups = group_totals(sizes)
    assert sum(groups.values()) == sum(sizes.values())
    assert set(groups) >= {"header", "roots", "opened", "query_rows", "siblings", "fri_rows"}
    table = format_table(sizes)
    assert table.splitlines()[-1].startswith("| **total** |")
    assert len(table.splitlines()) == len(sizes) + 3
