"""Proving guest executions: ``zkrv.prove(elf, input) -> Receipt`` and ``zkrv.image_id(elf)``.

``prove`` executes the guest (traced). An execution of at most ``2^segment_po2`` cycles is
proven as one STARK of the RV32IM machine and returned as a
:class:`~zkrv.receipt.StarkReceipt`; a longer one is proven in segments of ``2^segment_po2``
cycles (``zkrv_prover.zkvm.segment_prover``, ``docs/segments.md``), on ``jobs`` local worker
processes or a Ray cluster, and returned as a :class:`~zkrv.receipt.SegmentedReceipt` with the
same claim. With ``groth16=True`` the STARK receipt, one-proof or segmented, is then wrapped
(:func:`zkrv.wrapping.wrap`) into a :class:`~zkrv.receipt.Groth16Receipt` (what the on-chain
router verifies). With ``dev=True`` it only executes and returns a
:class:`~zkrv.receipt.DevReceipt` (no proof; refused by normal verification).

Heavy modules are imported lazily (the executor's errors derive from :mod:`zkrv.errors`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from zkrv.errors import ZkrvError
from zkrv.receipt import (
    DevReceipt,
    Receipt,
    SegmentedReceipt,
    StarkReceipt,
    seal_profile_head,
    stark_seal,
)

if TYPE_CHECKING:
    from zkrv.keys import KeyCache
    from zkrv_prover.executor import MemoryImage
    from zkrv_prover.progress import Progress
    from zkrv_prover.zkvm.image_id import ProgramKey

__all__ = ["image_id", "prove", "prove_one_segment"]


def _image(program: str | Path | bytes | MemoryImage) -> MemoryImage:
    from zkrv_prover.executor import MemoryImage, load_elf

    return program if isinstance(program, MemoryImage) else load_elf(program)


def _key(image: MemoryImage) -> ProgramKey:
    from zkrv_prover.zkvm.image_id import program_key

    return program_key(image)  # cached per image


def image_id(program: str | Path | bytes | MemoryImage) -> bytes:
    """The 32-byte image ID of an ELF (path or bytes) or image; no execution."""
    return _key(_image(program)).image_id


def prove(
    program: str | Path | bytes | MemoryImage,
    input: bytes = b"",
    *,
    dev: bool = False,
    groth16: bool = False,
    segment_po2: int | None = None,
    jobs: int | None = None,
    ray: str | None = None,
    progress: Progress | None = None,
    keys: KeyCache | None = None,
) -> Receipt:
    """Execute ``program`` on private ``input`` and prove it (see the module docstring).

    ``segment_po2``: the segment size, log2 cycles, in ``MIN_SEGMENT_PO2..MAX_SEGMENT_PO2``
    (6..21); default ``DEFAULT_SEGMENT_PO2`` (17). ``jobs``: local worker processes proving
    segments (default: the core count); ``ray``: a Ray cluster address (``"local"`` starts one
    on this machine) to prove segments on instead. Neither changes the receipt's claim or its
    validity, and a one-segment execution is proven in this process.

    ``groth16=True``: wrap the STARK receipt, one-proof or segmented, into a Groth16 receipt
    (:func:`zkrv.wrapping.wrap`: the wrap profile of ``$ZKRV_WRAP_PROFILE``, default
    production; the key from ``keys``, default the user's key cache, made by the UNSAFE dev
    setup on a miss).

    ``progress``: a :class:`zkrv_prover.progress.Progress` (``stage(name, total)``,
    ``advance(n)``) receiving the stages "execute", "setup", then the prover's ("trace", each
    commitment, "quotient", "FRI folding", "grinding", "queries", ...), or for a segmented
    execution "execute" (pass 1) and "segments" (one step per proven segment); the ``zkrv``
    CLI renders them as a terminal bar. It does not change the proof.

    Raises :class:`ZkrvError` for a bad ELF, a trap, bad segment or job settings, or an
    execution longer than
    ``zkrv_prover.executor.DEFAULT_MAX_CYCLES`` (2^26) cycles."""
    from zkrv_prover.progress import reporting
    from zkrv_prover.zkvm.segment_prover import DEFAULT_SEGMENT_PO2

    if dev and groth16:
        raise ZkrvError("prove: dev mode makes no proof to wrap; choose dev or groth16")
    profile = None
    if groth16:
        from zkrv.wrapping import profile_name

        profile = profile_name()  # an unknown $ZKRV_WRAP_PROFILE fails before any proving
    po2 = _segment_po2(segment_po2, DEFAULT_SEGMENT_PO2)
    if jobs is not None and (not isinstance(jobs, int) or jobs < 1):
        raise ZkrvError(f"prove: jobs must be a positive integer, got {jobs!r}")
    with reporting(progress):
        stark = _prove(program, input, dev, _Run(po2, jobs, ray))
    if not groth16:
        return stark
    from zkrv.wrapping import wrap

    return wrap(stark, keys=keys, progress=progress, profile=profile)


def _segment_po2(value: int | None, default: int) -> int:
    """``value`` (or ``default``) checked as a segment size; ZkrvError otherwise."""
    from zkrv_prover.zkvm.segment_prover import check_segment_po2

    po2 = default if value is None else value
    try:
        check_segment_po2(po2)
    except ValueError as e:
        raise ZkrvError(f"prove: {e}") from None
    return po2


def prove_one_segment(
    program: str | Path | bytes | MemoryImage,
    input: bytes = b"",
    *,
    segment_po2: int | None = None,
    progress: Progress | None = None,
) -> StarkReceipt:
    """A one-proof STARK receipt: like :func:`prove` with the segment size ``segment_po2``
    (default 21, the largest one proof holds), but an execution longer than one segment is
    refused (ZkrvError, before any proving) instead of being proven in segments."""
    from zkrv_prover.progress import reporting
    from zkrv_prover.zkvm.segment_prover import MAX_SEGMENT_PO2

    po2 = _segment_po2(segment_po2, MAX_SEGMENT_PO2)
    with reporting(progress):
        out = _prove(program, input, False, _Run(po2, None, None), one_segment=True)
    assert isinstance(out, StarkReceipt)
    return out


@dataclass(frozen=True)
class _Run:
    """Where and in what segments to prove."""

    segment_po2: int
    jobs: int | None
    ray: str | None


def _prove(
    program: str | Path | bytes | MemoryImage,
    input: bytes,
    dev: bool,
    run: _Run,
    one_segment: bool = False,
) -> Receipt:
    from zkrv_prover import progress as prog
    from zkrv_prover.executor import DEFAULT_MAX_CYCLES, CycleLimitError, execute
    from zkrv_prover.stark.protocol.proof import encode_proof
    from zkrv_prover.stark.protocol.prover import prove as stark_prove
    from zkrv_prover.zkvm.machine import generate

    image = _image(program)
    prog.stage("execute", 1)
    limit = DEFAULT_MAX_CYCLES if dev else 1 << run.segment_po2
    try:
        res = execute(image, bytes(input), max_cycles=limit, trace=not dev)
    except CycleLimitError as e:
        if dev:
            raise ZkrvError(
                f"execution needs more than {limit} (2^{limit.bit_length() - 1}) cycles, the "
                "most zkrv proves"
            ) from e
        if one_segment:
            raise ZkrvError(
                f"execution needs more than 2^{run.segment_po2} cycles, more than one proof "
                "holds: prove it in segments (zkrv.prove)"
            ) from e
        return _prove_segmented(image, bytes(input), run)
    prog.advance()
    prog.stage("setup", 1)  # the program key (cached per image)
    key = _key(image)
    prog.advance()
    if dev:
        from zkrv.claim import ExitCode, ExitSystem, Output, ReceiptClaim
        from zkrv.seal import encode_mock_seal

        claim = ReceiptClaim(
            key.image_id, Output(res.journal_digest), ExitCode(ExitSystem.HALTED, res.exit_code)
        )
        return DevReceipt(
            key.image_id, res.exit_code, res.journal, encode_mock_seal(claim.digest())
        )
    assert res.trace is not None
    try:
        w = generate(key.tables, res.trace, key.vk.layouts)
    except ValueError as e:  # e.g. a table over its height cap (a huge image or memory use)
        raise ZkrvError(f"cannot prove this execution in one proof: {e}") from e
    traces, public = w.traces, w.public
    del w  # the prover empties ``traces`` once it has its own copies
    proof = stark_prove(key.vk, traces, public, consume=True)
    assert key.vk.pre_root is not None
    seal = stark_seal(key.vk.pre_root, key.log_program, key.log_image, encode_proof(key.vk, proof))
    return StarkReceipt(key.image_id, res.exit_code, res.journal, seal)


def _prove_segmented(image: MemoryImage, input: bytes, run: _Run) -> SegmentedReceipt:
    """The execution did not fit one segment: prove it in segments (pass 1 executes again)."""
    from zkrv_prover.executor import CycleLimitError
    from zkrv_prover.zkvm.segment_codec import encode_segmented
    from zkrv_prover.zkvm.segment_prover import prove_segmented
    from zkrv_prover.zkvm.segment_workers import default_jobs

    jobs = default_jobs() if run.jobs is None else run.jobs
    try:
        proof = prove_segmented(image, input, run.segment_po2, jobs=jobs, ray=run.ray)
    except CycleLimitError as e:
        raise ZkrvError(f"execution too long to prove: {e}") from e
    seal = seal_profile_head() + encode_segmented(proof)
    return SegmentedReceipt(proof.image_id, proof.exit_code, proof.journal, seal)
