"""The soundness calculator (stark/protocol/soundness.py): formulas against independent arithmetic,
a published soundcalc report replayed, monotonicity, shapes against the verifier, and the target."""

from __future__ import annotations

import math

import pytest

from zkrv_prover.bn254.constants import R
from zkrv_prover.stark.air.air import compile_machine
from zkrv_prover.stark.commit.hash_scheme import scheme_of
from zkrv_prover.stark.commit.params import TARGET_SECURITY_BITS, PcsParams
from zkrv_prover.stark.examples import bench_air
from zkrv_prover.stark.protocol import soundness as sc
from zkrv_prover.stark.protocol.prover import VerifyingKey
from zkrv_prover.stark.protocol.verifier import _round_shapes
from zkrv_prover.zkvm.image_id import zkvm_params

BB = 2**31 - 2**27 + 1
#: The hand computations below use |F| = p^4 whatever the field module's degree.
BB4 = sc.ExtensionField(BB, 4)
RHO_ZK8 = (1 + 2**-6) / 8


def one_table_shape(
    log_n: int, batch: int, constraints: int = 10, degree: int = 3
) -> sc.ProofShape:
    """A single-height shape without zk (committed degree bound = rows)."""
    return sc.ProofShape(
        name="synthetic",
        table_log_heights=(log_n,),
        num_columns=batch,
        num_constraints=constraints,
        groups=(sc.QuotientGroup(log_n, log_n, 1 << log_n, degree),),
        batch=((log_n, batch),),
        ood_points=2,
        logup_fractions=3 << log_n,
        logup_tuple_len=5,
    )


# -- (a) hand-computed formula evaluations -------------------------------------------------------


def test_rate_is_the_relaxed_zk_rate() -> None:
    assert sc.rate(PcsParams()) == pytest.approx(RHO_ZK8)
    assert sc.rate(PcsParams(zk=False, log_blowup=4)) == 1 / 16


@pytest.mark.parametrize("m", [3, 5, 16])
def test_jbr_query_phase_by_hand(m: int) -> None:
    params = PcsParams(num_queries=28, pow_bits=17)
    shape = sc.zkvm_max_shape(params)
    rep = sc.security_report(params, shape, sc.JohnsonBound(m))
    eta = math.sqrt(RHO_ZK8) / (2 * m)
    expect = -28 * math.log2(math.sqrt(RHO_ZK8) + eta) + 17
    assert rep.bits("FRI query phase") == pytest.approx(expect)
    assert rep.regime == f"JBR(m={m})"


def test_udr_query_and_batching_by_hand() -> None:
    params = PcsParams(zk=False, num_queries=40, pow_bits=10)
    shape = one_table_shape(20, batch=100)
    rep = sc.security_report(params, shape, sc.UniqueDecoding(), BB4)
    rho = 1 / 8
    assert rep.bits("FRI query phase") == pytest.approx(-40 * math.log2((1 + rho) / 2) + 10)
    eps = ((1 - rho) / 2 * 2**23 + 1) / BB**4
    assert rep.bits("FRI batching (powers)") == pytest.approx(-math.log2(99 * eps))
    ind = sc.security_report(params, shape, sc.UniqueDecoding(), BB4, "independent")
    assert ind.bits("FRI batching (independent)") == pytest.approx(-math.log2(eps))


def test_jbr_batching_ali_deep_by_hand() -> None:
    params = PcsParams(zk=False)
    shape = one_table_shape(20, batch=200, constraints=50, degree=3)
    rep = sc.security_report(params, shape, sc.JohnsonBound(4), BB4)
    rho, n, field = 1 / 8, 2**23, float(BB) ** 4
    mm = 4.5
    delta = 1 - math.sqrt(rho) - math.sqrt(rho) / 8
    eps = ((2 * mm**5 + 3 * mm * delta * rho) * n / (3 * rho**1.5) + mm / math.sqrt(rho)) / field
    assert rep.bits("FRI batching (powers)") == pytest.approx(-math.log2(199 * eps))
    lsize = mm / math.sqrt(rho)  # below the Johnson bound 1 / (2 eta sqrt(rho)) = m / rho
    assert rep.list_size == pytest.approx(lsize)
    assert rep.bits("ALI") == pytest.approx(-math.log2(lsize * 50 / field))
    k = 2**20
    deep = lsize * (3 * (k + 1) + k - 1) / (field - k - n)
    assert rep.bits("DEEP") == pytest.approx(-math.log2(deep))


