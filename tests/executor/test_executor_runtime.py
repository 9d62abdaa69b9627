"""The C guest runtime (zkrv_read/commit/log/exit, 64-bit division, heap) and the ECALL ABI's
error paths, checked against Python."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest

from zkrv.build import build
from zkrv_prover.executor import (
    CycleLimitError,
    EcallError,
    IllegalInstructionError,
    JournalDigestError,
    MemoryFaultError,
    execute,
)

GUESTS = Path(__file__).resolve().parent / "guests"
M64 = (1 << 64) - 1


@pytest.fixture(scope="module")
def elf(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    d = tmp_path_factory.mktemp("rt")
    cache: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in cache:
            cache[name] = build([GUESTS / f"{name}.c"], d / f"{name}.elf")
        return cache[name]

    return get


@pytest.mark.parametrize("n", [0, 1, 3, 4, 5, 8, 13, 64, 101])
def test_read_echo(elf, n: int) -> None:  # type: ignore[no-untyped-def]
    data = random.Random(n).randbytes(n)
    r = execute(elf("rt_echo"), data)
    assert r.journal == data and r.exit_code == n & 0xFF
    assert r.journal_digest == hashlib.sha256(data).digest()


def _c_div(a: int, b: int) -> tuple[int, int]:
    """C's truncating signed 64-bit division."""
    sa = a - (1 << 64) if a >> 63 else a
    sb = b - (1 << 64) if b >> 63 else b
    q = abs(sa) // abs(sb) * (1 if (sa < 0) == (sb < 0) else -1)
    return q & M64, (sa - q * sb) & M64


def test_div64_helpers(elf) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(64)
    pairs = [(7, 2), (M64, 1), (M64, M64), (1 << 63, 3), (M64, 1 << 63), (M64 - 5, M64 - 2)]
    pairs += [(123456789123456789, 1000000007), (5, 1 << 40), ((1 << 63) + 9, (1 << 63) + 1)]
    pairs += [(rng.getrandbits(64), rng.getrandbits(rng.choice([8, 33, 63, 64])) | 1)]
    pairs += [(rng.getrandbits(64), rng.getrandbits(64)) for _ in range(20)]
    pairs = [(a, b) for a, b in pairs if not (a == 1 << 63 and b == M64)]  # C UB
    data = b"".join(a.to_bytes(8, "little") + b.to_bytes(8, "little") for a, b in pairs)
    r = execute(elf("rt_div64"), data)
    want = b""
    for a, b in pairs:
        q, m = _c_div(a, b)
        for v in (a // b, a % b, q, m):
            want += v.to_bytes(8, "little")
    assert r.journal == want


def test_heap(elf) -> None:  # type: ignore[no-untyped-def]
    seen: list[str] = []
    r = execute(elf("rt_heap"), log=seen.append)
    assert r.exit_code == 0 and r.logs == ["heap ok"] and seen == ["heap ok"]


def test_exit_from_nested_call_with_32bit_code(elf) -> None:  # type: ignore[no-untyped-def]
    r = execute(elf("rt_exit"))
    assert r.exit_code == 0xFFFFFFFF and r.journal == b"bye"


@pytest.mark.parametrize(
    ("which", "err", "match"),
    [
        (0, JournalDigestError, "1 committed journal block is not a padded SHA-256 message"),
        (1, EcallError, "unknown ECALL number 77"),
        (2, EcallError, "COMMIT block 0x00000100 is not 64 aligned bytes of RAM"),
        (3, EcallError, "READ pointer"),
        (4, EcallError, "READ pointer 0x00010000"),
        (5, EcallError, "COMMIT needs a0 = 0"),
        (6, EcallError, "LOG buffer"),
        (7, MemoryFaultError, "store outside the memory map at address 0x00000010"),
        (8, IllegalInstructionError, "illegal instruction .*0xc0001073"),
        (9, JournalDigestError, "0 committed journal blocks are not a padded SHA-256 message"),
        (10, EcallError, "COMMIT block 0x.* is not 64 aligned bytes of RAM"),
    ],
)
def test_ecall_and_trap_errors(elf, which: int, err: type, match: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(err, match=match) as e:
        execute(elf("rt_raw_ecall"), bytes([which]))
    assert "\n" not in str(e.value) and "pc 0x000" in str(e.value)


def test_cycle_limit_is_exact(elf) -> None:  # type: ignore[no-untyped-def]
    n = execute(elf("rt_exit")).cycles
    assert execute(elf("rt_exit"), max_cycles=n).cycles == n
    assert execute(elf("rt_exit"), max_cycles=n, trace=True).cycles == n
    for trace in (False, True):
        with pytest.raises(CycleLimitError, match=f"cycle limit of {n - 1} exceeded"):
            execute(elf("rt_exit"), max_cycles=n - 1, trace=trace)
