// SPDX-License-Identifier: Apache-2.0 OR MIT
pragma solidity ^0.8.28;

import {Test} from "./utils/Test.sol";
import {ExitCode, Output, ReceiptClaim, ReceiptClaimLib, SystemExitCode} from "../src/ReceiptClaim.sol";

contract ReceiptClaimTest is Test {
    function test_tagsAreSha256OfTheirNames() external pure {
        assertEq(ReceiptClaimLib.TAG_OUTPUT, sha256("zkrv.Output"), "TAG_OUTPUT");
        assertEq(ReceiptClaimLib.TAG_RECEIPT_CLAIM, sha256("zkrv.ReceiptClaim"), "TAG_RECEIPT_CLAIM");
    }

    /// @dev Vector computed by zkrv.claim.ok_claim_digest(bytes(32), sha256(b"")) in Python.
    function test_knownVector() external view {
        bytes32 d = ReceiptClaimLib.okDigest(bytes32(0), sha256(""));
        assertEq(d, 0x394b3f84f78ac3cb2c9cd49e07766df24c8ca2ec84ab1736d4e7ffb3a95753cc, "okDigest");
    }

    function testFuzz_okDigestMatchesStructDigest(bytes32 imageId, bytes32 journalDigest) external view {
        bytes32 fast = ReceiptClaimLib.okDigest(imageId, journalDigest);
        bytes32 full = ReceiptClaimLib.digest(ReceiptClaimLib.ok(imageId, journalDigest));
        assertEq(fast, full, "okDigest vs digest(ok)");
    }

    function testFuzz_everyFieldChangesTheDigest(bytes32 imageId, bytes32 j, uint8 field) external pure {
        ReceiptClaim memory c = ReceiptClaimLib.ok(imageId, j);
        bytes32 before = ReceiptClaimLib.digest(c);
        field = field % 7;
        if (field == 0) c.imageId = ~c.imageId;
        else if (field == 1) c.postStateDigest = bytes32(uint256(1));
        else if (field == 2) c.exitCode.system = SystemExitCode.Paused;
        else if (field == 3) c.exitCode.user = 1;
        else if (field == 4) c.inputDigest = bytes32(uint256(1));
        else if (field == 5) c.output.journalDigest = ~c.output.journalDigest;
        else c.output.assumptionsDigest = bytes32(uint256(1));
        assertTrue(ReceiptClaimLib.digest(c) != before, "digest must change");
    }
}