def test_commit_rounds_follow_the_fold_schedule() -> None:
    # LDE 2^23 folded by 8 down to 2^9: 23 -> 20 -> 17 -> 14 -> 11 -> 9 (last fold by 4)
    params = PcsParams(zk=False)
    shape = one_table_shape(20, batch=10)
    rep = sc.security_report(params, shape, sc.UniqueDecoding(), BB4)
    rounds = [t for t in rep.terms if t.name.startswith("FRI commit round")]
    assert len(rounds) == 5
    field = float(BB) ** 4
    for t, (log_n, arity) in zip(rounds, [(20, 8), (17, 8), (14, 8), (11, 8), (9, 4)], strict=True):
        eps = (7 / 16 * 2**log_n + 1) / field
        assert t.bits == pytest.approx(-math.log2((arity - 1) * eps))


def test_logup_terms_by_hand() -> None:
    shape = one_table_shape(20, batch=10)
    rep = sc.security_report(PcsParams(zk=False), shape, sc.UniqueDecoding(), BB4)
    fractions, field = 3 * 2**20, float(BB) ** 4
    assert rep.bits("LogUp (alpha)") == pytest.approx(-math.log2((2 * fractions - 1) / field))
    assert rep.bits("LogUp fingerprint (beta)") == pytest.approx(-math.log2(5 * fractions / field))


def test_conjectured_terms() -> None:
    params = PcsParams(num_queries=28, pow_bits=17)
    shape = sc.zkvm_max_shape(params)
    rep = sc.security_report(params, shape, sc.Conjectured())
    assert rep.bits("FRI query phase") == pytest.approx(28 * math.log2(1 / RHO_ZK8) + 17)
    lde = shape.log_max_lde(params)
    assert rep.bits("ALI") == pytest.approx(sc.ExtensionField().bits - lde)
    assert "disproved" in rep.regime


# -- (b) a published soundcalc figure: Pico, circuit "riscv" (reports/pico.md) --------------------

KOALABEAR = 2**31 - 2**24 + 1
#: reports/pico.md, riscv: KoalaBear^4, rho 1/2, trace 2^22, 22 folds by 2 down to a domain of 2,
#: 84 queries, 16 grinding bits, batch 1435 by powers, 4729 constraints of degree 3, 2 opening
#: points; JBR with soundcalc's gap max(rho / 20, sqrt(rho) / 100) = 0.025.
PICO_PARAMS = PcsParams(
    log_blowup=1, num_queries=84, pow_bits=16, log_folding_arity=1, log_final_poly_len=0, zk=False
)
PICO_SHAPE = sc.ProofShape(
    name="pico riscv",
    table_log_heights=(22,),
    num_columns=1278,
    num_constraints=4729,
    groups=(sc.QuotientGroup(22, 22, 1 << 22, 3),),
    batch=((22, 1435),),
    ood_points=2,
)
#: The published table (floors of -log2 error).
PICO_UDR = {
    "ALI": 111,
    "DEEP": 99,
    "FRI batching (powers)": 92,
    "FRI commit round 1": 103,
    "FRI commit round 2": 104,
    "FRI commit round 10": 112,
    "FRI commit round 22": 123,
    "FRI query phase": 50,
}
PICO_JBR = {
    "ALI": 106,
    "DEEP": 95,
    "FRI batching (powers)": 69,
    "FRI commit round 1": 81,
    "FRI commit round 2": 82,
    "FRI commit round 10": 90,
    "FRI commit round 22": 102,
    "FRI query phase": 53,
}


