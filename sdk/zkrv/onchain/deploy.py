"""Deploying zkrv's verifier stack.

Layout: one ``ZkrvVerifierRouter`` (owned by the deployer or ``owner``); for each Groth16
verifying key a ``ZkrvGroth16Verifier`` (the packaged, precompiled contract; the key is its
constructor argument, so no compiler is needed) wrapped in a ``ZkrvEmergencyStop`` and
registered in the router under its selector; optionally (development only) the
``ZkrvMockVerifier`` registered under the mock selector. Applications call the router.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zkrv.errors import ZkrvError
from zkrv.onchain.chain import Chain
from zkrv.onchain.contracts import packaged_artifacts
from zkrv.onchain.groth16 import VerifyingKey
from zkrv.onchain.signer import is_dev_chain
from zkrv.seal import MOCK_SELECTOR, groth16_selector

#: The precompiled Groth16 verifier; its constructor takes the verifying key.
GROTH16_VERIFIER = "ZkrvGroth16Verifier"


def groth16_constructor_args(vk: VerifyingKey) -> list[Any]:
    """Constructor arguments of ``ZkrvGroth16Verifier`` for ``vk``: its 18 EVM words.

    Raises :class:`ZkrvError` for a key the contract would reject (see
    :meth:`VerifyingKey.check_onchain`), before anything is sent.
    """
    vk.validate()
    vk.check_onchain()
    return [vk.to_evm_words()]


@dataclass
class Deployment:
    """Addresses of a deployed stack (checksummed hex strings)."""

    chain_id: int
    router: str
    owner: str
    groth16: dict[str, dict[str, str]] = field(default_factory=dict)  # selector -> addresses
    mock: str | None = None
    pending_owner: str | None = None  # must call acceptOwnership() to take over

    def to_json(self) -> dict[str, Any]:
        return {
            "chain_id": self.chain_id,
            "router": self.router,
            "owner": self.owner,
            "pending_owner": self.pending_owner,
            "groth16": self.groth16,
            "mock": self.mock,
        }


def check_mock_allowed(chain_id: int, mock: bool, force_mock: bool) -> None:
    """The mock verifier proves nothing: refuse it on non-development chains unless forced."""
    if mock and not is_dev_chain(chain_id) and not force_mock:
        raise ZkrvError(
            f"refusing to deploy the mock verifier (it accepts fake receipts) on chain "
            f"{chain_id}, which is not a local development chain; pass --force-mock to insist"
        )


def deploy_stack(
    chain: Chain,
    vks: Sequence[VerifyingKey] = (),
    mock: bool = False,
    force_mock: bool = False,
    owner: str | None = None,
) -> Deployment:
    """Deploy the router, a Groth16 verifier + emergency stop per key, and the mock if asked.

    The signer deploys and registers; ownership then moves to ``owner`` if given (two-step: the
    new owner must call ``acceptOwnership`` on the router and each emergency stop).
    """
    check_mock_allowed(chain.chain_id, mock, force_mock)
    if not vks and not mock:
        raise ZkrvError("nothing to deploy: give at least one --vk (or --mock for development)")
    if chain.signer is None:
        raise ZkrvError("deploying needs a signer")
    me = chain.signer.address
    key_args = [groth16_constructor_args(vk) for vk in vks]  # reject bad keys before deploying
    arts = packaged_artifacts()
    for a in arts.values():
        chain.decoder.add_abi(a.abi)
    router_art = arts["ZkrvVerifierRouter"]
    router = chain.deploy(router_art, [me])
    dep = Deployment(chain_id=chain.chain_id, router=router, owner=me)
    for vk, args in zip(vks, key_args, strict=True):
        sel = groth16_selector(vk)
        art = arts[GROTH16_VERIFIER]
        verifier = chain.deploy(art, args, f"deploying {GROTH16_VERIFIER}")
        raw = chain.call(verifier, chain.encode(art, "SELECTOR", []), "verifier.SELECTOR()")
        onchain = chain.decode_output(art, "SELECTOR", raw)
        if bytes(onchain) != sel:
            raise ZkrvError(
                f"deployed verifier's SELECTOR 0x{bytes(onchain).hex()} differs from"
                f" groth16_selector(vk) 0x{sel.hex()}"
            )
        estop = chain.deploy(arts["ZkrvEmergencyStop"], [verifier, me])
        chain.transact(
            router,
            chain.encode(router_art, "addVerifier", [sel, estop]),
            f"router.addVerifier(0x{sel.hex()})",
        )
        dep.groth16["0x" + sel.hex()] = {"verifier": verifier, "emergency_stop": estop}
    if mock:
        dep.mock = chain.deploy(arts["ZkrvMockVerifier"], [])
        chain.transact(
            router,
            chain.encode(router_art, "addVerifier", [MOCK_SELECTOR, dep.mock]),
            "router.addVerifier(mock)",
        )
    if owner is not None and owner.lower() != me.lower():
        targets = [router] + [v["emergency_stop"] for v in dep.groth16.values()]
        for addr in targets:
            chain.transact(
                addr,
                chain.encode(router_art, "transferOwnership", [owner]),
                f"transferOwnership at {addr}",
            )
        dep.pending_owner = owner
    return dep


def load_vks(paths: list[str | Path]) -> list[VerifyingKey]:
    return [VerifyingKey.load(p) for p in paths]
