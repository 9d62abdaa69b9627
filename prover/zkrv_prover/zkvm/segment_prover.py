"""Proving and verifying a guest execution in segments (``docs/segments.md``, issue #15).

:func:`prove_segmented` is the two-pass driver:

1. **Pass 1** runs the guest once (``executor.execute_segments``, one segment's trace held at a
   time). For each segment it computes the boundary (``zkvm.segments.SegmentChain``), builds the
   core traces to read off its two boundary tables (memory, registers), draws the segment's
   :class:`~zkrv_prover.stark.protocol.prover.BoundarySecret` (32 bytes from :mod:`secrets`;
   blinds uniform but for the last segment's, which makes them sum to zero) and commits its
   boundary round (``commit_boundary``). It keeps a :class:`SegmentJob` per segment (start state,
   cycle count, boundary rows, public values, secret, root), never a trace.
2. The global challenges are drawn over every segment's public values and boundary root, with
   :func:`challenge_data` (the preprocessed root and heights that make the image ID) as data,
   as a hash chain with one step per segment (``stark.protocol.global_challenges``), so that
   a recursion join can split it between any two segments.
3. **Pass 2** proves each segment on its own with :func:`prove_segment`, a pure function of the
   image, the input, the job and the challenges: it re-executes the segment from its start state
   (``executor.execute_segment``), generates its traces and proves; the boundary root must be
   pass 1's. Segments may be proven in any order or process; peak memory is one segment's.
   Each proof comes back encoded (:func:`prove_segment_encoded`): a decoded proof takes about
   nine times its bytes in Python objects, which for thousands of segments would make the
   driver's memory grow with the execution's length.

:func:`verify_segmented` is the composite verifier: it sets every segment's public values
itself, checks the pc/eof chain, verifies all proofs as one family under recomputed global
challenges with shares summing to zero (``verify_global``), and returns the claim.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from zkrv_prover import progress
from zkrv_prover.claim import sha256
from zkrv_prover.executor.image import MemoryImage
from zkrv_prover.executor.segments import MIN_SEGMENT_PO2 as EXECUTOR_MIN_SEGMENT_PO2
from zkrv_prover.executor.segments import SegmentStart, execute_segment, execute_segments
from zkrv_prover.stark.commit.hash_scheme import scheme_of
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.field.arith import VerificationError
from zkrv_prover.stark.field.codec import ProofFormatError
from zkrv_prover.stark.field.field import EXT_DEGREE, ExtInt, P
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol.global_challenges import global_challenges
from zkrv_prover.stark.protocol.proof import decode_proof, encode_proof
from zkrv_prover.stark.protocol.prover import (
    BoundarySecret,
    GlobalInput,
    ProverError,
    StarkProof,
    commit_boundary,
    prove,
)
from zkrv_prover.stark.protocol.verifier import verify_global
from zkrv_prover.zkvm.image_id import (
    ProgramKey,
    image_id_from,
    root_felts,
    segmented_key,
    verifier_key,
    zkvm_params,
)
from zkrv_prover.zkvm.machine import (
    CORE_TABLES,
    LOG_MAX_CYCLES,
    check_heights,
    core_traces,
    generate_segment,
    public_values,
)
from zkrv_prover.zkvm.memory import NUM_PUBLIC, NUM_PUBLIC_SEGMENTED
from zkrv_prover.zkvm.segment_workers import prove_jobs
from zkrv_prover.zkvm.segments import (
    MAX_SEGMENTS,
    SegmentBoundary,
    SegmentChain,
    chain_problems,
)

__all__ = [
    "DEFAULT_SEGMENT_PO2",
    "MAX_SEGMENT_PO2",
    "MIN_SEGMENT_PO2",
    "SegmentJob",
    "SegmentLinks",
    "SegmentPlan",
    "SegmentedClaim",
    "SegmentedProof",
    "challenge_data",
    "check_segment_po2",
    "plan_segments",
    "prove_segment",
    "prove_segment_encoded",
    "prove_segmented",
    "segment_publics",
    "verify_segmented",
]


#: Segment sizes a segmented proof may use (log2 cycles): the executor's minimum, and the most
#: one proof of the machine holds.
MIN_SEGMENT_PO2 = EXECUTOR_MIN_SEGMENT_PO2
MAX_SEGMENT_PO2 = LOG_MAX_CYCLES
#: The default segment size (log2 cycles), chosen for a 2-core, 24 GiB machine proving with one
#: worker per core: see ``docs/segments.md``, "Choosing the segment size".
DEFAULT_SEGMENT_PO2 = 17


def check_segment_po2(segment_po2: int) -> None:
    """ValueError unless ``segment_po2`` is an integer in ``MIN..MAX_SEGMENT_PO2``."""
    if not isinstance(segment_po2, int) or not (MIN_SEGMENT_PO2 <= segment_po2 <= MAX_SEGMENT_PO2):
        raise ValueError(
            f"segment size 2^{segment_po2} outside 2^{MIN_SEGMENT_PO2}..2^{MAX_SEGMENT_PO2} cycles"
        )


@dataclass(frozen=True)
class SegmentLinks:
    """What a segment claims about its ends: the pc and end-of-input flag it starts and ends
    with. The composite verifier chains them (``post[s] == pre[s + 1]``); the AIR binds them to
    the segment's first and last rows."""

    pre_pc: int
    post_pc: int
    pre_eof: bool
    post_eof: bool


