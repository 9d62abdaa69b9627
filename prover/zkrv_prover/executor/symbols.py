"""Symbolizing guest pcs from an ELF's symbol table (for the profiler and trap messages).

The code ranges of the image are cut into disjoint *pieces*, each with a name:

- a sized function (``STT_FUNC`` with ``st_size > 0``) covers ``[value, value + size)``; if two
  start at the same address one name is kept (global over weak over local, then the smaller
  name), and a function overlapping the next one's start is cut there;
- a label (``STT_NOTYPE``, or a zero-size ``STT_FUNC``, defined in an executable section, such
  as the runtime's hand-written ``_start``) names the code outside sized functions from its
  address up to the next label or function;
- the rest of the code is unsymbolized: a gap between symbols is one piece named by the address
  where it starts, ``0x0001abcd`` (a stripped ELF is one such piece per code range).

Symbols play no part in execution or proving; an ELF without a symbol table (or a
:class:`MemoryImage` alone) symbolizes every pc to its gap.
"""

from __future__ import annotations

import bisect
import io
from dataclasses import dataclass
from pathlib import Path

from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

_BINDING_RANK = {"STB_GLOBAL": 0, "STB_WEAK": 1}  # anything else (local) ranks 2


@dataclass(frozen=True)
class Piece:
    """A half-open range ``[start, end)`` of code with one name; ``symbol`` is False for a gap."""

    start: int
    end: int
    name: str
    symbol: bool


class Symbols:
    """Maps a pc to the :class:`Piece` (function, label or gap) containing it.

    ``functions`` are ``(start, size, name, binding)`` of sized functions, ``labels`` are
    ``(address, name)``, ``code_ranges`` the image's code ranges; pieces cover exactly the code
    ranges plus any function extending beyond them.
    """

    def __init__(
        self,
        functions: list[tuple[int, int, str, str]],
        labels: list[tuple[int, str]],
        code_ranges: tuple[tuple[int, int], ...] | list[tuple[int, int]],
    ) -> None:
        best: dict[int, tuple[int, str, int]] = {}  # start -> (rank, name, end)
        for start, size, name, binding in functions:
            cand = (_BINDING_RANK.get(binding, 2), name, start + size)
            if start not in best or cand[:2] < best[start][:2]:
                best[start] = cand
        starts = sorted(best)
        pieces: list[Piece] = []
        for k, s in enumerate(starts):
            _, name, end = best[s]
            if k + 1 < len(starts):
                end = min(end, starts[k + 1])  # overlapping functions: the later start wins
            pieces.append(Piece(s, end, name, True))
        covered = [(p.start, p.end) for p in pieces]
        label_list = sorted(set(labels))
        for lo, hi in code_ranges:
            for g0, g1 in _subtract(lo, hi, covered):
                # The first name at an address wins (several labels may share one).
                named: dict[int, str] = {}
                for a, n in label_list:
                    if g0 <= a < g1:
                        named.setdefault(a, n)
                marks = [(a, n, True) for a, n in sorted(named.items())]
                if not marks or marks[0][0] > g0:
                    marks.insert(0, (g0, f"0x{g0:08x}", False))
                for j, (a, n, is_symbol) in enumerate(marks):
                    b = marks[j + 1][0] if j + 1 < len(marks) else g1
                    pieces.append(Piece(a, b, n, is_symbol))
        pieces.sort(key=lambda p: p.start)
        self.pieces: list[Piece] = pieces
        self._starts = [p.start for p in pieces]

    @property
    def has_symbols(self) -> bool:
        """Whether any piece is named by a symbol (rather than only by addresses)."""
        return any(p.symbol for p in self.pieces)

    def index(self, pc: int) -> int | None:
        """Index in :attr:`pieces` of the piece containing ``pc``, or None outside all pieces."""
        k = bisect.bisect_right(self._starts, pc) - 1
        if k >= 0 and pc < self.pieces[k].end:
            return k
        return None

    def describe(self, pc: int) -> str | None:
        """``name+0xOFF`` for a pc inside a function or label; None when no symbol covers it."""
        k = self.index(pc)
        if k is None or not self.pieces[k].symbol:
            return None
        p = self.pieces[k]
        return f"{p.name}+0x{pc - p.start:x}"


def _subtract(lo: int, hi: int, covered: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of ``[lo, hi)`` outside the sorted, disjoint ``covered`` ranges."""
    out: list[tuple[int, int]] = []
    cur = lo
    for c0, c1 in covered:
        if c1 <= cur or c0 >= hi:
            continue
        if c0 > cur:
            out.append((cur, c0))
        cur = max(cur, c1)
    if cur < hi:
        out.append((cur, hi))
    return out


def read_symbols(
    source: str | Path | bytes,
) -> tuple[list[tuple[int, int, str, str]], list[tuple[int, str]]]:
    """Sized functions ``(start, size, name, binding)`` and code labels ``(address, name)`` of
    an ELF (path or bytes). Returns empty lists when the file has no symbol table or cannot be
    parsed (symbols are a debugging aid; :func:`load_elf` reports malformed files)."""
    try:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        elf = ELFFile(io.BytesIO(data))
        exec_sections = {
            k
            for k, sec in enumerate(elf.iter_sections())
            if sec["sh_flags"] & SH_FLAGS.SHF_EXECINSTR
        }
        functions: list[tuple[int, int, str, str]] = []
        labels: list[tuple[int, str]] = []
        for sec in elf.iter_sections():
            if not isinstance(sec, SymbolTableSection) or sec["sh_type"] != "SHT_SYMTAB":
                continue
            for sym in sec.iter_symbols():
                name, kind = sym.name, sym["st_info"]["type"]
                shndx, value, size = sym["st_shndx"], sym["st_value"], sym["st_size"]
                # "$x"/"$d" are mapping symbols, ".L" assembler-local labels: not names.
                if not name or name.startswith(("$", ".L")):
                    continue
                if kind == "STT_FUNC" and size > 0:
                    functions.append((value, size, name, sym["st_info"]["bind"]))
                elif kind in ("STT_FUNC", "STT_NOTYPE") and shndx in exec_sections:
                    labels.append((value, name))
        return functions, labels
    except Exception:
        # pyelftools raises assorted exceptions on corrupt tables; profile without names then.
        return [], []


def load_symbols(
    source: str | Path | bytes | None, code_ranges: tuple[tuple[int, int], ...]
) -> Symbols:
    """:class:`Symbols` for an ELF (path or bytes) with the image's ``code_ranges``; with
    ``source=None`` (an image without its ELF) every code range is one unsymbolized gap."""
    functions, labels = read_symbols(source) if source is not None else ([], [])
    return Symbols(functions, labels, code_ranges)
