// SPDX-License-Identifier: Apache-2.0 OR MIT
pragma solidity ^0.8.28;

import {ReceiptClaim} from "./ReceiptClaim.sol";

/// @title zkrv receipt verifier
/// @notice Every function returns normally when `seal` proves the claim and reverts otherwise
///         (with a custom error saying why). A seal starts with a 4-byte selector naming the
///         proof system and its parameters.
interface IZkrvVerifier {
    /// @notice Verify that the program `imageId` halted with exit code 0 and wrote a journal
    ///         whose SHA-256 is `journalDigest` (the common case).
    function verify(bytes calldata seal, bytes32 imageId, bytes32 journalDigest) external view;

    /// @notice Verify a receipt for an arbitrary claim (exit codes, assumptions, ...).
    function verifyClaim(bytes calldata seal, ReceiptClaim calldata claim) external view;

    /// @notice Verify a receipt for the claim whose digest is `claimDigest`.
    function verifyClaimDigest(bytes calldata seal, bytes32 claimDigest) external view;
}

/// @notice A verifier for one proof system and parameter set, named by its seal selector.
interface IZkrvSelectorVerifier is IZkrvVerifier {
    /// @notice The 4-byte selector that seals for this verifier start with.
    function SELECTOR() external view returns (bytes4);
}