@dataclass(frozen=True)
class SegmentedClaim:
    """What a segmented proof proves: the program named by ``image_id`` halted with
    ``exit_code`` after committing a journal of SHA-256 ``journal_digest``."""

    image_id: bytes
    exit_code: int
    journal_digest: bytes


@dataclass(frozen=True)
class SegmentedProof:
    """A composite proof of one execution: the image-ID material (preprocessed root and the two
    table heights, as in a one-proof receipt's seal), the claim (exit code, journal and its
    digest) and, per segment in order, its links and its STARK proof of the segmented machine,
    encoded (``stark.protocol.proof.encode_proof`` under the segmented key; :meth:`decoded`
    parses one)."""

    image_id: bytes
    pre_root: int
    log_program: int
    log_image: int
    exit_code: int
    journal_digest: bytes
    journal: bytes
    links: tuple[SegmentLinks, ...]
    proofs: tuple[bytes, ...]

    @property
    def segments(self) -> int:
        return len(self.proofs)

    def decoded(self, s: int, params: PcsParams | None = None) -> StarkProof:
        """Segment ``s``'s proof parsed (``ProofFormatError`` if malformed)."""
        params = params or zkvm_params()
        vk = verifier_key(self.pre_root, self.log_program, self.log_image, params, True)
        return decode_proof(vk, self.proofs[s])


@dataclass(frozen=True, eq=False)
class SegmentJob:
    """Pass 1's record of one segment, all pass 2 needs besides the image, the input and the
    global challenges: the start state, the cycle count, the boundary rows (one per word the
    segment has a boundary row for; small), its public values, boundary secret and root."""

    start: SegmentStart
    cycles: int
    boundary: SegmentBoundary
    public: list[int]
    secret: BoundarySecret
    root: int


@dataclass(frozen=True)
class SegmentPlan:
    """Pass 1's result: the jobs in order, the global challenges, the claim and journal."""

    jobs: list[SegmentJob]
    challenges: tuple[ExtInt, ExtInt]
    exit_code: int
    journal: bytes
    journal_digest: bytes


def challenge_data(pre_root: int, log_program: int, log_image: int) -> list[int]:
    """The data the global challenges bind besides each segment's public values and root
    (``stark.protocol.global_challenges``, which also binds the segment count): the
    preprocessed root's 8 felts (``root = sum_i felt_i 2^(32 i)``, as the recursion layers
    expose it, ``recursion/zkvm_layout.py``) and the program and image tables' log heights.
    These determine the image ID, and a recursion program can bind them without SHA-256."""
    return [*root_felts(pre_root), int(log_program), int(log_image)]


def segment_publics(
    links: Sequence[SegmentLinks], exit_code: int, journal_digest: bytes
) -> list[list[int]]:
    """Every segment's :data:`NUM_PUBLIC_SEGMENTED` public values as the composite verifier
    sets them: the claim (digest, exit code) in the last segment only (zero elsewhere), then
    ``seg = s``, ``seg_first``, ``seg_last`` from the position, then the links."""
    n = len(links)
    claim = public_values(journal_digest, exit_code)
    out = []
    for s, ln in enumerate(links):
        head = claim if s == n - 1 else [0] * NUM_PUBLIC
        tail = [s, int(s == 0), int(s == n - 1), ln.pre_pc, ln.post_pc, int(ln.pre_eof)]
        out.append([*head, *tail, int(ln.post_eof)])
    return out


def _boundary_traces(key: ProgramKey, core: dict[str, np.ndarray]) -> list[np.ndarray]:
    """The boundary tables' witness traces (``vk.boundary_tables`` order: core tables only)."""
    return [core[CORE_TABLES[t]] for t in key.vk.boundary_tables]


