"""The multi-table STARK prover (see ``docs/stark.md`` for the protocol).

``keygen(machine, params)`` derives the verifying key (the machine's shape and the commitment to
its preprocessed columns); ``prove(vk, traces, public)`` returns a :class:`StarkProof`. Every
step over rows is vectorized (numpy, native hashing); Python loops run over tables, rounds and
constraints only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from zkrv_prover import progress
from zkrv_prover.stark.air import debug, logup, quotient, zk
from zkrv_prover.stark.air.air import (
    CH_ALPHA,
    CH_ALPHA_G,
    CH_BETA,
    CH_BETA_G,
    Machine,
    Op,
    TableLayout,
    compile_machine,
)
from zkrv_prover.stark.air.lifted_quotient import chunk_plan
from zkrv_prover.stark.air.ood import uses_next
from zkrv_prover.stark.commit import pcs
from zkrv_prover.stark.commit.hash_scheme import scheme_of
from zkrv_prover.stark.commit.params import MAX_LOG_HEIGHT, PcsParams
from zkrv_prover.stark.commit.transcript import FiatShamir
from zkrv_prover.stark.field import ntt
from zkrv_prover.stark.field.arith import NativeArith
from zkrv_prover.stark.field.field import (
    EXT_DEGREE,
    GENERATOR,
    ExtInt,
    P,
    ext_embed,
    ext_mul_int,
    ext_pow_int,
    two_adic_generator,
)
from zkrv_prover.stark.field.randomness import FieldRng, require
from zkrv_prover.stark.protocol import heights
from zkrv_prover.stark.protocol.testing import PROVER_CHECKS

U32 = npt.NDArray[np.uint32]

#: Transcript label of this protocol and the proof format version it is bound to (2: relaxed
#: degree-bound masking, unsalted preprocessed round, final polynomial of 2^6 (+1) coefficients;
#: 3: one quotient per group of equal-height tables instead of one per table; 4: the challenge
#: field is the quintic extension F_p[x]/(x^5 - 2), LogUp blind columns in the main trace of
#: every LogUp table, masking covers two revealed values per query; 5: the parameters bind the
#: hash family, ``PcsParams.hash``, and poseidon2-babybear proofs exist; CHANGELOG.md).
LABEL = "zkrv-stark"
PROOF_VERSION = 5
#: Version of lifted proofs (Poseidon2 proofs with per-table quotients, lifted trees and binary
#: FRI, :mod:`.heights`): bound into their transcript header and proof bytes like
#: ``PROOF_VERSION`` (6: one global alpha order; 7: one batching challenge per committed
#: matrix, same bytes; 8: one salt per lifted leaf instead of one per matrix; CHANGELOG.md).
PROOF_VERSION_LIFTED = 8
#: Added to the version of proofs of machines with global buses (boundary round, global sums:
#: ``docs/stark.md``, "Global buses"): 0x105 / 0x108. A separate format, so the proofs of every
#: other machine keep their bytes and transcripts.
GLOBAL_FORMAT = 0x100
#: Label of the keyed randomness stream of the boundary round (:func:`commit_boundary`).
BOUNDARY_RNG_LABEL = "zkrv/boundary-round/v1"


class ProverError(ValueError):
    """The witness does not satisfy the machine (the message names table, constraint, row)."""


@dataclass
class VerifyingKey:
    """What prover and verifier agree on before any proof: the machine (constraints, widths),
    its compiled layouts, the PCS parameters and the root of the preprocessed columns."""

    machine: Machine
    params: PcsParams
    layouts: list[TableLayout]
    pre_root: int | None
    pre_data: pcs.PcsData | None = field(default=None, repr=False)
    #: The lifted layout (:mod:`.heights`; opt-in for poseidon2-babybear, see keygen).
    lifted: bool = False

    @property
    def version(self) -> int:
        """The proof format version of this key's proofs."""
        base = PROOF_VERSION_LIFTED if self.lifted else PROOF_VERSION
        return base + GLOBAL_FORMAT if self.has_global else base

    @property
    def pre_tables(self) -> list[int]:
        """Indices of tables with preprocessed columns (in commit order)."""
        return [t for t, lay in enumerate(self.layouts) if lay.preprocessed is not None]

    @property
    def logup_tables(self) -> list[int]:
        """Indices of tables with LogUp aux columns, local or global (in commit order)."""
        return [t for t, lay in enumerate(self.layouts) if lay.has_logup]

    @property
    def local_tables(self) -> list[int]:
        """Indices of tables with local LogUp interactions: one LogUp sum (``cumsums``) and one
        LogUp blind each. The same as ``logup_tables`` without global buses."""
        return [t for t, lay in enumerate(self.layouts) if lay.has_local]

    @property
    def boundary_tables(self) -> list[int]:
        """Indices of the boundary tables (global interactions; committed in the boundary
        round, one global sum each). Empty without global buses."""
        return [t for t, lay in enumerate(self.layouts) if lay.is_boundary]

    @property
    def main_tables(self) -> list[int]:
        """Indices of the tables committed in the main round: all but the boundary tables."""
        return [t for t, lay in enumerate(self.layouts) if not lay.is_boundary]

    @property
    def has_global(self) -> bool:
        """Whether proofs of this key have a boundary round and global sums."""
        return any(lay.is_boundary for lay in self.layouts)


