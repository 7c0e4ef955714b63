"""A small sparse MIP builder with two engines: HiGHS (``highspy``) and SCIP.

Rows are accumulated as NumPy arrays and handed to the engine in one call, so
a model with millions of non-zeros is built without a Python loop per entry.
SCIP (bundled with OR-Tools) reads the model as free-format MPS text written
here with full precision.

:func:`lagrangian_bound` turns *any* vector of row multipliers into a proven
bound on a model's optimum (and reduced costs): the solvers' duals are only
used as a good guess, the bound itself is recomputed here.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import highspy
import numpy as np
import numpy.typing as npt
from ortools.algorithms.python import knapsack_solver

from parcelroute._highs import new_highs

__all__ = [
    "KnapsackBound",
    "LagrangianBound",
    "MipModel",
    "MipOutcome",
    "knapsack_bound",
    "lagrangian_bound",
    "solve_lp",
    "solve_mip",
    "solve_scip",
]

logger = logging.getLogger("parcelroute")

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
INF = math.inf
#: HiGHS options of :func:`solve_lp` with ``pdlp``. On a 200,000-parcel month's level-1 LP
#: (950,000 columns, LP value about 276,810) PDLP stops after about 18 s with duals whose
#: Lagrangian bound is 277,784 (0.35 % above; 277,386 with each parcel's multiplier set at its
#: best, see :func:`lagrangian_bound`); HiGHS' defaults (1e-7) take about 80 s.
PDLP_TOLERANCES = {
    "pdlp_optimality_tolerance": 1e-3,
    "primal_feasibility_tolerance": 1e-5,
    "dual_feasibility_tolerance": 1e-5,
}
#: Tighter PDLP options for level 1's LP where it runs beside the interior point LP, which
#: may not finish in time. On a 20,000-parcel month (106,000 columns, LP value 27,746) about
#: 3.9 s on one thread and a Lagrangian bound of 27,816 (0.25 % above); with
#: :data:`PDLP_TOLERANCES` 3.3 s and 27,857, with 1e-4 and 1e-6 10.6 s and 27,750. With each
#: parcel's multiplier set at its best (:func:`lagrangian_bound`): 27,788 here, 27,808 with
#: :data:`PDLP_TOLERANCES` and 27,825 with 3e-3.
PDLP_TIGHT_TOLERANCES = {
    "pdlp_optimality_tolerance": 3e-4,
    "primal_feasibility_tolerance": 1e-5,
    "dual_feasibility_tolerance": 1e-5,
}
#: MIPs of at least this many columns run without HiGHS' probing and enumeration presolve
#: rules (:data:`LIGHT_PRESOLVE_RULES_OFF`). HiGHS 1.16's MIP presolve checks no time limit
#: in them: on a dense 2,000-parcel month (25,890 columns) it took 12.9 s against a 4.8 s
#: limit, and a 10 s solve ended with a batch-cost bound of 314,400 from the subgradient
#: steps instead of the MIP's 504,400. With both rules off, 10 and 20 s solves of months
#: with 21,000-47,000 options (generated months of 5,000, 6,000 and 10,000 parcels) ended
#: with plans and bounds as good or better (10,000 parcels: bound 159,970 instead of
#: 1,740); on the 2,000-parcel months (7,000-9,000 options) the effect was mixed, within
#: run-to-run noise, so they keep HiGHS' defaults.
LIGHT_PRESOLVE_COLUMNS = 15_000
#: HiGHS' ``presolve_rule_off`` bits of probing (2**15) and enumeration (2**16).
LIGHT_PRESOLVE_RULES_OFF = 2**15 + 2**16
#: Looser PDLP options for the batch-cost LP, which PDLP solves far more slowly
#: (:data:`PDLP_TOLERANCES` take over 100 s on a 20,000-parcel month). Its time varies
#: by month far more at an optimality tolerance of 1e-2 than at 3e-2: alone, on the
#: batch-cost LPs of five generated 20,000-parcel months (90,000-106,000 columns),
#: 2.8-17.3 s against 2.7-4.2 s, for Lagrangian bounds 0-3.4 % higher (seed 7: 312,820
#: in 17.3 s, 304,490 in 3.3 s). Inside 20 s solves 1e-2 finished on three of the five
#: and 3e-2 on all (2.7-5.7 s), so that no month is left with the subgradient bound.
PDLP_LOOSE_TOLERANCES = {
    "pdlp_optimality_tolerance": 3e-2,
    "primal_feasibility_tolerance": 3e-3,
    "dual_feasibility_tolerance": 3e-3,
}
#: PDLP options for a second batch-cost LP solve where a long time limit leaves room
#: after the first (:data:`PDLP_LOOSE_TOLERANCES`). Alone, on the batch-cost LPs of five
#: generated 20,000-parcel months: 4.8-17.2 s against 2.6-4.6 s, for Lagrangian bounds
#: 1.3-4.6 % higher (seed 2026: 322,098 against 317,965; seed 5: 267,622 against 255,722);
#: at 5e-3, 9.6-40.1 s for at most 1.2 % more.
PDLP_SECOND_TOLERANCES = {
    "pdlp_optimality_tolerance": 1e-2,
    "primal_feasibility_tolerance": 1e-3,
    "dual_feasibility_tolerance": 1e-3,
}


@dataclass
class MipOutcome:
    """The result of one MIP (or LP) solve.

    ``value`` and ``bound`` are in the model's own objective sense; ``x`` is
    ``None`` when no feasible solution is known. ``row_dual`` is set for LPs.
    """

    x: FloatArray | None
    value: float
    bound: float
    optimal: bool
    status: str
    seconds: float
    row_dual: FloatArray | None = None
    infeasible: bool = False


@dataclass(frozen=True)
class _Frozen:
    cost: FloatArray
    lower: FloatArray
    upper: FloatArray
    integer: BoolArray
    start: IntArray
    index: IntArray
    value: FloatArray
    row_lower: FloatArray
    row_upper: FloatArray


class MipModel:
    """Columns and sparse rows of a mixed-integer program.

    Examples
    --------
    >>> m = MipModel(maximize=True)
    >>> x = m.add_columns(np.array([3.0, 2.0]), upper=np.ones(2), integer=True)
    >>> m.add_row(x, np.array([2.0, 2.0]), upper=3.0)
    >>> out = solve_mip(m)
    >>> out.value, out.optimal
    (3.0, True)
    """

    def __init__(self, *, maximize: bool) -> None:
        self.maximize = maximize
        self._cost: list[FloatArray] = []
        self._lower: list[FloatArray] = []
        self._upper: list[FloatArray] = []
        self._integer: list[BoolArray] = []
        self.num_cols = 0
        self._row_ptr: list[IntArray] = []
        self._row_idx: list[IntArray] = []
        self._row_val: list[FloatArray] = []
        self._row_lo: list[FloatArray] = []
        self._row_hi: list[FloatArray] = []
        self.num_rows = 0
        self._nnz = 0
        self._frozen: _Frozen | None = None

    # -- building ---------------------------------------------------------------------
    def add_columns(
        self,
        cost: FloatArray,
        *,
        lower: FloatArray | None = None,
        upper: FloatArray | None = None,
        integer: bool = True,
    ) -> IntArray:
        """Add ``len(cost)`` columns; return their indices."""
        n = len(cost)
        self._frozen = None
        self._cost.append(np.asarray(cost, dtype=np.float64))
        self._lower.append(np.zeros(n) if lower is None else np.asarray(lower, dtype=np.float64))
        self._upper.append(np.full(n, INF) if upper is None else np.asarray(upper, dtype=np.float64))
        self._integer.append(np.full(n, integer, dtype=np.bool_))
        idx = np.arange(self.num_cols, self.num_cols + n, dtype=np.int64)
        self.num_cols += n
        return idx

    def add_rows(
        self,
        starts: IntArray,
        index: IntArray,
        value: FloatArray,
        lower: FloatArray,
        upper: FloatArray,
    ) -> None:
        """Add rows in CSR form: row ``i`` holds ``index[starts[i]:starts[i+1]]``.

        ``starts`` has one more entry than there are rows.
        """
        n = len(starts) - 1
        if n <= 0:
            return
        self._frozen = None
        self._row_ptr.append(np.asarray(starts[:-1], dtype=np.int64) + self._nnz)
        self._row_idx.append(np.asarray(index, dtype=np.int64))
        self._row_val.append(np.asarray(value, dtype=np.float64))
        self._row_lo.append(np.asarray(lower, dtype=np.float64))
        self._row_hi.append(np.asarray(upper, dtype=np.float64))
        self._nnz += int(starts[-1])
        self.num_rows += n

    def add_row(
        self, index: IntArray, value: FloatArray, *, lower: float = -INF, upper: float = INF
    ) -> None:
        """Add one row ``lower <= value . x[index] <= upper``."""
        self.add_rows(
            np.array([0, len(index)]), index, value, np.array([lower]), np.array([upper])
        )

    def add_grouped_rows(
        self,
        group: IntArray,
        index: IntArray,
        value: FloatArray,
        lower: FloatArray,
        upper: FloatArray,
    ) -> None:
        """Add one row per group id ``0..len(lower)-1`` from unsorted (group, index, value) triplets.

        Triplets of one row and column add up (one coefficient per column and row).

        Examples
        --------
        >>> m = MipModel(maximize=False)
        >>> x = m.add_columns(np.ones(2), upper=np.ones(2))
        >>> m.add_grouped_rows(np.array([0, 0, 0]), x[[1, 0, 1]], np.ones(3), np.zeros(1),
        ...                    np.array([3.0]))
        >>> m.matrix()[1].tolist(), m.matrix()[2].tolist()
        ([0, 1], [1.0, 2.0])
        """
        order = np.lexsort((index, group))
        group, index, value = group[order], index[order], value[order]
        if len(group) > 1:
            first = np.ones(len(group), bool)
            first[1:] = (group[1:] != group[:-1]) | (index[1:] != index[:-1])
            if not first.all():
                at = np.flatnonzero(first)
                group, index, value = group[at], index[at], np.add.reduceat(value, at)
        counts = np.bincount(group, minlength=len(lower))
        starts = np.concatenate([[0], np.cumsum(counts)])
        self.add_rows(starts, index, value, lower, upper)

    def copy(self) -> MipModel:
        """A copy that rows and columns can be added to without changing this model."""
        other = MipModel(maximize=self.maximize)
        for name in ("_cost", "_lower", "_upper", "_integer", "_row_ptr", "_row_idx", "_row_val",
                     "_row_lo", "_row_hi"):
            setattr(other, name, list(getattr(self, name)))
        other.num_cols, other.num_rows, other._nnz = self.num_cols, self.num_rows, self._nnz
        return other

    # -- reading ----------------------------------------------------------------------
    def _arrays(self) -> _Frozen:
        if self._frozen is None:

            def cat(parts: list[FloatArray]) -> FloatArray:
                return np.concatenate(parts).astype(np.float64) if parts else np.zeros(0)

            def cat_int(parts: list[IntArray]) -> IntArray:
                return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)

            start = np.concatenate([*self._row_ptr, [self._nnz]]).astype(np.int64) \
                if self._row_ptr else np.zeros(1, np.int64)
            integer = np.concatenate(self._integer).astype(np.bool_) if self._integer \
                else np.zeros(0, np.bool_)
            self._frozen = _Frozen(cat(self._cost), cat(self._lower), cat(self._upper), integer,
                                   start, cat_int(self._row_idx), cat(self._row_val),
                                   cat(self._row_lo), cat(self._row_hi))
        return self._frozen

    @property
    def cost(self) -> FloatArray:
        """Objective coefficients of every column."""
        return self._arrays().cost

    @property
    def lower(self) -> FloatArray:
        """Column lower bounds."""
        return self._arrays().lower

    @property
    def upper(self) -> FloatArray:
        """Column upper bounds."""
        return self._arrays().upper

    @property
    def integer(self) -> BoolArray:
        """Which columns are integer."""
        return self._arrays().integer

    def matrix(self) -> tuple[IntArray, IntArray, FloatArray, FloatArray, FloatArray]:
        """Rows as ``(start, index, value, lower, upper)`` in CSR form."""
        a = self._arrays()
        return a.start, a.index, a.value, a.row_lower, a.row_upper

    def row_activity(self, x: FloatArray) -> FloatArray:
        """The value of every row at ``x``."""
        start, index, value, _, _ = self.matrix()
        rows = np.repeat(np.arange(self.num_rows), np.diff(start))
        out = np.bincount(rows, weights=value * x[index], minlength=self.num_rows)
        return out.astype(np.float64)

    def to_highs(
        self,
        *,
        relax: bool = False,
        lower: FloatArray | None = None,
        upper: FloatArray | None = None,
        integer: BoolArray | None = None,
    ) -> highspy.HighsLp:
        """The model as a HiGHS LP/MIP (optionally with other column bounds or integrality)."""
        a = self._arrays()
        lp = highspy.HighsLp()
        lp.num_col_ = self.num_cols
        lp.num_row_ = self.num_rows
        lp.col_cost_ = a.cost
        lp.col_lower_ = a.lower if lower is None else np.asarray(lower, np.float64)
        lp.col_upper_ = a.upper if upper is None else np.asarray(upper, np.float64)
        lp.row_lower_ = a.row_lower
        lp.row_upper_ = a.row_upper
        lp.sense_ = highspy.ObjSense.kMaximize if self.maximize else highspy.ObjSense.kMinimize
        matrix = highspy.HighsSparseMatrix()
        matrix.format_ = highspy.MatrixFormat.kRowwise
        matrix.num_col_ = self.num_cols
        matrix.num_row_ = self.num_rows
        matrix.start_ = a.start.astype(np.int32)
        matrix.index_ = a.index.astype(np.int32)
        matrix.value_ = a.value
        lp.a_matrix_ = matrix
        flags = a.integer if integer is None else integer
        if not relax and bool(np.any(flags)):
            kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
            lp.integrality_ = [kinds[int(f)] for f in flags.tolist()]
        return lp

    def to_mps(
        self,
        *,
        lower: FloatArray | None = None,
        upper: FloatArray | None = None,
        integer: BoolArray | None = None,
    ) -> str:
        """The model as free-format MPS text (every number written exactly)."""
        a = self._arrays()
        lo = (a.lower if lower is None else np.asarray(lower, np.float64)).tolist()
        hi = (a.upper if upper is None else np.asarray(upper, np.float64)).tolist()
        flags = (a.integer if integer is None else integer).tolist()
        rl, ru = a.row_lower, a.row_upper
        out = ["NAME parcels", "OBJSENSE", "    MAX" if self.maximize else "    MIN", "ROWS",
               " N obj"]
        both = np.isfinite(rl) & np.isfinite(ru)
        kind = np.where(both & (rl == ru), "E",
                        np.where(np.isfinite(ru), "L", np.where(np.isfinite(rl), "G", "F")))
        kinds = kind.tolist()
        out.extend(f" {'L' if k == 'F' else k} r{i}" for i, k in enumerate(kinds))
        out.append("COLUMNS")
        rows = np.repeat(np.arange(self.num_rows), np.diff(a.start))
        order = np.lexsort((rows, a.index))
        col_of, row_of, val_of = a.index[order], rows[order].tolist(), a.value[order].tolist()
        cost = a.cost.tolist()
        ptr = np.searchsorted(col_of, np.arange(self.num_cols + 1)).tolist()
        in_int = False
        for j in range(self.num_cols):
            if flags[j] != in_int:
                in_int = flags[j]
                out.append("    MARKER 'MARKER' " + ("'INTORG'" if in_int else "'INTEND'"))
            s, e = ptr[j], ptr[j + 1]
            if cost[j] != 0 or s == e:
                out.append(f"    x{j} obj {cost[j]!r}")
            out.extend(f"    x{j} r{r} {v!r}" for r, v in zip(row_of[s:e], val_of[s:e], strict=True))
        if in_int:
            out.append("    MARKER 'MARKER' 'INTEND'")
        out.append("RHS")
        rl_l, ru_l = rl.tolist(), ru.tolist()
        for i, k in enumerate(kinds):
            rhs = ru_l[i] if k in ("L", "E") else (rl_l[i] if k == "G" else 1e30)
            if rhs != 0:
                out.append(f"    rhs r{i} {rhs!r}")
        ranged = np.flatnonzero((kind == "L") & both).tolist()
        if ranged:
            out.append("RANGES")
            out.extend(f"    rng r{i} {ru_l[i] - rl_l[i]!r}" for i in ranged)
        out.append("BOUNDS")
        for j in range(self.num_cols):
            lj, uj = lo[j], hi[j]
            if math.isinf(lj) and math.isinf(uj):
                out.append(f" FR bnd x{j}")
                continue
            out.append(f" MI bnd x{j}" if math.isinf(lj) else f" LO bnd x{j} {lj!r}")
            out.append(f" PL bnd x{j}" if math.isinf(uj) else f" UP bnd x{j} {uj!r}")
        out.append("ENDATA")
        return "\n".join(out) + "\n"


def _configure(h: highspy.Highs, *, time_limit: float | None, threads: int, seed: int,
               relative_gap: float) -> None:
    h.setOptionValue("output_flag", False)
    h.setOptionValue("random_seed", int(seed) % 2147483647)
    h.setOptionValue("threads", max(1, int(threads)))
    h.setOptionValue("mip_rel_gap", float(relative_gap))
    h.setOptionValue("mip_abs_gap", 1e-6)
    if time_limit is not None:
        h.setOptionValue("time_limit", max(0.01, float(time_limit)))


def solve_mip(
    model: MipModel,
    *,
    time_limit: float | None = None,
    relative_gap: float = 0.0,
    threads: int = 1,
    seed: int = 0,
    start: FloatArray | None = None,
    on_progress: Callable[[float, float], None] | None = None,
    relax: bool = False,
    lower: FloatArray | None = None,
    upper: FloatArray | None = None,
    integer: BoolArray | None = None,
    ipm: bool = False,
    objective_bound: float | None = None,
    on_solution: Callable[[FloatArray, float], None] | None = None,
    stop: Callable[[float], bool] | None = None,
    cancel: threading.Event | None = None,
    pdlp: bool = False,
    pdlp_options: Mapping[str, float] | None = None,
) -> MipOutcome:
    """Solve ``model`` with HiGHS.

    Parameters
    ----------
    model : MipModel
    time_limit : float, optional
        Seconds; ``None`` for no limit.
    relative_gap : float
        HiGHS ``mip_rel_gap`` (0 asks for a proof of optimality).
    threads : int
        Threads HiGHS may use.
    seed : int
        HiGHS ``random_seed``.
    start : array, optional
        A feasible solution to start from.
    on_progress : callable, optional
        Called with ``(incumbent, bound)`` on every improving solution.
    relax : bool
        Solve the LP relaxation instead (the outcome then has row duals).
    lower, upper, integer : arrays, optional
        Column bounds and integrality to use instead of the model's.
    ipm : bool
        Solve an LP with the interior point method, without crossover.
    objective_bound : float, optional
        Stop the MIP as soon as its dual bound proves that no solution beats this.
    on_solution : callable, optional
        Called with ``(x, value)`` on every improving solution.
    stop : callable, optional
        Called with the dual bound from time to time; returning true stops the solve.
    cancel : threading.Event, optional
        Setting it from another thread stops the solve (LP or MIP) at HiGHS' next check;
        set before the solve starts, nothing is solved. HiGHS 1.16's PDLP calls no
        interrupt callback: once started, it runs to its end or its time limit.
    pdlp : bool
        Solve an LP with HiGHS' first-order PDLP to a loose tolerance (see
        :data:`PDLP_TOLERANCES`): fast on very large LPs, but its value is no
        bound (``bound`` is NaN); its row duals are a good start for
        :func:`lagrangian_bound`, which proves one.
    pdlp_options : mapping, optional
        HiGHS options of the PDLP solve instead of :data:`PDLP_TOLERANCES`.

    Returns
    -------
    MipOutcome

    Examples
    --------
    >>> m = MipModel(maximize=False)
    >>> x = m.add_columns(np.array([1.0, 1.0]), upper=np.ones(2), integer=False)
    >>> m.add_row(x, np.array([1.0, 1.0]), lower=1.5)
    >>> solve_mip(m, relax=True).value
    1.5
    """
    t0 = time.perf_counter()
    out = _run_highs(model, time_limit=time_limit, relative_gap=relative_gap, threads=threads,
                     seed=seed, start=start, on_progress=on_progress, relax=relax, lower=lower,
                     upper=upper, integer=integer, ipm=ipm, objective_bound=objective_bound,
                     on_solution=on_solution, stop=stop, cancel=cancel, pdlp=pdlp,
                     pdlp_options=pdlp_options)
    if start is not None and out.x is not None and not relax and \
            not _objective_matches(model, out.x, out.value):
        # HiGHS can hand back the start itself as its solution while reporting the
        # value of a better one it found after presolve: solve again without the start
        logger.debug("HiGHS returned its start with the value %s of another solution; "
                     "solving again without the start", out.value)
        left = None if time_limit is None else time_limit - (time.perf_counter() - t0)
        if left is None or left > 0.01:
            again = _run_highs(model, time_limit=left, relative_gap=relative_gap,
                               threads=threads, seed=seed, start=None, on_progress=on_progress,
                               relax=False, lower=lower, upper=upper, integer=integer,
                               ipm=False, objective_bound=objective_bound,
                               on_solution=on_solution, stop=stop, cancel=cancel)
            if again.x is not None and _objective_matches(model, again.x, again.value):
                again.seconds = time.perf_counter() - t0
                return again
        # no solution to trust but the start: report that, with the start's own value
        value = float(model.cost @ out.x)
        return MipOutcome(out.x, value, out.bound, False, out.status, time.perf_counter() - t0,
                          None, False)
    return out


def _objective_matches(model: MipModel, x: FloatArray, value: float) -> bool:
    """Whether ``value`` is the objective of ``x`` (up to HiGHS' tolerances)."""
    own = float(model.cost @ x)
    return abs(own - value) <= 1e-6 * max(1.0, abs(own), abs(value))


def _run_highs(
    model: MipModel,
    *,
    time_limit: float | None,
    relative_gap: float,
    threads: int,
    seed: int,
    start: FloatArray | None,
    on_progress: Callable[[float, float], None] | None,
    relax: bool,
    lower: FloatArray | None,
    upper: FloatArray | None,
    integer: BoolArray | None,
    ipm: bool,
    objective_bound: float | None,
    on_solution: Callable[[FloatArray, float], None] | None,
    stop: Callable[[float], bool] | None,
    cancel: threading.Event | None = None,
    pdlp: bool = False,
    pdlp_options: Mapping[str, float] | None = None,
) -> MipOutcome:
    """One HiGHS run of :func:`solve_mip`."""
    if cancel is not None and cancel.is_set():
        return MipOutcome(None, math.nan, INF if model.maximize else -INF, False, "not_solved",
                          0.0)
    h = new_highs()
    _configure(h, time_limit=time_limit, threads=threads, seed=seed, relative_gap=relative_gap)
    if not relax and model.num_cols >= LIGHT_PRESOLVE_COLUMNS:
        h.setOptionValue("presolve_rule_off", LIGHT_PRESOLVE_RULES_OFF)
    if relax and pdlp:
        h.setOptionValue("solver", "pdlp")
        for name, value in (PDLP_TOLERANCES if pdlp_options is None else pdlp_options).items():
            # HiGHS ignores an option it does not know, with only a status to say so
            if h.setOptionValue(name, value) != highspy.HighsStatus.kOk:
                raise ValueError(f"HiGHS has no option {name!r} that takes {value!r}")
    elif relax and ipm:
        h.setOptionValue("solver", "ipm")
        h.setOptionValue("run_crossover", "off")
    if objective_bound is not None and not relax:
        h.setOptionValue("objective_bound", float(objective_bound))
    lp = model.to_highs(relax=relax, lower=lower, upper=upper, integer=integer)
    h.passModel(lp)
    if start is not None and not relax:
        sol = highspy.HighsSolution()
        sol.col_value = np.asarray(start, dtype=np.float64)
        sol.value_valid = True
        h.setSolution(sol)
    if (on_progress is not None or on_solution is not None) and not relax:

        def _improved(event: object) -> None:
            data = event.data_out  # type: ignore[attr-defined]
            if on_solution is not None:
                on_solution(np.asarray(data.mip_solution, np.float64),
                            float(data.objective_function_value))
            if on_progress is not None:
                on_progress(float(data.objective_function_value), float(data.mip_dual_bound))

        h.cbMipImprovingSolution.subscribe(_improved)
    if stop is not None and not relax:

        def _interrupt(event: object) -> None:
            if stop(float(event.data_out.mip_dual_bound)):  # type: ignore[attr-defined]
                event.data_in.user_interrupt = True  # type: ignore[attr-defined]

        h.cbMipInterrupt.subscribe(_interrupt)
    if cancel is not None:

        def _cancelled(event: object) -> None:
            if cancel.is_set():
                event.data_in.user_interrupt = True  # type: ignore[attr-defined]

        for hook in (h.cbSimplexInterrupt, h.cbIpmInterrupt, h.cbMipInterrupt):
            hook.subscribe(_cancelled)
    t0 = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - t0
    status = h.getModelStatus()
    info = h.getInfo()
    name = h.modelStatusToString(status)
    has_solution = int(info.primal_solution_status) == int(highspy.kSolutionStatusFeasible)
    x = np.asarray(h.getSolution().col_value, dtype=np.float64) if has_solution else None
    value = float(info.objective_function_value) if has_solution else math.nan
    optimal = status == highspy.HighsModelStatus.kOptimal
    infeasible = status == highspy.HighsModelStatus.kInfeasible
    if status == highspy.HighsModelStatus.kModelEmpty and model.num_cols == 0:
        # nothing to decide: the empty solution is optimal, worth 0
        x, value, optimal, has_solution = np.zeros(0), 0.0, True, True
    row_dual = None
    if relax and pdlp:
        # an approximate point: its duals count, its value proves nothing
        sol = h.getSolution()
        stopped = status in (highspy.HighsModelStatus.kInterrupt,
                             highspy.HighsModelStatus.kTimeLimit,
                             highspy.HighsModelStatus.kSolveError)
        if not stopped and sol.value_valid and sol.dual_valid:
            x = np.asarray(sol.col_value, dtype=np.float64)
            row_dual = np.asarray(sol.row_dual, dtype=np.float64)
            value = float(model.cost @ x)
        bound, optimal = math.nan, False
    elif relax:
        bound = value
        if int(info.dual_solution_status) != 0:
            row_dual = np.asarray(h.getSolution().row_dual, dtype=np.float64)
    else:
        bound = float(info.mip_dual_bound)
        if optimal and has_solution and not math.isfinite(bound):
            bound = value
    return MipOutcome(x, value, bound, optimal and has_solution, name, seconds, row_dual,
                      infeasible)


def solve_lp(model: MipModel, *, time_limit: float | None = None, threads: int = 1,
             ipm: bool = True, lower: FloatArray | None = None,
             upper: FloatArray | None = None, cancel: threading.Event | None = None,
             pdlp: bool = False, pdlp_options: Mapping[str, float] | None = None) -> MipOutcome:
    """The LP relaxation of ``model``, with row duals (see :func:`solve_mip`).

    Examples
    --------
    >>> m = MipModel(maximize=True)
    >>> x = m.add_columns(np.array([1.0]), upper=np.array([2.0]))
    >>> round(solve_lp(m).value, 6)
    2.0
    """
    return solve_mip(model, time_limit=time_limit, threads=threads, relax=True, ipm=ipm,
                     lower=lower, upper=upper, cancel=cancel, pdlp=pdlp,
                     pdlp_options=pdlp_options)


# -- SCIP -------------------------------------------------------------------------------
def solve_scip(
    model: MipModel,
    *,
    time_limit: float | None = None,
    seed: int = 0,
    start: FloatArray | None = None,
    lower: FloatArray | None = None,
    upper: FloatArray | None = None,
    integer: BoolArray | None = None,
    cancel: threading.Event | None = None,
) -> MipOutcome:
    """Solve ``model`` with SCIP (single-threaded, deterministic), through OR-Tools.

    SCIP leaves Python's lock while it solves, so several solves can run on
    threads side by side; setting ``cancel`` from another thread stops this
    one (with the best solution found so far, and no proven bound unless it
    had finished).

    Examples
    --------
    >>> m = MipModel(maximize=True)
    >>> x = m.add_columns(np.array([3.0, 2.0]), upper=np.ones(2), integer=True)
    >>> m.add_row(x, np.array([2.0, 2.0]), upper=3.0)
    >>> out = solve_scip(m)
    >>> out.value, out.optimal
    (3.0, True)
    """
    from ortools.linear_solver import pywraplp  # type: ignore[attr-defined]
    from ortools.linear_solver.python import model_builder as mb

    t0 = time.perf_counter()
    if cancel is not None and cancel.is_set():
        return MipOutcome(None, math.nan, INF if model.maximize else -INF, False, "not_solved",
                          0.0)
    text = model.to_mps(lower=lower, upper=upper, integer=integer)
    built = mb.Model()  # type: ignore[no-untyped-call]
    if not built.import_from_mps_string(text):  # pragma: no cover - the text is ours
        raise RuntimeError("SCIP could not read the model written for it.")
    proto = built.export_to_proto()
    if start is not None:
        proto.solution_hint.var_index.extend(range(model.num_cols))
        proto.solution_hint.var_value.extend(np.asarray(start, np.float64).tolist())
    solver = pywraplp.Solver.CreateSolver("SCIP")
    if solver is None:  # pragma: no cover - OR-Tools' wheels include SCIP
        raise RuntimeError("This OR-Tools build has no SCIP.")
    error = solver.LoadModelFromProto(proto)
    if error:  # pragma: no cover - the model is ours
        raise RuntimeError(f"SCIP refused the model written for it: {error}")
    solver.SetSolverSpecificParametersAsString(
        f"randomization/randomseedshift = {int(seed) % 1000}\nlimits/gap = 0\nlimits/absgap = 0")
    if time_limit is not None:
        left = max(0.01, float(time_limit) - (time.perf_counter() - t0))
        solver.SetTimeLimit(max(1, int(left * 1000)))
    status = _solve_cancellable(solver, cancel)
    seconds = time.perf_counter() - t0
    names = {pywraplp.Solver.OPTIMAL: "optimal", pywraplp.Solver.FEASIBLE: "feasible",
             pywraplp.Solver.INFEASIBLE: "infeasible", pywraplp.Solver.UNBOUNDED: "unbounded",
             pywraplp.Solver.ABNORMAL: "abnormal", pywraplp.Solver.NOT_SOLVED: "not_solved"}
    name = names.get(status, "model_invalid")
    solved = status in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE)
    x = np.fromiter((v.solution_value() for v in solver.variables()), np.float64,
                    model.num_cols) if solved else None
    value = float(solver.Objective().Value()) if solved else math.nan
    optimal = status == pywraplp.Solver.OPTIMAL
    infeasible = status == pywraplp.Solver.INFEASIBLE
    bound = _scip_bound(float(solver.Objective().BestBound()) if solved else math.nan, value,
                        solved=solved, optimal=optimal, maximize=model.maximize)
    return MipOutcome(x, value, bound, optimal, name, seconds, None, infeasible)


