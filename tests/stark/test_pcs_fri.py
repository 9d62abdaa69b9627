"""The FRI PCS: completeness over shapes and parameters, soundness against tampering, strict
serialization."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from zkrv_prover.stark.commit import fri, pcs, pcs_verify
from zkrv_prover.stark.commit.mmcs import MatrixShape
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.commit.transcript import Transcript
from zkrv_prover.stark.field import field as fld
from zkrv_prover.stark.field.arith import NativeArith, VerificationError
from zkrv_prover.stark.field.codec import BASE_BITS, ProofFormatError, Reader, Writer, digest_bits
from zkrv_prover.stark.field.randomness import FieldRng

SMALL = PcsParams(
    log_blowup=1,
    num_queries=6,
    pow_bits=2,
    log_folding_arity=2,
    log_final_poly_len=1,
    merkle_arity=4,
    zk=True,
    salt_len=2,
    log_cap=2,
)


class Setup:
    """Two rounds of matrices of different heights opened at two points; prover side done."""

    def __init__(
        self,
        params: PcsParams,
        heights: tuple[int, ...] = (16, 4, 32),
        seed: int = 1,
        unchecked: bool = False,
        tamper_lde: bool = False,
        mask: bool = False,
    ) -> None:
        rng = FieldRng.seeded(seed)
        self.params = params
        mats = [rng.base((h, 1 + i % 3)) for i, h in enumerate(heights)]
        self.d1 = pcs.commit_evals(params, mats[:2], rng)
        self.mask = mask
        self.d2 = pcs.commit_evals(params, mats[2:], rng, mask=mask)
        if tamper_lde:  # a cheating prover commits a codeword that is far from low degree
            m = self.d2.tree.matrices[0]
            self.d2 = pcs.commit_coeffs(params, self.d2.coeffs, rng)
            bad = FieldRng.seeded(99).base(m.shape)
            from zkrv_prover.stark.commit import mmcs

            self.d2.tree = mmcs.commit([bad], self.d2.tree.config, rng)
        tr = self._transcript()
        z1, z2 = tr.sample_ext(), tr.sample_ext()
        self.points = [[[z1, z2], [z1]], [[z2]]]
        self.opened, self.proof = pcs.open_rounds(
            params, [(self.d1, self.points[0]), (self.d2, self.points[1])], tr, rng, unchecked
        )
        self.shape = pcs.PcsShape(
            params,
            (tuple(self.d1.shapes), tuple(self.d2.shapes)),
            ((2, 1), (1,)),
            1 if mask else None,
        )

    def _transcript(self) -> Transcript:  # type: ignore[type-arg]
        tr = Transcript(NativeArith(native_hash=True), "pcs-test")
        tr.observe_digest(self.d1.root)
        tr.observe_digest(self.d2.root)
        return tr

    def verify(self, proof: pcs.PcsProof | None = None, opened: pcs.Opened | None = None) -> None:
        ar = NativeArith(native_hash=True)
        tr = self._transcript()
        z1, z2 = tr.sample_ext(), tr.sample_ext()
        pts = [[[z1, z2], [z1]], [[z2]]]
        op = self.opened if opened is None else opened
        claims = [
            pcs.RoundClaim(
                ar.d_input(d.root),
                d.shapes,
                pts[r],
                [[[ar.e_input(v) for v in vals] for vals in m] for m in op[r]],
                has_mask=self.mask and r == 1,
            )
            for r, d in enumerate((self.d1, self.d2))
        ]
        pcs_verify.verify(ar, self.params, claims, self.proof if proof is None else proof, tr)

    def encode(self, proof: pcs.PcsProof | None = None) -> bytes:
        w = Writer()
        pcs.write_proof(w, self.shape, self.proof if proof is None else proof)
        return w.getvalue()

    def decode(self, raw: bytes) -> pcs.PcsProof:
        r = Reader(raw)
        p = pcs.read_proof(r, self.shape)
        r.finish()
        return p


@pytest.fixture(scope="module")
def honest() -> Setup:
    return Setup(SMALL)


def test_opened_values_are_polynomial_evaluations(honest: Setup) -> None:
    coeffs = honest.d1.coeffs[0]
    z = honest.points[0][0][1]
    for col in range(coeffs.shape[1]):
        acc = fld.EXT_ZERO
        for j in reversed(range(coeffs.shape[0])):
            acc = fld.ext_mul_int(acc, z)
            acc = ((acc[0] + int(coeffs[j, col])) % fld.P, *acc[1:])
        assert honest.opened[0][0][1][col] == acc


def test_honest_proof_verifies_and_roundtrips(honest: Setup) -> None:
    honest.verify()
    raw = honest.encode()
    assert honest.decode(raw) == honest.proof


@pytest.mark.parametrize(
    "params",
    [
        replace(SMALL, zk=False, salt_len=0, pow_bits=0),
        replace(SMALL, merkle_arity=2, log_folding_arity=1),
        replace(SMALL, merkle_arity=16, log_folding_arity=4, log_final_poly_len=0),
        replace(SMALL, log_blowup=2, log_final_poly_len=3, merkle_arity=8),
        replace(SMALL, log_cap=0),
        replace(SMALL, log_cap=8),
    ],
)
def test_completeness_across_parameters(params: PcsParams) -> None:
    s = Setup(params, heights=(8, 2, 16, 1)[:3], seed=3)
    s.verify()
    assert s.decode(s.encode()) == s.proof


def test_masking_codeword_inside_a_round() -> None:
    s = Setup(SMALL, seed=8, mask=True)
    assert s.proof.zk_root is None and len(s.proof.queries[0].inputs) == 2
    s.verify()
    assert s.decode(s.encode()) == s.proof
    # the R row sits last in the masked round's opening: tampering with it is caught
    bad = s.decode(s.encode())
    bad.queries[0].inputs[1].rows[-1][0] = (bad.queries[0].inputs[1].rows[-1][0] + 1) % fld.P
    _rejects(s, bad)
    # a round without the tallest matrix cannot carry the mask
    with pytest.raises(ValueError, match="tallest"):
        Setup(SMALL, heights=(32, 4, 16), seed=8, mask=True)
    with pytest.raises(ValueError, match="zk"):
        Setup(replace(SMALL, zk=False, salt_len=0), mask=True)


def test_completeness_tiny_and_equal_heights() -> None:
    s = Setup(replace(SMALL, log_final_poly_len=4), heights=(1, 1, 2), seed=4)
    s.verify()
    s = Setup(SMALL, heights=(8, 8, 8), seed=5)
    s.verify()


@pytest.mark.parametrize("log_cap", [0, 2])
def test_no_fri_layer_and_bare_root(log_cap: int) -> None:
    """Shapes the variable-height form cannot take but its lo = hi case must: a proof whose
    tallest height is already the final domain (no FRI layer) and Merkle trees without a cap."""
    s = Setup(replace(SMALL, log_final_poly_len=4, log_cap=log_cap), heights=(4, 4, 4), seed=4)
    assert s.proof.fri_roots == []
    assert (len(s.proof.input_caps[0]) == 1) == (log_cap == 0)
    s.verify()
    bad = s.decode(s.encode())
    bad.final_poly[0] = ((bad.final_poly[0][0] + 1) % fld.P, *bad.final_poly[0][1:])
    _rejects(s, bad)
    bad = s.decode(s.encode())
    bad.queries[0].inputs[0].siblings[-1][0] ^= 1
    _rejects(s, bad)


def test_proof_structure_must_match_the_claims(honest: Setup) -> None:
    """The verifier maps proof lists onto fixed slots: an in-memory proof with a missing or an
    extra entry anywhere is rejected before any hashing, not padded or truncated."""
    edits = [
        lambda p: p.fri_roots.append(0),
        lambda p: p.fri_caps[0].pop(),
        lambda p: p.input_caps[1].append(0),
        lambda p: p.final_poly.pop(),
        lambda p: p.queries.pop(),
        lambda p: p.queries[0].fri[0].row.append(fld.EXT_ZERO),
        lambda p: p.queries[1].fri[0].siblings.append([]),
        lambda p: p.queries[2].inputs[0].siblings.append([0, 0, 0]),
        lambda p: p.queries[2].inputs[1].salts[0].pop(),
        lambda p: p.queries[3].inputs[0].rows[1].append(0),
    ]
    for edit in edits:
        bad = honest.decode(honest.encode())
        edit(bad)
        with pytest.raises(ProofFormatError, match="structure"):
            honest.verify(bad)
    bad = honest.decode(honest.encode())
    bad.zk_root = None
    with pytest.raises(ValueError):
        honest.verify(bad)


def test_reference_backend_gives_the_same_proof() -> None:
    params = replace(SMALL, num_queries=2)
    a = Setup(params, heights=(4, 2, 8), seed=6)
    b = Setup(replace(params, backend="reference"), heights=(4, 2, 8), seed=6)
    assert a.proof == b.proof and a.opened == b.opened
    b.verify()


def _rejects(s: Setup, proof: pcs.PcsProof | None = None, opened: pcs.Opened | None = None) -> None:
    with pytest.raises(VerificationError):
        s.verify(proof, opened)


def test_wrong_claimed_value_rejected(honest: Setup) -> None:
    for r, m, k in [(0, 0, 0), (0, 0, 1), (0, 1, 0), (1, 0, 0)]:
        opened = [[[list(v) for v in mm] for mm in rr] for rr in honest.opened]
        v = opened[r][m][k][0]
        opened[r][m][k][0] = ((v[0] + 1) % fld.P, *v[1:])
        _rejects(honest, opened=opened)  # type: ignore[arg-type]


def _copy(p: pcs.PcsProof) -> pcs.PcsProof:
    return pcs.read_proof(Reader(_enc(p)), _SHAPE[0])


_SHAPE: list[pcs.PcsShape] = []


def _enc(p: pcs.PcsProof) -> bytes:
    w = Writer()
    pcs.write_proof(w, _SHAPE[0], p)
    return w.getvalue()


def test_tampered_proof_parts_rejected(honest: Setup) -> None:
    _SHAPE[:] = [honest.shape]
    base = honest.proof

    def bump_ext(v: tuple[int, ...]) -> tuple[int, ...]:
        return ((v[0] + 1) % fld.P, *v[1:])

    cases = []
    p = _copy(base)
    p.queries[0].inputs[0].rows[0][0] = (p.queries[0].inputs[0].rows[0][0] + 1) % fld.P
    cases.append(("opened row", p))
    p = _copy(base)
    p.queries[1].inputs[1].salts[0][0] = (p.queries[1].inputs[1].salts[0][0] + 1) % fld.P
    cases.append(("salt", p))
    p = _copy(base)
    p.queries[2].inputs[0].siblings[0][0] ^= 1
    cases.append(("input Merkle path", p))
    p = _copy(base)
    p.queries[0].inputs[2].rows[0][1] = (p.queries[0].inputs[2].rows[0][1] + 1) % fld.P
    cases.append(("random codeword row", p))
    p = _copy(base)
    p.queries[0].fri[0].row[0] = bump_ext(p.queries[0].fri[0].row[0])
    p.queries[0].fri[0].row[1] = bump_ext(p.queries[0].fri[0].row[1])
    cases.append(("FRI layer values", p))
    p = _copy(base)
    p.queries[3].fri[0].siblings[0][0] ^= 1
    cases.append(("FRI Merkle path", p))
    p = _copy(base)
    p.fri_roots[0] ^= 1
    cases.append(("FRI root", p))
    p = _copy(base)
    p.final_poly[0] = bump_ext(p.final_poly[0])
    cases.append(("final polynomial", p))
    p = _copy(base)
    p.pow_nonce += 1
    cases.append(("grinding nonce", p))
    p = _copy(base)
    assert p.zk_root is not None
    p.zk_root ^= 1
    cases.append(("random codeword root", p))
    p = _copy(base)
    p.queries[0], p.queries[1] = p.queries[1], p.queries[0]
    cases.append(("swapped queries", p))
    for t in range(len(base.input_caps)):
        p = _copy(base)
        p.input_caps[t][-1] ^= 1
        cases.append((f"input cap {t}", p))
    for k in range(len(base.fri_caps)):
        p = _copy(base)
        p.fri_caps[k][0] ^= 1
        cases.append((f"FRI cap {k}", p))
    for name, bad in cases:
        with pytest.raises(VerificationError):
            honest.verify(bad)
        assert name


def test_not_low_degree_commitment_rejected() -> None:
    # The cheating prover commits a random (far from low-degree) codeword and skips its own
    # degree check; the verifier must reject.
    with pytest.raises(ValueError, match="not low-degree"):
        Setup(SMALL, tamper_lde=True)
    s = Setup(SMALL, tamper_lde=True, unchecked=True)
    _rejects(s)


def test_serialization_is_strict(honest: Setup) -> None:
    raw = honest.encode()
    for cut in (0, 1, 31, len(raw) // 2, len(raw) - 1):
        with pytest.raises(ProofFormatError, match="truncated"):
            honest.decode(raw[:cut])
    with pytest.raises(ProofFormatError, match="trailing"):
        honest.decode(raw + b"\x00")
    # a non-canonical BN254 scalar (the zk root comes first) and a non-canonical base element
    with pytest.raises(ProofFormatError, match="non-canonical"):
        honest.decode(b"\xff" * 32 + raw[32:])
    off = 32 * (1 + len(honest.proof.fri_roots))  # first final-poly coefficient
    with pytest.raises(ProofFormatError, match="non-canonical"):
        honest.decode(raw[:off] + b"\xff\xff\xff\xff" + raw[off + 4 :])


def test_every_field_mutation_rejected(honest: Setup) -> None:
    """Mutate each encoded value of the header and of the first query (and a sample of the
    rest): parsing or verification must fail."""
    raw = honest.encode()
    # Recover value boundaries by re-encoding with recording.
    spans = _value_spans(honest)
    first_query_end = _first_query_end(honest)
    chosen = [s for s in spans if s[0] < first_query_end] + spans[len(spans) // 2 :: 37]
    assert len(chosen) > 50
    verified = 0
    stream = int.from_bytes(raw, "little")  # the encoding is one bit stream (codec.py)
    for start, _size in chosen:
        # the lowest bit of the value: it stays canonical, so it reaches the verifier
        b = (stream ^ (1 << start)).to_bytes(len(raw), "little")
        proof = honest.decode(b)
        with pytest.raises(VerificationError):
            honest.verify(proof)
        verified += 1
    assert verified == len(chosen)


def _value_spans(s: Setup) -> list[tuple[int, int]]:
    class Rec(Writer):
        def __init__(self) -> None:
            super().__init__()
            self.spans: list[tuple[int, int]] = []

        def _mark(self, n: int) -> None:
            self.spans.append((self.bit_length, n))

        def base(self, v: int) -> None:
            self._mark(BASE_BITS)
            super().base(v)

        def bases(self, vs: Sequence[int]) -> None:
            for v in vs:
                self.base(v)

        def digest(self, v: int) -> None:
            self._mark(digest_bits(self.digest_kind))
            super().digest(v)

        def u64(self, v: int) -> None:
            self._mark(64)
            super().u64(v)

    rec = Rec()
    pcs.write_proof(rec, s.shape, s.proof)
    return rec.spans


def _first_query_end(s: Setup) -> int:
    one = pcs.PcsProof(
        s.proof.zk_root,
        s.proof.fri_roots,
        s.proof.final_poly,
        s.proof.pow_nonce,
        s.proof.input_caps,
        s.proof.fri_caps,
        s.proof.queries[:1],
    )
    shape = pcs.PcsShape(replace(s.params, num_queries=1), s.shape.rounds, s.shape.points)
    w = Writer()
    pcs.write_proof(w, shape, one)
    return w.bit_length


def test_fold_schedule() -> None:
    p = PcsParams(log_blowup=3, log_folding_arity=3, log_final_poly_len=2)
    assert fri.fold_schedule(p, [19]) == [3, 3, 3, 3, 2]
    assert fri.fold_schedule(p, [19, 18, 12]) == [1, 3, 3, 3, 3, 1]
    assert fri.fold_schedule(p, [4]) == []  # shorter than the final domain: no folding
    with pytest.raises(ValueError):
        PcsParams(zk=True, salt_len=0)
    assert MatrixShape(3, 2).width == 2
