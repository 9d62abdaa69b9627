"""Global buses and the boundary round (``docs/stark.md``, "Global buses"): a value chain split
over three segment proofs (``examples/segments.py``) verifies as a family and its global sums
cancel; the boundary root of ``commit_boundary`` is the proof's; tampered global sums, proofs
re-used under other global challenges, boundary roots other than the ones the challenges were
derived from, unbalanced chains and malformed bytes are rejected; machines without global buses
are unchanged and the circuit verifier refuses global machines."""

from __future__ import annotations

import copy
import dataclasses
from functools import cache

import numpy as np
import pytest

from zkrv_prover.stark.air.air import compile_machine
from zkrv_prover.stark.commit import pcs
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.examples import multi_table, segments
from zkrv_prover.stark.field.arith import NativeArith, VerificationError
from zkrv_prover.stark.field.codec import BASE_BITS, ProofFormatError, digest_bits
from zkrv_prover.stark.field.field import EXT_DEGREE, P
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol import soundness as sc
from zkrv_prover.stark.protocol.global_challenges import global_challenges
from zkrv_prover.stark.protocol.proof import decode_proof, encode_proof
from zkrv_prover.stark.protocol.prover import (
    GLOBAL_FORMAT,
    PROOF_VERSION,
    BoundarySecret,
    GlobalInput,
    ProverError,
    StarkProof,
    VerifyingKey,
    commit_boundary,
    keygen,
    prove,
    share_blinds,
)
from zkrv_prover.stark.protocol.size_report import (
    proof_size_breakdown,
    round_names,
    total_bytes,
)
from zkrv_prover.stark.protocol.testing import unchecked_prover
from zkrv_prover.stark.protocol.verifier import _round_shapes, verify, verify_global, verify_with

N = 3
#: caller data bound into the global challenges (an image ID's words, the segment count)
DATA = [11, 22, N]


def params(lifted: bool, zk: bool = True) -> PcsParams:
    if lifted:
        return PcsParams(
            num_queries=3,
            pow_bits=2,
            hash="poseidon2-babybear",
            log_final_poly_len=1,
            log_cap=1,
            zk=zk,
        )
    return PcsParams(num_queries=6, pow_bits=1, zk=zk)


@cache
def _vk(lifted: bool, zk: bool = True) -> VerifyingKey:
    return keygen(segments.machine(), params(lifted, zk), lifted=lifted)


def _secrets(vk: VerifyingKey, seed: int = 0) -> list[BoundarySecret]:
    blinds = share_blinds(vk.params, N, FieldRng.seeded(100 + seed))
    return [BoundarySecret(bytes([seed, s]) * 16, blinds[s]) for s in range(N)]


def _boundary(traces: list[np.ndarray]) -> list[np.ndarray]:
    return [traces[0], traces[2]]  # link, tick: vk.boundary_tables


def _family(
    vk: VerifyingKey,
    traces: list[list[np.ndarray]] | None = None,
    secrets: list[BoundarySecret] | None = None,
) -> tuple[list[list[int]], list[StarkProof], list[int]]:
    """Two-pass proving of the N segments: commit every boundary round, derive the global
    challenges, prove each segment. Returns publics, proofs and pass-one roots."""
    traces = traces or segments.traces(N, log_lanes=2, log_steps=4)
    secrets = secrets or _secrets(vk)
    pubs = [segments.public(s, N) for s in range(N)]
    roots = [commit_boundary(vk, _boundary(traces[s]), pubs[s], secrets[s]) for s in range(N)]
    ch = global_challenges(vk.params, list(zip(pubs, roots, strict=True)), DATA)
    proofs = [
        prove(vk, traces[s], pubs[s], FieldRng.seeded(s), global_=GlobalInput(ch, secrets[s]))
        for s in range(N)
    ]
    return pubs, proofs, roots


@cache
def _honest(lifted: bool) -> tuple[list[list[int]], list[StarkProof], list[int]]:
    return _family(_vk(lifted))


