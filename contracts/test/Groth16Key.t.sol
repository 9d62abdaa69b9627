// SPDX-License-Identifier: Apache-2.0 OR MIT
pragma solidity ^0.8.28;

import {Test} from "./utils/Test.sol";
import {FixtureGroth16Verifier} from "./fixtures/FixtureGroth16Verifier.sol";
import {Groth16Fixture as F} from "./fixtures/Groth16Fixture.sol";
import {ZkrvGroth16Verifier} from "../src/ZkrvGroth16Verifier.sol";
import {InvalidVerifyingKey, SelectorMismatch, VerificationFailed} from "../src/ZkrvErrors.sol";

/// @notice The verifying key of `ZkrvGroth16Verifier`: set by the constructor, validated there,
///         and bound to the selector.
contract Groth16KeyTest is Test {
    uint256 internal constant P = 21888242871839275222246405745257275088696311157297823662689037894645226208583;

    function _deploy(uint256[18] memory key) internal returns (ZkrvGroth16Verifier) {
        return new ZkrvGroth16Verifier(key);
    }

    /// @dev The fixture key with gamma and delta swapped: valid, but a different key.
    function _otherKey() internal pure returns (uint256[18] memory k) {
        k = F.key();
        for (uint256 i = 0; i < 4; i++) {
            (k[6 + i], k[10 + i]) = (k[10 + i], k[6 + i]);
        }
    }

    function test_selectorIsPythonsGroth16Selector() external {
        assertEq(bytes32(_deploy(F.key()).SELECTOR()), bytes32(F.SELECTOR), "selector");
        assertEq(bytes32(new FixtureGroth16Verifier().SELECTOR()), bytes32(F.SELECTOR), "fixture");
        assertEq(bytes32(bytes4(F.SEAL)), bytes32(F.SELECTOR), "seal selector");
    }

    function test_fixtureSealVerifiesThroughConstructorKey() external {
        ZkrvGroth16Verifier v = _deploy(F.key());
        v.verify(F.SEAL, F.IMAGE_ID, F.JOURNAL_DIGEST);
        v.verifyClaimDigest(F.SEAL, F.CLAIM_DIGEST);
    }

    function test_secondKeyDeploysWithItsOwnSelector() external {
        ZkrvGroth16Verifier a = _deploy(F.key());
        ZkrvGroth16Verifier b = _deploy(_otherKey());
        assertTrue(a.SELECTOR() != b.SELECTOR(), "selectors differ");
        // The fixture seal names the first key: the second verifier refuses it by selector ...
        vm.expectRevert(abi.encodeWithSelector(SelectorMismatch.selector, b.SELECTOR(), a.SELECTOR()));
        b.verify(F.SEAL, F.IMAGE_ID, F.JOURNAL_DIGEST);
        // ... and relabelled with its selector, the proof fails the pairing under its key.
        bytes memory seal = F.SEAL;
        bytes4 sel = b.SELECTOR();
        for (uint256 i = 0; i < 4; i++) {
            seal[i] = sel[i];
        }
        vm.expectRevert(VerificationFailed.selector);
        b.verify(seal, F.IMAGE_ID, F.JOURNAL_DIGEST);
    }

    function test_anyKeyWordChangesTheSelector() external {
        bytes4 base = _deploy(F.key()).SELECTOR();
        // Negating a G1 point keeps it valid: alpha (word 1), IC0 (15), IC1 (17).
        uint8[3] memory ys = [1, 15, 17];
        for (uint256 j = 0; j < 3; j++) {
            uint256[18] memory k = F.key();
            k[ys[j]] = P - k[ys[j]];
            assertTrue(_deploy(k).SELECTOR() != base, "negated point, same selector");
        }
    }

    function test_rejectsNonCanonicalKeyWords() external {
        for (uint256 i = 0; i < 18; i++) {
            uint256[18] memory k = F.key();
            k[i] += P;
            vm.expectRevert(InvalidVerifyingKey.selector);
            this.deployKey(k);
        }
    }

    function test_rejectsG1PointsOffCurve() external {
        uint8[3] memory ys = [1, 15, 17];
        for (uint256 j = 0; j < 3; j++) {
            uint256[18] memory k = F.key();
            k[ys[j]] = (k[ys[j]] + 1) % P;
            vm.expectRevert(InvalidVerifyingKey.selector);
            this.deployKey(k);
        }
    }

    function test_rejectsG2PointsOffTwist() external {
        for (uint256 g = 2; g < 14; g += 4) {
            uint256[18] memory k = F.key();
            k[g + 3] = (k[g + 3] + 1) % P; // y.re + 1
            vm.expectRevert(InvalidVerifyingKey.selector);
            this.deployKey(k);
        }
    }

    /// @dev (x, y) = (u, ...) is on the twist but not in the order-R subgroup (found in Python,
    ///      see `test_g2_subgroup_check`); the pairing precompile refuses it.
    function test_rejectsG2PointsOutsideSubgroup() external {
        for (uint256 g = 2; g < 14; g += 4) {
            uint256[18] memory k = F.key();
            k[g] = 0;
            k[g + 1] = 1;
            k[g + 2] = 5912654199736721486680175016176231956195085055698687135131307249486702594212;
            k[g + 3] = 18278151005453108793778860132295291098363647455926340152056652516292830556603;
            vm.expectRevert(InvalidVerifyingKey.selector);
            this.deployKey(k);
        }
    }

    /// @dev alpha, beta, gamma, delta or IC1 at infinity would make the proof or the input
    ///      irrelevant; IC0 at infinity is harmless (and valid).
    function test_rejectsPointsAtInfinity() external {
        uint8[5] memory starts = [0, 2, 6, 10, 16];
        uint8[5] memory lens = [2, 4, 4, 4, 2];
        for (uint256 j = 0; j < 5; j++) {
            uint256[18] memory k = F.key();
            for (uint256 i = 0; i < lens[j]; i++) {
                k[starts[j] + i] = 0;
            }
            vm.expectRevert(InvalidVerifyingKey.selector);
            this.deployKey(k);
        }
        uint256[18] memory ok = F.key();
        (ok[14], ok[15]) = (0, 0);
        this.deployKey(ok);
    }

    /// @dev External so that `expectRevert` applies to the creation.
    function deployKey(uint256[18] memory key) external returns (address) {
        return address(new ZkrvGroth16Verifier(key));
    }
}
