// SPDX-License-Identifier: Apache-2.0 OR MIT
pragma solidity ^0.8.28;

import {Test} from "./utils/Test.sol";
import {FixtureGroth16Verifier} from "./fixtures/FixtureGroth16Verifier.sol";
import {Groth16Fixture as F} from "./fixtures/Groth16Fixture.sol";
import {ReceiptClaim, ReceiptClaimLib} from "../src/ReceiptClaim.sol";
import {
    InvalidProofPoint,
    MalformedSeal,
    NonCanonicalFieldElement,
    SelectorMismatch,
    VerificationFailed
} from "../src/ZkrvErrors.sol";

contract Groth16VerifierTest is Test {
    uint256 internal constant P = 21888242871839275222246405745257275088696311157297823662689037894645226208583;
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;

    FixtureGroth16Verifier internal v;

    function setUp() external {
        v = new FixtureGroth16Verifier();
    }

    function _word(bytes memory seal, uint256 i) internal pure returns (uint256 w) {
        assembly {
            w := mload(add(add(seal, 0x24), mul(i, 0x20)))
        }
    }

    function _setWord(bytes memory seal, uint256 i, uint256 w) internal pure {
        assembly {
            mstore(add(add(seal, 0x24), mul(i, 0x20)), w)
        }
    }

    function test_acceptsValidSeal() external view {
        v.verify(F.SEAL, F.IMAGE_ID, F.JOURNAL_DIGEST);
        v.verifyClaimDigest(F.SEAL, F.CLAIM_DIGEST);
        v.verifyClaim(F.SEAL, ReceiptClaimLib.ok(F.IMAGE_ID, F.JOURNAL_DIGEST));
        assertEq(sha256(F.JOURNAL), F.JOURNAL_DIGEST, "journal digest");
    }

    function test_acceptsRawProof() external view {
        bytes memory seal = F.SEAL;
        bytes memory proof = new bytes(256);
        for (uint256 i = 0; i < 256; i++) proof[i] = seal[i + 4];
        v.verifyProof(proof, [uint256(F.CLAIM_DIGEST) >> 3]);
    }

    function test_rejectsWrongImageId() external {
        vm.expectRevert(VerificationFailed.selector);
        v.verify(F.SEAL, bytes32(uint256(F.IMAGE_ID) ^ 1), F.JOURNAL_DIGEST);
    }

    function test_rejectsWrongJournalDigest() external {
        bytes32 other = sha256("another journal"); // before expectRevert: sha256 is a call
        vm.expectRevert(VerificationFailed.selector);
        v.verify(F.SEAL, F.IMAGE_ID, other);
    }

    function test_rejectsOtherClaimFields() external {
        ReceiptClaim memory c = ReceiptClaimLib.ok(F.IMAGE_ID, F.JOURNAL_DIGEST);
        c.exitCode.user = 1;
        vm.expectRevert(VerificationFailed.selector);
        v.verifyClaim(F.SEAL, c);
    }

    function testFuzz_rejectsOtherClaimDigests(bytes32 d) external {
        // Digests sharing the top 253 bits share the public input: the claim is the same.
        vm.assume(uint256(d) >> 3 != uint256(F.CLAIM_DIGEST) >> 3);
        vm.expectRevert(VerificationFailed.selector);
        v.verifyClaimDigest(F.SEAL, d);
    }

    function testFuzz_rejectsWrongLength(uint16 len) external {
        vm.assume(len != 260 && len < 2000);
        bytes memory seal = new bytes(len);
        bytes memory good = F.SEAL;
        for (uint256 i = 0; i < len && i < 260; i++) seal[i] = good[i];
        vm.expectRevert(abi.encodeWithSelector(MalformedSeal.selector, uint256(len)));
        v.verify(seal, F.IMAGE_ID, F.JOURNAL_DIGEST);
    }

    function test_rejectsSealWithTrailingByte() external {
        bytes memory seal = bytes.concat(F.SEAL, hex"00");
        vm.expectRevert(abi.encodeWithSelector(MalformedSeal.selector, uint256(261)));
        v.verify(seal, F.IMAGE_ID, F.JOURNAL_DIGEST);
    }

    function test_rejectsWrongSelector() external {
        bytes memory seal = F.SEAL;
        seal[0] = bytes1(uint8(seal[0]) ^ 0xff);
        vm.expectRevert(abi.encodeWithSelector(SelectorMismatch.selector, v.SELECTOR(), bytes4(seal)));
        v.verify(seal, F.IMAGE_ID, F.JOURNAL_DIGEST);
    }

    /// @dev Adding P to any coordinate keeps it congruent but non-canonical: must be rejected
    ///      (otherwise one proof would have several encodings).
    function test_rejectsNonCanonicalCoordinates() external {
        for (uint256 i = 0; i < 8; i++) {
            bytes memory seal = F.SEAL;
            uint256 w = _word(seal, i);
            if (w + P < w) continue; // would overflow: cannot be made non-canonical this way
            _setWord(seal, i, w + P);
            vm.expectRevert(NonCanonicalFieldElement.selector);
            v.verify(seal, F.IMAGE_ID, F.JOURNAL_DIGEST);
        }
    }

    function test_rejectsRawInputNotBelowR() external {
        bytes memory seal = F.SEAL;
        bytes memory proof = new bytes(256);
        for (uint256 i = 0; i < 256; i++) proof[i] = seal[i + 4];
        // (x + R) is congruent to the valid input x but not canonical.
        vm.expectRevert(NonCanonicalFieldElement.selector);
        v.verifyProof(proof, [(uint256(F.CLAIM_DIGEST) >> 3) + R]);
    }

    function test_rejectsPointOffCurve() external {
        bytes memory seal = F.SEAL;
        _setWord(seal, 1, (_word(seal, 1) + 1) % P); // A.y + 1
        vm.expectRevert(InvalidProofPoint.selector);
        v.verify(seal, F.IMAGE_ID, F.JOURNAL_DIGEST);
    }

    function test_rejectsNegatedA() external {
        bytes memory seal = F.SEAL;
        _setWord(seal, 1, P - _word(seal, 1)); // -A: on the curve, wrong proof
        vm.expectRevert(VerificationFailed.selector);
        v.verify(seal, F.IMAGE_ID, F.JOURNAL_DIGEST);
    }

    function test_rejectsSwappedBCoordinates() external {
        // B with the real and imaginary parts in snarkjs (not EIP-197) order.
        bytes memory seal = F.SEAL;
        (uint256 a, uint256 b, uint256 c, uint256 d) = (_word(seal, 2), _word(seal, 3), _word(seal, 4), _word(seal, 5));
        _setWord(seal, 2, b);
        _setWord(seal, 3, a);
        _setWord(seal, 4, d);
        _setWord(seal, 5, c);
        vm.expectRevert();
        v.verify(seal, F.IMAGE_ID, F.JOURNAL_DIGEST);
    }

    function test_rejectsAllZeroProof() external {
        bytes memory seal = new bytes(260);
        bytes4 sel = v.SELECTOR();
        for (uint256 i = 0; i < 4; i++) seal[i] = sel[i];
        vm.expectRevert(VerificationFailed.selector);
        v.verify(seal, F.IMAGE_ID, F.JOURNAL_DIGEST);
    }

    /// @dev Any change to any proof byte must be rejected (with some error).
    function testFuzz_rejectsModifiedProofByte(uint16 index, uint8 mask) external {
        vm.assume(mask != 0);
        uint256 i = 4 + (uint256(index) % 256);
        bytes memory seal = F.SEAL;
        seal[i] = bytes1(uint8(seal[i]) ^ mask);
        try v.verify(seal, F.IMAGE_ID, F.JOURNAL_DIGEST) {
            revert("modified seal accepted");
        } catch {}
    }

    function testFuzz_rejectsRandomProofWords(uint256[8] memory words) external {
        bytes memory seal = F.SEAL;
        for (uint256 i = 0; i < 8; i++) _setWord(seal, i, words[i]);
        try v.verify(seal, F.IMAGE_ID, F.JOURNAL_DIGEST) {
            revert("random seal accepted");
        } catch {}
    }
}
