"""Blocked and threaded prover stages give bit-for-bit the results of the straightforward
whole-domain, single-threaded computations: the worker pool, the NTT's column blocks, the
quotient's point blocks (against an independent whole-coset reference), the DEEP reduction and
the uint64 field helpers that replaced symbolic_eval's own."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from zkrv_prover.stark.air import quotient
from zkrv_prover.stark.air import symbolic_eval as se
from zkrv_prover.stark.air.air import Expr, Op, TableLayout, compile_machine
from zkrv_prover.stark.commit import pcs
from zkrv_prover.stark.examples import bench_air, fibonacci, range_check
from zkrv_prover.stark.field import field as fld
from zkrv_prover.stark.field import ntt, parallel
from zkrv_prover.stark.field.field import (
    EXT_DEGREE,
    EXT_ZERO,
    GENERATOR,
    ExtInt,
    P,
    ext_embed,
    two_adic_generator,
)
from zkrv_prover.stark.field.randomness import FieldRng

U64 = np.uint64


@pytest.fixture
def threads() -> Iterator[None]:
    """Restore the process's worker count after a test that changes it."""
    before = parallel.threads()
    yield
    parallel.set_threads(before)


# -- worker pool ----------------------------------------------------------------------------------


def test_map_blocks_order_inline_nested_and_errors(threads: None) -> None:
    for n in (1, 2, 3):
        parallel.set_threads(n)
        assert parallel.map_blocks(lambda v: v * v, range(10)) == [v * v for v in range(10)]
        # nested sections run inline in the worker instead of deadlocking on the pool
        nested = parallel.map_blocks(lambda v: sum(parallel.map_blocks(abs, [-v, v])), [1, 2, 3])
        assert nested == [2, 4, 6]

        def boom(v: int) -> int:
            if v == 3:
                raise KeyError("block 3")
            return v

        with pytest.raises(KeyError, match="block 3"):
            parallel.map_blocks(boom, range(6))
    with pytest.raises(ValueError):
        parallel.set_threads(0)


