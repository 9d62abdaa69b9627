"""The verifier's out-of-domain check of one quotient group, written once over
:class:`~.arith.Arith`.

A group is the tables of one height n (``quotient.quotient_groups``); they share H, Z_H and one
quotient. Given their committed polynomials opened at zeta (and zeta * h for columns whose next
row is used), check

    sum_i gamma^(K-1-i) C_i(zeta) == Z_H(zeta) * sum_j zeta^(j n) Q_j(zeta)

where C_0..C_(K-1) are the constraints of all the group's tables in table order (Horner in
gamma continues from one table to the next), Z_H(x) = x^n - 1 and the selectors evaluated at
zeta (computed once per group): is_first = Z_H / (n (zeta - 1)),
is_last = h^-1 Z_H / (n (zeta - h^-1)), is_transition = zeta - h^-1. Control flow depends only
on the tables' shapes (constraints, widths, n), never on values, so a circuit implementation of
``Arith`` emits a fixed circuit; the one exception is the native verifier's shortcut for a table
whose openings are all zero and whose constraints vanish with its columns (an unused precompile
table): their values are zeros, so it skips evaluating them (``_known_to_vanish``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic

from zkrv_prover.stark.air.air import Expr, Op, TableLayout, topo_order
from zkrv_prover.stark.field.arith import (
    AnyArith,
    Arith,
    B,
    Bit,
    D,
    E,
    LogHeight,
    e_from_base,
    e_pow_const,
)
from zkrv_prover.stark.field.field import (
    EXT_DEGREE,
    EXT_ONE,
    EXT_ZERO,
    GENERATOR,
    P,
    ext_embed,
    inv_int,
    two_adic_generator,
)


@dataclass
class TableOpenings(Generic[E]):
    """Opened values of one table (extension elements). ``*_next`` are empty when the table's
    constraints never read that kind's next row. ``aux``/``aux_next`` and ``quotient`` hold the
    base-column openings (EXT_DEGREE per extension column / chunk), recombined here."""

    main: list[E]
    main_next: list[E]
    pre: list[E]
    pre_next: list[E]
    aux: list[E]
    aux_next: list[E]
    quotient: list[E]


def zeta_pow_height(ar: Arith[B, E, D, Bit], zeta: E, log_n: LogHeight[B, Bit]) -> E:
    """zeta^(2^log_n) for a variable log height: hi squarings, then a selection among the
    candidates (EXT_DEGREE selects per candidate beyond the first)."""
    pows = [zeta]
    for _ in range(log_n.hi):
        pows.append(ar.e_mul(pows[-1], pows[-1]))
    out: E = log_n.select(ar, ar.select_e, lambda lg: pows[lg])
    return out


def check_zeta(
    ar: Arith[B, E, D, Bit],
    zeta: E,
    log_n: int | LogHeight[B, Bit],
    log_lde: int | LogHeight[B, Bit],
) -> None:
    """Reject an out-of-domain point in the trace domain or the LDE coset (fails verification).

    ``log_n``: log2 of the tallest table's height n, ``log_lde``: of the largest LDE domain N
    (either may be data, a :class:`~.arith.LogHeight`). Every table's constraint domain H_t is
    a subgroup of H_n, and every committed matrix's LDE coset GENERATOR * H_(N_i) lies in
    GENERATOR * H_N; zeta * h_t is in either set exactly when zeta is (h_t lies in both
    subgroups). In H_n, Z_H(zeta) = 0 and the quotient identity holds for any quotient; in the
    coset, a DEEP quotient divides by x - zeta = 0. So the check is
    ``(zeta^n - 1) (zeta^N - GENERATOR^N) != 0``: the squarings of zeta (shared with the
    out-of-domain check's zeta^n in a circuit, whose e_mul is memoized), one product and one
    nonzero check. An honest zeta fails it with probability about (n + N) / p^EXT_DEGREE."""
    hi = max(lg if isinstance(lg, int) else lg.hi for lg in (log_n, log_lde))
    pows = [zeta]
    for _ in range(hi):
        pows.append(ar.e_mul(pows[-1], pows[-1]))

    def pick(lg: int | LogHeight[B, Bit]) -> E:
        if isinstance(lg, int):
            return pows[lg]
        out: E = lg.select(ar, ar.select_e, lambda h: pows[h])
        return out

    def g_pow(h: int) -> int:
        return pow(GENERATOR, 1 << h, P)

    if isinstance(log_lde, int):
        g_n = ar.e_const(ext_embed(g_pow(log_lde)))
    else:
        g_n = e_from_base(ar, log_lde.select_b_const(ar, g_pow))
    in_h = ar.e_sub(pick(log_n), ar.e_const(EXT_ONE))
    in_coset = ar.e_sub(pick(log_lde), g_n)
    ar.e_assert_nonzero(
        ar.e_mul(in_h, in_coset), "out-of-domain point outside the trace domain and LDE coset"
    )


def uses_next(layout: TableLayout, op: Op) -> bool:
    """Whether any constraint reads the next row of a column of kind ``op``."""
    return op in layout.next_row_kinds


def recombine(ar: Arith[B, E, D, Bit], cols: Sequence[E]) -> list[E]:
    """Extension values of committed extension columns from their EXT_DEGREE base columns'
    openings: a column holding coordinates (c0, c1, ...) is the polynomial sum_k x^k c_k(X), so
    its value at zeta is sum_k x^k c_k(zeta) with x the extension generator."""
    d = EXT_DEGREE
    if len(cols) % d:
        raise ValueError(f"extension columns come in groups of {d} base columns")
    basis = [ar.e_const([1 if i == k else 0 for i in range(d)]) for k in range(d)]
    out = []
    for j in range(0, len(cols), d):
        acc = cols[j]
        for k in range(1, d):
            acc = ar.e_add(acc, ar.e_mul(basis[k], cols[j + k]))
        out.append(acc)
    return out


class ZetaDomain(Generic[B, E, D, Bit]):
    """Z_H(zeta), zeta^n and the selectors at zeta for one constraint domain H of size n (``n``:
    the row count, or a :class:`~.arith.LogHeight` when the height is data: then ``zeta^n`` is
    selected from the chain of squarings and the constants ``h^-1``, ``n``, ``n h`` by the
    height's selector). Selectors are computed on first use and shared by every table of H."""

    def __init__(self, ar: Arith[B, E, D, Bit], zeta: E, n: int | LogHeight[B, Bit]) -> None:
        self.ar, self.zeta = ar, zeta
        self.one = one = ar.e_const(EXT_ONE)
        if isinstance(n, int):
            h_inv = inv_int(two_adic_generator(n.bit_length() - 1))
            self.zeta_n = e_pow_const(ar, zeta, n)
            self.h_inv_e = ar.e_const(ext_embed(h_inv))
            self.n_b, self.nh_b = ar.b_const(n), ar.b_const(n * inv_int(h_inv))
        else:
            self.zeta_n = zeta_pow_height(ar, zeta, n)
            self.h_inv_e = e_from_base(
                ar, n.select_b_const(ar, lambda lg: inv_int(two_adic_generator(lg)))
            )
            self.n_b = n.select_b_const(ar, lambda lg: 1 << lg)
            self.nh_b = n.select_b_const(ar, lambda lg: (1 << lg) * two_adic_generator(lg))
        self.zh = ar.e_sub(self.zeta_n, one)
        self._sel: dict[Op, E] = {}

    def selector(self, kind: Op) -> E:
        """is_first / is_last / is_transition at zeta."""
        ar, zeta = self.ar, self.zeta
        if kind not in self._sel:
            if kind == Op.IS_TRANSITION:
                self._sel[kind] = ar.e_sub(zeta, self.h_inv_e)
            elif kind == Op.IS_FIRST:
                den = ar.e_mul_base(ar.e_sub(zeta, self.one), self.n_b)
                self._sel[kind] = ar.e_mul(self.zh, ar.e_inv(den))
            else:
                den = ar.e_mul_base(ar.e_sub(zeta, self.h_inv_e), self.nh_b)
                self._sel[kind] = ar.e_mul(self.zh, ar.e_inv(den))
        return self._sel[kind]


def constraint_values(
    ar: Arith[B, E, D, Bit],
    layout: TableLayout,
    op: TableOpenings[E],
    public: Sequence[B],
    challenges: Sequence[E],
    cumsum: E | None,
    dom: ZetaDomain[B, E, D, Bit],
    global_sum: E | None = None,
) -> list[E]:
    """Every constraint of the table evaluated at zeta (``dom``: the table's domain at zeta).
    ``cumsum``/``global_sum``: the table's local LogUp sum and its global share (the
    ``Op.CUMSUM`` leaves of index 0 and 1)."""
    aux = recombine(ar, op.aux)
    aux_next = recombine(ar, op.aux_next)
    # Evaluate the DAG: each node is either base (B: constants, public values) or ext (E).
    vals: dict[int, tuple[bool, Any]] = {}

    def as_e(v: tuple[bool, Any]) -> E:
        out: E = e_from_base(ar, v[1]) if v[0] else v[1]
        return out

    def leaf(node: Expr) -> tuple[bool, Any]:
        k = node.op
        if k == Op.CONST:
            return True, ar.b_const(node.value)
        if k == Op.PUBLIC:
            return True, public[node.index]
        if k == Op.CHALLENGE:
            return False, challenges[node.index]
        if k == Op.EXT_BASIS:
            return False, ar.e_const([int(i == node.index) for i in range(EXT_DEGREE)])
        if k == Op.CUMSUM:
            c = cumsum if node.index == 0 else global_sum
            if c is None:
                raise ValueError("constraint reads a LogUp sum the table does not have")
            return False, c
        if k in (Op.IS_FIRST, Op.IS_LAST, Op.IS_TRANSITION):
            return False, dom.selector(k)
        src = {
            (Op.MAIN, False): op.main,
            (Op.MAIN, True): op.main_next,
            (Op.PRE, False): op.pre,
            (Op.PRE, True): op.pre_next,
            (Op.AUX, False): aux,
            (Op.AUX, True): aux_next,
        }[(k, node.nxt)]
        return False, src[node.index]

    roots = [c.expr for c in layout.constraints]
    for node in topo_order(roots):
        if node.a is None:
            vals[id(node)] = leaf(node)
            continue
        xa = vals[id(node.a)]
        if node.op == Op.NEG:
            if xa[0]:
                vals[id(node)] = (True, ar.b_sub(ar.b_const(0), xa[1]))
            else:
                vals[id(node)] = (False, ar.e_sub(ar.e_const(EXT_ZERO), xa[1]))
            continue
        assert node.b is not None
        xb = vals[id(node.b)]
        vals[id(node)] = _binop(ar, node.op, xa, xb)
    return [as_e(vals[id(r)]) for r in roots]


def _binop(
    ar: AnyArith,
    kind: Op,
    xa: tuple[bool, Any],
    xb: tuple[bool, Any],
) -> tuple[bool, Any]:
    a_base, a = xa
    b_base, b = xb
    if a_base and b_base:
        f = {Op.ADD: ar.b_add, Op.SUB: ar.b_sub, Op.MUL: ar.b_mul}[kind]
        return True, f(a, b)
    if kind == Op.MUL:
        if a_base:
            return False, ar.e_mul_base(b, a)
        if b_base:
            return False, ar.e_mul_base(a, b)
        return False, ar.e_mul(a, b)
    ea = e_from_base(ar, a) if a_base else a
    eb = e_from_base(ar, b) if b_base else b
    return False, (ar.e_add if kind == Op.ADD else ar.e_sub)(ea, eb)


@dataclass
class GroupMember(Generic[E]):
    """One table of a quotient group at zeta: its layout, openings and LogUp sum (if any)."""

    layout: TableLayout
    openings: TableOpenings[E]
    cumsum: E | None
    #: The table's global sum (boundary tables of machines with global buses).
    global_sum: E | None = None


def _known_to_vanish(ar: Arith[B, E, D, Bit], m: GroupMember[E]) -> bool:
    """Whether every constraint of ``m`` is known to be zero at zeta without evaluating it: its
    main and aux openings (both points) and its LogUp sums are known zeros
    (:meth:`~.arith.Arith.e_known_zero`: concrete arithmetic only, e.g. an unused precompile
    table of a native verification) and each constraint has a factor among those columns in
    every term (``TableLayout.vanishes_on_zero_trace``). The evaluation would give zeros, so
    skipping it changes no verdict; circuits never skip."""
    op = m.openings
    sums = [s for s in (m.cumsum, m.global_sum) if s is not None]
    return (
        all(ar.e_known_zero(v) for v in (*op.main, *op.main_next, *op.aux, *op.aux_next, *sums))
        and m.layout.vanishes_on_zero_trace
    )


def check_group(
    ar: Arith[B, E, D, Bit],
    members: Sequence[GroupMember[E]],
    quotient: Sequence[E],
    public: Sequence[B],
    challenges: Sequence[E],
    gamma: E,
    zeta: E,
    n: int | LogHeight[B, Bit],
    stride: int | LogHeight[B, Bit] | None = None,
) -> None:
    """The out-of-domain identity of one quotient group (module doc): the members' constraints
    in order, Horner-combined with ``gamma``, equal Z_H(zeta) times the group quotient (its
    chunks' base-column openings ``quotient``, recombined here); fails through ``ar``. ``n`` as
    in :class:`ZetaDomain` (all members have that height). ``stride``: the chunks' stride s
    (``Q = sum_j x^(j s) Q_j``), a row count or a log height as data; default n (the lifted
    layout's strides: ``lifted_quotient.chunk_plan``)."""
    if not members:
        raise ValueError("a quotient group has at least one table")
    dom: ZetaDomain[B, E, D, Bit] = ZetaDomain(ar, zeta, n)
    acc: E | None = None
    for m in members:
        if _known_to_vanish(ar, m):
            # every constraint is zero at zeta: Horner over K zeros multiplies acc by gamma^K
            k = len(m.layout.constraints)
            zero = ar.e_const(EXT_ZERO)
            acc = zero if acc is None else ar.e_mul(acc, e_pow_const(ar, gamma, k))
            continue
        values = constraint_values(
            ar, m.layout, m.openings, public, challenges, m.cumsum, dom, m.global_sum
        )
        for v in values:
            acc = v if acc is None else ar.e_add(ar.e_mul(acc, gamma), v)
    assert acc is not None, "tables without constraints"
    chunks = recombine(ar, quotient)
    if stride is None:
        zeta_s = dom.zeta_n
    elif isinstance(stride, int):
        zeta_s = e_pow_const(ar, zeta, stride)
    else:
        zeta_s = zeta_pow_height(ar, zeta, stride)
    q = chunks[-1]
    for ch in reversed(chunks[:-1]):  # Horner in zeta^s
        q = ar.e_add(ar.e_mul(q, zeta_s), ch)
    names = ", ".join(repr(m.layout.air.name) for m in members)
    ar.e_assert_eq(acc, ar.e_mul(dom.zh, q), f"table(s) {names}: constraints at zeta")


__all__ = [
    "GroupMember",
    "P",
    "TableOpenings",
    "ZetaDomain",
    "check_group",
    "constraint_values",
    "recombine",
    "uses_next",
]
