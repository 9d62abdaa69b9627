"""Versioned binary format of a :class:`~.prover.StarkProof`, with a strict parser.

Layout (one little-endian bit stream, ``codec.py``: base element 31 bits, extension element
EXT_DEGREE base elements, digest 8 base elements (Poseidon2) or 254 bits (BN254); the header,
up to and including the zero-matrix mask, is whole bytes):

    magic "ZKRVSTR3" (8 bytes) | version u16 (5; 8: lifted) | table count u8 | log height u8 per
    table | zero-matrix mask | preprocessed root (lifted proofs of machines with preprocessed
    columns) | boundary root (machines with global buses) | main root | aux root (iff the
    machine has LogUp) | cumsum ext per table with local LogUp | global sum ext per boundary
    table (machines with global buses) | quotient root | opened values: per round, matrix,
    point, column one ext (the quotient round's matrices: one per group of equal-height
    tables, ``quotient.quotient_groups``)
    PCS proof (``pcs.write_proof``: layout fixed by the PCS shape)

Lifted proofs (version 8, ``vk.lifted``: Poseidon2 with per-table heights) have one quotient
matrix per table and the lifted PCS layout (``pcs.PcsShape.lifted_trees``: rows per matrix,
one salt per leaf, one sibling per tree level, binary FRI layers).

Machines with global buses (``docs/stark.md``, "Global buses") have their own versions, the
above plus ``prover.GLOBAL_FORMAT`` (0x105, 0x108), and a boundary round (the boundary tables'
main matrices) opened between the preprocessed and the main round.

Zero matrices (empty tables, ``prover.empty_tables``): the mask has one bit per committed
matrix, ``ceil(M / 8)`` bytes for M matrices over all rounds (round order, then matrix order;
bit j of the whole mask is bit j % 8 of byte j // 8, unused bits zero). A set bit means that
the matrix's opened values and its rows at every query are all zero: they are left out of the
bytes and the parser restores them. The encoding is canonical: a matrix that is all zero must
be marked. It is lossless, so the verifier checks the same proof either way.

Only the table heights and the mask are variable; everything else has a length fixed by the
verifying key, the heights and the mask, so the parser validates magic, version, table count and
every height against the key *before* reading further, then reads exactly the expected number
of canonical values and rejects trailing bytes. Inputs larger than :data:`MAX_PROOF_BYTES` are
rejected unread.
"""

from __future__ import annotations

from zkrv_prover.stark.commit import pcs
from zkrv_prover.stark.field.codec import ProofFormatError, Reader, Writer
from zkrv_prover.stark.field.field import EXT_DEGREE
from zkrv_prover.stark.protocol.prover import StarkProof, VerifyingKey, mask_plan
from zkrv_prover.stark.protocol.verifier import _round_shapes

MAGIC = b"ZKRVSTR3"
#: Magics of earlier encodings (CHANGELOG.md), refused with their own error.
OLD_MAGICS = {
    b"ZKRVSTRK": "a STARK proof in the encoding before zero-matrix omission",
    b"ZKRVSTR2": "a STARK proof in the byte-aligned encoding before bit packing",
}
#: Hard cap on an encoded proof (a 2^22-row machine's proof is a few MiB at most).
MAX_PROOF_BYTES = 32 << 20


def _pcs_shape(vk: VerifyingKey, log_heights: list[int]) -> pcs.PcsShape:
    if vk.lifted:
        from zkrv_prover.stark.protocol.verifier_lifted import pcs_shape

        return pcs_shape(vk, log_heights)
    rounds = _round_shapes(vk, log_heights)
    return pcs.PcsShape(
        vk.params,
        tuple(tuple(shapes) for shapes, _ in rounds),
        tuple(tuple(pts) for _, pts in rounds),
        # the quotient round (last) carries the zk masking codeword
        masked_round=len(rounds) - 1 if vk.params.zk else None,
        unsalted_rounds=(0,) if vk.pre_tables else (),  # the public preprocessed round
    )


