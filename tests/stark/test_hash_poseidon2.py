"""The poseidon2-babybear hash family (``PcsParams.hash``): transcript, MMCS, whole proofs."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from zkrv_prover.stark.commit import hash_backend as hb
from zkrv_prover.stark.commit import mmcs
from zkrv_prover.stark.commit.hash_scheme import grind, scheme_of
from zkrv_prover.stark.commit.mmcs import MmcsConfig
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.commit.transcript_p2 import DOMAIN_TAG, Poseidon2Transcript
from zkrv_prover.stark.examples import bench_air, fibonacci, multi_table, range_check
from zkrv_prover.stark.field.arith import Arith, NativeArith, VerificationError
from zkrv_prover.stark.field.codec import ProofFormatError, Reader, Writer
from zkrv_prover.stark.field.field import EXT_DEGREE, P
from zkrv_prover.stark.field.poseidon2 import permute
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol.proof import decode_proof, encode_proof
from zkrv_prover.stark.protocol.prover import StarkProof, VerifyingKey, keygen, prove
from zkrv_prover.stark.protocol.verifier import verify

P2 = PcsParams(num_queries=6, pow_bits=6, hash="poseidon2-babybear", backend="reference")
P2_NOZK = replace(P2, zk=False)
P2S = scheme_of("poseidon2-babybear")

CASES = [
    ("fib", lambda: fibonacci.machine(), lambda: fibonacci.trace(4)),
    ("bench", lambda: bench_air.machine(), lambda: bench_air.trace(5)),
    ("range", lambda: range_check.machine(4), lambda: range_check.trace(4)),
    ("multi", lambda: multi_table.machine(), lambda: multi_table.trace(5, 3)),
]


# ------------------------------------------------------------------------------------------------
# A hand-written model of the construction (independent of the implementation)
# ------------------------------------------------------------------------------------------------


class DuplexModel:
    """The transcript's duplex sponge, as specified (transcript_p2 module docstring)."""

    def __init__(self, label: str) -> None:
        self.state = [0] * 16
        self.inbuf: list[int] = []
        self.outbuf: list[int] = []
        for raw in (DOMAIN_TAG, label.encode()):
            self.observe(len(raw))
            for i in range(0, len(raw), 3):
                self.observe(int.from_bytes(raw[i : i + 3], "little"))

    def duplex(self) -> None:
        self.state[: len(self.inbuf)] = self.inbuf
        self.inbuf = []
        self.state = permute(self.state)
        self.outbuf = self.state[:8]

    def observe(self, v: int) -> None:
        self.outbuf = []
        self.inbuf.append(v)
        if len(self.inbuf) == 8:
            self.duplex()

    def sample(self) -> int:
        if self.inbuf or not self.outbuf:
            self.duplex()
        return self.outbuf.pop()


def model_leaf(vals: list[int]) -> list[int]:
    state = [0] * 16
    state[8] = len(vals)
    for c in range(0, len(vals), 8):
        chunk = vals[c : c + 8]
        state[: len(chunk)] = chunk
        state = permute(state)
    return state[:8]


def model_compress(a: list[int], b: list[int]) -> list[int]:
    return permute(a + b)[:8]


def as_int(d: list[int]) -> int:
    return sum(v << (32 * i) for i, v in enumerate(d))


# ------------------------------------------------------------------------------------------------
# Parameters
# ------------------------------------------------------------------------------------------------


def test_native_digest_vector_ops_match_the_generic_ones() -> None:
    """NativeArith's one-step digest select and check agree with Arith's per-element defaults
    (what a circuit runs), including the failing element named in the error."""
    ar = NativeArith()
    a, b = list(range(8)), list(range(8, 16))
    for bit in (0, 1):
        got = ar.select_b_vec(bit, a, b)
        assert got == Arith.select_b_vec(ar, bit, a, b) == (a if bit else b)
        assert got is not a and got is not b  # a new list: callers may mutate it
    ar.b_assert_eq_vec(a, list(a), "same")
    bad = [*a[:3], 99, *a[4:]]
    for check in (ar.b_assert_eq_vec, lambda x, y, w: Arith.b_assert_eq_vec(ar, x, y, w)):
        with pytest.raises(VerificationError, match=r"root \(element 3\)"):
            check(a, bad, "root")
        with pytest.raises(ValueError, match="vectors of 8 and 7"):
            check(a, a[:7], "root")
    with pytest.raises(ValueError):
        ar.select_b_vec(1, a, a[:7])


