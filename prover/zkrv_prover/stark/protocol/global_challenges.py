"""The global challenges of a family of proofs sharing global buses, as a hash chain.

Every proof of the family commits its boundary round and fixes its public values before the
global challenges ``(alpha_G, beta_G)`` exist (``docs/stark.md``, "Global buses"). They are
derived in three kinds of steps, each a fresh transcript of the family's hash (the key's
``params.hash``), so that the derivation can be split anywhere between proofs:

- ``acc_0 = start(data)``: observes ``len(data)`` and the caller's data (base elements, e.g.
  the zkVM's preprocessed root and table heights) and samples :data:`ACC_LEN` base elements;
- ``acc_{s+1} = step(acc_s, public_s, root_s)``: observes ``acc_s``, proof s's public values
  (count first) and its boundary root, and samples the next accumulator;
- ``(alpha_G, beta_G) = finish(acc_n, n)``: observes the last accumulator and the number of
  proofs and samples two extension elements.

A recursion program verifying one proof of the family computes one ``step`` (its inputs are
that proof's own data), and a join of two adjacent ranges of proofs only checks that the left
range's output accumulator is the right range's input (``docs/segments.md``, "Join"): the
chain, unlike one transcript over all proofs, never needs the absorption state at a proof
boundary. Each function is generic over the arithmetic (``NativeArith`` natively, the
recursion builder in a recursion program). The accumulator is :data:`ACC_LEN` = 8 sampled base
elements (248 bits), as wide as a Poseidon2-BabyBear digest.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from zkrv_prover.stark.commit.hash_scheme import HashScheme, scheme_of
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.field.arith import NativeArith
from zkrv_prover.stark.field.field import ExtInt, P

#: Transcript labels of the three steps (<= 31 ASCII bytes each).
START_LABEL = "zkrv.global.start"
STEP_LABEL = "zkrv.global.step"
GLOBAL_LABEL = "zkrv.global"
#: Base elements of an accumulator.
ACC_LEN = 8


def start(ar: Any, hs: HashScheme, data: Sequence[Any]) -> list[Any]:
    """``acc_0``: the chain's start, binding ``data`` (base elements of ``ar``)."""
    tr = hs.transcript(ar, START_LABEL)
    tr.observe_base([ar.b_const(len(data)), *data])
    return [tr.sample_base() for _ in range(ACC_LEN)]


def step(
    ar: Any, hs: HashScheme, acc: Sequence[Any], public: Sequence[Any], root: Any
) -> list[Any]:
    """The accumulator after one proof: ``acc`` (:data:`ACC_LEN` base elements), the proof's
    public values (base elements) and boundary root (a digest of ``hs``)."""
    if len(acc) != ACC_LEN:
        raise ValueError(f"an accumulator is {ACC_LEN} base elements")
    tr = hs.transcript(ar, STEP_LABEL)
    tr.observe_base([*acc, ar.b_const(len(public)), *public])
    tr.observe_digest(root)
    return [tr.sample_base() for _ in range(ACC_LEN)]


def finish(ar: Any, hs: HashScheme, acc: Sequence[Any], count: Any) -> tuple[Any, Any]:
    """``(alpha_G, beta_G)`` from the last accumulator and the number of proofs (a base element
    of ``ar``: a constant natively, data in a recursion program that joins a variable number)."""
    if len(acc) != ACC_LEN:
        raise ValueError(f"an accumulator is {ACC_LEN} base elements")
    tr = hs.transcript(ar, GLOBAL_LABEL)
    tr.observe_base([*acc, count])
    return tr.sample_ext(), tr.sample_ext()


def _canonical(vals: Sequence[int], what: str) -> list[int]:
    out = [int(v) for v in vals]
    if any(not 0 <= v < P for v in out):
        raise ValueError(f"{what} must be canonical BabyBear elements")
    return out


def _ext_tuple(v: Any) -> ExtInt:
    return tuple(int(x) for x in np.asarray(v).reshape(-1))


def accumulators(
    params: PcsParams, entries: Sequence[tuple[Sequence[int], int]], data: Sequence[int] = ()
) -> list[list[int]]:
    """``acc_0 .. acc_n`` natively for ``entries[s] = (public values, boundary root)``."""
    ar = NativeArith(native_hash=True)
    hs = scheme_of(params.hash)
    acc = start(ar, hs, [ar.b_const(v) for v in _canonical(data, "global challenge data")])
    out = [[int(x) for x in acc]]
    for public, root in entries:
        pub = [ar.b_const(v) for v in _canonical(public, "public values")]
        acc = step(ar, hs, acc, pub, hs.digest_const(ar, int(root)))
        out.append([int(x) for x in acc])
    return out


def global_challenges(
    params: PcsParams, entries: Sequence[tuple[Sequence[int], int]], data: Sequence[int] = ()
) -> tuple[ExtInt, ExtInt]:
    """The global challenges (alpha_G, beta_G) of a family of proofs, natively (module doc):
    ``entries[s] = (public values, boundary root)`` of proof s in order; ``data``: base elements
    the caller binds besides them."""
    ar = NativeArith(native_hash=True)
    last = accumulators(params, entries, data)[-1]
    alpha, beta = finish(
        ar, scheme_of(params.hash), [ar.b_const(x) for x in last], ar.b_const(len(entries))
    )
    return _ext_tuple(alpha), _ext_tuple(beta)


__all__ = [
    "ACC_LEN",
    "GLOBAL_LABEL",
    "accumulators",
    "finish",
    "global_challenges",
    "start",
    "step",
]