@pytest.mark.parametrize(
    ("regime", "published"),
    [(sc.UniqueDecoding(), PICO_UDR), (sc.JohnsonBound(eta=0.025), PICO_JBR)],
    ids=["UDR", "JBR"],
)
def test_reproduces_soundcalc_pico_riscv(regime: sc.Regime, published: dict[str, int]) -> None:
    rep = sc.security_report(PICO_PARAMS, PICO_SHAPE, regime, sc.ExtensionField(KOALABEAR, 4))
    assert len([t for t in rep.terms if t.name.startswith("FRI commit")]) == 22
    for name, bits in published.items():
        ours = math.floor(rep.bits(name))
        if name in ("ALI", "DEEP") and isinstance(regime, sc.JohnsonBound):
            # our list size is min(Johnson, Guruswami-Sudan (m + 1/2) / sqrt(rho)): at most
            # log2(28.3 / 21.9) = 0.37 bit above soundcalc's Johnson-only figure
            assert bits <= ours <= bits + 1, name
        else:
            assert ours == bits, name


# -- (c) monotonicity -----------------------------------------------------------------------------


def test_more_queries_more_query_bits() -> None:
    shape = sc.zkvm_max_shape()
    for regime in (sc.UniqueDecoding(), sc.JohnsonBound(8), sc.Conjectured()):
        bits = [
            sc.security_report(PcsParams(num_queries=q), shape, regime).bits("FRI query phase")
            for q in (20, 28, 40, 80)
        ]
        assert bits == sorted(bits) and len(set(bits)) == 4


def test_larger_field_more_field_bits() -> None:
    params = PcsParams()
    shape = sc.zkvm_max_shape(params)
    small = sc.security_report(params, shape, sc.JohnsonBound(8), BB4)
    large = sc.security_report(params, shape, sc.JohnsonBound(8), sc.ExtensionField(BB, 5))
    for a, b in zip(small.terms, large.terms, strict=True):
        assert a.name == b.name
        if a.name in ("FRI query phase", sc.HASH_TERM):
            assert a.bits == b.bits
        else:
            assert b.bits > a.bits + 30, a.name  # |F| grows by 2^30.9


def test_larger_multiplicity_trades_algebraic_bits_for_query_bits() -> None:
    params = PcsParams()
    shape = sc.zkvm_max_shape(params)
    lo = sc.security_report(params, shape, sc.JohnsonBound(3))
    hi = sc.security_report(params, shape, sc.JohnsonBound(12))
    assert hi.bits("FRI query phase") > lo.bits("FRI query phase")
    for name in ("ALI", "DEEP", "FRI batching (powers)", "FRI commit round 1"):
        assert hi.bits(name) < lo.bits(name), name
    best = sc.security_report(params, shape, sc.JohnsonBound())
    assert best.minimum == max(
        sc.security_report(params, shape, sc.JohnsonBound(m)).minimum for m in sc.JBR_M_RANGE
    )


# -- shapes and query counts ----------------------------------------------------------------------


@pytest.mark.parametrize("zk", [True, False])
def test_shape_batch_matches_the_verifier(zk: bool) -> None:
    params = PcsParams(zk=zk)
    machine = bench_air.machine()
    lays = compile_machine(machine)
    heights = [10, 8]  # bench 2^10, bytes 2^8
    shape = sc.shape_of("bench", lays, heights, params)
    vk = VerifyingKey(machine, params, lays, None)
    per_height: dict[int, int] = {}
    for shapes, points in _round_shapes(vk, heights):
        for s, k in zip(shapes, points, strict=True):
            per_height[s.log_height] = per_height.get(s.log_height, 0) + s.width * k
    if zk:  # the masking codeword at the tallest height
        top = max(per_height)
        per_height[top] += 1
    assert dict(shape.batch) == per_height
    assert shape.num_constraints == sum(len(lay.constraints) for lay in lays)
    assert shape.logup_fractions == sum(
        len(lay.interactions) << h for lay, h in zip(lays, heights, strict=True)
    )


