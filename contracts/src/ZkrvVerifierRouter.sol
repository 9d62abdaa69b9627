// SPDX-License-Identifier: Apache-2.0 OR MIT
pragma solidity ^0.8.28;

import {IZkrvVerifier, IZkrvSelectorVerifier} from "./IZkrvVerifier.sol";
import {Owned} from "./Owned.sol";
import {ReceiptClaim} from "./ReceiptClaim.sol";
import {MalformedSeal, SelectorMismatch} from "./ZkrvErrors.sol";
import {forwardStaticCall} from "./Forwarder.sol";

/// @title zkrv verifier router
/// @notice One address for applications: it reads a seal's 4-byte selector and forwards the
///         call to the verifier registered under it. The owner registers verifiers; removing one
///         is permanent (its selector can never be reused), so a removed, possibly broken
///         verifier can never come back under the same name. Calls are forwarded with their
///         calldata unchanged (same function, same arguments) to save re-encoding gas.
contract ZkrvVerifierRouter is IZkrvVerifier, Owned {
    /// @dev Marks a removed selector (no contract lives at address 1, a precompile).
    address internal constant TOMBSTONE = address(1);

    mapping(bytes4 => address) internal verifiers;

    event VerifierAdded(bytes4 indexed selector, address verifier);
    event VerifierRemoved(bytes4 indexed selector);

    /// @notice No verifier was ever registered under `selector`.
    error SelectorUnknown(bytes4 selector);
    /// @notice The verifier under `selector` was removed for good.
    error SelectorRemoved(bytes4 selector);
    /// @notice `selector` is already registered (or was, before removal).
    error SelectorInUse(bytes4 selector);

    constructor(address initialOwner) Owned(initialOwner) {}

    /// @notice Register `verifier` under `selector`, which must equal `verifier.SELECTOR()`.
    function addVerifier(bytes4 selector, IZkrvSelectorVerifier verifier) external onlyOwner {
        if (address(verifier) == address(0)) revert ZeroAddress();
        if (verifiers[selector] != address(0)) revert SelectorInUse(selector);
        bytes4 actual = verifier.SELECTOR();
        if (actual != selector) revert SelectorMismatch(selector, actual);
        verifiers[selector] = address(verifier);
        emit VerifierAdded(selector, address(verifier));
    }

    /// @notice Remove the verifier under `selector` permanently.
    function removeVerifier(bytes4 selector) external onlyOwner {
        getVerifier(selector); // reverts unless currently registered
        verifiers[selector] = TOMBSTONE;
        emit VerifierRemoved(selector);
    }

    /// @notice The verifier registered under `selector`; reverts if unknown or removed.
    function getVerifier(bytes4 selector) public view returns (IZkrvVerifier) {
        address v = verifiers[selector];
        if (v == address(0)) revert SelectorUnknown(selector);
        if (v == TOMBSTONE) revert SelectorRemoved(selector);
        return IZkrvVerifier(v);
    }

    /// @notice The verifier that handles `seal`.
    function verifierForSeal(bytes calldata seal) public view returns (IZkrvVerifier) {
        if (seal.length < 4) revert MalformedSeal(seal.length);
        return getVerifier(bytes4(seal[:4]));
    }

    /// @inheritdoc IZkrvVerifier
    function verify(bytes calldata seal, bytes32, bytes32) external view {
        forwardStaticCall(address(verifierForSeal(seal)));
    }

    /// @inheritdoc IZkrvVerifier
    function verifyClaim(bytes calldata seal, ReceiptClaim calldata) external view {
        forwardStaticCall(address(verifierForSeal(seal)));
    }

    /// @inheritdoc IZkrvVerifier
    function verifyClaimDigest(bytes calldata seal, bytes32) external view {
        forwardStaticCall(address(verifierForSeal(seal)));
    }
}
