"""zkrv on Ethereum: verifier contracts, a local Anvil node, deployment and a web3.py client.

Submodules (imported on demand; only :mod:`.client`, :mod:`.deploy` and :mod:`.node` need
web3.py):

- :mod:`.groth16`      Groth16 verifying keys and proofs (snarkjs JSON), BN254 point checks
- :mod:`.contracts`    the packaged compiled contracts; compiling application contracts with solc
- :mod:`.node`         starting and stopping a local Anvil
- :mod:`.signer`       choosing the transaction signer (dev account on Anvil, else a key)
- :mod:`.errors`       reverts decoded into Python exceptions carrying the custom error
- :mod:`.deploy`       deploying the verifier stack (router, emergency stops, Groth16 verifiers)
- :mod:`.client`       verify, submit receipts to application contracts, decode journals
"""