def _solve_cancellable(solver: object, cancel: threading.Event | None) -> int:
    """``solver.Solve()``, interrupted as soon as ``cancel`` is set (if given)."""
    if cancel is None:
        return int(solver.Solve())  # type: ignore[attr-defined]
    finished = threading.Event()

    def watch() -> None:
        # asked again until the solve returns: an interrupt before it starts may be lost
        while not finished.is_set():
            if cancel.wait(CANCEL_POLL_SECONDS):
                solver.InterruptSolve()  # type: ignore[attr-defined]
                finished.wait(CANCEL_POLL_SECONDS)

    watcher = threading.Thread(target=watch, name="scip-cancel", daemon=True)
    watcher.start()
    try:
        return int(solver.Solve())  # type: ignore[attr-defined]
    finally:
        finished.set()
        watcher.join()


#: Seconds between two looks at a SCIP solve's cancel flag.
CANCEL_POLL_SECONDS = 0.02


#: SCIP's infinity: a bound at or beyond it is no bound.
SCIP_INFINITY = 1e20


def _scip_bound(bound: float, value: float, *, solved: bool, optimal: bool,
                maximize: bool) -> float:
    """The dual bound SCIP reported, where it proves one; else the trivial infinite bound.

    SCIP reports a bound of 0 when it stops before solving anything (status
    ``NOT_SOLVED``, e.g. a time limit reached while reading the model), and
    its infinity when it has no bound: neither proves anything.

    Examples
    --------
    >>> _scip_bound(0.0, math.nan, solved=False, optimal=False, maximize=True)
    inf
    >>> _scip_bound(1e20, 275.0, solved=True, optimal=False, maximize=True)
    inf
    >>> _scip_bound(310.0, 275.0, solved=True, optimal=False, maximize=True)
    310.0
    >>> _scip_bound(math.nan, 12.0, solved=True, optimal=True, maximize=False)
    12.0
    """
    trivial = INF if maximize else -INF
    if optimal and not (math.isfinite(bound) and abs(bound) < SCIP_INFINITY):
        return value
    if not solved or not math.isfinite(bound) or abs(bound) >= SCIP_INFINITY:
        return trivial
    slack = 1e-6 * max(1.0, abs(value)) if math.isfinite(value) else 0.0
    if math.isfinite(value) and (bound < value - slack if maximize else bound > value + slack):
        # a bound on the wrong side of a solution SCIP found proves nothing
        return trivial
    return bound