def test_params_bind_the_hash_family() -> None:
    assert PcsParams().hash == "poseidon-bn254"
    assert PcsParams().as_ints()[-1] == 0
    assert P2.as_ints()[-1] == 1
    assert P2.as_ints()[:-1] == replace(P2, hash="poseidon-bn254").as_ints()[:-1]
    with pytest.raises(ValueError, match="merkle_arity == 2"):
        PcsParams(hash="poseidon2-babybear", merkle_arity=4)
    with pytest.raises(ValueError, match="merkle_arity == 2"):
        MmcsConfig(max_arity=4, hash="poseidon2-babybear")
    with pytest.raises(ValueError):
        PcsParams(hash="sha256")  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------
# Transcript
# ------------------------------------------------------------------------------------------------


def test_transcript_matches_the_duplex_model() -> None:
    ar = NativeArith()
    tr = Poseidon2Transcript(ar, "test")
    m = DuplexModel("test")
    rng = np.random.default_rng(0)
    vals = [int(v) for v in rng.integers(0, P, 40)]
    tr.observe_base(vals[:3])
    for v in vals[:3]:
        m.observe(v)
    assert [tr.sample_base(), tr.sample_base()] == [m.sample(), m.sample()]
    tr.observe_base(vals[3:12])  # crosses a full rate block
    for v in vals[3:12]:
        m.observe(v)
    assert tr.sample_ext() == tuple(m.sample() for _ in range(EXT_DEGREE))
    # more samples than one output block: a duplex with an empty input buffer
    assert [tr.sample_base() for _ in range(11)] == [m.sample() for _ in range(11)]
    digest = vals[12:20]
    tr.observe_digest(digest)
    for v in digest:
        m.observe(v)
    v = m.sample()
    assert tr.sample_bits(20) == [(v >> j) & 1 for j in range(20)]
    tr.observe_ext([tuple(vals[20:25])])
    for x in vals[20:25]:
        m.observe(x)
    assert tr.sample_base() == m.sample()
    with pytest.raises(ValueError):
        tr.sample_bits(28)


def test_transcript_labels_are_domain_separated() -> None:
    ar = NativeArith()
    a = Poseidon2Transcript(ar, "a").sample_base()
    b = Poseidon2Transcript(ar, "b").sample_base()
    assert a != b


def test_adopt_if() -> None:
    ar = NativeArith()
    tr = Poseidon2Transcript(ar, "t")
    tr.observe_base([1, 2])
    t2 = tr.copy()
    t2.observe_base([5, 6, 7, 8, 9, 10, 11, 12])  # a full block: buffers as before
    want = t2.copy().sample_base()
    keep = tr.copy()
    keep.adopt_if(0, t2)
    assert keep.sample_base() == tr.copy().sample_base()
    tr.adopt_if(1, t2)
    assert tr.sample_base() == want
    t3 = tr.copy()
    t3.observe_base([1])
    with pytest.raises(ValueError, match="equal buffer lengths"):
        tr.adopt_if(1, t3)


def test_grinding_finds_the_smallest_nonce() -> None:
    ar = NativeArith()
    for pending in (0, 3, 7):
        tr = Poseidon2Transcript(ar, "pow")
        tr.observe_base(list(range(8 + pending)))
        state, buf = (list(x) for x in tr.pow_state())
        check = tr.copy()
        nonce = grind(tr, 6, "poseidon2-babybear", "reference")

        def sample(n: int, state: list[int] = state, buf: list[int] = buf) -> int:
            s = list(state)
            s[: len(buf) + 1] = [*buf, n]
            return permute(s)[7]

        assert sample(nonce) % 64 == 0
        assert all(sample(n) % 64 for n in range(nonce))
        check.check_pow(nonce, 6)  # the verifier's view: absorbed alike
        assert check.sample_base() == tr.sample_base()
        bad = Poseidon2Transcript(ar, "pow")
        bad.observe_base(list(range(8 + pending)))
        with pytest.raises(VerificationError, match="proof-of-work"):
            bad.check_pow(next(n for n in range(1000) if sample(n) % 64), 6)


# ------------------------------------------------------------------------------------------------
# Digests and MMCS
# ------------------------------------------------------------------------------------------------


def test_digest_input_refuses_non_canonical_felts() -> None:
    ar = NativeArith()
    d = as_int([1, 2, 3, 4, 5, 6, 7, 8])
    assert P2S.digest_input(ar, d) == [1, 2, 3, 4, 5, 6, 7, 8]
    for i in range(8):
        with pytest.raises(ValueError, match="canonical"):
            P2S.digest_input(ar, d + ((P - (i + 1)) << (32 * i)))
    # encoded felt by felt in 31 bits each (codec.py): 248 bits, 31 bytes
    packed = sum(f << (31 * i) for i, f in enumerate([1, 2, 3, 4, 5, 6, 7, 8]))
    assert Reader(packed.to_bytes(31, "little"), "babybear").digest("root") == d
    w = Writer("babybear")
    w.digest(d)
    assert w.getvalue() == packed.to_bytes(31, "little")
    with pytest.raises(ProofFormatError, match="non-canonical Poseidon2 digest"):
        Reader((P << 93).to_bytes(31, "little"), "babybear").digest("root")


