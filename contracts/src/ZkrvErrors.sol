// SPDX-License-Identifier: Apache-2.0 OR MIT
pragma solidity ^0.8.28;

/// @notice The seal's length does not match what its verifier expects.
/// @param length The length of the seal received, in bytes.
error MalformedSeal(uint256 length);

/// @notice The seal's 4-byte selector names a different verifier.
error SelectorMismatch(bytes4 expected, bytes4 received);

/// @notice A proof coordinate (or public input) is not a canonical field element.
error NonCanonicalFieldElement();

/// @notice A proof point is not on its curve (the pairing precompile rejected it).
error InvalidProofPoint();

/// @notice The proof is well formed but does not prove the claim.
error VerificationFailed();

/// @notice A mock seal commits to a different claim digest.
error ClaimDigestMismatch(bytes32 expected, bytes32 received);

/// @notice A Groth16 verifying key given to a verifier's constructor is malformed (a word not
///         below P, a point off its curve or outside G2's subgroup, or a point at infinity).
error InvalidVerifyingKey();