def _blind(params: PcsParams, rng: FieldRng, sum_so_far: np.ndarray, last: bool) -> ExtInt:
    """A segment's share blind: uniform, or for the last segment minus the earlier ones' sum, so
    that they add up to zero (``share_blinds``'s distribution, drawn as the count becomes known
    only at the halting segment). Zero without zk."""
    if not params.zk:
        return (0,) * EXT_DEGREE
    if last:
        return tuple(int(v) for v in (-sum_so_far) % P)
    return tuple(int(v) for v in rng.base((EXT_DEGREE,)))


def plan_segments(
    image: MemoryImage,
    input: bytes,
    segment_po2: int,
    params: PcsParams | None = None,
    rng: FieldRng | None = None,
) -> SegmentPlan:
    """Pass 1 and the global challenges (module docstring). ``rng`` draws the blinds (default:
    ``os.urandom``); the boundary keys always come from :mod:`secrets`."""
    key = segmented_key(image, params)
    params = key.vk.params
    rng = FieldRng() if rng is None else rng
    chain = SegmentChain(image)
    jobs: list[SegmentJob] = []
    blind_sum = np.zeros(EXT_DEGREE, dtype=np.int64)
    journal = b""
    exit_code, digest = 0, b""
    progress.stage("execute", 1)
    for seg in execute_segments(image, input, segment_po2):
        bnd = chain.add(seg)
        core = core_traces(key.tables, seg.trace, bnd)
        blind = _blind(params, rng, blind_sum, bnd.last)
        blind_sum = (blind_sum + np.asarray(blind, dtype=np.int64)) % P
        secret = BoundarySecret(secrets.token_bytes(32), blind)
        root = commit_boundary(key.vk, _boundary_traces(key, core.traces), core.public, secret)
        jobs.append(SegmentJob(seg.start, seg.cycles, bnd, core.public, secret, root))
        journal += seg.trace.journal
        if bnd.last:
            exit_code, digest = seg.trace.exit_code, seg.trace.journal_digest
        del core, seg  # hold one segment's traces at a time
    progress.advance()
    assert key.vk.pre_root is not None
    data = challenge_data(key.vk.pre_root, key.log_program, key.log_image)
    ch = global_challenges(params, [(j.public, j.root) for j in jobs], data)
    return SegmentPlan(jobs, ch, exit_code, journal, digest)


def prove_segment(
    image: MemoryImage,
    input: bytes,
    job: SegmentJob,
    challenges: tuple[ExtInt, ExtInt],
    params: PcsParams | None = None,
) -> StarkProof:
    """Pass 2 for one segment, a pure function of its arguments (so any worker can run it):
    re-execute the segment from ``job.start``, generate the segmented machine's traces and
    prove them under the global ``challenges`` with the job's boundary secret. Raises
    :class:`ProverError` if the re-execution does not reproduce pass 1's public values or
    boundary root."""
    key = segmented_key(image, params)
    seg = execute_segment(image, input, job.start, job.cycles)
    w = generate_segment(key.tables, seg.trace, job.boundary, key.vk.layouts)
    del seg
    if w.public != job.public:
        raise ProverError(f"segment {job.boundary.seg}: re-execution changed its public values")
    traces, public = w.traces, w.public
    del w  # prove empties ``traces`` once it has its own copies (consume=True)
    with progress.reporting(None):  # the caller's bar counts segments, not prover stages
        ch = GlobalInput(challenges, job.secret)
        proof = prove(key.vk, traces, public, global_=ch, consume=True)
    if proof.boundary_root != job.root:
        raise ProverError(f"segment {job.boundary.seg}: boundary root differs from pass 1's")
    return proof


def prove_segment_encoded(
    image: MemoryImage,
    input: bytes,
    job: SegmentJob,
    challenges: tuple[ExtInt, ExtInt],
    params: PcsParams | None = None,
) -> bytes:
    """:func:`prove_segment`, its proof encoded under the segmented key (what workers send
    back and :class:`SegmentedProof` holds)."""
    proof = prove_segment(image, input, job, challenges, params)
    return encode_proof(segmented_key(image, params).vk, proof)