def keygen(machine: Machine, params: PcsParams | None = None, lifted: bool = False) -> VerifyingKey:
    """Compile the machine and commit its preprocessed columns (deterministic: they are public,
    part of the verifying key, so that round is committed without salts).

    ``lifted``: prove in the lifted layout (per-table heights as data for the verifier,
    :mod:`.heights`; poseidon2-babybear only). Opt-in: at the zkVM's defaults it costs proof
    size and prover time (``CHANGELOG.md``, formats 6 and 7)."""
    params = params or PcsParams()
    if lifted and (params.hash != "poseidon2-babybear" or params.merkle_arity != 2):
        raise ValueError("the lifted layout needs poseidon2-babybear binary trees")
    layouts = compile_machine(machine)
    for lay in layouts:
        if lay.main_width < 1:
            raise ValueError(f"table {lay.air.name!r} needs at least one main column")
        if lay.preprocessed is not None and lay.preprocessed.shape[0] > 1 << MAX_LOG_HEIGHT:
            raise ValueError(
                f"table {lay.air.name!r}: preprocessed height exceeds the cap 2^{MAX_LOG_HEIGHT}"
            )
    pres = [lay.preprocessed for lay in layouts if lay.preprocessed is not None]
    data = None
    if pres and lifted:  # its own lifted tree at its tallest matrix
        cs = [ntt.intt(np.ascontiguousarray(p_, dtype=np.uint32)) for p_ in pres]
        logs = [heights.pre_log(params, c.shape[0].bit_length() - 1) for c in cs]
        data = pcs.commit_coeffs(
            params, cs, None, log_heights=logs, salted=False, lifted_height=max(logs)
        )
    elif pres:
        data = pcs.commit_evals(params, pres, None, salted=False)
    return VerifyingKey(machine, params, layouts, data.root if data else None, data, lifted)


def mask_plan(params: PcsParams, n: int) -> zk.MaskPlan:
    """Committed height and degree bound of a table of n rows (main, aux and quotient chunks
    alike); see :func:`zk.plan`."""
    return zk.plan(params, n)


@dataclass
class StarkProof:
    """A proof. ``opened`` is indexed [round][matrix][point][column] with rounds
    (preprocessed if any, main, aux if any, quotient) and matrices in table order."""

    log_heights: list[int]
    main_root: int
    aux_root: int | None
    cumsums: list[ExtInt]
    quotient_root: int
    opened: pcs.Opened
    pcs_proof: pcs.PcsProof
    #: Lifted proofs of machines with preprocessed columns carry the preprocessed root (a
    #: verifier may take it as data, ``verify_with(pre_root_input=True)``); else None.
    pre_root: int | None = None
    #: Machines with global buses: the root of the boundary round (the boundary tables' main
    #: traces, :func:`commit_boundary`); else None.
    boundary_root: int | None = None
    #: Machines with global buses: each boundary table's global sum (its genuine share of the
    #: global buses plus its part of the committed blind), in table order; else empty.
    global_sums: list[ExtInt] = field(default_factory=list)

    @property
    def global_sum(self) -> ExtInt:
        """The proof's share of the global buses: the sum of ``global_sums`` (the genuine global
        LogUp sum plus the prover's blind ``BoundarySecret.blind``); shares of all proofs of
        one global bus sum to zero."""
        acc = [0] * EXT_DEGREE
        for g in self.global_sums:
            acc = [(x + int(y)) % P for x, y in zip(acc, g, strict=True)]
        return tuple(acc)