def _items(pubs: list[list[int]], proofs: list[StarkProof]) -> list[tuple[list[int], StarkProof]]:
    return list(zip(pubs, proofs, strict=True))


def _bump(e: tuple[int, ...], d: int = 1) -> tuple[int, ...]:
    return ((e[0] + d) % P, *e[1:])


@pytest.mark.parametrize("lifted", [False, True])
def test_balanced_chain_verifies_and_sums_cancel(lifted: bool) -> None:
    vk = _vk(lifted)
    pubs, proofs, roots = _honest(lifted)
    assert vk.has_global and vk.boundary_tables == [0, 2] and vk.main_tables == [1]
    assert [p.boundary_root for p in proofs] == roots  # commit_boundary gives the proof's root
    ch = verify_global(vk, _items(pubs, proofs), DATA)
    total = np.zeros(EXT_DEGREE, dtype=np.int64)
    for pub, proof in zip(pubs, proofs, strict=True):
        share = verify(vk, pub, proof, global_challenges=ch)
        assert share == proof.global_sum and len(proof.global_sums) == 2
        total += np.asarray(share, dtype=np.int64)
    assert not (total % P).any()
    # each share is blinded: none is zero (the genuine shares are not either, but the blinds
    # make the published values uniform)
    assert all(any(p.global_sum) for p in proofs)


@pytest.mark.parametrize("lifted", [False, True])
def test_boundary_root_is_reproducible(lifted: bool) -> None:
    vk = _vk(lifted)
    tr = segments.traces(N, log_lanes=2, log_steps=4)[1]
    pub = segments.public(1, N)
    sec = _secrets(vk)[1]
    r1 = commit_boundary(vk, _boundary(tr), pub, sec)
    assert commit_boundary(vk, _boundary(tr), pub, sec) == r1
    other_key = dataclasses.replace(sec, key=bytes(32))
    assert commit_boundary(vk, _boundary(tr), pub, other_key) != r1
    other_blind = dataclasses.replace(sec, blind=_bump(sec.blind))
    assert commit_boundary(vk, _boundary(tr), pub, other_blind) != r1
    ch = global_challenges(vk.params, [(pub, r1)])
    for seed in (1, 2):  # the rest of the proof's randomness does not enter the round
        p = prove(vk, tr, pub, FieldRng.seeded(seed), global_=GlobalInput(ch, sec))
        assert p.boundary_root == r1


def test_tampered_global_sum_is_rejected() -> None:
    vk = _vk(False)
    pubs, proofs, _ = _honest(False)
    ch = verify_global(vk, _items(pubs, proofs), DATA)
    # moving value between two proofs keeps the family's sum at zero: each proof still fails
    bad = [copy.deepcopy(p) for p in proofs]
    bad[0].global_sums[0] = _bump(bad[0].global_sums[0], 1)
    bad[1].global_sums[1] = _bump(bad[1].global_sums[1], -1)
    for pub, proof in zip(pubs[:2], bad[:2], strict=True):
        with pytest.raises(VerificationError):
            verify(vk, pub, proof, global_challenges=ch)
    with pytest.raises(VerificationError):
        verify_global(vk, _items(pubs, bad), DATA)
    # swapping a proof's two table sums keeps its global_sum, still rejected
    swapped = copy.deepcopy(proofs[0])
    swapped.global_sums.reverse()
    with pytest.raises(VerificationError):
        verify(vk, pubs[0], swapped, global_challenges=ch)