# -- proven bounds from multipliers -----------------------------------------------------
@dataclass
class LagrangianBound:
    """A bound proven from row multipliers, and the reduced costs it comes with.

    For a maximisation, every feasible ``x`` satisfies
    ``objective(x) <= bound - sum(|rc_j| * distance of x_j from the bound rc_j pushes it to)
    - sum(|multiplier_i| * slack of row i on the side it prices)``.
    """

    bound: float
    reduced_cost: FloatArray
    multiplier: FloatArray


def lagrangian_bound(
    model: MipModel,
    multiplier: FloatArray,
    *,
    lower: FloatArray | None = None,
    upper: FloatArray | None = None,
    best_choice: bool = True,
) -> LagrangianBound:
    """The bound on ``model``'s optimum given by the row multipliers (either sign convention).

    Multipliers on the wrong side of a row are set to zero, so any vector gives
    a valid bound. Both sign conventions are tried, each also with the
    multiplier of every *choice row* (at most or exactly one of its 0-1
    columns, such as a parcel's row) set at its best given the others, and the
    tightest bound is kept. PDLP's loose duals gain most from the latter: on a
    20,000-parcel month's level-1 LP (value 27,746) 27,788 instead of 27,816.
    With ``best_choice`` false the multipliers are taken as given (the duals of
    an LP solved to optimality are already at their best, and the
    reduced-cost fixings read from them stay the LP's own).

    Examples
    --------
    >>> m = MipModel(maximize=True)
    >>> x = m.add_columns(np.array([3.0, 2.0]), upper=np.ones(2), integer=False)
    >>> m.add_row(x, np.array([2.0, 2.0]), upper=3.0)
    >>> lagrangian_bound(m, np.array([1.5])).bound
    4.5
    """
    start, index, value, rl, ru = model.matrix()
    lo = model.lower if lower is None else np.asarray(lower, np.float64)
    hi = model.upper if upper is None else np.asarray(upper, np.float64)
    rows = np.repeat(np.arange(model.num_rows), np.diff(start))
    choice = _choice_rows(start, index, value, rows, rl, ru, lo, hi) if best_choice else \
        np.zeros(model.num_rows, bool)
    best: LagrangianBound | None = None
    for sign, polish in ((1.0, False), (-1.0, False), (1.0, True), (-1.0, True)):
        if polish and not np.any(choice):
            break
        pi = sign * np.asarray(multiplier, np.float64)
        if polish:
            pi = _best_choice_multipliers(model, pi, choice, start, index, value, rows, rl)
        cand = _priced(model, pi, index, value, rows, rl, ru, lo, hi)
        total = cand.bound
        if best is None or (total < best.bound if model.maximize else total > best.bound):
            best = cand
    assert best is not None
    return best


