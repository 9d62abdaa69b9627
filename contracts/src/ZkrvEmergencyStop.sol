// SPDX-License-Identifier: Apache-2.0 OR MIT
pragma solidity ^0.8.28;

import {IZkrvVerifier, IZkrvSelectorVerifier} from "./IZkrvVerifier.sol";
import {Owned} from "./Owned.sol";
import {ReceiptClaim} from "./ReceiptClaim.sol";
import {forwardStaticCall} from "./Forwarder.sol";

/// @title Emergency stop for one verifier
/// @notice Forwards to `verifier` until stopped; once stopped, every verification reverts with
///         `VerifierStopped`, forever. The owner can stop it at any time. Anyone can stop it by
///         presenting a seal that `verifier` accepts for the claim digest zero: no one knows a
///         SHA-256 preimage of zero (nor, for Groth16, of any digest whose top 253 bits are zero),
///         so an accepted seal for it is proof that the verifier accepts invalid claims.
contract ZkrvEmergencyStop is IZkrvSelectorVerifier, Owned {
    /// @notice The wrapped verifier.
    IZkrvSelectorVerifier public immutable verifier;
    /// @notice Copied from the wrapped verifier so a router can register this wrapper.
    bytes4 public immutable SELECTOR;
    /// @notice True once stopped; there is no way back.
    bool public stopped;

    event Stopped(address indexed by, bool withProofOfExploit);

    /// @notice The verifier was stopped (by its owner or by a proof of exploit).
    error VerifierStopped();
    /// @notice The presented seal does not make the verifier accept the claim digest zero.
    error NotAnExploit();

    constructor(IZkrvSelectorVerifier verifier_, address initialOwner) Owned(initialOwner) {
        verifier = verifier_;
        SELECTOR = verifier_.SELECTOR();
    }

    /// @notice Stop the verifier for good (owner only).
    function stop() external onlyOwner {
        _stop(false);
    }

    /// @notice Stop the verifier by showing it accepts `seal` for the claim digest zero.
    function stopWithProofOfExploit(bytes calldata seal) external {
        try verifier.verifyClaimDigest(seal, bytes32(0)) {
            _stop(true);
        } catch {
            revert NotAnExploit();
        }
    }

    /// @inheritdoc IZkrvVerifier
    function verify(bytes calldata, bytes32, bytes32) external view {
        if (stopped) revert VerifierStopped();
        forwardStaticCall(address(verifier));
    }

    /// @inheritdoc IZkrvVerifier
    function verifyClaim(bytes calldata, ReceiptClaim calldata) external view {
        if (stopped) revert VerifierStopped();
        forwardStaticCall(address(verifier));
    }

    /// @inheritdoc IZkrvVerifier
    function verifyClaimDigest(bytes calldata, bytes32) external view {
        if (stopped) revert VerifierStopped();
        forwardStaticCall(address(verifier));
    }

    function _stop(bool withProof) internal {
        if (stopped) revert VerifierStopped();
        stopped = true;
        emit Stopped(msg.sender, withProof);
    }
}