@dataclass(frozen=True)
class BoundarySecret:
    """What fixes a proof's boundary round besides its traces: ``key``, 32 secret random bytes
    keying the round's randomness stream (``FieldRng.keyed``: masks, salts, blinds), and
    ``blind``, the extension element added to the proof's global sum. The blinds of the proofs
    sharing a global bus must sum to zero (:func:`share_blinds` draws them). Zero knowledge
    needs a fresh key per proof, and at most one published proof per key: two proofs of one
    boundary round open its masked columns at twice the points the masking covers."""

    key: bytes
    blind: ExtInt

    def __post_init__(self) -> None:
        if not isinstance(self.key, bytes) or len(self.key) != 32:
            raise ValueError("a boundary key is 32 bytes")
        if len(self.blind) != EXT_DEGREE or any(not 0 <= int(v) < P for v in self.blind):
            raise ValueError("a boundary blind is a canonical extension element")


@dataclass(frozen=True)
class GlobalInput:
    """The global part of a proof of a machine with global buses: the global challenges
    (alpha_G, beta_G) (:func:`global_challenges`) and the boundary secret."""

    challenges: tuple[ExtInt, ExtInt]
    secret: BoundarySecret


def share_blinds(params: PcsParams, count: int, rng: FieldRng | None = None) -> list[ExtInt]:
    """Blinds for ``count`` proofs sharing a global bus: uniform but for the last, which makes
    them sum to zero (all zero without zk). Each proof's published share is then uniform, and
    the shares reveal only that the bus balances."""
    rng = FieldRng() if rng is None else require(rng, "share blinds")
    return [_ext_tuple(b) for b in zk.logup_blinds(params, count, rng)]


def observe_header(
    tr: FiatShamir[Any, Any, Any, Any],
    ar: object,
    vk: VerifyingKey,
    log_heights: Sequence[object],
    public: Sequence[object],
    pre_root: object | None = None,
) -> None:
    """Bind the transcript to the protocol version, parameters, machine shape, public values
    and the preprocessed commitment (shared by prover and verifier). ``pre_root``: that
    commitment as a digest of ``ar`` (data); default the key's, as a constant."""
    from zkrv_prover.stark.field.arith import AnyArith

    a: AnyArith = ar  # type: ignore[assignment]
    shape: list[object] = [vk.version, *vk.params.as_ints(), len(vk.layouts), len(public)]
    for lay, lh in zip(vk.layouts, log_heights, strict=True):
        shape += [lh, lay.main_width, lay.pre_width, lay.aux_width, len(lay.constraints)]
        shape += [lay.degree]
    # a variable-height verifier passes its log heights as base elements (data), not ints
    tr.observe_base([a.b_const(v) if isinstance(v, int) else v for v in shape])
    if public:
        tr.observe_base(list(public))
    if pre_root is not None:
        tr.observe_digest(pre_root)
    elif vk.pre_root is not None:
        tr.observe_digest(scheme_of(vk.params.hash).digest_const(a, vk.pre_root))


def opening_points(
    vk: VerifyingKey, log_heights: Sequence[int], zeta: ExtInt
) -> tuple[list[list[ExtInt]], list[list[ExtInt]], list[list[ExtInt]], list[list[ExtInt]]]:
    """Points per matrix of each round (pre, main, aux, quotient): zeta, plus zeta * h_t where the
    table reads that kind's next row; the quotient round has one matrix per group of
    equal-height tables (:func:`.quotient.quotient_groups`), or one per table in the lifted
    layout, opened at zeta."""

    def pts(t: int, op: Op, force_next: bool = False) -> list[ExtInt]:
        lay = vk.layouts[t]
        out = [zeta]
        if force_next or uses_next(lay, op):
            h = two_adic_generator(log_heights[t])
            out.append(ext_mul_int(zeta, ext_embed(h)))
        return out

    pre = [pts(t, Op.PRE) for t in vk.pre_tables]
    main = [pts(t, Op.MAIN) for t in range(len(vk.layouts))]
    aux = [pts(t, Op.AUX, True) for t in vk.logup_tables]
    quo = [[zeta] for _ in quotient_matrices(vk, log_heights)]
    return pre, main, aux, quo


def quotient_matrices(vk: VerifyingKey, log_heights: Sequence[int]) -> list[list[int]]:
    """The tables of each quotient matrix: groups of equal height
    (:func:`.quotient.quotient_groups`), or one table each in the lifted layout."""
    if vk.lifted:
        return [[t] for t in range(len(vk.layouts))]
    return quotient.quotient_groups(log_heights)


