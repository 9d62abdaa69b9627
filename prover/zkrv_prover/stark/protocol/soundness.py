"""Term-by-term soundness calculator for the STARK (proven bounds, plus the conjectured figure).

The protocol (``docs/stark.md``) is analysed round by round, following the public methodology of
the Ethereum Foundation's soundcalc (DEEP-ALI over a batched FRI, Reed-Solomon proximity gaps of
BCHKS25 in two regimes). Each term below is the probability that one verifier challenge is
"bad" for a cheating prover; its security in bits is ``-log2(error)`` and the figure of a proof
shape is the minimum over the terms (round-by-round soundness; grinding adds its bits to the
term it precedes). Notation: |F| the challenge field (extension of degree d over p), rho the
code rate, n the LDE domain of a codeword, k = rho n its degree bound, L the list size and
1 - delta the per-query acceptance of the regime.

Regimes (:class:`UniqueDecoding`, :class:`JohnsonBound`, :class:`Conjectured`):

- UDR: delta = (1 - rho) / 2, L = 1, correlated-agreement error (delta n + 1) / |F|
  (BCHKS25 Thm 1.3 / Cor 1.4).
- JBR: delta = 1 - sqrt(rho) - eta with eta = sqrt(rho) / (2 m) for a Guruswami-Sudan
  multiplicity m >= 3 (so m = max(ceil(sqrt(rho) / (2 eta)), 3) as in BCHKS25 Thm 4.2), error
  ``((2 m'^5 + 3 m' delta rho) n / (3 rho^1.5) + m' / sqrt(rho)) / |F|`` with m' = m + 1/2, and
  L = min(1 / (2 eta sqrt(rho)), m' / sqrt(rho)) (Johnson bound; Guruswami-Sudan list size). m
  is ours to choose: a larger m lowers eta, so each query is worth more, but the algebraic
  errors grow like m^5. ``JohnsonBound(m=None)`` picks the m in :data:`JBR_M_RANGE` that
  maximises the minimum over all terms.
- Conjectured: the project's former ethSTARK-style figure, for comparison only: per-query error
  rho (proximity up to capacity) and N_max / |F| per algebraic challenge. Proximity gaps up to
  capacity were disproved in general in 2025 (DG25, CS25); this is not a security claim.

Terms (:func:`security_report`):

- ALI: one challenge gamma combines all C constraints by powers: L C / |F| (Haböck 2022, Thm 8).
- DEEP: per quotient group (tables of one height n, committed degree bound Nd, degree D, m_c
  opening points per column): L (D (Nd + m_c - 1) + Nd - 1) / (|F| - n - N), summed over groups.
- FRI batching: the PCS combines all B_h (column, point) DEEP quotients of each LDE height h
  (the zk masking codeword included) with powers of one challenge: (B_h - 1) eps(n_h), summed
  over heights; with independent challenges it would be eps(n_h) per height. Lifted proofs
  (one challenge alpha_m per committed matrix): per height, sum over its M_h matrices of
  (B_m - 1) eps(n_h), plus eps(n_h) when M_h >= 2 (:func:`_fri_terms`).
- FRI commit round i: folding by a with powers of beta_i is a batch of a functions, or a + 1
  when a shorter input is rolled in: (a - 1) eps(n_i) or a eps(n_i), n_i the folded domain.
- FRI query phase: (1 - delta)^q 2^-pow (grinding applies here, the only phase we grind).
- LogUp (alpha): the sum of all F fractions (interactions x rows over all tables) is a rational
  function in alpha whose numerator has degree < F; alpha also must avoid the F poles (at a
  pole a helper column of a zero-multiplicity row is unconstrained): (2 F - 1) / |F|.
- LogUp fingerprint (beta): a tuple with nonzero net multiplicity must not collide under
  ``bus + sum_j beta^(j+1) v_j`` with one of the other <= F tuples: F S / |F|, S the longest
  tuple (the fingerprint's degree in beta).
- Global buses (machines with ``Machine.global_buses``, ``docs/stark.md``, "Global buses"):
  the global challenges (alpha_G, beta_G) are drawn once for a family of proofs, after every
  proof's boundary round (which fixes the global tuples and the blinds) is committed, so the
  LogUp argument runs once over the family: :func:`global_bus_terms` with F_G the number of
  global fractions of *all* proofs of the family (the per-proof ``ProofShape.global_fractions``
  summed) gives (2 F_G - 1) / |F| and F_G S_G / |F|. The LogUp terms above count the local
  fractions only. The boundary round adds no challenge inside a proof; its matrices are the
  boundary tables' main matrices, batched like every other committed matrix (``shape_of``
  counts each table's main, blind and aux columns wherever they are committed).
- Hash (:data:`HASH_TERM`): the analysis models the proof's hash family (``PcsParams.hash``) as
  a random oracle; a collision (a commitment opened two ways, a transcript state reached twice)
  breaks it, so the family's generic collision resistance caps every figure. It is the family's
  named property ``hash_scheme.HashSecurity.collision_bits``, min(digest, capacity) / 2 bits:
  ~126.8 for Poseidon-BN254 (one 254-bit scalar), ~123.6 for Poseidon2-BabyBear (width 16,
  capacity 8 and 8-element digests: 8 log2(p) = 247.3 bits). It is a bound on the prover's
  work (hash evaluations), not a per-challenge probability, and never depends on the shape.

Rates: with zk a committed height-n matrix holds polynomials of degree < n (1 + 2^-6) (the
relaxed bound, ``params.PcsParams.degree_bound``), so rho = (1 + 2^-6) / blowup everywhere
(smaller zk-padded tables have a lower rate; the largest rate is the bound).

Shapes (:class:`ProofShape`) are derived from compiled AIR layouts by :func:`shape_of`, with
the same opening rules as the verifier; :func:`zkvm_max_shape` is the zkVM at its largest
accepted heights and :func:`security_summary` the headline figures of the zkVM's parameters
(``zkvm.image_id.zkvm_params``: the STARK defaults with the Poseidon2-BabyBear hash).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

from zkrv_prover.stark.air import zk
from zkrv_prover.stark.air.air import Op, TableLayout, compile_machine
from zkrv_prover.stark.air.ood import uses_next
from zkrv_prover.stark.air.quotient import group_degree, num_chunks, quotient_groups
from zkrv_prover.stark.commit import fri
from zkrv_prover.stark.commit.hash_scheme import scheme_of
from zkrv_prover.stark.commit.params import TARGET_SECURITY_BITS, ZK_LOG_HEADROOM, PcsParams
from zkrv_prover.stark.field.field import EXT_DEGREE, TWO_ADICITY, P
from zkrv_prover.stark.field.profile import PROFILE

Batching = Literal["powers", "independent"]

#: Multiplicities searched when ``JohnsonBound(m=None)`` optimises m (BCHKS25 Thm 4.2 needs
#: m >= 3; beyond 16 each query gains < 0.02 bit while the algebraic terms lose 5 log2(m)).
JBR_M_RANGE = range(3, 17)
#: Name of the query-phase term (the only one that depends on the query count).
QUERY_TERM = "FRI query phase"
#: Name of the hash family's collision-resistance term (module doc).
HASH_TERM = "hash collision resistance"
#: Largest query count :func:`min_queries_for` considers (``PcsParams`` accepts up to 512).
MAX_QUERIES = 512


# ------------------------------------------------------------------------------------------------
# Field and regimes
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExtensionField:
    """The challenge field F_p^degree (default: BabyBear and the field module's degree)."""

    p: int = P
    degree: int = EXT_DEGREE

    def __post_init__(self) -> None:
        if self.p < 2 or self.degree < 1:
            raise ValueError("need a prime p >= 2 and an extension degree >= 1")

    @property
    def size(self) -> float:
        """|F| as a float (p^degree; < 2^1024 for any field used here)."""
        return float(self.p) ** self.degree

    @property
    def bits(self) -> float:
        """log2 |F|."""
        return self.degree * math.log2(self.p)


class Regime(Protocol):
    """A proximity-gaps regime: how far from the code FRI proves, the list size there, and the
    correlated-agreement error of one random combination (module doc)."""

    def label(self, rho: float) -> str:
        """Name of the regime for reports (with its parameters)."""
        ...

    def proximity(self, rho: float) -> float:
        """delta: the distance up to which FRI's queries are analysed."""
        ...

    def list_size(self, rho: float) -> float:
        """L: codewords within delta of any word."""
        ...

    def mca_error(self, rho: float, log_n: int, fld: ExtensionField) -> float:
        """Error of one combination of two functions on a domain of 2^log_n points."""
        ...

    def batch_error(self, rho: float, log_n: int, fld: ExtensionField, count: int) -> float:
        """Error of combining ``count`` functions with powers of one challenge."""
        ...


@dataclass(frozen=True)
class UniqueDecoding:
    """Unique-decoding regime (BCHKS25 Thm 1.3 / Cor 1.4)."""

    def label(self, rho: float) -> str:
        return "UDR"

    def proximity(self, rho: float) -> float:
        return (1 - rho) / 2

    def list_size(self, rho: float) -> float:
        return 1.0

    def mca_error(self, rho: float, log_n: int, fld: ExtensionField) -> float:
        return (self.proximity(rho) * 2.0**log_n + 1) / fld.size

    def batch_error(self, rho: float, log_n: int, fld: ExtensionField, count: int) -> float:
        return max(count - 1, 0) * self.mca_error(rho, log_n, fld)


@dataclass(frozen=True)
class JohnsonBound:
    """Johnson-bound regime (BCHKS25 Thm 4.2). ``m``: the Guruswami-Sudan multiplicity (our
    parameter, eta = sqrt(rho) / (2 m)); None lets :func:`security_report` choose the best m in
    :data:`JBR_M_RANGE`. ``eta``: an explicit gap instead (then m = max(ceil(sqrt(rho) /
    (2 eta)), 3)); used to replay other systems' published figures."""

    m: int | None = None
    eta: float | None = None

    def __post_init__(self) -> None:
        if self.m is not None and self.eta is not None:
            raise ValueError("give m or eta, not both")
        if self.m is not None and self.m < 3:
            raise ValueError("BCHKS25 Thm 4.2 needs m >= 3")
        if self.eta is not None and not self.eta > 0:
            raise ValueError("eta must be positive")

    def _m(self) -> int:
        if self.m is None and self.eta is None:
            raise ValueError("JohnsonBound(m=None) must be resolved first (security_report)")
        return self.m if self.m is not None else 0

    def gap(self, rho: float) -> float:
        """eta: the distance from the Johnson radius 1 - sqrt(rho)."""
        if self.eta is not None:
            return self.eta
        return math.sqrt(rho) / (2 * self._m())

    def multiplicity(self, rho: float) -> int:
        """m of Thm 4.2 for this gap."""
        if self.eta is not None:
            return max(math.ceil(math.sqrt(rho) / (2 * self.eta)), 3)
        return self._m()

    def label(self, rho: float) -> str:
        return f"JBR(m={self.multiplicity(rho)})"

    def proximity(self, rho: float) -> float:
        delta = 1 - math.sqrt(rho) - self.gap(rho)
        if not delta > 0:
            raise ValueError(f"the gap {self.gap(rho)} leaves no proximity at rate {rho}")
        return delta

    def list_size(self, rho: float) -> float:
        sr = math.sqrt(rho)
        return min(1 / (2 * self.gap(rho) * sr), (self.multiplicity(rho) + 0.5) / sr)

    def mca_error(self, rho: float, log_n: int, fld: ExtensionField) -> float:
        mm = self.multiplicity(rho) + 0.5
        delta = self.proximity(rho)
        first = (2 * mm**5 + 3 * mm * delta * rho) * 2.0**log_n / (3 * rho**1.5)
        return (first + mm / math.sqrt(rho)) / fld.size

    def batch_error(self, rho: float, log_n: int, fld: ExtensionField, count: int) -> float:
        return max(count - 1, 0) * self.mca_error(rho, log_n, fld)


@dataclass(frozen=True)
class Conjectured:
    """The ethSTARK-style conjectured figure (capacity regime), for comparison only: per-query
    error rho, 2^log_n / |F| per algebraic challenge whatever the batch size, list size 1.
    Proximity gaps up to capacity are disproved in general (DG25, CS25)."""

    def label(self, rho: float) -> str:
        return "conjectured (ethSTARK capacity; disproved in general)"

    def proximity(self, rho: float) -> float:
        return 1 - rho

    def list_size(self, rho: float) -> float:
        return 1.0

    def mca_error(self, rho: float, log_n: int, fld: ExtensionField) -> float:
        return 2.0**log_n / fld.size

    def batch_error(self, rho: float, log_n: int, fld: ExtensionField, count: int) -> float:
        return self.mca_error(rho, log_n, fld)


# ------------------------------------------------------------------------------------------------
# Proof shapes
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuotientGroup:
    """One quotient group (tables of one height): trace rows 2^log_n, the committed degree
    bound ``degree_bound`` (Nd, relaxed or padded under zk), committed log height
    ``log_committed`` and the largest constraint degree ``degree`` (trace units)."""

    log_n: int
    log_committed: int
    degree_bound: int
    degree: int


@dataclass(frozen=True)
class ProofShape:
    """What the soundness terms depend on in one proof (see :func:`shape_of`).

    ``batch`` lists, per committed log height (tallest first), the number of (column, point)
    pairs the PCS batches there: every committed base column at each point it is opened at,
    plus the zk masking codeword. ``ood_points`` is the largest number of opening points of a
    column (zeta and zeta h: 2). ``logup_fractions`` is sum over tables of interactions x rows;
    ``logup_tuple_len`` the longest interaction tuple."""

    name: str
    table_log_heights: tuple[int, ...]
    num_columns: int
    num_constraints: int
    groups: tuple[QuotientGroup, ...]
    batch: tuple[tuple[int, int], ...]
    ood_points: int = 2
    logup_fractions: int = 0
    #: The lifted layout (``heights.py``): one batching challenge per matrix (``matrices``), FRI
    #: folds by two.
    lifted: bool = False
    #: Lifted layout only: per committed log height (as ``batch``), the number of committed
    #: matrices opened there (the zk masking codeword counts as one).
    matrices: tuple[tuple[int, int], ...] = ()
    logup_tuple_len: int = 0
    #: Global interactions x rows of this proof (machines with global buses; the family's total
    #: enters :func:`global_bus_terms`), and the longest global tuple.
    global_fractions: int = 0
    global_tuple_len: int = 0

    def __post_init__(self) -> None:
        if not self.groups or not self.batch:
            raise ValueError("a proof shape needs at least one quotient group and one batch")
        hs = [h for h, _ in self.batch]
        if hs != sorted(set(hs), reverse=True):
            raise ValueError("batch heights must be distinct and tallest first")

    @property
    def log_max_height(self) -> int:
        """log2 of the tallest table's rows."""
        return max(self.table_log_heights)

    @property
    def num_tables(self) -> int:
        return len(self.table_log_heights)

    @property
    def max_degree(self) -> int:
        """Largest constraint degree over all tables."""
        return max(g.degree for g in self.groups)

    @property
    def batch_size(self) -> int:
        """All (column, point) pairs of the PCS batch, every height together."""
        return sum(c for _, c in self.batch)

    def log_max_lde(self, params: PcsParams) -> int:
        """log2 of the largest LDE domain (the tallest committed matrix times the blowup)."""
        return self.batch[0][0] + params.log_blowup

    def as_dict(self, params: PcsParams) -> dict[str, object]:
        """JSON-friendly summary."""
        return {
            "name": self.name,
            "tables": self.num_tables,
            "log_max_height": self.log_max_height,
            "log_max_lde": self.log_max_lde(params),
            "columns": self.num_columns,
            "constraints": self.num_constraints,
            "max_degree": self.max_degree,
            "batch_size": self.batch_size,
            "logup_fractions": self.logup_fractions,
            "logup_tuple_len": self.logup_tuple_len,
        }


def shape_of(
    name: str,
    layouts: Sequence[TableLayout],
    log_heights: Sequence[int],
    params: PcsParams,
    ext_degree: int = EXT_DEGREE,
    lifted: bool = False,
) -> ProofShape:
    """The shape of a proof of compiled ``layouts`` with tables of 2^log_heights rows, opened as
    the verifier opens it (``prover.opening_points``, ``verifier._round_shapes``; a boundary
    table's main matrix is committed in the boundary round, at the same height): main and
    preprocessed columns at zeta, and at zeta h where the table reads their next row; aux
    columns (``ext_degree`` base columns each) at both; each quotient group's chunks at zeta;
    plus the zk masking codeword at the tallest height. Widths and constraint counts come from
    the layouts; heights need not match their preprocessed traces (only shapes are used)."""
    if len(layouts) != len(log_heights):
        raise ValueError("one log height per table")
    if lifted:  # keygen(..., lifted=True)
        return _lifted_shape_of(name, layouts, log_heights, params, ext_degree)
    plans = [zk.plan(params, 1 << lh) for lh in log_heights]
    batch: dict[int, int] = {}
    columns = 0

    def add(log_h: int, width: int, points: int) -> None:
        nonlocal columns
        batch[log_h] = batch.get(log_h, 0) + width * points
        columns += width

    for lay, lh, mp in zip(layouts, log_heights, plans, strict=True):
        add(mp.log_height, lay.main_width, 2 if uses_next(lay, Op.MAIN) else 1)
        if lay.preprocessed is not None:
            add(lh, lay.pre_width, 2 if uses_next(lay, Op.PRE) else 1)
        if lay.has_logup:
            add(mp.log_height, ext_degree * lay.aux_width, 2)
    degrees = [lay.degree for lay in layouts]
    groups = []
    for g in quotient_groups(log_heights):
        mp = plans[g[0]]
        deg = group_degree(degrees, g)
        add(mp.log_height, ext_degree * num_chunks(deg, mp.n, mp.degree_bound), 1)
        groups.append(QuotientGroup(log_heights[g[0]], mp.log_height, mp.degree_bound, deg))
    if params.zk:
        add(max(batch), 1, 1)  # the masking codeword R: one extension-valued function
        columns += ext_degree - 1
    return _assemble_shape(name, layouts, log_heights, columns, groups, batch)


def _lifted_shape_of(
    name: str,
    layouts: Sequence[TableLayout],
    log_heights: Sequence[int],
    params: PcsParams,
    ext_degree: int,
) -> ProofShape:
    """``shape_of`` for the lifted layout (Poseidon2 proofs, ``heights.py``): committed heights
    of ``heights.py``, one quotient per table. Every committed matrix has its own batching
    challenge (``pcs.open_rounds(lifted=True)``): ``batch`` holds the (column, point) pairs per
    height, as in the default layout, and ``matrices`` the number of matrices per height."""
    from zkrv_prover.stark.air.lifted_quotient import chunk_plan
    from zkrv_prover.stark.protocol import heights as hts

    batch: dict[int, int] = {}  # LDE-free log height -> (column, point) pairs
    mats: dict[int, int] = {}  # LDE-free log height -> committed matrices
    columns = 0

    def add(log_h: int, width: int, points: int) -> None:
        nonlocal columns
        batch[log_h] = batch.get(log_h, 0) + width * points
        mats[log_h] = mats.get(log_h, 0) + 1
        columns += width

    tabs = list(zip(layouts, log_heights, strict=True))
    for lay, lh in tabs:
        if lay.preprocessed is not None:
            add(hts.pre_log(params, lh), lay.pre_width, 2 if uses_next(lay, Op.PRE) else 1)
    for lay, lh in tabs:
        add(hts.committed_log(params, lh), lay.main_width, 2 if uses_next(lay, Op.MAIN) else 1)
    for lay, lh in tabs:
        if lay.has_logup:
            add(hts.committed_log(params, lh), ext_degree * lay.aux_width, 2)
    groups = []
    for lay, lh in tabs:
        cp = chunk_plan(params, lay.degree, 1 << lh)
        add(hts.quotient_log(params, lay.degree, lh), ext_degree * cp.chunks, 1)
        groups.append(QuotientGroup(lh, cp.commit.log_height, cp.commit.degree_bound, lay.degree))
    if params.zk:
        add(max(batch), 1, 1)  # the masking codeword R: its own challenge alpha_R
        columns += ext_degree - 1
    return _assemble_shape(
        name,
        layouts,
        log_heights,
        columns,
        groups,
        batch,
        lifted=True,
        matrices=tuple(sorted(mats.items(), reverse=True)),
    )


def _assemble_shape(
    name: str,
    layouts: Sequence[TableLayout],
    log_heights: Sequence[int],
    columns: int,
    groups: Sequence[QuotientGroup],
    batch: dict[int, int],
    **layout_fields: Any,
) -> ProofShape:
    """The :class:`ProofShape` of both layouts from what their walks collected; the LogUp
    figures come from the layouts' interactions at their tables' heights."""
    inters = [
        (i, lh) for lay, lh in zip(layouts, log_heights, strict=True) for i in lay.interactions
    ]
    glob = [
        (i, lh)
        for lay, lh in zip(layouts, log_heights, strict=True)
        for i in lay.global_interactions
    ]
    return ProofShape(
        name=name,
        table_log_heights=tuple(log_heights),
        num_columns=columns,
        num_constraints=sum(len(lay.constraints) for lay in layouts),
        groups=tuple(groups),
        batch=tuple(sorted(batch.items(), reverse=True)),
        ood_points=2,
        logup_fractions=sum(1 << lh for _, lh in inters),
        logup_tuple_len=max((len(i.values) for i, _ in inters), default=0),
        global_fractions=sum(1 << lh for _, lh in glob),
        global_tuple_len=max((len(i.values) for i, _ in glob), default=0),
        **layout_fields,
    )


@functools.cache
def _bench_layouts() -> tuple[TableLayout, ...]:
    from zkrv_prover.stark.examples import bench_air

    return tuple(compile_machine(bench_air.machine()))


def bench_shape(
    params: PcsParams | None = None, log_n: int = 16, ext_degree: int = EXT_DEGREE
) -> ProofShape:
    """The benchmark AIR (``examples/bench_air``: 64 columns x 2^log_n, 256-row byte table)."""
    params = params or PcsParams()
    lays = _bench_layouts()
    heights = [log_n if lay.preprocessed is None else _pre_log_height(lay) for lay in lays]
    return shape_of(f"bench 2^{log_n}", lays, heights, params, ext_degree)


def verifier_max_log_height(params: PcsParams) -> int:
    """Tallest table the generic verifier accepts: committed height + blowup <= TWO_ADICITY
    (``verifier.check_shape``; the relaxed zk bound keeps the committed height)."""
    return TWO_ADICITY - params.log_blowup


def bench_verifier_max_shape(
    params: PcsParams | None = None, ext_degree: int = EXT_DEGREE
) -> ProofShape:
    """The benchmark AIR at the generic verifier's largest height."""
    params = params or PcsParams()
    shape = bench_shape(params, verifier_max_log_height(params), ext_degree)
    return replace(shape, name=f"bench at the verifier's maximum 2^{shape.log_max_height}")


def _pre_log_height(lay: TableLayout) -> int:
    assert lay.preprocessed is not None
    return int(lay.preprocessed.shape[0]).bit_length() - 1


@functools.cache
def zkvm_layouts() -> tuple[TableLayout, ...]:
    """The zkVM machine's compiled layouts, in machine order (cached). Widths, constraints and
    interactions do not depend on the image, so a one-instruction image stands in for any."""
    # stark does not depend on zkvm otherwise: imported here, for the headline figure only
    from zkrv_prover.executor.abi import PAGE_SIZE, RAM_START
    from zkrv_prover.executor.image import MemoryImage
    from zkrv_prover.zkvm.machine import ProgramTables, build_machine

    ecall = 0x00000073
    img = MemoryImage.from_words(
        RAM_START, {RAM_START: ecall}, [(RAM_START, RAM_START + PAGE_SIZE)]
    )
    return tuple(compile_machine(build_machine(ProgramTables.from_image(img))))


def zkvm_max_log_heights() -> list[int]:
    """Per zkVM table, the largest log height a receipt is accepted with: ``machine.height_caps``
    (CPU 2^LOG_MAX_CYCLES, prover-sized tables 2^LOG_MAX_TABLE, fixed tables their own height),
    with the program and image tables at ``image_id.MAX_LOG_TABLE``, the largest image."""
    from zkrv_prover.zkvm.image_id import MAX_LOG_TABLE
    from zkrv_prover.zkvm.machine import height_caps

    lays = zkvm_layouts()
    caps = height_caps(lays)
    return [
        MAX_LOG_TABLE if lay.air.name in ("program", "image") else c
        for lay, c in zip(lays, caps, strict=True)
    ]


def zkvm_max_shape(
    params: PcsParams | None = None, ext_degree: int = EXT_DEGREE, lifted: bool = False
) -> ProofShape:
    """The zkVM machine at its largest accepted heights (:func:`zkvm_max_log_heights`), proven
    with ``params`` (default: the zkVM's)."""
    params = params or zkvm_default_params()
    heights = zkvm_max_log_heights()
    return shape_of("zkvm max", zkvm_layouts(), heights, params, ext_degree, lifted)


# ------------------------------------------------------------------------------------------------
# Report
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One soundness term: its name and its security in bits (``-log2`` of its error)."""

    name: str
    bits: float


@dataclass(frozen=True)
class Report:
    """Per-term security of one shape under one regime; ``minimum`` is the shape's figure."""

    regime: str
    shape: ProofShape
    params: PcsParams
    ext_field: ExtensionField
    batching: Batching
    rho: float
    proximity: float
    list_size: float
    terms: tuple[Term, ...]

    @property
    def minimum(self) -> float:
        return min(t.bits for t in self.terms)

    @property
    def limiting_term(self) -> str:
        """Name of the weakest term (the first one on ties)."""
        return min(self.terms, key=lambda t: t.bits).name

    def bits(self, name: str) -> float:
        """The bits of the term called ``name`` (``KeyError`` if absent)."""
        for t in self.terms:
            if t.name == name:
                return t.bits
        raise KeyError(name)

    def as_dict(self) -> dict[str, object]:
        """JSON-friendly form, without the shape (bits rounded to 0.01)."""
        return {
            "regime": self.regime,
            "hash": self.params.hash,
            "field_bits": round(self.ext_field.bits, 2),
            "batching": self.batching,
            "rho": self.rho,
            "minimum_bits": round(self.minimum, 2),
            "limiting_term": self.limiting_term,
            "terms": {t.name: round(t.bits, 2) for t in self.terms},
        }


def rate(params: PcsParams) -> float:
    """rho of the committed codewords: (1 + 2^-ZK_LOG_HEADROOM) / blowup with zk (module doc)."""
    headroom = 1 + 2.0**-ZK_LOG_HEADROOM if params.zk else 1.0
    return headroom / (1 << params.log_blowup)


def _bits(error: float) -> float:
    return math.inf if error <= 0 else -math.log2(error)


def _query_bits(regime: Regime, rho: float, params: PcsParams) -> float:
    return -params.num_queries * math.log2(1 - regime.proximity(rho)) + params.pow_bits


def _algebraic_terms(
    regime: Regime, rho: float, params: PcsParams, shape: ProofShape, fld: ExtensionField
) -> list[Term]:
    """ALI and DEEP (module doc)."""
    lsize = regime.list_size(rho)
    delta = regime.proximity(rho)
    if isinstance(regime, Conjectured):
        lde_err = 2.0 ** shape.log_max_lde(params) / fld.size
        return [Term("ALI", _bits(lde_err)), Term("DEEP", _bits(lde_err))]
    deep = 0.0
    for g in shape.groups:
        n_lde = 2.0 ** (g.log_committed + params.log_blowup)
        if not g.degree_bound + shape.ood_points < (1 - delta) * n_lde:
            raise ValueError("multi-point DEEP condition k + m_c < (1 - delta) N fails")
        num = g.degree * (g.degree_bound + shape.ood_points - 1) + g.degree_bound - 1
        deep += lsize * num / (fld.size - 2.0**g.log_n - n_lde)
    ali = lsize * shape.num_constraints / fld.size
    return [Term("ALI", _bits(ali)), Term("DEEP", _bits(deep))]


def _fri_terms(
    regime: Regime,
    rho: float,
    params: PcsParams,
    shape: ProofShape,
    fld: ExtensionField,
    batching: Batching,
) -> list[Term]:
    """FRI batching, each commit round and the query phase (module doc).

    Lifted proofs (``keygen(..., lifted=True)``, ``heights.py``) fold by two (a roll-in may
    come at any layer) and batch each committed matrix m with its own challenge alpha_m
    (``pcs.open_rounds(lifted=True)``): the reduced codeword of height h is
    ``sum_m alpha_m g_m(alpha_m)`` with ``g_m(a) = sum_{j < B_m} a^j f_{m,j}`` over m's B_m
    (column, point) quotients. The bound used, per height with M_h matrices and B_h pairs:

        sum_m (B_m - 1) eps + [M_h >= 2] eps = (B_h - M_h + [M_h >= 2]) eps

    - ``(B_m - 1) eps``: correlated agreement for powers of one challenge (curves; BCHKS25
      Thm 1.5 / Thm 4.2 batched by powers, the same ``batch_error`` as the default layout):
      ``g_m(alpha_m)`` close implies all f_{m,j} close, except with that probability; the
      factor alpha_m != 0 does not change the distance to the (linear) code;
    - ``eps``: the M_h per-matrix words combined with the independent uniform challenges
      (alpha_m), as a combination with independent coefficients (BCHKS25 correlated agreement
      for affine spaces / independent coefficients: one ``mca_error``, the ``"independent"``
      batching of this module). This models alpha_m's two roles (inside g_m and as its weight)
      as separate draws, as the brief of this layout asks; a bound without that step (fix all
      challenges but one, the curve bound per matrix, a union over the matrices) would be
      ``sum_m B_m eps = B_h eps``.
    With ``batching="independent"`` every height costs eps, as in the default layout."""
    lb = params.log_blowup
    lifted = shape.lifted
    n_mats = dict(shape.matrices)
    batch_err = 0.0
    for h, count in shape.batch:
        if batching == "independent":
            batch_err += regime.mca_error(rho, h + lb, fld)
        elif lifted:
            mh = n_mats[h]
            batch_err += regime.batch_error(rho, h + lb, fld, count - mh + 1)
            if mh >= 2:
                batch_err += regime.mca_error(rho, h + lb, fld)
        else:
            batch_err += regime.batch_error(rho, h + lb, fld, count)
    out = [Term(f"FRI batching ({batching})", _bits(batch_err))]
    inputs = [h + lb for h, _ in shape.batch]
    cur = inputs[0]
    schedule = fri.fold_schedule(replace(params, log_folding_arity=1) if lifted else params, inputs)
    for i, la in enumerate(schedule):
        cur -= la
        count = (1 << la) + (1 if cur in inputs else 0)
        out.append(
            Term(f"FRI commit round {i + 1}", _bits(regime.batch_error(rho, cur, fld, count)))
        )
    out.append(Term(QUERY_TERM, _query_bits(regime, rho, params)))
    return out


def _logup_terms(shape: ProofShape, fld: ExtensionField) -> list[Term]:
    """LogUp alpha and fingerprint (beta) terms (module doc); none without interactions."""
    f = shape.logup_fractions
    if f == 0:
        return []
    return [
        Term("LogUp (alpha)", _bits((2 * f - 1) / fld.size)),
        Term("LogUp fingerprint (beta)", _bits(f * shape.logup_tuple_len / fld.size)),
    ]


def global_bus_terms(
    total_fractions: int, tuple_len: int, fld: ExtensionField | None = None
) -> list[Term]:
    """The global buses' terms of a family of proofs (module doc): ``total_fractions`` global
    fractions over all its proofs (sum of their ``ProofShape.global_fractions``), tuples of at
    most ``tuple_len`` values. The same bounds as the local LogUp terms: the family's sum of
    fractions plus the blinds (fixed by the boundary roots before alpha_G) is a rational
    function of alpha_G with at most F_G poles. The family's figure is the minimum of these and
    of every proof's own report. Fiat-Shamir: a prover may recommit boundary rounds to redraw
    (alpha_G, beta_G); each try costs hashing, and is covered like any other challenge's."""
    if total_fractions < 0 or tuple_len < 0:
        raise ValueError("fraction count and tuple length are non-negative")
    fld = fld or ExtensionField()
    f = total_fractions
    if f == 0:
        return []
    return [
        Term("global bus (alpha_G)", _bits((2 * f - 1) / fld.size)),
        Term("global bus fingerprint (beta_G)", _bits(f * tuple_len / fld.size)),
    ]


def _hash_terms(params: PcsParams) -> list[Term]:
    """The hash family's generic collision resistance (module doc)."""
    return [Term(HASH_TERM, scheme_of(params.hash).security.collision_bits)]


def _resolve(
    regime: Regime,
    params: PcsParams,
    shape: ProofShape,
    fld: ExtensionField,
    batching: Batching,
) -> Regime:
    """``JohnsonBound(m=None)`` becomes the m of :data:`JBR_M_RANGE` with the best minimum."""
    if not isinstance(regime, JohnsonBound) or regime.m is not None or regime.eta is not None:
        return regime
    return max(
        (JohnsonBound(m) for m in JBR_M_RANGE),
        key=lambda r: _report(r, params, shape, fld, batching).minimum,
    )


def _report(
    regime: Regime,
    params: PcsParams,
    shape: ProofShape,
    fld: ExtensionField,
    batching: Batching,
) -> Report:
    rho = rate(params)
    terms = _algebraic_terms(regime, rho, params, shape, fld)
    terms += _fri_terms(regime, rho, params, shape, fld, batching)
    terms += _logup_terms(shape, fld)
    terms += _hash_terms(params)
    return Report(
        regime=regime.label(rho),
        shape=shape,
        params=params,
        ext_field=fld,
        batching=batching,
        rho=rho,
        proximity=regime.proximity(rho),
        list_size=regime.list_size(rho),
        terms=tuple(terms),
    )


def security_report(
    params: PcsParams,
    shape: ProofShape,
    regime: Regime,
    fld: ExtensionField | None = None,
    batching: Batching = "powers",
) -> Report:
    """Every soundness term of ``shape`` proven with ``params`` under ``regime`` (module doc).
    ``fld`` defaults to BabyBear with the field module's extension degree; ``batching`` is how
    the PCS combines its DEEP quotients ("powers" of one challenge: what the verifier does)."""
    fld = fld or ExtensionField()
    regime = _resolve(regime, params, shape, fld, batching)
    return _report(regime, params, shape, fld, batching)


def min_queries_for(
    target: float,
    params: PcsParams,
    shape: ProofShape,
    regime: Regime,
    fld: ExtensionField | None = None,
    batching: Batching = "powers",
) -> int | None:
    """Smallest query count (<= :data:`MAX_QUERIES`) with every term >= ``target`` bits at
    ``params.pow_bits`` of grinding, or None when no query count does (some other term is below
    target: those do not depend on the queries). With ``JohnsonBound(m=None)`` every m of
    :data:`JBR_M_RANGE` is tried. The shape is taken as given (the query count only changes the
    zk padding of tables below 2^13 rows)."""
    fld = fld or ExtensionField()
    if isinstance(regime, JohnsonBound) and regime.m is None and regime.eta is None:
        found = [
            min_queries_for(target, params, shape, JohnsonBound(m), fld, batching)
            for m in JBR_M_RANGE
        ]
        return min((q for q in found if q is not None), default=None)
    rep = _report(regime, replace(params, num_queries=1), shape, fld, batching)
    if min(t.bits for t in rep.terms if t.name != QUERY_TERM) < target:
        return None
    per_query = -math.log2(1 - regime.proximity(rep.rho))
    q = max(1, math.ceil((target - params.pow_bits) / per_query - 1e-9))
    return q if q <= MAX_QUERIES else None


# ------------------------------------------------------------------------------------------------
# Headline figures and the parameter study
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SecuritySummary:
    """The figures of one parameter set (by default the zkVM's) at the zkVM's largest shape, per
    regime; every report includes the hash family's term (:data:`HASH_TERM`)."""

    jbr: Report
    udr: Report
    conjectured: Report

    @property
    def security_bits_jbr(self) -> float:
        return self.jbr.minimum

    @property
    def security_bits_udr(self) -> float:
        return self.udr.minimum

    @property
    def security_bits_conjectured(self) -> float:
        return self.conjectured.minimum

    def as_dict(self) -> dict[str, object]:
        """JSON-friendly form: per regime the minimum, limiting term and all terms, plus the
        parameters and the shape (``zkrv info --json``); the target is the security profile's
        (``field/profile.py``)."""
        p = self.jbr.params
        hsec = scheme_of(p.hash).security
        return {
            "profile": PROFILE.name,
            "target_bits": PROFILE.target_bits,
            "security_bits_jbr": round(self.security_bits_jbr, 2),
            "security_bits_udr": round(self.security_bits_udr, 2),
            "security_bits_conjectured": round(self.security_bits_conjectured, 2),
            "parameters": {
                "field": f"BabyBear^{self.jbr.ext_field.degree}"
                if self.jbr.ext_field.p == P
                else f"F_{self.jbr.ext_field.p}^{self.jbr.ext_field.degree}",
                "log_blowup": p.log_blowup,
                "rho": self.jbr.rho,
                "num_queries": p.num_queries,
                "pow_bits": p.pow_bits,
                "log_folding_arity": p.log_folding_arity,
                "log_final_poly_len": p.log_final_poly_len,
                "zk": p.zk,
                "batching": self.jbr.batching,
                "hash": p.hash,
            },
            "hash": {
                "family": p.hash,
                "width": hsec.width,
                "capacity_elements": hsec.capacity,
                "digest_elements": hsec.digest_len,
                "digest_bits": round(hsec.digest_bits, 2),
                "capacity_bits": round(hsec.capacity_bits, 2),
                "collision_bits": round(hsec.collision_bits, 2),
                "term": HASH_TERM,
            },
            "shape": self.jbr.shape.as_dict(p),
            "regimes": {
                "jbr": self.jbr.as_dict(),
                "udr": self.udr.as_dict(),
                "conjectured": self.conjectured.as_dict(),
            },
        }


def zkvm_default_params() -> PcsParams:
    """The parameters of zkVM receipts (``zkvm.image_id.zkvm_params``)."""
    from zkrv_prover.zkvm.image_id import zkvm_params

    return zkvm_params()


def security_summary(
    params: PcsParams | None = None, fld: ExtensionField | None = None, lifted: bool | None = None
) -> SecuritySummary:
    """Reports of ``params`` (default: the zkVM's, :func:`zkvm_default_params`) at
    :func:`zkvm_max_shape`, in JBR (best m), UDR and the conjectured regime; ``lifted``: the
    lifted layout's shape (``keygen(..., lifted=True)``; default: the zkVM's layout when
    ``params`` is None, else not lifted)."""
    if lifted is None:
        from zkrv_prover.zkvm.image_id import ZKVM_LIFTED

        lifted = ZKVM_LIFTED and params is None
    params = params or zkvm_default_params()
    fld = fld or ExtensionField()
    shape = zkvm_max_shape(params, fld.degree, lifted)
    return SecuritySummary(
        jbr=security_report(params, shape, JohnsonBound(), fld),
        udr=security_report(params, shape, UniqueDecoding(), fld),
        conjectured=security_report(params, shape, Conjectured(), fld),
    )


@dataclass(frozen=True)
class Candidate:
    """One row of :func:`parameter_study`: the smallest query count (and its JBR multiplicity)
    reaching the target on every term, or None with the term that makes it impossible."""

    ext_degree: int
    log_blowup: int
    log_folding_arity: int
    batching: Batching
    pow_bits: int
    num_queries: int | None
    m: int | None
    minimum_bits: float
    limiting_term: str


def best_jbr_queries(
    target: float,
    params: PcsParams,
    shape: ProofShape,
    fld: ExtensionField,
    batching: Batching = "powers",
    m_range: Iterable[int] = JBR_M_RANGE,
) -> tuple[int, int] | None:
    """(queries, m): the fewest queries over ``m_range`` reaching ``target`` in JBR (ties go to
    the m with the larger minimum), or None."""
    best: tuple[int, float, int] | None = None
    for m in m_range:
        q = min_queries_for(target, params, shape, JohnsonBound(m), fld, batching)
        if q is None:
            continue
        rep = _report(JohnsonBound(m), replace(params, num_queries=q), shape, fld, batching)
        key = (q, -rep.minimum, m)
        if best is None or key < best:
            best = key
    return None if best is None else (best[0], best[2])


def parameter_study(
    target: float = TARGET_SECURITY_BITS,
    ext_degrees: Sequence[int] = (4, 5),
    log_blowups: Sequence[int] = (3, 4),
    log_arities: Sequence[int] = (2, 3),
    batchings: Sequence[Batching] = ("powers", "independent"),
    pow_bits: Sequence[int] = (16, 17, 18, 19, 20),
    m_range: Iterable[int] = JBR_M_RANGE,
) -> list[Candidate]:
    """For every combination, the smallest query count reaching ``target`` JBR bits on every term
    at :func:`zkvm_max_shape` (other parameters at their defaults), with the best m of
    ``m_range``; when impossible, the strongest achievable non-query term is reported (m = 3
    maximises every algebraic term)."""
    ms = list(m_range)
    out = []
    for d in ext_degrees:
        fld = ExtensionField(P, d)
        for lb in log_blowups:
            for la in log_arities:
                for b in batchings:
                    for g in pow_bits:
                        params = PcsParams(log_blowup=lb, log_folding_arity=la, pow_bits=g)
                        out.append(_candidate(target, params, fld, b, ms))
    return out


def _candidate(
    target: float, params: PcsParams, fld: ExtensionField, batching: Batching, ms: list[int]
) -> Candidate:
    shape = zkvm_max_shape(params, fld.degree)
    found = best_jbr_queries(target, params, shape, fld, batching, ms)
    if found is not None:
        q, m = found
        # the query count changes the zk padding of the smallest tables: re-derive and confirm
        params = replace(params, num_queries=q)
        shape = zkvm_max_shape(params, fld.degree)
        rep = _report(JohnsonBound(m), params, shape, fld, batching)
        if rep.minimum < target:
            return _candidate(target, params, fld, batching, ms)
        return Candidate(
            fld.degree,
            params.log_blowup,
            params.log_folding_arity,
            batching,
            params.pow_bits,
            q,
            m,
            rep.minimum,
            rep.limiting_term,
        )
    rep = _report(JohnsonBound(min(ms)), params, shape, fld, batching)
    weakest = min((t for t in rep.terms if t.name != QUERY_TERM), key=lambda t: t.bits)
    return Candidate(
        fld.degree,
        params.log_blowup,
        params.log_folding_arity,
        batching,
        params.pow_bits,
        None,
        None,
        weakest.bits,
        weakest.name,
    )
