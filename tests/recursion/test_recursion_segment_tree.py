"""The segment join tree end to end (``recursion/segment_tree.py``) at the TOY profile: tree
keys made once on the built-in setup image's run (``zkvm/setup_image.py``: four segments of
2^6 cycles) prove executions of two other guests with four and three segments (an odd range
carried up a level) to finalize proofs exposing each execution's 46 universal values."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from zkrv.build import build
from zkrv_prover.executor import MemoryImage, load_elf
from zkrv_prover.recursion.pipeline import TOY
from zkrv_prover.recursion.prove import verify_program
from zkrv_prover.recursion.segment_tree import SegmentFamily, TreeKeys, prove_tree, tree_keys
from zkrv_prover.recursion.zkvm_layout import values
from zkrv_prover.stark.field.arith import VerificationError
from zkrv_prover.stark.field.field import P
from zkrv_prover.zkvm.image_id import segmented_key, zkvm_params
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
        _family(tmp, ROOT / "examples" / "guests" / "sort.c", (20).to_bytes(4, "little"), 10, 3),
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
