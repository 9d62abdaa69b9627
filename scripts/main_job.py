#!/usr/bin/env python3
"""zkrv's main job: the whole product path, end to end.

toolchain check -> build the Fibonacci guest -> execute it -> prove it (STARK) and verify the
receipt natively -> prove it again straight to a Groth16 receipt (``zkrv prove --groth16``), once
in one proof and once in two segments (the recursion join tree) ->
the even-number guest: STARK receipt, then ``zkrv wrap`` -> both Groth16 receipts verify natively
under ONE key (``zkrv keys setup`` shows it) -> a fresh Anvil: ``zkrv deploy`` (router + the
cached zkVM Groth16 verifier), ``zkrv verify --rpc``, ``router.verify`` in a transaction (gas),
a tampered seal refused, and the EvenNumber application contract storing the number of the
real even-number receipt.

The wrap profile is :data:`MAIN_JOB_WRAP_PROFILE` (``$ZKRV_WRAP_PROFILE``, when set, overrides
it). The Groth16 key lives in the user's key cache (``zkrv keys list``): the first run makes it
(UNSAFE dev setup), later runs reuse it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from zkrv.cli import main as zkrv_main

ROOT = Path(__file__).resolve().parents[1]

#: The wrap profile of the main job: "production" (zkrv's default: every recursion layer >= 100
#: proven bits; on an empty key cache about 15 minutes on the 2-core machine under load, the
#: Groth16 dev setup and the layer keys included, peak 11.2 GiB). ``ZKRV_WRAP_PROFILE=toy``
#: runs the TOY SECURITY profile instead (about 2 minutes per wrap, labelled).
MAIN_JOB_WRAP_PROFILE = "production"

FIB_N = 30
EVEN_X = 42

TOY_BANNER = """\
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
!! TOY SECURITY: this run wraps receipts with the TOY profile (ZKRV_WRAP_PROFILE=toy): 2    !!
!! queries per recursion layer, a few proven bits. It shows the flow, NOT security.        !!
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"""


def stage(name: str) -> None:
    print(f"== stage: {name}", flush=True)


def le32(x: int) -> str:
    return x.to_bytes(4, "little").hex()


def cli_json(args: list[str]) -> dict[str, Any]:
    """Run ``zkrv ARGS --json`` in-process, echo its JSON, raise on failure."""
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = zkrv_main([*args, "--json"])
    text = out.getvalue()
    print(text.strip(), flush=True)
    if rc:
        raise SystemExit(rc)
    data = json.loads(text)
    assert isinstance(data, dict)
    return data


def run(args: list[str]) -> None:
    rc = zkrv_main(args)
    if rc:
        raise SystemExit(rc)


def select_profile() -> str:
    from zkrv.wrapping import PROFILE_ENV, profile_name

    if not os.environ.get(PROFILE_ENV):
        os.environ[PROFILE_ENV] = MAIN_JOB_WRAP_PROFILE
    profile = profile_name()
    if profile == "toy":
        print(TOY_BANNER, flush=True)
    else:
        print(f"wrap profile: {profile}", flush=True)
    return profile


def stage_fibonacci(work: Path) -> tuple[Path, Path, bytes]:
    """Build and execute the Fibonacci guest, prove it (STARK, verified natively), then prove it
    to a Groth16 receipt. Returns (the Groth16 receipt file, the image ID)."""
    import zkrv

    stage("build example guest (examples/guests/fibonacci.c)")
    elf = work / "fibonacci.elf"
    run(["build", str(ROOT / "examples" / "guests" / "fibonacci.c"), "-o", str(elf)])
    stage(f"execute (input n = {FIB_N})")
    run(["execute", str(elf), "--input-hex", le32(FIB_N)])
    stage("image id")
    image_id = zkrv.image_id(elf)
    print("0x" + image_id.hex(), flush=True)
    stage(f"prove: STARK receipt (input n = {FIB_N})")
    stark = work / "fibonacci.receipt"
    run(["prove", str(elf), "--input-hex", le32(FIB_N), "-o", str(stark)])
    stage("verify the STARK receipt")
    run(["verify", str(stark), "--image-id", "0x" + image_id.hex()])
    stage("prove --groth16: the same execution to a Groth16 receipt (STARK, recursion, Groth16)")
    g16 = work / "fibonacci.g16"
    t0 = time.monotonic()
    run(["prove", str(elf), "--input-hex", le32(FIB_N), "--groth16", "-o", str(g16)])
    print(f"({time.monotonic() - t0:.1f} s)", flush=True)
    stage("verify the Groth16 receipt natively")
    run(["verify", str(g16), "--image-id", "0x" + image_id.hex()])
    run(["inspect", str(g16)])
    stage("prove --segment-po2 10 --groth16: the same execution in two segments (join tree)")
    seg = work / "fibonacci-segments.g16"
    t0 = time.monotonic()
    run(["prove", str(elf), "--input-hex", le32(FIB_N), "--segment-po2", "10", "--groth16",
         "-o", str(seg)])  # fmt: skip
    print(f"({time.monotonic() - t0:.1f} s)", flush=True)
    run(["verify", str(seg), "--image-id", "0x" + image_id.hex()])
    return g16, seg, image_id


def stage_even(work: Path) -> Path:
    """The even-number guest: STARK receipt, then ``zkrv wrap``; returns the Groth16 receipt."""
    stage(f"even-number guest (examples/guests/even_number.c, x = {EVEN_X}): prove, then wrap")
    elf = work / "even_number.elf"
    run(["build", str(ROOT / "examples" / "guests" / "even_number.c"), "-o", str(elf)])
    stark = work / "even_number.receipt"
    run(["prove", str(elf), "--input-hex", le32(EVEN_X), "-o", str(stark)])
    g16 = work / "even_number.g16"
    t0 = time.monotonic()
    run(["wrap", str(stark), "-o", str(g16)])
    print(f"({time.monotonic() - t0:.1f} s)", flush=True)
    return g16


def even_number_example() -> Any:
    """``examples/onchain/even_number.py`` as a module."""
    path = ROOT / "examples" / "onchain" / "even_number.py"
    spec = importlib.util.spec_from_file_location("even_number_example", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def stage_onchain(fib: Path, fib_seg: Path, fib_image: bytes, even: Path) -> int:
    from zkrv.onchain.chain import Chain, connect
    from zkrv.onchain.client import ZkrvClient
    from zkrv.onchain.errors import ContractRevert
    from zkrv.onchain.node import AnvilNode
    from zkrv.onchain.signer import resolve_signer
    from zkrv.receipt import Groth16Receipt, decode_receipt

    r_fib = decode_receipt(fib.read_bytes())
    r_seg = decode_receipt(fib_seg.read_bytes())
    r_even = decode_receipt(even.read_bytes())
    assert isinstance(r_fib, Groth16Receipt) and isinstance(r_even, Groth16Receipt)
    assert isinstance(r_seg, Groth16Receipt)
    stage("one key for both guests, one proof or two segments")
    if not r_fib.selector == r_seg.selector == r_even.selector:
        print("ERROR: the Groth16 receipts name different keys", flush=True)
        return 1
    if r_seg.claim != r_fib.claim:
        print("ERROR: the segmented execution's receipt claims something else", flush=True)
        return 1
    print(
        f"fibonacci image 0x{r_fib.image_id.hex()[:16]}..., even-number image "
        f"0x{r_even.image_id.hex()[:16]}...: both under selector 0x{r_fib.selector.hex()}",
        flush=True,
    )
    run(["keys", "setup"])  # the key is cached: this only shows it
    with AnvilNode() as node:
        stage(f"deploy on Anvil ({node.rpc_url}): router + the cached zkVM Groth16 verifier")
        dep = cli_json(["deploy", "--rpc", node.rpc_url])
        router = dep["router"]
        stage("zkrv verify --rpc (eth_call to the router): one-proof and two-segment receipts")
        for path in (fib, fib_seg):
            run(["verify", str(path), "--image-id", fib_image.hex(), "--rpc", node.rpc_url,
                 "--router", router])  # fmt: skip
        stage("router.verify in a transaction")
        client = ZkrvClient(Chain(connect(node.rpc_url), resolve_signer(node.chain_id)), router)
        tx = client.verify_receipt_tx(r_fib)
        print(f"router.verify transaction: status {tx['status']}, gasUsed {tx['gasUsed']}")
        tampered = r_fib.seal[:-1] + bytes([r_fib.seal[-1] ^ 1])
        try:
            client.verify(tampered, r_fib.image_id, r_fib.journal)
        except ContractRevert as e:
            print(f"tampered seal refused: {e.error_name}")
        else:
            print("ERROR: tampered seal accepted", flush=True)
            return 1
        try:
            client.verify(r_fib.seal, r_even.image_id, r_fib.journal)
        except ContractRevert as e:
            print(f"seal under another image ID refused: {e.error_name}")
        else:
            print("ERROR: seal accepted for another image ID", flush=True)
            return 1
        stage(f"EvenNumber application contract acting on the real receipt (x = {EVEN_X})")
        example = even_number_example()
        args = ["--rpc", node.rpc_url, "--router", router, "--receipt", str(even)]
        print("examples/onchain/even_number.py " + " ".join(args), flush=True)
        if example.main(args):  # deploys EvenNumber(router, imageId), submits set(x, seal)
            return 1
        backend = example.EvenNumberBackend.deploy(client, r_even.image_id)
        tx = backend.submit(r_even.journal, r_even.seal)
        print(f"again from Python: set({EVEN_X}) used {tx['gasUsed']} gas, "
              f"number() = {backend.number()}")  # fmt: skip
        if backend.number() != EVEN_X:
            print("ERROR: EvenNumber did not store the number", flush=True)
            return 1
        odd = r_even.journal[:-1] + bytes([r_even.journal[-1] | 1])
        try:
            backend.submit(odd, r_even.seal)
        except ContractRevert as e:
            print(f"set({EVEN_X | 1}) with that seal refused: {e.error_name}")
        else:
            print("ERROR: EvenNumber accepted a number the receipt does not prove", flush=True)
            return 1
    return 0


def main() -> int:
    stage("toolchain")
    rc = zkrv_main(["info"])
    if rc:
        return rc
    profile = select_profile()
    try:
        with tempfile.TemporaryDirectory(prefix="zkrv-main-") as tmp:
            work = Path(tmp)
            fib, fib_seg, fib_image = stage_fibonacci(work)
            even = stage_even(work)
            rc = stage_onchain(fib, fib_seg, fib_image, even)
    except SystemExit as e:
        rc = int(e.code or 1)
    if profile == "toy":
        print(TOY_BANNER, flush=True)
    print(f"== main job: {'ok' if rc == 0 else 'FAILED'} (wrap profile {profile})", flush=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
