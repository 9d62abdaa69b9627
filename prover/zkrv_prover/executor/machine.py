"""The RV32IM machine: guest memory, registers, block dispatch and the ECALL handler.

Execution model: every register starts at zero, pc at the image's entry. The dispatcher looks up
the translated block at pc (translating on first visit, see :mod:`codegen`), charges its length
in cycles and runs it. One cycle = one retired instruction. If a block would cross the cycle
limit, the machine single-steps so the limit is enforced exactly.
"""

from __future__ import annotations

import array
import contextlib
import mmap
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from zkrv_prover.executor.abi import (
    ECALL_COMMIT,
    ECALL_HALT,
    ECALL_KECCAKF,
    ECALL_LOG,
    ECALL_MODMUL256,
    ECALL_READ,
    ECALL_SHA256,
    RAM_END,
    RAM_START,
    REG_A0,
    REG_A1,
    REG_A7,
)
from zkrv_prover.executor.accel import (
    KECCAK_STATE_WORDS,
    SHA256_IV,
    keccak_f,
    modmul256,
    sha256_compress,
    sha256_unpad,
    state_digest,
)
from zkrv_prover.executor.codegen import M32, SIGN, BlockInfo, is_terminator, translate
from zkrv_prover.executor.decode import Instr, decode
from zkrv_prover.executor.errors import (
    CycleLimitError,
    EcallError,
    IllegalInstructionError,
    JournalDigestError,
    MemoryFaultError,
    TrapError,
)
from zkrv_prover.executor.image import MemoryImage

if TYPE_CHECKING:
    from zkrv_prover.executor.profile import Profiler

#: Longest block we translate (bounds generated-function size; semantics do not depend on it).
MAX_BLOCK = 256
#: Marker "pc" returned by the HALT ECALL.
HALTED = -1

if sys.byteorder != "little":  # the memoryviews below alias guest words with host order
    raise ImportError("zkrv's executor needs a little-endian host")


def _div(a: int, b: int) -> int:
    """RISC-V DIV on unsigned 32-bit encodings: x/0 = -1, (-2^31)/(-1) = -2^31, else truncate."""
    if b == 0:
        return M32
    sa, sb = (a ^ SIGN) - SIGN, (b ^ SIGN) - SIGN
    q = abs(sa) // abs(sb)
    return (-q if (sa < 0) != (sb < 0) else q) & M32  # overflow case wraps to 0x80000000


def _rem(a: int, b: int) -> int:
    """RISC-V REM: x%0 = x, (-2^31)%(-1) = 0, else the remainder takes the dividend's sign."""
    if b == 0:
        return a
    sa, sb = (a ^ SIGN) - SIGN, (b ^ SIGN) - SIGN
    r = abs(sa) % abs(sb)
    return (-r if sa < 0 else r) & M32


