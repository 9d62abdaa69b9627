"""Choosing who signs transactions, without ever printing a private key.

On a local development chain (chain ID 31337, Anvil/Hardhat) the default signer is the first
well-known development account. On any other chain a key is required: from a file (hex, one
line) or from an environment variable; zkrv never falls back to a development key there.
"""

from __future__ import annotations

import os
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from zkrv.errors import ZkrvError

DEV_CHAIN_IDS = frozenset({31337})

#: Anvil's first development account (derived from its public test mnemonic; holds only test
#: ether on local chains). Used only when the chain ID is a development chain.
ANVIL_DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


def is_dev_chain(chain_id: int) -> bool:
    return chain_id in DEV_CHAIN_IDS


def _parse_key(text: str, where: str) -> LocalAccount:
    key = text.strip()
    try:
        acct: LocalAccount = Account.from_key(key)
    except Exception as e:  # eth_account raises several types; never echo the key itself
        raise ZkrvError(f"{where}: not a valid secp256k1 private key (hex)") from e
    return acct


def resolve_signer(
    chain_id: int, key_file: str | Path | None = None, key_env: str | None = None
) -> LocalAccount:
    """The account that signs: from ``key_file``, else ``$key_env``, else the dev account on a
    development chain; raises :class:`ZkrvError` on other chains without a key."""
    if key_file is not None:
        try:
            text = Path(key_file).read_text()
        except OSError as e:
            raise ZkrvError(f"cannot read key file {key_file}: {e.strerror}") from e
        return _parse_key(text, f"key file {key_file}")
    if key_env is not None:
        value = os.environ.get(key_env)
        if not value:
            raise ZkrvError(f"environment variable {key_env} is not set or empty")
        return _parse_key(value, f"environment variable {key_env}")
    if is_dev_chain(chain_id):
        return _parse_key(ANVIL_DEV_KEY, "development key")
    raise ZkrvError(
        f"chain {chain_id} is not a local development chain: pass --key-file FILE or "
        "--key-env VAR with the deployer's private key"
    )