def test_proof_reused_with_other_challenges_is_rejected() -> None:
    vk = _vk(False)
    pubs, proofs, roots = _honest(False)
    entries = list(zip(pubs, roots, strict=True))
    other = global_challenges(vk.params, entries, [*DATA[:-1], DATA[-1] + 1])
    with pytest.raises(VerificationError):
        verify(vk, pubs[0], proofs[0], global_challenges=other)
    with pytest.raises(VerificationError):  # other caller data
        verify_global(vk, _items(pubs, proofs), [1, 2, 3])
    with pytest.raises(VerificationError):  # the segments reordered
        verify_global(vk, _items(pubs, proofs[::-1]), DATA)
    with pytest.raises(VerificationError):  # a segment dropped: challenges differ
        verify_global(vk, _items(pubs[:2], proofs[:2]), DATA)
    with pytest.raises(VerificationError, match="global challenges"):
        verify(vk, pubs[0], proofs[0])


def test_boundary_root_other_than_the_challenges_is_rejected() -> None:
    vk = _vk(False)
    trs = segments.traces(N, log_lanes=2, log_steps=4)
    secrets = _secrets(vk)
    pubs = [segments.public(s, N) for s in range(N)]
    roots = [commit_boundary(vk, _boundary(trs[s]), pubs[s], secrets[s]) for s in range(N)]
    ch = global_challenges(vk.params, list(zip(pubs, roots, strict=True)), DATA)
    # segment 0 proven with another key: its boundary root is not the one hashed into ch
    moved = dataclasses.replace(secrets[0], key=bytes(range(32)))
    proofs = [
        prove(vk, trs[s], pubs[s], FieldRng.seeded(s), global_=GlobalInput(ch, sec))
        for s, sec in enumerate([moved, *secrets[1:]])
    ]
    assert proofs[0].boundary_root != roots[0]
    verify(vk, pubs[0], proofs[0], global_challenges=ch)  # alone it cannot tell
    with pytest.raises(VerificationError):
        verify_global(vk, _items(pubs, proofs), DATA)
    # a proof whose boundary root is swapped for the hashed one fails its own openings
    lied = copy.deepcopy(proofs[0])
    lied.boundary_root = roots[0]
    with pytest.raises(VerificationError):
        verify(vk, pubs[0], lied, global_challenges=ch)


def test_unbalanced_chain_is_rejected() -> None:
    vk = _vk(False)
    trs = segments.traces(N, log_lanes=2, log_steps=4)
    # segment 1 starts lane 0 from another value (its own steps stay consistent)
    link, st, tick = (t.copy() for t in trs[1])
    v = (int(link[0, 1]) + 1) % P
    link[0, 1] = v
    lane0 = np.flatnonzero((st[:, 0] == 0) & (st[:, 3] == 1))
    for r in lane0:
        st[r, 1] = v
        v = (v * v + 1) % P
        st[r, 2] = v
    link[0, 2] = v
    trs2 = [trs[0], [link, st, tick], trs[2]]
    trs2[2] = [t.copy() for t in trs[2]]
    trs2[2][0][0, 1] = v  # segment 2 continues from segment 1's end: only 0 -> 1 breaks
    x = v
    lane0 = np.flatnonzero((trs2[2][1][:, 0] == 0) & (trs2[2][1][:, 3] == 1))
    for r in lane0:
        trs2[2][1][r, 1] = x
        x = (x * x + 1) % P
        trs2[2][1][r, 2] = x
    trs2[2][0][0, 2] = x
    pubs, proofs, _ = _family(vk, trs2)  # every proof is valid on its own
    with pytest.raises(VerificationError, match="do not balance"):
        verify_global(vk, _items(pubs, proofs), DATA)
    # blinds that do not sum to zero: same
    secrets = _secrets(vk)
    secrets[0] = dataclasses.replace(secrets[0], blind=_bump(secrets[0].blind))
    pubs, proofs, _ = _family(vk, secrets=secrets)
    with pytest.raises(VerificationError, match="do not balance"):
        verify_global(vk, _items(pubs, proofs), DATA)


