"""The Keccak-f[1600] table (``zkvm/keccak_f.py``) on its own: its permutation against
pycryptodome's Keccak-256 and FIPS 202's constants, honest traces accepted by the debug checker,
malicious traces (wrong output limb, intermediate bit, round constant, a skipped round, a broken
handoff between rounds) rejected. The table's buses to the rest of the machine (the call, memory,
range checks) do not balance on their own and are left out here; ``test_zkvm_keccak_machine.py``
checks the table inside the machine (calls, memory, column coverage, proofs)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from Crypto.Hash import keccak

from zkrv_prover.executor.accel import KECCAK_RC, KECCAK_RHO
from zkrv_prover.executor.accel import keccak_f as accel_keccak_f
from zkrv_prover.stark.air import debug
from zkrv_prover.stark.air.air import Machine, TableLayout, compile_machine
from zkrv_prover.zkvm import keccak_f as kf
from zkrv_prover.zkvm.buses import BUS_ACCEL, BUS_BYTE, BUS_KECCAK_RC, BUS_MEMORY, BUS_RANGE16

KC = kf.C
LIMB0 = KC["limb0_0"]


def machine() -> Machine:
    return Machine([kf.KeccakFAir(), kf.KeccakRcAir()], name="keccak_f")


@pytest.fixture(scope="module")
def layouts() -> list[TableLayout]:
    return compile_machine(machine())


def states(k: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 2**64, size=(k, 25), dtype=np.uint64)


#: Buses to the rest of the machine: unbalanced for the table alone.
OUTSIDE = tuple(f"bus {bus} " for bus in (BUS_ACCEL, BUS_MEMORY, BUS_BYTE, BUS_RANGE16))


def check(layouts: list[TableLayout], tr: np.ndarray) -> list[str]:
    """Constraint failures and unbalanced internal buses (``BUS_KECCAK_RC``, ``BUS_KECCAK_IO``)."""
    probs = debug.check_traces(layouts, [tr, kf.rc_trace(tr)], [])
    return [p for p in probs if not p.startswith(OUTSIDE)]


def limbs(tr: np.ndarray, row: int) -> np.ndarray:
    return tr[row, LIMB0 : LIMB0 + 100]


def keccak256_blocks(msg: bytes) -> Iterator[np.ndarray]:
    """The rate blocks of Keccak-256's padding of ``msg`` (0x01 ... 0x80), as 17 lanes each."""
    padded = bytearray(msg) + bytearray(136 - len(msg) % 136)
    padded[len(msg)] ^= 0x01
    padded[-1] ^= 0x80
    for i in range(0, len(padded), 136):
        yield np.frombuffer(bytes(padded[i : i + 136]), dtype="<u8")


@pytest.mark.parametrize("n", [0, 1, 135, 136, 137, 300])
def test_permutation_matches_pycryptodome(n: int) -> None:
    msg = bytes(range(256)) * 2
    msg = msg[:n]
    state = np.zeros((1, 25), dtype=np.uint64)
    for block in keccak256_blocks(msg):
        state[0, :17] ^= block
        state = kf.keccak_f(state)
    assert state[0, :4].astype("<u8").tobytes() == keccak.new(digest_bits=256, data=msg).digest()


def test_constants_are_fips_202() -> None:
    """The executor's tables, which the circuit uses, against FIPS 202's definitions: iota from
    the degree-8 LFSR (Algorithm 5), rho's offsets (t + 1)(t + 2) / 2 along the walk
    (x, y) -> (y, 2 x + 3 y) from (1, 0) (Algorithm 2)."""
    lfsr, rcs = 1, []
    for _ in range(24):
        rc = 0
        for m in range(7):
            rc |= (lfsr & 1) << ((1 << m) - 1)
            lfsr = ((lfsr << 1) ^ (0x171 if lfsr & 0x80 else 0)) & 0xFF
        rcs.append(rc)
    assert tuple(rcs) == KECCAK_RC
    offs, x, y = [0] * 25, 1, 0
    for t in range(24):
        offs[x + 5 * y] = (t + 1) * (t + 2) // 2 % 64
        x, y = y, (2 * x + 3 * y) % 5
    assert tuple(offs) == KECCAK_RHO
    assert all(rc & ~sum(1 << z for z in kf.RC_BITS) == 0 for rc in KECCAK_RC)


def test_executor_and_circuit_permutations_agree() -> None:
    st = states(4, seed=11)
    words = [[int(w) for lane in s for w in (lane & 0xFFFFFFFF, lane >> 32)] for s in st]
    ours = kf.keccak_f(st)
    for i in range(4):
        lanes = [
            lo | hi << 32 for lo, hi in zip(*[iter(accel_keccak_f(words[i]))] * 2, strict=True)
        ]
        assert lanes == [int(v) for v in ours[i]]


