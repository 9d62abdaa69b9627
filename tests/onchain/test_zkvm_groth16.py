"""zkVM receipts end to end: two different guests wrapped into Groth16 receipts under ONE key,
verified natively and on Anvil; wrong image ID, journal or exit code fail natively and revert.

TOY SECURITY wrap profile (``ZKRV_WRAP_PROFILE=toy``: 2 queries per recursion layer): the flow,
not the security. The receipts are made once per run (``tests/zkvm_wrap_fixture.py``, about 4
minutes). Everything that needs them is ONE test (the ``check_*`` functions, in order): with
several tests, ``pytest -n 2`` hands some to the other worker, which then idles on the
fixture's lock for the whole wrap (``--dist loadgroup`` does not group them with this pytest).
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from zkvm_wrap_fixture import FIB_INPUT, ZkvmWrapped, run_main

from zkrv.claim import ExitCode, Output, ReceiptClaim, sha256
from zkrv.keys import TOY_LABEL, UNSAFE_LABEL, KeyCache
from zkrv.onchain.chain import Chain, connect
from zkrv.onchain.client import ZkrvClient
from zkrv.onchain.errors import ContractRevert
from zkrv.onchain.node import AnvilNode
from zkrv.onchain.signer import resolve_signer
from zkrv.receipt import Groth16Receipt, ReceiptVerificationError
from zkrv.wrapping import SETUP_JOURNAL, cached_zkvm_key

pytestmark = [pytest.mark.anvil, pytest.mark.native, pytest.mark.slow]


def _json(args: list[str], rc: int = 0) -> dict[str, Any]:
    got, out = run_main([*args, "--json"])
    data = json.loads(out)
    assert got == rc, data
    assert isinstance(data, dict)
    return data


def check_two_guests_one_key(wrapped: ZkvmWrapped) -> None:
    a, b = wrapped.builtin, wrapped.fib
    assert a.image_id != b.image_id and a.journal != b.journal
    assert a.journal == SETUP_JOURNAL
    assert b.journal[:4] == FIB_INPUT and int.from_bytes(b.journal[4:], "little") == 832040
    assert a.selector == b.selector  # one verifying key (one circuit) for both guests
    cache = KeyCache(wrapped.cache)
    (key,) = cache.keys()  # and exactly one key in the cache
    # one circuit id for both guests: the second wrap found the key by it (witness-only path)
    assert len(list((cache.dir / "circuits").glob("*.json"))) == 1
    assert key.selector == a.selector and key.toy_security and key.unsafe_dev_setup
    assert key.wrap_profile == "toy"
    assert cached_zkvm_key("toy", cache) == key
    assert cached_zkvm_key("production", cache) is None
    # the same execution proven in two segments wraps under the same key to the same claim
    seg = wrapped.fib_segmented
    assert seg.selector == key.selector and seg.claim == b.claim and seg.seal != b.seal
    assert wrapped.segmented_json["kind"] == "groth16"
    for r in (a, b, seg):
        r.verify(r.image_id)  # default key cache: $ZKRV_CACHE_DIR
        r.verify(r.image_id, r.journal, keys=cache)
    # The CLI outputs said what they made.
    s, w = wrapped.setup_json, wrapped.wrap_json
    assert s["derived"] is True and s["profile"] == "toy" and s["toy_warning"] == TOY_LABEL
    assert s["key"]["circuit_digest"] == key.circuit_digest
    assert s["check_receipt"]["image_id"] == "0x" + a.image_id.hex()
    assert w["kind"] == "groth16" and w["wrap_profile"] == "toy" and w["toy_security"] is True
    assert w["seal"] == "0x" + b.seal.hex() and w["verifying_key"]["warning"] == UNSAFE_LABEL
    assert w["claim_digest"] == "0x" + b.claim.digest().hex()


def check_wrong_claim_fails_natively(wrapped: ZkvmWrapped) -> None:
    a, b = wrapped.builtin, wrapped.fib
    bad: list[Groth16Receipt] = [
        dataclasses.replace(b, image_id=a.image_id),  # another guest's image ID
        dataclasses.replace(b, journal=b.journal[:-1] + bytes([b.journal[-1] ^ 1])),
        dataclasses.replace(b, exit_code=1),
        dataclasses.replace(b, seal=a.seal),  # another receipt's proof
    ]
    for r in bad:
        with pytest.raises(ReceiptVerificationError, match="does not verify"):
            r.verify(r.image_id)
    with pytest.raises(ReceiptVerificationError, match="receipt is for image"):
        b.verify(a.image_id)


def check_cli_verify_inspect_keys(wrapped: ZkvmWrapped, tmp_path: Path) -> None:
    b = wrapped.fib
    path = str(wrapped.fib_path)
    d = _json(["verify", path, "--image-id", "0x" + b.image_id.hex()])
    assert d["valid"] is True and d["toy_security"] is True
    rc, out = run_main(["verify", path, "--image-id", b.image_id.hex()])
    assert rc == 0 and "TOY SECURITY" in out and "UNSAFE" in out
    d = _json(["verify", path, "--image-id", "0x" + wrapped.builtin.image_id.hex()], rc=1)
    assert "receipt is for image" in d["error"]
    forged = tmp_path / "forged.g16"
    forged.write_bytes(dataclasses.replace(b, exit_code=7).to_bytes())
    d = _json(["verify", str(forged), "--image-id", b.image_id.hex()], rc=1)
    assert "does not verify" in d["error"]

    d = _json(["inspect", path])
    assert d["kind"] == "groth16" and d["image_id"] == "0x" + b.image_id.hex()
    assert d["exit_code"] == 0 and d["journal"] == "0x" + b.journal.hex()
    assert d["journal_digest"] == "0x" + sha256(b.journal).hex()
    assert d["claim_digest"] == "0x" + b.claim.digest().hex()
    assert d["seal"] == "0x" + b.seal.hex() and len(b.seal) == 260
    assert d["seal_selector"] == "0x" + b.selector.hex()
    assert d["toy_security"] is True and d["toy_warning"] == TOY_LABEL
    vk = d["verifying_key"]
    assert vk["found"] is True and vk["wrap_profile"] == "toy" and vk["unsafe_dev_setup"]
    rc, out = run_main(["inspect", path])
    assert rc == 0 and "TOY SECURITY" in out and "zkVM wrap toy" in out

    # The key is cached: setup does nothing and says so.
    d = _json(["keys", "setup"])
    assert d["derived"] is False and d["key"]["selector"] == "0x" + b.selector.hex()
    assert d["toy_security"] is True
    d = _json(["keys", "setup", "-o", str(tmp_path / "x.g16")], rc=1)
    assert "--force" in d["error"]
    d = _json(["keys", "list"])
    ((k,),) = [d["keys"]]
    assert k["toy_security"] is True and k["wrap_profile"] == "toy"


def check_wrap_errors(wrapped: ZkvmWrapped, tmp_path: Path) -> None:
    """User mistakes are one-line errors, before any proving work."""
    out = str(tmp_path / "out.g16")
    d = _json(["wrap", str(wrapped.fib_path), "-o", out], rc=1)
    assert "already a Groth16 receipt" in d["error"]
    d = _json(["wrap", str(tmp_path / "missing"), "-o", out], rc=1)
    assert "cannot read receipt" in d["error"]
    junk = tmp_path / "junk"
    junk.write_bytes(b"not a receipt")
    d = _json(["wrap", str(junk), "-o", out], rc=1)
    assert "too short" in d["error"] or "bad magic" in d["error"]
    # A STARK receipt whose proof was tampered with (one byte of the proof flipped).
    raw = bytearray(wrapped.fib_stark_path.read_bytes())
    raw[-100] ^= 1
    bad = tmp_path / "bad.stark"
    bad.write_bytes(bytes(raw))
    d = _json(["wrap", str(bad), "-o", out], rc=1)
    assert "not a valid zkVM STARK receipt" in d["error"]
    # Another guest's claim on this proof.
    from zkrv.receipt import StarkReceipt, decode_receipt

    stark = decode_receipt(wrapped.fib_stark_path.read_bytes())
    assert isinstance(stark, StarkReceipt)
    relabel = tmp_path / "relabel.stark"
    relabel.write_bytes(dataclasses.replace(stark, exit_code=3).to_bytes())
    d = _json(["wrap", str(relabel), "-o", out], rc=1)
    assert "not a valid zkVM STARK receipt" in d["error"]
    assert not Path(out).exists()


@dataclasses.dataclass
class Deployed:
    client: ZkrvClient
    router: str
    rpc_url: str
    deploy_json: dict[str, Any]


def deploy(wrapped: ZkvmWrapped, anvil: AnvilNode) -> Deployed:
    """``zkrv deploy --rpc URL`` without --vk: the router and the cached zkVM key's verifier."""
    d = _json(["deploy", "--rpc", anvil.rpc_url])
    chain = Chain(connect(anvil.rpc_url), resolve_signer(anvil.chain_id))
    return Deployed(ZkrvClient(chain, d["router"]), d["router"], anvil.rpc_url, d)


