"""The 128-bit security profile (``ZKRV_SECURITY_PROFILE=128``, ``stark/field/profile.py``): its
parameters reach 128 proven bits on every term, its receipts prove and verify, tampering is
rejected, a receipt is only verified under the profile it was made in, and the on-chain path
refuses to run under it. The profile is read once per process, so every check of it runs in a
child process; the default profile's side runs here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from zkrv.receipt import ReceiptVerificationError, StarkReceipt, decode_receipt, stark_seal
from zkrv_prover.stark.field.profile import DEFAULT_PROFILE, PROFILE, PROFILE_ENV, PROFILES
from zkrv_prover.zkvm.image_id import image_id_from, zkvm_params

HERE = Path(__file__).resolve().parent


def run_profile(profile: str, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``script`` (Python source) in a child process under ``profile``, with this test
    folder's helpers importable; fails the test with the child's stderr if it fails."""
    env = dict(os.environ, **{PROFILE_ENV: profile})
    paths = [str(HERE), str(HERE.parent / "executor"), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def test_this_process_runs_the_default_profile() -> None:
    assert PROFILE.name == DEFAULT_PROFILE == "100" and PROFILE.onchain
    assert set(PROFILES) == {"100", "128"}
    high = PROFILES["128"]
    assert (high.ext_degree, high.ext_w, high.p2_digest, high.p2_rate) == (6, 31, 9, 7)
    assert not high.onchain


def test_an_unknown_profile_is_a_one_line_cli_error(cli) -> None:  # type: ignore[no-untyped-def]
    env_before = os.environ.get(PROFILE_ENV)
    os.environ[PROFILE_ENV] = "96"
    try:
        res = cli("info", "--json")
    finally:
        if env_before is None:
            del os.environ[PROFILE_ENV]
        else:
            os.environ[PROFILE_ENV] = env_before
    assert res.returncode == 1
    assert json.loads(res.stdout)["error"].startswith(f"{PROFILE_ENV}='96'")
    assert res.stderr.decode().count("\n") == 1 and "Traceback" not in res.stderr.decode()


def test_the_128_bit_parameters_reach_128_proven_bits() -> None:
    """At the zkVM's largest accepted shape every Johnson-bound term is >= 128 bits (the hash's
    collision resistance included: 9-element digests), the query count is the fewest that
    does it, and the profile is bound into the PCS parameters (so into image IDs)."""
    proc = run_profile(
        "128",
        """
        import json
        from dataclasses import replace
        from zkrv_prover.stark.commit.hash_scheme import scheme_of
        from zkrv_prover.stark.field.field import EXT_DEGREE, EXT_W
        from zkrv_prover.stark.protocol import soundness as sc
        from zkrv_prover.zkvm.image_id import zkvm_params

        params = zkvm_params()
        rep = sc.security_summary().jbr
        fewer = replace(params, num_queries=params.num_queries - 1)
        print(json.dumps({
            "ext": [EXT_DEGREE, EXT_W],
            "queries": params.num_queries,
            "as_ints": params.as_ints(),
            "terms": {t.name: t.bits for t in rep.terms},
            "field_bits": rep.ext_field.bits,
            "hash_bits": scheme_of(params.hash).security.collision_bits,
            "fewer": sc.security_summary(fewer, lifted=True).jbr.minimum,
        }))
        """,
    )
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["ext"] == [6, 31] and out["queries"] == PROFILES["128"].zkvm_num_queries
    assert 185 < out["field_bits"] < 187  # 6 log2(p)
    assert min(out["terms"].values()) >= 128
    assert 139.0 < out["hash_bits"] < 139.2 and out["terms"]["hash collision resistance"] > 139
    assert out["fewer"] < 128
    # the profile's degree and digest size follow the default's fields (image IDs differ)
    assert len(out["as_ints"]) == len(zkvm_params().as_ints()) + 2
    assert out["as_ints"][-2:] == [6, 9]


def test_cli_info_reports_the_profile() -> None:
    proc = run_profile(
        "128",
        """
        import sys
        from zkrv.cli import main
        sys.exit(main(["info", "--json"]))
        """,
    )
    data = json.loads(proc.stdout)
    assert data["security_profile"] == {
        "name": "128",
        "target_bits": 128,
        "onchain": False,
        "env": PROFILE_ENV,
    }
    assert data["security"]["target_bits"] == 128 and data["security"]["profile"] == "128"
    assert data["security"]["security_bits_jbr"] >= 128


_PROVE_128 = """
import sys
from pathlib import Path

import pytest
from zkvm_util import asm, every_instruction, image_of

import zkrv
from zkrv.errors import ZkrvError
from zkrv.receipt import ReceiptVerificationError, SegmentedReceipt, decode_receipt
from zkrv_prover.stark.field.profile import ProfileError
from zkrv_prover.recursion.builder import RecursionBuilder

out = Path(sys.argv[1])
image = image_of(every_instruction())
receipt = zkrv.prove(image, b"\\x01\\x02\\x03\\x04\\x05\\x06")
assert receipt.exit_code == 42 and receipt.seal[:2] == bytes([0xFF, 128])
receipt.verify(zkrv.image_id(image))
data = receipt.to_bytes()
decode_receipt(data).verify(receipt.image_id)
for pos in (len(data) - 40, len(data) // 2, len(data) - len(receipt.seal) + 10):
    bad = bytearray(data)
    bad[pos] ^= 4
    with pytest.raises(ZkrvError):
        decode_receipt(bytes(bad)).verify(receipt.image_id)
(out / "one.bin").write_bytes(data)

# 300 cycles in segments of 2^7: a segmented receipt, verified as one family
loop = [*asm.li(5, 100), asm.i("addi", 5, 5, -1), asm.b("bne", 5, 0, -4), *asm.li(10, 7)]
seg = zkrv.prove(image_of(loop), segment_po2=7, jobs=1)
assert isinstance(seg, SegmentedReceipt) and seg.segments >= 2 and seg.exit_code == 7
decode_receipt(seg.to_bytes()).verify(seg.image_id)
(out / "seg.bin").write_bytes(seg.to_bytes())

with pytest.raises(ZkrvError, match="on-chain security profile"):
    zkrv.wrap(receipt)
with pytest.raises(ProfileError, match="recursion verifier"):
    RecursionBuilder()

# a default-profile seal (no profile head) is refused by name before anything is parsed
foreign = decode_receipt(Path(sys.argv[2]).read_bytes())
with pytest.raises(ReceiptVerificationError, match="100-bit security profile"):
    foreign.verify(foreign.image_id)
print("ok")
"""


@pytest.mark.slow
def test_128_bit_receipts_prove_verify_and_stay_in_their_profile(tmp_path: Path) -> None:
    root = sum(f << (32 * i) for i, f in enumerate(range(1, 9)))
    image_id = image_id_from(root, 10, 11, zkvm_params())
    default = StarkReceipt(image_id, 0, b"", stark_seal(root, 10, 11, b"\x00" * 64))
    (tmp_path / "default.bin").write_bytes(default.to_bytes())
    proc = run_profile("128", _PROVE_128, str(tmp_path), str(tmp_path / "default.bin"))
    assert proc.stdout.strip().endswith("ok")
    # ... and the 128-bit receipts are refused here by name, one-proof and segmented alike
    one = decode_receipt((tmp_path / "one.bin").read_bytes())
    with pytest.raises(ReceiptVerificationError, match="128-bit security profile"):
        one.verify(one.image_id)
    with pytest.raises(ReceiptVerificationError, match=f"set {PROFILE_ENV}=128"):
        decode_receipt((tmp_path / "seg.bin").read_bytes())
