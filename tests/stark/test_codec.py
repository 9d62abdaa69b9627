"""The bit-packed proof encoding (``field/codec.py``): round trips over mixed value sequences,
the exact bit layout, and rejection of malformed streams (values >= p in a 31-bit slot,
truncation inside a value, set padding bits, trailing bytes)."""

from __future__ import annotations

import random

import pytest

from zkrv_prover.bn254.constants import R
from zkrv_prover.stark.field.codec import (
    BASE_BITS,
    ProofFormatError,
    Reader,
    Writer,
    digest_bits,
)
from zkrv_prover.stark.field.field import EXT_DEGREE, P

KINDS = ("bn254", "babybear")


def _p2_digest(rng: random.Random) -> int:
    return sum(rng.randrange(P) << (32 * i) for i in range(8))


def _ops(rng: random.Random, kind: str) -> list[tuple[str, object]]:
    """A random sequence of writes; row lengths straddle the vectorized-packing threshold."""
    out: list[tuple[str, object]] = []
    for _ in range(rng.randrange(1, 40)):
        op = rng.choice(["u8", "u16", "u32", "u64", "raw", "base", "bases", "ext", "digest"])
        v: object
        if op.startswith("u"):
            v = rng.randrange(1 << int(op[1:]))
        elif op == "raw":
            v = rng.randbytes(rng.randrange(6))
        elif op == "base":
            v = rng.choice([0, 1, P - 1, rng.randrange(P)])
        elif op == "bases":
            v = [rng.randrange(P) for _ in range(rng.choice([0, 1, 15, 16, 17, 300]))]
        elif op == "ext":
            v = tuple(rng.randrange(P) for _ in range(EXT_DEGREE))
        else:
            v = rng.randrange(R) if kind == "bn254" else _p2_digest(rng)
        out.append((op, v))
    return out


def _width(op: str, v: object, kind: str) -> int:
    """Encoded bits of one write (module doc of ``codec.py``)."""
    if op.startswith("u"):
        return int(op[1:])
    if op in ("raw", "bases"):
        assert isinstance(v, bytes | list)
        return (8 if op == "raw" else BASE_BITS) * len(v)
    if op == "digest":
        return digest_bits(kind)  # type: ignore[arg-type]
    return BASE_BITS * (EXT_DEGREE if op == "ext" else 1)


def _read(r: Reader, op: str, v: object) -> object:
    if op == "bases":
        assert isinstance(v, list)
        return r.bases(len(v), "row")
    if op == "raw":
        assert isinstance(v, bytes)
        return r.raw(len(v), "raw")
    return getattr(r, op)(op)


@pytest.mark.parametrize("kind", KINDS)
def test_mixed_sequences_round_trip_at_their_bit_length(kind: str) -> None:
    rng = random.Random(7)
    for _ in range(100):
        ops = _ops(rng, kind)
        w = Writer(kind)  # type: ignore[arg-type]
        for op, v in ops:
            getattr(w, op)(v)
        bits = sum(_width(op, v, kind) for op, v in ops)
        assert w.bit_length == bits
        data = w.getvalue()
        assert len(data) == (bits + 7) // 8
        r = Reader(data, kind)  # type: ignore[arg-type]
        assert [_read(r, op, v) for op, v in ops] == [v for _, v in ops]
        r.finish()


def test_bit_layout_is_little_endian_and_packed() -> None:
    w = Writer()
    w.u8(0xAB)
    w.base(P - 1)
    w.bases(list(range(20)))
    stream = int.from_bytes(w.getvalue(), "little")
    assert stream & 0xFF == 0xAB
    assert (stream >> 8) & ((1 << 31) - 1) == P - 1
    for i in range(20):  # the vectorized path lays values out like the scalar one
        assert (stream >> (8 + 31 * (i + 1))) & ((1 << 31) - 1) == i


@pytest.mark.parametrize("n", [1, 20])
def test_a_value_of_p_or_more_in_a_base_slot_is_rejected(n: int) -> None:
    for bad in (P, (1 << 31) - 1):
        stream = sum(v << (31 * i) for i, v in enumerate([5] * (n - 1) + [bad]))
        data = stream.to_bytes((31 * n + 7) // 8, "little")
        with pytest.raises(ProofFormatError, match="non-canonical field element"):
            Reader(data).bases(n, "row")


def test_non_canonical_digests_are_rejected() -> None:
    with pytest.raises(ProofFormatError, match="non-canonical BN254 scalar"):
        Reader(R.to_bytes(32, "little")).digest("root")
    felts = [1, 2, 3, 4, 5, 6, 7, P]
    packed = sum(f << (31 * i) for i, f in enumerate(felts))
    with pytest.raises(ProofFormatError, match="non-canonical Poseidon2 digest"):
        Reader(packed.to_bytes(31, "little"), "babybear").digest("root")


def test_truncation_padding_and_trailing_bytes() -> None:
    w = Writer("babybear")
    w.bases([3] * 20)
    w.base(9)  # 651 bits: 82 bytes, the last one with 5 padding bits
    data = w.getvalue()
    assert len(data) == 82
    r = Reader(data[:-1], "babybear")
    r.bases(20, "row")
    with pytest.raises(ProofFormatError, match="truncated"):
        r.base("last")
    with pytest.raises(ProofFormatError, match="truncated"):
        Reader(data[:40], "babybear").bases(20, "row")
    for pad_bit in range(3, 8):  # 651 = 81 * 8 + 3: bits 3..7 of the last byte are padding
        bad = bytearray(data)
        bad[-1] |= 1 << pad_bit
        r = Reader(bytes(bad), "babybear")
        r.bases(20, "row")
        r.base("last")
        with pytest.raises(ProofFormatError, match="padding"):
            r.finish()
    r = Reader(data + b"\0", "babybear")
    r.bases(20, "row")
    r.base("last")
    with pytest.raises(ProofFormatError, match="trailing"):
        r.finish()


def test_writer_refuses_out_of_range_values() -> None:
    w = Writer("babybear")
    with pytest.raises(ValueError):
        w.base(P)
    with pytest.raises(ValueError):
        w.bases([1] * 20 + [P])
    with pytest.raises(OverflowError):
        w.u8(256)
    with pytest.raises(ValueError):
        w.digest(P << 32)
