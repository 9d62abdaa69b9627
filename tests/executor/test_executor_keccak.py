"""The guest runtime's Keccak (``sdk/zkrv/guest/src/keccak.c``, over the KECCAKF precompile):
``zkrv_keccak256`` against pycryptodome's Keccak-256 (the web3 stack's) on padding edges, random
and unaligned data; ``zkrv_keccak_f`` (the ECALL) against this module's own Keccak-f[1600],
written from FIPS 202's step definitions (rho offsets and pi computed, not tabulated), itself
checked against pycryptodome; the ECALL's trace record, segments and argument errors; the
software Keccak-256 of ``examples/guests/keccak.c`` (the benchmark's baseline); and (slow) one
execution proven and verified."""

from __future__ import annotations

import random
import struct
from pathlib import Path

import numpy as np
import pytest
from Crypto.Hash import keccak

import zkrv
from zkrv.build import build
from zkrv_prover.executor import execute, execute_segments
from zkrv_prover.executor.errors import EcallError
from zkrv_prover.executor.segments import MIN_SEGMENT_PO2
from zkrv_prover.executor.trace import check_trace

GUEST = Path(__file__).parent / "guests" / "rt_keccak.c"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "guests" / "keccak.c"
MASK = (1 << 64) - 1
RATE = 136
#: lengths around the 136-byte rate: empty, one byte, the 0x01/0x80 pad sharing a byte (135),
#: exact blocks and one past them
EDGE_LENGTHS = [0, 1, 2, 134, 135, 136, 137, 271, 272, 273, 500, 1000]


def _rc() -> list[int]:
    """The 24 iota constants from FIPS 202's LFSR rc(t) (x^8 + x^6 + x^5 + x^4 + 1)."""
    out, r = [], 1
    bits = []
    for _ in range(7 * 24):
        bits.append(r & 1)
        r = ((r << 1) ^ (0x71 if r & 0x80 else 0)) & 0xFF
    for i in range(24):
        out.append(sum(bits[7 * i + j] << ((1 << j) - 1) for j in range(7)))
    return out


RC = _rc()


def rotl(v: int, n: int) -> int:
    n %= 64
    return ((v << n) | (v >> (64 - n))) & MASK if n else v


