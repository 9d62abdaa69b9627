// SPDX-License-Identifier: Apache-2.0 OR MIT
pragma solidity ^0.8.28;

import {IZkrvVerifier, IZkrvSelectorVerifier} from "./IZkrvVerifier.sol";
import {ReceiptClaim, ReceiptClaimLib} from "./ReceiptClaim.sol";
import {ClaimDigestMismatch, MalformedSeal, SelectorMismatch} from "./ZkrvErrors.sol";

/// @title Development-mode verifier: PROVES NOTHING
/// @notice Accepts the seal `SELECTOR || claimDigest` for any claim, so anyone can "prove"
///         anything. For local development only; `zkrv deploy` deploys it only when asked and
///         refuses on non-development chains unless forced.
contract ZkrvMockVerifier is IZkrvSelectorVerifier {
    /// @notice First 4 bytes of tagged("VerifierParameters", [sha256("zkrv-mock-v1"), sha256("")]).
    bytes4 public constant SELECTOR = 0x294749fb;

    /// @inheritdoc IZkrvVerifier
    function verify(bytes calldata seal, bytes32 imageId, bytes32 journalDigest) external view {
        _check(seal, ReceiptClaimLib.okDigest(imageId, journalDigest));
    }

    /// @inheritdoc IZkrvVerifier
    function verifyClaim(bytes calldata seal, ReceiptClaim calldata claim) external pure {
        _check(seal, ReceiptClaimLib.digest(claim));
    }

    /// @inheritdoc IZkrvVerifier
    function verifyClaimDigest(bytes calldata seal, bytes32 claimDigest) external pure {
        _check(seal, claimDigest);
    }

    function _check(bytes calldata seal, bytes32 claimDigest) internal pure {
        if (seal.length != 36) revert MalformedSeal(seal.length);
        if (bytes4(seal[:4]) != SELECTOR) revert SelectorMismatch(SELECTOR, bytes4(seal[:4]));
        bytes32 committed = bytes32(seal[4:]);
        if (committed != claimDigest) revert ClaimDigestMismatch(claimDigest, committed);
    }
}
