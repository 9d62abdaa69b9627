// SPDX-License-Identifier: Apache-2.0 OR MIT
pragma solidity ^0.8.28;

import {Test} from "./utils/Test.sol";
import {ReceiptClaim, ReceiptClaimLib} from "../src/ReceiptClaim.sol";
import {ZkrvMockVerifier} from "../src/ZkrvMockVerifier.sol";
import {ClaimDigestMismatch, MalformedSeal, SelectorMismatch} from "../src/ZkrvErrors.sol";

contract MockVerifierTest is Test {
    ZkrvMockVerifier internal mock;

    function setUp() external {
        mock = new ZkrvMockVerifier();
    }

    /// @dev The selector is derived like a Groth16 one: tagged("VerifierParameters",
    ///      [sha256("zkrv-mock-v1"), sha256("")]) (zkrv.seal.MOCK_SELECTOR).
    function test_selectorDerivation() external view {
        bytes32 tag = sha256("zkrv.VerifierParameters");
        bytes32 d = sha256(abi.encodePacked(tag, sha256("zkrv-mock-v1"), sha256(""), uint16(2)));
        assertTrue(bytes4(d) == mock.SELECTOR(), "mock selector");
    }

    function testFuzz_acceptsMatchingDigest(bytes32 imageId, bytes32 journalDigest) external view {
        ReceiptClaim memory c = ReceiptClaimLib.ok(imageId, journalDigest);
        bytes memory seal = abi.encodePacked(mock.SELECTOR(), ReceiptClaimLib.digest(c));
        mock.verify(seal, imageId, journalDigest);
        mock.verifyClaim(seal, c);
        mock.verifyClaimDigest(seal, ReceiptClaimLib.digest(c));
    }

    function testFuzz_rejectsOtherDigest(bytes32 committed, bytes32 claimed) external {
        vm.assume(committed != claimed);
        bytes memory seal = abi.encodePacked(mock.SELECTOR(), committed);
        vm.expectRevert(abi.encodeWithSelector(ClaimDigestMismatch.selector, claimed, committed));
        mock.verifyClaimDigest(seal, claimed);
    }

    function test_rejectsWrongImageId() external {
        bytes32 d = ReceiptClaimLib.digest(ReceiptClaimLib.ok(bytes32(uint256(1)), bytes32(0)));
        bytes32 other = ReceiptClaimLib.digest(ReceiptClaimLib.ok(bytes32(uint256(2)), bytes32(0)));
        bytes memory seal = abi.encodePacked(mock.SELECTOR(), d);
        vm.expectRevert(abi.encodeWithSelector(ClaimDigestMismatch.selector, other, d));
        mock.verify(seal, bytes32(uint256(2)), bytes32(0));
    }

    function testFuzz_rejectsWrongLength(bytes calldata seal) external {
        vm.assume(seal.length != 36);
        vm.expectRevert(abi.encodeWithSelector(MalformedSeal.selector, seal.length));
        mock.verifyClaimDigest(seal, bytes32(0));
    }

    function testFuzz_rejectsWrongSelector(bytes4 sel, bytes32 d) external {
        vm.assume(sel != mock.SELECTOR());
        vm.expectRevert(abi.encodeWithSelector(SelectorMismatch.selector, mock.SELECTOR(), sel));
        mock.verifyClaimDigest(abi.encodePacked(sel, d), d);
    }
}
