"""Native Poseidon2-BabyBear (``zkrv_prover._native.p2_*``) against the Python reference."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from test_poseidon2 import VECTOR_IN, VECTOR_OUT

from zkrv_prover.stark.field.field import P
from zkrv_prover.stark.field.poseidon2 import permute, permute_batch

native: Any = pytest.importorskip("zkrv_prover._native")

ROOT = Path(__file__).resolve().parents[2]
U32 = npt.NDArray[np.uint32]


def random_matrix(n: int, w: int, seed: int) -> U32:
    return np.random.default_rng(seed).integers(0, P, size=(n, w), dtype=np.uint32)


def sponge_ref(
    row: Sequence[int], rate: int = 8, digest: int = 8, tag: int | None = None
) -> list[int]:
    """The row sponge of the contract of ``p2_hash_rows`` (rate 8, 8-element digests, tag the
    row's length) or ``p2_sponge_rows`` (any shape), on the scalar reference."""
    state = [0] * 16
    state[rate] = len(row) if tag is None else tag
    for c in range(0, len(row), rate):
        chunk = [int(v) for v in row[c : c + rate]]
        state[: len(chunk)] = chunk
        state = permute(state)
    return state[:digest]


def grind_ok(state: Sequence[int], pending: Sequence[int], bits: int, nonce: int) -> bool:
    s = [int(v) for v in state]
    s[: len(pending)] = pending
    s[len(pending)] = nonce
    return permute(s)[7] % (1 << bits) == 0


# ------------------------------------------------------------------------------------------------
# Permutation and compression
# ------------------------------------------------------------------------------------------------


def test_plonky3_vector() -> None:
    out = native.p2_permute(np.array([VECTOR_IN], dtype=np.uint32))
    assert out.dtype == np.uint32 and out.shape == (1, 16)
    assert out[0].tolist() == VECTOR_OUT


@pytest.mark.parametrize("n", [0, 1, 15, 16, 17, 100])
def test_permute_matches_reference(n: int) -> None:
    states = random_matrix(n, 16, seed=n)
    if n >= 2:
        states[0] = 0
        states[1] = P - 1
    got = native.p2_permute(states)
    assert got.shape == (n, 16)
    assert np.array_equal(got, permute_batch(states).reshape(n, 16))
    for row, out in zip(states[:3], got[:3], strict=True):
        assert out.tolist() == permute([int(v) for v in row])


def test_permute_accepts_non_contiguous() -> None:
    wide = random_matrix(20, 32, seed=3)
    view = wide[::2, ::2]
    assert np.array_equal(native.p2_permute(view), permute_batch(np.ascontiguousarray(view)))


def test_permute_list_matches_reference() -> None:
    assert native.p2_permute_list(VECTOR_IN) == VECTOR_OUT
    states = [[0] * 16, [P - 1] * 16, *random_matrix(20, 16, seed=5).tolist()]
    for state in states:
        out = native.p2_permute_list(state)
        assert type(out) is list and all(type(v) is int for v in out)
        assert out == permute(state)
    assert native.p2_permute_list(tuple(VECTOR_IN)) == VECTOR_OUT  # any sequence of ints


@pytest.mark.parametrize(
    "state",
    [
        [0] * 15,
        [0] * 17,
        [],
        [0] * 15 + [P],
        [0] * 15 + [-1],
        [0] * 15 + [1 << 70],
        [0] * 15 + [1.0],
        [0] * 15 + ["1"],
        7,
        None,
    ],
)
def test_permute_list_rejects(state: object) -> None:
    with pytest.raises(ValueError):
        native.p2_permute_list(state)


def test_native_arith_permutes_natively() -> None:
    from zkrv_prover.stark.field.arith import NativeArith

    assert NativeArith(native_hash=True)._p2 is native.p2_permute_list
    assert NativeArith(native_hash=True).b_permute(VECTOR_IN) == VECTOR_OUT
    assert NativeArith(native_hash=False).b_permute(VECTOR_IN) == VECTOR_OUT


def test_compress_is_truncated_permutation() -> None:
    pairs = random_matrix(33, 16, seed=4)
    got = native.p2_compress(pairs)
    assert got.shape == (33, 8) and got.dtype == np.uint32
    assert np.array_equal(got, permute_batch(pairs)[:, :8])


# ------------------------------------------------------------------------------------------------
# Row sponge
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("w", [1, 7, 8, 9, 16, 40])
def test_hash_rows_matches_sponge(w: int) -> None:
    rows = random_matrix(19, w, seed=100 + w)
    rows[0] = 0
    rows[1] = P - 1
    got = native.p2_hash_rows(rows)
    assert got.shape == (19, 8) and got.dtype == np.uint32
    for row, digest in zip(rows, got, strict=True):
        assert digest.tolist() == sponge_ref(row.tolist())


def test_hash_rows_separates_lengths() -> None:
    # A zero row of width 1 and of width 2 differ only by the length in the capacity.
    a = native.p2_hash_rows(np.zeros((1, 1), dtype=np.uint32))
    b = native.p2_hash_rows(np.zeros((1, 2), dtype=np.uint32))
    assert not np.array_equal(a, b)


@pytest.mark.parametrize("salt_len", [0, 3, 8])
def test_hash_lifted_matches_gathered_sponge(salt_len: int) -> None:
    # Leaf i hashes d_t[i >> (H - h_t)] for every matrix, then the leaf's salt; heights 2^0 ..
    # 2^H, in an order that is not sorted, across several gather blocks (2^9 > 8 LANES rows).
    H, logs = 9, [9, 0, 4, 9, 2]
    ds = [random_matrix(1 << h, 8, seed=200 + t) for t, h in enumerate(logs)]
    salts = random_matrix(1 << H, salt_len, seed=300) if salt_len else None
    got = native.p2_hash_lifted(ds, H, salts)
    assert got.shape == (1 << H, 8) and got.dtype == np.uint32
    for i in (0, 1, 17, 255, 256, 511):
        row = [v for d, h in zip(ds, logs, strict=True) for v in d[i >> (H - h)].tolist()]
        if salts is not None:
            row += salts[i].tolist()
        assert got[i].tolist() == sponge_ref(row)
    from zkrv_prover.stark.commit.hash_backend import p2_hash_lifted

    ref = p2_hash_lifted(ds, H, salts, backend="reference")
    assert np.array_equal(ref, got)


@pytest.mark.parametrize("w", [1, 6, 7, 8, 14, 18, 40])
@pytest.mark.parametrize("rate, digest", [(7, 9), (8, 8), (4, 12)])
def test_sponge_rows_matches_the_model(w: int, rate: int, digest: int) -> None:
    # the 128-bit profile's shape (7, 9) and others; tag default (the width) and explicit
    rows = random_matrix(37, w, seed=500 + w)
    got = native.p2_sponge_rows(rows, rate, digest)
    assert got.shape == (37, digest) and got.dtype == np.uint32
    for i in (0, 16, 36):
        assert got[i].tolist() == sponge_ref(rows[i].tolist(), rate, digest)
    tagged = native.p2_sponge_rows(rows, rate, digest, 1 << 30)
    assert tagged[5].tolist() == sponge_ref(rows[5].tolist(), rate, digest, 1 << 30)
    if (rate, digest) == (8, 8):
        assert np.array_equal(got, native.p2_hash_rows(rows))


def test_sponge_lifted_matches_gathered_sponge() -> None:
    H, logs = 9, [9, 0, 4, 9]
    ds = [random_matrix(1 << h, 9, seed=600 + t) for t, h in enumerate(logs)]
    salts = random_matrix(1 << H, 8, seed=700)
    got = native.p2_sponge_lifted(ds, H, 7, 9, salts)
    assert got.shape == (1 << H, 9)
    for i in (0, 17, 256, 511):
        row = [v for d, h in zip(ds, logs, strict=True) for v in d[i >> (H - h)].tolist()]
        assert got[i].tolist() == sponge_ref(row + salts[i].tolist(), 7, 9)
    eight = [d[:, :8].copy() for d in ds]
    assert np.array_equal(
        native.p2_sponge_lifted(eight, H, 8, 8, salts), native.p2_hash_lifted(eight, H, salts)
    )
    with pytest.raises(ValueError, match="shape"):
        native.p2_sponge_lifted(eight, H, 7, 9, salts)  # 8-element digests for a 9-digest call


@pytest.mark.parametrize(
    "rate, digest, tag",
    [(0, 9, None), (16, 9, None), (7, 0, None), (7, 17, None), (7, 9, 2013265921)],
)
def test_sponge_shape_rejected(rate: int, digest: int, tag: int | None) -> None:
    with pytest.raises(ValueError):
        native.p2_sponge_rows(np.zeros((2, 3), dtype=np.uint32), rate, digest, tag)


@pytest.mark.parametrize(
    "digests, log_height, salts",
    [
        ([], 2, None),
        ([np.zeros((8, 8), dtype=np.uint32)], 2, None),  # taller than the tree
        ([np.zeros((3, 8), dtype=np.uint32)], 2, None),  # not a power of two
        ([np.zeros((4, 7), dtype=np.uint32)], 2, None),  # not a digest
        ([np.full((4, 8), P, dtype=np.uint32)], 2, None),
        ([np.zeros((4, 8), dtype=np.uint64)], 2, None),
        ([np.zeros((4, 8), dtype=np.uint32)], 2, np.zeros((2, 8), dtype=np.uint32)),
        ([np.zeros((4, 8), dtype=np.uint32)], 2, np.full((4, 8), P, dtype=np.uint32)),
        ([np.zeros((4, 8), dtype=np.uint32)], 31, None),
    ],
)
def test_hash_lifted_inputs_rejected(digests: list[U32], log_height: int, salts: Any) -> None:
    with pytest.raises(ValueError):
        native.p2_hash_lifted(digests, log_height, salts)


# ------------------------------------------------------------------------------------------------
# Grinding
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [0, 3, 7])
def test_grind_is_smallest(k: int) -> None:
    rng = np.random.default_rng(7 + k)
    state = [int(v) for v in rng.integers(0, P, size=16)]
    pending = [int(v) for v in rng.integers(0, P, size=k)]
    bits = 6
    nonce = native.p2_grind(state, pending, bits)
    assert 0 <= nonce < P
    assert grind_ok(state, pending, bits, nonce)
    assert not any(grind_ok(state, pending, bits, n) for n in range(nonce))


