"""Witness-only Groth16 proving (``groth16.Assignment``, ``prove_assignment``, ``CircuitIndex``):
the constraint values and witness computed from the builder's buffers equal the exported R1CS's,
the proof equals the full path's for the same randomness, and a key of another circuit is
refused (shape) or yields a proof that does not verify (same shape)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zkrv_prover.bn254 import groth16 as g
from zkrv_prover.bn254.constants import R
from zkrv_prover.r1cs.builder import ConstraintSystem
from zkrv_prover.r1cs.gadgets import bits, poseidon
from zkrv_prover.r1cs.system import R1CS

pytestmark = pytest.mark.native


def small_circuit(x0: int, tweak: int = 0) -> ConstraintSystem:
    """Every way the builder records rows: plain ``enforce`` with small, negative and interned
    (>= 2^62) coefficients, bulk bits (``alloc_bits``), a Poseidon template (``apply``), and
    public inputs declared mid-way and at the end (the export renumbers them). ``tweak``
    changes one coefficient: another circuit of the same shape."""
    cs = ConstraintSystem()
    x = cs.alloc(x0)
    y = cs.mul(x, x + 3)
    cs.declare_public(y)
    big = (R - 12345) * (2**70 + 1 + tweak) % R  # interned, not a literal code
    z = cs.mul(x * big + (-5), y - 7)
    bits.range_check(cs, cs.alloc(x0 % 2**20), 20)
    h = poseidon.hash_elements(cs, [x, z])
    w = cs.mul(h, z * (R - 1) + 2**61)
    cs.declare_public(w + x)
    return cs


def python_evaluations(r1cs: R1CS, witness: list[int]) -> tuple[list[int], ...]:
    def rows(m: object) -> list[int]:
        return [
            sum(c * witness[v] for v, c in m.row(i)) % R  # type: ignore[attr-defined]
            for i in range(r1cs.n_constraints)
        ]

    return rows(r1cs.a), rows(r1cs.b), rows(r1cs.c)


@pytest.fixture(scope="module")
def circuit() -> tuple[ConstraintSystem, R1CS, g.ProvingKey]:
    cs = small_circuit(123456789)
    r1cs = cs.to_r1cs()
    return cs, r1cs, g.dev_setup(r1cs, seed=3)


def test_assignment_matches_the_exported_r1cs(circuit: tuple) -> None:
    cs, r1cs, _ = circuit
    asg = g.Assignment.of(cs)
    witness = cs.witness()
    assert (asg.n_vars, asg.n_public, asg.n_constraints) == (
        r1cs.n_vars,
        r1cs.n_public,
        r1cs.n_constraints,
    )
    assert asg.witness() == witness
    assert asg.public_inputs() == cs.public_values() == witness[1 : 1 + r1cs.n_public]
    assert asg.evaluations() == python_evaluations(r1cs, witness)
    assert cs._big  # the circuit does exercise interned coefficients


def test_same_proof_as_the_full_path(circuit: tuple) -> None:
    cs, r1cs, pk = circuit
    full = g.prove(pk, r1cs, cs.witness(), seed=9)
    fast = g.prove_assignment(pk, g.Assignment.of(cs), seed=9)
    assert fast.raw == full.raw
    assert g.verify(pk.vk, cs.public_values(), fast)
    other = g.prove_assignment(pk, g.Assignment.of(small_circuit(987654321)))
    assert g.verify(pk.vk, small_circuit(987654321).public_values(), other)


def test_key_of_another_circuit(circuit: tuple) -> None:
    """Same shape, other coefficient: the proof is made but does not verify (the caller's
    check). Other shape: refused before any work."""
    cs, _, _ = circuit
    tweaked = small_circuit(123456789, tweak=1)
    other_pk = g.dev_setup(tweaked.to_r1cs(), seed=4)
    proof = g.prove_assignment(other_pk, g.Assignment.of(cs))
    assert not g.verify(other_pk.vk, cs.public_values(), proof)
    bigger = small_circuit(5)
    bigger.assert_bool(bigger.alloc(1))
    with pytest.raises(ValueError, match="n_vars, n_public, n_constraints"):
        g.prove_assignment(other_pk, g.Assignment.of(bigger))


def test_unsatisfied_witness_refused() -> None:
    cs = ConstraintSystem(strict=False)
    x = cs.alloc(3)
    cs.declare_public(x)
    cs.assert_bool(x)
    with pytest.raises(ValueError, match="does not satisfy constraint 0"):
        g.Assignment.of(cs)


def test_circuit_index(tmp_path: Path, circuit: tuple) -> None:
    _, r1cs, _ = circuit
    index = g.CircuitIndex(tmp_path / "circuits")
    cid = "ab" * 32
    assert index.get(cid) is None
    nr = g.NativeR1CS(r1cs)
    index.put(cid, nr)
    assert index.get(cid) == g.CircuitRecord(
        nr.digest, r1cs.n_vars, r1cs.n_public, r1cs.n_constraints
    )
    assert [p.name for p in index.dir.iterdir()] == [f"{cid}.json"]  # no temporary left
    index.path(cid).write_text("{not json")
    assert index.get(cid) is None  # corrupt: a miss (the full path rewrites it)
    index.path(cid).write_text(json.dumps({"format": "other", "r1cs_digest": nr.digest}))
    assert index.get(cid) is None
    index.drop(cid)
    assert not index.path(cid).exists()
    with pytest.raises(ValueError, match="lowercase hex"):
        index.path("../x")


def test_dev_cache_keys(tmp_path: Path, circuit: tuple) -> None:
    _, r1cs, pk = circuit
    keys = g.KnownKeys.dev_cache(tmp_path)
    nr = g.NativeR1CS(r1cs)
    assert keys.load(nr.digest) is None
    pk.save(tmp_path / f"{nr.digest}.pk")
    got = keys.load(nr.digest)
    assert got is not None and got.vk == pk.vk
    (tmp_path / f"{nr.digest}.pk").rename(tmp_path / f"{'0' * 64}.pk")
    assert keys.load("0" * 64) is None  # a key file under another circuit's name
