// SPDX-License-Identifier: Apache-2.0 OR MIT
pragma solidity ^0.8.28;

/// @notice Forward this call's calldata unchanged to `target` (STATICCALL) and bubble up any
///         revert. Cheaper than re-encoding: the router and the emergency stop expose exactly the
///         IZkrvVerifier functions of their targets, so the calldata means the same thing there.
/// @dev A call to an address without code would succeed silently, so that is rejected first
///      (`extcodesize` also warms the address, so the check costs ~100 gas).
error NoCodeAtVerifier(address target);

function forwardStaticCall(address target) view {
    if (target.code.length == 0) revert NoCodeAtVerifier(target);
    assembly ("memory-safe") {
        let ptr := mload(0x40)
        calldatacopy(ptr, 0, calldatasize())
        if iszero(staticcall(gas(), target, ptr, calldatasize(), 0, 0)) {
            returndatacopy(ptr, 0, returndatasize())
            revert(ptr, returndatasize())
        }
    }
}
