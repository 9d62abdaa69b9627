"""The segmented machine (``docs/segments.md``) on a C guest split into 1, 2 and many segments:
every segment's traces satisfy the segmented machine's constraints and local buses, the pc/eof
chain links them, and ``BUS_GLOBAL`` balances over all segments (checked natively here;
segment proofs: ``test_zkvm_segment_proofs.py``). Attacks on the boundary each break a
constraint, a local bus, the chain or the global balance; the ones a single segment cannot notice
(stale or re-opened memory, changed registers) are shown to be caught by the global balance
alone.

No STARK proofs: the debug checker evaluates every constraint on every row."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from zkrv.build import build
from zkrv_prover.executor import (
    MemoryImage,
    Segment,
    SegmentStart,
    TrapError,
    execute,
    execute_segment,
    execute_segments,
    load_elf,
)
from zkrv_prover.stark.air.air import TableLayout, compile_machine
from zkrv_prover.zkvm import machine as zm
from zkrv_prover.zkvm.buses import BUS_GLOBAL, BUS_HALT
from zkrv_prover.zkvm.memory import (
    KIND_REG,
    M_IMG,
    M_OPEN,
    M_PSEG,
    M_SD,
    M_V,
    NUM_PUBLIC_SEGMENTED,
    PUB_POST_PC,
    PUB_PRE_PC,
    PUB_SEG,
    PUB_SEG_FIRST,
    PUB_SEG_LAST,
    image_words,
)
from zkrv_prover.zkvm.program import PUB_SEG_FIRST_INDEX
from zkrv_prover.zkvm.segments import (
    GlobalBus,
    SegmentBoundary,
    SegmentChain,
    check_execution,
    local_problems,
    verifier_public,
)

GUEST = Path(__file__).parent / "guests" / "segments.c"
INPUT = bytes(range(40))
MEMORY = zm.CORE_TABLES.index("memory")
#: 7111 cycles: 2^13 gives one segment, 2^12 two, 2^10 seven.
ATTACK_PO2 = 10


@dataclass
class Run:
    """A segmented execution: executor segments, their boundaries and machine witnesses."""

    segs: list[Segment]
    bounds: list[SegmentBoundary]
    ws: list[zm.MachineWitness]


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> MemoryImage:
    return load_elf(build([GUEST], tmp_path_factory.mktemp("seg") / "segments.elf"))


@pytest.fixture(scope="module")
def tables(image: MemoryImage) -> zm.ProgramTables:
    return zm.ProgramTables.from_image(image)


@pytest.fixture(scope="module")
def layouts(tables: zm.ProgramTables) -> list[TableLayout]:
    return compile_machine(zm.build_machine(tables, segmented=True))


def witnesses(
    image: MemoryImage, tables: zm.ProgramTables, lays: list[TableLayout], segs: list[Segment]
) -> Run:
    """Pass 1's boundaries (in order) and each segment's witness."""
    chain = SegmentChain(image)
    bounds = [chain.add(sg) for sg in segs]
    ws = [
        zm.generate_segment(tables, sg.trace, b, lays) for sg, b in zip(segs, bounds, strict=True)
    ]
    return Run(segs, bounds, ws)


def honest(
    image: MemoryImage, tables: zm.ProgramTables, lays: list[TableLayout], po2: int, inp: bytes
) -> Run:
    return witnesses(image, tables, lays, list(execute_segments(image, inp, po2)))


@pytest.fixture(scope="module")
def attack_run(image: MemoryImage, tables: zm.ProgramTables, layouts: list[TableLayout]) -> Run:
    run = honest(image, tables, layouts, ATTACK_PO2, INPUT)
    assert len(run.segs) == 7 and check_execution(run.ws) == []
    return run


def test_public_value_indices() -> None:
    assert PUB_SEG_FIRST == PUB_SEG_FIRST_INDEX == PUB_SEG + 1
    assert NUM_PUBLIC_SEGMENTED == 43


@pytest.mark.parametrize(("po2", "count"), [(13, 1), (12, 2), (ATTACK_PO2, 7)])
def test_segments_satisfy_the_machine(
    image: MemoryImage,
    tables: zm.ProgramTables,
    layouts: list[TableLayout],
    po2: int,
    count: int,
) -> None:
    run = honest(image, tables, layouts, po2, INPUT)
    assert len(run.segs) == count
    assert check_execution(run.ws) == []
    bus = GlobalBus()
    for w in run.ws:
        assert local_problems(w.layouts, w.traces, w.public) == []
        bus.add(w.layouts, w.traces, w.public)
    assert bus.imbalance() == {}
    full = execute(image, INPUT)
    last = run.ws[-1].public
    assert bytes(last[zm.PUB_DIGEST : zm.PUB_DIGEST + 32]) == full.journal_digest
    assert int.from_bytes(bytes(last[zm.PUB_EXIT : zm.PUB_EXIT + 4]), "little") == full.exit_code
    b = run.bounds
    if count == 1:
        assert bus.fractions == 0  # one segment: no BUS_GLOBAL traffic at all
        assert b[0].first and b[0].last and b[0].open.all()
    else:
        # every word opens exactly once, image words in segment 0, and the last segment has a
        # row for every word of the execution
        opened = np.concatenate([bd.words[bd.open] for bd in b])
        assert np.unique(opened).size == opened.size
        assert np.array_equal(np.sort(opened), b[-1].words)
        assert np.isin(image_words(image)[0], b[0].words[b[0].open]).all()
        # the SHA256 precompile runs in a non-final segment for this split
        assert any(sg.trace.sha256_calls.shape[0] for sg in run.segs[:-1]) or count == 2


def test_reexecuted_segment_gives_the_same_witness(
    image: MemoryImage, tables: zm.ProgramTables, layouts: list[TableLayout], attack_run: Run
) -> None:
    """Pass 2 (a remote worker): the start state and the boundary alone rebuild the traces."""
    for s in (1, len(attack_run.segs) - 1):
        sg, b = attack_run.segs[s], attack_run.bounds[s]
        again = execute_segment(image, INPUT, sg.start, sg.cycles)
        w = zm.generate_segment(tables, again.trace, b, layouts)
        assert w.public == attack_run.ws[s].public
        for t0, t1 in zip(w.traces, attack_run.ws[s].traces, strict=True):
            assert np.array_equal(t0, t1)


# -- attacks ------------------------------------------------------------------------------------
def retampered(
    image: MemoryImage,
    tables: zm.ProgramTables,
    lays: list[TableLayout],
    run: Run,
    s: int,
    start: SegmentStart,
) -> Run | None:
    """The run with segment ``s`` re-executed from the forged start state ``start`` (a locally
    consistent segment: its own traces satisfy everything); None if the forged state traps,
    changes the segment's length or its end pc/eof (the pc chain would catch it too: we want
    forgeries only the global bus can see)."""
    try:
        forged = execute_segment(image, INPUT, start, run.segs[s].cycles)
    except (TrapError, ValueError):
        return None
    if (forged.end_pc, forged.end_eof) != (run.segs[s].end_pc, run.segs[s].end_eof):
        return None
    segs = [*run.segs[:s], forged, *run.segs[s + 1 :]]
    return witnesses(image, tables, lays, segs)


def only_global(run: Run) -> dict[tuple[int, ...], int]:
    """Check that every segment of ``run`` is locally fine and the pc/eof chain holds, so that
    only BUS_GLOBAL fails; return its unbalanced tuples."""
    n = len(run.ws)
    bus = GlobalBus()
    for s, w in enumerate(run.ws):
        pub = verifier_public(w.public, s, n)
        assert local_problems(w.layouts, w.traces, pub) == []
        bus.add(w.layouts, w.traces, pub)
    msgs = check_execution(run.ws)
    assert msgs and all("BUS_GLOBAL" in m for m in msgs), msgs
    return bus.imbalance()


def carried_words(b: SegmentBoundary, sg: Segment) -> np.ndarray:
    """Word indices the segment touches that it carries from an earlier segment."""
    touched = (sg.start.addresses >> 2).astype(np.int64)
    return b.words[~b.open & np.isin(b.words, touched)]


def test_stale_memory_value_breaks_the_global_bus(
    image: MemoryImage, tables: zm.ProgramTables, layouts: list[TableLayout], attack_run: Run
) -> None:
    """Segment 3 starts from a word's value before segment 2 rewrote it."""
    s = 3
    prev_sg, sg = attack_run.segs[s - 1], attack_run.segs[s]
    changed = prev_sg.start.addresses[prev_sg.start.values != prev_sg.trace.final_values]
    cands = np.intersect1d(changed, sg.start.addresses)
    assert cands.size
    for addr in cands.tolist():
        values = sg.start.values.copy()
        i = int(np.searchsorted(sg.start.addresses, addr))
        j = int(np.searchsorted(prev_sg.start.addresses, addr))
        values[i] = prev_sg.start.values[j]  # the stale value
        forged = dataclasses.replace(sg.start, values=values)
        run = retampered(image, tables, layouts, attack_run, s, forged)
        if run is not None:
            only_global(run)
            return
    pytest.fail("no stale value gave a runnable segment")


