"""The in-circuit claim digest of a zkVM receipt (r1cs/zkvm_claim.py) against the SDK's: the
image ID from ``zkvm.image_id.image_id_from`` and the claim ``zkrv.receipt.Receipt.claim``."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from zkrv.claim import sha256
from zkrv.receipt import StarkReceipt
from zkrv_prover.bn254.groth16 import r1cs_digest
from zkrv_prover.r1cs import claim_circuit
from zkrv_prover.r1cs import zkvm_claim as zc
from zkrv_prover.r1cs.builder import LC, ConstraintSystem, UnsatisfiedConstraintError
from zkrv_prover.r1cs.check import first_unsatisfied
from zkrv_prover.r1cs.gadgets import babybear as bb
from zkrv_prover.r1cs.gadgets.sha256 import digest_bytes
from zkrv_prover.zkvm.image_id import MAX_LOG_TABLE, image_id_from, zkvm_params
from zkrv_prover.zkvm.machine import public_values

P = bb.P
#: The zkVM's parameters once its receipts hash with Poseidon2 over BabyBear.
PARAMS = dataclasses.replace(zkvm_params(), hash="poseidon2-babybear")


@dataclass(frozen=True)
class Case:
    felts: tuple[int, ...]
    log_program: int
    log_image: int
    journal: bytes
    exit_code: int

    @property
    def public(self) -> list[int]:
        return public_values(sha256(self.journal), self.exit_code)

    def native_digest(self) -> bytes:
        """What the SDK computes for the receipt: ``Receipt.claim.digest()``."""
        root = sum(f << (32 * i) for i, f in enumerate(self.felts))
        image_id = image_id_from(root, self.log_program, self.log_image, PARAMS)
        return StarkReceipt(image_id, self.exit_code, self.journal, b"").claim.digest()


def random_case(seed: int) -> Case:
    rng = random.Random(seed)
    return Case(
        tuple(rng.randrange(P) for _ in range(8)),
        rng.randint(1, MAX_LOG_TABLE),
        rng.randint(1, MAX_LOG_TABLE),
        rng.randbytes(rng.randint(0, 100)),
        rng.getrandbits(32),
    )


EDGE_CASES = [
    Case((0,) * 8, 1, 1, b"", 0),
    Case((P - 1,) * 8, MAX_LOG_TABLE, MAX_LOG_TABLE, b"\xff" * 64, 2**32 - 1),
    Case((0, P - 1, 1, P - 2, 2**27, 0, P - 1, 0), 1, MAX_LOG_TABLE, b"x", 1),
]


def var(cs: ConstraintSystem, v: int) -> bb.BB:
    """An unchecked witness variable that claims to be canonical: the gadget must check it."""
    return bb.BB(cs.alloc(v), P)


@dataclass
class Built:
    cs: ConstraintSystem
    digest: list[LC]
    gadget_constraints: int
    #: allocation index of each input: 8 felts, 2 heights, 36 public values
    inputs: list[int]


def build(case: Case, *, strict: bool = True, override: dict[int, int] | None = None) -> Built:
    """The gadget over fresh input variables (``override``: input index -> forged value), with
    its public input declared as the wrap circuit does."""
    values = [*case.felts, case.log_program, case.log_image, *case.public]
    for i, v in (override or {}).items():
        values[i] = v
    cs = ConstraintSystem(strict=strict)
    xs = [var(cs, v) for v in values]
    digest = zc.zkvm_claim_digest(cs, xs[:8], xs[8], xs[9], xs[10:], PARAMS)
    n = cs.n_constraints
    cs.declare_public(claim_circuit.public_input(digest))
    inputs = [x.lc.single_var() for x in xs]
    assert all(v is not None for v in inputs)
    return Built(cs, digest, n, [v for v in inputs if v is not None])


def satisfied(cs: ConstraintSystem) -> bool:
    return first_unsatisfied(cs.to_r1cs(), cs.witness()) is None


@pytest.mark.parametrize("case", [random_case(s) for s in (1, 2)] + EDGE_CASES)
def test_digest_matches_sdk(case: Case) -> None:
    b = build(case)
    want = case.native_digest()
    assert digest_bytes(b.digest) == want
    assert b.cs.public_values() == [claim_circuit.public_input(b.digest).value]
    assert satisfied(b.cs)


def test_constraint_count_and_shape() -> None:
    """One circuit for every input (same R1CS); the measured cost is quoted in docs/wrap.md."""
    a, b = build(EDGE_CASES[0]), build(random_case(3))
    assert r1cs_digest(a.cs.to_r1cs()) == r1cs_digest(b.cs.to_r1cs())
    # six variable SHA-256 compressions (image ID 47,633, Output and ReceiptClaim 93,162; the
    # image ID's first block is constant) and 588 range-check constraints (8 felts at 35, 36
    # bytes at 8, 2 heights at 10)
    assert a.gadget_constraints == 141_383, a.gadget_constraints


# forged inputs: index into (8 felts, log_program, log_image, 36 public values)
FORGED = {
    "non-canonical felt": (3, None),  # p + the felt (same element, other representative)
    "felt p": (0, P),
    "log_program 0": (8, 0),
    "log_image too tall": (9, MAX_LOG_TABLE + 1),
    "log height 2^5": (8, 32),
    "journal byte 256": (10 + 5, 256),
    "exit byte p - 1": (10 + 33, P - 1),
}


@pytest.mark.parametrize("name", FORGED)
def test_forged_inputs_are_unsatisfiable(name: str) -> None:
    case = Case((1, 2, 3, 4, 5, 6, 7, 8), 10, 12, b"journal", 7)
    idx, value = FORGED[name]
    forged = {idx: case.felts[idx] + P if value is None else value}
    assert not satisfied(build(case, strict=False, override=forged).cs)
    with pytest.raises(UnsatisfiedConstraintError):
        build(case, override=forged)


def test_flipped_journal_bit_is_unsatisfiable() -> None:
    case = random_case(4)
    honest = build(case)
    r1cs, w = honest.cs.to_r1cs(), honest.cs.witness()
    byte_var = honest.inputs[10 + 7] + 1  # exported order: the public input comes first
    assert w[byte_var] == case.public[7]
    bad = list(w)
    bad[byte_var] ^= 1  # the journal byte alone: its bit decomposition no longer adds up
    assert first_unsatisfied(r1cs, bad) is not None
    # an honest witness for the flipped journal digest proves another public input; with the
    # original one it is unsatisfied
    flipped = public_values(sha256(case.journal), case.exit_code)
    flipped[7] ^= 1
    other = build(case, override={10 + 7: flipped[7]})
    w2 = other.cs.witness()
    assert w2[1] != w[1]
    w2[1] = w[1]
    assert first_unsatisfied(other.cs.to_r1cs(), w2) is not None


@pytest.mark.parametrize(
    ("gadget", "value"),
    [(zc.felt_bits, P - 1), (zc.byte_bits, 255), (zc.log_height_bits, MAX_LOG_TABLE)],
)
def test_range_gadgets_pin_every_variable(
    gadget: Callable[[ConstraintSystem, bb.BB], list[LC]],
    value: int,
    every_var_pinned: Callable[[ConstraintSystem, int], list[int]],
) -> None:
    cs = ConstraintSystem()
    bits = gadget(cs, var(cs, value))
    assert sum(b.value << i for i, b in enumerate(bits)) == value
    assert every_var_pinned(cs, 1) == []


def test_lazy_inputs_are_reduced() -> None:
    """A lazy (non-canonical-bound) BabyBear value is reduced first: 2p + 5 is the byte 5."""
    cs = ConstraintSystem()
    x = bb.BB(cs.alloc(2 * P + 5), 3 * P)
    assert [b.value for b in zc.byte_bits(cs, x)] == [1, 0, 1, 0, 0, 0, 0, 0]
    assert satisfied(cs)


def test_rejects_bad_shapes_and_params() -> None:
    case = EDGE_CASES[0]
    cs = ConstraintSystem()
    xs = [var(cs, v) for v in [*case.felts, 1, 1, *case.public]]
    with pytest.raises(ValueError, match="poseidon2-babybear"):
        bn254 = dataclasses.replace(PARAMS, hash="poseidon-bn254")
        zc.zkvm_claim_digest(cs, xs[:8], xs[8], xs[9], xs[10:], bn254)
    with pytest.raises(ValueError, match="36 public values"):
        zc.zkvm_claim_digest(cs, xs[:8], xs[8], xs[9], xs[10:-1], PARAMS)
    with pytest.raises(ValueError, match="8 felts"):
        zc.zkvm_claim_digest(cs, xs[:7], xs[8], xs[9], xs[10:], PARAMS)
