"""The segment join tree end to end (``recursion/segment_tree.py``) at the TOY profile: tree
keys made once on the built-in setup image's run (``zkvm/setup_image.py``: two segments of
2^7 cycles) prove executions of two other guests with four and three segments (an odd range
carried up a level) to finalize proofs exposing each execution's 46 universal values."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from zkrv.build import build
from zkrv_prover.executor import MemoryImage, execute, load_elf
from zkrv_prover.recursion.pipeline import TOY, prove_layers, prove_layers_segmented
from zkrv_prover.recursion.prove import record_verifier_of, verify_program
from zkrv_prover.recursion.segment_tree import SegmentFamily, TreeKeys, prove_tree, tree_keys
from zkrv_prover.recursion.wrap_setup import compress_targets
from zkrv_prover.recursion.zkvm_layout import values
from zkrv_prover.stark.field.arith import VerificationError
from zkrv_prover.stark.field.field import P
from zkrv_prover.stark.protocol.prover import prove
from zkrv_prover.zkvm.image_id import program_key, segmented_key, zkvm_params
from zkrv_prover.zkvm.machine import generate
from zkrv_prover.zkvm.memory import NUM_PUBLIC
from zkrv_prover.zkvm.segment_prover import prove_segmented
from zkrv_prover.zkvm.setup_image import SETUP_SEGMENT_PO2, SETUP_SEGMENTS, setup_image

ROOT = Path(__file__).resolve().parents[2]
#: Inner zkVM proofs with the zkVM's hash and layout at 4 queries.
INNER = replace(zkvm_params(), num_queries=4, pow_bits=1)

pytestmark = pytest.mark.slow


def _family(tmp: Path, guest: Path, input: bytes, po2: int, segments: int) -> SegmentFamily:
    image: MemoryImage = load_elf(build([guest], tmp / f"{guest.stem}.elf"))
    run = prove_segmented(image, input, po2, params=INNER)
    assert run.segments == segments
    return SegmentFamily.of(run, segmented_key(image, INNER).vk), run


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[SegmentFamily, object]]:
    tmp = tmp_path_factory.mktemp("tree")
    return [
        _family(tmp, ROOT / "tests" / "zkvm" / "guests" / "segments.c", bytes(range(40)), 11, 4),
        _family(tmp, ROOT / "examples" / "guests" / "sort.c", (26).to_bytes(4, "little"), 10, 3),
    ]


@pytest.fixture(scope="module")
def setup_family() -> SegmentFamily:
    image = setup_image()
    run = prove_segmented(image, b"", SETUP_SEGMENT_PO2, params=INNER)
    assert run.segments == SETUP_SEGMENTS and run.exit_code == 0 and run.journal == b""
    return SegmentFamily.of(run, segmented_key(image, INNER).vk)


@pytest.fixture(scope="module")
def keys(setup_family: SegmentFamily) -> TreeKeys:
    return tree_keys(setup_family, TOY)


def test_one_set_of_keys_for_every_guest_and_length(
    runs: list[tuple[SegmentFamily, object]], keys: TreeKeys
) -> None:
    claims = set()
    for fam, run in runs:
        out = prove_tree(fam, keys)
        assert out.key is keys.finalize
        want = values(run.pre_root, run.log_program, run.log_image, fam.publics[-1][:NUM_PUBLIC])
        assert list(out.public) == want
        verify_program(keys.finalize.vk, out.proof, out.public)
        bad = list(out.public)
        bad[-1] = (bad[-1] + 1) % P  # an exit-code byte
        with pytest.raises(VerificationError):
            verify_program(keys.finalize.vk, out.proof, bad)
        claims.add(tuple(out.public))
    assert len(claims) == 2


def test_tree_keys_need_two_segments(setup_family: SegmentFamily) -> None:
    fam = setup_family
    one = replace(fam, publics=fam.publics[:1], proofs=fam.proofs[:1], accs=fam.accs[:2])
    with pytest.raises(ValueError, match="two or more segments"):
        tree_keys(one, TOY)


def test_one_shrink_key_for_one_proof_and_segmented_receipts(
    runs: list[tuple[SegmentFamily, object]], tmp_path: Path
) -> None:
    """The pipeline: a multi-segment execution (tree, then compress and shrink) and a one-proof
    receipt (universal, compress, shrink) end in proofs under one shrink key, exposing each
    claim's 46 values; compress accepts the universal variants and the finalize program only."""
    fam, run = runs[1]
    seg_layers = prove_layers_segmented(fam, TOY, key_store=tmp_path)
    assert [lp.key.name for lp in seg_layers] == ["finalize", "compress", "shrink"]
    image = load_elf(build([ROOT / "examples" / "guests" / "sort.c"], tmp_path / "sort.elf"))
    res = execute(image, (26).to_bytes(4, "little"), trace=True)
    assert res.trace is not None
    key = program_key(image, INNER)
    w = generate(key.tables, res.trace, key.vk.layouts)
    one_layers = prove_layers(
        key.vk, list(w.public), prove(key.vk, w.traces, w.public), TOY, key_store=tmp_path
    )
    assert [lp.key.name for lp in one_layers] == ["universal", "compress", "shrink"]
    a, b = seg_layers[-1], one_layers[-1]
    assert a.key.program.digest == b.key.program.digest  # one shrink program and key
    assert seg_layers[1].key.program.digest == one_layers[1].key.program.digest
    assert a.public == b.public  # the same execution's claim, either way
    want = values(run.pre_root, run.log_program, run.log_image, fam.publics[-1][:NUM_PUBLIC])
    assert list(a.public) == want
    for lp in (a, b):
        verify_program(lp.key.vk, lp.proof, lp.public)
    # the finalize proof is accepted as one of the two programs, and only as such
    targets = compress_targets(INNER, TOY, tmp_path, one_layers[0].key)
    fin = seg_layers[0]
    vk = one_layers[0].key.vk
    record_verifier_of(vk, targets.spec, fin.public, fin.proof, targets.accepted)
    with pytest.raises(VerificationError, match="accepted programs"):
        record_verifier_of(vk, targets.spec, fin.public, fin.proof, targets.accepted[:-1])
