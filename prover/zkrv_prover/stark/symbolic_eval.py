"""Vectorized numpy evaluation of constraint DAGs (prover and debug side).

Values are uint64 numpy arrays holding canonical BabyBear elements: base values have shape
``(m,)`` (or ``()`` for constants / public values), extension values ``(m, 4)`` (or ``(4,)`` for
challenges), coefficients of 1, X, X^2, X^3 with X^4 = 11. Each DAG node is computed once for
all m points; intermediates are freed as soon as their last consumer ran, so a DAG of hundreds
of nodes over 2^19 points stays within a few arrays of memory. No loops over rows.

The arithmetic here is deliberately small (add/sub/mul, extension mul and batch inverse); the
PCS layer's :mod:`zkrv_prover.stark.field` is the full field library.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from zkrv_prover.stark.air import Expr, Op

P = np.uint64(15 * 2**27 + 1)
P_INT = 15 * 2**27 + 1
W = np.uint64(11)  # X^4 = 11 in the quartic extension

U64 = np.uint64


# -- base field ---------------------------------------------------------------------------------
def b_add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a + b) % P


def b_sub(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a + (P - b)) % P


def b_mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b) % P


def b_neg(a: np.ndarray) -> np.ndarray:
    return (P - a) % P


def b_pow(a: np.ndarray, e: int) -> np.ndarray:
    """``a ** e`` elementwise (square and multiply over the bits of e)."""
    result = np.ones_like(a, dtype=U64)
    base = a.astype(U64)
    while e:
        if e & 1:
            result = b_mul(result, base)
        base = b_mul(base, base)
        e >>= 1
    return result


def b_inv(a: np.ndarray) -> np.ndarray:
    """Elementwise inverse (a^(p-2)); zero maps to zero — callers check for zeros."""
    return b_pow(a, P_INT - 2)


# -- quartic extension ----------------------------------------------------------------------------
def ext_from_base(a: np.ndarray) -> np.ndarray:
    out = np.zeros((*a.shape, 4), dtype=U64)
    out[..., 0] = a
    return out


def ext_add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a + b) % P


def ext_sub(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a + (P - b)) % P


def ext_neg(a: np.ndarray) -> np.ndarray:
    return (P - a) % P


def ext_mul_base(a: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Extension ``a (..., 4)`` times base ``s`` broadcast against ``a[..., 0]``."""
    return (a * s) % P