def _check_heights(vk: VerifyingKey, log_heights: list[int], pre_fixed: bool = True) -> None:
    from zkrv_prover.stark.commit.params import MAX_LOG_HEIGHT
    from zkrv_prover.stark.field.field import TWO_ADICITY

    for lay, lh in zip(vk.layouts, log_heights, strict=True):
        name = lay.air.name
        if not 1 <= lh <= TWO_ADICITY:
            raise ProofFormatError(f"table {name!r}: log height {lh} out of range")
        if lh > MAX_LOG_HEIGHT:
            raise ProofFormatError(
                f"table {name!r}: log height {lh} exceeds the verifier's cap {MAX_LOG_HEIGHT}"
            )
        if mask_plan(vk.params, 1 << lh).log_height + vk.params.log_blowup > TWO_ADICITY:
            raise ProofFormatError(f"table {name!r}: log height {lh} too large for the field")
        if pre_fixed and lay.preprocessed is not None and lay.preprocessed.shape[0] != 1 << lh:
            raise ProofFormatError(f"table {name!r}: height differs from its preprocessed height")


def zero_matrices(proof: StarkProof) -> frozenset[tuple[int, int]]:
    """The (round, matrix) pairs whose opened values and opened rows at every query are all
    zero: the matrices of empty tables, which the encoding leaves out (module doc). A masked
    round's random-codeword row is not a matrix of the round and never counts."""
    out = set()
    queries = proof.pcs_proof.queries
    for ri, rnd in enumerate(proof.opened):
        for i, mat in enumerate(rnd):
            if any(any(v) for vals in mat for v in vals):
                continue
            if all(not any(qp.inputs[ri].rows[i]) for qp in queries):
                out.add((ri, i))
    return frozenset(out)


def encode_proof(vk: VerifyingKey, proof: StarkProof) -> bytes:
    """Serialize a proof for ``vk`` (raises ``ValueError`` if it does not fit the key)."""
    if len(proof.log_heights) != len(vk.layouts):
        raise ValueError("proof and key disagree on the number of tables")
    w = Writer(pcs.digest_kind(vk.params))
    w.raw(MAGIC)
    w.u16(vk.version)
    w.u8(len(proof.log_heights))
    for lh in proof.log_heights:
        w.u8(lh)
    rounds = _round_shapes(vk, proof.log_heights)
    counts = [len(shapes) for shapes, _ in rounds]
    if [len(rnd) for rnd in proof.opened] != counts:
        raise ValueError("opened values do not match the key's shape")
    zero = zero_matrices(proof)
    bits = [(ri, i) in zero for ri, k in enumerate(counts) for i in range(k)]
    w.raw(bytes(sum(b << j for j, b in enumerate(bits[k : k + 8])) for k in range(0, len(bits), 8)))
    if vk.lifted and vk.pre_tables:
        if proof.pre_root is None:
            raise ValueError("a lifted proof carries its preprocessed root")
        w.digest(proof.pre_root)
    if vk.has_global:
        if proof.boundary_root is None or len(proof.global_sums) != len(vk.boundary_tables):
            raise ValueError("proof lacks the boundary round its machine needs")
        w.digest(proof.boundary_root)
    w.digest(proof.main_root)
    if vk.logup_tables:
        if proof.aux_root is None or len(proof.cumsums) != len(vk.local_tables):
            raise ValueError("proof lacks the LogUp commitments its machine needs")
        w.digest(proof.aux_root)
        for c in proof.cumsums:
            w.ext(c)
        for c in proof.global_sums:
            w.ext(c)
    w.digest(proof.quotient_root)
    shape = _pcs_shape(vk, proof.log_heights)
    for ri, ((shapes, pts), rnd) in enumerate(zip(rounds, proof.opened, strict=True)):
        for i, (s, k, mat) in enumerate(zip(shapes, pts, rnd, strict=True)):
            if len(mat) != k or any(len(v) != s.width for v in mat):
                raise ValueError("opened values do not match the key's shape")
            if (ri, i) in zero:
                continue
            for vals in mat:
                for v in vals:
                    w.ext(v)
    pcs.write_proof(w, shape, proof.pcs_proof, zero)
    return w.getvalue()


