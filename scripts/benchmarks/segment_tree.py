"""Segment join tree: the cost of the leaf, join and finalize recursion programs at full size.

A two-segment run of ``examples/guests/sort.c`` (the input n that just fits 2^(po2 + 1) cycles,
``ZKRV_BENCH_TREE_PO2``, default 16) is proven with the zkVM's parameters (``zkvm_params()``).
Then each segment proof goes through the leaf program (``recursion.segment_verifier``), the two
leaves through one join (``recursion.segment_join``) and the join through the finalize program
(``recursion.segment_finalize``). The tree's proofs use the universal layer's production
parameters (Poseidon2-BabyBear, blowup 8, 20 grinding bits, 55 queries; no zk) in the lifted
layout the join needs (heights and root as data). Entries per program (``leaf``, ``join``,
``finalize``): ``segment_tree_<p>_{record,keygen,prove}_seconds``, ``_rows`` (used rows of all
tables), ``_proof_kib``; the leaf's figures are segment 0's. ``segment_tree_inner_seconds``:
proving the two segments. The peak RSS is this process's.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from benchmarks._util import measure, peak_rss_gib_self  # noqa: E402
from benchmarks.zkvm import _pick_n  # noqa: E402


def _entries(name: str, program: Any, vk: Any, proof: Any, secs: dict[str, float]) -> list[Any]:
    from zkrv_prover.stark.protocol.proof import encode_proof

    p = f"segment_tree_{name}"
    out = [measure(f"{p}_{k}_seconds", round(v, 2), "s") for k, v in secs.items()]
    out.append(measure(f"{p}_rows", sum(program.rows().values()), "rows"))
    out.append(measure(f"{p}_proof_kib", round(len(encode_proof(vk, proof)) / 1024, 1), "KiB"))
    return out


def run() -> list[dict[str, Any]]:
    from zkrv.build import build
    from zkrv_prover.executor import load_elf
    from zkrv_prover.recursion.machine import machine_log_heights
    from zkrv_prover.recursion.program_id import key_program_id
    from zkrv_prover.recursion.prove import prove_program, verify_program
    from zkrv_prover.recursion.segment_finalize import record_finalize
    from zkrv_prover.recursion.segment_join import (
        Child,
        record_join,
        segment_key,
        tree_spec,
    )
    from zkrv_prover.recursion.segment_verifier import record_segment_verifier
    from zkrv_prover.stark.commit.params import PcsParams
    from zkrv_prover.stark.protocol.global_challenges import accumulators, global_challenges
    from zkrv_prover.zkvm.image_id import segmented_key
    from zkrv_prover.zkvm.segment_prover import challenge_data, prove_segmented, segment_publics

    po2 = int(os.environ.get("ZKRV_BENCH_TREE_PO2", "16"))
    params = PcsParams(
        hash="poseidon2-babybear", log_blowup=3, pow_bits=20, num_queries=55, zk=False
    )
    with tempfile.TemporaryDirectory() as d:
        elf = build([ROOT / "examples" / "guests" / "sort.c"], Path(d) / "sort.elf")
        n, cycles = _pick_n(elf, 1 << (po2 + 1))
        image = load_elf(elf)
    t0 = time.perf_counter()
    run = prove_segmented(image, n.to_bytes(4, "little"), po2)
    t_inner = time.perf_counter() - t0
    if run.segments != 2:
        raise RuntimeError(f"expected two segments, got {run.segments}")
    vk = segmented_key(image).vk
    publics = segment_publics(run.links, run.exit_code, run.journal_digest)
    proofs = [run.decoded(s) for s in range(2)]
    entries = [(pub, int(p.boundary_root or 0)) for pub, p in zip(publics, proofs, strict=True)]
    data = challenge_data(run.pre_root, run.log_program, run.log_image)
    accs = accumulators(vk.params, entries, data)
    ch = global_challenges(vk.params, entries, data)
    out = [
        measure("segment_tree_inner_seconds", round(t_inner, 2), "s", cycles=cycles, po2=po2),
    ]

    def timed(fn: Any, *args: Any, **kw: Any) -> tuple[Any, float]:
        t = time.perf_counter()
        return fn(*args, **kw), time.perf_counter() - t

    leaves = []
    for s in range(2):
        (prog, wit), t_rec = timed(
            record_segment_verifier, vk, publics[s], proofs[s], ch, accs[s], [0] * 8
        )
        if s == 0:
            lvk, t_key = timed(segment_key, prog, params)
        proof, t_prove = timed(prove_program, lvk, wit, recorded=prog)
        verify_program(lvk, proof, wit.public)
        leaves.append(Child(list(wit.public), proof, False))
        if s == 0:
            secs = {"record": t_rec, "keygen": t_key, "prove": t_prove}
            out += _entries("leaf", prog, lvk, proof, secs)
    leaf_h = machine_log_heights(prog)
    leaf_id = key_program_id(lvk, leaf_h)
    spec = tree_spec(leaf_h)
    while True:  # the children's spec must hold the join's own heights
        (jprog, jwit), t_rec = timed(record_join, lvk, spec, *leaves, leaf_id, [0] * 8)
        join_h = machine_log_heights(jprog)
        if all(lo <= h <= hi for h, (lo, hi) in zip(join_h, spec.ranges, strict=True)):
            break
        spec = tree_spec(leaf_h, join_h)
    jvk, t_key = timed(segment_key, jprog, params)
    join_id = key_program_id(jvk, join_h)
    jprog, jwit = record_join(lvk, spec, leaves[0], leaves[1], leaf_id, join_id)
    jproof, t_prove = timed(prove_program, jvk, jwit, recorded=jprog)
    verify_program(jvk, jproof, jwit.public)
    out += _entries(
        "join", jprog, jvk, jproof, {"record": t_rec, "keygen": t_key, "prove": t_prove}
    )
    root = Child(list(jwit.public), jproof, True)
    (fprog, fwit), t_rec = timed(record_finalize, lvk, spec, root, leaf_id, join_id)
    fvk, t_key = timed(segment_key, fprog, params)
    fproof, t_prove = timed(prove_program, fvk, fwit, recorded=fprog)
    verify_program(fvk, fproof, fwit.public)
    secs = {"record": t_rec, "keygen": t_key, "prove": t_prove}
    out += _entries("finalize", fprog, fvk, fproof, secs)
    out.append(measure("segment_tree_peak_gib", round(peak_rss_gib_self(), 2), "GiB"))
    return out
