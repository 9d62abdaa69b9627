// SPDX-License-Identifier: Apache-2.0 OR MIT
pragma solidity ^0.8.28;

import {Test} from "./utils/Test.sol";
import {FixtureGroth16Verifier} from "./fixtures/FixtureGroth16Verifier.sol";
import {Groth16Fixture as F} from "./fixtures/Groth16Fixture.sol";
import {ReceiptClaimLib} from "../src/ReceiptClaim.sol";
import {ZkrvMockVerifier} from "../src/ZkrvMockVerifier.sol";
import {ZkrvVerifierRouter} from "../src/ZkrvVerifierRouter.sol";
import {EvenNumber} from "../src/examples/EvenNumber.sol";
import {ClaimDigestMismatch, VerificationFailed} from "../src/ZkrvErrors.sol";

contract EvenNumberTest is Test {
    ZkrvVerifierRouter internal router;
    EvenNumber internal app;

    function setUp() external {
        router = new ZkrvVerifierRouter(address(this));
        router.addVerifier(_g().SELECTOR(), _g());
        app = new EvenNumber(router, F.IMAGE_ID);
    }

    FixtureGroth16Verifier internal g;

    function _g() internal returns (FixtureGroth16Verifier) {
        if (address(g) == address(0)) g = new FixtureGroth16Verifier();
        return g;
    }

    function test_setWithValidReceipt() external {
        app.set(42, F.SEAL); // the fixture journal is abi.encode(uint256(42))
        assertEq(app.number(), 42, "number");
    }

    function test_rejectsOtherNumberWithSameSeal() external {
        vm.expectRevert(VerificationFailed.selector);
        app.set(44, F.SEAL);
        assertEq(app.number(), 0, "unchanged");
    }

    function test_rejectsReceiptOfAnotherProgram() external {
        EvenNumber other = new EvenNumber(router, bytes32(uint256(F.IMAGE_ID) ^ 1));
        vm.expectRevert(VerificationFailed.selector);
        other.set(42, F.SEAL);
    }

    function testFuzz_mockReceiptsOnlyForTheirJournal(uint256 x, uint256 y) external {
        vm.assume(x != y);
        ZkrvMockVerifier mock = new ZkrvMockVerifier();
        router.addVerifier(mock.SELECTOR(), mock);
        bytes32 d = ReceiptClaimLib.okDigest(F.IMAGE_ID, sha256(abi.encode(x)));
        bytes memory seal = abi.encodePacked(mock.SELECTOR(), d);
        app.set(x, seal);
        assertEq(app.number(), x, "number");
        bytes32 dy = ReceiptClaimLib.okDigest(F.IMAGE_ID, sha256(abi.encode(y))); // before expectRevert
        vm.expectRevert(abi.encodeWithSelector(ClaimDigestMismatch.selector, dy, d));
        app.set(y, seal);
    }
}
