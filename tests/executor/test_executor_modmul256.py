"""MODMUL256 (ECALL 6), executor side: the guest API against Python integers on random and edge
operands (m = 0 meaning 2^256, m = 1, operands >= m, the largest values), the trace oracle holds,
and bad pointers trap (the circuit side: ``tests/zkvm/test_zkvm_modmul256.py``)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from executor_asm import DATA, ECALL, i, li, run

from zkrv.build import build
from zkrv_prover.executor import execute
from zkrv_prover.executor.accel import modmul256
from zkrv_prover.executor.errors import EcallError
from zkrv_prover.executor.trace import check_trace

GUEST = Path(__file__).parent / "guests" / "rt_modmul256.c"
TOP = (1 << 256) - 1


@pytest.fixture(scope="module")
def elf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build([GUEST], tmp_path_factory.mktemp("mm") / "mm.elf")


def cases() -> list[tuple[int, int, int]]:
    rng = random.Random(256)
    secp_p = 2**256 - 2**32 - 977
    bn_r = 21888242871839275222246405745257275088548364400416034343698204186575808495617
    edge = [
        (3, 5, 0),  # m = 0: mod 2^256
        (TOP, TOP, 0),
        (TOP, TOP, 1),  # m = 1: always 0
        (TOP, TOP, TOP),
        (secp_p + 5, secp_p - 1, secp_p),  # an operand >= m
        (TOP, 2, secp_p),
        (bn_r - 1, bn_r - 1, bn_r),
        (0, TOP, 7),
        (1 << 255, 2, 0),
    ]
    rand = [
        (rng.getrandbits(256), rng.getrandbits(256), rng.getrandbits(rng.choice([1, 64, 255, 256])))
        for _ in range(20)
    ]
    return edge + rand


def words(x: int) -> bytes:
    return x.to_bytes(32, "little")


def test_reference_matches_python_integers() -> None:
    for a, b, m in cases():
        got = modmul256(
            *(
                list(int.from_bytes(words(v)[4 * k : 4 * k + 4], "little") for k in range(8))
                for v in (a, b, m)
            )
        )
        assert sum(w << (32 * k) for k, w in enumerate(got)) == a * b % (m or 1 << 256)


def test_guest_api_matches_python_integers(elf: Path) -> None:
    cs = cases()
    res = execute(elf, b"".join(words(a) + words(b) + words(m) for a, b, m in cs), trace=True)
    want = b"".join(words(a * b % (m or 1 << 256)) for a, b, m in cs)
    assert res.exit_code == 0 and res.journal == want
    assert res.trace is not None and res.trace.modmul_calls.shape == (len(cs), 34)
    check_trace(res.trace)


def test_bad_pointers_trap() -> None:
    """A misaligned or read-only (code page) output, an input running off RAM."""
    for a0, a1, what in (
        (DATA + 2, DATA + 64, "output"),
        (0x10000, DATA, "output"),
        (DATA, 0x0BFFFFC0, "input"),
    ):
        code = [*li(10, a0), *li(11, a1), i("addi", 17, 0, 6), ECALL]
        with pytest.raises(EcallError, match=f"MODMUL256 {what}"):
            run(code)