def test_split_covers_range() -> None:
    assert parallel.split(10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert parallel.split(8, 8) == [(0, 8)]
    assert parallel.split(0, 4) == []
    with pytest.raises(ValueError):
        parallel.split(8, 0)


def test_thread_count_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZKRV_THREADS", "3")
    assert parallel._from_env() == 3
    monkeypatch.setenv("ZKRV_THREADS", "")
    assert 1 <= parallel._from_env() <= parallel.MAX_THREADS
    for bad in ("0", "-2", "two"):
        monkeypatch.setenv("ZKRV_THREADS", bad)
        with pytest.raises(ValueError, match="ZKRV_THREADS"):
            parallel._from_env()


# -- NTT column blocks ----------------------------------------------------------------------------


def _rand(shape: tuple[int, ...], seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, P, size=shape, dtype=np.uint32)


@pytest.mark.parametrize("log_n", [3, 9, 12])
def test_ntt_threaded_equals_serial_and_inputs_untouched(threads: None, log_n: int) -> None:
    a = _rand((1 << log_n, 37), log_n)
    keep = a.copy()
    parallel.set_threads(1)
    serial = [ntt.ntt(a), ntt.intt(a), ntt.coset_ntt(a, GENERATOR), ntt.lde_bitrev(a, 2, 7)]
    parallel.set_threads(2)
    threaded = [ntt.ntt(a), ntt.intt(a), ntt.coset_ntt(a, GENERATOR), ntt.lde_bitrev(a, 2, 7)]
    for s, t in zip(serial, threaded, strict=True):
        assert s.dtype == np.uint32 and (s == t).all()
    assert (a == keep).all()
    assert (ntt.intt(serial[0]) == a).all()


def test_ntt_in_place_never_writes_the_callers_array() -> None:
    # (n, 1) uint64 in Fortran order: its transpose is already a contiguous (1, n) uint64 array,
    # which a view-returning conversion would hand to the in-place transform
    a = np.asfortranarray(_rand((1 << 9, 1), 5).astype(np.uint64))
    keep = a.copy()
    out = ntt.ntt(a)
    assert (a == keep).all()
    assert (ntt.intt(out).astype(np.uint64) == keep).all()
    b = _rand((1 << 9,), 6).astype(np.uint64)
    keep_b = b.copy()
    ntt.coset_intt(b, GENERATOR)
    assert (b == keep_b).all()


# -- quotient blocks ------------------------------------------------------------------------------


def _layouts() -> list[TableLayout]:
    bench, byte_table = compile_machine(bench_air.machine())
    fib = compile_machine(fibonacci.machine())[0]
    rc = compile_machine(range_check.machine(bits=4))[0]
    return [bench, byte_table, fib, rc]


def _reference_quotient(
    lay: TableLayout,
    n: int,
    x: np.ndarray,
    main: np.ndarray,
    pre: np.ndarray | None,
    aux: np.ndarray | None,
    public: list[int],
    chals: np.ndarray,
    cumsum: np.ndarray,
    gamma: np.ndarray,
) -> np.ndarray:
    """The whole-coset computation: full columns (next row by np.roll), selectors from their
    definitions with Python-int constants, Horner over the constraints with field.py's uint32
    functions."""
    M = x.shape[0]
    step = M // n
    h = two_adic_generator(n.bit_length() - 1)
    h_inv = pow(h, P - 2, P)
    n_inv = pow(n, P - 2, P)
    zh = fld.sub(fld.pow_scalar(x, n), np.uint32(1))

    def leaf(node: Expr) -> np.ndarray:
        op = node.op
        if op in (Op.MAIN, Op.PRE, Op.AUX):
            src = {Op.MAIN: main, Op.PRE: pre, Op.AUX: aux}[op]
            assert src is not None
            col = src[:, node.index].astype(U64)
            return np.roll(col, -step, axis=0) if node.nxt else col
        if op == Op.PUBLIC:
            return np.asarray(public[node.index], dtype=U64)
        if op == Op.CHALLENGE:
            return chals[node.index].astype(U64)
        if op == Op.CUMSUM:
            return cumsum.astype(U64)
        if op == Op.IS_TRANSITION:
            return fld.sub(x, np.uint32(h_inv)).astype(U64)
        if op == Op.IS_FIRST:
            lag = fld.mul(fld.mul(zh, fld.inv(fld.sub(x, np.uint32(1)))), np.uint32(n_inv))
            return lag.astype(U64)
        assert op == Op.IS_LAST
        lag = fld.mul(
            fld.mul(zh, fld.inv(fld.sub(x, np.uint32(h_inv)))), np.uint32(n_inv * h_inv % P)
        )
        return lag.astype(U64)

    vals = se.evaluate_numpy([c.expr for c in lay.constraints], leaf, M)
    acc = np.zeros((M, EXT_DEGREE), dtype=np.uint32)
    g = gamma.astype(np.uint32)
    for c, v in zip(lay.constraints, vals, strict=True):
        ext = v.astype(np.uint32) if c.expr.is_ext else fld.ext_from_base(v.astype(np.uint32))
        acc = fld.ext_add(fld.ext_mul(acc, g), ext)
    return fld.ext_mul_base(acc, fld.inv(zh)).astype(U64)


@pytest.mark.parametrize("table", [0, 1, 2, 3])
def test_blocked_threaded_quotient_equals_whole_coset(threads: None, table: int) -> None:
    lay = _layouts()[table]
    rng = np.random.default_rng(10 + table)
    n = 16 if table != 1 else 256
    M = 4 * n
    x = quotient.domain_points(M, GENERATOR)
    main = _rand((M, lay.main_width), 20 + table)
    pre = _rand((M, lay.pre_width), 30 + table) if lay.pre_width else None
    aux = _rand((M, lay.aux_width, EXT_DEGREE), 40 + table) if lay.aux_width else None
    public = [int(v) for v in rng.integers(0, P, size=3)]
    chals = rng.integers(0, P, size=(2, EXT_DEGREE), dtype=np.uint64)
    cumsum = rng.integers(0, P, size=EXT_DEGREE, dtype=np.uint64)
    gamma = rng.integers(0, P, size=EXT_DEGREE, dtype=np.uint64)
    want = _reference_quotient(lay, n, x, main, pre, aux, public, chals, cumsum, gamma)
    rev = ntt.bit_reverse_indices(M.bit_length() - 1)
    for bitrev in (False, True):
        srcs = [main, pre, aux]
        if bitrev:  # rows stored as in a committed (bit-reversed) LDE
            srcs = [None if s is None else s[rev] for s in srcs]
        leaves = quotient.QuotientLeaves(n, x, *srcs, public, chals, cumsum, bitrev=bitrev)
        for th, bp in ((1, M), (1, 8), (2, 16), (2, 64), (3, 3 * M // 4)):
            parallel.set_threads(th)
            got = quotient.combined_quotient(lay, leaves, gamma, block_points=bp)
            assert got.dtype == np.uint64 and got.shape == (M, EXT_DEGREE)
            assert (got == want).all(), (bitrev, th, bp)


def test_quotient_leaves_reject_mismatched_rows() -> None:
    lay = _layouts()[2]
    x = quotient.domain_points(32, GENERATOR)
    with pytest.raises(ValueError, match="rows"):
        quotient.QuotientLeaves(8, x, _rand((16, lay.main_width), 1), None, None, [], None, None)
    with pytest.raises(ValueError, match="multiple"):
        quotient.QuotientLeaves(64, x, _rand((32, lay.main_width), 1), None, None, [], None, None)


# -- field helpers --------------------------------------------------------------------------------


def _edge_rand(size: int, seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).integers(0, P, size=size, dtype=np.uint64)
    v[:4] = [0, 1, P - 1, P - 2]
    return v


def test_mod_p_full_uint64_range() -> None:
    rng = np.random.default_rng(7)
    x = rng.integers(0, 2**64, size=4096, dtype=np.uint64, endpoint=False)
    x[:3] = [0, 2**64 - 1, P * P]
    assert (fld.mod_p(x) == x % U64(P)).all()
    y = x.copy()
    fld.mod_p(y, out=y)
    assert (y == x % U64(P)).all()


def test_uint64_helpers_against_python_ints() -> None:
    a, b = _edge_rand(512, 1), _edge_rand(512, 2)[::-1].copy()
    ai, bi = [int(v) for v in a], [int(v) for v in b]
    for fn, ref in (
        (fld.add64, lambda u, v: (u + v) % P),
        (fld.sub64, lambda u, v: (u - v) % P),
        (fld.mul64, lambda u, v: u * v % P),
    ):
        got = fn(a, b)
        assert got.dtype == np.uint64
        assert got.tolist() == [ref(u, v) for u, v in zip(ai, bi, strict=True)]
    assert fld.neg64(a).tolist() == [(-u) % P for u in ai]
    assert fld.pow64(a, 5).tolist() == [pow(u, 5, P) for u in ai]
    assert fld.inv64(a).tolist() == [pow(u, P - 2, P) for u in ai]  # 0 -> 0
    n_ext = 512 // EXT_DEGREE
    ea = a[: n_ext * EXT_DEGREE].reshape(n_ext, EXT_DEGREE)
    eb = b[: n_ext * EXT_DEGREE].reshape(n_ext, EXT_DEGREE)
    prods = fld.ext_mul64(ea, eb)
    assert prods.dtype == np.uint64
    for u, v, w in zip(ea.tolist(), eb.tolist(), prods.tolist(), strict=True):
        assert tuple(w) == fld.ext_mul_int(u, v)
    inv = fld.ext_inv64(ea[1:])  # row 0 holds 0 and 1: nonzero, also fine, but keep it simple
    for u, w in zip(ea[1:].tolist(), inv.tolist(), strict=True):
        assert tuple(w) == fld.ext_inv_int(u)
    assert (fld.ext_inv64(np.zeros((2, EXT_DEGREE), dtype=U64)) == 0).all()
    # the uint32 API shares the arithmetic
    assert (fld.ext_mul(ea.astype(np.uint32), eb.astype(np.uint32)) == prods).all()
    # symbolic_eval's names are the same functions
    assert se.ext_mul is fld.ext_mul64 and se.b_inv is fld.inv64


# -- DEEP reduction -------------------------------------------------------------------------------


def test_dot_alpha_threaded_equals_serial_and_python(threads: None) -> None:
    m = _rand((1 << 10, 70), 8)
    ap = _rand((70, EXT_DEGREE), 9)
    parallel.set_threads(1)
    serial = pcs._dot_alpha(m, ap)
    parallel.set_threads(2)
    assert (pcs._dot_alpha(m, ap) == serial).all()
    for r in (0, 513, 1023):
        acc = EXT_ZERO
        for c in range(70):
            t = fld.ext_mul_int(ext_embed(int(m[r, c])), [int(v) for v in ap[c]])
            acc = tuple((u + v) % P for u, v in zip(acc, t, strict=True))
        assert tuple(int(v) for v in serial[r]) == acc


def _ext_sub_int(u: tuple[int, ...], v: tuple[int, ...]) -> ExtInt:
    return tuple((a - b) % P for a, b in zip(u, v, strict=True))


@pytest.mark.parametrize("th", [1, 2])
def test_deep_reduction_blocks_equal_python_reference(threads: None, th: int) -> None:
    parallel.set_threads(th)
    log_h = 10
    rng = np.random.default_rng(12)
    mats = []
    zs = [tuple(int(v) for v in rng.integers(0, P, size=EXT_DEGREE)) for _ in range(2)]
    for w in (3, 40):
        lde = _rand((1 << log_h, w), w)
        ap = _rand((w, EXT_DEGREE), w + 1)
        terms = [
            (z, _rand((EXT_DEGREE,), 50 + k + w), _rand((EXT_DEGREE,), 60 + k + w))
            for k, z in enumerate(zs[: w % 3])
        ]
        terms = terms or [(zs[0], _rand((EXT_DEGREE,), 70), _rand((EXT_DEGREE,), 71))]
        mats.append(pcs._DeepMatrix(lde, ap, terms))
    r_term = (_rand((1 << log_h, EXT_DEGREE), 80), _rand((EXT_DEGREE,), 81))
    got = pcs._reduce_height(log_h, mats, r_term)
    xs = pcs._domain_bitrev(log_h)
    for row in (0, 1, 777, (1 << log_h) - 1):
        x = ext_embed(int(xs[row]))
        acc = EXT_ZERO
        for mt in mats:
            s = EXT_ZERO
            for c in range(mt.lde.shape[1]):
                t = fld.ext_mul_int(ext_embed(int(mt.lde[row, c])), [int(v) for v in mt.ap[c]])
                s = tuple((a + b) % P for a, b in zip(s, t, strict=True))
            for z, v_alpha, a_off in mt.terms:
                diff = _ext_sub_int(s, tuple(int(v) for v in v_alpha))
                num = fld.ext_mul_int(diff, [int(v) for v in a_off])
                term = fld.ext_mul_int(num, fld.ext_inv_int(_ext_sub_int(x, z)))
                acc = tuple((a + b) % P for a, b in zip(acc, term, strict=True))
        rt = fld.ext_mul_int([int(v) for v in r_term[0][row]], [int(v) for v in r_term[1]])
        acc = tuple((a + b) % P for a, b in zip(acc, rt, strict=True))
        assert tuple(int(v) for v in got[row]) == acc
    # an opening point on the LDE domain is refused, not silently divided by zero
    bad = pcs._DeepMatrix(mats[0].lde, mats[0].ap, [(ext_embed(int(xs[5])), *mats[0].terms[0][1:])])
    with pytest.raises(ZeroDivisionError):
        pcs._reduce_height(log_h, [bad], None)


@pytest.mark.parametrize("th", [1, 2])
def test_eval_at_points_chunks_equal_horner(threads: None, th: int) -> None:
    parallel.set_threads(th)
    n = (1 << 14) + (1 << 13)  # two row chunks, the second one partial
    co = _rand((n, 3), 90)
    co[:, 2] = P - 1  # the largest coefficients
    zs = [(3, 1, 4, 1, 5)[:EXT_DEGREE], tuple(int(v) for v in _rand((EXT_DEGREE,), 91))]
    got = pcs.eval_coeffs_at_points(co, zs)
    assert got.shape == (2, 3, EXT_DEGREE) and got.dtype == np.uint32
    for k, z in enumerate(zs):
        assert (pcs.eval_coeffs_at(co, z) == got[k]).all()
        for col in range(3):
            acc = EXT_ZERO
            for c in reversed(co[:, col].tolist()):
                m = fld.ext_mul_int(acc, z)
                acc = ((m[0] + c) % P, *m[1:])
            assert tuple(int(v) for v in got[k, col]) == acc
    assert pcs.eval_coeffs_at_points(co, []).shape == (0, 3, EXT_DEGREE)


def test_merkle_leaves_hashed_in_chunks_same_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    from zkrv_prover.stark.commit import mmcs

    cfg = mmcs.MmcsConfig(max_arity=4, salt_len=2, backend="native", max_log_cap=2)
    mats = [_rand((64, 5), 100), _rand((64, 2), 101), _rand((16, 3), 102)]
    whole = mmcs.commit(mats, cfg, FieldRng.seeded(1))
    monkeypatch.setattr(mmcs, "LEAF_CHUNK_CELLS", 20)  # 2 rows of 9 cells per chunk
    chunked = mmcs.commit(mats, cfg, FieldRng.seeded(1))
    assert chunked.root == whole.root
    assert all((a == b).all() for a, b in zip(chunked.levels, whole.levels, strict=True))


@pytest.mark.parametrize("th", [1, 2])
def test_logup_aux_trace_blocks_equal_single_block(
    threads: None, th: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zkrv_prover.stark.air import logup

    lays = compile_machine(bench_air.machine())
    traces, pub = bench_air.trace(6)
    alpha, beta = _rand((EXT_DEGREE,), 110), _rand((EXT_DEGREE,), 111)
    for lay, tr in zip(lays, traces, strict=True):
        pre = lay.preprocessed
        tr = logup.with_blind(lay, tr, _rand((tr.shape[0], EXT_DEGREE), 112))
        want = logup.aux_trace(lay, tr, pre, pub, alpha, beta)
        parallel.set_threads(th)
        monkeypatch.setattr(logup, "AUX_BLOCK_ROWS", 8 if tr.shape[0] > 8 else 3)
        got = logup.aux_trace(lay, tr, pre, pub, alpha, beta)
        monkeypatch.undo()
        assert all((g == w).all() and g.dtype == w.dtype for g, w in zip(got, want, strict=True))


def test_malloc_tuning_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZKRV_MALLOC_TUNE", "0")
    assert parallel._tune_malloc() is False
    monkeypatch.setenv("ZKRV_MALLOC_TUNE", "1")
    import sys

    if sys.platform.startswith("linux"):  # this project's machines run glibc
        assert parallel._tune_malloc() is True


def test_whole_proof_identical_for_1_and_2_threads(
    threads: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same seed, same proof bytes, whatever the thread count and block sizes."""
    from zkrv_prover.stark.air import logup
    from zkrv_prover.stark.commit.params import PcsParams
    from zkrv_prover.stark.protocol.proof import encode_proof
    from zkrv_prover.stark.protocol.prover import keygen, prove
    from zkrv_prover.stark.protocol.verifier import verify

    vk = keygen(bench_air.machine(), PcsParams(zk=True))
    traces, pub = bench_air.trace(7)
    parallel.set_threads(1)
    ref = encode_proof(vk, prove(vk, traces, pub, FieldRng.seeded(42)))
    parallel.set_threads(2)
    monkeypatch.setattr(quotient, "BLOCK_POINTS", 64)
    monkeypatch.setattr(pcs, "_DEEP_BLOCK", 128)
    monkeypatch.setattr(logup, "AUX_BLOCK_ROWS", 16)
    proof = prove(vk, traces, pub, FieldRng.seeded(42))
    assert encode_proof(vk, proof) == ref
    verify(vk, pub, proof)
