"""The 128-bit security profile's cost: the zkVM benchmark's sort guest at 2^16 cycles proven under
each profile (``ZKRV_SECURITY_PROFILE``, ``prover/zkrv_prover/stark/field/profile.py``), side by
side in fresh child processes, interleaved (``ZKRV_BENCH_PROFILE_REPEAT`` rounds, default 3, of
one child per profile; each figure is the median over the rounds: the host's speed drifts by
more than the difference being measured).

Each child runs ``benchmarks/zkvm.py``'s measurement (program key untimed; execute + trace
generation + STARK proof timed; the receipt verified) and the soundness calculator of its
profile at the zkVM's largest accepted shape. Entries, with ``P`` in ``100`` and ``128`` and
``ZKRV_BENCH_PROFILE_LOGS`` (default ``16``) selecting the sizes ``2eK``:

- ``profile{P}_prove_seconds_2eK``, ``profile{P}_verify_seconds_2eK``,
  ``profile{P}_receipt_kib_2eK``, ``profile{P}_prove_peak_gib_2eK``;
- ``profile{P}_security_bits_jbr`` and ``profile{P}_security_bits_conjectured`` (with the
  limiting term);
- ``profile128_prove_ratio_2eK`` and ``profile128_receipt_ratio_2eK``: the 128-bit profile's
  figure over the default's.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from benchmarks._util import measure  # noqa: E402

PROFILES = ("100", "128")


def child(log_cycles: int) -> dict[str, Any]:
    """This process's profile: the zkVM figures at 2^log_cycles and the security summary."""
    from benchmarks import zkvm

    from zkrv_prover.stark.protocol.soundness import security_summary

    out = zkvm.child(log_cycles)
    sec = security_summary()
    out["security"] = {
        name: (rep.minimum, rep.limiting_term)
        for name, rep in (("jbr", sec.jbr), ("conjectured", sec.conjectured))
    }
    return out


def _run_child(profile: str, log_cycles: int) -> dict[str, Any]:
    env = {**os.environ, "ZKRV_SECURITY_PROFILE": profile}
    proc = subprocess.run(
        [sys.executable, __file__, str(log_cycles)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"profile {profile} bench 2^{log_cycles} failed: {proc.stderr.strip()[-2000:]}"
        )
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of ``runs`` with every timing and the peak memory replaced by its median
    (sizes and security figures are the same in every run)."""
    out = dict(runs[0])
    for key in ("prove_s", "verify_s", "peak_gib"):
        out[key] = statistics.median(r[key] for r in runs)
    return out


def run() -> list[dict[str, Any]]:
    logs = [int(x) for x in os.environ.get("ZKRV_BENCH_PROFILE_LOGS", "16").split(",") if x]
    repeat = max(1, int(os.environ.get("ZKRV_BENCH_PROFILE_REPEAT", "3")))
    out: list[dict[str, Any]] = []
    security: dict[str, dict[str, tuple[float, str]]] = {}
    for k in logs:
        tag = f"2e{k}"
        rounds = [{p: _run_child(p, k) for p in PROFILES} for _ in range(repeat)]
        res = {p: _median_run([r[p] for r in rounds]) for p in PROFILES}
        for p, r in res.items():
            security[p] = r["security"]
            extra = {"cycles": r["cycles"]}
            out.append(measure(f"profile{p}_prove_seconds_{tag}", r["prove_s"], "s", **extra))
            out.append(measure(f"profile{p}_verify_seconds_{tag}", r["verify_s"], "s"))
            out.append(measure(f"profile{p}_receipt_kib_{tag}", r["receipt_bytes"] / 1024, "KiB"))
            out.append(measure(f"profile{p}_prove_peak_gib_{tag}", r["peak_gib"], "GiB"))
        base, high = res["100"], res["128"]
        out.append(measure(f"profile128_prove_ratio_{tag}", high["prove_s"] / base["prove_s"], "x"))
        out.append(
            measure(
                f"profile128_receipt_ratio_{tag}",
                high["receipt_bytes"] / base["receipt_bytes"],
                "x",
            )
        )
    for p, sec in security.items():
        for name, (bits, term) in sec.items():
            entry = f"profile{p}_security_bits_{name}"
            out.append(measure(entry, bits, "bits", limiting_term=term))
    return out


if __name__ == "__main__":
    print(json.dumps(child(int(sys.argv[1]))))