def reopened(
    image: MemoryImage,
    tables: zm.ProgramTables,
    lays: list[TableLayout],
    run0: Run,
    want_image: bool,
) -> tuple[Run, int] | None:
    """A run where a later segment claims a word it carries opens there as zero (a stack word,
    or an image word): re-executed with the word zeroed, then its row marked ``open`` without
    ``prev_seg`` (and without the image flag: image words come from BUS_IMAGE only in segment
    0). Its own traces stay consistent; the earlier segment's send is never received."""
    img_w = image_words(image)[0].astype(np.int64)
    for s in range(1, len(run0.segs)):
        sg = run0.segs[s]
        carried = carried_words(run0.bounds[s], sg)
        for w in carried[np.isin(carried, img_w) == want_image].tolist():
            values = sg.start.values.copy()
            values[int(np.searchsorted(sg.start.addresses, 4 * w))] = 0
            run = retampered(
                image, tables, lays, run0, s, dataclasses.replace(sg.start, values=values)
            )
            if run is None:
                continue
            core = [np.array(t, copy=True) for t in run.ws[s].traces[: len(zm.CORE_TABLES)]]
            mem = core[MEMORY]
            row = int(np.searchsorted(run.bounds[s].words, w))
            assert mem[row, M_OPEN] == 0 and not mem[row, M_V : M_V + 4].any()
            mem[row, M_OPEN], mem[row, M_PSEG], mem[row, M_SD], mem[row, M_IMG] = 1, 0, 0, 0
            pub = run.ws[s].public
            traces = zm.complete_traces(run.ws[s].layouts, core, pub, strict=False)
            run.ws[s] = zm.MachineWitness(run.ws[s].machine, run.ws[s].layouts, traces, pub)
            return run, w
    return None


