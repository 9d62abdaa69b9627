"""The toolchain setup installs: solc (solc-js wrapper) answers like native solc for py-solc-x."""

from __future__ import annotations

import solcx

from zkrv.toolchain import find_tool


def test_solc_wrapper_compiles_through_py_solc_x() -> None:
    solc = find_tool("solc")
    assert solc is not None
    out = solcx.compile_standard(
        {
            "language": "Solidity",
            "sources": {
                "t.sol": {
                    "content": "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.0;\n"
                    "contract T { function f() external pure returns (uint256) { return 7; } }"
                }
            },
            "settings": {"outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}}},
        },
        solc_binary=str(solc),
    )
    assert out["contracts"]["t.sol"]["T"]["evm"]["bytecode"]["object"]


def test_native_extension_loads() -> None:
    from zkrv_prover import _native  # type: ignore[attr-defined]

    assert _native.version() == "0.1.0"
