"""The cycle profiler (``execute(..., profile=True)``, ``zkrv execute --profile/--profile-svg``)
and symbolized trap messages.

Exact expectations come from ``guests/prof_calls.S`` (hand-written functions whose instruction
counts are in its comments); compiled C (``guests/prof_fib.c``) is checked against an
independent oracle: the trace's per-row pcs bucketed by the ELF's function symbols.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection
from executor_asm import CODE, HALT, i, image, jal, li

from zkrv.build import build
from zkrv_prover.executor import CycleLimitError, MemoryFaultError, check_trace, execute
from zkrv_prover.executor.flamegraph import WIDTH, flame_graph_svg
from zkrv_prover.executor.profile import Frame, Profile, link_action
from zkrv_prover.executor.symbols import Symbols

GUESTS = Path(__file__).resolve().parent / "guests"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def elf(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    d = tmp_path_factory.mktemp("prof")
    cache: dict[str, Path] = {}

    def get(source: str, *flags: str) -> Path:
        key = " ".join((source, *flags))
        if key not in cache:
            cache[key] = build([GUESTS / source], d / f"{len(cache)}.elf", list(flags))
        return cache[key]

    return get


def by_names(p: Profile) -> dict[tuple[str, ...], int]:
    """Cycles per stack, the stack spelled with function names."""
    out: Counter[tuple[str, ...]] = Counter()
    for stack, cycles in p.samples:
        out[tuple(p.frames[f].name for f in stack)] += cycles
    return dict(out)


def leaf_counts(counts: dict[tuple[str, ...], int], prefix: tuple[str, ...]) -> int:
    return sum(c for s, c in counts.items() if s[: len(prefix)] == prefix)


# ---------------------------------------------------------------- exact counts (assembly)
def test_self_and_total_cycles_of_a_call_graph(elf) -> None:  # type: ignore[no-untyped-def]
    path = elf("prof_calls.S")
    plain = execute(path)
    r = execute(path, profile=True)
    assert r.profile is not None and plain.profile is None
    # Profiling changes nothing else, and every retired cycle is in the profile exactly once.
    assert (r.cycles, r.registers, r.journal) == (plain.cycles, plain.registers, plain.journal)
    assert r.profile.total_cycles == r.cycles == sum(c for _, c in r.profile.samples)
    rows = {f.function: f for f in r.profile.functions()}
    want_self = {"main": 18, "leaf": 21 + 2 * 7 + 13, "mid": 9, "rec": 4 * 8 + 2}
    want_self |= {"tailer": 4, "milli": 3, "skipper": 2}
    assert {n: rows[n].self_cycles for n in want_self} == want_self
    # Inclusive: main covers everything it called; the tail call left tailer's frame.
    assert rows["main"].total_cycles == sum(want_self.values())
    assert rows["mid"].total_cycles == 9 + 2 * 7
    assert rows["tailer"].total_cycles == 4
    assert sum(r.self_cycles for r in rows.values()) == r.cycles

    counts = by_names(r.profile)
    top = ("_start", "main")
    assert counts[top] == 18  # including the instruction after the unmatched return
    assert counts[(*top, "leaf")] == 21 + 13  # direct call, and leaf(6) replacing tailer
    assert counts[(*top, "mid", "leaf")] == 2 * 7
    assert counts[(*top, "tailer")] == 4 and (*top, "tailer", "leaf") not in counts
    assert counts[(*top, "milli")] == 3  # called and returned through t0
    assert counts[(*top, "skipper")] == 2  # returned past its return address
    assert leaf_counts(counts, top) == rows["main"].total_cycles


def test_recursion_gets_one_frame_per_level(elf) -> None:  # type: ignore[no-untyped-def]
    p = execute(elf("prof_calls.S"), profile=True).profile
    assert p is not None
    counts = by_names(p)
    for depth in range(1, 5):
        assert counts[("_start", "main", *["rec"] * depth)] == 8
    assert counts[("_start", "main", *["rec"] * 5)] == 2  # rec(0)
    assert not any(s.count("rec") > 5 for s in counts)
    # Inclusive cycles count each stack once, however often rec appears in it.
    rec = next(f for f in p.functions() if f.function == "rec")
    assert rec.total_cycles == rec.self_cycles == 34


# ---------------------------------------------------------------- compiled C vs the trace
def _function_ranges(path: Path) -> list[tuple[int, int, str]]:
    """Sized STT_FUNC symbols straight from the ELF (independent of zkrv's symbolizer)."""
    with open(path, "rb") as f:
        elf = ELFFile(f)
        table = elf.get_section_by_name(".symtab")
        assert isinstance(table, SymbolTableSection)
        return sorted(
            (s["st_value"], s["st_value"] + s["st_size"], s.name)
            for s in table.iter_symbols()
            if s["st_info"]["type"] == "STT_FUNC" and s["st_size"] > 0
        )


@pytest.mark.parametrize(("source", "flags", "n"), [("prof_fib.c", ("-O0",), 9)])
def test_c_guest_self_cycles_match_trace_and_recursion_depth(
    elf, source: str, flags: tuple[str, ...], n: int
) -> None:  # type: ignore[no-untyped-def]
    path = elf(source, *flags)
    # Traced and profiled in one run: the trace is still exactly right.
    r = execute(path, n.to_bytes(4, "little"), profile=True, trace=True)
    assert r.trace is not None and r.profile is not None
    check_trace(r.trace)
    pcs = r.trace.columns["pc"].astype(np.int64)
    rows = {f.function: f for f in r.profile.functions()}
    for lo, hi, name in _function_ranges(path):
        want = int(np.count_nonzero((pcs >= lo) & (pcs < hi)))
        got = rows[name].self_cycles if name in rows else 0
        assert got == want, name
    assert r.profile.total_cycles == r.cycles == pcs.size

    counts = by_names(r.profile)
    # fib(n) nests n frames deep (fib(n) ... fib(1)); all of fib runs inside the outermost one.
    assert max(s.count("fib") for s in counts) == n
    outer = ("_start", "main", "fib")
    assert rows["fib"].total_cycles == leaf_counts(counts, outer)
    assert all(s[:3] == outer for s in counts if "fib" in s)
    assert rows["main"].total_cycles == leaf_counts(counts, ("_start", "main"))
    assert rows["square_sum"].total_cycles == rows["square_sum"].self_cycles > 0


def test_profiled_cycle_limit_is_exact(elf) -> None:  # type: ignore[no-untyped-def]
    path = elf("prof_calls.S")
    n = execute(path).cycles
    r = execute(path, max_cycles=n, profile=True)
    assert r.profile is not None and r.profile.total_cycles == n
    with pytest.raises(CycleLimitError, match=f"cycle limit of {n - 1} exceeded"):
        execute(path, max_cycles=n - 1, profile=True)


# ---------------------------------------------------------------- robustness
def test_unmatched_and_alternate_returns_without_symbols() -> None:
    """A bare image (no symbols: one ``0x00010000`` frame) with a return before any call, a
    matched call/return, and a return through t0 that matches nothing."""
    code = [
        *li(1, CODE + 12),  # +0, +4: ra = +12
        i("jalr", 0, 1, 0),  # +8: ret with an empty call stack -> +12
        jal(1, 12),  # +12: call +24 (return address +16)
        jal(0, 16),  # +16: j +32
        i("addi", 0, 0, 0),  # +20 (never runs)
        i("jalr", 0, 1, 0),  # +24: matched return -> +16
        i("addi", 0, 0, 0),  # +28 (never runs)
        *li(5, CODE + 44),  # +32, +36: t0 = +44
        i("jalr", 0, 5, 0),  # +40: return through t0 matching no call -> +44
    ]  # +44: HALT
    img = image(code + HALT)
    plain = execute(img)
    r = execute(img, profile=True)
    assert r.profile is not None and r.cycles == plain.cycles
    counts = by_names(r.profile)
    g = f"0x{CODE:08x}"
    assert counts == {(g,): r.cycles - 1, (g, g): 1}
    assert r.profile.functions()[0].total_cycles == r.cycles  # recursion-safe inclusive


def test_link_register_hints() -> None:
    """The push/pop table of the RISC-V spec (x1 and x5 are link registers)."""
    push, pop = 1, 2
    assert link_action("jal", 1, 0) == push and link_action("jal", 5, 0) == push
    assert link_action("jal", 0, 0) == 0 and link_action("jal", 6, 0) == 0
    assert link_action("jalr", 0, 1) == pop and link_action("jalr", 0, 5) == pop
    assert link_action("jalr", 1, 10) == push and link_action("jalr", 0, 6) == 0
    assert link_action("jalr", 1, 5) == pop | push and link_action("jalr", 1, 1) == push
    assert link_action("beq", 0, 1) == 0


def test_symbols_aliases_overlaps_labels_and_gaps() -> None:
    funcs = [
        (0x1000, 0x20, "weak_alias", "STB_WEAK"),
        (0x1000, 0x20, "real", "STB_GLOBAL"),
        (0x1010, 0x30, "overlapping", "STB_LOCAL"),  # cuts "real" at 0x1010
        (0x1100, 0x10, "far", "STB_GLOBAL"),
    ]
    labels = [(0x1060, "label"), (0x0F00, "outside")]
    s = Symbols(funcs, labels, [(0x1000, 0x1200)])
    names = [(p.start, p.end, p.name, p.symbol) for p in s.pieces]
    assert names == [
        (0x1000, 0x1010, "real", True),
        (0x1010, 0x1040, "overlapping", True),
        (0x1040, 0x1060, "0x00001040", False),
        (0x1060, 0x1100, "label", True),
        (0x1100, 0x1110, "far", True),
        (0x1110, 0x1200, "0x00001110", False),
    ]
    assert s.describe(0x1014) == "overlapping+0x4" and s.describe(0x1064) == "label+0x4"
    assert s.describe(0x1044) is None and s.describe(0x2000) is None
    assert s.index(0x0FFC) is None and s.has_symbols
    assert not Symbols([], [], [(0x1000, 0x2000)]).has_symbols


# ---------------------------------------------------------------- traps name the symbol
def test_trap_and_cycle_limit_messages_name_the_symbol(elf) -> None:  # type: ignore[no-untyped-def]
    path = elf("prof_trap.S")
    crash = next(lo for lo, _, name in _function_ranges(path) if name == "crash")
    for profile in (False, True):
        with pytest.raises(MemoryFaultError) as e:
            execute(path, profile=profile)
        assert e.value.symbol == "crash+0x4" and e.value.pc == crash + 4
        assert str(e.value).startswith(f"trap at pc 0x{crash + 4:08x} (crash+0x4): misaligned")
    with pytest.raises(MemoryFaultError) as e2:  # ELF bytes carry the symbols too
        execute(path.read_bytes())
    assert e2.value.symbol == "crash+0x4"
    with pytest.raises(CycleLimitError, match=r"at pc 0x[0-9a-f]{8}, [A-Za-z_]\w*\+0x[0-9a-f]+\)"):
        execute(elf("prof_calls.S"), max_cycles=100)


def test_trap_in_a_bare_image_keeps_the_plain_message() -> None:
    img = image([i("lw", 10, 0, 2), *HALT])
    with pytest.raises(MemoryFaultError) as e:
        execute(img, profile=True)
    assert e.value.symbol is None and str(e.value).startswith("trap at pc 0x00010000: ")


# ---------------------------------------------------------------- output formats
def test_speedscope_json_structure(elf) -> None:  # type: ignore[no-untyped-def]
    r = execute(elf("prof_calls.S"), profile=True)
    assert r.profile is not None
    doc = json.loads(r.profile.speedscope_json())
    assert doc["$schema"] == "https://www.speedscope.app/file-format-schema.json"
    frames = doc["shared"]["frames"]
    assert all(set(f) == {"name"} and isinstance(f["name"], str) for f in frames)
    assert {"main", "leaf", "mid", "rec", "tailer", "milli", "skipper"} <= {
        f["name"] for f in frames
    }
    (prof,) = doc["profiles"]
    assert prof["type"] == "sampled" and prof["unit"] == "none" and prof["startValue"] == 0
    assert len(prof["samples"]) == len(prof["weights"]) == len(r.profile.samples)
    assert sum(prof["weights"]) == prof["endValue"] == r.cycles
    assert all(w > 0 for w in prof["weights"])
    assert all(0 <= k < len(frames) for s in prof["samples"] for k in s)
    assert len({tuple(s) for s in prof["samples"]}) == len(prof["samples"])  # distinct stacks
    assert doc["activeProfileIndex"] == 0


def _svg_frames(svg: str) -> list[tuple[str, int, float, float, float]]:
    """(name, cycles, x, y, width) of every frame group in a flame-graph SVG."""
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    out = []
    for g in root.iter(f"{SVG}g"):
        title = g.find(f"{SVG}title")
        rect = g.find(f"{SVG}rect")
        assert title is not None and rect is not None and title.text is not None
        m = re.fullmatch(r"(.*): ([\d,]+) cycles \(.*\), self [\d,]+", title.text)
        assert m, title.text
        out.append(
            (
                m[1],
                int(m[2].replace(",", "")),
                float(rect.attrib["x"]),
                float(rect.attrib["y"]),
                float(rect.attrib["width"]),
            )
        )
    return out


def test_flame_graph_svg(elf) -> None:  # type: ignore[no-untyped-def]
    r = execute(elf("prof_calls.S"), profile=True)
    assert r.profile is not None
    svg = flame_graph_svg(r.profile)
    frames = _svg_frames(svg)
    names = {f[0] for f in frames}
    assert {"all", "_start", "main", "leaf", "mid", "rec", "tailer"} <= names
    root = next(f for f in frames if f[0] == "all")
    assert root[1] == r.cycles
    scale = root[4] / r.cycles
    for name, cycles, x, y, width in frames:
        assert width == pytest.approx(cycles * scale, abs=0.01), name
        if name != "all":  # every frame sits on its caller, one row lower, within its width
            assert any(
                y2 == y + 16 and x2 - 0.01 <= x and x + width <= x2 + w2 + 0.01
                for _, _, x2, y2, w2 in frames
            ), name
    # One rectangle per distinct call path: rec appears once per recursion level, stacked.
    recs = sorted((y, c) for n, c, _, y, _ in frames if n == "rec")
    assert [c for _, c in recs] == [2, 10, 18, 26, 34]  # top (deepest) row first
    # Visible labels are the names of frames wide enough to hold them.
    texts = [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]
    assert "zkrv_exit" in texts and root[4] == pytest.approx(WIDTH - 20)


def test_flame_graph_escapes_names() -> None:
    p = Profile("x<&>", [Frame("a<b>&c", 0x10000), Frame('q"', 0x10004)], [((0,), 3), ((0, 1), 1)])
    frames = _svg_frames(flame_graph_svg(p))
    assert {("a<b>&c", 4), ('q"', 1), ("all", 4)} <= {(f[0], f[1]) for f in frames}


# ---------------------------------------------------------------- the CLI
def test_cli_profile_json(cli, elf, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = elf("prof_calls.S")
    ss, svg = tmp_path / "out" / "p.json", tmp_path / "p.svg"
    r = cli("execute", str(path), "--profile", str(ss), "--profile-svg", str(svg), "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    prof = data["profile"]
    assert prof["speedscope"] == str(ss) and prof["svg"] == str(svg)
    assert prof["total_cycles"] == data["cycles"]
    top = {row["function"]: row for row in prof["top"]}
    assert set(prof["top"][0]) == {"function", "self_cycles", "total_cycles"}
    assert top["main"]["self_cycles"] == 18 and top["main"]["total_cycles"] == 118
    selfs = [row["self_cycles"] for row in prof["top"]]
    assert selfs == sorted(selfs, reverse=True)
    assert sum(json.loads(ss.read_text())["profiles"][0]["weights"]) == data["cycles"]
    assert any(f[0] == "rec" for f in _svg_frames(svg.read_text()))


def test_cli_profile_text_and_svg_only(cli, elf, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    svg = tmp_path / "p.svg"
    r = cli("execute", str(elf("prof_calls.S")), "--profile-svg", str(svg))
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert f"written to {svg}" in out and "self cycles" in out
    table = out[out.index("self cycles") :].splitlines()[1:]
    assert len(table) == 10 and any(line.endswith("  main") for line in table)
    assert svg.is_file() and not (tmp_path / "p.json").exists()


@pytest.mark.parametrize("flag", ["--profile", "--profile-svg"])
def test_cli_unwritable_profile_path(cli, elf, tmp_path: Path, flag: str) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    for target, needle in (
        (blocker / "p.out", "is not a writable directory"),
        (tmp_path, "is a directory"),
    ):
        r = cli("execute", str(elf("prof_calls.S")), flag, str(target), "--json")
        assert r.returncode == 1
        err = r.stderr.decode()
        assert err.count("\n") == 1 and err.startswith(f"zkrv: error: cannot write {flag} file")
        assert needle in err and json.loads(r.stdout) == {
            "error": err[len("zkrv: error: ") :].strip()
        }


def test_cli_trap_names_the_symbol(cli, elf) -> None:  # type: ignore[no-untyped-def]
    r = cli("execute", str(elf("prof_trap.S")))
    err = r.stderr.decode()
    assert r.returncode == 1 and err.count("\n") == 1
    assert re.fullmatch(
        r"zkrv: error: trap at pc 0x[0-9a-f]{8} \(crash\+0x4\): misaligned .*\n", err
    )