def test_grind_more_bits_and_zero_bits() -> None:
    state = [int(v) for v in range(16)]
    assert native.p2_grind(state, [], 0) == 0
    nonce = native.p2_grind(state, [5, 6], 14)
    assert grind_ok(state, [5, 6], 14, nonce)


# ------------------------------------------------------------------------------------------------
# Every compiled kernel (AVX-512, AVX2, plain) computes the same thing
# ------------------------------------------------------------------------------------------------

_ISA_SCRIPT = """
import numpy as np, sys
from zkrv_prover import _native as n
rows = np.random.default_rng(9).integers(0, 2013265921, size=(21, 19), dtype=np.uint32)
states = np.ascontiguousarray(rows[:, :16])
print(n.p2_hash_rows(rows).sum(dtype=np.uint64), n.p2_permute(states).sum(dtype=np.uint64),
      n.p2_compress(states).sum(dtype=np.uint64), n.p2_grind(list(range(16)), [1, 2, 3], 9),
      n.p2_hash_lifted([rows[:16, :8], rows[:4, 8:16]], 4, rows[:16, 2:5]).sum(dtype=np.uint64),
      n.p2_sponge_rows(rows, 7, 9).sum(dtype=np.uint64),
      n.p2_sponge_lifted([rows[:16, :9], rows[:4, 9:18]], 4, 7, 9).sum(dtype=np.uint64))
"""