def _priced(model: MipModel, pi: FloatArray, index: IntArray, value: FloatArray,
            rows: IntArray, rl: FloatArray, ru: FloatArray, lo: FloatArray,
            hi: FloatArray) -> LagrangianBound:
    """The Lagrangian of ``model`` at ``pi`` (its multipliers on the wrong side set to zero)."""
    if model.maximize:
        pi = np.where((pi > 0) & ~np.isfinite(ru), 0.0, pi)
        pi = np.where((pi < 0) & ~np.isfinite(rl), 0.0, pi)
        row_part = np.where(pi > 0, pi * np.where(np.isfinite(ru), ru, 0.0),
                            pi * np.where(np.isfinite(rl), rl, 0.0))
    else:
        pi = np.where((pi > 0) & ~np.isfinite(rl), 0.0, pi)
        pi = np.where((pi < 0) & ~np.isfinite(ru), 0.0, pi)
        row_part = np.where(pi > 0, pi * np.where(np.isfinite(rl), rl, 0.0),
                            pi * np.where(np.isfinite(ru), ru, 0.0))
    rc = model.cost - np.bincount(index, weights=value * pi[rows], minlength=model.num_cols)
    up_side = rc > 0 if model.maximize else rc < 0
    col_bound = np.where(up_side, hi, lo)
    if np.any((rc != 0) & ~np.isfinite(col_bound)):
        total = INF if model.maximize else -INF
    else:
        total = float(math.fsum(row_part.tolist()) + math.fsum((rc * np.where(
            rc != 0, col_bound, 0.0)).tolist()))
    return LagrangianBound(total, rc, pi)


