"""zkrv: a zero-knowledge RISC-V (RV32IM) virtual machine and Ethereum verifier SDK.

The user-facing API lives here; the proof system and executor live in :mod:`zkrv_prover`.
"""

from zkrv.build import build
from zkrv.errors import UsageError, ZkrvError
from zkrv.execute import execute
from zkrv.prove import image_id, prove
from zkrv.receipt import (
    DevReceipt,
    Groth16Receipt,
    Receipt,
    SegmentedReceipt,
    StarkReceipt,
    decode_receipt,
)
from zkrv.wrapping import wrap

__version__ = "0.1.0"

__all__ = [
    "DevReceipt",
    "Groth16Receipt",
    "Receipt",
    "SegmentedReceipt",
    "StarkReceipt",
    "UsageError",
    "ZkrvError",
    "__version__",
    "build",
    "decode_receipt",
    "execute",
    "image_id",
    "prove",
    "wrap",
]
