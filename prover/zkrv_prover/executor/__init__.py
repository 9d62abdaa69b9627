"""RV32IM executor: ELF loading, execution (optionally traced) and the guest platform ABI.

Entry points: :func:`load_elf` -> :class:`MemoryImage`; :func:`execute` -> :class:`ExecutionResult`
(with a :class:`Trace` when ``trace=True``, a cycle :class:`Profile` when ``profile=True``);
:func:`execute_segments` / :func:`execute_segment`: the same run cut into :class:`Segment` s.
The platform (memory map, ECALLs, traps, cycles, trace columns) is documented in
``docs/executor.md`` and :mod:`zkrv_prover.executor.abi`.
"""

from zkrv_prover.executor.abi import DEFAULT_MAX_CYCLES
from zkrv_prover.executor.elf import load_elf
from zkrv_prover.executor.errors import (
    CycleLimitError,
    EcallError,
    ElfError,
    IllegalInstructionError,
    JournalDigestError,
    MemoryFaultError,
    TrapError,
)
from zkrv_prover.executor.image import MemoryImage
from zkrv_prover.executor.profile import Profile
from zkrv_prover.executor.run import ExecutionResult, execute
from zkrv_prover.executor.segments import (
    Segment,
    SegmentStart,
    execute_segment,
    execute_segments,
)
from zkrv_prover.executor.trace import Trace, check_trace

__all__ = [
    "DEFAULT_MAX_CYCLES",
    "CycleLimitError",
    "EcallError",
    "ElfError",
    "ExecutionResult",
    "IllegalInstructionError",
    "JournalDigestError",
    "MemoryFaultError",
    "MemoryImage",
    "Profile",
    "Segment",
    "SegmentStart",
    "Trace",
    "TrapError",
    "check_trace",
    "execute",
    "execute_segment",
    "execute_segments",
    "load_elf",
]
