// SPDX-License-Identifier: Apache-2.0 OR MIT
pragma solidity ^0.8.28;

/// @notice Toolchain check only; replaced by the verifier stack.
contract Placeholder {
    function answer() external pure returns (uint256) {
        return 42;
    }
}
