"""The prover's hiding randomness (``stark/field/randomness.py``): canonical uniform BabyBear values
from a CSPRNG, a reproducible seeded mode, and no way to hand the prover a numpy generator."""

from __future__ import annotations

import math

import numpy as np
import pytest

from zkrv_prover.stark.air import quotient, zk
from zkrv_prover.stark.commit import mmcs, pcs
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.examples import fibonacci
from zkrv_prover.stark.field.field import EXT_DEGREE, P
from zkrv_prover.stark.field.randomness import FieldRng, require
from zkrv_prover.stark.protocol.prover import keygen, prove


def test_values_are_canonical_with_the_requested_shape() -> None:
    for rng in (FieldRng(), FieldRng.seeded(1)):
        v = rng.base((1000, 7))
        assert v.shape == (1000, 7) and v.dtype == np.uint32
        assert int(v.max()) < P
        assert rng.ext(5).shape == (5, EXT_DEGREE)
        assert rng.ext((2, 3)).shape == (2, 3, EXT_DEGREE)
        assert rng.base(0).shape == (0,)


def test_seeded_mode_reproduces_and_separates_seeds() -> None:
    a, b = FieldRng.seeded(42), FieldRng.seeded(42)
    assert a.deterministic and not FieldRng().deterministic
    for shape in (10, (3, 4), 1 << 21):  # the last one spans several blocks
        assert (a.base(shape) == b.base(shape)).all()
    assert (FieldRng.seeded(42).base(64) != FieldRng.seeded(43).base(64)).any()
    assert (FieldRng.seeded(b"\x2a").base(64) == FieldRng.seeded(42).base(64)).all()
    # successive draws are fresh values, not a replay of the stream
    c = FieldRng.seeded(7)
    assert (c.base(64) != c.base(64)).any()
    with pytest.raises(ValueError):
        FieldRng.seeded(-1)


def test_production_mode_differs_between_calls_and_generators() -> None:
    a, b = FieldRng(), FieldRng()
    x, y, z = a.base(64), a.base(64), b.base(64)
    assert (x != y).any() and (x != z).any()


def test_rejection_sampling_discards_words_at_or_above_p(monkeypatch: pytest.MonkeyPatch) -> None:
    """Words >= p after dropping the top bit are skipped (not reduced mod p: no bias)."""
    rng = FieldRng()
    stream = np.array([P, P - 1, 0xFFFFFFFF, 5, (1 << 31) + 3] + [9] * 64, dtype="<u4")
    monkeypatch.setattr(rng, "random_bytes", lambda n: stream.tobytes()[:n])
    assert rng.base(4).tolist() == [P - 1, 5, 3, 9]


def test_uniformity_sanity() -> None:
    """Chi-square over 64 equal buckets of [0, p), and the mean; a wrong range (e.g. 2^31 or
    2^32 reduced) or a stuck generator fails by a wide margin."""
    n = 1 << 18
    for rng in (FieldRng(), FieldRng.seeded(3)):
        v = rng.base(n).astype(np.int64)
        counts = np.bincount(v * 64 // P, minlength=64)
        expected = n / 64
        chi2 = float(((counts - expected) ** 2 / expected).sum())
        assert chi2 < 130  # 63 degrees of freedom: P(chi2 > 130) < 1e-6
        mean = float(v.mean())
        assert abs(mean - (P - 1) / 2) < 6 * (P / math.sqrt(12 * n))
        assert len(np.unique(v)) > n - 64  # birthday bound: ~16 collisions expected


def test_numpy_generators_are_refused() -> None:
    gen = np.random.default_rng(1)
    with pytest.raises(TypeError, match="FieldRng"):
        require(gen, "test")
    with pytest.raises(ValueError, match="rng"):
        require(None, "test")
    params = PcsParams(num_queries=2, pow_bits=1)
    vk = keygen(fibonacci.machine(), params)
    traces, pub = fibonacci.trace(4, 1, 1)
    with pytest.raises(TypeError, match="FieldRng"):
        prove(vk, traces, pub, gen)  # type: ignore[arg-type]
    m = FieldRng.seeded(0).base((4, 2))
    cfg = mmcs.MmcsConfig(max_arity=2, salt_len=8, backend="reference")
    with pytest.raises(TypeError):
        mmcs.commit([m], cfg, gen)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        pcs.commit_evals(params, [m], gen)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        zk.mask_coeffs(m, zk.plan(params, 4), gen)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        quotient.split_coeffs(np.zeros((8, EXT_DEGREE), np.uint64), 4, 8, 2, gen)  # type: ignore[arg-type]


def test_default_prover_randomness_is_fresh() -> None:
    """Without an rng the prover draws from os.urandom: two proofs of one witness differ."""
    vk = keygen(fibonacci.machine(), PcsParams(num_queries=2, pow_bits=1))
    traces, pub = fibonacci.trace(4, 1, 1)
    assert prove(vk, traces, pub).main_root != prove(vk, traces, pub).main_root
    seeded = [prove(vk, traces, pub, FieldRng.seeded(9)).main_root for _ in range(2)]
    assert seeded[0] == seeded[1]
