"""snarkjs ``.zkey`` interchange: use a proving key from a real multi-party ceremony, or let
snarkjs prove with a key made here.

Production path (no single party knows the trapdoor)::

    snarkjs powersoftau ...            # or a public phase-1 file (e.g. a Hermez .ptau)
    snarkjs groth16 setup circuit.r1cs final.ptau c0.zkey   # circuit.r1cs from iden3.write_r1cs
    snarkjs zkey contribute c0.zkey c1.zkey ...             # one per independent participant
    snarkjs zkey beacon c1.zkey final.zkey ...
    pk = import_zkey("final.zkey", r1cs)                    # then groth16.prove(pk, r1cs, w)

Import checks the key's coefficient section against ``r1cs`` (so a key for another circuit is
refused), the header curve, every point's encoding and curve membership, and the subgroup of the
header's G2 points. Exported keys carry no contribution history; a key exported from the dev setup
remains UNSAFE for production.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from zkrv_prover.bn254.groth16 import NativeR1CS, ProvingKey, _native_r1cs
from zkrv_prover.bn254.hashing import native
from zkrv_prover.r1cs.system import R1CS


def import_zkey(path: str | os.PathLike[str], r1cs: R1CS | NativeR1CS) -> ProvingKey:
    """Load a snarkjs Groth16 BN254 ``.zkey`` made for ``r1cs``; ``ValueError`` if it is
    malformed or belongs to another circuit."""
    nr = _native_r1cs(r1cs)
    handle = native().zkey_import(Path(path), nr.handle)
    meta = {
        "format": "zkrv-groth16-pk-v1",
        "source": "snarkjs-zkey",
        "imported_from": str(path),
        # Trust rests on the ceremony that produced the zkey, which this code cannot judge.
        "unsafe_dev_setup": False,
        "r1cs_digest": nr.digest,
        "n_vars": nr.r1cs.n_vars,
        "n_public": nr.r1cs.n_public,
        "n_constraints": nr.r1cs.n_constraints,
        "domain_size": nr.domain_size,
        "created_unix": int(time.time()),
    }
    return ProvingKey(handle, meta)


def export_zkey(pk: ProvingKey, r1cs: R1CS | NativeR1CS, path: str | os.PathLike[str]) -> None:
    """Write ``pk`` as a snarkjs ``.zkey`` (atomically) so snarkjs can prove with it."""
    nr = _native_r1cs(r1cs)
    if pk.meta.get("r1cs_digest") != nr.digest:
        raise ValueError("proving key belongs to another R1CS")
    native().zkey_export(pk.handle, nr.handle, Path(path))