def test_leaf_and_tree_match_the_model() -> None:
    rng = np.random.default_rng(1)
    for width in (1, 8, 9, 20):
        rows = rng.integers(0, P, (4, width), dtype=np.uint32)
        got = hb.p2_hash_rows(rows, "reference")
        ar = NativeArith()
        for r in range(4):
            want = model_leaf([int(v) for v in rows[r]])
            assert [int(v) for v in got[r]] == want
            assert P2S.leaf(ar, [int(v) for v in rows[r]]) == want
    # a tree of a 4-row and a 2-row matrix (the short one injected one level up), no cap
    a = rng.integers(0, P, (4, 3), dtype=np.uint32)
    b = rng.integers(0, P, (2, 2), dtype=np.uint32)
    cfg = MmcsConfig(max_arity=2, salt_len=0, backend="reference", hash="poseidon2-babybear")
    tree = mmcs.commit([a, b], cfg, None)
    la = [model_leaf([int(v) for v in row]) for row in a]
    lb = [model_leaf([int(v) for v in row]) for row in b]
    n1 = [model_compress(model_compress(la[2 * i], la[2 * i + 1]), lb[i]) for i in range(2)]
    assert tree.root == as_int(model_compress(n1[0], n1[1]))


def test_mmcs_open_verify_and_tamper() -> None:
    rng = np.random.default_rng(2)
    mats = [rng.integers(0, P, (1 << h, w), dtype=np.uint32) for h, w in ((5, 3), (3, 9), (5, 2))]
    cfg = MmcsConfig(max_arity=2, salt_len=4, backend="reference", max_log_cap=2,
                     hash="poseidon2-babybear")  # fmt: skip
    tree = mmcs.commit(mats, cfg, FieldRng.seeded(3))
    ar = NativeArith()
    cap = [P2S.digest_input(ar, d) for d in tree.cap]
    root = P2S.digest_input(ar, tree.root)
    mmcs.verify_cap(ar, cfg, root, tree.shapes, cap, "t")
    for idx, op in zip((0, 13, 31), mmcs.open_indices(tree, [0, 13, 31]), strict=True):
        bits = [(idx >> j) & 1 for j in range(5)]
        sibs = [[P2S.digest_input(ar, d) for d in lvl] for lvl in op.siblings]

        def check(
            rows: Any = op.rows, salts: Any = op.salts, sibs: Any = sibs, bits: Any = bits
        ) -> None:
            mmcs.verify_opening(ar, cfg, cap, tree.shapes, bits, rows, salts, sibs, "t")

        check()
        bad_rows = copy.deepcopy(op.rows)
        bad_rows[1][0] = (bad_rows[1][0] + 1) % P
        bad_salts = copy.deepcopy(op.salts)
        bad_salts[0][3] = (bad_salts[0][3] + 1) % P
        bad_sibs = copy.deepcopy(sibs)
        bad_sibs[1][0][5] = (bad_sibs[1][0][5] + 1) % P
        for kw in ({"rows": bad_rows}, {"salts": bad_salts}, {"sibs": bad_sibs}):
            with pytest.raises(VerificationError, match="Merkle path"):
                check(**kw)


# ------------------------------------------------------------------------------------------------
# Whole proofs
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("params", [P2, P2_NOZK], ids=["zk", "nozk"])
@pytest.mark.parametrize(("name", "mk", "tr"), CASES, ids=[c[0] for c in CASES])
def test_complete(
    name: str, mk: Callable[..., Any], tr: Callable[..., Any], params: PcsParams
) -> None:
    vk = keygen(mk(), params)
    traces, pub = tr()
    proof = prove(vk, traces, pub, FieldRng.seeded(1))
    verify(vk, pub, proof)
    verify(vk, pub, decode_proof(vk, encode_proof(vk, proof)), native_hash=False)


def test_backends_agree() -> None:
    """Reference and native backends: the same roots and proof bytes."""
    raws = []
    for backend in ("reference", "native"):
        vk = keygen(multi_table.machine(), replace(P2, backend=backend))
        traces, pub = multi_table.trace(5, 3)
        raws.append(encode_proof(vk, prove(vk, traces, pub, FieldRng.seeded(4))))
    assert raws[0] == raws[1]


@pytest.fixture(scope="module")
def fib_proof() -> tuple[VerifyingKey, list[int], StarkProof]:
    vk = keygen(fibonacci.machine(), replace(P2, pow_bits=8, log_final_poly_len=2, log_cap=1))
    traces, pub = fibonacci.trace(5)
    return vk, pub, prove(vk, traces, pub, FieldRng.seeded(2))


