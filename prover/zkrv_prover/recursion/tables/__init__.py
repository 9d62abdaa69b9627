"""The recursion AIR's tables: one module per operation kind, all on the MEMORY bus
(:mod:`.common`); the Cap table's entries and checks also meet on its CAP bus (:mod:`.cap`).
``TABLES`` lists them in machine order (a program uses one of the three Poseidon2 tables:
:mod:`.poseidon2`, one permutation per row, :mod:`.poseidon2_skinny`, one round per row, or
:mod:`.poseidon2_medium`, seven rows per permutation)."""

from __future__ import annotations

from zkrv_prover.recursion.tables.base_alu import BaseAluAir
from zkrv_prover.recursion.tables.bits import BitsAir
from zkrv_prover.recursion.tables.cap import CapAir
from zkrv_prover.recursion.tables.common import MEMORY_BUS, RecursionAir
from zkrv_prover.recursion.tables.dot import DotAir
from zkrv_prover.recursion.tables.ext_alu import ExtAluAir
from zkrv_prover.recursion.tables.pack import PackAir
from zkrv_prover.recursion.tables.poseidon2 import Poseidon2Air
from zkrv_prover.recursion.tables.poseidon2_medium import MediumPoseidon2Air
from zkrv_prover.recursion.tables.poseidon2_skinny import SkinnyPoseidon2Air
from zkrv_prover.recursion.tables.public import PublicAir
from zkrv_prover.recursion.tables.select import SelectAir
from zkrv_prover.recursion.tables.witness import BaseWitnessAir, WitnessAir

#: Table classes in machine order (a program's empty tables are left out of its machine).
TABLES: tuple[type[RecursionAir], ...] = (
    WitnessAir,
    BaseWitnessAir,
    BaseAluAir,
    ExtAluAir,
    DotAir,
    SelectAir,
    PackAir,
    BitsAir,
    Poseidon2Air,
    SkinnyPoseidon2Air,
    MediumPoseidon2Air,
    CapAir,
    PublicAir,
)

__all__ = [
    "MEMORY_BUS",
    "TABLES",
    "BaseAluAir",
    "BaseWitnessAir",
    "BitsAir",
    "CapAir",
    "DotAir",
    "ExtAluAir",
    "MediumPoseidon2Air",
    "PackAir",
    "Poseidon2Air",
    "PublicAir",
    "RecursionAir",
    "SelectAir",
    "SkinnyPoseidon2Air",
    "WitnessAir",
]
