"""Proving guest executions: ``zkrv.prove(elf, input) -> Receipt`` and ``zkrv.image_id(elf)``.

``prove`` executes the guest (traced), refuses executions longer than one proof may be before
any proving work, generates every table's trace, proves the RV32IM machine with the STARK
prover and returns a :class:`~zkrv.receipt.StarkReceipt`. With ``groth16=True`` it then wraps
that receipt (:func:`zkrv.wrapping.wrap`) and returns a :class:`~zkrv.receipt.Groth16Receipt`
(what the on-chain router verifies). With ``dev=True`` it only executes and returns a
:class:`~zkrv.receipt.DevReceipt` (no proof; refused by normal verification).

Heavy modules are imported lazily (the executor's errors derive from :mod:`zkrv.errors`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from zkrv.errors import ZkrvError
from zkrv.receipt import DevReceipt, Receipt, StarkReceipt, stark_seal

if TYPE_CHECKING:
    from zkrv.keys import KeyCache
    from zkrv_prover.executor import MemoryImage
    from zkrv_prover.progress import Progress
    from zkrv_prover.zkvm.image_id import ProgramKey

__all__ = ["image_id", "prove"]


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
    progress: Progress | None = None,
    keys: KeyCache | None = None,
) -> Receipt:
    """Execute ``program`` on private ``input`` and prove it (see the module docstring).

    ``groth16=True``: wrap the STARK receipt into a Groth16 receipt (:func:`zkrv.wrapping.wrap`:
    the wrap profile of ``$ZKRV_WRAP_PROFILE``, default production; the key from ``keys``,
    default the user's key cache, made by the UNSAFE dev setup on a miss).

    ``progress``: a :class:`zkrv_prover.progress.Progress` (``stage(name, total)``,
    ``advance(n)``) receiving the stages "execute", "setup", then the prover's ("trace", each
    commitment, "quotient", "FRI folding", "grinding", "queries", ...), each advanced to its
    total; the ``zkrv`` CLI renders them as a terminal bar. It does not change the proof.

    Raises :class:`ZkrvError` for a bad ELF, a trap, or an execution longer than
    ``zkrv_prover.zkvm.machine.MAX_CYCLES`` cycles (before proving starts)."""
    from zkrv_prover.progress import reporting

    if dev and groth16:
        raise ZkrvError("prove: dev mode makes no proof to wrap; choose dev or groth16")
    if not groth16:
        with reporting(progress):
            return _prove(program, input, dev)
    from zkrv.wrapping import profile_name, wrap

    profile = profile_name()  # an unknown $ZKRV_WRAP_PROFILE fails before any proving
    with reporting(progress):
        stark = _prove(program, input, False)
    return wrap(stark, keys=keys, progress=progress, profile=profile)


def _prove(program: str | Path | bytes | MemoryImage, input: bytes, dev: bool) -> Receipt:
    from zkrv_prover import progress as prog
    from zkrv_prover.executor import CycleLimitError, execute
    from zkrv_prover.stark.protocol.proof import encode_proof
    from zkrv_prover.stark.protocol.prover import prove as stark_prove
    from zkrv_prover.zkvm.machine import LOG_MAX_CYCLES, MAX_CYCLES, generate

    image = _image(program)
    prog.stage("execute", 1)
    try:
        res = execute(image, bytes(input), max_cycles=MAX_CYCLES, trace=not dev)
    except CycleLimitError as e:
        raise ZkrvError(
            f"execution needs more than {MAX_CYCLES} (2^{LOG_MAX_CYCLES}) cycles, the most one "
            "proof can hold; segmented proving is not supported yet"
        ) from e
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
    proof = stark_prove(key.vk, w.traces, w.public)
    assert key.vk.pre_root is not None
    seal = stark_seal(key.vk.pre_root, key.log_program, key.log_image, encode_proof(key.vk, proof))
    return StarkReceipt(key.image_id, res.exit_code, res.journal, seal)