def _on_coset(data: pcs.PcsData, i: int, M: int) -> U32:
    """Matrix i of a commitment on GENERATOR * H_M with rows in bit-reversed order (as
    ``QuotientLeaves(bitrev=True)`` reads them): the first M rows of its bit-reversed LDE when
    the LDE is that large (a view, no copy), else a fresh coset NTT of its coefficients
    (M >= their count: M >= the degree bound, ``quotient_domain_size``)."""
    lde = data.lde(i)
    if lde.shape[0] >= M:
        return lde[:M]
    co = data.coeffs[i]
    pad = np.zeros((M, co.shape[1]), dtype=np.uint32)
    pad[: co.shape[0]] = co
    return ntt.bit_reverse_rows(ntt.coset_ntt(pad, GENERATOR))  # type: ignore[return-value]


def _ext_tuple(v: npt.NDArray[np.integer]) -> ExtInt:
    return tuple(int(x) for x in v)


def _check_inputs(
    vk: VerifyingKey, tables: Sequence[int], traces: Sequence[U32], public: Sequence[int]
) -> tuple[list[U32], list[int]]:
    """Canonical copies of the witness traces of ``tables`` and of the public values, checked
    (shapes, cap, canonical values and, unless the prover's checks are off, the tables' own
    constraints); raises :class:`ProverError`."""
    lays = [vk.layouts[t] for t in tables]
    traces = [np.ascontiguousarray(t, dtype=np.uint32) for t in traces]
    try:
        debug.check_shapes(lays, traces)
    except ValueError as e:
        raise ProverError(str(e)) from e
    for lay, tr_ in zip(lays, traces, strict=True):
        if tr_.shape[0] > 1 << MAX_LOG_HEIGHT:  # the verifier would refuse the proof
            raise ProverError(
                f"table {lay.air.name!r}: {tr_.shape[0]} rows exceed the cap 2^{MAX_LOG_HEIGHT}"
            )
    if len(public) != vk.machine.num_public_values:
        raise ProverError(
            f"expected {vk.machine.num_public_values} public values, got {len(public)}"
        )
    public = [int(v) for v in public]
    if any(not 0 <= v < P for v in public):
        raise ProverError("public values must be canonical BabyBear elements")
    if PROVER_CHECKS.enabled:
        progress.stage("check witness", len(lays))
        for lay, tr_ in zip(lays, traces, strict=True):
            fails = debug.table_failures(lay, tr_, public)
            if fails:
                raise ProverError(str(fails[0]))
            progress.advance()
    return traces, public


def empty_tables(vk: VerifyingKey, traces: Sequence[U32]) -> set[int]:
    """The main-round tables whose witness trace is all zero ("empty": no events). The prover
    commits them unmasked and without a LogUp blind, so that their main, aux and (when they
    vanish) quotient columns are identically zero and ``proof.encode_proof`` omits their
    openings. Nothing about the witness is lost by not masking them: their committed values
    are functions of public data (``docs/stark.md``, "Empty tables"); the proof reveals which
    tables are empty, as it reveals every table's height."""
    main = set(vk.main_tables)
    return {t for t, tr_ in enumerate(traces) if t in main and not tr_.any()}


def _zero_quotient(
    t: int, lay: TableLayout, empty: set[int], sums_of: dict[int, np.ndarray]
) -> bool:
    """Whether table ``t``'s quotient is known to be zero without evaluating it: the table is
    empty (all-zero main and aux columns, a zero LogUp sum) and every constraint vanishes when
    its columns do (``TableLayout.vanishes_on_zero_trace``). An unused precompile table is one."""
    if t not in empty:
        return False
    cum = sums_of.get(t)
    if cum is not None and np.any(cum):
        return False
    return lay.vanishes_on_zero_trace


def _com_log(vk: VerifyingKey, log_n: int) -> int:
    """Committed log height of a table's main and aux matrices (masked; lifted minimum)."""
    if vk.lifted:
        return heights.committed_log(vk.params, log_n)
    return mask_plan(vk.params, 1 << log_n).log_height


@dataclass
class _Boundary:
    """The committed boundary round: its data, the boundary tables' full main traces (blinds
    included) and the sum of the local LogUp blinds it committed."""

    data: pcs.PcsData
    full: dict[int, U32]
    local_blind_sum: npt.NDArray[np.uint64]


