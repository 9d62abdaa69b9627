// SPDX-License-Identifier: Apache-2.0 OR MIT
pragma solidity ^0.8.28;

import {Test} from "./utils/Test.sol";
import {FixtureGroth16Verifier} from "./fixtures/FixtureGroth16Verifier.sol";
import {Groth16Fixture as F} from "./fixtures/Groth16Fixture.sol";
import {IZkrvSelectorVerifier} from "../src/IZkrvVerifier.sol";
import {Owned} from "../src/Owned.sol";
import {ReceiptClaimLib} from "../src/ReceiptClaim.sol";
import {ZkrvMockVerifier} from "../src/ZkrvMockVerifier.sol";
import {ZkrvVerifierRouter} from "../src/ZkrvVerifierRouter.sol";
import {MalformedSeal, SelectorMismatch, VerificationFailed} from "../src/ZkrvErrors.sol";
import {NoCodeAtVerifier} from "../src/Forwarder.sol";

contract VerifierRouterTest is Test {
    ZkrvVerifierRouter internal router;
    FixtureGroth16Verifier internal groth16;
    ZkrvMockVerifier internal mock;
    address internal constant STRANGER = address(0xBEEF);

    function setUp() external {
        router = new ZkrvVerifierRouter(address(this));
        groth16 = new FixtureGroth16Verifier();
        mock = new ZkrvMockVerifier();
        router.addVerifier(groth16.SELECTOR(), groth16);
    }

    function test_dispatchesBySelector() external {
        router.verify(F.SEAL, F.IMAGE_ID, F.JOURNAL_DIGEST);
        router.verifyClaimDigest(F.SEAL, F.CLAIM_DIGEST);
        router.verifyClaim(F.SEAL, ReceiptClaimLib.ok(F.IMAGE_ID, F.JOURNAL_DIGEST));
        router.addVerifier(mock.SELECTOR(), mock);
        bytes memory mockSeal = abi.encodePacked(mock.SELECTOR(), F.CLAIM_DIGEST);
        router.verify(mockSeal, F.IMAGE_ID, F.JOURNAL_DIGEST);
        assertEq(address(router.getVerifier(mock.SELECTOR())), address(mock), "getVerifier");
    }

    function test_bubblesUpVerifierErrors() external {
        vm.expectRevert(VerificationFailed.selector);
        router.verify(F.SEAL, bytes32(0), F.JOURNAL_DIGEST);
    }

    function testFuzz_unknownSelectorReverts(bytes4 sel, bytes calldata rest) external {
        vm.assume(sel != groth16.SELECTOR());
        bytes memory seal = bytes.concat(sel, rest);
        vm.expectRevert(abi.encodeWithSelector(ZkrvVerifierRouter.SelectorUnknown.selector, sel));
        router.verify(seal, F.IMAGE_ID, F.JOURNAL_DIGEST);
    }

    function testFuzz_sealShorterThanSelectorIsMalformed(uint8 len) external {
        len = len % 4;
        vm.expectRevert(abi.encodeWithSelector(MalformedSeal.selector, uint256(len)));
        router.verify(new bytes(len), F.IMAGE_ID, F.JOURNAL_DIGEST);
    }

    function test_removalIsPermanent() external {
        bytes4 sel = groth16.SELECTOR();
        router.removeVerifier(sel);
        vm.expectRevert(abi.encodeWithSelector(ZkrvVerifierRouter.SelectorRemoved.selector, sel));
        router.verify(F.SEAL, F.IMAGE_ID, F.JOURNAL_DIGEST);
        FixtureGroth16Verifier again = new FixtureGroth16Verifier();
        vm.expectRevert(abi.encodeWithSelector(ZkrvVerifierRouter.SelectorInUse.selector, sel));
        router.addVerifier(sel, again);
        vm.expectRevert(abi.encodeWithSelector(ZkrvVerifierRouter.SelectorRemoved.selector, sel));
        router.removeVerifier(sel);
    }

    function test_removeUnknownReverts() external {
        vm.expectRevert(abi.encodeWithSelector(ZkrvVerifierRouter.SelectorUnknown.selector, bytes4(0x01020304)));
        router.removeVerifier(0x01020304);
    }

    function test_addRejectsDuplicateSelector() external {
        bytes4 sel = groth16.SELECTOR();
        FixtureGroth16Verifier again = new FixtureGroth16Verifier();
        vm.expectRevert(abi.encodeWithSelector(ZkrvVerifierRouter.SelectorInUse.selector, sel));
        router.addVerifier(sel, again);
    }

    function test_addRejectsSelectorOfAnotherVerifier() external {
        bytes4 mockSel = mock.SELECTOR();
        vm.expectRevert(abi.encodeWithSelector(SelectorMismatch.selector, bytes4(0xdeadbeef), mockSel));
        router.addVerifier(0xdeadbeef, mock);
    }

    function test_addRejectsZeroAddress() external {
        vm.expectRevert(Owned.ZeroAddress.selector);
        router.addVerifier(0xdeadbeef, IZkrvSelectorVerifier(address(0)));
    }

    function test_onlyOwnerAddsAndRemoves() external {
        bytes4 mockSel = mock.SELECTOR();
        bytes4 gSel = groth16.SELECTOR();
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(Owned.Unauthorized.selector, STRANGER));
        router.addVerifier(mockSel, mock);
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(Owned.Unauthorized.selector, STRANGER));
        router.removeVerifier(gSel);
    }

    function test_twoStepOwnershipTransfer() external {
        router.transferOwnership(STRANGER);
        assertEq(router.owner(), address(this), "owner unchanged until accepted");
        vm.expectRevert(abi.encodeWithSelector(Owned.Unauthorized.selector, address(this)));
        router.acceptOwnership();
        vm.prank(STRANGER);
        router.acceptOwnership();
        assertEq(router.owner(), STRANGER, "new owner");
        assertEq(router.pendingOwner(), address(0), "pending cleared");
        bytes4 gSel = groth16.SELECTOR();
        vm.expectRevert(abi.encodeWithSelector(Owned.Unauthorized.selector, address(this)));
        router.removeVerifier(gSel);
    }

    function test_constructorRejectsZeroOwner() external {
        vm.expectRevert(Owned.ZeroAddress.selector);
        new ZkrvVerifierRouter(address(0));
    }
}

/// @notice A verifier that passes registration and then has no code at call time is impossible
///         after EIP-6780 outside its creation transaction; the forwarder still refuses codeless
///         targets. Exercised through a router whose storage is poked directly.
contract ForwarderNoCodeTest is Test {
    function test_codelessTargetRejected() external {
        ZkrvVerifierRouter router = new ZkrvVerifierRouter(address(this));
        bytes4 sel = 0x11223344;
        // verifiers mapping is slot 2 (owner 0, pendingOwner 1).
        bytes32 slot = keccak256(abi.encode(sel, uint256(2)));
        StoreCheat(address(vm)).store(address(router), slot, bytes32(uint256(uint160(address(0xC0DE)))));
        vm.expectRevert(abi.encodeWithSelector(NoCodeAtVerifier.selector, address(0xC0DE)));
        router.verify(abi.encodePacked(sel, bytes32(0)), bytes32(0), bytes32(0));
    }
}

interface StoreCheat {
    function store(address target, bytes32 slot, bytes32 value) external;
}
