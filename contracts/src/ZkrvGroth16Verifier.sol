// SPDX-License-Identifier: Apache-2.0 OR MIT
pragma solidity ^0.8.28;

import {IZkrvVerifier, IZkrvSelectorVerifier} from "./IZkrvVerifier.sol";
import {ReceiptClaim, ReceiptClaimLib} from "./ReceiptClaim.sol";
import {
    InvalidProofPoint,
    InvalidVerifyingKey,
    MalformedSeal,
    NonCanonicalFieldElement,
    SelectorMismatch,
    VerificationFailed
} from "./ZkrvErrors.sol";

/// @title zkrv Groth16 (BN254) verifier
/// @notice Verifies zkrv receipts sealed as `SELECTOR || A || B || C` (260 bytes; B in EIP-197
///         order) against the verifying key given to the constructor. The key has exactly one
///         public input, `uint256(claimDigest) >> 3`. One precompiled contract serves every key:
///         the key lives in immutables (inlined into the runtime code like constants) and the
///         seal selector is computed from the key in the constructor, so a key cannot be
///         deployed under another key's selector.
/// @dev Checked equation: `e(-A, B) * e(alpha, beta) * e(vk_x, gamma) * e(C, delta) == 1` with
///      `vk_x = IC0 + input * IC1`. Every proof word must be a canonical base-field element
///      (< P), the raw input a canonical scalar (< R); A and C are checked on the curve before any
///      precompile call (a failing precompile consumes all the gas it is given; an invalid B
///      still does, so callers may cap the gas of untrusted verification calls).
contract ZkrvGroth16Verifier is IZkrvSelectorVerifier {
    /// @notice Proof-system version hashed into the selector (`zkrv.seal.GROTH16_VERSION`).
    string public constant VERSION = "zkrv-groth16-bn254-v1";
    /// @notice Number of words of a verifying key (see the constructor for their order).
    uint256 public constant KEY_WORDS = 18;

    /// @dev Base field order (coordinates) and scalar field order (public inputs) of BN254.
    uint256 internal constant P = 21888242871839275222246405745257275088696311157297823662689037894645226208583;
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// @notice Seal selector: first 4 bytes of `tagged("VerifierParameters", [sha256(VERSION),
    ///         sha256(uint32(1) || key)])`, as `zkrv.seal.groth16_selector` computes it.
    bytes4 public immutable SELECTOR;

    // Verifying key; G2 words in EIP-197 order (imaginary part first).
    uint256 internal immutable ALPHA_X;
    uint256 internal immutable ALPHA_Y;
    uint256 internal immutable BETA_X1;
    uint256 internal immutable BETA_X0;
    uint256 internal immutable BETA_Y1;
    uint256 internal immutable BETA_Y0;
    uint256 internal immutable GAMMA_X1;
    uint256 internal immutable GAMMA_X0;
    uint256 internal immutable GAMMA_Y1;
    uint256 internal immutable GAMMA_Y0;
    uint256 internal immutable DELTA_X1;
    uint256 internal immutable DELTA_X0;
    uint256 internal immutable DELTA_Y1;
    uint256 internal immutable DELTA_Y0;
    uint256 internal immutable IC0_X;
    uint256 internal immutable IC0_Y;
    uint256 internal immutable IC1_X;
    uint256 internal immutable IC1_Y;

    /// @notice Set the verifying key and derive the selector from it.
    /// @param key The key as the 18 words of `zkrv.onchain.groth16.VerifyingKey.to_bytes` (after
    ///        its `uint32(1)` prefix): alpha (x, y), beta, gamma, delta (each x.im, x.re, y.im,
    ///        y.re), IC0 (x, y), IC1 (x, y).
    /// @dev Reverts `InvalidVerifyingKey` unless every word is below P, alpha, IC0 and IC1 are on
    ///      the curve, alpha, beta, gamma, delta and IC1 are not the point at infinity (any of
    ///      them at infinity makes the input or the proof irrelevant), and the pairing precompile
    ///      accepts beta, gamma and delta (on the twist and in the order-R subgroup).
    constructor(uint256[KEY_WORDS] memory key) {
        for (uint256 i = 0; i < KEY_WORDS; i++) {
            if (key[i] >= P) revert InvalidVerifyingKey();
        }
        if (!_onG1(key[0], key[1]) || !_onG1(key[14], key[15]) || !_onG1(key[16], key[17])) {
            revert InvalidVerifyingKey();
        }
        if ((key[0] | key[1]) == 0 || (key[16] | key[17]) == 0) revert InvalidVerifyingKey();
        for (uint256 g = 2; g < 14; g += 4) {
            if ((key[g] | key[g + 1] | key[g + 2] | key[g + 3]) == 0) revert InvalidVerifyingKey();
        }
        // Pair the G1 generator with beta, gamma and delta: the precompile fails unless each G2
        // point is valid (the pairing's value does not matter here).
        bool g2Valid;
        assembly ("memory-safe") {
            let m := mload(0x40)
            for { let j := 0 } lt(j, 3) { j := add(j, 1) } {
                let q := add(m, mul(j, 0xc0))
                mstore(q, 1)
                mstore(add(q, 0x20), 2)
                mcopy(add(q, 0x40), add(key, add(0x40, mul(j, 0x80))), 0x80)
            }
            g2Valid := staticcall(gas(), 0x08, m, 0x240, m, 0x20)
        }
        if (!g2Valid) revert InvalidVerifyingKey();

        ALPHA_X = key[0];
        ALPHA_Y = key[1];
        BETA_X1 = key[2];
        BETA_X0 = key[3];
        BETA_Y1 = key[4];
        BETA_Y0 = key[5];
        GAMMA_X1 = key[6];
        GAMMA_X0 = key[7];
        GAMMA_Y1 = key[8];
        GAMMA_Y0 = key[9];
        DELTA_X1 = key[10];
        DELTA_X0 = key[11];
        DELTA_Y1 = key[12];
        DELTA_Y0 = key[13];
        IC0_X = key[14];
        IC0_Y = key[15];
        IC1_X = key[16];
        IC1_Y = key[17];
        bytes32 parameters = sha256(abi.encodePacked(uint32(1), key));
        SELECTOR = bytes4(
            sha256(abi.encodePacked(sha256("zkrv.VerifierParameters"), sha256(bytes(VERSION)), parameters, uint16(2)))
        );
    }

    /// @inheritdoc IZkrvVerifier
    function verify(bytes calldata seal, bytes32 imageId, bytes32 journalDigest) external view {
        _verifySeal(seal, ReceiptClaimLib.okDigest(imageId, journalDigest));
    }

    /// @inheritdoc IZkrvVerifier
    function verifyClaim(bytes calldata seal, ReceiptClaim calldata claim) external view {
        _verifySeal(seal, ReceiptClaimLib.digest(claim));
    }

    /// @inheritdoc IZkrvVerifier
    function verifyClaimDigest(bytes calldata seal, bytes32 claimDigest) external view {
        _verifySeal(seal, claimDigest);
    }

    /// @notice Check a proof (A, B, C as 8 words, B in EIP-197 order) against the public input
    ///         `input`; reverts unless valid.
    function verifyProof(bytes calldata proof, uint256[1] calldata input) external view {
        if (proof.length != 256) revert MalformedSeal(proof.length);
        _verifyProof(proof, input[0]);
    }

    function _verifySeal(bytes calldata seal, bytes32 claimDigest) internal view {
        if (seal.length != 260) revert MalformedSeal(seal.length);
        if (bytes4(seal) != SELECTOR) revert SelectorMismatch(SELECTOR, bytes4(seal));
        _verifyProof(seal[4:], uint256(claimDigest) >> 3);
    }

    /// @dev y^2 = x^3 + 3 over the base field, or the point at infinity (0, 0).
    function _onG1(uint256 x, uint256 y) private pure returns (bool ok) {
        assembly ("memory-safe") {
            ok := or(eq(mulmod(y, y, P), addmod(mulmod(x, mulmod(x, x, P), P), 3, P)), iszero(or(x, y)))
        }
    }

    function _verifyProof(bytes calldata proof, uint256 input) internal view {
        bool canonical;
        bool g1OnCurve;
        assembly ("memory-safe") {
            let o := proof.offset
            // Canonical coordinates: every word of A, B, C below P; the input below R.
            canonical := and(lt(calldataload(o), P), lt(calldataload(add(o, 0x20)), P))
            canonical := and(canonical, lt(calldataload(add(o, 0x40)), P))
            canonical := and(canonical, lt(calldataload(add(o, 0x60)), P))
            canonical := and(canonical, lt(calldataload(add(o, 0x80)), P))
            canonical := and(canonical, lt(calldataload(add(o, 0xa0)), P))
            canonical := and(canonical, lt(calldataload(add(o, 0xc0)), P))
            canonical := and(canonical, lt(calldataload(add(o, 0xe0)), P))
            canonical := and(canonical, lt(input, R))
        }
        g1OnCurve = _onG1(_word(proof, 0), _word(proof, 1)) && _onG1(_word(proof, 6), _word(proof, 7));
        if (!canonical) revert NonCanonicalFieldElement();
        if (!g1OnCurve) revert InvalidProofPoint();

        // Immutables cannot be read in assembly: copy them to locals, a few at a time.
        uint256 f;
        bool precompilesOk;
        {
            (uint256 ic0x, uint256 ic0y, uint256 ic1x, uint256 ic1y) = (IC0_X, IC0_Y, IC1_X, IC1_Y);
            assembly ("memory-safe") {
                // vk_x = IC0 + input * IC1 at f[0..64); scratch at f[64..160).
                f := mload(0x40)
                mstore(f, ic0x)
                mstore(add(f, 0x20), ic0y)
                let s := add(f, 0x40)
                mstore(s, ic1x)
                mstore(add(s, 0x20), ic1y)
                mstore(add(s, 0x40), input)
                precompilesOk := staticcall(gas(), 0x07, s, 0x60, s, 0x40)
                precompilesOk := and(precompilesOk, staticcall(gas(), 0x06, f, 0x80, f, 0x40))
            }
        }
        // Pairing input (24 words) at p = f + 0xa0: -A, B, alpha, beta, vk_x, gamma, C, delta.
        {
            (uint256 ax, uint256 ay, uint256 bx1, uint256 bx0, uint256 by1, uint256 by0) =
                (ALPHA_X, ALPHA_Y, BETA_X1, BETA_X0, BETA_Y1, BETA_Y0);
            assembly ("memory-safe") {
                let p := add(f, 0xa0)
                let o := proof.offset
                mstore(p, calldataload(o))
                mstore(add(p, 0x20), mod(sub(P, calldataload(add(o, 0x20))), P))
                calldatacopy(add(p, 0x40), add(o, 0x40), 0x80)
                mstore(add(p, 0xc0), ax)
                mstore(add(p, 0xe0), ay)
                mstore(add(p, 0x100), bx1)
                mstore(add(p, 0x120), bx0)
                mstore(add(p, 0x140), by1)
                mstore(add(p, 0x160), by0)
            }
        }
        {
            (uint256 gx1, uint256 gx0, uint256 gy1, uint256 gy0) = (GAMMA_X1, GAMMA_X0, GAMMA_Y1, GAMMA_Y0);
            assembly ("memory-safe") {
                let p := add(f, 0xa0)
                mstore(add(p, 0x180), mload(f))
                mstore(add(p, 0x1a0), mload(add(f, 0x20)))
                mstore(add(p, 0x1c0), gx1)
                mstore(add(p, 0x1e0), gx0)
                mstore(add(p, 0x200), gy1)
                mstore(add(p, 0x220), gy0)
            }
        }
        bool accepted;
        {
            (uint256 dx1, uint256 dx0, uint256 dy1, uint256 dy0) = (DELTA_X1, DELTA_X0, DELTA_Y1, DELTA_Y0);
            assembly ("memory-safe") {
                let p := add(f, 0xa0)
                calldatacopy(add(p, 0x240), add(proof.offset, 0xc0), 0x40)
                mstore(add(p, 0x280), dx1)
                mstore(add(p, 0x2a0), dx0)
                mstore(add(p, 0x2c0), dy1)
                mstore(add(p, 0x2e0), dy0)
                let pairingOk := staticcall(gas(), 0x08, p, 0x300, p, 0x20)
                accepted := and(pairingOk, mload(p))
                precompilesOk := and(precompilesOk, pairingOk)
            }
        }
        if (!precompilesOk) revert InvalidProofPoint();
        if (!accepted) revert VerificationFailed();
    }

    /// @dev The `i`-th 32-byte word of `proof`.
    function _word(bytes calldata proof, uint256 i) private pure returns (uint256 w) {
        assembly ("memory-safe") {
            w := calldataload(add(proof.offset, mul(i, 0x20)))
        }
    }
}
