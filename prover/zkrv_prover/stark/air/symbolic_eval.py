"""Vectorized numpy evaluation of constraint DAGs (prover and debug side).

Values are uint64 numpy arrays holding canonical BabyBear elements: base values have shape
``(m,)`` (or ``()`` for constants / public values), extension values ``(m, EXT_DEGREE)`` (or
``(EXT_DEGREE,)`` for challenges), coefficients of 1, X, X^2, ... with X^EXT_DEGREE = EXT_W
(``field.py``). Each DAG node is computed once for
all m points; intermediates are freed as soon as their last consumer ran, so a DAG of hundreds
of nodes over 2^19 points stays within a few arrays of memory. No loops over rows.

The field arithmetic is :mod:`zkrv_prover.stark.field.field`'s uint64 lane functions; the names
below (``b_add``, ``ext_mul``...) are aliases kept for this module's callers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from zkrv_prover.stark.air.air import Expr, Op
from zkrv_prover.stark.field import field as fld

P = np.uint64(fld.P)
P_INT = fld.P

U64 = np.uint64

# -- field helpers (aliases of field.py's uint64 lanes) -----------------------------------------
b_add = fld.add64
b_sub = fld.sub64
b_mul = fld.mul64
b_neg = fld.neg64
b_pow = fld.pow64
b_inv = fld.inv64
ext_from_base = fld.ext_from_base64
ext_add = fld.add64
ext_sub = fld.sub64
ext_neg = fld.neg64
ext_mul_base = fld.ext_mul_base64
ext_mul = fld.ext_mul64
ext_inv = fld.ext_inv64


# -- DAG evaluation ------------------------------------------------------------------------------
LeafFn = Callable[[Expr], np.ndarray]


def ext_basis(k: int) -> np.ndarray:
    """The extension constant x^k, shape (EXT_DEGREE,) uint64."""
    v = np.zeros(fld.EXT_DEGREE, dtype=U64)
    v[k] = 1
    return v


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


class DagPlan:
    """The evaluation schedule of a list of roots over their shared DAG, computed once and run
    on any number of point sets (the quotient runs it once per block of points): topological
    order, and for every node how many consumers it has (children and root slots), so each
    intermediate is dropped right after its last use."""

    def __init__(self, roots: Sequence[Expr]) -> None:
        from zkrv_prover.stark.air.air import topo_order

        self.roots = list(roots)
        self.order = topo_order(self.roots)
        uses: dict[int, int] = {}
        for node in self.order:
            for c in (node.a, node.b):
                if c is not None:
                    uses[id(c)] = uses.get(id(c), 0) + 1
        self.root_ids: dict[int, list[int]] = {}
        for i, r in enumerate(self.roots):
            self.root_ids.setdefault(id(r), []).append(i)
            uses[id(r)] = uses.get(id(r), 0) + 1
        self.uses = uses

    def run(self, leaf: LeafFn, consume: Callable[[int, np.ndarray], None]) -> None:
        """Evaluate every root, calling ``consume(i, value_of_root_i)`` as each is ready."""
        uses = dict(self.uses)
        root_ids = self.root_ids
        vals: dict[int, np.ndarray] = {}
        for node in self.order:
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
            elif node.op == Op.EXT_BASIS:
                v = ext_basis(node.index)
            else:
                v = leaf(node)
            vals[id(node)] = v
            for i in root_ids.get(id(node), ()):
                consume(i, v)
                uses[id(node)] -= 1
            if id(node) in root_ids and uses[id(node)] == 0:
                del vals[id(node)]


def evaluate_stream(
    roots: Sequence[Expr],
    leaf: LeafFn,
    consume: Callable[[int, np.ndarray], None],
) -> None:
    """Evaluate every root, calling ``consume(i, value_of_root_i)`` as each is ready; frees
    intermediates after their last use (reference counts over the shared DAG)."""
    DagPlan(roots).run(leaf, consume)


def evaluate_numpy(roots: Sequence[Expr], leaf: LeafFn, m: int) -> list[np.ndarray]:
    """Values of all roots, broadcast to ``m`` points (base ``(m,)``, extension
    ``(m, EXT_DEGREE)``)."""
    out: list[np.ndarray | None] = [None] * len(roots)

    def keep(i: int, v: np.ndarray) -> None:
        shape = (m, fld.EXT_DEGREE) if roots[i].is_ext else (m,)
        out[i] = np.broadcast_to(v, shape)

    evaluate_stream(roots, leaf, keep)
    return [v for v in out if v is not None]


def cumsum_leaf(cumsum: np.ndarray, index: int) -> np.ndarray:
    """The value of ``Op.CUMSUM`` leaf ``index`` from a table's sums: ``(EXT_DEGREE,)`` (the
    local LogUp sum only) or ``(2, EXT_DEGREE)`` (local, global: boundary tables)."""
    if cumsum.ndim == 1:
        if index != 0:
            raise ValueError("this table has no global sum")
        return cumsum
    return cumsum[index]


class RowLeaves:
    """Leaves over a plain trace of n rows (the constraint domain H itself): next row = row
    + 1 cyclically; selectors are 0/1 row indicators (is_transition = 1 except the last row).
    Used by aux-trace generation and the debug checker.

    ``rows = (r0, r1)`` restricts the leaves to that window of rows (values of shape
    (r1 - r0,), next rows still wrapping around the whole trace), so callers can evaluate a
    trace block by block. Columns are converted to uint64 on first use, per window."""

    def __init__(
        self,
        main: np.ndarray,
        pre: np.ndarray | None,
        aux: np.ndarray | None,
        public: Sequence[int],
        challenges: np.ndarray | None,
        cumsum: np.ndarray | None,
        rows: tuple[int, int] | None = None,
    ) -> None:
        self.main, self.pre, self.aux = main, pre, aux
        self.n = main.shape[0]
        window: tuple[int, int] = rows if rows is not None else (0, self.n)
        self.r0, self.r1 = window
        if not 0 <= self.r0 <= self.r1 <= self.n:
            raise ValueError(f"row window {rows} outside a trace of {self.n} rows")
        self.public = [int(v) % P_INT for v in public]
        self.challenges = challenges
        self.cumsum = cumsum
        self._cache: dict[tuple[int, int, bool], np.ndarray] = {}

    def _column(self, src: np.ndarray, index: int, nxt: bool) -> np.ndarray:
        r0, r1 = self.r0, self.r1
        if not nxt:
            return src[r0:r1, index].astype(U64)
        if r1 < self.n:
            return src[r0 + 1 : r1 + 1, index].astype(U64)
        return src[(np.arange(r0, r1) + 1) % self.n, index].astype(U64)

    def __call__(self, node: Expr) -> np.ndarray:
        op = node.op
        if op in (Op.MAIN, Op.PRE, Op.AUX):
            key = (int(op), node.index, node.nxt)
            if key not in self._cache:
                src = {Op.MAIN: self.main, Op.PRE: self.pre, Op.AUX: self.aux}[op]
                if src is None:
                    raise ValueError(f"constraint uses {op.name} columns the table lacks")
                self._cache[key] = self._column(src, node.index, node.nxt)
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
            return cumsum_leaf(self.cumsum, node.index).astype(U64)
        idx = np.arange(self.r0, self.r1)
        if op == Op.IS_FIRST:
            return (idx == 0).astype(U64)
        if op == Op.IS_LAST:
            return (idx == self.n - 1).astype(U64)
        return (idx != self.n - 1).astype(U64)
