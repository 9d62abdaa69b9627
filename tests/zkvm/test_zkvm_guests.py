"""Example C guests (sorting, hashing, big integers) on the zkVM machine: the traces of their
real executions satisfy every constraint and bus, and the public values carry the journal digest
and exit code."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from zkvm_util import problems

from zkrv.build import build
from zkrv_prover.executor import execute
from zkrv_prover.zkvm import machine as zm

ROOT = Path(__file__).resolve().parents[2]
GUESTS = {
    "sort": (ROOT / "examples" / "guests" / "sort.c", (12).to_bytes(4, "little")),
    "hash": (Path(__file__).parent / "guests" / "hash.c", bytes(range(150))),
    "bigint": (Path(__file__).parent / "guests" / "bigint.c", (40).to_bytes(4, "little")),
}


@pytest.mark.parametrize("name", sorted(GUESTS))
def test_guest_trace_satisfies_the_machine(name: str, tmp_path: Path) -> None:
    src, inp = GUESTS[name]
    elf = build([src], tmp_path / f"{name}.elf")
    res = execute(elf, inp, trace=True)
    assert res.trace is not None
    w = zm.generate(zm.ProgramTables.from_image(res.image), res.trace)
    assert problems(w) == []
    assert (
        bytes(w.public[zm.PUB_DIGEST : zm.PUB_DIGEST + 32]) == hashlib.sha256(res.journal).digest()
    )
    assert int.from_bytes(bytes(w.public[zm.PUB_EXIT : zm.PUB_EXIT + 4]), "little") == res.exit_code
    if name == "hash":
        assert res.exit_code == 150 and res.journal[:150] == inp
    if name == "bigint":
        limbs = res.journal[4 : 4 + 64]
        assert int.from_bytes(limbs, "little") == 3**40
        assert int.from_bytes(res.journal[68:72], "little") == len(str(3**40))