def _choice_rows(start: IntArray, index: IntArray, value: FloatArray, rows: IntArray,
                 rl: FloatArray, ru: FloatArray, lo: FloatArray, hi: FloatArray) -> BoolArray:
    """Rows that choose at most one (or exactly one) of their 0-1 columns, sharing none.

    Every coefficient is 1, the upper side is 1, the lower side is at most 0
    or exactly 1, and every column lies in ``[0, 1]``. Rows with a finite
    lower side (each parcel's row) are taken first; a row sharing a column
    with another candidate of its round, or with a row already taken, is left out.
    ``rows`` is the row of every non-zero.
    """
    n_rows = len(rl)
    length = np.diff(start)
    bad = (value != 1.0) | (lo[index] != 0.0) | (hi[index] != 1.0)
    spoiled = np.bincount(rows[bad], minlength=n_rows) > 0
    candidate = (length > 0) & ~spoiled & (ru == 1.0) & ((rl <= 0.0) | (rl == 1.0))
    taken = np.zeros(n_rows, bool)
    covered = np.zeros(len(lo), bool)
    for first in (True, False):
        cand = candidate & (np.isfinite(rl) == first)
        in_cand = cand[rows]
        uses = np.bincount(index[in_cand], minlength=len(lo))
        clash = in_cand & ((uses[index] > 1) | covered[index])
        ok = cand & (np.bincount(rows[clash], minlength=n_rows) == 0)
        taken |= ok
        covered[index[ok[rows]]] = True
    return taken


