"""zkrv: a zero-knowledge RISC-V (RV32IM) virtual machine and Ethereum verifier SDK.

The user-facing API lives here; the proof system and executor live in :mod:`zkrv_prover`.
"""

from zkrv.build import build
from zkrv.errors import UsageError, ZkrvError
from zkrv.execute import execute

__version__ = "0.1.0"

__all__ = ["UsageError", "ZkrvError", "__version__", "build", "execute"]