def _bump_digest(d: int) -> int:
    return d - (d & 0xFFFFFFFF) + ((d & 0xFFFFFFFF) + 1) % P


def _tamper_sibling(p: StarkProof) -> None:
    op = p.pcs_proof.queries[0].inputs[0]
    op.siblings[0][0] = _bump_digest(op.siblings[0][0])


def _tamper_fri_sibling(p: StarkProof) -> None:
    lo = p.pcs_proof.queries[1].fri[0]
    lo.siblings[0][0] = _bump_digest(lo.siblings[0][0])


def _tamper_row(p: StarkProof) -> None:
    op = p.pcs_proof.queries[0].inputs[1]
    op.rows[0][0] = (op.rows[0][0] + 1) % P


def _tamper_salt(p: StarkProof) -> None:
    op = p.pcs_proof.queries[2].inputs[1]
    op.salts[0][0] = (op.salts[0][0] + 1) % P


def _tamper_root(p: StarkProof) -> None:
    p.main_root = _bump_digest(p.main_root)


def _tamper_cap(p: StarkProof) -> None:
    p.pcs_proof.input_caps[0][1] = _bump_digest(p.pcs_proof.input_caps[0][1])


def _tamper_nonce(p: StarkProof) -> None:
    p.pcs_proof.pow_nonce += 1


def _tamper_final(p: StarkProof) -> None:
    c = list(p.pcs_proof.final_poly[0])
    c[0] = (c[0] + 1) % P
    p.pcs_proof.final_poly[0] = tuple(c)


def _tamper_opened(p: StarkProof) -> None:
    v = list(p.opened[1][0][0][0])
    v[0] = (v[0] + 1) % P
    p.opened[1][0][0][0] = tuple(v)


TAMPER = [
    _tamper_sibling,
    _tamper_fri_sibling,
    _tamper_row,
    _tamper_salt,
    _tamper_root,
    _tamper_cap,
    _tamper_nonce,
    _tamper_final,
    _tamper_opened,
]


@pytest.mark.parametrize("tamper", TAMPER, ids=[t.__name__[8:] for t in TAMPER])
def test_tampering_is_refused(
    fib_proof: tuple[VerifyingKey, list[int], StarkProof], tamper: Callable[[StarkProof], None]
) -> None:
    vk, pub, proof = fib_proof
    verify(vk, pub, proof)
    bad = copy.deepcopy(proof)
    tamper(bad)
    with pytest.raises(VerificationError):
        verify(vk, pub, bad)


def test_a_proof_does_not_verify_under_the_other_hash() -> None:
    traces, pub = fibonacci.trace(4)
    for params, other in (
        (P2, replace(P2, hash="poseidon-bn254")),
        (replace(P2, hash="poseidon-bn254"), P2),
    ):
        vk = keygen(fibonacci.machine(), params)
        vk_other = keygen(fibonacci.machine(), other)
        proof = prove(vk, traces, pub, FieldRng.seeded(5))
        with pytest.raises(ValueError):  # VerificationError or a non-canonical digest
            verify(vk_other, pub, proof)
        with pytest.raises(ValueError):
            verify(vk_other, pub, decode_proof(vk_other, encode_proof(vk, proof)))


def test_variable_height_verifier() -> None:
    """The range verifier (the recursion's control flow: selections, conditional transcript
    steps) accepts Poseidon2 proofs of every height in the range and refuses a tampered one."""
    vk = keygen(fibonacci.machine(), replace(P2, num_queries=3, log_final_poly_len=2))
    for lg in (5, 6):
        traces, pub = fibonacci.trace(lg, 2, 3)
        proof = prove(vk, traces, pub, FieldRng.seeded(lg))
        verify(vk, pub, proof, height_range=(5, 6))
        bad = copy.deepcopy(proof)
        _tamper_sibling(bad)
        with pytest.raises(VerificationError):
            verify(vk, pub, bad, height_range=(5, 6))


def test_wrap_refuses_poseidon2_proofs() -> None:
    from zkrv_prover.r1cs.builder import ConstraintSystem
    from zkrv_prover.r1cs.stark_arith import CircuitArith
    from zkrv_prover.r1cs.wrap import build_circuit

    vk = keygen(fibonacci.machine(), P2)
    traces, pub = fibonacci.trace(4)
    proof = prove(vk, traces, pub, FieldRng.seeded(1))
    with pytest.raises(ValueError, match="poseidon-bn254 proofs only"):
        build_circuit(vk, pub, proof)
    with pytest.raises(NotImplementedError, match="poseidon-bn254"):
        CircuitArith(ConstraintSystem()).b_permute([0] * 16)  # type: ignore[list-item]