def check_deploy_default_key(deployed: Deployed, zkvm_wrapped: ZkvmWrapped) -> None:
    d = deployed.deploy_json
    sel = "0x" + zkvm_wrapped.fib.selector.hex()
    assert list(d["groth16"]) == [sel] and d["mock"] is None
    z = d["zkvm"]
    assert z["selector"] == sel and z["toy_security"] is True and z["wrap_profile"] == "toy"
    assert z["verifier"] == d["groth16"][sel]["verifier"]


def check_onchain_both_guests(deployed: Deployed, zkvm_wrapped: ZkvmWrapped) -> None:
    c = deployed.client
    for r in (zkvm_wrapped.builtin, zkvm_wrapped.fib, zkvm_wrapped.fib_segmented):
        assert c.verify_receipt(r) == "verify"
        c.verify(r.seal, r.image_id, r.journal)
        c.verify_claim(r.seal, r.claim)
    tx = c.verify_receipt_tx(zkvm_wrapped.fib)  # router.verify in a transaction
    assert int(tx["status"]) == 1 and 21000 < int(tx["gasUsed"]) < 300_000


def check_onchain_wrong_claim_reverts(deployed: Deployed, zkvm_wrapped: ZkvmWrapped) -> None:
    c = deployed.client
    a, b = zkvm_wrapped.builtin, zkvm_wrapped.fib
    calls = [
        lambda: c.verify(b.seal, a.image_id, b.journal),  # wrong image ID
        lambda: c.verify(b.seal, b.image_id, b.journal + b"\0"),  # wrong journal
        lambda: c.verify(a.seal, b.image_id, b.journal),  # another receipt's seal
        lambda: c.verify_claim(  # wrong exit code
            b.seal, ReceiptClaim(b.image_id, Output(b.journal_digest), ExitCode(user=1))
        ),
        lambda: c.verify_receipt(dataclasses.replace(b, exit_code=1)),
    ]
    for call in calls:
        with pytest.raises(ContractRevert) as e:
            call()
        assert e.value.error_name == "VerificationFailed"