def _boundary_round(
    vk: VerifyingKey,
    traces: dict[int, U32],
    secret: BoundarySecret,
    local_blinds: dict[int, U32] | None,
) -> _Boundary:
    """Commit the boundary tables' main traces (``traces``: witness columns per boundary table)
    with every random value drawn from ``FieldRng.keyed(secret.key, BOUNDARY_RNG_LABEL)``, in a
    fixed order: the global blinds, the boundary tables' local LogUp blinds, the masks, the
    salts. Hence the same traces and secret give the same root (``commit_boundary`` and
    ``prove`` agree). Global blinds: uniform on row 0 of every boundary table but the last,
    which gets ``secret.blind`` minus their sum (zero but for the last without zk). Local
    blinds (zk): uniform, except that when every local LogUp table is a boundary table the last
    one makes them sum to zero; ``local_blinds`` overrides them (malicious-prover tests)."""
    params, lays = vk.params, vk.layouts
    rng = FieldRng.keyed(secret.key, BOUNDARY_RNG_LABEL)
    bts = vk.boundary_tables
    ns = {t: traces[t].shape[0] for t in bts}
    gb = np.zeros((len(bts), EXT_DEGREE), dtype=np.int64)
    if params.zk and len(bts) > 1:
        gb[:-1] = rng.base((len(bts) - 1, EXT_DEGREE))
    gb[-1] = (np.asarray(secret.blind, dtype=np.int64) - gb[:-1].sum(axis=0)) % P
    locs = [t for t in bts if lays[t].has_local]
    if local_blinds is None:
        lb = np.zeros((len(locs), EXT_DEGREE), dtype=np.int64)
        if params.zk and locs:
            closes = len(locs) == len(vk.local_tables)  # no main-round table to close the sum
            k = len(locs) - 1 if closes else len(locs)
            lb[:k] = rng.base((k, EXT_DEGREE))
            if closes:
                lb[-1] = (-lb[:-1].sum(axis=0)) % P
        local_blinds = {t: logup.blind_column(ns[t], lb[i]) for i, t in enumerate(locs)}
    total = np.zeros(EXT_DEGREE, dtype=np.uint64)
    full: dict[int, U32] = {}
    mats = []
    try:
        for i, t in enumerate(bts):
            lblind = local_blinds.get(t)
            full[t] = logup.with_blind(lays[t], traces[t], lblind, logup.blind_column(ns[t], gb[i]))
            if lblind is not None:
                total = (total + lblind.astype(np.uint64).sum(axis=0)) % np.uint64(P)
    except ValueError as e:
        raise ProverError(str(e)) from e
    progress.stage("interpolate boundary", len(bts))
    for t in bts:
        mats.append(zk.mask_coeffs(ntt.intt(full[t]), mask_plan(params, ns[t]), rng))
        progress.advance()
    logs = [_com_log(vk, ns[t].bit_length() - 1) for t in bts]
    data = pcs.commit_coeffs(
        params,
        mats,
        rng,
        log_heights=logs,
        label="boundary",
        # the round's own tree height (like the preprocessed round): it must not depend on the
        # other tables' heights, unknown when a segment's boundary is committed ahead
        lifted_height=max(logs) if vk.lifted else None,
    )
    return _Boundary(data, full, total)


def commit_boundary(
    vk: VerifyingKey,
    boundary_traces: Sequence[U32],
    public: Sequence[int],
    secret: BoundarySecret,
) -> int:
    """The boundary root that :func:`prove` produces for the same boundary tables' witness
    traces (one per ``vk.boundary_tables``, in order) and the same ``secret`` (its other
    randomness does not enter the boundary round). ``public`` are the proof's public values,
    used to check the boundary tables' own constraints (the prover's checks,
    :class:`ProverError`)."""
    if not vk.has_global:
        raise ProverError("the machine has no global buses, hence no boundary round")
    bts = vk.boundary_tables
    if len(boundary_traces) != len(bts):
        raise ProverError(f"expected {len(bts)} boundary traces, got {len(boundary_traces)}")
    traces, _ = _check_inputs(vk, bts, boundary_traces, public)
    return _boundary_round(vk, dict(zip(bts, traces, strict=True)), secret, None).data.root