def ext_mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Product in F_p[X]/(X^4 - 11), broadcasting over leading axes."""
    a0, a1, a2, a3 = a[..., 0], a[..., 1], a[..., 2], a[..., 3]
    b0, b1, b2, b3 = b[..., 0], b[..., 1], b[..., 2], b[..., 3]

    def m(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return (x * y) % P

    hi0 = (m(a1, b3) + m(a2, b2) + m(a3, b1)) % P
    hi1 = (m(a2, b3) + m(a3, b2)) % P
    hi2 = m(a3, b3)
    c0 = (m(a0, b0) + W * hi0) % P
    c1 = (m(a0, b1) + m(a1, b0) + W * hi1) % P
    c2 = (m(a0, b2) + m(a1, b1) + m(a2, b0) + W * hi2) % P
    c3 = (m(a0, b3) + m(a1, b2) + m(a2, b1) + m(a3, b0)) % P
    return np.stack([c0, c1, c2, c3], axis=-1)


def ext_inv(a: np.ndarray) -> np.ndarray:
    """Inverse of every row of ``a (m, 4)``: with a'(X) = a(-X), a*a' = b0 + b2 X^2 is even, and
    (b0 + b2 X^2)(b0 - b2 X^2) = b0^2 - 11 b2^2 is in the base field; one base inversion per
    row. Zero rows map to zero (callers check)."""
    a = a.astype(U64)
    conj = a.copy()
    conj[..., 1] = (P - a[..., 1]) % P
    conj[..., 3] = (P - a[..., 3]) % P
    e = ext_mul(a, conj)  # e[...,1] == e[...,3] == 0
    b0, b2 = e[..., 0], e[..., 2]
    norm = b_sub(b_mul(b0, b0), (W * b_mul(b2, b2)) % P)
    ninv = b_inv(norm)
    half = np.zeros_like(a)
    half[..., 0] = b0
    half[..., 2] = (P - b2) % P
    return ext_mul_base(ext_mul(conj, half), ninv[..., None])


# -- DAG evaluation ------------------------------------------------------------------------------
LeafFn = Callable[[Expr], np.ndarray]


def _combine(node: Expr, x: np.ndarray, y: np.ndarray | None) -> np.ndarray:
    a, b = node.a, node.b
    assert a is not None
    if node.op == Op.NEG:
        return ext_neg(x) if a.is_ext else b_neg(x)
    assert b is not None and y is not None
    if not node.is_ext:
        if node.op == Op.ADD:
            return b_add(x, y)
        if node.op == Op.SUB:
            return b_sub(x, y)
        return b_mul(x, y)
    # mixed or extension
    if node.op == Op.MUL:
        if a.is_ext and b.is_ext:
            return ext_mul(x, y)
        if a.is_ext:
            return ext_mul_base(x, y[..., None])
        return ext_mul_base(y, x[..., None])
    xe = x if a.is_ext else ext_from_base(x)
    ye = y if b.is_ext else ext_from_base(y)
    return ext_add(xe, ye) if node.op == Op.ADD else ext_sub(xe, ye)


def evaluate_stream(
    roots: Sequence[Expr],
    leaf: LeafFn,
    consume: Callable[[int, np.ndarray], None],
) -> None:
    """Evaluate every root, calling ``consume(i, value_of_root_i)`` as each is ready; frees
    intermediates after their last use (reference counts over the shared DAG)."""
    from zkrv_prover.stark.air import topo_order

    order = topo_order(list(roots))
    uses: dict[int, int] = {}
    for node in order:
        for c in (node.a, node.b):
            if c is not None:
                uses[id(c)] = uses.get(id(c), 0) + 1
    root_ids: dict[int, list[int]] = {}
    for i, r in enumerate(roots):
        root_ids.setdefault(id(r), []).append(i)
        uses[id(r)] = uses.get(id(r), 0) + 1
    vals: dict[int, np.ndarray] = {}
    for node in order:
        if node.op in (Op.ADD, Op.SUB, Op.MUL, Op.NEG):
            assert node.a is not None
            x = vals[id(node.a)]
            y = vals[id(node.b)] if node.b is not None else None
            v = _combine(node, x, y)
            for c in (node.a, node.b):
                if c is not None:
                    uses[id(c)] -= 1
                    if uses[id(c)] == 0:
                        del vals[id(c)]
        elif node.op == Op.CONST:
            v = np.asarray(node.value, dtype=U64)
        else:
            v = leaf(node)
        vals[id(node)] = v
        for i in root_ids.get(id(node), ()):
            consume(i, v)
            uses[id(node)] -= 1
        if id(node) in root_ids and uses[id(node)] == 0:
            del vals[id(node)]


def evaluate_numpy(roots: Sequence[Expr], leaf: LeafFn, m: int) -> list[np.ndarray]:
    """Values of all roots, broadcast to ``m`` points (base ``(m,)``, extension ``(m, 4)``)."""
    out: list[np.ndarray | None] = [None] * len(roots)

    def keep(i: int, v: np.ndarray) -> None:
        shape = (m, 4) if roots[i].is_ext else (m,)
        out[i] = np.broadcast_to(v, shape)

    evaluate_stream(roots, leaf, keep)
    return [v for v in out if v is not None]


class RowLeaves:
    """Leaves over a plain trace of n rows (the constraint domain H itself): next row = row
    + 1 cyclically; selectors are 0/1 row indicators (is_transition = 1 except the last row).
    Used by aux-trace generation and the debug checker."""

    def __init__(
        self,
        main: np.ndarray,
        pre: np.ndarray | None,
        aux: np.ndarray | None,
        public: Sequence[int],
        challenges: np.ndarray | None,
        cumsum: np.ndarray | None,
    ) -> None:
        self.main = main.astype(U64)
        self.n = main.shape[0]
        self.pre = None if pre is None else pre.astype(U64)
        self.aux = None if aux is None else aux.astype(U64)
        self.public = [int(v) % P_INT for v in public]
        self.challenges = challenges
        self.cumsum = cumsum
        self._cache: dict[tuple[int, int, bool], np.ndarray] = {}

    def __call__(self, node: Expr) -> np.ndarray:
        op = node.op
        if op in (Op.MAIN, Op.PRE, Op.AUX):
            key = (int(op), node.index, node.nxt)
            if key not in self._cache:
                src = {Op.MAIN: self.main, Op.PRE: self.pre, Op.AUX: self.aux}[op]
                if src is None:
                    raise ValueError(f"constraint uses {op.name} columns the table lacks")
                col = src[:, node.index]
                self._cache[key] = np.roll(col, -1, axis=0) if node.nxt else col
            return self._cache[key]
        if op == Op.PUBLIC:
            return np.asarray(self.public[node.index], dtype=U64)
        if op == Op.CHALLENGE:
            if self.challenges is None:
                raise ValueError("challenges are not available here")
            return self.challenges[node.index].astype(U64)
        if op == Op.CUMSUM:
            if self.cumsum is None:
                raise ValueError("cumsum is not available here")
            return self.cumsum.astype(U64)
        sel = np.zeros(self.n, dtype=U64)
        if op == Op.IS_FIRST:
            sel[0] = 1
        elif op == Op.IS_LAST:
            sel[-1] = 1
        else:
            sel[:] = 1
            sel[-1] = 0
        return sel
