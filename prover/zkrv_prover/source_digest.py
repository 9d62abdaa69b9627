"""A digest of the prover's own source code, for caches whose entries the code determines.

Keys and records that are functions of the code (the final circuit's id, the segment tree's
recorded programs) are stored under names that include :func:`code_digest`: any edit of any
``zkrv_prover`` module makes a new name, so a changed program or circuit never reads an entry
made by other code (it costs one more setup instead).
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path


@functools.cache
def code_digest() -> str:
    """SHA-256 (hex) over every Python source file of the ``zkrv_prover`` package (relative
    path and bytes, in path order). Computed once per process."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256(b"zkrv-prover-source-v1")
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix().encode()
        data = path.read_bytes()
        h.update(len(rel).to_bytes(8, "little") + rel + len(data).to_bytes(8, "little") + data)
    return h.hexdigest()


__all__ = ["code_digest"]