def test_trace_limbs_are_input_and_output(layouts: list[TableLayout]) -> None:
    st = states(3)
    tr = kf.keccak_f_trace(st, 256)
    out = kf.keccak_f(st)
    for i in range(3):
        base = i * kf.ROWS_PER_CALL
        assert np.array_equal(limbs(tr, base), kf._limbs16(st[i]).ravel())
        assert np.array_equal(limbs(tr, base + kf.ROWS_PER_CALL - 1), kf._limbs16(out[i]).ravel())
    assert tr[: 3 * kf.ROWS_PER_CALL, KC["active"]].all()
    assert not tr[3 * kf.ROWS_PER_CALL :, KC["active"]].any()
    assert check(layouts, tr) == []


@pytest.mark.parametrize(("k", "height"), [(1, 64), (2, 128), (5, 256), (1, 512)])
def test_padding_blocks_cut_at_any_round(layouts: list[TableLayout], k: int, height: int) -> None:
    # 64, 128, 256 and 512 rows are not multiples of 48: the last padding block stops early
    assert check(layouts, kf.keccak_f_trace(states(k, seed=k), height)) == []


def test_switched_off_table_is_all_zero(layouts: list[TableLayout]) -> None:
    tr = kf.keccak_f_trace(np.zeros((0, 25), dtype=np.uint64), 64)
    assert not tr.any() and not kf.rc_trace(tr).any()
    assert check(layouts, tr) == []


def test_bad_heights_refused() -> None:
    with pytest.raises(ValueError, match="power of two"):
        kf.keccak_f_trace(states(2), 64)
    with pytest.raises(ValueError, match="power of two"):
        kf.keccak_f_trace(states(1), 96)


@pytest.fixture(scope="module")
def honest() -> np.ndarray:
    return kf.keccak_f_trace(states(2, seed=7), 128)


def test_wrong_output_limb_rejected(layouts: list[TableLayout], honest: np.ndarray) -> None:
    tr = honest.copy()
    tr[kf.ROWS_PER_CALL - 1, LIMB0 + 37] ^= 1
    assert check(layouts, tr)


def test_other_permutation_output_rejected(layouts: list[TableLayout], honest: np.ndarray) -> None:
    # the last round of call 0 claims call 1's output: its rows are a consistent round of
    # call 1, spliced in
    tr = honest.copy()
    r = kf.ROWS_PER_CALL
    tr[r - 2 : r] = honest[2 * r - 2 : 2 * r]
    assert any("next_limb" in p for p in check(layouts, tr))


@pytest.mark.parametrize("row", [10, 11])
def test_wrong_intermediate_bit_rejected(
    layouts: list[TableLayout], honest: np.ndarray, row: int
) -> None:
    for col in ("ap7_3", "c2_30", "cp4_0", "chi00_9"):
        tr = honest.copy()
        tr[row, KC[col]] ^= 1
        assert check(layouts, tr), (col, row)


def test_wrong_round_constant_rejected(
    layouts: list[TableLayout], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A prover that permutes with a different round constant in round 5, the whole trace
    consistent with it (its own flags included), fails the lookup into the fixed table."""
    forged = list(KECCAK_RC)
    forged[5] ^= 1 << 15
    honest_table = kf.rc_table()
    monkeypatch.setattr(kf, "KECCAK_RC", tuple(forged))
    fake_table = np.array(honest_table)
    fake_table[10:12, kf.RC_FIELDS.index("rc0") + kf.RC_BITS.index(15)] ^= 1
    monkeypatch.setattr(kf, "rc_table", lambda: fake_table)
    tr = kf.keccak_f_trace(states(1), 64)
    monkeypatch.undo()
    assert not np.array_equal(tr, kf.keccak_f_trace(states(1), 64))
    probs = check(layouts, tr)
    assert probs and all(p.startswith(f"bus {BUS_KECCAK_RC} ") for p in probs), probs


def test_skipped_round_rejected(layouts: list[TableLayout], honest: np.ndarray) -> None:
    # drop round 3 of call 0 (rows 6, 7) and let round 4 follow round 2 with its own flags
    tr = honest.copy()
    tr[6:46] = honest[8:48]
    tr[46:48] = honest[46:48]
    assert check(layouts, tr)


def test_flags_cannot_be_forged(layouts: list[TableLayout], honest: np.ndarray) -> None:
    # an odd row claiming to be even, and a round claiming to be the last
    for row, col in ((11, "even"), (20, "last"), (0, "first"), (3, "active")):
        tr = honest.copy()
        tr[row, KC[col]] ^= 1
        assert check(layouts, tr), col
