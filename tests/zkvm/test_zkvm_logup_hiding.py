"""A receipt of a guest that reads a secret PIN does not let anyone test a guessed PIN through
the published LogUp sums (``docs/stark.md``, "Blind columns"). Slow: one zkVM proof."""

from __future__ import annotations

import numpy as np
import pytest
from zkvm_util import asm

from zkrv_prover.executor import execute
from zkrv_prover.stark.field.field import EXT_DEGREE, P
from zkrv_prover.stark.protocol.prover import empty_tables
from zkrv_prover.stark.protocol.prover import prove as stark_prove
from zkrv_prover.stark.protocol.testing import genuine_logup_sums
from zkrv_prover.stark.protocol.verifier import verify
from zkrv_prover.zkvm import machine as zm
from zkrv_prover.zkvm.image_id import program_key

pytestmark = pytest.mark.slow

READ = 1


def pin_program() -> list[int]:
    """READ a 4-byte PIN; exit code 0 iff it is below 10000. The journal is empty, so the public
    values (journal digest, exit code) are the same for every valid PIN."""
    a = asm
    return [
        *a.li(10, a.DATA),
        *a.li(11, 4),
        a.i("addi", 17, 0, READ),
        a.ECALL,
        *a.li(6, a.DATA),
        a.i("lw", 5, 6, 0),  # x5 = PIN
        *a.li(8, 10000),
        a.r("sltu", 7, 5, 8),
        a.i("xori", 10, 7, 1),  # a0 = 0 iff PIN < 10000
    ]


def test_guessed_pin_does_not_match_the_receipt_sums() -> None:
    code = pin_program()
    image = asm.image(code + asm.HALT, {})
    key = program_key(image)

    def witness(pin: int) -> zm.MachineWitness:
        res = execute(image, pin.to_bytes(4, "little"), trace=True)
        assert res.trace is not None and res.exit_code == 0
        return zm.generate(key.tables, res.trace, key.vk.layouts)

    secret, wrong = witness(4711), witness(4712)
    assert secret.public == wrong.public  # both PINs are valid witnesses for the same claim
    vk, pub = key.vk, secret.public

    # unblinded (zero blinds: the sums the construction published before format 4): the
    # correct PIN reproduces every published sum, the wrong one does not
    zeros = [np.zeros((secret.traces[t].shape[0], EXT_DEGREE), np.uint32) for t in vk.logup_tables]
    leaky = stark_prove(vk, secret.traces, pub, blinds=zeros)
    verify(vk, pub, leaky)
    assert genuine_logup_sums(vk, leaky, pub, secret.traces) == list(leaky.cumsums)
    assert genuine_logup_sums(vk, leaky, pub, wrong.traces) != list(leaky.cumsums)

    # blinded (the prover's default): the receipt's sums match neither guess in any table
    # with events, and only their zero total is fixed. Empty tables (no events for either
    # PIN: ``empty_tables``) carry no blind; their sums are functions of public data, the same
    # for every guess, so they tell the guesses apart no better than the claim does.
    empty = empty_tables(vk, secret.traces)
    assert empty == empty_tables(vk, wrong.traces) and empty
    proof = stark_prove(vk, secret.traces, pub)
    verify(vk, pub, proof)
    busy = [i for i, t in enumerate(vk.local_tables) if t not in empty]
    idle = [i for i, t in enumerate(vk.local_tables) if t in empty]
    for guess in (secret, wrong):
        sums = genuine_logup_sums(vk, proof, pub, guess.traces)
        assert all(sums[i] != proof.cumsums[i] for i in busy)
        assert all(sums[i] == proof.cumsums[i] for i in idle)
    assert not (np.sum(np.array(proof.cumsums, dtype=np.int64), axis=0) % P).any()