def test_instruction_sets_agree() -> None:
    outs = []
    for isa in ("baseline", "avx2", "avx512"):
        env = {
            **os.environ,
            "ZKRV_NATIVE_P2_ISA": isa,
            "PYTHONPATH": os.pathsep.join([str(ROOT / "prover"), os.environ.get("PYTHONPATH", "")]),
        }
        r = subprocess.run(
            [sys.executable, "-c", _ISA_SCRIPT], env=env, capture_output=True, text=True
        )
        assert r.returncode == 0, r.stderr
        outs.append(r.stdout)
    assert outs[0] == outs[1] == outs[2]


# ------------------------------------------------------------------------------------------------
# Bad inputs
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fn, arg",
    [
        ("p2_permute", np.zeros((2, 15), dtype=np.uint32)),
        ("p2_permute", np.full((2, 16), P, dtype=np.uint32)),
        ("p2_permute", np.zeros((2, 16), dtype=np.uint64)),
        ("p2_permute", np.zeros(16, dtype=np.uint32)),
        ("p2_permute", [[0] * 16]),
        ("p2_compress", np.zeros((2, 8), dtype=np.uint32)),
        ("p2_compress", np.full((1, 16), 0xFFFFFFFF, dtype=np.uint32)),
        ("p2_hash_rows", np.zeros((2, 0), dtype=np.uint32)),
        ("p2_hash_rows", np.full((3, 9), P, dtype=np.uint32)),
        ("p2_hash_rows", np.zeros((2, 3), dtype=np.int32)),
        ("p2_hash_rows", np.zeros((2, 3, 1), dtype=np.uint32)),
    ],
)
def test_array_inputs_rejected(fn: str, arg: object) -> None:
    with pytest.raises(ValueError):
        getattr(native, fn)(arg)


@pytest.mark.parametrize(
    "state, pending, bits",
    [
        ([0] * 15, [], 4),
        ([0] * 17, [], 4),
        ([0] * 15 + [P], [], 4),
        ([0] * 15 + [-1], [], 4),
        ([0] * 16, [0] * 8, 4),
        ([0] * 16, [P], 4),
        ([0] * 16, [], 31),
        ([0] * 16, [], -1),
        ([0] * 16, [], 1 << 70),
        ([0] * 15 + [1 << 70], [], 4),
    ],
)
def test_grind_inputs_rejected(state: list[int], pending: list[int], bits: int) -> None:
    with pytest.raises(ValueError):
        native.p2_grind(state, pending, bits)


def test_first_non_canonical_value_is_named() -> None:
    # The check scans chunks of 2^14 values in parallel: the error must still name the first
    # bad value in row-major order, past the first chunk and with a later bad chunk present.
    states = np.zeros((5000, 16), dtype=np.uint32)
    states[4000, 1] = P + 7
    states[3000, 5] = P
    with pytest.raises(ValueError, match=r"states\[3000, 5\] = 2013265921 "):
        native.p2_permute(states)
    rows = np.zeros((3000, 40), dtype=np.uint32)
    rows[2999, 39] = 0xFFFFFFFF
    rows[2000, 3] = P
    with pytest.raises(ValueError, match=r"rows\[2000, 3\] = 2013265921 "):
        native.p2_hash_rows(rows)
