"""The Groth16 key cache (``zkrv.keys``): location, atomic writes, lookup by selector, the UNSAFE
label, ceremony imports replacing the dev key, and setup progress."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from claim_fixture_circuit import SETUP_SEED, FixtureProver, build

from zkrv.claim import sha256
from zkrv.errors import ZkrvError
from zkrv.keys import UNSAFE_LABEL, KeyCache, cache_root
from zkrv.onchain.groth16 import VerifyingKey
from zkrv.receipt import ReceiptVerificationError
from zkrv_prover import progress
from zkrv_prover.bn254 import groth16
from zkrv_prover.bn254.snarkjs_json import vk_to_json

pytestmark = pytest.mark.native

IMAGE = sha256(b"key cache image")


def test_cache_root_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ZKRV_CACHE_DIR", str(tmp_path / "a"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert cache_root() == tmp_path / "a"
    assert KeyCache().dir == groth16.cache_dir() == tmp_path / "a" / "groth16"
    monkeypatch.setenv("ZKRV_CACHE_DIR", "")
    assert cache_root() == tmp_path / "x" / "zkrv"
    assert KeyCache().dir == groth16.cache_dir()
    monkeypatch.delenv("ZKRV_CACHE_DIR")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_root() == tmp_path / "home" / ".cache" / "zkrv"
    assert UNSAFE_LABEL == groth16.UNSAFE_LABEL


def test_setup_is_cached_and_labelled_unsafe(groth16_fixture: FixtureProver) -> None:
    key = groth16_fixture.key
    cache = groth16_fixture.cache
    assert key.unsafe_dev_setup and key.source == "dev-setup"
    assert key.circuit_digest == groth16_fixture.nr.digest
    assert key.path == cache.dir / f"{key.circuit_digest}.vk.json"
    assert cache.pk_path(key.circuit_digest).is_file()
    rec = json.loads(key.path.read_text())
    assert rec["unsafe_dev_setup"] is True and rec["warning"] == UNSAFE_LABEL
    assert rec["vk"]["zkrv_warning"] == UNSAFE_LABEL
    assert rec["selector"] == "0x" + key.selector.hex()
    assert key.to_json()["warning"] == UNSAFE_LABEL and UNSAFE_LABEL in key.describe()
    # A second setup reads the cache (same keys) and reports no setup stage.
    rec_progress = progress.Recorder()
    with progress.reporting(rec_progress):
        pk2, key2 = cache.setup(groth16_fixture.nr)
    assert key2 == key and pk2.vk.to_bytes() == groth16_fixture.pk.vk.to_bytes()
    assert rec_progress.events == []
    assert cache.by_selector(key.selector) == key
    assert cache.by_selector(b"\0\0\0\0") is None
    assert cache.keys() == [key]
    # The engine's own cache (cached_dev_setup, used by the wrap) finds the same proving key.
    pk3, path = groth16.cached_dev_setup(groth16_fixture.nr, cache=cache.dir)
    assert path == cache.pk_path(key.circuit_digest)
    assert pk3.vk.to_bytes() == groth16_fixture.pk.vk.to_bytes()


def test_setup_progress_and_crashed_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nr = groth16.NativeR1CS(build(bytes(32)).to_r1cs())
    cache = KeyCache(tmp_path)
    phases: list[str] = []
    rec = progress.Recorder()

    # A crash while writing the verifying-key record leaves no record and no temporary file.
    def crash(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with progress.reporting(rec), pytest.raises(ZkrvError, match="cannot write"):
        cache.setup(nr, seed=SETUP_SEED, progress=lambda p, f: phases.append(p))
    monkeypatch.undo()
    assert sorted(p.name for p in cache.dir.iterdir()) == [".lock", f"{nr.digest}.pk"]
    assert cache.keys() == []
    assert phases and all(UNSAFE_LABEL in p for p in phases)
    ((name, total, done),) = rec.totals()
    assert name == "groth16 setup" and total == done
    # The next setup completes the record from the saved proving key (no new setup).
    rec2 = progress.Recorder()
    with progress.reporting(rec2):
        _, key = cache.setup(nr)
    assert rec2.events == [] and key.unsafe_dev_setup
    # Interrupted writes' temporary files are never read as keys.
    (cache.dir / f".{key.path.name}.abc123.tmp").write_text("{half a key")
    assert cache.keys() == [key]


def test_corrupt_record_is_one_clear_error(groth16_fixture: FixtureProver, tmp_path: Path) -> None:
    cache = KeyCache(tmp_path)
    cache.dir.mkdir(parents=True)
    digest = "ab" * 32
    bad = cache.dir / f"{digest}.vk.json"
    bad.write_text('{"format": "zkrv-groth16-vk-v1"')
    with pytest.raises(ZkrvError, match="delete it") as e:
        cache.by_selector(groth16_fixture.key.selector)
    assert str(bad) in str(e.value)
    bad.write_text(json.dumps({"format": "zkrv-groth16-vk-v1", "circuit_digest": digest}))
    with pytest.raises(ZkrvError, match="corrupt"):
        cache.verifying_key(digest)
    (cache.dir / f"{digest}.pk").write_bytes(b"ZKRVPK1\0 not really")
    with pytest.raises(ZkrvError, match="delete"):
        cache.proving_key(digest)
    with pytest.raises(ZkrvError, match="not a circuit digest"):
        cache.verifying_key("../etc/passwd")


def _ceremony_vk(nr: groth16.NativeR1CS) -> VerifyingKey:
    """A stand-in for a ceremony's key of the same circuit (another trapdoor)."""
    other = groth16.dev_setup(nr, seed=SETUP_SEED + 1)
    return VerifyingKey.from_snarkjs(vk_to_json(other.vk))