def test_local_buses_must_still_balance() -> None:
    vk = _vk(False)
    trs = segments.traces(N, log_lanes=2, log_steps=4)
    link, st, tick = (t.copy() for t in trs[0])
    link[1, 2] = (int(link[1, 2]) + 1) % P  # lane 1 ends elsewhere than its steps
    bad = [[link, st, tick], *trs[1:]]
    with pytest.raises(ProverError, match="do not balance"):
        _family(vk, bad)
    with unchecked_prover():
        pubs, proofs, roots = _family(vk, bad)
    ch = global_challenges(vk.params, list(zip(pubs, roots, strict=True)), DATA)
    with pytest.raises(VerificationError):
        verify(vk, pubs[0], proofs[0], global_challenges=ch)


@pytest.mark.parametrize("lifted", [False, True])
def test_codec_roundtrip_and_malformed_bytes(lifted: bool) -> None:
    vk = _vk(lifted)
    _, proofs, _ = _honest(lifted)
    data = encode_proof(vk, proofs[0])
    assert (
        int.from_bytes(data[8:10], "little")
        == vk.version
        == ((8 if lifted else PROOF_VERSION) + GLOBAL_FORMAT)
    )
    back = decode_proof(vk, data)
    assert back.boundary_root == proofs[0].boundary_root
    assert back.global_sums == proofs[0].global_sums
    assert encode_proof(vk, back) == data
    sizes = proof_size_breakdown(vk, proofs[0])
    assert total_bytes(sizes) == len(data)
    assert round_names(vk) == ["boundary", "main", "aux", "quotient"]
    assert sizes["global_sums"] == 2 * BASE_BITS * EXT_DEGREE
    with pytest.raises(ProofFormatError):
        decode_proof(vk, data[:-1])
    with pytest.raises(ProofFormatError):
        decode_proof(vk, data + b"\0")
    stripped = bytearray(data)
    stripped[8:10] = (vk.version - GLOBAL_FORMAT).to_bytes(2, "little")
    with pytest.raises(ProofFormatError, match="version"):
        decode_proof(vk, bytes(stripped))
    # a non-canonical coordinate of the first global sum (right after the LogUp sums), at a
    # bit offset of the packed stream (codec.py)
    mask = (sum(len(rnd) for rnd in proofs[0].opened) + 7) // 8  # zero-matrix mask bytes
    digest = digest_bits(pcs.digest_kind(vk.params))
    off = 8 * (8 + 2 + 1 + 3 + mask) + 3 * digest + BASE_BITS * EXT_DEGREE * len(vk.local_tables)
    stream = int.from_bytes(data, "little")
    field = (1 << BASE_BITS) - 1
    assert decode_proof(vk, data).global_sums[0][0] == (stream >> off) & field
    bad = (stream & ~(field << off)) | (P << off)
    with pytest.raises(ProofFormatError, match="non-canonical"):
        decode_proof(vk, bad.to_bytes(len(data), "little"))
    # the same bytes under a key of a machine without global buses
    with pytest.raises(ProofFormatError):
        decode_proof(keygen(multi_table.machine(), vk.params, lifted=lifted), data)


def test_without_zk() -> None:
    vk = _vk(False, zk=False)
    pubs, proofs, roots = _family(vk)
    assert [p.boundary_root for p in proofs] == roots
    verify_global(vk, _items(pubs, proofs), DATA)


def test_machines_without_global_buses_are_unchanged() -> None:
    vk = keygen(multi_table.machine(), params(False))
    assert not vk.has_global and vk.version == PROOF_VERSION
    assert vk.local_tables == vk.logup_tables and vk.boundary_tables == []
    traces, pub = multi_table.trace(4, 2)
    proof = prove(vk, traces, pub, FieldRng.seeded(1))
    assert proof.boundary_root is None and proof.global_sums == []
    assert verify(vk, pub, proof) is None
    ch = ((1,) * EXT_DEGREE, (2,) * EXT_DEGREE)
    with pytest.raises(ProverError):
        prove(vk, traces, pub, FieldRng.seeded(1), global_=GlobalInput(ch, _secrets(vk)[0]))
    with pytest.raises(ValueError):
        verify(vk, pub, proof, global_challenges=ch)
    gvk = _vk(False)
    with pytest.raises(ProverError, match="global_"):
        prove(gvk, segments.traces(1)[0], segments.public(0, 1), FieldRng.seeded(1))
    with pytest.raises(ProverError):
        commit_boundary(vk, traces, pub, _secrets(vk)[0])


