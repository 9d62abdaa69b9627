"""Differential tests against snarkjs: each side verifies the other's Groth16 proofs for the same
R1CS (exchanged as iden3 .r1cs/.wtns and snarkjs JSON)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bn254_testutil import snarkjs

from zkrv_prover.bn254 import groth16 as g
from zkrv_prover.bn254 import iden3
from zkrv_prover.bn254 import snarkjs_json as sj
from zkrv_prover.bn254.sample_r1cs import chain_r1cs
from zkrv_prover.r1cs.system import R1CS

pytestmark = [pytest.mark.node, pytest.mark.native, pytest.mark.slow]


@pytest.fixture(scope="module")
def ceremony(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, R1CS, list[int]]:
    """A small snarkjs ceremony (powers of tau 2^8, one contribution each phase) for the chain
    circuit, with snarkjs's own proof."""
    d = tmp_path_factory.mktemp("snarkjs")
    r, w = chain_r1cs(20)
    iden3.write_r1cs(d / "c.r1cs", r)
    iden3.write_wtns(d / "w.wtns", w)
    snarkjs("powersoftau", "new", "bn128", "8", "pot0.ptau", cwd=d)
    snarkjs("powersoftau", "contribute", "pot0.ptau", "pot1.ptau", "--name=a", "-e=zkrv1", cwd=d)
    snarkjs("powersoftau", "prepare", "phase2", "pot1.ptau", "pot.ptau", cwd=d)
    snarkjs("groth16", "setup", "c.r1cs", "pot.ptau", "c0.zkey", cwd=d)
    snarkjs("zkey", "contribute", "c0.zkey", "c.zkey", "--name=b", "-e=zkrv2", cwd=d)
    snarkjs("zkey", "export", "verificationkey", "c.zkey", "vk.json", cwd=d)
    snarkjs("groth16", "prove", "c.zkey", "w.wtns", "proof.json", "public.json", cwd=d)
    return d, r, w


def test_snarkjs_accepts_our_r1cs_and_witness(ceremony: tuple) -> None:
    d, _, _ = ceremony
    out = snarkjs("wtns", "check", "c.r1cs", "w.wtns", cwd=d).stdout
    assert "WITNESS IS CORRECT" in out


def test_engine_verifies_snarkjs_proofs(ceremony: tuple) -> None:
    d, _, w = ceremony
    vk_json = json.loads((d / "vk.json").read_text())
    vk = sj.vk_from_json(vk_json)
    proof = sj.proof_from_json(json.loads((d / "proof.json").read_text()))
    public = sj.public_from_json(json.loads((d / "public.json").read_text()))
    assert public == [w[1]]
    assert g.verify(vk, public, proof)
    assert not g.verify(vk, [w[1] + 1], proof)
    # Our export of snarkjs's key reproduces its JSON, including e(alpha, beta).
    again = sj.vk_to_json(vk)
    for key in ("vk_alpha_1", "vk_beta_2", "vk_gamma_2", "vk_delta_2", "IC", "vk_alphabeta_12"):
        assert again[key] == vk_json[key], key


def test_snarkjs_verifies_engine_proofs(ceremony: tuple) -> None:
    d, r, w = ceremony
    pk = g.dev_setup(r)
    proof = g.prove(pk, r, w)
    vk_json = sj.vk_to_json(pk.vk, unsafe_dev_setup=True)
    assert "UNSAFE" in vk_json["zkrv_warning"]
    (d / "ovk.json").write_text(json.dumps(vk_json))
    (d / "oproof.json").write_text(json.dumps(sj.proof_to_json(proof)))
    (d / "opub.json").write_text(json.dumps(sj.public_to_json([w[1]])))
    (d / "obad.json").write_text(json.dumps(sj.public_to_json([w[1] + 1])))
    assert (
        "OK" in snarkjs("groth16", "verify", "ovk.json", "opub.json", "oproof.json", cwd=d).stdout
    )
    bad = snarkjs("groth16", "verify", "ovk.json", "obad.json", "oproof.json", cwd=d, check=False)
    assert bad.returncode != 0 and "Invalid proof" in bad.stdout + bad.stderr
    # Round trip of our proof through snarkjs JSON is lossless.
    assert sj.proof_from_json(sj.proof_to_json(proof)).raw == proof.raw


