"""The toolchain setup installs: solc (solc-js wrapper) answers like native solc for py-solc-x."""

from __future__ import annotations

from pathlib import Path

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


def test_repo_root_only_for_the_checkout_layout(tmp_path: Path) -> None:
    from zkrv.toolchain import REPO_ROOT, repo_root_of

    assert REPO_ROOT is not None and (REPO_ROOT / "sdk" / "zkrv" / "toolchain.py").is_file()
    checkout = tmp_path / "checkout"
    (checkout / "sdk" / "zkrv").mkdir(parents=True)
    (checkout / "pyproject.toml").write_text("")
    assert repo_root_of(checkout / "sdk" / "zkrv" / "toolchain.py") == checkout.resolve()
    # An installed zkrv inside a dApp's project (which has its own pyproject.toml): no checkout.
    app = tmp_path / "app"
    site = app / ".venv" / "lib" / "python3.11" / "site-packages" / "zkrv"
    site.mkdir(parents=True)
    (app / "pyproject.toml").write_text("")
    assert repo_root_of(site / "toolchain.py") is None