def prove(
    vk: VerifyingKey,
    traces: Sequence[U32],
    public: Sequence[int],
    rng: FieldRng | None = None,
    blinds: Sequence[U32] | None = None,
    global_: GlobalInput | None = None,
    *,
    consume: bool = False,
) -> StarkProof:
    """Prove that ``traces`` (one (n_t, witness_width_t) uint32 matrix per table, n_t a power
    of two: the AIR's own columns) satisfy the machine with these public values. The prover
    appends each LogUp table's blind columns (:mod:`.logup`; drawn by :func:`zk.logup_blinds`).
    ``rng`` draws all hiding randomness (masks, blinding, salts, LogUp blinds): by default a
    fresh :class:`~.randomness.FieldRng` reading ``os.urandom``; pass ``FieldRng.seeded(s)``
    only for reproducible tests (anything but a ``FieldRng`` is refused with ``TypeError``).
    ``blinds``: the blind columns ((n_t, EXT_DEGREE) per table with local LogUp interactions,
    in table order) to commit instead of honest ones, for tests playing a malicious prover
    (blinds that do not sum to zero fail the prover's balance check unless its checks are off).

    Machines with global buses (``vk.has_global``) need ``global_``: the global challenges and
    the boundary secret. The boundary tables are then committed first, in the boundary round,
    with randomness from the secret's key only (:func:`commit_boundary` gives the same root);
    ``rng`` draws the rest. The local buses must balance; the global ones need not (the proof
    carries its share, ``StarkProof.global_sums``).

    ``consume``: the caller hands ``traces`` (then a ``list``) over: it is emptied as soon as
    the prover has its own copies, so that the witness is not held twice while proving (peak
    memory; the prover drops its copies too once the LogUp round is committed).

    Raises :class:`ProverError` if the witness is invalid (unless checks are switched off with
    :func:`zkrv_prover.stark.protocol.testing.unchecked_prover`)."""
    params, lays = vk.params, vk.layouts
    if consume and not isinstance(traces, list):
        raise TypeError("consume=True takes the traces as a list, which it empties")
    given_traces = traces
    rng = FieldRng() if rng is None else require(rng, "prove")
    if vk.has_global != (global_ is not None):
        raise ProverError(
            "a machine with global buses needs global_ (GlobalInput)"
            if vk.has_global
            else "global_ is only for machines with global buses"
        )
    traces, public = _check_inputs(vk, list(range(len(lays))), traces, public)
    ns = [t.shape[0] for t in traces]
    log_heights = [n.bit_length() - 1 for n in ns]
    plans = [mask_plan(params, n) for n in ns]
    locs = vk.local_tables
    if blinds is not None and len(blinds) != len(locs):
        raise ProverError(f"expected {len(locs)} blind columns, got {len(blinds)}")
    given = None if blinds is None else dict(zip(locs, blinds, strict=True))
    boundary = None
    if global_ is not None:
        boundary = _boundary_round(
            vk,
            {t: traces[t] for t in vk.boundary_tables},
            global_.secret,
            None if given is None else {t: given[t] for t in locs if t in vk.boundary_tables},
        )
    main_locs = [t for t in locs if t in vk.main_tables]
    empty = set() if given is not None else empty_tables(vk, traces)
    if given is None:
        live = [t for t in main_locs if t not in empty]
        if boundary is not None and main_locs and not live:  # one must cancel the boundary's
            empty.discard(main_locs[-1])
            live = [main_locs[-1]]
        drawn = zk.logup_blinds(params, len(live), rng)
        if boundary is not None and len(live):  # the last also cancels the boundary's
            last = drawn[-1].astype(np.uint64) + (P - boundary.local_blind_sum)
            drawn[-1] = (last % np.uint64(P)).astype(np.uint32)
        given = {t: logup.blind_column(ns[t], b) for t, b in zip(live, drawn, strict=True)}
    try:
        full = [
            boundary.full[t]
            if boundary is not None and t in boundary.full
            else logup.with_blind(lay, tr_, given.get(t))
            for t, (lay, tr_) in enumerate(zip(lays, traces, strict=True))
        ]
    except ValueError as e:
        raise ProverError(str(e)) from e
    traces = full
    del full
    if consume:
        assert isinstance(given_traces, list)
        given_traces.clear()
    del given_traces

    # The transcript hashes natively (same function as the reference, tested equal).
    ar = NativeArith(native_hash=True)
    hs = scheme_of(params.hash)
    tr = hs.transcript(ar, LABEL)
    observe_header(tr, ar, vk, log_heights, public)
    # lifted layout: every round but the preprocessed and boundary ones is one tree at the top
    lift = heights.top_log(params, lays, log_heights) if vk.lifted else None
    com_logs = [_com_log(vk, lh) for lh in log_heights]
    challenges = np.zeros((2, EXT_DEGREE), dtype=np.uint64)
    if global_ is not None:
        assert boundary is not None
        tr.observe_digest(hs.digest_const(ar, boundary.data.root))
        g_alpha, g_beta = global_.challenges
        tr.observe_ext([ar.e_const(g_alpha), ar.e_const(g_beta)])
        challenges = np.zeros((4, EXT_DEGREE), dtype=np.uint64)
        challenges[CH_ALPHA_G] = g_alpha
        challenges[CH_BETA_G] = g_beta

    # main traces: masked in coefficient form, committed at the plan's height
    mts = vk.main_tables
    progress.stage("interpolate main", len(mts))
    main_mats = []
    for t in mts:
        if t in empty:  # all zero, nothing to hide: committed unmasked (identically zero)
            main_mats.append(zk.unmasked(np.zeros_like(traces[t]), plans[t]))
        else:
            main_mats.append(zk.mask_coeffs(ntt.intt(traces[t]), plans[t], rng))
        progress.advance()
    main_data = pcs.commit_coeffs(
        params,
        main_mats,
        rng,
        log_heights=[com_logs[t] for t in mts],
        label="main",
        lifted_height=lift,
    )
    del main_mats
    tr.observe_digest(hs.digest_const(ar, main_data.root))
    # where each table's main matrix is committed
    main_at: dict[int, tuple[pcs.PcsData, int]] = {t: (main_data, i) for i, t in enumerate(mts)}
    if boundary is not None:
        main_at |= {t: (boundary.data, i) for i, t in enumerate(vk.boundary_tables)}

    # LogUp
    aux_data = None
    cumsums: list[ExtInt] = []
    global_sums: list[ExtInt] = []
    sums_of: dict[int, npt.NDArray[np.uint64]] = {}
    if vk.logup_tables:
        if locs:
            alpha, beta = tr.sample_ext(), tr.sample_ext()
            challenges[CH_ALPHA], challenges[CH_BETA] = alpha, beta
        aux_mats = []
        total = np.zeros(EXT_DEGREE, dtype=np.uint64)
        progress.stage("LogUp", len(vk.logup_tables))
        for t in vk.logup_tables:
            lay = lays[t]
            if lay.is_boundary:
                aux, cs, gs = logup.table_aux(
                    lay, traces[t], lay.preprocessed, public, challenges.astype(np.uint32)
                )
                assert gs is not None
                global_sums.append(_ext_tuple(gs))
                local = np.zeros(EXT_DEGREE, dtype=np.uint64) if cs is None else cs
                sums_of[t] = np.stack([local, gs]).astype(np.uint64)
            else:
                aux, cs = logup.aux_trace(
                    lay,
                    traces[t],
                    lay.preprocessed,
                    public,
                    challenges[CH_ALPHA].astype(np.uint32),
                    challenges[CH_BETA].astype(np.uint32),
                )
                sums_of[t] = np.asarray(cs, dtype=np.uint64)
            # an empty table's aux is a function of public data only: committed unmasked
            aux_c = ntt.intt(aux.reshape(ns[t], -1))
            del aux
            aux_mats.append(
                zk.unmasked(aux_c, plans[t]) if t in empty else zk.mask_coeffs(aux_c, plans[t], rng)
            )
            del aux_c
            if cs is not None:
                cumsums.append(_ext_tuple(cs))
                total = (total + cs) % np.uint64(P)
            progress.advance()
        if PROVER_CHECKS.enabled and bool(total.any()):
            bad = debug.bus_imbalance(lays, traces, public)
            if not bad and bool(logup.blind_total(lays, traces).any()):
                raise ProverError("LogUp blinds do not sum to zero")
            raise ProverError(f"LogUp buses do not balance: {bad or 'sum of fractions != 0'}")
        aux_data = pcs.commit_coeffs(
            params,
            aux_mats,
            rng,
            log_heights=[com_logs[t] for t in vk.logup_tables],
            label="aux",
            lifted_height=lift,
        )
        del aux_mats
        tr.observe_digest(hs.digest_const(ar, aux_data.root))
        tr.observe_ext([ar.e_const(c) for c in cumsums])
        if global_sums:
            tr.observe_ext([ar.e_const(c) for c in global_sums])
    del traces  # from here on the prover reads the committed LDEs only

    # quotient: one per group of equal-height tables (quotient.quotient_groups). Each table's
    # constraints are combined and divided by Z_H on its own coset (size by its own degree); the
    # per-table quotients are folded in coefficient form with gamma^K_t (quotient.horner_step).
    gamma = np.asarray(tr.sample_ext(), dtype=np.uint64)
    groups = quotient_matrices(vk, log_heights)
    chunk_mats = []
    chunk_logs = []
    aux_pos = {t: i for i, t in enumerate(vk.logup_tables)}
    pre_pos = {t: i for i, t in enumerate(vk.pre_tables)}
    progress.stage("quotient", len(ns))  # one unit per table
    for group in groups:
        n, Nd = ns[group[0]], plans[group[0]].degree_bound
        acc = None
        for t in group:
            lay = lays[t]
            M = quotient.quotient_domain_size(lay.degree, n, Nd)
            g_k = ext_pow_int(tuple(int(v) for v in gamma), len(lay.constraints))
            if _zero_quotient(t, lay, empty, sums_of):
                # every constraint vanishes on an all-zero table: its quotient is zero
                zq = np.zeros((M, EXT_DEGREE), dtype=np.uint64)
                acc = quotient.horner_step(acc, np.asarray(g_k, dtype=np.uint64), zq)
                progress.advance()
                continue
            main_q = _on_coset(main_at[t][0], main_at[t][1], M)
            pre_q = None
            if t in pre_pos:
                assert vk.pre_data is not None
                pre_q = _on_coset(vk.pre_data, pre_pos[t], M)
            aux_q = None
            cum = None
            if t in aux_pos:
                assert aux_data is not None
                aux_q = _on_coset(aux_data, aux_pos[t], M).reshape(M, -1, EXT_DEGREE)
                cum = sums_of[t]
            leaves = quotient.QuotientLeaves(
                n,
                quotient.domain_points(M, GENERATOR),
                main_q,
                pre_q,
                aux_q,
                public,
                challenges,
                cum,
                bitrev=True,
            )
            q = quotient.combined_quotient(lay, leaves, gamma)
            del leaves, main_q, pre_q, aux_q
            try:
                coeffs = quotient.quotient_coeffs(
                    q,
                    GENERATOR,
                    quotient.quotient_len(lay.degree, n, Nd),
                    strict=PROVER_CHECKS.enabled,
                )
            except ValueError as e:
                raise ProverError(f"table {lay.air.name!r}: {e}") from e
            del q
            acc = quotient.horner_step(acc, np.asarray(g_k, dtype=np.uint64), coeffs)
            del coeffs
            progress.advance()
        assert acc is not None
        if vk.lifted:  # one table, c chunks of stride s (lifted_quotient.chunk_plan)
            cp = chunk_plan(params, lays[group[0]].degree, n)
            s_, bound, c = cp.stride, cp.commit.degree_bound, cp.chunks
            chunk_logs.append(
                heights.quotient_log(params, lays[group[0]].degree, n.bit_length() - 1)
            )
        else:
            s_, bound = n, Nd
            c = quotient.num_chunks(quotient.group_degree([la.degree for la in lays], group), n, Nd)
            chunk_logs.append(plans[group[0]].log_height)
        if acc.shape[0] < c * s_:
            acc = np.concatenate([acc, np.zeros((c * s_ - acc.shape[0], EXT_DEGREE), acc.dtype)])
        # acc has the largest member coset's length, >= c n (quotient_domain_size)
        # the quotient of a group of empty tables depends on public data only: no blinding
        hide = s_ < bound and not all(t in empty for t in group)
        chunk_mats.append(
            quotient.split_coeffs(acc, s_, bound, c, rng if hide else None, hide=hide)
        )
        del acc
    # With zk the FRI masking codeword rides in this round's tree (it holds the tallest
    # matrices and is committed before the opening's alpha): no separate tree, root and path.
    quo_data = pcs.commit_coeffs(
        params,
        chunk_mats,
        rng,
        mask=params.zk,
        log_heights=chunk_logs,
        label="quotient",
        lifted_height=lift,
    )
    tr.observe_digest(hs.digest_const(ar, quo_data.root))

    # openings
    zeta = tr.sample_ext()
    pre_pts, main_pts, aux_pts, quo_pts = opening_points(vk, log_heights, zeta)
    rounds: list[tuple[pcs.PcsData, Sequence[Sequence[Sequence[int]]]]] = []
    if vk.pre_data is not None:
        rounds.append((vk.pre_data, pre_pts))
    if boundary is not None:
        rounds.append((boundary.data, [main_pts[t] for t in vk.boundary_tables]))
    rounds.append((main_data, [main_pts[t] for t in mts]))
    if aux_data is not None:
        rounds.append((aux_data, aux_pts))
    rounds.append((quo_data, quo_pts))
    opened, pcs_proof = pcs.open_rounds(
        params, rounds, tr, rng, unchecked=not PROVER_CHECKS.enabled, lifted=vk.lifted
    )
    return StarkProof(
        log_heights=log_heights,
        main_root=main_data.root,
        aux_root=aux_data.root if aux_data is not None else None,
        cumsums=cumsums,
        quotient_root=quo_data.root,
        opened=opened,
        pcs_proof=pcs_proof,
        pre_root=vk.pre_root if vk.lifted else None,
        boundary_root=boundary.data.root if boundary is not None else None,
        global_sums=global_sums,
    )