class Machine:
    """One guest run. Build it, call :meth:`run`, then read ``exit_code``/``journal``/...

    ``log`` receives each LOG ECALL's text (decoded UTF-8, invalid bytes replaced).
    ``trace=True`` records the per-cycle data :func:`zkrv_prover.executor.trace.assemble_trace`
    turns into columns.
    """

    def __init__(
        self,
        image: MemoryImage,
        input_bytes: bytes = b"",
        *,
        trace: bool = False,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.image = image
        self.input = bytes(input_bytes)
        self.input_pos = 0
        self.trace = trace
        self.log = log
        self.x = [0] * 32
        self.pc = image.entry
        self.cycles = 0
        self.halted = False
        self.exit_code: int | None = None
        #: the journal state (registers JOURNAL_REG ..) and the blocks COMMIT appended so far;
        #: at HALT ``journal`` becomes their message and ``journal_digest`` the state's bytes
        self.jstate = list(SHA256_IV)
        self.journal_blocks = bytearray()
        self.journal = bytearray()
        self.journal_digest: bytes | None = None
        self.logs: list[str] = []
        # Guest memory: an anonymous mapping is zero-filled lazily, so 192 MiB costs nothing
        # until touched. Typed views alias it for each access width (signed ones sign-extend).
        self.mem = mmap.mmap(-1, RAM_END)
        self.words = np.frombuffer(self.mem, dtype=np.uint32)
        self.words[image.addresses >> 2] = image.values
        view = memoryview(self.mem)
        self.writable = _complement(image.code_ranges)
        self.ns: dict[str, Any] = {
            "W": view.cast("I"),
            "H": view.cast("H"),
            "Hs": view.cast("h"),
            "B": view,
            "Bs": view.cast("b"),
            "_fl": self._fault_load,
            "_fs": self._fault_store,
            "_div": _div,
            "_rem": _rem,
            "_ecall": self._ecall,
            "_ebreak": self._ebreak,
        }
        self.blocks: list[BlockInfo] = []
        self.records: list[array.array[int]] = []
        self.seq: list[int] = []
        self.ecall_records: list[tuple[int, ...]] = []
        #: SHA256 and COMMIT precompile calls in order: (a0, a1, 8 old state words, 16 block
        #: words as stored, i.e. little-endian memory words, 1 for COMMIT else 0)
        self.sha256_records: list[tuple[int, ...]] = []
        #: MODMUL256 precompile calls in order: (a0, a1, 24 input words, 8 old result words)
        self.modmul_records: list[tuple[int, ...]] = []
        #: KECCAKF calls in order: (a0, 50 old state words)
        self.keccak_records: list[tuple[int, ...]] = []
        self._cache: dict[int, tuple[Callable[[list[int]], int], int, int]] = {}
        self._single: dict[int, tuple[Callable[[list[int]], int], int, int]] = {}

    def close(self) -> None:
        """Release guest memory now rather than at the next garbage collection (the translated
        blocks and the ECALL handler form a reference cycle with the machine)."""
        views = [v for k, v in self.ns.items() if k in ("W", "H", "Hs", "Bs", "B")]
        self.ns.clear()
        self.words = np.zeros(0, dtype=np.uint32)
        for v in views:
            v.release()
        # If someone still holds a view, the GC unmaps the memory later instead.
        with contextlib.suppress(BufferError):
            self.mem.close()

    def clear_records(self) -> None:
        """Forget the trace records of the cycles run so far (a segment boundary): the next
        :func:`~zkrv_prover.executor.trace.assemble_columns` covers only later cycles. The
        per-block arrays are emptied in place, since the translated blocks hold their ``extend``."""
        for rec in self.records:
            del rec[:]
        self.seq.clear()
        self.ecall_records.clear()
        self.sha256_records.clear()
        self.modmul_records.clear()
        self.keccak_records.clear()

    # ---------------------------------------------------------------- translation
    def _fetch_decode(self, pc: int, first: bool) -> Instr | None:
        if not self.image.is_code(pc):
            if first:
                raise MemoryFaultError(pc, pc, "instruction fetch outside code pages")
            return None
        word = int(self.words[pc >> 2])
        try:
            return decode(word, pc)
        except IllegalInstructionError:
            if first:
                raise
            return None  # ends the block; it traps only if execution reaches it

    def _translate(self, pc: int, max_len: int) -> tuple[Callable[[list[int]], int], int, int]:
        if pc & 3:
            raise MemoryFaultError(pc, pc, "misaligned instruction fetch")
        instrs: list[Instr] = []
        while len(instrs) < max_len:
            ins = self._fetch_decode(pc + 4 * len(instrs), first=not instrs)
            if ins is None:
                break
            instrs.append(ins)
            if is_terminator(ins):
                break
        bid = len(self.blocks)
        src, info = translate(bid, pc, instrs, self.trace, self.writable)
        if self.trace:
            # Packed uint32 records: 4 bytes per value, viewed by numpy without copying.
            rec = array.array("I")
            self.records.append(rec)
            self.ns[f"REC{bid}"] = rec.extend
        exec(compile(src, f"<zkrv block 0x{pc:08x}>", "exec"), self.ns)
        self.blocks.append(info)
        return (self.ns[f"_b{bid}"], len(instrs), bid)

    # ---------------------------------------------------------------- dispatch
    def run(self, max_cycles: int, profiler: Profiler | None = None) -> None:
        """Run until HALT; raise :class:`TrapError` or :class:`CycleLimitError` otherwise.

        With a ``profiler`` every retired cycle is also charged to its call stack (a separate,
        slower loop: the plain and traced loops carry no profiling code).
        """
        if profiler is not None:
            self._run_profiled(max_cycles, profiler)
        elif self.trace:
            self._run_traced(max_cycles)
        else:
            self._run_fast(max_cycles)

    def _miss(self, pc: int, prev: int) -> tuple[Callable[[list[int]], int], int, int]:
        """Slow path of the dispatcher: translate the block at pc."""
        if pc & 3:
            # Without compressed instructions a misaligned target is raised by the jump or
            # branch that produced it (which does not retire).
            jpc = self._last_pc(prev)
            raise MemoryFaultError(pc if jpc is None else jpc, pc, "misaligned jump target")
        entry = self._translate(pc, MAX_BLOCK)
        self._cache[pc] = entry
        return entry

    def _last_pc(self, bid: int) -> int | None:
        if bid < 0:
            return None
        info = self.blocks[bid]
        return info.pc + 4 * (info.length - 1)

    def _step(self, pc: int) -> tuple[Callable[[list[int]], int], int, int]:
        entry = self._single.get(pc)
        if entry is None:
            entry = self._single[pc] = self._translate(pc, 1)
        return entry

    def _run_fast(self, max_cycles: int) -> None:
        x, cycles, pc = self.x, self.cycles, self.pc
        get = self._cache.get
        bid = -1
        try:
            while True:
                e = get(pc)
                if e is None:
                    if self.halted:
                        break
                    e = self._miss(pc, bid)
                fn, n, bid = e
                c = cycles + n
                if c > max_cycles:  # near the limit: one instruction at a time
                    if cycles + 1 > max_cycles:
                        raise CycleLimitError(max_cycles, pc)
                    fn, n, bid = self._step(pc)
                    c = cycles + 1
                cycles = c
                pc = fn(x)
        finally:
            self.cycles = cycles
            self.pc = pc

    def _run_traced(self, max_cycles: int) -> None:
        x, cycles, pc = self.x, self.cycles, self.pc
        get = self._cache.get
        seq = self.seq.append
        bid = -1
        try:
            while True:
                e = get(pc)
                if e is None:
                    if self.halted:
                        break
                    e = self._miss(pc, bid)
                fn, n, bid = e
                c = cycles + n
                if c > max_cycles:
                    if cycles + 1 > max_cycles:
                        raise CycleLimitError(max_cycles, pc)
                    fn, n, bid = self._step(pc)
                    c = cycles + 1
                seq(bid)
                cycles = c
                pc = fn(x)
        finally:
            self.cycles = cycles
            self.pc = pc

    def _run_profiled(self, max_cycles: int, prof: Profiler) -> None:
        """The dispatch loop of :meth:`_run_traced` plus the profiler's bookkeeping per block:
        charge the block's cycles to (caller context, function), then apply the call/return
        effect of its last instruction (see :mod:`zkrv_prover.executor.profile`)."""
        x, cycles, pc = self.x, self.cycles, self.pc
        get = self._cache.get
        seq = self.seq.append if self.trace else None
        static, counts, stack = prof.static, prof.counts, prof.stack
        analyze, child, pop = prof.analyze, prof.child, prof.pop
        blocks = self.blocks
        ctx = prof.ctx
        bid = -1
        try:
            while True:
                e = get(pc)
                if e is None:
                    if self.halted:
                        break
                    e = self._miss(pc, bid)
                    analyze(blocks)
                fn, n, bid = e
                c = cycles + n
                if c > max_cycles:
                    if cycles + 1 > max_cycles:
                        raise CycleLimitError(max_cycles, pc)
                    fn, n, bid = self._step(pc)
                    analyze(blocks)
                    c = cycles + 1
                if seq is not None:
                    seq(bid)
                cycles = c
                pc = fn(x)
                # Charged after the block ran: a trapping block's cycles are not in the profile
                # (the run fails anyway), and a call's target is then the new pc.
                piece, k, segs, action, last, ret = static[bid]
                if segs is None:
                    counts[(ctx << 32) | piece] += k
                else:
                    base = ctx << 32
                    for piece, k in segs:
                        counts[base | piece] += k
                if action:
                    if action & 2:
                        ctx = pop(ctx, pc)
                    if action & 1:
                        stack.append((ctx, ret))
                        ctx = child(ctx, last)
        finally:
            self.cycles = cycles
            self.pc = pc
            prof.ctx = ctx

    # ---------------------------------------------------------------- faults and ECALLs
    def _fault_load(self, pc: int, addr: int, width: int) -> None:
        if addr % width:
            raise MemoryFaultError(pc, addr, f"misaligned {width}-byte load")
        raise MemoryFaultError(pc, addr, f"{width}-byte load outside the memory map")

    def _fault_store(self, pc: int, addr: int, width: int) -> None:
        if addr % width:
            raise MemoryFaultError(pc, addr, f"misaligned {width}-byte store")
        if self.image.is_code(addr):
            raise MemoryFaultError(pc, addr, f"{width}-byte store to a read-only code page")
        raise MemoryFaultError(pc, addr, f"{width}-byte store outside the memory map")

    def _ebreak(self, pc: int) -> int:
        raise TrapError(pc, "EBREAK (breakpoint; zkrv has no debugger)")

    def _span(self, pc: int, ptr: int, length: int, what: str) -> bytes:
        """Guest bytes [ptr, ptr+length) for an ECALL, checked against the memory map."""
        if length and (ptr < RAM_START or ptr + length > RAM_END):
            raise EcallError(
                pc, f"{what} buffer [0x{ptr:08x}, +{length}) lies outside the memory map"
            )
        return bytes(self.mem[ptr : ptr + length])

    def _ecall(self, pc: int) -> int:
        x = self.x
        num, a0, a1 = x[REG_A7], x[REG_A0], x[REG_A1]
        rec: tuple[int, ...] = (num, a0, a1, 0, 0, 0, 0, 0, 0, 0)
        nxt = (pc + 4) & M32
        if num == ECALL_READ:
            if a0 & 3 or not any(lo <= a0 < hi for lo, hi in self.writable):
                raise EcallError(pc, f"READ pointer 0x{a0:08x} is not a writable aligned word")
            chunk = self.input[self.input_pos : self.input_pos + 4]
            self.input_pos += len(chunk)
            word = int.from_bytes(chunk.ljust(4, b"\0"), "little")
            prev = int(self.words[a0 >> 2])
            self.words[a0 >> 2] = word
            rec = (num, a0, a1, REG_A0, a0, len(chunk), 2, a0, prev, word)
            x[REG_A0] = len(chunk)
        elif num == ECALL_COMMIT:
            self._commit(pc, a0, a1)
        elif num == ECALL_LOG:
            text = self._span(pc, a0, a1, "LOG").decode("utf-8", errors="replace")
            self.logs.append(text)
            if self.log is not None:
                self.log(text)
        elif num == ECALL_SHA256:
            self._sha256(pc, a0, a1)
        elif num == ECALL_MODMUL256:
            self._modmul256(pc, a0, a1)
        elif num == ECALL_KECCAKF:
            self._keccakf(pc, a0, a1)
        elif num == ECALL_HALT:
            message = sha256_unpad(bytes(self.journal_blocks))
            if message is None:
                nb = len(self.journal_blocks) // 64
                raise JournalDigestError(
                    f"guest halted at pc 0x{pc:08x}, but its {nb} committed journal "
                    f"{'block is' if nb == 1 else 'blocks are'} not a padded SHA-256 message "
                    "(zkrv_exit pads the journal; see docs/executor.md)"
                )
            self.exit_code = a0
            self.journal = bytearray(message)
            self.journal_digest = state_digest(self.jstate)
            self.halted = True
            nxt = HALTED
        else:
            raise EcallError(pc, f"unknown ECALL number {num} in a7")
        if self.trace:
            self.ecall_records.append(rec)
        return nxt

    def _block(self, pc: int, what: str, block_ptr: int) -> np.ndarray:
        """The 16 words of a precompile's 64-byte block at ``block_ptr`` (aligned, in RAM)."""
        if block_ptr & 3 or block_ptr < RAM_START or block_ptr + 64 > RAM_END:
            raise EcallError(pc, f"{what} block 0x{block_ptr:08x} is not 64 aligned bytes of RAM")
        return self.words[block_ptr >> 2 : (block_ptr >> 2) + 16].copy()

    def _sha256(self, pc: int, state_ptr: int, block_ptr: int) -> None:
        """The SHA256 precompile (``executor/accel.py``): the block is read before the state is
        written, so overlapping buffers are well defined (as in the circuit)."""
        if state_ptr & 3 or not any(
            lo <= state_ptr and state_ptr + 32 <= hi for lo, hi in self.writable
        ):
            raise EcallError(pc, f"SHA256 state 0x{state_ptr:08x} is not 32 writable aligned bytes")
        block = self._block(pc, "SHA256", block_ptr)
        old = self.words[state_ptr >> 2 : (state_ptr >> 2) + 8].copy()
        new = sha256_compress([int(x) for x in old], block.tobytes())
        self.words[state_ptr >> 2 : (state_ptr >> 2) + 8] = new
        if self.trace:
            self.sha256_records.append((state_ptr, block_ptr, *map(int, old), *map(int, block), 0))

    def _modmul256(self, pc: int, out_ptr: int, in_ptr: int) -> None:
        """MODMUL256 (``executor/accel.py``): 24 input words read before 8 are written."""
        if out_ptr & 3 or not any(lo <= out_ptr and out_ptr + 32 <= hi for lo, hi in self.writable):
            raise EcallError(
                pc, f"MODMUL256 output 0x{out_ptr:08x} is not 32 writable aligned bytes"
            )
        if in_ptr & 3 or in_ptr < RAM_START or in_ptr + 96 > RAM_END:
            raise EcallError(pc, f"MODMUL256 input 0x{in_ptr:08x} is not 96 aligned bytes of RAM")
        w = [int(x) for x in self.words[in_ptr >> 2 : (in_ptr >> 2) + 24]]
        out = slice(out_ptr >> 2, (out_ptr >> 2) + 8)
        if self.trace:
            self.modmul_records.append((out_ptr, in_ptr, *w, *map(int, self.words[out])))
        self.words[out] = modmul256(w[:8], w[8:16], w[16:])

    def _keccakf(self, pc: int, state_ptr: int, zero: int) -> None:
        """KECCAKF (``executor/accel.py``): the 50-word state at a0 permuted in place."""
        if zero != 0:
            raise EcallError(pc, f"KECCAKF needs a1 = 0, not 0x{zero:08x} (a0 is the state)")
        if state_ptr & 3 or not any(
            lo <= state_ptr and state_ptr + 200 <= hi for lo, hi in self.writable
        ):
            raise EcallError(
                pc, f"KECCAKF state 0x{state_ptr:08x} is not 200 writable aligned bytes"
            )
        st = slice(state_ptr >> 2, (state_ptr >> 2) + KECCAK_STATE_WORDS)
        old = [int(x) for x in self.words[st]]
        if self.trace:
            self.keccak_records.append((state_ptr, *old))
        self.words[st] = keccak_f(old)

    def _commit(self, pc: int, zero: int, block_ptr: int) -> None:
        """COMMIT (``executor/accel.py``): compress one block into the journal state."""
        if zero != 0:
            raise EcallError(pc, f"COMMIT needs a0 = 0, not 0x{zero:08x} (a1 is the block)")
        block = self._block(pc, "COMMIT", block_ptr)
        old = self.jstate
        self.jstate = sha256_compress(old, block.tobytes())
        self.journal_blocks += block.tobytes()
        if self.trace:
            self.sha256_records.append((0, block_ptr, *old, *map(int, block), 1))


def _complement(code: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    """RAM minus the code ranges: the writable ranges, sorted."""
    out, lo = [], RAM_START
    for c0, c1 in code:
        if c0 > lo:
            out.append((lo, c0))
        lo = max(lo, c1)
    if lo < RAM_END:
        out.append((lo, RAM_END))
    return out
