#!/usr/bin/env python3
"""Python backend of the EvenNumber example application (contracts/src/examples/EvenNumber.sol).

The guest program (``examples/guests/even_number.c``) reads a number, fails unless it is even,
and commits ``abi.encode(number)`` to its journal. This backend deploys the application contract
bound to the guest's image ID and submits receipts (journal + seal) to it; the contract stores
the number only if the zkrv router accepts the seal for ``(image ID, sha256(journal))``.

    # a real Groth16 receipt on a local chain (the main job does exactly this)
    .venv/bin/zkrv build examples/guests/even_number.c -o even.elf
    .venv/bin/zkrv prove even.elf --input-hex 2a000000 --groth16 -o even.receipt
    .venv/bin/zkrv node start --port 8545
    .venv/bin/zkrv deploy --rpc http://127.0.0.1:8545 --json   # router + the cached zkVM key
    .venv/bin/python examples/onchain/even_number.py --rpc http://127.0.0.1:8545 \\
        --router ADDR --receipt even.receipt

    # development demo: local Anvil, mock verifier (PROVES NOTHING), one submission
    .venv/bin/python examples/onchain/even_number.py --demo

    # against a deployed stack, with the parts of a receipt
    .venv/bin/python examples/onchain/even_number.py --rpc URL --router ADDR \\
        --image-id HEX [--app ADDR] --journal HEX --seal HEX [--key-env VAR]

(``ZKRV_WRAP_PROFILE=toy`` before ``zkrv prove`` and ``zkrv deploy`` makes the wrap fast and
TOY SECURITY: for trying the flow only.)
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from zkrv.claim import ReceiptClaim, sha256
from zkrv.errors import ZkrvError
from zkrv.onchain.client import ZkrvClient, decode_journal, encode_journal

JOURNAL_TYPES = ["uint256"]


class EvenNumberBackend:
    """Submits receipts to one EvenNumber contract."""

    def __init__(self, client: ZkrvClient, app: str) -> None:
        self.client = client
        self.app = app
        self.abi = client.artifacts["EvenNumber"].abi

    @classmethod
    def deploy(cls, client: ZkrvClient, image_id: bytes) -> EvenNumberBackend:
        """Deploy EvenNumber(router, image_id)."""
        app = client.chain.deploy(client.artifacts["EvenNumber"], [client.router, image_id])
        return cls(client, app)

    def submit(self, journal: bytes, seal: bytes) -> dict[str, Any]:
        """Decode the journal (it must be ``abi.encode(uint256)``) and call ``set(x, seal)``."""
        (x,) = decode_journal(journal, JOURNAL_TYPES)
        return self.client.submit(self.app, self.abi, "set", [x, seal])

    def number(self) -> int:
        return int(self.client.call(self.app, self.abi, "number", []))


def demo() -> int:
    from zkrv.onchain.chain import Chain, connect
    from zkrv.onchain.deploy import deploy_stack
    from zkrv.onchain.node import AnvilNode
    from zkrv.onchain.signer import resolve_signer
    from zkrv.seal import encode_mock_seal

    with AnvilNode() as node:
        chain = Chain(connect(node.rpc_url), resolve_signer(node.chain_id))
        dep = deploy_stack(chain, mock=True)
        client = ZkrvClient(chain, dep.router)
        image_id = sha256(b"even-number demo image")
        backend = EvenNumberBackend.deploy(client, image_id)
        journal = encode_journal(JOURNAL_TYPES, [42])
        seal = encode_mock_seal(ReceiptClaim.ok(image_id, journal).digest())
        receipt = backend.submit(journal, seal)
        print(f"EvenNumber at {backend.app}: set(42) used {receipt['gasUsed']} gas (mock seal)")
        print(f"number() = {backend.number()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--demo", action="store_true", help="run the local mock demo")
    ap.add_argument("--rpc")
    ap.add_argument("--router")
    ap.add_argument("--app", help="EvenNumber address (deployed if omitted)")
    ap.add_argument("--image-id", help="guest image ID, 32 bytes hex")
    ap.add_argument("--journal", help="journal, hex")
    ap.add_argument("--seal", help="seal, hex")
    ap.add_argument(
        "--receipt", help="Groth16 receipt file ('zkrv prove --groth16'): journal, seal, image ID"
    )
    ap.add_argument("--key-file")
    ap.add_argument("--key-env")
    args = ap.parse_args(argv)
    try:
        if args.demo:
            return demo()
        if args.receipt:
            from pathlib import Path

            from zkrv.receipt import decode_receipt

            r = decode_receipt(Path(args.receipt).read_bytes())
            args.image_id = args.image_id or r.image_id.hex()
            args.journal, args.seal = r.journal.hex(), r.seal.hex()
        if not (args.rpc and args.router and args.image_id and args.journal and args.seal):
            ap.error(
                "give --demo, or --rpc, --router and --receipt (or --image-id, --journal, --seal)"
            )
        client = ZkrvClient.connect(
            args.rpc, args.router, key_file=args.key_file, key_env=args.key_env
        )
        image_id = bytes.fromhex(args.image_id.removeprefix("0x"))
        backend = (
            EvenNumberBackend(client, args.app)
            if args.app
            else EvenNumberBackend.deploy(client, image_id)
        )
        journal = bytes.fromhex(args.journal.removeprefix("0x"))
        backend.submit(journal, bytes.fromhex(args.seal.removeprefix("0x")))
        print(f"EvenNumber at {backend.app}: number() = {backend.number()}")
        return 0
    except (ZkrvError, ValueError, OSError) as e:
        print(f"even_number: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