def decode_proof(vk: VerifyingKey, data: bytes, pre_fixed: bool = True) -> StarkProof:
    """Parse proof bytes for ``vk``; raises :class:`ProofFormatError` (a ``ValueError``) on any
    truncation, excess, non-canonical value or shape that does not fit the key.
    ``pre_fixed=False`` (lifted keys): accept preprocessed tables of other heights (a proof of
    another program of the machine, verified with its preprocessed root as data)."""
    if len(data) > MAX_PROOF_BYTES:
        raise ProofFormatError(f"proof of {len(data)} bytes exceeds {MAX_PROOF_BYTES}")
    r = Reader(data, pcs.digest_kind(vk.params))
    magic = r.raw(len(MAGIC), "magic")
    if magic in OLD_MAGICS:
        raise ProofFormatError(f"{OLD_MAGICS[magic]} (CHANGELOG.md): prove again")
    if magic != MAGIC:
        raise ProofFormatError("not a zkrv STARK proof (bad magic)")
    version = r.u16("version")
    if version != vk.version:
        raise ProofFormatError(f"unsupported proof version {version} (expected {vk.version})")
    n_tables = r.u8("table count")
    if n_tables != len(vk.layouts):
        raise ProofFormatError(f"proof has {n_tables} tables, the key {len(vk.layouts)}")
    log_heights = [r.u8(f"log height of table {t}") for t in range(n_tables)]
    _check_heights(vk, log_heights, pre_fixed or not vk.lifted)
    rounds = _round_shapes(vk, log_heights)
    counts = [len(shapes) for shapes, _ in rounds]
    total = sum(counts)
    mask = r.raw((total + 7) // 8, "zero-matrix mask")
    if total % 8 and mask[-1] >> (total % 8):
        raise ProofFormatError("zero-matrix mask: unused bits set")
    flat = [(ri, i) for ri, k in enumerate(counts) for i in range(k)]
    zero = frozenset(m for j, m in enumerate(flat) if mask[j // 8] >> (j % 8) & 1)
    pre_root = r.digest("preprocessed root") if vk.lifted and vk.pre_tables else None
    boundary_root = r.digest("boundary root") if vk.has_global else None
    main_root = r.digest("main root")
    aux_root = None
    cumsums = []
    global_sums = []
    if vk.logup_tables:
        aux_root = r.digest("aux root")
        if vk.local_tables:
            cumsums = r.exts(len(vk.local_tables), "LogUp sums")
        if vk.has_global:
            global_sums = r.exts(len(vk.boundary_tables), "global sums")
    quotient_root = r.digest("quotient root")
    opened: pcs.Opened = []
    zero_ext = (0,) * EXT_DEGREE
    for ri, (shapes, pts) in enumerate(rounds):
        opened.append(
            [
                [
                    [zero_ext] * s.width
                    if (ri, i) in zero
                    else r.exts(s.width, f"opened values (round {ri})")
                    for _ in range(k)
                ]
                for i, (s, k) in enumerate(zip(shapes, pts, strict=True))
            ]
        )
    pcs_proof = pcs.read_proof(r, _pcs_shape(vk, log_heights), zero)
    r.finish()
    proof = StarkProof(
        log_heights=log_heights,
        main_root=main_root,
        aux_root=aux_root,
        cumsums=cumsums,
        quotient_root=quotient_root,
        opened=opened,
        pcs_proof=pcs_proof,
        pre_root=pre_root,
        boundary_root=boundary_root,
        global_sums=global_sums,
    )
    if zero_matrices(proof) != zero:  # canonical: every all-zero matrix is marked
        raise ProofFormatError("zero-matrix mask: an all-zero matrix is not marked")
    return proof
