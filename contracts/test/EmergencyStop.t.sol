// SPDX-License-Identifier: Apache-2.0 OR MIT
pragma solidity ^0.8.28;

import {Test} from "./utils/Test.sol";
import {FixtureGroth16Verifier} from "./fixtures/FixtureGroth16Verifier.sol";
import {Groth16Fixture as F} from "./fixtures/Groth16Fixture.sol";
import {Owned} from "../src/Owned.sol";
import {ReceiptClaimLib} from "../src/ReceiptClaim.sol";
import {ZkrvEmergencyStop} from "../src/ZkrvEmergencyStop.sol";
import {ZkrvVerifierRouter} from "../src/ZkrvVerifierRouter.sol";
import {VerificationFailed} from "../src/ZkrvErrors.sol";

contract EmergencyStopTest is Test {
    FixtureGroth16Verifier internal groth16;
    ZkrvEmergencyStop internal estop;
    ZkrvVerifierRouter internal router;
    address internal constant STRANGER = address(0xBEEF);

    function setUp() external {
        groth16 = new FixtureGroth16Verifier();
        estop = new ZkrvEmergencyStop(groth16, address(this));
        router = new ZkrvVerifierRouter(address(this));
        router.addVerifier(estop.SELECTOR(), estop);
    }

    function test_forwardsWhileRunning() external view {
        assertTrue(estop.SELECTOR() == groth16.SELECTOR(), "selector copied");
        estop.verify(F.SEAL, F.IMAGE_ID, F.JOURNAL_DIGEST);
        estop.verifyClaim(F.SEAL, ReceiptClaimLib.ok(F.IMAGE_ID, F.JOURNAL_DIGEST));
        estop.verifyClaimDigest(F.SEAL, F.CLAIM_DIGEST);
        router.verify(F.SEAL, F.IMAGE_ID, F.JOURNAL_DIGEST);
    }

    function test_forwardsRejections() external {
        vm.expectRevert(VerificationFailed.selector);
        estop.verify(F.SEAL, F.IMAGE_ID, bytes32(0));
    }

    function test_ownerStopsForGood() external {
        estop.stop();
        assertTrue(estop.stopped(), "stopped");
        vm.expectRevert(ZkrvEmergencyStop.VerifierStopped.selector);
        estop.verify(F.SEAL, F.IMAGE_ID, F.JOURNAL_DIGEST);
        vm.expectRevert(ZkrvEmergencyStop.VerifierStopped.selector);
        estop.verifyClaimDigest(F.SEAL, F.CLAIM_DIGEST);
        vm.expectRevert(ZkrvEmergencyStop.VerifierStopped.selector);
        estop.verifyClaim(F.SEAL, ReceiptClaimLib.ok(F.IMAGE_ID, F.JOURNAL_DIGEST));
        vm.expectRevert(ZkrvEmergencyStop.VerifierStopped.selector);
        router.verify(F.SEAL, F.IMAGE_ID, F.JOURNAL_DIGEST);
        vm.expectRevert(ZkrvEmergencyStop.VerifierStopped.selector);
        estop.stop();
    }

    function test_strangerCannotStopWithoutProof() external {
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(Owned.Unauthorized.selector, STRANGER));
        estop.stop();
    }

    function test_anyoneStopsWithProofOfExploit() external {
        // The fixture circuit is trivially satisfiable, so it "proves" claim digest zero: exactly
        // the evidence of an unsound verifier the emergency stop accepts from anyone.
        vm.prank(STRANGER);
        estop.stopWithProofOfExploit(F.SEAL_ZERO);
        assertTrue(estop.stopped(), "stopped by proof");
        vm.expectRevert(ZkrvEmergencyStop.VerifierStopped.selector);
        router.verify(F.SEAL, F.IMAGE_ID, F.JOURNAL_DIGEST);
    }

    function test_validSealForRealClaimIsNotAnExploit() external {
        vm.prank(STRANGER);
        vm.expectRevert(ZkrvEmergencyStop.NotAnExploit.selector);
        estop.stopWithProofOfExploit(F.SEAL);
        assertTrue(!estop.stopped(), "still running");
    }

    function testFuzz_garbageIsNotAnExploit(bytes calldata seal) external {
        // The fuzzer draws from the test's constants: it does find SEAL_ZERO otherwise.
        vm.assume(keccak256(seal) != keccak256(F.SEAL_ZERO));
        vm.expectRevert(ZkrvEmergencyStop.NotAnExploit.selector);
        estop.stopWithProofOfExploit(seal);
    }
}
