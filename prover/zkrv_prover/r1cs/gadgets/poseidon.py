"""Poseidon over BN254 (circomlib parameters, t = 2..17) as R1CS.

Same permutation as :mod:`zkrv_prover.bn254.poseidon_ref` (constants read from
:mod:`zkrv_prover.bn254.poseidon_params`, never copied): round constants and the MDS matrix are
linear, so they only reshape linear combinations; each S-box ``x^5`` costs 3 constraints
(``x^2``, ``x^4``, ``x^5``). Cost of one permutation of width t with R_F = 8 and R_P partial
rounds: ``3 * (8 t + R_P)``, minus 3 per lane that is constant on entry (the zero capacity lane
of a hash): t = 3 (two inputs) costs 3 * (24 + 57) - 3 = 240, t = 5 costs 297, t = 17 costs 609.

Speed: the first round's S-boxes take the input linear combinations through the ordinary builder;
everything after them depends only on those S-box outputs, so it is recorded once per width (and
pattern of constant lanes) as a :class:`~zkrv_prover.r1cs.builder.Template` and replayed in bulk,
with the witness computed by a native trace of the permutation.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from zkrv_prover.bn254.constants import R
from zkrv_prover.bn254.poseidon_params import T_MAX, T_MIN, PoseidonParams, params
from zkrv_prover.r1cs.builder import LC, ConstraintSystem, Template

_Key = tuple[int | None, ...]  # per lane: the constant value after round one, or None


def sbox(cs: ConstraintSystem, x: LC) -> LC:
    """``x^5`` (3 constraints; 0 for a constant)."""
    if x.is_constant():
        return LC.const(pow(x.value, 5, R))
    x2 = cs.mul(x, x, "poseidon x^2")
    x4 = cs.mul(x2, x2, "poseidon x^4")
    return cs.mul(x4, x, "poseidon x^5")


def _dot(row: Sequence[int], s: Sequence[LC]) -> LC:
    acc = s[0] * row[0]
    for m, x in zip(row[1:], s[1:], strict=True):
        acc = acc + x * m
    return acc


def _body_gadget(cs: ConstraintSystem, p: PoseidonParams, s: list[LC]) -> list[LC]:
    """Everything after round one's S-boxes, written with the ordinary builder."""
    half_f = p.rounds_f // 2
    s = [_dot(row, s) for row in p.m]
    for r in range(1, len(p.c)):
        s = [x + c for x, c in zip(s, p.c[r], strict=True)]
        if r < half_f or r >= half_f + p.rounds_p:
            s = [sbox(cs, x) for x in s]
        else:
            s[0] = sbox(cs, s[0])
        s = [_dot(row, s) for row in p.m]
    return s


def _body_trace(p: PoseidonParams, s: list[int]) -> tuple[list[int], list[int]]:
    """Native run of :func:`_body_gadget`: (fresh variable values in allocation order, outputs)."""
    half_f = p.rounds_f // 2
    m = p.m
    t = p.t
    trace: list[int] = []
    s = [sum(mij * x for mij, x in zip(row, s, strict=True)) % R for row in m]
    for r in range(1, len(p.c)):
        cst = p.c[r]
        s = [(x + c) % R for x, c in zip(s, cst, strict=True)]
        full = r < half_f or r >= half_f + p.rounds_p
        for i in range(t if full else 1):
            x = s[i]
            x2 = x * x % R
            x4 = x2 * x2 % R
            x5 = x4 * x % R
            trace += (x2, x4, x5)
            s[i] = x5
        s = [sum(mij * x for mij, x in zip(row, s, strict=True)) % R for row in m]
    return trace, s


class _BodyTemplate:
    """The recorded body for one width and constant-lane pattern, with its output LCs."""

    def __init__(self, t: int, key: _Key) -> None:
        self.p = params(t)
        self.key = key
        rec = ConstraintSystem()
        rng = random.Random(0)
        lanes: list[LC] = []
        for k in key:
            lanes.append(LC.const(k) if k is not None else rec.alloc(rng.randrange(R)))
        n_slots = rec.n_vars - 1
        outs = _body_gadget(rec, self.p, lanes)
        self.tpl = Template(rec, n_slots)
        self.outputs = [dict(o.terms) for o in outs]
        # the native trace must reproduce the recording exactly (same values, same order)
        trace, native_out = _body_trace(self.p, [x.value for x in lanes])
        recorded = list(rec.iter_values())[1 + n_slots :]
        if trace != recorded or native_out != [o.value for o in outs]:
            raise AssertionError("Poseidon body trace disagrees with its recorded template")
        if any(o.single_var() is None and o.is_constant() for o in outs):
            raise AssertionError("Poseidon body output unexpectedly constant")


_TEMPLATES: dict[tuple[int, _Key], _BodyTemplate] = {}


def _template(t: int, key: _Key) -> _BodyTemplate:
    tpl = _TEMPLATES.get((t, key))
    if tpl is None:
        tpl = _TEMPLATES[(t, key)] = _BodyTemplate(t, key)
    return tpl


def permute(cs: ConstraintSystem, state: Sequence[LC]) -> list[LC]:
    """The Poseidon permutation of width ``t = len(state)`` (see module docstring for cost)."""
    t = len(state)
    if not T_MIN <= t <= T_MAX:
        raise ValueError(f"Poseidon state width {t} unsupported: must be in {T_MIN}..{T_MAX}")
    p = params(t)
    lanes = [sbox(cs, x + c) for x, c in zip(state, p.c[0], strict=True)]
    if all(x.is_constant() for x in lanes):
        _, out = _body_trace(p, [x.value for x in lanes])
        return [LC.const(v) for v in out]
    key: _Key = tuple(x.value if x.is_constant() else None for x in lanes)
    body = _template(t, key)
    slots = []
    for x in lanes:
        if not x.is_constant():
            v = x.single_var()
            assert v is not None  # an S-box output is a fresh variable
            slots.append(v)
    trace, out = _body_trace(p, [x.value for x in lanes])
    base = cs.apply(body.tpl, slots, trace)
    remap = {0: 0}
    for i, v in enumerate(slots):
        remap[1 + i] = v
    first_internal = 1 + len(slots)
    result = []
    for terms, val in zip(body.outputs, out, strict=True):
        mapped = {
            (remap[v] if v < first_internal else base + v - first_internal): c
            for v, c in terms.items()
        }
        result.append(LC(mapped, val))
    return result


def hash_elements(cs: ConstraintSystem, inputs: Sequence[LC]) -> LC:
    """circomlib ``poseidon(inputs)`` for 1..16 inputs: state ``[0, *inputs]``, output lane 0."""
    if not 1 <= len(inputs) <= T_MAX - 1:
        raise ValueError(f"Poseidon takes 1..{T_MAX - 1} inputs, got {len(inputs)}")
    return permute(cs, [LC.const(0), *inputs])[0]