def test_import_vk_replaces_the_dev_key(groth16_fixture: FixtureProver, tmp_path: Path) -> None:
    nr = groth16_fixture.nr
    cache = KeyCache(tmp_path)
    _, dev = cache.setup(nr, seed=SETUP_SEED)
    receipt_dev = groth16_fixture.receipt(IMAGE, b"j")  # proven with the same (seeded) dev key
    receipt_dev.verify(IMAGE, keys=cache)
    ceremony = _ceremony_vk(nr)
    path = tmp_path / "verification_key.json"
    path.write_text(
        json.dumps(vk_to_json(groth16.VerifyingKey(b"ZKRVVK1\0" + ceremony.to_bytes())))
    )
    key = cache.import_vk(path, nr.digest)
    assert not key.unsafe_dev_setup and key.source == "snarkjs-vk"
    assert key.imported_from == str(path) and "warning" not in key.to_json()
    assert "warning" not in json.loads(key.path.read_text())
    assert cache.keys() == [key]
    assert not cache.pk_path(nr.digest).exists()  # the dev proving key no longer matches
    # Receipts made with the dev key no longer verify: their selector is gone.
    with pytest.raises(ReceiptVerificationError, match="unknown Groth16 selector"):
        receipt_dev.verify(IMAGE, keys=cache)
    # Importing the same key again is a no-op; another imported key is not silently replaced.
    assert cache.import_vk(ceremony, nr.digest) == key
    with pytest.raises(ZkrvError, match="already has an imported key"):
        cache.import_vk(dev.vk, nr.digest)
    # Setup cannot prove without the ceremony's proving key.
    with pytest.raises(ZkrvError, match=r"import the ceremony's \.zkey"):
        cache.setup(nr)
    with pytest.raises(ZkrvError, match="cannot read JSON"):
        cache.import_vk(tmp_path / "missing.json", nr.digest)


