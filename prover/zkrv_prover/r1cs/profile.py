"""Where the wrap circuit's constraints go, and its size for any shape without a STARK proof.

- :class:`ProfilingCircuitArith` is :class:`~zkrv_prover.r1cs.stark_arith.CircuitArith` that
  attributes every constraint to the ``Arith`` primitive that emitted it and to the verifier
  phase it ran in (found from the call stack: Merkle paths of the input commitments, Merkle paths
  of FRI layers, Merkle caps, FRI folding, DEEP reduction, transcript, out-of-domain check).
  For benchmarks and docs: walking the stack per primitive call is slow.
- :func:`random_shaped_proof` makes a :class:`StarkProof` of the right *shape* for a key and
  table heights, filled with random canonical values. It is not a valid proof; but the circuit's
  structure depends only on the shape (``Arith``'s data-obliviousness rule), so a non-strict
  builder run on it emits exactly the R1CS of a real proof of that shape (a test checks the R1CS
  digests agree). This measures circuits at heights whose proofs take minutes to make.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Callable
from types import FrameType
from typing import Any

import numpy as np

from zkrv_prover.r1cs.builder import ConstraintSystem
from zkrv_prover.r1cs.stark_arith import CircuitArith
from zkrv_prover.stark.commit import pcs
from zkrv_prover.stark.field.codec import Reader, felts_digest
from zkrv_prover.stark.field.field import P
from zkrv_prover.stark.protocol.prover import StarkProof, VerifyingKey

#: Arith primitives whose constraints are attributed.
PRIMITIVES = (
    "b_input", "e_input", "d_input", "b_input_committed", "e_input_committed",
    "e_lincomb_base", "b_add", "b_sub", "b_mul", "b_inv", "b_assert_eq",
    "e_add", "e_sub", "e_mul", "e_mul_base", "e_inv", "e_assert_eq", "e_assert_nonzero",
    "b_to_bits", "select_b", "select_e", "select_d", "hash", "pack_base", "d_assert_eq",
    "d_to_bits", "d_to_base",
)  # fmt: skip

#: (module file stem, function) -> phase; the innermost matching frame wins, except that a
#: Merkle path inside FRI's query check counts as "merkle_paths_fri".
_PHASES = {
    ("mmcs", "verify_opening"): "merkle_paths_inputs",
    ("mmcs", "verify_cap"): "merkle_caps",
    ("fri", "verify_layers"): "fri_folding",
    ("ood", "check_group"): "ood_constraints",
    # zeta off the trace domain and LDE coset: its squarings are check_group's zeta^n
    ("ood", "check_zeta"): "ood_constraints",
    # the PCS verifier (stark/commit/pcs_verify.py; fixed heights are its lo = hi case)
    ("pcs_verify", "_opening_leaf"): "merkle_paths_inputs",
    ("pcs_verify", "verify_opening_var"): "merkle_paths_inputs",
    ("pcs_verify", "_open_mixed"): "merkle_paths_inputs",
    ("pcs_verify", "verify_cap_var"): "merkle_caps",
    ("pcs_verify", "_fri_var_slots"): "fri_folding",
    ("pcs_verify", "_fri_tail"): "fri_folding",
    ("pcs_verify", "verify_var"): "deep_reduction",
    ("verifier", "verify_with"): "proof_inputs_other",
    ("wrap", "emit_verifier"): "public_values",
}


def _phase(frame: FrameType | None) -> str:
    found: str | None = None
    while frame is not None:
        code = frame.f_code
        stem = os.path.splitext(os.path.basename(code.co_filename))[0]
        if stem == "transcript" and found is None:
            return "transcript"
        ph = _PHASES.get((stem, code.co_name))
        if ph is not None:
            if found is None:
                found = ph
                if ph != "merkle_paths_inputs":
                    return ph
            elif ph == "fri_folding":
                return "merkle_paths_fri"
        frame = frame.f_back
    return found or "other"


class ProfilingCircuitArith(CircuitArith):
    """CircuitArith counting constraints per (phase, primitive); see the module docstring."""

    def __init__(self, cs: ConstraintSystem) -> None:
        super().__init__(cs)
        self.by_phase: Counter[str] = Counter()
        self.by_primitive: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self.by_both: Counter[tuple[str, str]] = Counter()
        self._depth = 0
        for name in PRIMITIVES:
            setattr(self, name, self._wrap(name, getattr(self, name)))

    def _wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any) -> Any:
            if self._depth:
                return fn(*args)
            self._depth += 1
            n0 = self.cs.n_constraints
            try:
                return fn(*args)
            finally:
                self._depth -= 1
                n = self.cs.n_constraints - n0
                self.calls[name] += 1
                if n:
                    self.by_primitive[name] += n
                    ph = _phase(sys._getframe(1))
                    self.by_phase[ph] += n
                    self.by_both[(ph, name)] += n

        return counted


class _RandomReader(Reader):
    """A proof reader returning random canonical values: base elements uniform below p,
    digests canonical for their kind (BN254: below 2^253 < R; Poseidon2: 8 base elements),
    other integers uniform in their width."""

    def __init__(self, rng: np.random.Generator) -> None:
        super().__init__(b"")
        self._rng = rng

    def _uint(self, nbits: int, what: str) -> int:
        return int.from_bytes(self._rng.bytes((nbits + 7) // 8), "little") & ((1 << nbits) - 1)

    def _bases(self, n: int, what: str) -> list[int]:
        return [int(v) for v in self._rng.integers(0, P, size=n, dtype=np.int64)]

    def digest(self, what: str) -> int:
        if self.digest_kind == "bn254":
            return self._uint(253, what)
        return felts_digest(self._bases(8, what))


def random_shaped_proof(vk: VerifyingKey, log_heights: list[int], seed: int = 0) -> StarkProof:
    """A proof with the shape of a real proof for ``vk`` at ``log_heights`` and random values
    (mirrors ``stark.protocol.proof.decode_proof``, whose shape helpers it reuses)."""
    from zkrv_prover.stark.protocol.proof import _check_heights, _pcs_shape
    from zkrv_prover.stark.protocol.verifier import _round_shapes

    if vk.has_global:  # no circuit verifies global buses yet (verify_with refuses them too)
        raise ValueError("machines with global buses have no circuit verifier yet")
    _check_heights(vk, log_heights)
    r = _RandomReader(np.random.default_rng(seed))
    main_root = r.digest("main root")
    aux_root = r.digest("aux root") if vk.logup_tables else None
    cumsums = r.exts(len(vk.logup_tables), "LogUp sums") if vk.logup_tables else []
    quotient_root = r.digest("quotient root")
    opened: pcs.Opened = [
        [[r.exts(s.width, "opened") for _ in range(k)] for s, k in zip(shapes, pts, strict=True)]
        for shapes, pts in _round_shapes(vk, log_heights)
    ]
    return StarkProof(
        log_heights=list(log_heights),
        main_root=main_root,
        aux_root=aux_root,
        cumsums=cumsums,
        quotient_root=quotient_root,
        opened=opened,
        pcs_proof=pcs.read_proof(r, _pcs_shape(vk, log_heights)),
    )
