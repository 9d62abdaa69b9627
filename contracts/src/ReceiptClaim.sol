// SPDX-License-Identifier: Apache-2.0 OR MIT
pragma solidity ^0.8.28;

/// @notice How execution ended as far as the zkVM is concerned.
/// @dev Halted: the guest exited (user code = its exit code). Paused: resumable from the post
///      state. Split: the prover cut execution into segments here (continuations).
enum SystemExitCode {
    Halted,
    Paused,
    Split
}

/// @notice Exit status of an execution.
struct ExitCode {
    SystemExitCode system;
    uint32 user;
}

/// @notice What a program produced: the SHA-256 of its journal and the digest of the
///         assumptions (receipts it relies on; zero when it relies on none).
struct Output {
    bytes32 journalDigest;
    bytes32 assumptionsDigest;
}

/// @notice The statement a zkrv receipt proves. Mirrors `zkrv.claim.ReceiptClaim` in Python.
struct ReceiptClaim {
    bytes32 imageId;
    bytes32 postStateDigest;
    ExitCode exitCode;
    bytes32 inputDigest;
    Output output;
}

/// @title Receipt claim digests (domain-separated SHA-256)
/// @notice tagged(name, [d1..dk], words) = sha256(sha256("zkrv." || name) || d1..dk || words
///         (uint32 big-endian) || uint16(k)). The Python definition in `zkrv_prover/claim.py` is the
///         source of truth; tests check both agree on random claims.
library ReceiptClaimLib {
    /// @dev sha256("zkrv.Output")
    bytes32 internal constant TAG_OUTPUT = 0x5e7e80ca582d57d199c5e998071fc262d079817cdf48a544f95b30ae4332cc90;
    /// @dev sha256("zkrv.ReceiptClaim")
    bytes32 internal constant TAG_RECEIPT_CLAIM =
        0xcf66eb27e77c2f7e388894965277a357051c1ad72afcaafac3120626e83da816;

    /// @notice The common claim: `imageId` halted with exit code 0 and wrote a journal whose
    ///         SHA-256 is `journalDigest`; no assumptions, no input commitment.
    function ok(bytes32 imageId, bytes32 journalDigest) internal pure returns (ReceiptClaim memory) {
        return ReceiptClaim({
            imageId: imageId,
            postStateDigest: bytes32(0),
            exitCode: ExitCode({system: SystemExitCode.Halted, user: 0}),
            inputDigest: bytes32(0),
            output: Output({journalDigest: journalDigest, assumptionsDigest: bytes32(0)})
        });
    }

    /// @notice Digest of `ok(imageId, journalDigest)`, computed without building the struct
    ///         (two SHA-256 precompile calls on scratch memory; equal to `digest(ok(..))`).
    function okDigest(bytes32 imageId, bytes32 journalDigest) internal view returns (bytes32 d) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            // Output: tag || journalDigest || assumptions (0) || uint16(2)  = 98 bytes
            mstore(m, TAG_OUTPUT)
            mstore(add(m, 0x20), journalDigest)
            mstore(add(m, 0x40), 0)
            mstore(add(m, 0x60), shl(240, 2))
            if iszero(staticcall(gas(), 0x02, m, 98, 0x00, 0x20)) { revert(0, 0) }
            let out := mload(0x00)
            // Claim: tag || input (0) || imageId || postState (0) || output
            //        || uint32(0) || uint32(0) || uint16(4)  = 170 bytes
            mstore(m, TAG_RECEIPT_CLAIM)
            mstore(add(m, 0x20), 0)
            mstore(add(m, 0x40), imageId)
            mstore(add(m, 0x60), 0)
            mstore(add(m, 0x80), out)
            mstore(add(m, 0xa0), shl(176, 4))
            if iszero(staticcall(gas(), 0x02, m, 170, 0x00, 0x20)) { revert(0, 0) }
            d := mload(0x00)
        }
    }

    /// @notice Digest of an Output struct.
    function digest(Output memory output) internal pure returns (bytes32) {
        return sha256(
            abi.encodePacked(TAG_OUTPUT, output.journalDigest, output.assumptionsDigest, uint16(2))
        );
    }

    /// @notice Digest of a full claim.
    function digest(ReceiptClaim memory claim) internal pure returns (bytes32) {
        return sha256(
            abi.encodePacked(
                TAG_RECEIPT_CLAIM,
                claim.inputDigest,
                claim.imageId,
                claim.postStateDigest,
                digest(claim.output),
                uint32(claim.exitCode.system),
                claim.exitCode.user,
                uint16(4)
            )
        );
    }
}
