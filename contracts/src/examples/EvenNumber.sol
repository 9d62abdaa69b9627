// SPDX-License-Identifier: Apache-2.0 OR MIT
pragma solidity ^0.8.28;

import {IZkrvVerifier} from "../IZkrvVerifier.sol";

/// @title Example application: stores a number only with a receipt that it is even
/// @notice The guest program (image `imageId`) reads a number, exits with an error unless it is
///         even, and writes `abi.encode(number)` to its journal. This contract acts on the
///         journal only after the verifier accepts the receipt for that journal and image.
contract EvenNumber {
    /// @notice The verifier (normally the zkrv router).
    IZkrvVerifier public immutable verifier;
    /// @notice The only program whose receipts this contract accepts.
    bytes32 public immutable imageId;
    /// @notice The last number proven even.
    uint256 public number;

    event NumberSet(uint256 number);

    constructor(IZkrvVerifier verifier_, bytes32 imageId_) {
        verifier = verifier_;
        imageId = imageId_;
    }

    /// @notice Store `x`, given a seal proving the guest accepted it.
    function set(uint256 x, bytes calldata seal) external {
        bytes memory journal = abi.encode(x);
        verifier.verify(seal, imageId, sha256(journal));
        number = x;
        emit NumberSet(x);
    }
}