def check_cli_verify_rpc(deployed: Deployed, zkvm_wrapped: ZkvmWrapped, tmp_path: Path) -> None:
    b = zkvm_wrapped.fib
    rpc = ["--rpc", deployed.rpc_url, "--router", deployed.router]
    d = _json(["verify", str(zkvm_wrapped.fib_path), "--image-id", b.image_id.hex(), *rpc])
    assert d["valid"] is True and d["onchain"]["function"] == "verify"
    forged = tmp_path / "forged.g16"
    forged.write_bytes(dataclasses.replace(b, journal=b"forged").to_bytes())
    d = _json(["verify", str(forged), "--image-id", b.image_id.hex(), *rpc], rc=1)
    assert "VerificationFailed" in d["error"]


def check_scaffold_host_groth16(wrapped: ZkvmWrapped, tmp_path: Path) -> None:
    """A ``zkrv new`` project's ``host.py --groth16``: prove, wrap with the cached key, deploy
    the router with the zkVM verifier and the App on its own Anvil, submit the real receipt."""
    from zkrv.scaffold import new_project

    path, _ = new_project("board", tmp_path / "board")
    env = dict(os.environ, **wrapped.env(), PYTHONUNBUFFERED="1")
    p = subprocess.run(
        [sys.executable, "host.py", "27", "--groth16"],
        cwd=path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    assert "with the zkVM verifier" in p.stdout
    assert "stepsOf(27) = 111; record: 27 (111 steps)" in p.stdout


# The shared fixture (made by whichever xdist worker asks first) takes about 10 minutes on the
# 2-core machine, more beside the other worker: the default 900 s covers setup and call.
@pytest.mark.timeout(2700)
def test_zkvm_groth16_end_to_end(
    zkvm_wrapped: ZkvmWrapped, anvil: AnvilNode, tmp_path: Path
) -> None:
    """Every check on the shared receipts, natively then on Anvil (see the module docstring)."""
    w = zkvm_wrapped
    with w.environ():  # their key cache and the TOY profile
        check_two_guests_one_key(w)
        check_wrong_claim_fails_natively(w)
        check_cli_verify_inspect_keys(w, tmp_path)
        check_wrap_errors(w, tmp_path)
        deployed = deploy(w, anvil)
        check_deploy_default_key(deployed, w)
        check_onchain_both_guests(deployed, w)
        check_onchain_wrong_claim_reverts(deployed, w)
        check_cli_verify_rpc(deployed, w, tmp_path)
        check_scaffold_host_groth16(w, tmp_path)
