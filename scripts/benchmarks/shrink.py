"""Shrink layer study: wrap-circuit size, queries and prove cost of the BN254 recursion proof.

For two verified proofs -- ``fib`` (a 60-query Poseidon2-BabyBear Fibonacci proof) and ``rec``
(a level-1 recursion proof: the recorded verifier of ``fib`` proven with the same parameters) --
the recursion program verifying it is recorded with the wide or the skinny Poseidon2 table, and
for each blowup 2^3..2^6 the fewest queries reaching 100 proven (Johnson-bound) bits at
``pow_bits`` of grinding are found (:func:`zkrv_prover.recursion.shrink.shrink_params`). Per
configuration: ``shrink_{fib,rec}_{wide,skinny}_b{blowup}_queries`` (with the security figure,
m and the limiting term), ``..._wrap_constraints`` (the R1CS of ``emit_verifier`` for a random
proof of the shrink proof's shape) and, with ``ZKRV_BENCH_SHRINK_PROVE=1``, ``..._prove_s`` and
``..._prove_peak_gib`` (a real shrink proof in a child process: wall time, peak RSS).

Environment: ``ZKRV_SHRINK_JOBS`` (worker processes, default 1), ``ZKRV_SHRINK_POW`` (default
20), ``ZKRV_SHRINK_BLOWUPS`` (log blowups, default ``3,4,5,6``), ``ZKRV_SHRINK_INNER`` (default
``fib,rec``), ``ZKRV_SHRINK_VARIANTS`` (default
``wide,skinny,wide+uniform,skinny+uniform``; ``+uniform``: every table padded to the tallest
height), ``ZKRV_SHRINK_CACHE`` (where
the inner proofs are kept, default the temp dir).
"""

from __future__ import annotations

import os
import pickle
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import measure

#: The inner (verified) proofs' parameters: what the recursion tests use.
INNER_QUERIES, INNER_POW = 60, 16


def _env_list(name: str, default: str) -> list[str]:
    return [x for x in os.environ.get(name, default).split(",") if x]


def _inner_params() -> Any:
    from zkrv_prover.stark.commit.params import PcsParams

    return PcsParams(num_queries=INNER_QUERIES, pow_bits=INNER_POW, hash="poseidon2-babybear")


def _make_inner(kind: str) -> tuple[Any, list[int], Any]:
    """(vk, public values, proof) of the ``fib`` or ``rec`` proof."""
    from zkrv_prover.recursion.prove import program_vk, prove_program, record_verifier
    from zkrv_prover.stark.examples import fibonacci
    from zkrv_prover.stark.field.randomness import FieldRng
    from zkrv_prover.stark.protocol.prover import keygen, prove

    params = _inner_params()
    vk0 = keygen(fibonacci.machine(), params)
    traces, pub = fibonacci.trace(5)
    proof0 = prove(vk0, traces, pub, FieldRng.seeded(2))
    if kind == "fib":
        return vk0, list(pub), proof0
    prog, wit = record_verifier(vk0, pub, proof0, "wide")
    vk1 = program_vk(prog, params)
    return vk1, list(wit.public), prove_program(vk1, wit, rng=FieldRng.seeded(3), recorded=prog)


def _cache_path(kind: str) -> Path:
    root = Path(os.environ.get("ZKRV_SHRINK_CACHE", tempfile.gettempdir()))
    return root / f"zkrv_shrink_inner_{kind}_q{INNER_QUERIES}.pkl"


def _inner(kind: str) -> tuple[Any, list[int], Any]:
    """The inner proof, made once and kept (pickled) in the cache directory."""
    path = _cache_path(kind)
    if path.exists():
        with path.open("rb") as f:
            return pickle.load(f)
    made = _make_inner(kind)
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as f:
        pickle.dump(made, f)
    tmp.replace(path)
    return made


def _record(kind: str, variant: str) -> tuple[Any, Any]:
    """The shrink program of ``kind`` for a variant ``wide|skinny[+uniform]``."""
    from zkrv_prover.recursion.prove import record_verifier

    table, _, uniform = variant.partition("+")
    vk, pub, proof = _inner(kind)
    return record_verifier(vk, pub, proof, table, uniform == "uniform")  # type: ignore[arg-type]