def test_zkvm_shape_is_the_largest_accepted() -> None:
    params = PcsParams()
    shape = sc.zkvm_max_shape(params)
    assert shape.log_max_height == 22 and shape.log_max_lde(params) == 25
    heights = dict(
        zip([lay.air.name for lay in sc.zkvm_layouts()], shape.table_log_heights, strict=True)
    )
    assert heights["cpu"] == 21 and heights["memory"] == 22 and heights["program"] == 22
    assert sc.bench_verifier_max_shape(params).log_max_lde(params) == 27


def test_min_queries_is_the_smallest() -> None:
    fld = sc.ExtensionField(BB, 5)
    params = PcsParams(pow_bits=20)
    shape = sc.zkvm_max_shape(params, 5)
    regime = sc.JohnsonBound(6)
    q = sc.min_queries_for(100, params, shape, regime, fld)
    assert q is not None

    def minimum(k: int) -> float:
        return sc.security_report(PcsParams(pow_bits=20, num_queries=k), shape, regime, fld).minimum

    assert minimum(q) >= 100 > minimum(q - 1)


def test_min_queries_impossible_when_another_term_is_short() -> None:
    shape = sc.zkvm_max_shape(PcsParams(), 4)
    assert sc.min_queries_for(100, PcsParams(), shape, sc.JohnsonBound(), BB4) is None
    rows = sc.parameter_study(100, ext_degrees=(4,), log_blowups=(3,), pow_bits=(20,))
    assert all(r.num_queries is None and r.minimum_bits < 100 for r in rows)


def test_summary_has_the_three_regimes() -> None:
    s = sc.security_summary()
    assert s.security_bits_udr < s.security_bits_jbr < s.security_bits_conjectured
    d = s.as_dict()
    assert d["security_bits_jbr"] == round(s.jbr.minimum, 2)
    assert set(d["regimes"]) == {"jbr", "udr", "conjectured"}  # type: ignore[arg-type]


# -- (d) the target -------------------------------------------------------------------------------


def test_defaults_meet_target() -> None:
    """The zkVM's parameters (the receipts' hash family included) reach the target in the
    proven (Johnson-bound) regime on every term at the zkVM's largest shape: a parameter or
    hash change that drops below it fails here."""
    rep = sc.security_summary().jbr
    assert rep.params == zkvm_params() and rep.params.hash == "poseidon2-babybear"
    assert rep.bits(sc.HASH_TERM) >= TARGET_SECURITY_BITS
    assert rep.minimum >= TARGET_SECURITY_BITS, f"{rep.limiting_term}: {rep.minimum:.1f} bits"


# -- (e) the hash family --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, bits", [("poseidon-bn254", math.log2(R) / 2), ("poseidon2-babybear", 4 * math.log2(BB))]
)
def test_hash_term_is_the_familys_collision_bound(name: str, bits: float) -> None:
    params = PcsParams(hash=name)  # type: ignore[arg-type]
    sec = scheme_of(name).security
    assert sec.collision_bits == pytest.approx(bits)
    shape = sc.zkvm_max_shape(params)
    for regime in (sc.JohnsonBound(), sc.UniqueDecoding(), sc.Conjectured()):
        rep = sc.security_report(params, shape, regime)
        assert rep.bits(sc.HASH_TERM) == sec.collision_bits
        assert rep.minimum <= sec.collision_bits  # a cap on every figure
        assert rep.as_dict()["hash"] == name


