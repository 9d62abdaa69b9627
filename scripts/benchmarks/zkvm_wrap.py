"""zkVM receipts on Ethereum, end to end: a STARK receipt of the sort guest to a verified Groth16
proof of its claim, every layer included (``docs/wrap.md``, "zkVM receipts on chain").

Two child processes, one at a time (each one's peak RSS is its own):

1. ``receipt``: builds ``examples/guests/sort.c``, picks the input whose run is closest below
   2^k cycles (k = ``ZKRV_ZKVMWRAP_LOG_CYCLES``, default 16), proves the STARK receipt and saves
   it (not part of the wrap figures; its prove time is reported as ``zkvm_prove_s``);
2. ``wrap``: the production pipeline (``recursion.pipeline.PRODUCTION``): universal -> compress
   -> shrink recursion proofs (record, key, prove per layer), the final circuit, the **UNSAFE**
   dev Groth16 setup (cached in ``ZKRV_BENCH_G16_CACHE`` when set, else a fresh temp dir) and
   the Groth16 proof, checked natively (and refused for another public input).

Entries: ``wrap_constraints`` (final circuit), ``wrap_setup_seconds`` (one-time setup: the dev
Groth16 setup, 0-cost when the cache already held the key, then ``groth16_cached`` says so, plus
the recursion layers' keygen, ``layer_keygen_s``, and what compress accepts,
``recursion_setup_s``: the built-in setup guest proven and its recursion programs recorded,
``recursion/wrap_setup.py``; the keys go to a layer key store, the SDK's
``layers/`` cache, and the final circuit's full path, ``circuit_full_s``: built and exported as
an R1CS, digested and converted, once per circuit to find or make its key),
``wrap_seconds_2e16`` (layers + final circuit + Groth16 proof, setup excluded: per layer
record, key read from the store, prove; a key made in this run is read back from the store
after the proof to time that read, ``key_load_s``; the final circuit as every wrap after the
first builds it, for its witness and constraint values only, ``circuit_s``, proved from them,
``groth16_prove_s``),
``wrap_peak_gib_2e16`` (the wrap process, setup included), ``wrap_security_bits_jbr`` (the
weakest recursion layer, Johnson-bound regime) and ``verify_tx_gas`` (``onchain`` benchmark:
router.verify of a Groth16 seal with the production public-input layout on Anvil; the gas does
not depend on the circuit). ``ZKRV_ZKVMWRAP_PROFILE=toy`` runs the TOY SECURITY profile
(pipeline plumbing only; its entries are suffixed ``_toy``).
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import measure, peak_rss_gib_self

ROOT = Path(__file__).resolve().parents[2]


def _log_cycles() -> int:
    return int(os.environ.get("ZKRV_ZKVMWRAP_LOG_CYCLES", "16"))


def _receipt(path: Path) -> dict[str, Any]:
    """Prove the sort guest's receipt and pickle (key without prover data, public, proof)."""
    import dataclasses

    from zkrv.build import build
    from zkrv_prover.executor import execute
    from zkrv_prover.stark.protocol.prover import prove
    from zkrv_prover.zkvm.image_id import program_key
    from zkrv_prover.zkvm.machine import generate

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from zkvm import _pick_n

    with tempfile.TemporaryDirectory() as d:
        elf = build([ROOT / "examples" / "guests" / "sort.c"], Path(d) / "sort.elf")
        n, cycles = _pick_n(elf, 1 << _log_cycles())
        res = execute(elf, n.to_bytes(4, "little"), trace=True)
    assert res.trace is not None
    key = program_key(res.image)
    w = generate(key.tables, res.trace, key.vk.layouts)
    t0 = time.perf_counter()
    proof = prove(key.vk, w.traces, w.public)
    t = time.perf_counter() - t0
    vk = dataclasses.replace(key.vk, pre_data=None)
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as f:
        pickle.dump((vk, list(w.public), proof), f)
    tmp.replace(path)
    return {"n": n, "cycles": cycles, "zkvm_prove_s": round(t, 2)}