def _config(kind: str, variant: str, log_blowup: int, pow_bits: int) -> list[dict[str, Any]]:
    """Queries, security and wrap constraints of one configuration (run in a worker)."""
    from zkrv_prover.recursion import shrink
    from zkrv_prover.recursion.machine import build_machine
    from zkrv_prover.stark.air.air import compile_machine

    prog, _ = _record(kind, variant)
    heights = shrink.log_heights(prog)
    layouts = compile_machine(build_machine(prog))
    sp = shrink.shrink_params(layouts, heights, log_blowup, pow_bits)
    tag = f"shrink_{kind}_{variant.replace('+', '_')}_b{1 << log_blowup}"
    width = sum(lay.main_width + lay.pre_width + 5 * lay.aux_width for lay in layouts)
    if sp is None:
        return [measure(f"{tag}_queries", 0, "queries", note="100 bits unreachable")]
    t0 = time.perf_counter()
    n = shrink.wrap_constraints(prog, sp.params)
    return [
        measure(
            f"{tag}_queries",
            sp.params.num_queries,
            "queries",
            security_bits_jbr=round(sp.bits, 2),
            m=sp.m,
            limiting_term=sp.limiting_term,
            pow_bits=pow_bits,
            log_heights=heights,
            opened_base_columns=width,
        ),
        measure(f"{tag}_wrap_constraints", n, "constraints", build_s=time.perf_counter() - t0),
    ]


def _prove(kind: str, variant: str, log_blowup: int, pow_bits: int) -> list[dict[str, Any]]:
    """A real shrink proof of one configuration, timed, with this process's peak RSS."""
    from zkrv_prover.recursion import shrink
    from zkrv_prover.recursion.machine import build_machine
    from zkrv_prover.recursion.prove import program_vk, prove_program, verify_program
    from zkrv_prover.stark.air.air import compile_machine
    from zkrv_prover.stark.field.randomness import FieldRng

    prog, wit = _record(kind, variant)
    layouts = compile_machine(build_machine(prog))
    sp = shrink.shrink_params(layouts, shrink.log_heights(prog), log_blowup, pow_bits)
    if sp is None:
        return []
    tag = f"shrink_{kind}_{variant.replace('+', '_')}_b{1 << log_blowup}"
    t0 = time.perf_counter()
    svk = program_vk(prog, sp.params)
    t1 = time.perf_counter()
    sproof = prove_program(svk, wit, rng=FieldRng.seeded(7), recorded=prog)
    t2 = time.perf_counter()
    verify_program(svk, sproof, wit.public)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    return [
        measure(f"{tag}_prove_s", round(t2 - t1, 2), "s", keygen_s=round(t1 - t0, 2)),
        measure(f"{tag}_prove_peak_gib", round(peak, 2), "GiB"),
    ]


def run() -> list[dict[str, Any]]:
    kinds = _env_list("ZKRV_SHRINK_INNER", "fib,rec")
    variants = _env_list("ZKRV_SHRINK_VARIANTS", "wide,skinny,wide+uniform,skinny+uniform")
    blowups = [int(b) for b in _env_list("ZKRV_SHRINK_BLOWUPS", "3,4,5,6")]
    pow_bits = int(os.environ.get("ZKRV_SHRINK_POW", "20"))
    jobs = int(os.environ.get("ZKRV_SHRINK_JOBS", "1"))
    for k in kinds:  # make (and cache) the inner proofs before the workers need them
        _inner(k)
    grid = [(k, v, b, pow_bits) for k in kinds for v in variants for b in blowups]
    tasks: list[tuple[Any, tuple[Any, ...]]] = [(_config, g) for g in grid]
    if os.environ.get("ZKRV_BENCH_SHRINK_PROVE") == "1":
        prove_blowups = [int(b) for b in _env_list("ZKRV_SHRINK_PROVE_BLOWUPS", "3,4,5,6")]
        tasks += [(_prove, g) for g in grid if g[2] in prove_blowups]
    out: list[dict[str, Any]] = []
    # one process per task: peak RSS is then that task's own
    with ProcessPoolExecutor(jobs, mp_context=get_context("spawn"), max_tasks_per_child=1) as ex:
        futs = [ex.submit(fn, *args) for fn, args in tasks]
        for f in futs:
            out += f.result()
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=1))
