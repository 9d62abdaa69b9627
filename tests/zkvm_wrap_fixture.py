"""Real Groth16 receipts of two zkVM guests under ONE key (TOY SECURITY wrap profile), made once
per test run and shared by every test (and every xdist worker) that asks for them.

Two different guests, two entry points:

- the built-in key-setup guest (``zkrv.wrapping.setup_guest``: hand-assembled, 24-byte journal),
  wrapped by ``zkrv keys setup -o`` on an empty key cache: this runs the UNSAFE dev setup of
  the TOY wrap circuit (the one Groth16 setup of the run);
- ``examples/guests/fibonacci.c`` (n = 30, 12-byte journal), proved by ``zkrv prove`` and
  wrapped by ``zkrv wrap`` with the now cached key;
- the same execution proven in two segments of 2^10 cycles and wrapped by ``zkrv prove
  --segment-po2 10 --groth16`` (the segment join tree instead of the universal layer, then the
  same key).

Both through the CLI in-process (``zkrv.cli.main``) with ``ZKRV_WRAP_PROFILE=toy`` and
``ZKRV_CACHE_DIR`` pointing at the run's own key cache. The results live in a directory shared
by the xdist workers of one run (the basetemp's parent), guarded by a file lock: the first worker
makes them, the others read them. About 10 minutes on the 2-core machine (setup 265 s,
the one-proof wrap 50 s, the two-segment prove and wrap 292 s, 2026-12-06).
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from zkrv.receipt import Groth16Receipt, Receipt, decode_receipt

REPO_ROOT = Path(__file__).resolve().parent.parent
FIB_INPUT = (30).to_bytes(4, "little")


@dataclass(frozen=True)
class ZkvmWrapped:
    """The shared artefacts: key cache, receipts (files and decoded) and the CLI outputs."""

    dir: Path
    cache: Path
    builtin: Groth16Receipt
    fib: Groth16Receipt
    fib_stark_path: Path
    fib_segmented: Groth16Receipt
    setup_json: dict[str, Any]
    wrap_json: dict[str, Any]
    segmented_json: dict[str, Any]

    @property
    def builtin_path(self) -> Path:
        return self.dir / "builtin.g16"

    @property
    def fib_path(self) -> Path:
        return self.dir / "fib.g16"

    def env(self) -> dict[str, str]:
        """The environment the receipts were made in (their key cache, the TOY profile)."""
        return {"ZKRV_CACHE_DIR": str(self.cache), "ZKRV_WRAP_PROFILE": "toy"}

    @contextlib.contextmanager
    def environ(self) -> Iterator[None]:
        with pytest.MonkeyPatch.context() as mp:
            for k, v in self.env().items():
                mp.setenv(k, v)
            yield


def run_main(args: list[str]) -> tuple[int, str]:
    """``zkrv`` in-process: (exit status, stdout)."""
    from zkrv.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = main(args)
    return rc, out.getvalue()


def _json(args: list[str]) -> dict[str, Any]:
    rc, out = run_main([*args, "--json"])
    data = json.loads(out)
    assert rc == 0, data
    assert isinstance(data, dict)
    return data


def _make(d: Path) -> None:
    from zkrv.build import build

    cache = d / "cache"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ZKRV_CACHE_DIR", str(cache))
        mp.setenv("ZKRV_WRAP_PROFILE", "toy")
        setup = _json(["keys", "setup", "-o", str(d / "builtin.g16")])
        elf = build([REPO_ROOT / "examples" / "guests" / "fibonacci.c"], d / "fib.elf")
        _json(["prove", str(elf), "--input-hex", FIB_INPUT.hex(), "-o", str(d / "fib.stark")])
        wrap = _json(["wrap", str(d / "fib.stark"), "-o", str(d / "fib.g16")])
        seg_args = ["--segment-po2", "10", "--groth16", "-o", str(d / "fib-seg.g16")]
        seg = _json(["prove", str(elf), "--input-hex", FIB_INPUT.hex(), *seg_args])
    (d / "outputs.json").write_text(json.dumps({"setup": setup, "wrap": wrap, "seg": seg}))
    (d / "done").write_text("ok\n")


def _load(path: Path) -> Groth16Receipt:
    r: Receipt = decode_receipt(path.read_bytes())
    assert isinstance(r, Groth16Receipt)
    return r


def zkvm_wrapped(tmp_path_factory: pytest.TempPathFactory) -> ZkvmWrapped:
    """Make (once per run, across xdist workers) or load the shared receipts."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by the workers of this run
    d = root / "zkvm-wrap-toy"
    d.mkdir(parents=True, exist_ok=True)
    with open(d / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (d / "done").exists():
            _make(d)
    outputs = json.loads((d / "outputs.json").read_text())
    return ZkvmWrapped(
        dir=d,
        cache=d / "cache",
        builtin=_load(d / "builtin.g16"),
        fib=_load(d / "fib.g16"),
        fib_stark_path=d / "fib.stark",
        fib_segmented=_load(d / "fib-seg.g16"),
        setup_json=outputs["setup"],
        wrap_json=outputs["wrap"],
        segmented_json=outputs["seg"],
    )