@pytest.mark.parametrize("want_image", [False, True])
def test_reopening_a_word_as_zero_breaks_the_global_bus(
    image: MemoryImage,
    tables: zm.ProgramTables,
    layouts: list[TableLayout],
    attack_run: Run,
    want_image: bool,
) -> None:
    found = reopened(image, tables, layouts, attack_run, want_image)
    assert found is not None
    run, w = found
    # that word's chain breaks (a zeroed data word may also change what the segment leaves)
    assert w in {k[0] for k in only_global(run)}


def test_changed_register_breaks_the_global_bus(
    image: MemoryImage, tables: zm.ProgramTables, layouts: list[TableLayout], attack_run: Run
) -> None:
    """Segment 2 starts with a register the previous segment did not leave (tp: x4, which the
    guest never uses, so the forged segment runs exactly as before)."""
    s = 2
    regs = list(attack_run.segs[s].start.registers)
    regs[4] ^= 0x1000
    forged = dataclasses.replace(attack_run.segs[s].start, registers=tuple(regs))
    run = retampered(image, tables, layouts, attack_run, s, forged)
    assert run is not None
    assert {(k[0], k[-1]) for k in only_global(run)} == {(4, KIND_REG)}


def test_dropped_segment_is_caught(attack_run: Run) -> None:
    ws = [*attack_run.ws[:3], *attack_run.ws[4:]]
    msgs = check_execution(ws)
    assert any("BUS_GLOBAL" in m for m in msgs)
    assert any("ends at pc" in m for m in msgs)  # and the pc chain breaks


def test_dropped_last_segment_is_caught(attack_run: Run) -> None:
    """Without its last segment the execution never halts and nothing closes the chains."""
    msgs = check_execution(attack_run.ws[:-1])
    assert any("BUS_GLOBAL" in m for m in msgs)


def test_swapped_segments_are_caught(attack_run: Run) -> None:
    ws = list(attack_run.ws)
    ws[2], ws[3] = ws[3], ws[2]
    msgs = check_execution(ws)
    assert any("BUS_GLOBAL" in m for m in msgs)


def test_same_pc_link_does_not_hide_a_swap(attack_run: Run) -> None:
    """Even with the pc/eof chain ignored, reordered segments break the global bus."""
    ws = list(attack_run.ws)
    ws[1], ws[5] = ws[5], ws[1]
    bus = GlobalBus()
    for s, w in enumerate(ws):
        bus.add(w.layouts, w.traces, verifier_public(w.public, s, len(ws)))
    assert bus.imbalance()