def keccak_f(lanes: list[int]) -> list[int]:
    """Keccak-f[1600] on 25 lanes, lane (x, y) at index x + 5 y, by the steps of FIPS 202."""
    a = [[lanes[x + 5 * y] for y in range(5)] for x in range(5)]
    # rho offsets: (t + 1)(t + 2) / 2 along (x, y) -> (y, 2x + 3y) from (1, 0)
    offset = [[0] * 5 for _ in range(5)]
    x, y = 1, 0
    for t in range(24):
        offset[x][y] = (t + 1) * (t + 2) // 2
        x, y = y, (2 * x + 3 * y) % 5
    for rc in RC:
        c = [a[x][0] ^ a[x][1] ^ a[x][2] ^ a[x][3] ^ a[x][4] for x in range(5)]
        d = [c[(x - 1) % 5] ^ rotl(c[(x + 1) % 5], 1) for x in range(5)]
        a = [[a[x][y] ^ d[x] for y in range(5)] for x in range(5)]
        b = [[0] * 5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                b[y][(2 * x + 3 * y) % 5] = rotl(a[x][y], offset[x][y])
        a = [
            [b[x][y] ^ (~b[(x + 1) % 5][y] & b[(x + 2) % 5][y]) for y in range(5)] for x in range(5)
        ]
        a[0][0] ^= rc
    return [a[i % 5][i // 5] for i in range(25)]


def keccak256_model(data: bytes) -> bytes:
    """Keccak-256 as a sponge over :func:`keccak_f` (rate 136, pad 0x01 ... 0x80)."""
    padded = bytearray(data + b"\x01" + bytes(-(len(data) + 1) % RATE))
    padded[-1] |= 0x80
    lanes = [0] * 25
    for off in range(0, len(padded), RATE):
        block = padded[off : off + RATE]
        for i in range(RATE // 8):
            lanes[i] ^= int.from_bytes(block[8 * i : 8 * i + 8], "little")
        lanes = keccak_f(lanes)
    return b"".join(v.to_bytes(8, "little") for v in lanes)[:32]


def reference(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()


@pytest.fixture(scope="module")
def elf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build([GUEST], tmp_path_factory.mktemp("keccak") / "rt_keccak.elf")


def test_the_model_is_keccak256() -> None:
    assert RC[0] == 1 and RC[23] == 0x8000000080008008
    rng = random.Random(3)
    for n in EDGE_LENGTHS:
        data = rng.randbytes(n)
        assert keccak256_model(data) == reference(data), n
    # Ethereum's empty-input hash (Keccak-256, not SHA3-256)
    assert reference(b"").hex().startswith("c5d2460186f7233c927e7db2dcc703c0")


@pytest.mark.parametrize("unaligned", [False, True])
def test_keccak256_matches_pycryptodome(elf: Path, unaligned: bool) -> None:
    rng = random.Random(7)
    for n in [*EDGE_LENGTHS, rng.randrange(1, 4096)]:
        data = rng.randbytes(n)
        res = execute(elf, struct.pack("<I", int(unaligned)) + data)
        assert res.exit_code == 0
        assert res.journal == reference(data), (n, unaligned)


def test_keccak_f_matches_the_model(elf: Path) -> None:
    rng = random.Random(11)
    for state in ([0] * 25, [MASK] * 25, [rng.getrandbits(64) for _ in range(25)]):
        raw = b"".join(v.to_bytes(8, "little") for v in state)
        res = execute(elf, struct.pack("<I", 2) + raw)
        got = [int.from_bytes(res.journal[8 * i : 8 * i + 8], "little") for i in range(25)]
        assert got == keccak_f(state)


@pytest.mark.parametrize("mode", [0, 1])
def test_example_guest_software_and_precompile_agree(
    tmp_path_factory: pytest.TempPathFactory, mode: int
) -> None:
    """``examples/guests/keccak.c``: its software Keccak-256 (mode 0) and ``zkrv_keccak256``
    (mode 1) against pycryptodome on the guest's generated data."""
    ex = build([EXAMPLE], tmp_path_factory.mktemp("keccak_ex") / "keccak.elf")
    for n in (0, 135, 136, 300):
        words = [(n + (i + 1) * 0x9E3779B9) % 2**32 for i in range((n + 3) // 4)]
        data = b"".join(w.to_bytes(4, "little") for w in words)[:n]
        res = execute(ex, struct.pack("<II", n, mode), trace=True)
        assert res.journal == reference(data), (n, mode)
        assert res.trace is not None
        assert res.trace.keccak_calls.shape[0] == (n // RATE + 1) * mode


@pytest.mark.slow
def test_keccak256_execution_is_proven(elf: Path) -> None:
    data = random.Random(5).randbytes(300)  # three permutations
    receipt = zkrv.prove(elf, struct.pack("<I", 0) + data)
    receipt.verify(zkrv.image_id(elf))
    assert receipt.journal == reference(data)


# -- the KECCAKF ECALL (5): executed and recorded ---------------------------------------------
def _lanes(raw: bytes) -> list[int]:
    return [int.from_bytes(raw[8 * i : 8 * i + 8], "little") for i in range(25)]


def test_keccakf_ecall_matches_the_model_and_the_trace_oracle(elf: Path) -> None:
    rng = random.Random(13)
    for state in ([0] * 25, [MASK] * 25, [rng.getrandbits(64) for _ in range(25)]):
        raw = b"".join(v.to_bytes(8, "little") for v in state)
        res = execute(elf, struct.pack("<I", 3) + raw, trace=True)
        assert _lanes(res.journal) == keccak_f(state)
        assert res.trace is not None
        calls = res.trace.keccak_calls
        assert calls.shape == (1, 51)
        assert [int(w) for w in calls[0, 1:]] == [
            int(w) for v in state for w in (v & 0xFFFFFFFF, v >> 32)
        ]
        check_trace(res.trace)


def test_keccakf_ecall_segments_record_the_state_words(elf: Path) -> None:
    """Cut into small segments, exactly one segment records the call and ends with the permuted
    state in its touched words."""
    state = [random.Random(17).getrandbits(64) for _ in range(25)]
    raw = b"".join(v.to_bytes(8, "little") for v in state)
    segs = list(execute_segments(elf, struct.pack("<I", 3) + raw, segment_po2=MIN_SEGMENT_PO2))
    assert len(segs) > 1
    (seg,) = [s for s in segs if s.trace.keccak_calls.shape[0]]
    a0 = int(seg.trace.keccak_calls[0, 0])
    addrs = a0 + 4 * np.arange(50, dtype=np.uint32)
    new = [w for v in keccak_f(state) for w in (v & 0xFFFFFFFF, v >> 32)]
    idx = np.searchsorted(seg.trace.final_addresses, addrs)
    assert [int(v) for v in seg.trace.final_values[idx]] == new
    assert segs[-1].trace.journal == b"".join(v.to_bytes(8, "little") for v in keccak_f(state))


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        (4, "KECCAKF needs a1 = 0"),
        (5, "is not 200 writable aligned bytes"),
        (6, "is not 200 writable aligned bytes"),
    ],
)
def test_keccakf_ecall_bad_arguments(elf: Path, mode: int, message: str) -> None:
    with pytest.raises(EcallError, match=message):
        execute(elf, struct.pack("<I", mode) + bytes(200))
