"""R1CS wrap circuit: gadget costs, build speed, STARK-verifier circuit size, end-to-end wrap.

Entries: ``poseidon_t3_constraints`` (2-input hash), ``babybear_ext_mul_constraints`` (one
extension-field product of canonical inputs, reduced to 31-bit coefficients),
``merkle_level_constraints`` (one level of the STARK's MMCS path at its default arity 4, measured
through the generic ``verify_opening`` run by ``CircuitArith``),
``merkle_level_arity2_constraints``, ``sha256_block_constraints``,
``r1cs_build_seconds_per_million`` (wall time to emit and export a verifier-like circuit: MMCS
openings plus extension arithmetic, through ``CircuitArith``);
``stark_verifier_constraints``: the STARK verifier circuit of the benchmark AIR
(``stark/examples/bench_air.py``) at 2^16 rows with the default parameters, with its breakdown by
verifier phase and primitive. It is built from a random proof of the right shape with a
non-strict builder (``zkrv_prover.r1cs.profile``): the circuit depends only on the shape, and the
tests check the R1CS equals that of a real proof. ``stark_verifier_constraints_*`` variants show
other parameter sets of about 100 proven (Johnson-bound) bits, with their ``security_bits_jbr``;
``stark_verifier_constraints_range_LO_HI``: the bench-AIR verifier circuit for every height
2^LO..2^HI of the bench table at once (one circuit and Groth16 key; ``docs/wrap.md``, "Variable
heights"), with its overhead over the fixed 2^HI circuit;
``stark_wrap_e2e_ok`` (1 when a fibonacci STARK of 2^3 rows, small test parameters, wraps into a
Groth16 proof that verifies natively with the public input ``zkrv.claim`` computes) with the
setup/prove times and circuit size of that run.

With ``ZKRV_BENCH_WRAP_GROTH16=1`` also ``wrap_full_*``: a real 2^16-row bench-AIR STARK proof
(default parameters) through the full wrap circuit, the UNSAFE dev setup and the Groth16 prover
in a child process (times, peak RSS after each stage, whether the proof verifies); several
minutes and a few GiB, so not in the default run.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import measure

from zkrv_prover.r1cs.builder import ConstraintSystem
from zkrv_prover.r1cs.gadgets import ext, merkle, poseidon, sha256
from zkrv_prover.r1cs.stark_arith import CircuitArith
from zkrv_prover.stark.commit import mmcs
from zkrv_prover.stark.field.field import EXT_DEGREE, EXT_W, P
from zkrv_prover.stark.field.randomness import FieldRng


def _count(fn: Any) -> int:
    cs = ConstraintSystem()
    n0 = fn(cs)
    return cs.n_constraints - n0


def _poseidon(cs: ConstraintSystem) -> int:
    a, b = cs.alloc(1), cs.alloc(2)
    poseidon.hash_elements(cs, [a, b])
    return 0


def _ext_mul(cs: ConstraintSystem) -> int:
    a = ext.alloc(cs, [1, 2, 3, P - 1, 4][:EXT_DEGREE])
    b = ext.alloc(cs, [P - 5, 6, 7, 8, P - 9][:EXT_DEGREE])
    n0 = cs.n_constraints
    ext.reduce(cs, ext.mul(cs, a, b, EXT_W))
    return n0


def _merkle2(cs: ConstraintSystem) -> int:
    b = cs.alloc(1)
    merkle.path_root(cs, cs.alloc(5), [b], [[cs.alloc(6)]], 2)
    return 0


def _sha_block(cs: ConstraintSystem) -> int:
    state = [sha256.alloc_word(cs, x) for x in range(8)]
    block = [sha256.alloc_word(cs, 77 * x) for x in range(16)]
    n0 = cs.n_constraints
    sha256.compress(cs, state, block)
    return n0


_CFG = mmcs.MmcsConfig(max_arity=4, salt_len=8, backend="native")
Opened = tuple[mmcs.MerkleTree, list[int], list[mmcs.MerkleOpening]]


def _opened(log_rows: int, queries: int) -> Opened:
    """A committed 2^log_rows x 16 matrix (arity 4, hiding) and ``queries`` openings."""
    rng = np.random.default_rng(1)
    mats = [rng.integers(0, P, size=(1 << log_rows, 16), dtype=np.uint32)]
    tree = mmcs.commit(mats, _CFG, FieldRng.seeded(1))
    idx = rng.integers(0, 1 << log_rows, size=queries).tolist()
    return tree, idx, mmcs.open_indices(tree, idx)


def _mmcs_path(opened: Opened, cs: ConstraintSystem, ext_ops: int = 0) -> int:
    """Verify the openings in ``cs`` (plus ``ext_ops`` extension mul-adds per query)."""
    tree, idx, ops = opened
    log_rows = tree.shapes[0].log_height
    cfg = _CFG
    ca = CircuitArith(cs)
    n0 = cs.n_constraints
    root = ca.d_input(tree.root)
    for i, op in zip(idx, ops, strict=True):
        bits = ca.d_to_bits(ca.d_input(i), log_rows)
        rows = [[ca.b_input(v) for v in r] for r in op.rows]
        mmcs.verify_opening(
            ca, cfg, [root], tree.shapes, bits, rows,
            [[ca.b_input(v) for v in s] for s in op.salts],
            [[ca.d_input(v) for v in s] for s in op.siblings], "bench",
        )  # fmt: skip
        d = EXT_DEGREE
        acc = ca.e_from_coeffs(rows[0][:d])
        for j in range(ext_ops):
            c = ca.e_const([j, *range(1, d)])
            acc = ca.e_add(ca.e_mul(acc, ca.e_from_coeffs(rows[0][d : 2 * d])), c)
        ca.e_assert_eq(acc, acc, "bench")
    return n0


def run() -> list[dict[str, Any]]:
    out = [
        measure("poseidon_t3_constraints", _count(_poseidon), "constraints"),
        measure("babybear_ext_mul_constraints", _count(_ext_mul), "constraints"),
        measure(
            "babybear_ext_mul_lazy_constraints",
            2 * EXT_DEGREE - 1,
            "constraints",
            note="by construction",
        ),
        measure("merkle_level_arity2_constraints", _count(_merkle2), "constraints"),
    ]
    # one arity-4 MMCS level: difference of path costs at heights 2^12 and 2^10
    o12, o10 = _opened(12, 1), _opened(10, 1)
    lvl = _count(lambda cs: _mmcs_path(o12, cs)) - _count(lambda cs: _mmcs_path(o10, cs))
    # d_to_bits is a full canonical decomposition either way; the difference is pure path levels
    out.append(measure("merkle_level_constraints", lvl, "constraints", arity=4))
    out.append(measure("sha256_block_constraints", _count(_sha_block), "constraints"))

    opened = _opened(16, 100)
    cs = ConstraintSystem()
    t0 = time.perf_counter()
    _mmcs_path(opened, cs, ext_ops=8)
    r1cs = cs.to_r1cs()
    wl = cs.witness_limbs()
    dt = time.perf_counter() - t0
    out.append(
        measure(
            "r1cs_build_seconds_per_million",
            dt / cs.n_constraints * 1e6,
            "s",
            constraints=cs.n_constraints,
            nnz=int(r1cs.a.indptr[-1] + r1cs.b.indptr[-1] + r1cs.c.indptr[-1]),
            witness_rows=int(wl.shape[0]),
        )
    )
    out += _stark_verifier()
    out += _e2e()
    out += _groth16_full()
    return out


def _verifier_circuit(
    params: Any, log_n: int, profile: bool, height_range: tuple[int, int] | None = None
) -> tuple[int, float, Any]:
    """Constraints and build seconds of the bench-AIR verifier at 2^log_n rows (for the
    heights ``height_range`` when given)."""
    from zkrv_prover.r1cs.profile import ProfilingCircuitArith, random_shaped_proof
    from zkrv_prover.r1cs.wrap import emit_verifier
    from zkrv_prover.stark.examples import bench_air
    from zkrv_prover.stark.protocol.prover import keygen

    vk = keygen(bench_air.machine(), params)
    proof = random_shaped_proof(vk, [log_n, 8])
    cs = ConstraintSystem(strict=False)
    ar = ProfilingCircuitArith(cs) if profile else CircuitArith(cs)
    t0 = time.perf_counter()
    emit_verifier(cs, vk, [], proof, arith=ar, height_range=height_range)
    return cs.n_constraints, time.perf_counter() - t0, ar


def _stark_verifier() -> list[dict[str, Any]]:
    from zkrv_prover.stark.commit.params import PcsParams
    from zkrv_prover.stark.protocol.soundness import security_summary

    out = []
    p = PcsParams()
    n, _, ar = _verifier_circuit(p, 16, profile=True)
    _, dt, _ = _verifier_circuit(p, 16, profile=False)
    out.append(
        measure(
            "stark_verifier_constraints",
            n,
            "constraints",
            air="bench_air 2^16 rows (64 + 1 columns, LogUp into a 256-row table)",
            params=p.as_ints(),
            by_phase=dict(ar.by_phase.most_common()),
            by_primitive=dict(ar.by_primitive.most_common()),
            goal=1_500_000,
        )
    )
    out.append(measure("stark_verifier_build_seconds", dt, "s", constraints=n))
    for lo, hi in ((14, 16),):  # 2^14: the smallest height masked at its own height (zk.plan)
        n_var, _, ar_var = _verifier_circuit(p, hi, profile=True, height_range=(lo, hi))
        out.append(
            measure(
                f"stark_verifier_constraints_range_{lo}_{hi}",
                n_var,
                "constraints",
                heights=f"bench table 2^{lo}..2^{hi} rows, one circuit",
                overhead_vs_fixed=round(n_var / n - 1, 4),
                by_phase=dict(ar_var.by_phase.most_common()),
            )
        )
    for name, alt in (
        ("blowup16_q45", PcsParams(log_blowup=4, num_queries=45)),
        ("q58_pow19", PcsParams(num_queries=58, pow_bits=19)),
    ):
        n_alt, _, _ = _verifier_circuit(alt, 16, profile=False)
        out.append(
            measure(
                f"stark_verifier_constraints_{name}",
                n_alt,
                "constraints",
                params=alt.as_ints(),
                security_bits_jbr=round(security_summary(alt).security_bits_jbr, 2),
            )
        )
    return out


def _e2e() -> list[dict[str, Any]]:
    """Fibonacci STARK (2^3 rows, 2 queries) -> wrap circuit -> Groth16, checked natively."""

    from zkrv.claim import claim_public_input, ok_claim_digest, sha256
    from zkrv_prover.bn254 import groth16
    from zkrv_prover.r1cs.wrap import build_circuit
    from zkrv_prover.stark.commit.params import PcsParams
    from zkrv_prover.stark.examples import fibonacci
    from zkrv_prover.stark.protocol.prover import keygen, prove

    vk = keygen(fibonacci.machine(), PcsParams(num_queries=2, pow_bits=1, log_cap=2))
    traces, pub = fibonacci.trace(3)
    proof = prove(vk, traces, pub, FieldRng.seeded(1))
    t0 = time.perf_counter()
    circuit = build_circuit(vk, pub, proof)
    nr = groth16.NativeR1CS(circuit.cs.to_r1cs())
    witness = circuit.cs.witness_limbs()
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        pk, _ = groth16.cached_dev_setup(nr, cache=Path(tmp))
    t2 = time.perf_counter()
    gp = groth16.prove(pk, nr, witness)
    t3 = time.perf_counter()
    want = claim_public_input(ok_claim_digest(circuit.image_id, sha256(circuit.journal)))
    ok = circuit.public_input == want and groth16.verify(pk.vk, [want], gp)
    ok = ok and not groth16.verify(pk.vk, [want ^ 1], gp)
    return [
        measure(
            "stark_wrap_e2e_ok",
            int(ok),
            "bool",
            air="fibonacci 2^3 rows, 2 queries (test parameters)",
            constraints=circuit.n_constraints,
            verifier_constraints=circuit.verifier_constraints,
            claim_constraints=circuit.claim_constraints,
        ),
        measure("wrap_e2e_build_seconds", t1 - t0, "s"),
        measure("wrap_e2e_groth16_setup_seconds", t2 - t1, "s", note="UNSAFE dev setup"),
        measure("wrap_e2e_groth16_prove_seconds", t3 - t2, "s"),
    ]


def _groth16_full() -> list[dict[str, Any]]:
    """The full-size wrap through Groth16, in a child process (see the module docstring)."""
    import json
    import os
    import subprocess

    if os.environ.get("ZKRV_BENCH_WRAP_GROTH16") != "1":
        return []
    done = subprocess.run(
        [sys.executable, __file__, "--groth16-full"], capture_output=True, text=True, check=True
    )
    entries: list[dict[str, Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    return entries


def _groth16_full_child() -> list[dict[str, Any]]:
    from _util import peak_rss_gib_self

    from zkrv_prover.bn254 import groth16
    from zkrv_prover.r1cs.wrap import build_circuit
    from zkrv_prover.stark.commit.params import PcsParams
    from zkrv_prover.stark.examples import bench_air
    from zkrv_prover.stark.protocol.prover import keygen, prove

    vk = keygen(bench_air.machine(), PcsParams())
    traces, pub = bench_air.trace(16)
    t0 = time.perf_counter()
    proof = prove(vk, traces, pub)
    del traces
    t1 = time.perf_counter()
    rss_stark = peak_rss_gib_self()
    circuit = build_circuit(vk, pub, proof)
    nr = groth16.NativeR1CS(circuit.cs.to_r1cs())
    witness = circuit.cs.witness_limbs()
    n, x = circuit.n_constraints, circuit.public_input
    del circuit
    t2 = time.perf_counter()
    rss_build = peak_rss_gib_self()
    pk = groth16.dev_setup(nr, seed=1)
    t3 = time.perf_counter()
    rss_setup = peak_rss_gib_self()
    gp = groth16.prove(pk, nr, witness)
    t4 = time.perf_counter()
    ok = groth16.verify(pk.vk, [x], gp) and not groth16.verify(pk.vk, [x ^ 1], gp)
    return [
        measure(
            "wrap_full_ok",
            int(ok),
            "bool",
            air="bench_air 2^16 rows, default parameters (real proof)",
            constraints=n,
            log_domain=(n - 1).bit_length(),
        ),
        measure("wrap_full_stark_prove_seconds", t1 - t0, "s"),
        measure("wrap_full_circuit_build_seconds", t2 - t1, "s", note="strict build + export"),
        measure("wrap_full_groth16_setup_seconds", t3 - t2, "s", note="UNSAFE dev setup"),
        measure("wrap_full_groth16_prove_seconds", t4 - t3, "s"),
        measure(
            "wrap_full_peak_rss_gib",
            peak_rss_gib_self(),
            "GiB",
            after_stark=round(rss_stark, 2),
            after_circuit=round(rss_build, 2),
            after_setup=round(rss_setup, 2),
        ),
    ]


if __name__ == "__main__" and sys.argv[1:] == ["--groth16-full"]:
    import json

    print(json.dumps(_groth16_full_child()))