def _wrap(path: Path) -> dict[str, Any]:
    """The pipeline on the saved receipt; figures as a dict (module docstring)."""
    from zkrv_prover.bn254 import groth16
    from zkrv_prover.r1cs.zkvm_wrap import build_zkvm_circuit, statement
    from zkrv_prover.recursion import pipeline

    profile = pipeline.TOY if os.environ.get("ZKRV_ZKVMWRAP_PROFILE") == "toy" else None
    profile = profile or pipeline.PRODUCTION
    with path.open("rb") as f:
        vk, public, proof = pickle.load(f)
    cache_env = os.environ.get("ZKRV_BENCH_G16_CACHE")
    tmp_keys = tempfile.TemporaryDirectory()
    store = (Path(cache_env) if cache_env else Path(tmp_keys.name)) / "layers"
    layers = pipeline.prove_layers(vk, public, proof, profile, key_store=store)
    pipeline.clear_keys()
    top = layers[-1]
    # One-time per circuit: the full path (R1CS export, digest, conversion) finds or makes the
    # key by digest, as the first wrap of a circuit does (zkvm_wrap.wrap_zkvm).
    t0 = time.perf_counter()
    c = build_zkvm_circuit(top.key.vk, top.public, top.proof)
    nr = groth16.NativeR1CS(c.cs.to_r1cs())
    n, x = c.n_constraints, c.public_input
    n_verifier, n_claim = c.verifier_constraints, c.claim_constraints
    del c
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as d:
        cache = Path(cache_env) if cache_env else Path(d)
        cached = (cache / f"{nr.digest}.pk").is_file()
        pk, _ = groth16.cached_dev_setup(nr, cache=cache)
        del nr
        t2 = time.perf_counter()
        # Every later wrap: the key is recorded, so the circuit is built for its witness and
        # constraint values only (no export) and proved from them.
        c = build_zkvm_circuit(top.key.vk, top.public, top.proof)
        asg = groth16.Assignment.of(c.cs)
        del c
        t3 = time.perf_counter()
        gp = groth16.prove_assignment(pk, asg)
        t4 = time.perf_counter()
    ok = groth16.verify(pk.vk, [x], gp) and not groth16.verify(pk.vk, [x ^ 1], gp)
    if not ok or x != statement(top.public).public_input:
        raise RuntimeError("the Groth16 proof does not verify for the receipt's claim")
    peak = peak_rss_gib_self()
    # A layer key made here (one-time setup) is what a later wrap reads from the store: time
    # that read, after the proof (the layers' own copies are dropped first).
    rows = [
        {
            "layer": layer.key.name,
            "rows": layer.key.program.rows(),
            "log_blowup": layer.key.config.params.log_blowup,
            "queries": layer.key.config.params.num_queries,
            "pow_bits": layer.key.config.params.pow_bits,
            "hash": layer.key.config.params.hash,
            "bits_jbr": round(layer.key.config.bits, 2),
            "record_s": round(layer.record_s, 2),
            "key_s": round(layer.key_s, 2),
            "key_source": layer.key_source,
            "prove_s": round(layer.prove_s, 2),
            "setup_s": round(layer.setup_s, 2),
        }
        for layer in layers
    ]
    summary = [(lay.key.name, lay.key.program, lay.key_source, lay.key_s) for lay in layers]
    del layers, top
    load_s: dict[str, float] = {}
    for name, program, source, key_s in summary:
        if source == "made":
            f = pipeline.key_file(store, name, program, getattr(profile, name), profile.name)
            t4 = time.perf_counter()
            if pipeline.load_layer_key(f, name, program) is None:
                raise RuntimeError(f"the {name} key was not stored")
            load_s[name] = round(time.perf_counter() - t4, 2)
        else:
            load_s[name] = round(key_s, 2)
    tmp_keys.cleanup()
    return {
        "profile": profile.name,
        "layers": [{**row, "key_load_s": load_s[row["layer"]]} for row in rows],
        "constraints": n,
        "verifier_constraints": n_verifier,
        "claim_constraints": n_claim,
        "circuit_full_s": round(t1 - t0, 2),
        "circuit_s": round(t3 - t2, 2),
        "setup_s": round(t2 - t1, 2),
        "setup_cached": cached,
        "groth16_prove_s": round(t4 - t3, 2),
        "peak_gib": round(peak, 2),
    }


def _child(task: str, path: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, task, str(path)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"zkvm_wrap {task} failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run() -> list[dict[str, Any]]:
    from onchain import run as onchain_run

    k = _log_cycles()
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "receipt.pkl"
        rec = _child("receipt", path)
        w = _child("wrap", path)
    layers = w["layers"]
    # Layer keys depend only on the profile (one-time setup, like the Groth16 key): keygen is
    # setup; the wrap pays reading them from the store (key_load_s).
    keygen_s = sum(layer["key_s"] for layer in layers if layer["key_source"] == "made")
    layer_s = sum(layer["record_s"] + layer["key_load_s"] + layer["prove_s"] for layer in layers)
    rec_setup_s = sum(layer["setup_s"] for layer in layers)
    total = layer_s + w["circuit_s"] + w["groth16_prove_s"]
    sfx = "" if w["profile"] == "production" else f"_{w['profile']}"
    tag = f"2e{k}{sfx}"
    gas = next(m for m in onchain_run() if m["name"] == "verify_tx_gas")
    return [
        measure(
            f"wrap_constraints{sfx}",
            w["constraints"],
            "constraints",
            verifier=w["verifier_constraints"],
            claim=w["claim_constraints"],
        ),
        measure(
            f"wrap_setup_seconds{sfx}",
            round(w["setup_s"] + w["circuit_full_s"] + keygen_s + rec_setup_s, 2),
            "s",
            groth16_setup_s=w["setup_s"],
            circuit_full_s=w["circuit_full_s"],
            groth16_cached=w["setup_cached"],
            layer_keygen_s=round(keygen_s, 2),
            recursion_setup_s=round(rec_setup_s, 2),
        ),
        measure(
            f"wrap_seconds_{tag}",
            round(total, 1),
            "s",
            layers=layers,
            circuit_s=w["circuit_s"],
            groth16_prove_s=w["groth16_prove_s"],
            cycles=rec["cycles"],
            n=rec["n"],
            zkvm_prove_s=rec["zkvm_prove_s"],
        ),
        measure(f"wrap_peak_gib_{tag}", w["peak_gib"], "GiB"),
        measure(
            f"wrap_security_bits_jbr{sfx}",
            min(layer["bits_jbr"] for layer in layers),
            "bits",
            by_layer={layer["layer"]: layer["bits_jbr"] for layer in layers},
        ),
        measure("verify_tx_gas", gas["value"], "gas", source="onchain benchmark (router.verify)"),
    ]


TASKS = {"receipt": _receipt, "wrap": _wrap}

if __name__ == "__main__":
    if len(sys.argv) == 3:
        print(json.dumps(TASKS[sys.argv[1]](Path(sys.argv[2]))))
    else:
        print(json.dumps(run(), indent=1))
