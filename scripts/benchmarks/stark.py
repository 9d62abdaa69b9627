"""STARK proof system: batched NTT speed, PCS commit/open/verify costs, security figures.

Entries (PCS layer, engineer 5A):
- ntt_ns_per_butterfly: forward NTT of 8 columns x 2^20 points; time / (8 * 2^19 * 20).
- lde_2e16x64_seconds: coset LDE (blowup 8, bit-reversed) of a 2^16 x 64 matrix.
- pcs_commit_2e16x64_seconds: LDE + hiding Merkle commitment of that matrix (native Poseidon).
- pcs_open_2e16x64_seconds / pcs_verify_2e16x64_seconds / pcs_proof_2e16x64_kib: opening it at
  two extension points with the default parameters (FRI, grinding, queries); verify = native
  verifier (NativeArith with the native single-hash entry point).
- security_bits_jbr / security_bits_conjectured: the term-by-term calculator
  (zkrv_prover.stark.protocol.soundness.security_summary) at the zkVM's largest proof shape (LDE
  2^25): the proven Johnson-bound figure and, for comparison, the conjectured one; each entry names
  its limiting term.

Entries (AIR layer, engineer 5B), measured in a child process so the peak RSS is the prover's:
- bench_air_2e16_{prove,verify}_seconds, bench_air_2e16_proof_kib, bench_air_2e16_peak_gib: the
  benchmark machine of zkrv_prover.stark.examples.bench_air (64 columns x 2^16 rows, degree-3
  transitions, one LogUp lookup into a 256-row byte table), default parameters with zero
  knowledge; the same with zk off as bench_air_2e16_nozk_*. With the environment variable
  ``ZKRV_BENCH_HASH=poseidon2-babybear`` these entries use that hash family (``PcsParams.hash``)
  and are named bench_air_2e16_p2_* instead.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import best_time, measure

from zkrv_prover.stark.commit import pcs, pcs_verify
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.commit.transcript import Transcript
from zkrv_prover.stark.field import field as fld
from zkrv_prover.stark.field import ntt
from zkrv_prover.stark.field.arith import NativeArith
from zkrv_prover.stark.field.codec import BASE_BITS, Writer
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol.soundness import security_summary


def _ntt() -> float:
    rng = FieldRng.seeded(1)
    log_n, cols = 20, 8
    a = rng.base((1 << log_n, cols))
    ntt.ntt(a)  # warm the twiddle caches
    t = best_time(lambda: ntt.ntt(a), repeat=3)
    return t / (cols * (1 << (log_n - 1)) * log_n) * 1e9


def _pcs() -> list[dict[str, Any]]:
    rng = FieldRng.seeded(2)
    params = PcsParams()
    m = rng.base((1 << 16, 64))
    coeffs = ntt.intt(m)
    t_lde = best_time(lambda: ntt.lde_bitrev(coeffs, params.log_blowup, fld.GENERATOR), repeat=1)
    t0 = time.perf_counter()
    data = pcs.commit_evals(params, [m], rng)
    t_commit = time.perf_counter() - t0

    def transcript() -> Transcript[int, tuple[int, ...], int, int]:
        tr = Transcript(NativeArith(native_hash=True), "bench")
        tr.observe_digest(data.root)
        return tr

    tr = transcript()
    z = tr.sample_ext()
    zw = tr.sample_ext()
    t0 = time.perf_counter()
    opened, proof = pcs.open_rounds(params, [(data, [[z, zw]])], tr, rng)
    t_open = time.perf_counter() - t0
    shape = pcs.PcsShape(params, (tuple(data.shapes),), ((2,),))
    w = Writer()
    pcs.write_proof(w, shape, proof)
    # plus the claimed values: 64 columns at 2 points, 31 bits per base element (codec.py)
    size = len(w.getvalue()) + (64 * 2 * fld.EXT_DEGREE * BASE_BITS + 7) // 8
    ar = NativeArith(native_hash=True)
    trv = transcript()
    zz, zzw = trv.sample_ext(), trv.sample_ext()
    claims = [pcs.RoundClaim(data.root, data.shapes, [[zz, zzw]], opened[0])]
    t0 = time.perf_counter()
    pcs_verify.verify(ar, params, claims, proof, trv)
    t_verify = time.perf_counter() - t0
    return [
        measure("lde_2e16x64_seconds", t_lde, "s"),
        measure("pcs_commit_2e16x64_seconds", t_commit, "s"),
        measure("pcs_open_2e16x64_seconds", t_open, "s"),
        measure("pcs_verify_2e16x64_seconds", t_verify, "s"),
        measure("pcs_proof_2e16x64_kib", size / 1024, "KiB"),
        measure("pcs_verify_2e16x64_hashes", ar.counts["hash"], "count"),
    ]


def _bench_air(log_n: int = 16) -> list[dict[str, Any]]:
    import json
    import subprocess

    hash_name = os.environ.get("ZKRV_BENCH_HASH", "poseidon-bn254")
    family = "" if hash_name == "poseidon-bn254" else "_p2"
    out = []
    for zk, tag in ((True, family), (False, family + "_nozk")):
        res = subprocess.run(
            [
                sys.executable,
                "-m",
                "zkrv_prover.stark.examples.bench_air",
                str(log_n),
                str(int(zk)),
                hash_name,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        m = json.loads(res.stdout.strip().splitlines()[-1])
        name = f"bench_air_2e{log_n}{tag}"
        out += [
            measure(f"{name}_prove_seconds", m["prove_s"], "s"),
            measure(f"{name}_verify_seconds", m["verify_s"], "s"),
            measure(f"{name}_proof_kib", m["proof_kib"], "KiB"),
            measure(f"{name}_peak_gib", m["peak_gib"], "GiB"),
        ]
    return out


def _security() -> list[dict[str, Any]]:
    sec = security_summary()
    return [
        measure(f"security_bits_{tag}", rep.minimum, "bits", limiting_term=rep.limiting_term)
        for tag, rep in (("jbr", sec.jbr), ("conjectured", sec.conjectured))
    ]


def run() -> list[dict[str, Any]]:
    out = [measure("ntt_ns_per_butterfly", _ntt(), "ns")]
    out += _pcs()
    out += _security()
    out += _bench_air()
    return out