def prove_segmented(
    image: MemoryImage,
    input: bytes = b"",
    segment_po2: int = DEFAULT_SEGMENT_PO2,
    params: PcsParams | None = None,
    *,
    jobs: int = 1,
    ray: str | None = None,
) -> SegmentedProof:
    """Prove the execution of ``image`` on ``input`` in segments of at most ``2^segment_po2``
    cycles (the two passes of the module docstring). Pass 2 runs where ``jobs`` and ``ray``
    say (:func:`zkrv_prover.zkvm.segment_workers.prove_jobs`: this process, ``jobs`` local
    worker processes, or a Ray cluster). Progress: stage "execute" (pass 1), then "segments"
    advanced once per proven segment. Raises what the executor raises (traps, cycle limit),
    :class:`ProverError`, and ValueError for a segment size outside
    ``MIN_SEGMENT_PO2..MAX_SEGMENT_PO2``."""
    check_segment_po2(segment_po2)
    key = segmented_key(image, params)
    plan = plan_segments(image, input, segment_po2, params)
    proofs = prove_jobs(
        prove_segment_encoded,
        image,
        input,
        plan.jobs,
        plan.challenges,
        params,
        jobs=jobs,
        ray=ray,
    )
    links = tuple(
        SegmentLinks(b.pre_pc, b.post_pc, b.pre_eof, b.post_eof)
        for b in (j.boundary for j in plan.jobs)
    )
    assert key.vk.pre_root is not None
    return SegmentedProof(
        image_id=key.image_id,
        pre_root=key.vk.pre_root,
        log_program=key.log_program,
        log_image=key.log_image,
        exit_code=plan.exit_code,
        journal_digest=plan.journal_digest,
        journal=plan.journal,
        links=links,
        proofs=tuple(proofs),
    )


def _link_problems(links: Sequence[SegmentLinks]) -> list[str]:
    msgs = []
    for s, ln in enumerate(links):
        if not (0 <= ln.pre_pc < 1 << 32 and 0 <= ln.post_pc < 1 << 32):
            msgs.append(f"segment {s}: pc out of range")
        if not all(isinstance(e, bool) or e in (0, 1) for e in (ln.pre_eof, ln.post_eof)):
            msgs.append(f"segment {s}: eof flag not boolean")
    if links and links[-1].post_pc != 0:  # HALT jumps to the padding pc
        msgs.append("the last segment does not end in HALT")
    return msgs


def verify_segmented(
    proof: SegmentedProof, image_id: bytes, params: PcsParams | None = None
) -> SegmentedClaim:
    """Verify a segmented proof for the program named ``image_id`` and return its claim.

    Checks: the image ID is the one the proof's preprocessed root and heights hash to; the
    journal hashes to the claimed digest; every segment's public values are set here from its
    position, its links and the claim (the digest and exit code sit in the last segment, zero
    in the others); the links chain (``post_pc``/``post_eof`` of each segment are the next
    one's ``pre_pc``/``pre_eof``, the first starts with eof clear, the last ends in HALT; the
    first segment's ``pre_pc`` is the entry, which its proof checks on ``BUS_ENTRY``); every
    proof verifies against the segmented machine's key under global challenges recomputed over
    all of them and :func:`challenge_data`, and their global shares sum to zero.

    Raises :class:`VerificationError` (malformed proofs included)."""
    params = params or zkvm_params()
    n = len(proof.proofs)
    if not 1 <= n <= MAX_SEGMENTS or len(proof.links) != n:
        raise VerificationError(f"a segmented proof has 1..{MAX_SEGMENTS} segments with links")
    if proof.image_id != image_id:
        raise VerificationError("the proof is for another image ID")
    if not isinstance(proof.pre_root, int) or not scheme_of(params.hash).is_canonical(
        proof.pre_root
    ):
        raise VerificationError("the preprocessed root is not a canonical digest")
    try:
        if image_id_from(proof.pre_root, proof.log_program, proof.log_image, params) != image_id:
            raise VerificationError("the preprocessed commitment does not match the image ID")
        if sha256(proof.journal) != proof.journal_digest:
            raise VerificationError("the journal does not hash to the claimed digest")
        publics = segment_publics(proof.links, proof.exit_code, proof.journal_digest)
        assert all(len(p) == NUM_PUBLIC_SEGMENTED for p in publics)
        bad = _link_problems(proof.links) + chain_problems(publics)
        if bad:
            raise VerificationError("; ".join(bad))
        vk = verifier_key(proof.pre_root, proof.log_program, proof.log_image, params, True)
        proofs = []
        for s, body in enumerate(proof.proofs):
            if not isinstance(body, bytes):
                raise VerificationError(f"segment {s}: a proof is bytes")
            try:
                p = decode_proof(vk, body)
            except ProofFormatError as e:
                raise VerificationError(f"segment {s}: malformed proof: {e}") from e
            check_heights(vk.layouts, p.log_heights)  # soundness bounds (docs/zkvm.md)
            proofs.append(p)
        data = challenge_data(proof.pre_root, proof.log_program, proof.log_image)
        verify_global(vk, list(zip(publics, proofs, strict=True)), data)
    except VerificationError:
        raise
    except (ValueError, TypeError, IndexError) as e:  # malformed proofs, heights, claims
        raise VerificationError(f"invalid segmented proof: {e}") from e
    return SegmentedClaim(image_id, proof.exit_code, proof.journal_digest)
