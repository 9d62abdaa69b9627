"""Batched NTT, inverse NTT and coset LDE against naive O(n^2) evaluation."""

from __future__ import annotations

import numpy as np
import pytest

from zkrv_prover.stark.field import field as fld
from zkrv_prover.stark.field import ntt
from zkrv_prover.stark.field.field import P
from zkrv_prover.stark.field.randomness import FieldRng

RNG = FieldRng.seeded(99)


def _naive_eval(coeffs: np.ndarray, points: list[int]) -> np.ndarray:
    c = [[int(v) for v in row] for row in coeffs]
    w = len(c[0])
    out = []
    for x in points:
        acc = [0] * w
        for row in reversed(c):  # Horner
            acc = [(a * x + r) % P for a, r in zip(acc, row, strict=True)]
        out.append(acc)
    return np.array(out, dtype=np.uint32)


@pytest.mark.parametrize("log_n", [0, 1, 2, 3, 5, 8, 9])
def test_ntt_matches_naive(log_n: int) -> None:
    n = 1 << log_n
    c = RNG.base((n, 3))
    c[0, 0] = P - 1
    ev = ntt.ntt(c)
    om = fld.two_adic_generator(log_n)
    idx = list(range(n)) if n <= 64 else [0, 1, 2, n // 2, n - 1, 77]
    assert (ev[idx] == _naive_eval(c, [pow(om, i, P) for i in idx])).all()
    assert (ntt.intt(ev) == c).all()
    assert ev.dtype == np.uint32


def test_ntt_large_roundtrip_and_linearity() -> None:
    n = 1 << 12
    a, b = RNG.base((n, 5)), RNG.base((n, 5))
    ea, eb = ntt.ntt(a), ntt.ntt(b)
    assert (ntt.ntt(fld.add(a, b)) == fld.add(ea, eb)).all()
    assert (ntt.intt(ea) == a).all()
    # a single column equals the batched result for that column
    assert (ntt.ntt(a[:, 2]) == ea[:, 2]).all()
    # delta at j=1 evaluates to omega^i
    d = np.zeros(n, dtype=np.uint32)
    d[1] = 1
    assert (ntt.ntt(d) == fld.powers(fld.two_adic_generator(12), n)).all()
    # spot check against naive evaluation
    om = fld.two_adic_generator(12)
    assert (ea[[3, 4095]] == _naive_eval(a, [pow(om, 3, P), pow(om, 4095, P)])).all()


def test_coset_ntt_and_intt() -> None:
    n = 16
    c = RNG.base((n, 2))
    shift = fld.GENERATOR
    ev = ntt.coset_ntt(c, shift)
    om = fld.two_adic_generator(4)
    assert (ev == _naive_eval(c, [shift * pow(om, i, P) % P for i in range(n)])).all()
    assert (ntt.coset_intt(ev, shift) == c).all()


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize(("log_n", "log_b"), [(0, 1), (2, 1), (3, 3), (6, 2), (7, 3)])
def test_lde_bitrev(log_n: int, log_b: int, native: bool) -> None:
    n, big = 1 << log_n, 1 << (log_n + log_b)
    c = RNG.base((n, 4))
    shift = fld.GENERATOR
    ev = ntt.lde_bitrev(c, log_b, shift, native=native)
    rev = ntt.bit_reverse_indices(log_n + log_b)
    om = fld.two_adic_generator(log_n + log_b)
    pts = [shift * pow(om, int(rev[i]), P) % P for i in range(big)]
    assert (ev == _naive_eval(c, pts)).all()
    # the first big/2^k rows are the LDE on the smaller coset shift * H_{big/2^k} (bit-reversed)
    half = ntt.lde_bitrev(c, log_b - 1, shift, native=native) if log_b > 1 else None
    if half is not None:
        assert (ev[: big // 2] == half).all()


def test_bit_reverse() -> None:
    assert ntt.bit_reverse_indices(3).tolist() == [0, 4, 2, 6, 1, 5, 3, 7]
    a = np.arange(16).reshape(8, 2)
    assert (ntt.bit_reverse_rows(ntt.bit_reverse_rows(a)) == a).all()


def test_rejects_bad_lengths() -> None:
    with pytest.raises(ValueError, match="power of two"):
        ntt.ntt(np.zeros((6, 2), dtype=np.uint32))
    with pytest.raises(ValueError, match="power of two"):
        ntt.intt(np.zeros((0, 2), dtype=np.uint32))


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize(
    ("log_n", "extra", "log_b"), [(3, 2, 2), (6, 1, 3), (4, 16, 1), (5, -7, 2), (5, 32, 1)]
)
def test_lde_bitrev_overflow_matches_naive(
    log_n: int, extra: int, log_b: int, native: bool
) -> None:
    """A polynomial with n + k coefficients (the relaxed zk degree bound) committed at height n:
    the overflow folds into the coset NTTs; fewer than n coefficients are zero-padded."""
    n = 1 << log_n
    c = RNG.base((n + extra, 3))
    shift = fld.GENERATOR
    ev = ntt.lde_bitrev(c, log_b, shift, log_height=log_n, native=native)
    assert ev.shape == (n << log_b, 3)
    rev = ntt.bit_reverse_indices(log_n + log_b)
    om = fld.two_adic_generator(log_n + log_b)
    pts = [shift * pow(om, int(rev[i]), P) % P for i in range(n << log_b)]
    assert (ev == _naive_eval(c, pts)).all()


def test_lde_bitrev_rejects_more_than_twice_the_height() -> None:
    with pytest.raises(ValueError, match="do not fit"):
        ntt.lde_bitrev(np.zeros((17, 1), dtype=np.uint32), 1, fld.GENERATOR, log_height=3)
    with pytest.raises(ValueError, match="power of two"):
        ntt.lde_bitrev(np.zeros((9, 1), dtype=np.uint32), 1, fld.GENERATOR)


@pytest.mark.parametrize(("m", "w", "log_n", "log_b"), [(1 << 10, 37, 10, 3), (700, 16, 10, 1)])
def test_native_lde_matches_numpy(m: int, w: int, log_n: int, log_b: int) -> None:
    """The native transform (several 16-column blocks, a partial one, vector and scalar
    butterfly stages) equals the numpy reference bit for bit. The engine must have it (setup
    builds it; a stale engine fails here rather than silently testing numpy twice)."""
    assert ntt._native_lde() is not None
    c = RNG.base((m, w))
    a = ntt.lde_bitrev(c, log_b, fld.GENERATOR, log_height=log_n, native=True)
    b = ntt.lde_bitrev(c, log_b, fld.GENERATOR, log_height=log_n, native=False)
    assert a.dtype == np.uint32 and (a == b).all()


_ISA_SCRIPT = """
import numpy as np
from zkrv_prover import _native as n
c = np.random.default_rng(3).integers(0, 2013265921, size=(300, 21), dtype=np.uint32)
print(n.bb_lde_bitrev(c, 8, 1996171314, [31, 7, 11, 13]).sum(dtype=np.uint64))
"""


def test_native_lde_instruction_sets_agree() -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    outs = []
    for isa in ("baseline", "avx2", "avx512"):
        env = {**os.environ, "ZKRV_NATIVE_P2_ISA": isa, "PYTHONPATH": str(root / "prover")}
        r = subprocess.run([sys.executable, "-c", _ISA_SCRIPT], env=env, capture_output=True)
        assert r.returncode == 0, r.stderr
        outs.append(r.stdout)
    assert outs[0] == outs[1] == outs[2]


@pytest.mark.parametrize(
    ("shape", "log_n", "shifts", "bad"),
    [
        ((0, 2), 3, [31], None),
        ((17, 2), 3, [31], None),  # more than twice the height
        ((4, 0), 2, [31], None),
        ((4, 2), 2, [], None),
        ((4, 2), 2, [0], None),
        ((4, 2), 2, [P], None),
        ((4, 2), 2, [31], P),
    ],
)
def test_native_lde_rejects(
    shape: tuple[int, int], log_n: int, shifts: list[int], bad: int | None
) -> None:
    nat = pytest.importorskip("zkrv_prover._native")
    c = np.zeros(shape, dtype=np.uint32)
    if bad is not None:
        c[1, 1] = bad
    with pytest.raises(ValueError):
        nat.bb_lde_bitrev(c, log_n, fld.two_adic_generator(log_n), shifts)