def _best_choice_multipliers(model: MipModel, pi: FloatArray, choice: BoolArray,
                             start: IntArray, index: IntArray, value: FloatArray,
                             rows: IntArray, rl: FloatArray) -> FloatArray:
    """``pi`` with each choice row's multiplier set to its best given all the others.

    Over a row that chooses at most one of its columns, the Lagrangian part
    ``pi_r + sum_j max(0, rc_j - pi_r)`` (maximising) is smallest at
    ``pi_r = max(0, max_j rc_j)``, ``rc`` being the reduced costs without that
    row; exactly one: ``max_j rc_j``. Minimising is the mirror image. The
    choice rows share no column, so every one is set at its best at once
    (and the bound stays valid for any multipliers whatever the rows).
    """
    pi = pi.copy()
    pi[choice] = 0.0
    rc = model.cost - np.bincount(index, weights=value * pi[rows], minlength=model.num_cols)
    nonempty = np.diff(start) > 0
    heads = start[:-1][nonempty]
    seg = rc[index]
    reduce = np.maximum if model.maximize else np.minimum
    top = reduce.reduceat(seg, heads)[choice[nonempty]]
    pi[choice] = np.where(rl[choice] == 1.0, top, reduce(top, 0.0))
    return pi


#: OR-Tools' solver of :func:`knapsack_bound`'s knapsacks. On the level-1 LPs of independent
#: 2,000-parcel months (300-1,300 blocks) its CP-SAT solver took 0.97 s in all where its SCIP
#: solver took 1.9 s and its branch and bound 53 s (45 s on one knapsack of 66 items).
KNAPSACK_SOLVER = knapsack_solver.SolverType.KNAPSACK_MULTIDIMENSION_CP_SAT_SOLVER
#: At most this long on one knapsack (which then counts its rows priced), so that one hard
#: knapsack leaves time for the others. The slowest of the 2,000-parcel months took 0.15 s.
KNAPSACK_MAX_SECONDS = 0.5
#: Each knapsack goes first to OR-Tools' branch and bound for this long: it solves most of
#: them at once (0.03-0.4 s for a whole 2,000-parcel month where it used to be 0.8-1.0 s with
#: CP-SAT alone); CP-SAT takes the rest.
KNAPSACK_QUICK_SOLVER = knapsack_solver.SolverType.KNAPSACK_MULTIDIMENSION_BRANCH_AND_BOUND_SOLVER
KNAPSACK_QUICK_SECONDS = 0.005
#: Largest total profit handed to the knapsack solver (its profits are 64-bit integers).
KNAPSACK_MAX_PROFIT = 1e15
#: A knapsack whose capacity reaches this is not solved (its weights and capacities are
#: 64-bit integers too); it counts its rows priced.
KNAPSACK_MAX_INTEGER = 2.0**62