def test_import_zkey_replaces_the_dev_key(groth16_fixture: FixtureProver, tmp_path: Path) -> None:
    from zkrv_prover.bn254.zkey import export_zkey

    nr = groth16_fixture.nr
    cache = KeyCache(tmp_path)
    _, dev = cache.setup(nr, seed=SETUP_SEED)
    # A "ceremony" key: another trapdoor, exported as a snarkjs .zkey.
    other = groth16.dev_setup(nr, seed=SETUP_SEED + 2)
    zkey = tmp_path / "final.zkey"
    export_zkey(other, nr, zkey)
    pk, key = cache.import_zkey(zkey, nr)
    assert not key.unsafe_dev_setup and key.source == "snarkjs-zkey"
    assert key.selector != dev.selector and cache.keys() == [key]
    assert not pk.unsafe_dev_setup
    # The cache now proves and verifies with the imported key.
    pk2, key2 = cache.setup(nr)
    assert key2 == key and not pk2.unsafe_dev_setup
    prover = FixtureProver(cache, nr, pk2, key2)
    r = prover.receipt(IMAGE, b"ceremony")
    assert r.selector == key.selector
    r.verify(IMAGE, keys=cache)
    # A zkey for another circuit is refused.
    other_nr = groth16.NativeR1CS(_two_bit_circuit())
    with pytest.raises(ZkrvError, match="cannot import"):
        cache.import_zkey(zkey, other_nr)


def _two_bit_circuit():  # type: ignore[no-untyped-def]
    from zkrv_prover.r1cs.builder import ConstraintSystem

    cs = ConstraintSystem()
    a = cs.alloc(1)
    cs.assert_bool(a)
    cs.declare_public(a + a)
    return cs.to_r1cs()


def test_selector_field_is_never_trusted(groth16_fixture: FixtureProver, tmp_path: Path) -> None:
    """A record claiming another key's selector does not answer for it: the selector is
    recomputed from the key."""
    cache = KeyCache(tmp_path)
    nr = groth16_fixture.nr
    cache.setup(nr, seed=SETUP_SEED + 3)
    path = cache.vk_path(nr.digest)
    rec = json.loads(path.read_text())
    rec["selector"] = "0x" + groth16_fixture.key.selector.hex()
    path.write_text(json.dumps(rec))
    assert cache.by_selector(groth16_fixture.key.selector) is None


def test_concurrent_writers_are_serialized(tmp_path: Path) -> None:
    """The write lock is an flock on groth16/.lock: held during setup, free afterwards."""
    import fcntl

    cache = KeyCache(tmp_path)
    with cache._locked():
        fd = os.open(cache.dir / ".lock", os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
    fd = os.open(cache.dir / ".lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(fd)


def test_wrap_profile_labels(groth16_fixture: FixtureProver, tmp_path: Path) -> None:
    """Keys of a zkVM wrap circuit carry its profile; TOY keys say TOY SECURITY in the record,
    the JSON view and the text line; a later unlabelled setup keeps the labels, a labelled one
    adds them to an unlabelled record, and an imported ceremony key keeps them."""
    from zkrv.keys import TOY_LABEL

    nr = groth16_fixture.nr
    cache = KeyCache(tmp_path)
    _, plain = cache.setup(nr, seed=SETUP_SEED)
    assert plain.wrap_profile is None and not plain.toy_security
    assert "toy_security" not in plain.to_json() and "TOY" not in plain.describe()
    _, toy = cache.setup(nr, wrap_profile="toy", toy=True)  # same key, labels added
    assert toy.vk == plain.vk and toy.wrap_profile == "toy" and toy.toy_security
    rec = json.loads(toy.path.read_text())
    assert rec["wrap_profile"] == "toy" and rec["toy_security"] is True
    assert rec["toy_warning"] == TOY_LABEL
    js = toy.to_json()
    assert js["toy_security"] is True and js["toy_warning"] == TOY_LABEL
    assert js["warning"] == UNSAFE_LABEL  # still a dev key
    assert "TOY SECURITY" in toy.describe() and "zkVM wrap (toy)" in toy.describe()
    assert cache.setup(nr)[1] == toy  # an unlabelled setup keeps the labels
    assert cache.keys() == [toy] and cache.by_selector(toy.selector) == toy
    imported = cache.import_vk(_ceremony_vk(nr), nr.digest)
    assert not imported.unsafe_dev_setup and imported.toy_security
    assert imported.wrap_profile == "toy"
