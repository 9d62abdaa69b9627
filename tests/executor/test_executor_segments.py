"""Segmented execution (``executor/segments.py``): the segments of a run concatenate to the
one-run trace, each starts from the state the previous one left, and each re-executes from its
start state alone to the identical trace; boundaries fall on a load, a store, an ECALL (READ and
the SHA256 precompile), a taken branch and the HALT itself."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from executor_asm import DATA, ECALL, HALT, PAD, b, i, image, li, s

from zkrv.build import build
from zkrv_prover.executor import (
    CycleLimitError,
    MemoryImage,
    Segment,
    check_trace,
    execute,
    execute_segment,
    execute_segments,
)
from zkrv_prover.executor.accel import SHA256_IV

PO2 = 6  # 64-cycle segments: the smallest allowed
SEG = 1 << PO2
ROOT = Path(__file__).resolve().parents[2]

SETUP = [
    *li(8, DATA),
    *li(9, 0x1234_5678),
    s("sw", 9, 8, 0),
    *li(10, DATA + 8),
    i("addi", 17, 0, 1),  # a7 = READ
]
#: Instructions placed on the boundary (as the last cycle of segment 0 or the first of 1).
TARGETS = {
    "load": [i("lw", 12, 8, 0)],
    "store": [s("sw", 9, 8, 4)],
    "read": [ECALL],
    "branch": [b("beq", 0, 0, 8), i("addi", 13, 0, 99)],  # taken: skips the addi
    "sha256": [ECALL],  # a7 = 4, a0/a1: state and block (PRE)
    "log": [ECALL],  # LOG of the word stored in SETUP: read on the host side only
    "commit": [ECALL],  # COMMIT of the block at DATA + 128 into the journal state
}
#: Register setup of the targets that need more than SETUP.
PRE = {
    "sha256": [*li(10, DATA + 64), *li(11, DATA + 128), i("addi", 17, 0, 4)],
    "log": [*li(10, DATA), i("addi", 11, 0, 4), i("addi", 17, 0, 3)],
    "commit": [i("addi", 10, 0, 0), *li(11, DATA + 128), i("addi", 17, 0, 2)],
}
#: After the target: read back what it wrote (word loads of every touched place).
TAIL = [i("lw", 14, 8, 4), i("lw", 15, 8, 8), i("lw", 16, 8, 64), i("addi", 10, 0, 0)]


def program(target: str, at: int) -> MemoryImage:
    """SETUP, filler ADDIs, the target instruction at cycle ``at``, TAIL, HALT."""
    pre = [*SETUP, *PRE.get(target, [])]
    fill = [i("addi", 5, 5, 1)] * (at - len(pre))
    data = {DATA + 64 + 4 * k: 0x0101_0101 * k for k in range(8)}
    data |= {DATA + 128 + 4 * k: 0xA5A5_0000 + k for k in range(16)}
    if target == "commit":  # the journal is that 64-byte block: HALT's PAD block says 512 bits
        data[PAD + 60] = int.from_bytes((512).to_bytes(4, "big"), "little")
    return image([*pre, *fill, *TARGETS[target], *TAIL, *HALT], data)


def check_segments(img: MemoryImage, inp: bytes, po2: int) -> list[Segment]:
    """Segment the run; compare with the one-run trace; re-execute every segment alone."""
    full = execute(img, inp, trace=True)
    assert full.trace is not None
    check_trace(full.trace)
    segs = list(execute_segments(img, inp, po2))
    assert [sg.index for sg in segs] == list(range(len(segs)))
    assert all(sg.cycles == 1 << po2 for sg in segs[:-1]) and 1 <= segs[-1].cycles <= 1 << po2
    assert [sg.halted for sg in segs] == [False] * (len(segs) - 1) + [True]
    t = full.trace
    for name in t.columns:
        cat = np.concatenate([sg.trace[name] for sg in segs])
        if name == "clk":
            cat = np.concatenate([sg.trace[name] + sg.start.cycle for sg in segs])
        assert np.array_equal(cat, t[name]), name
    assert np.array_equal(np.concatenate([sg.trace.sha256_calls for sg in segs]), t.sha256_calls)
    assert (
        all(sg.trace.journal == b"" for sg in segs[:-1]) and segs[-1].trace.journal == full.journal
    )
    last = segs[-1].trace
    assert last.journal_digest == full.journal_digest and last.exit_code == full.exit_code
    # state chaining: registers, pc, eof; each segment's words start as the memory left them
    mem = dict(zip(t.image.addresses.tolist(), t.image.values.tolist(), strict=True))
    for k, sg in enumerate(segs):
        st = sg.start
        assert st.pc == int(sg.trace["pc"][0]) and st.cycle == k << po2
        rows = np.flatnonzero(sg.trace["mem_op"] != 0)
        assert set((sg.trace["mem_addr"][rows] & ~np.uint32(3)).tolist()) <= set(
            st.addresses.tolist()
        )
        for a, v in zip(st.addresses.tolist(), st.values.tolist(), strict=True):
            assert mem.get(a, 0) == v, (k, hex(a))
        fin = zip(sg.trace.final_addresses.tolist(), sg.trace.final_values.tolist(), strict=True)
        mem.update(fin)
        if k:
            prev = segs[k - 1]
            assert prev.end_pc == st.pc and prev.end_eof == st.eof
            assert int(prev.trace["next_pc"][-1]) == st.pc
            end_regs = execute_prefix_registers(img, inp, st.cycle)
            assert list(st.registers) == end_regs
    for a, v in zip(t.final_addresses.tolist(), t.final_values.tolist(), strict=True):
        assert mem.get(a, 0) == v, hex(a)  # the segments' final words give the final memory
    for sg in segs:
        again = execute_segment(img, inp, sg.start, sg.cycles)
        for name in sg.trace.columns:
            assert np.array_equal(again.trace[name], sg.trace[name]), name
        assert np.array_equal(again.trace.sha256_calls, sg.trace.sha256_calls)
        for f in ("addresses", "values", "host_addresses", "host_values"):
            assert np.array_equal(getattr(again.start, f), getattr(sg.start, f)), f
        assert np.array_equal(again.trace.final_values, sg.trace.final_values)
        assert (again.end_pc, again.end_eof, again.halted) == (sg.end_pc, sg.end_eof, sg.halted)
        assert again.trace.journal == sg.trace.journal
        assert again.trace.journal_digest == sg.trace.journal_digest
    return segs


def execute_prefix_registers(img: MemoryImage, inp: bytes, cycles: int) -> list[int]:
    """x0..x31 and the journal state after exactly ``cycles`` cycles (an independent run stopped
    by its limit)."""
    from zkrv_prover.executor.machine import Machine

    m = Machine(img, inp)
    try:
        with pytest.raises(CycleLimitError):
            m.run(cycles)
        return [*m.x, *m.jstate]
    finally:
        m.close()


@pytest.mark.parametrize("at", [SEG - 1, SEG])
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_boundary_at_instruction(target: str, at: int) -> None:
    segs = check_segments(program(target, at), b"\x01\x02\x03\x04\x05", PO2)
    assert len(segs) == 2
    row = at - SEG if at >= SEG else at
    seg = segs[1] if at >= SEG else segs[0]
    assert int(seg.trace["insn"][row]) == TARGETS[target][0]
    if target == "log" and at >= SEG:  # the logged word is not touched by the LOG's segment
        assert seg.start.host_addresses.tolist() == [DATA]
        assert seg.start.host_values.tolist() == [0x1234_5678]


def test_halt_exactly_on_the_boundary() -> None:
    code = [i("addi", 5, 5, 1)] * (2 * SEG - len(HALT))
    segs = check_segments(image([*code, *HALT]), b"", PO2)
    assert [sg.cycles for sg in segs] == [SEG, SEG] and segs[1].halted


def test_one_segment_is_the_whole_run() -> None:
    img = program("load", 10)
    (seg,) = check_segments(img, b"", 8)
    full = execute(img, b"", trace=True)
    assert full.trace is not None and seg.start.registers == (0,) * 32 + SHA256_IV
    assert seg.start.pc == img.entry and not seg.start.eof


def test_c_guest_in_many_segments(tmp_path: Path) -> None:
    elf = build([ROOT / "tests" / "zkvm" / "guests" / "segments.c"], tmp_path / "seg.elf")
    img = execute(elf, b"").image
    for po2, inp in ((7, bytes(range(40))), (10, b"\xff" * 3)):
        segs = check_segments(img, inp, po2)
        assert len(segs) > 2
        assert any(sg.trace.sha256_calls.shape[0] for sg in segs)
        assert segs[-1].end_eof  # the seed is shorter than the 64 bytes asked for


def test_segments_stream_and_limits() -> None:
    img = program("store", 100)
    gen = execute_segments(img, b"", PO2)
    first = next(gen)
    assert first.cycles == SEG and not first.halted
    gen.close()  # releases the machine
    with pytest.raises(CycleLimitError):
        list(execute_segments(img, b"", PO2, max_cycles=100))
    with pytest.raises(ValueError):
        next(execute_segments(img, b"", PO2 - 1))
    with pytest.raises(ValueError):
        execute_segment(img, b"", first.start, SEG + 5000)
