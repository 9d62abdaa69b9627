#!/usr/bin/env python3
"""zkrv's main job: run the furthest pipeline stage that exists, end to end.

Stages (each added as its issue lands): toolchain check -> build an example guest -> execute it ->
prove -> wrap into Groth16 -> deploy verifiers on a local Anvil and verify on-chain.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from zkrv.cli import main as zkrv_main

ROOT = Path(__file__).resolve().parents[1]


def stage_build_execute(workdir: Path) -> int:
    """Build examples/guests/fibonacci.c and execute it on n = 30."""
    print("== stage: build example guest (examples/guests/fibonacci.c)", flush=True)
    elf = workdir / "fibonacci.elf"
    rc = zkrv_main(["build", str(ROOT / "examples" / "guests" / "fibonacci.c"), "-o", str(elf)])
    if rc:
        return rc
    print("== stage: execute (input n = 30)", flush=True)
    return zkrv_main(["execute", str(elf), "--input-hex", (30).to_bytes(4, "little").hex()])


def stage_prove_verify(workdir: Path) -> int:
    """Prove the example guest's execution (STARK) and verify the receipt against its image ID."""
    import zkrv

    elf = workdir / "fibonacci.elf"
    receipt = workdir / "fibonacci.receipt"
    print("== stage: image id", flush=True)
    image_id = "0x" + zkrv.image_id(elf).hex()
    print(image_id, flush=True)
    print("== stage: prove (input n = 30)", flush=True)
    n30 = (30).to_bytes(4, "little").hex()
    rc = zkrv_main(["prove", str(elf), "--input-hex", n30, "-o", str(receipt)])
    if rc:
        return rc
    print("== stage: verify receipt", flush=True)
    return zkrv_main(["verify", str(receipt), "--image-id", image_id])


def stage_onchain() -> int:
    """Start Anvil, deploy the verifier stack, verify a Groth16 receipt on-chain, print the gas."""
    print("== stage: on-chain verify (Anvil; Groth16 TEST key, snarkjs proof)", flush=True)
    from zkrv.claim import sha256
    from zkrv.onchain.selftest import run_fixture_selftest

    fixture = ROOT / "contracts" / "test" / "fixtures" / "groth16_fixture.json"
    journal = (42).to_bytes(32, "big")
    return run_fixture_selftest(fixture, sha256(b"zkrv fixture image"), journal)


def stage_wrap_stark(workdir: Path) -> int:
    """Wrap two small STARKs of different heights (fibonacci AIR, 2^5 and 2^7 rows, TOY
    parameters: 2 FRI queries) with the ONE wrap circuit of the height range [2^5, 2^7] into
    Groth16 (one UNSAFE dev key, cached), check both natively and verify the shorter one on a
    fresh Anvil through the deployed router."""
    print("== stage: wrap STARKs of two heights into Groth16 (one key; toy parameters)", flush=True)
    import json
    import time

    from zkrv.onchain.selftest import run_fixture_selftest
    from zkrv_prover.r1cs.wrap import wrap
    from zkrv_prover.stark.commit.params import PcsParams
    from zkrv_prover.stark.examples import fibonacci
    from zkrv_prover.stark.protocol.prover import keygen, prove

    t0 = time.perf_counter()
    params = PcsParams(num_queries=2, pow_bits=1, log_cap=2, log_final_poly_len=2)
    vk = keygen(fibonacci.machine(), params)
    by_height = {}
    for log_n in (5, 7):
        traces, public = fibonacci.trace(log_n)
        w = wrap(vk, public, prove(vk, traces, public), height_range=(5, 7))
        by_height[log_n] = w
        print(
            f"2^{log_n} rows: public values {public}; claim digest 0x{w.claim_digest.hex()}; "
            f"Groth16 proof verified natively ({time.perf_counter() - t0:.1f} s, UNSAFE dev key)",
            flush=True,
        )
    if by_height[5].vk.to_bytes() != by_height[7].vk.to_bytes():
        print("error: the two heights got different Groth16 keys", flush=True)
        return 1
    wrapped = by_height[5]
    js = wrapped.snarkjs()
    fixture = workdir / "wrapped_stark.json"
    fixture.write_text(json.dumps({"vk": js["vk"], "proof_ok": js["proof"]}))
    return run_fixture_selftest(fixture, wrapped.image_id, wrapped.journal)


def main() -> int:
    print("== stage: toolchain", flush=True)
    rc = zkrv_main(["info"])
    if rc:
        return rc
    with tempfile.TemporaryDirectory(prefix="zkrv-main-") as tmp:
        rc = stage_build_execute(Path(tmp))
        if not rc:
            rc = stage_prove_verify(Path(tmp))
    if rc:
        return rc
    rc = stage_onchain()
    if rc:
        return rc
    with tempfile.TemporaryDirectory(prefix="zkrv-wrap-") as tmp:
        return stage_wrap_stark(Path(tmp))


if __name__ == "__main__":
    sys.exit(main())