@dataclass(frozen=True)
class KnapsackBound:
    """A bound proven with each block's knapsack rows kept (see :func:`knapsack_bound`)."""

    bound: float
    blocks: int
    """Blocks whose kept rows could bind, each a knapsack to solve."""
    solved: int
    """Of those, the knapsacks solved to optimality in time (the others count the better of
    their box and their rows priced)."""


def knapsack_bound(model: MipModel, multiplier: FloatArray, block: IntArray, *,
                   time_limit: float | None = None) -> KnapsackBound:
    """The Lagrangian bound of ``model`` with each block's knapsack rows kept, in integers.

    ``block`` gives the block of every column (-1: none), such as each
    option's batch. A row is kept out of the pricing when all its columns
    are 0-1 columns of one block and its coefficients are non-negative
    integers under a finite upper side (a batch's weight, volume and count
    rows); its lower side is dropped. Every other row is priced by
    ``multiplier`` as in :func:`lagrangian_bound` (taken as given). Then the
    columns of each block choose the best 0-1 vector within its kept rows, a
    multi-dimensional knapsack solved by OR-Tools, instead of the best corner
    of their box; the other columns keep their box. The bound holds for any
    multipliers and is never weaker than :func:`lagrangian_bound`'s at them
    (without ``best_choice``): a knapsack not solved to optimality within
    ``time_limit`` (all of them together) counts the better of its box and
    its rows priced by ``multiplier``. At an LP's duals it is lower than the
    LP's value (maximising) where the LP fills a batch with part of a parcel.

    Examples
    --------
    Two items of value 3 and weight 2 in one knapsack of capacity 3: the LP
    takes one and a half, the knapsack one.

    >>> m = MipModel(maximize=True)
    >>> x = m.add_columns(np.array([3.0, 3.0]), upper=np.ones(2))
    >>> m.add_row(x, np.array([2.0, 2.0]), upper=3.0)
    >>> lagrangian_bound(m, np.array([1.5])).bound
    4.5
    >>> knapsack_bound(m, np.array([1.5]), np.array([0, 0])).bound
    3.0
    """
    t0 = time.perf_counter()
    start, index, value, rl, ru = model.matrix()
    n_rows = model.num_rows
    length = np.diff(start)
    rows = np.repeat(np.arange(n_rows), length)
    lo, hi = model.lower, model.upper
    blk = np.asarray(block, np.int64)[index]
    binary = model.integer & (lo >= 0) & (hi <= 1)
    bad = (value < 0) | (value != np.round(value)) | ~binary[index] | (blk < 0)
    keep = (length > 0) & np.isfinite(ru) & (np.bincount(rows[bad], minlength=n_rows) == 0)
    nonempty = np.flatnonzero(length > 0)
    one_block = np.zeros(n_rows, bool)
    if len(nonempty):
        heads = start[:-1][nonempty]
        one_block[nonempty] = (np.minimum.reduceat(blk, heads)
                               == np.maximum.reduceat(blk, heads))
    keep &= one_block
    full = lagrangian_bound(model, multiplier, best_choice=False)
    if not math.isfinite(full.bound) or not keep.any():
        return KnapsackBound(full.bound, 0, 0)
    lag = _priced(model, np.where(keep, 0.0, full.multiplier), index, value, rows, rl, ru,
                  lo, hi)
    sense = 1.0 if model.maximize else -1.0
    gain = sense * lag.reduced_cost
    # each kept row's multiplier on its upper side: a knapsack not solved in time counts
    # the bound it gives (its rows priced as in ``full``), or its box if lower
    mu = np.where(keep, np.maximum(sense * full.multiplier, 0.0), 0.0)
    priced_gain = gain - np.bincount(index, weights=value * mu[rows], minlength=len(lo))
    # each kept row's load of forced columns, and of the free columns worth taking
    kept_nz = keep[rows]
    forced = lo >= 1
    free = ~forced & (hi >= 1) & (gain > 0)
    must = np.bincount(rows, weights=value * forced[index], minlength=n_rows)
    could = np.bincount(rows, weights=value * free[index], minlength=n_rows)
    binds = keep & (must + could > ru + 1e-9)
    # blocks with a kept row that binds: their columns in kept rows are the knapsack's items
    solve = np.zeros(int(blk.max()) + 1, bool)
    solve[blk[binds[rows]]] = True
    nz = np.flatnonzero(kept_nz & solve[blk])
    order = np.lexsort((rows[nz], blk[nz]))
    nz = nz[order]
    bounds = np.flatnonzero(np.diff(blk[nz])) + 1
    solver = knapsack_solver.KnapsackSolver(KNAPSACK_SOLVER, "parcelroute")
    quick = knapsack_solver.KnapsackSolver(KNAPSACK_QUICK_SOLVER, "parcelroute quick")
    delta, n_blocks, solved = 0.0, 0, 0
    for part in np.split(nz, bounds) if len(nz) else []:
        n_blocks += 1
        cols = np.unique(index[part])
        row_ids, r_pos = np.unique(rows[part], return_inverse=True)
        box = float(np.sum(np.maximum(gain[cols] * lo[cols], gain[cols] * hi[cols])))
        priced = float(np.sum(mu[row_ids] * ru[row_ids]) + np.sum(np.maximum(
            priced_gain[cols] * lo[cols], priced_gain[cols] * hi[cols])))
        delta += max(0.0, box - priced)
        box = min(box, priced)
        left = None if time_limit is None else time_limit - (time.perf_counter() - t0)
        if left is not None and left <= 0:
            continue
        weights = np.zeros((len(row_ids), len(cols)))
        weights[r_pos, np.searchsorted(cols, index[part])] = value[part]
        is_forced = forced[cols]
        capacity = np.floor(ru[row_ids] - weights[:, is_forced].sum(axis=1) + 1e-9)
        if np.any(capacity < 0):
            continue  # no 0-1 vector fits (no plan either): the bound above stands
        take = free[cols] & np.all(weights <= capacity[:, None], axis=0)
        if capacity.max(initial=0.0) >= KNAPSACK_MAX_INTEGER:
            continue  # beyond the solver's 64-bit integers: the bound above stands
        base = float(np.sum(gain[cols][is_forced]))
        g = gain[cols][take]
        scale = min(1e6, KNAPSACK_MAX_PROFIT / max(1.0, float(g.sum())))
        profits = np.ceil(g * scale).astype(np.int64)
        args = (profits.tolist(), weights[:, take].astype(np.int64).tolist(),
                capacity.astype(np.int64).tolist())
        quick.init(*args)
        quick.set_time_limit(KNAPSACK_QUICK_SECONDS if left is None
                             else min(left, KNAPSACK_QUICK_SECONDS))
        best = quick.solve()
        if not quick.is_solution_optimal():
            left = None if time_limit is None else time_limit - (time.perf_counter() - t0)
            if left is not None and left <= 0:
                continue
            solver.init(*args)
            solver.set_time_limit(KNAPSACK_MAX_SECONDS if left is None
                                  else min(left, KNAPSACK_MAX_SECONDS))
            best = solver.solve()
            if not solver.is_solution_optimal():
                continue
        solved += 1
        delta += max(0.0, box - (base + best / scale))
    return KnapsackBound(lag.bound - sense * delta, n_blocks, solved)
