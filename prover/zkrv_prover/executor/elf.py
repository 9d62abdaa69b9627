"""Loading a guest ELF into a :class:`MemoryImage`, rejecting anything a hart could not run.

Accepted: ELF32, little-endian, ``EM_RISCV``, ``ET_EXEC``, soft-float ABI without compressed
instructions, statically linked (no ``PT_INTERP``/``PT_DYNAMIC``), whose ``PT_LOAD`` segments lie
inside RAM, do not overlap, and whose executable segments (rounded out to 4 KiB pages) share no
page with a writable segment. The entry point must be word-aligned inside an executable segment.
Each rejection is an :class:`ElfError` naming the file and the problem.
"""

from __future__ import annotations

import io
import itertools
from pathlib import Path

import numpy as np
from elftools.elf.elffile import ELFFile

from zkrv_prover.executor.abi import PAGE_SIZE, RAM_END, RAM_START
from zkrv_prover.executor.errors import ElfError
from zkrv_prover.executor.image import MemoryImage

_PF_X, _PF_W = 0x1, 0x2
_EF_RISCV_RVC, _EF_RISCV_FLOAT_ABI, _EF_RISCV_RVE = 0x1, 0x6, 0x8


def load_elf(source: str | Path | bytes) -> MemoryImage:
    """Load an ELF from a path or from its bytes; raise :class:`ElfError` on any problem."""
    if isinstance(source, bytes):
        name, data = "<bytes>", source
    else:
        name = str(source)
        try:
            data = Path(source).read_bytes()
        except OSError as e:
            raise ElfError(f"{name}: cannot read ELF file: {e.strerror or e}") from None
    try:
        return _load(name, data)
    except ElfError:
        raise
    except Exception as e:
        # pyelftools raises assorted exceptions (ELFError, struct errors, ...) on corrupt files.
        raise ElfError(f"{name}: malformed ELF file: {e}") from None


def _load(name: str, data: bytes) -> MemoryImage:
    if data[:4] != b"\x7fELF":
        raise ElfError(f"{name}: not an ELF file (bad magic)")
    if len(data) < 52:
        raise ElfError(f"{name}: malformed ELF file: truncated header")
    if data[4] != 1:
        kind = "ELFCLASS64" if data[4] == 2 else f"EI_CLASS={data[4]}"
        raise ElfError(f"{name}: not a 32-bit ELF ({kind}); zkrv runs RV32 only")
    if data[5] != 1:
        raise ElfError(f"{name}: not a little-endian ELF")
    elf = ELFFile(io.BytesIO(data))
    if elf["e_machine"] != "EM_RISCV":
        raise ElfError(f"{name}: wrong architecture {elf['e_machine']} (need EM_RISCV)")
    if elf["e_type"] != "ET_EXEC":
        raise ElfError(f"{name}: not an executable ({elf['e_type']}; need ET_EXEC, static)")
    flags = elf["e_flags"]
    if flags & _EF_RISCV_RVC:
        raise ElfError(f"{name}: uses compressed instructions (RVC); zkrv runs RV32IM only")
    if flags & _EF_RISCV_FLOAT_ABI:
        raise ElfError(f"{name}: uses a hardware floating-point ABI; zkrv needs ilp32")
    if flags & _EF_RISCV_RVE:
        raise ElfError(f"{name}: is an RV32E binary; zkrv runs RV32IM")

    segs: list[tuple[int, int, int, bytes]] = []  # (vaddr, memsz, p_flags, file bytes)
    for seg in elf.iter_segments():
        ptype = seg["p_type"]
        if ptype in ("PT_INTERP", "PT_DYNAMIC"):
            raise ElfError(f"{name}: dynamically linked ({ptype}); link statically")
        if ptype != "PT_LOAD" or seg["p_memsz"] == 0:
            continue
        vaddr, memsz, filesz = seg["p_vaddr"], seg["p_memsz"], seg["p_filesz"]
        if filesz > memsz:
            raise ElfError(f"{name}: segment at 0x{vaddr:08x} has p_filesz > p_memsz")
        if seg["p_offset"] + filesz > len(data):
            raise ElfError(f"{name}: segment at 0x{vaddr:08x} extends past the end of the file")
        if vaddr < RAM_START or vaddr + memsz > RAM_END:
            raise ElfError(
                f"{name}: segment [0x{vaddr:08x}, 0x{vaddr + memsz:08x}) lies outside guest RAM "
                f"[0x{RAM_START:08x}, 0x{RAM_END:08x})"
            )
        segs.append((vaddr, memsz, seg["p_flags"], seg.data()[:filesz]))
    if not segs:
        raise ElfError(f"{name}: no loadable segments")
    segs.sort()
    for (a0, m0, _, _), (a1, _, _, _) in itertools.pairwise(segs):
        if a0 + m0 > a1:
            raise ElfError(f"{name}: segments at 0x{a0:08x} and 0x{a1:08x} overlap")

    code = _page_ranges([(a, m) for a, m, f, _ in segs if f & _PF_X])
    for a, m, f, _ in segs:
        if f & _PF_W and any(lo < a + m and a < hi for lo, hi in code):
            raise ElfError(
                f"{name}: writable segment at 0x{a:08x} shares a 4 KiB page with code; "
                "align executable segments to 4 KiB"
            )
    entry = elf["e_entry"]
    if entry & 3 or not any(lo <= entry < hi for lo, hi in code):
        raise ElfError(f"{name}: entry point 0x{entry:08x} is not an aligned code address")

    addrs, vals = _words(segs)
    return MemoryImage(entry, addrs, vals, tuple(code))


def _page_ranges(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Round ``(addr, size)`` spans out to pages and merge touching ones."""
    out: list[tuple[int, int]] = []
    for a, m in sorted(spans):
        lo, hi = a // PAGE_SIZE * PAGE_SIZE, -(-(a + m) // PAGE_SIZE) * PAGE_SIZE
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _words(
    segs: list[tuple[int, int, int, bytes]],
) -> tuple[np.ndarray, np.ndarray]:
    """Word addresses and values covering every segment byte (``.bss`` included, as zeros)."""
    all_a, all_v = [], []
    for vaddr, memsz, _, body in segs:
        lo, hi = vaddr & ~3, (vaddr + memsz + 3) & ~3
        buf = bytearray(hi - lo)
        buf[vaddr - lo : vaddr - lo + len(body)] = body
        all_v.append(np.frombuffer(bytes(buf), dtype="<u4").astype(np.uint32))
        all_a.append(np.arange(lo, hi, 4, dtype=np.uint32))
    a, v = np.concatenate(all_a), np.concatenate(all_v)
    # Two segments may share a boundary word (bytes are disjoint, so OR merges them).
    uniq, inv = np.unique(a, return_inverse=True)
    merged = np.zeros(uniq.size, dtype=np.uint32)
    np.bitwise_or.at(merged, inv, v)
    return uniq, merged
