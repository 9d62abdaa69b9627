"""ELF loading: what a valid guest image looks like, and one-line errors for everything else."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from zkrv.build import build
from zkrv_prover.executor import ElfError, MemoryImage, load_elf

HELLO = r"""
#include <zkrv.h>
int counter = 5;
static char zeros[100];
int main(void) { zeros[3] = 1; zkrv_commit(&counter, 4); return zeros[3] + 41; }
"""


@pytest.fixture(scope="module")
def elf_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    d = tmp_path_factory.mktemp("elf")
    (d / "g.c").write_text(HELLO)
    return build([d / "g.c"], d / "g.elf").read_bytes()


def _phdrs(data: bytes) -> tuple[int, int, int]:
    e_phoff = struct.unpack_from("<I", data, 28)[0]
    e_phentsize, e_phnum = struct.unpack_from("<HH", data, 42)
    return e_phoff, e_phentsize, e_phnum


def _patch_load(data: bytes, k: int, **fields: int) -> bytes:
    """Change fields of the k-th PT_LOAD program header."""
    off, size, num = _phdrs(data)
    names = ["p_type", "p_offset", "p_vaddr", "p_paddr", "p_filesz", "p_memsz", "p_flags"]
    b = bytearray(data)
    loads = [i for i in range(num) if struct.unpack_from("<I", data, off + i * size)[0] == 1]
    base = off + loads[k] * size
    for name, v in fields.items():
        struct.pack_into("<I", b, base + 4 * names.index(name), v)
    return bytes(b)


def test_image_of_a_built_guest(elf_bytes: bytes) -> None:
    img = load_elf(elf_bytes)
    assert img.entry == 0x10000 and img.code_ranges[0][0] == 0x10000
    assert img.addresses.dtype == np.uint32 and np.all(np.diff(img.addresses) > 0)
    # .data is in the image with its initial value; .bss words are present as zeros
    assert 5 in img.values.tolist()
    assert img.word(img.entry) == int(img.values[0])
    assert len(img.digest()) == 32 and img.digest() == load_elf(elf_bytes).digest()


def test_load_from_path_and_missing_file(tmp_path: Path, elf_bytes: bytes) -> None:
    p = tmp_path / "x.elf"
    p.write_bytes(elf_bytes)
    assert load_elf(p).entry == 0x10000
    with pytest.raises(ElfError, match="cannot read ELF file"):
        load_elf(tmp_path / "missing.elf")


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda d: b"hello world, not an elf" + d[23:], "not an ELF file"),
        (lambda d: d[:30], "truncated"),
        (lambda d: d[:4] + b"\x02" + d[5:], "not a 32-bit ELF"),
        (lambda d: d[:5] + b"\x02" + d[6:], "not a little-endian ELF"),
        (lambda d: d[:18] + struct.pack("<H", 0x3E) + d[20:], "wrong architecture"),
        (lambda d: d[:16] + struct.pack("<H", 3) + d[18:], "not an executable"),
        (lambda d: d[:36] + struct.pack("<I", 1) + d[40:], "compressed instructions"),
        (lambda d: d[:36] + struct.pack("<I", 4) + d[40:], "floating-point ABI"),
        (lambda d: d[:24] + struct.pack("<I", 0x10002) + d[28:], "entry point"),
        (lambda d: d[:24] + struct.pack("<I", 0x20000000) + d[28:], "entry point"),
        (lambda d: _patch_load(d, 0, p_vaddr=0x1000, p_paddr=0x1000), "outside guest RAM"),
        (lambda d: _patch_load(d, 0, p_vaddr=0x0BFFFF00, p_paddr=0x0BFFFF00), "outside"),
        (lambda d: _patch_load(d, 0, p_filesz=0x7FFFFFF), "p_filesz > p_memsz"),
        (lambda d: _patch_load(d, 0, p_offset=0x7FFFFFF0), "past the end of the file"),
        (lambda d: _patch_load(d, 1, p_vaddr=0x10010, p_paddr=0x10010), "overlap"),
        (lambda d: _patch_load(d, -1, p_vaddr=0x10800, p_paddr=0x10800), "overlap|page"),
    ],
)
def test_bad_elfs_are_rejected(elf_bytes: bytes, mutate, match: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ElfError, match=match) as e:
        load_elf(mutate(elf_bytes))
    assert "\n" not in str(e.value)


def test_writable_segment_sharing_a_code_page(elf_bytes: bytes) -> None:
    # Move the writable (last) segment right behind the code in the same 4 KiB page.
    img = load_elf(elf_bytes)
    code_end = img.code_ranges[0][1]
    bad = _patch_load(elf_bytes, -1, p_vaddr=code_end - 0x10, p_paddr=code_end - 0x10)
    with pytest.raises(ElfError, match=r"shares a 4 KiB page with code|overlap"):
        load_elf(bad)


def test_memory_image_invariants() -> None:
    ok = MemoryImage.from_words(0x10000, {0x10000: 0x73}, [(0x10000, 0x11000)])
    assert ok.word(0x10000) == 0x73 and ok.word(0x10004) == 0
    with pytest.raises(ValueError):
        MemoryImage.from_words(0x10000, {0x10002: 1}, [(0x10000, 0x11000)])
    with pytest.raises(ValueError):
        MemoryImage.from_words(0x10000, {0x100: 1}, [(0x10000, 0x11000)])
    with pytest.raises(ValueError):
        MemoryImage.from_words(0x20000, {}, [(0x10000, 0x11000)])
    with pytest.raises(ValueError):
        MemoryImage.from_words(0x10000, {}, [(0x10000, 0x10800)])