def test_circuit_verifiers_refuse_global_machines() -> None:
    from zkrv_prover.r1cs.profile import random_shaped_proof

    vk = _vk(False)
    pubs, proofs, _ = _honest(False)
    ar = NativeArith()
    with pytest.raises(ValueError, match="global challenges"):
        verify_with(ar, vk, [ar.b_input(v) for v in pubs[0]], proofs[0])
    with pytest.raises(ValueError, match="global buses"):
        random_shaped_proof(vk, proofs[0].log_heights)


def test_machine_compilation_rules() -> None:
    lays = compile_machine(segments.machine())
    link, steps, tick = lays
    assert link.is_boundary and link.has_local and not steps.is_boundary
    assert tick.is_boundary and not tick.has_local and tick.blind_col is None
    assert link.witness_width == 3 and link.main_width == 3 + 2 * EXT_DEGREE
    assert tick.witness_width == 3 and tick.main_width == 3 + EXT_DEGREE
    assert all(i.bus == segments.GLOBAL_BUS for i in link.global_interactions)
    assert all(i.bus != segments.GLOBAL_BUS for i in link.interactions)
    m = segments.machine()
    with pytest.raises(ValueError, match="without global interactions"):
        compile_machine(dataclasses.replace(m, tables=[m.tables[0], m.tables[2]]))


@pytest.mark.parametrize("lifted", [False, True])
def test_soundness_shape_counts_the_boundary_round(lifted: bool) -> None:
    vk = _vk(lifted)
    _, proofs, _ = _honest(lifted)
    heights = proofs[0].log_heights
    shape = sc.shape_of("segments", vk.layouts, heights, vk.params, lifted=lifted)
    per_height: dict[int, int] = {}
    for shapes, points in _round_shapes(vk, heights):
        for s, k in zip(shapes, points, strict=True):
            per_height[s.log_height] = per_height.get(s.log_height, 0) + s.width * k
    if vk.params.zk:  # the masking codeword at the tallest height
        per_height[max(per_height)] += 1
    if not lifted:  # the lifted walk applies the minimum height too; same total
        assert dict(shape.batch) == per_height
    assert shape.batch_size == sum(per_height.values())
    assert shape.global_fractions == 2 * (1 << heights[0]) + 2 * (1 << heights[2])
    assert shape.global_tuple_len == 3
    assert shape.logup_fractions == sum(
        len(lay.interactions) << h for lay, h in zip(vk.layouts, heights, strict=True)
    )
    terms = sc.global_bus_terms(N * shape.global_fractions, shape.global_tuple_len)
    assert [t.name for t in terms] == ["global bus (alpha_G)", "global bus fingerprint (beta_G)"]
    assert all(t.bits > 140 for t in terms)
    assert sc.global_bus_terms(0, 3) == []


def test_lifted_heights_as_data() -> None:
    from zkrv_prover.stark.protocol.heights import HeightSpec

    vk = _vk(True)
    pubs, proofs, _ = _honest(True)
    ch = verify_global(vk, _items(pubs, proofs), DATA)
    # link, steps, tick heights as data: the boundary tree's height is selected in-verifier
    spec = HeightSpec(((1, 4), (3, 6), (1, 3)))
    for pub, proof in zip(pubs, proofs, strict=True):
        assert verify(vk, pub, proof, heights=spec, global_challenges=ch) == proof.global_sum
    with pytest.raises(VerificationError):
        verify(
            vk,
            pubs[0],
            proofs[0],
            heights=HeightSpec(((3, 4), (3, 6), (1, 3))),
            global_challenges=ch,
        )