def test_spliced_segment_from_another_input_is_caught(
    image: MemoryImage, tables: zm.ProgramTables, layouts: list[TableLayout], attack_run: Run
) -> None:
    other = honest(image, tables, layouts, ATTACK_PO2, bytes(range(1, 41)))
    for s, o in ((2, 2), (len(attack_run.ws) - 1, len(other.ws) - 1)):  # a middle, the last
        ws = list(attack_run.ws)
        ws[s] = other.ws[o]
        bus = GlobalBus()
        for k, w in enumerate(ws):
            bus.add(w.layouts, w.traces, verifier_public(w.public, k, len(ws)))
        assert bus.imbalance(), s
        assert check_execution(ws)


def test_halt_in_a_non_final_segment_is_caught(attack_run: Run) -> None:
    """The halting segment proven as a non-final one: its HALT row's BUS_HALT send has no
    receiver (the halt table receives only in the last segment)."""
    n = len(attack_run.ws)
    w = attack_run.ws[-1]
    pub = verifier_public(w.public, n - 1, n + 1)
    msgs = local_problems(w.layouts, w.traces, pub)
    assert any(m.startswith(f"bus {BUS_HALT} ") for m in msgs), msgs
    msgs = check_execution([*attack_run.ws, attack_run.ws[-1]])
    assert any(m.startswith(f"segment {n - 1}: bus {BUS_HALT} ") for m in msgs)


def test_forged_public_values_are_caught(attack_run: Run) -> None:
    """The pc a segment claims to start at is pinned by its first row; a segment index it
    claims is overridden by the verifier."""
    w = attack_run.ws[3]
    pub = list(w.public)
    pub[PUB_PRE_PC] += 4
    assert any("pre_pc" in m for m in local_problems(w.layouts, w.traces, pub))
    pub = list(w.public)
    pub[PUB_POST_PC] += 4
    assert any("post_pc" in m for m in local_problems(w.layouts, w.traces, pub))
    pub = list(w.public)
    pub[PUB_SEG] = 7  # the verifier resets it; evaluated as claimed, the chains break
    bus = GlobalBus()
    for s, ww in enumerate(attack_run.ws):
        bus.add(ww.layouts, ww.traces, pub if s == 3 else ww.public)
    assert bus.imbalance()
    assert pub[PUB_SEG_LAST] == 0


def test_global_bus_id_is_distinct() -> None:
    from zkrv_prover.zkvm import buses

    ids = [v for k, v in vars(buses).items() if k.startswith("BUS_")]
    assert len(set(ids)) == len(ids) and BUS_GLOBAL in ids


@pytest.mark.slow
def test_one_segment_proves_with_the_stark_prover() -> None:
    """The segmented machine is provable as it stands: a one-segment execution (no BUS_GLOBAL
    traffic) proves and verifies with its boundary round and global challenges, and the verifier
    rejects it under other public values (another segment index or start pc). Many segments:
    ``test_zkvm_segment_proofs.py``."""
    from zkvm_util import every_instruction, image_of

    from zkrv_prover.stark.field.field import EXT_DEGREE
    from zkrv_prover.stark.protocol.global_challenges import global_challenges
    from zkrv_prover.stark.protocol.prover import (
        BoundarySecret,
        GlobalInput,
        commit_boundary,
        prove,
    )
    from zkrv_prover.stark.protocol.verifier import verify, verify_global
    from zkrv_prover.zkvm.image_id import segmented_key

    img = image_of(every_instruction())
    (seg,) = execute_segments(img, b"\x01\x02\x03\x04\x05\x06", 12)
    key = segmented_key(img)
    vk = key.vk
    w = zm.generate_segment(key.tables, seg.trace, SegmentChain(img).add(seg), vk.layouts)
    assert check_execution([w]) == []
    secret = BoundarySecret(bytes(range(32)), (0,) * EXT_DEGREE)  # one proof: blind zero
    root = commit_boundary(vk, [w.traces[t] for t in vk.boundary_tables], w.public, secret)
    ch = global_challenges(vk.params, [(w.public, root)])
    proof = prove(vk, w.traces, w.public, global_=GlobalInput(ch, secret))
    assert proof.boundary_root == root
    assert verify_global(vk, [(w.public, proof)]) == ch
    for idx, delta in ((PUB_SEG, 1), (PUB_PRE_PC, 4)):
        bad = list(w.public)
        bad[idx] += delta
        with pytest.raises(Exception):  # noqa: B017 - any rejection
            verify(vk, bad, proof, global_challenges=ch)