def test_snarkjs_json_rejects_malformed() -> None:
    with pytest.raises(ValueError, match="groth16"):
        sj.vk_from_json({"protocol": "plonk"})
    inf2 = [["0", "0"], ["1", "0"], ["0", "0"]]
    gen1 = ["1", "2", "1"]
    assert sj.proof_from_json({"pi_a": gen1, "pi_b": inf2, "pi_c": gen1}).raw[:64] != bytes(64)
    with pytest.raises(ValueError, match=r"proof\.A: G1 point is not on the curve"):
        sj.proof_from_json({"pi_a": ["1", "3", "1"], "pi_b": inf2, "pi_c": gen1})
    with pytest.raises(ValueError, match="affine"):
        sj.proof_from_json({"pi_a": ["1", "2", "2"], "pi_b": inf2, "pi_c": gen1})
    with pytest.raises(ValueError, match="pi_b"):
        sj.proof_from_json({"pi_a": gen1, "pi_b": [], "pi_c": gen1})
    with pytest.raises(ValueError, match="canonical"):
        sj.public_from_json([str(2**254)])


def test_zkey_import_from_ceremony_and_export(ceremony: tuple) -> None:
    from zkrv_prover.bn254.zkey import export_zkey, import_zkey

    d, r, w = ceremony
    vk = sj.vk_from_json(json.loads((d / "vk.json").read_text()))
    pk = import_zkey(d / "c.zkey", r)
    assert pk.vk.raw == vk.raw and not pk.unsafe_dev_setup
    proof = g.prove(pk, r, w)  # our prover with the ceremony's key
    assert g.verify(vk, [w[1]], proof)
    (d / "iproof.json").write_text(json.dumps(sj.proof_to_json(proof)))
    ok = snarkjs("groth16", "verify", "vk.json", "public.json", "iproof.json", cwd=d)
    assert "OK" in ok.stdout
    # A key for another circuit of the same size is refused.
    other, _ = chain_r1cs(19)
    with pytest.raises(ValueError, match="zkey"):
        import_zkey(d / "c.zkey", other)
    data = (d / "c.zkey").read_bytes()
    (d / "bad.zkey").write_bytes(data[: len(data) - 100])
    with pytest.raises(ValueError, match="zkey"):
        import_zkey(d / "bad.zkey", r)
    # snarkjs proves with a key exported from here, and its proof verifies natively.
    mine = g.dev_setup(r)
    export_zkey(mine, r, d / "mine.zkey")
    snarkjs("groth16", "prove", "mine.zkey", "w.wtns", "mproof.json", "mpub.json", cwd=d)
    mproof = sj.proof_from_json(json.loads((d / "mproof.json").read_text()))
    assert g.verify(mine.vk, [w[1]], mproof)
    assert import_zkey(d / "mine.zkey", r).vk.raw == mine.vk.raw


CIRCUIT = """pragma circom 2.0.0;
template M() {
    signal input a;
    signal input b;
    signal input pub;
    signal output out;
    signal t;
    t <== a * b;
    out <== t * pub + a + 7;
}
component main {public [pub]} = M();
"""


def test_circom_written_r1cs_and_witness(tmp_path: Path) -> None:
    """Files written by circom (an independent .r1cs writer) and snarkjs's witness calculator
    are read, satisfy the constraints, and prove natively; snarkjs verifies the proof."""
    import subprocess

    from bn254_testutil import NODE_MODULES, need_node_module

    from zkrv_prover.r1cs.system import from_limbs

    need_node_module("circom2")
    (tmp_path / "m.circom").write_text(CIRCUIT)
    circom = NODE_MODULES / ".bin" / "circom2"
    subprocess.run(
        [str(circom), "m.circom", "--r1cs", "--wasm", "-o", "."],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=300,
    )
    (tmp_path / "in.json").write_text('{"a": "3", "b": "11", "pub": "5"}')
    snarkjs("wtns", "calculate", "m_js/m.wasm", "in.json", "m.wtns", cwd=tmp_path)
    r = iden3.read_r1cs(tmp_path / "m.r1cs")
    w = from_limbs(iden3.read_wtns(tmp_path / "m.wtns"))
    assert (r.n_vars, r.n_public, r.n_constraints) == (6, 2, 2)
    assert w[:3] == [1, 3 * 11 * 5 + 3 + 7, 5]  # one, output, public input
    assert r.is_satisfied(w) is None
    pk = g.dev_setup(r)
    proof = g.prove(pk, r, w)
    assert g.verify(pk.vk, w[1:3], proof)
    (tmp_path / "vk.json").write_text(json.dumps(sj.vk_to_json(pk.vk)))
    (tmp_path / "proof.json").write_text(json.dumps(sj.proof_to_json(proof)))
    (tmp_path / "public.json").write_text(json.dumps(sj.public_to_json(w[1:3])))
    assert (
        "OK"
        in snarkjs("groth16", "verify", "vk.json", "public.json", "proof.json", cwd=tmp_path).stdout
    )
    # Our writer reproduces circom's file semantically (the round trip is exact).
    again = iden3.r1cs_from_bytes(iden3.r1cs_to_bytes(r))
    assert again.is_satisfied(w) is None and again.n_public == r.n_public