def test_poseidon2_figures() -> None:
    """Width 16, capacity 8, 8-element digests: 8 log2(p) ~ 247.3-bit digests, ~123.6 bits."""
    sec = scheme_of("poseidon2-babybear").security
    assert (sec.width, sec.capacity, sec.digest_len) == (16, 8, 8)
    assert 247 < sec.digest_bits < 248 and 123.5 < sec.collision_bits < 124


def test_hash_term_caps_the_query_count() -> None:
    """A target above the hash's bound is out of reach whatever the queries (the term does
    not depend on them): the conjectured regime, whose other terms are all above 124 bits with
    enough queries and a wide field, hits the hash term."""
    fld = sc.ExtensionField(BB, 8)
    params = PcsParams(hash="poseidon2-babybear", num_queries=120)
    shape = sc.zkvm_max_shape(params, 8)
    rep = sc.security_report(params, shape, sc.Conjectured(), fld)
    assert rep.limiting_term == sc.HASH_TERM
    assert sc.min_queries_for(124, params, shape, sc.Conjectured(), fld) is None
    assert sc.min_queries_for(123, params, shape, sc.Conjectured(), fld) is not None


def test_summary_json_names_the_hash() -> None:
    d = sc.security_summary().as_dict()
    h = d["hash"]
    assert isinstance(h, dict)
    assert h["family"] == "poseidon2-babybear" and h["term"] == sc.HASH_TERM
    assert h["collision_bits"] == round(scheme_of("poseidon2-babybear").security.collision_bits, 2)
    assert d["parameters"]["hash"] == "poseidon2-babybear"  # type: ignore[index]


def test_lifted_poseidon2_figure() -> None:
    """The lifted layout (one batching challenge per committed matrix, binary FRI): a height
    costs sum_m (B_m - 1) eps plus eps for combining its matrices (``_fri_terms``). At the
    zkVM's largest shape the batching term was ~101.0 bits (99.99 with one global alpha order)
    and the query phase (100.36 at m = 7) limited the figure; the SHA-256 precompile's two tables
    (more committed columns at the largest shape) brought batching to ~100.21, now the limiting
    term, still above the target. Recorded here so a change to the model, the parameters or the
    machine's tables shows."""
    p2 = PcsParams(hash="poseidon2-babybear")
    shape = sc.zkvm_max_shape(p2, lifted=True)
    rep = sc.security_report(p2, shape, sc.JohnsonBound())
    assert rep.limiting_term == "FRI batching (powers)"
    assert rep.minimum >= TARGET_SECURITY_BITS
    batching = rep.bits("FRI batching (powers)")
    assert 100.1 < batching < 100.3
    assert 100.3 < rep.bits(sc.QUERY_TERM) < 100.4
    assert sum(1 for name in rep.as_dict()["terms"] if name.startswith("FRI commit")) > 7
    # every height's pairs and matrices are counted (the zk codeword is one matrix at the top)
    assert [h for h, _ in shape.matrices] == [h for h, _ in shape.batch]
    assert all(n >= 1 for _, n in shape.matrices)
    default = sc.security_report(p2, sc.zkvm_max_shape(p2), sc.JohnsonBound())
    assert TARGET_SECURITY_BITS <= rep.minimum <= default.minimum


def test_lifted_batching_bound() -> None:
    """The lifted batching term is sum over heights of (B_h - M_h) eps + [M_h >= 2] eps."""
    p2 = PcsParams(hash="poseidon2-babybear")
    shape = sc.zkvm_max_shape(p2, lifted=True)
    jb = sc.JohnsonBound(m=7)
    rho = sc.rate(p2)
    fld = sc.ExtensionField()
    mats = dict(shape.matrices)
    err = 0.0
    for h, b in shape.batch:
        eps = jb.mca_error(rho, h + p2.log_blowup, fld)
        err += (b - mats[h]) * eps + (eps if mats[h] >= 2 else 0.0)
    rep = sc.security_report(p2, shape, jb)
    assert rep.bits("FRI batching (powers)") == pytest.approx(-math.log2(err))
