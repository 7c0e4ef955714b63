"""A small sparse MIP builder on top of HiGHS (``highspy``).

Rows are accumulated as NumPy arrays and handed to HiGHS in one call, so a
model with millions of non-zeros is built without a Python loop per entry.
"""

from __future__ import annotations

import logging
import math
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

import highspy
import numpy as np
import numpy.typing as npt

__all__ = ["MipModel", "MipOutcome", "solve_mip"]

logger = logging.getLogger("parcelroute")

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
INF = math.inf


@dataclass
class MipOutcome:
    """The result of one MIP solve.

    ``value`` and ``bound`` are in the model's own objective sense; ``x`` is
    ``None`` when no feasible solution is known.
    """

    x: FloatArray | None
    value: float
    bound: float
    optimal: bool
    status: str
    seconds: float


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
        self._integer: list[npt.NDArray[np.bool_]] = []
        self.num_cols = 0
        self._row_ptr: list[IntArray] = []
        self._row_idx: list[IntArray] = []
        self._row_val: list[FloatArray] = []
        self._row_lo: list[FloatArray] = []
        self._row_hi: list[FloatArray] = []
        self.num_rows = 0
        self._nnz = 0

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
        """Add one row per group id ``0..len(lower)-1`` from unsorted (group, index, value) triplets."""
        order = np.argsort(group, kind="stable")
        counts = np.bincount(group, minlength=len(lower))
        starts = np.concatenate([[0], np.cumsum(counts)])
        self.add_rows(starts, index[order], value[order], lower, upper)

    def to_highs(self) -> highspy.HighsLp:
        """The model as a HiGHS LP/MIP."""
        lp = highspy.HighsLp()
        lp.num_col_ = self.num_cols
        lp.num_row_ = self.num_rows
        lp.col_cost_ = np.concatenate(self._cost) if self._cost else np.zeros(0)
        lp.col_lower_ = np.concatenate(self._lower) if self._lower else np.zeros(0)
        lp.col_upper_ = np.concatenate(self._upper) if self._upper else np.zeros(0)
        lp.row_lower_ = np.concatenate(self._row_lo) if self._row_lo else np.zeros(0)
        lp.row_upper_ = np.concatenate(self._row_hi) if self._row_hi else np.zeros(0)
        lp.sense_ = highspy.ObjSense.kMaximize if self.maximize else highspy.ObjSense.kMinimize
        matrix = highspy.HighsSparseMatrix()
        matrix.format_ = highspy.MatrixFormat.kRowwise
        matrix.num_col_ = self.num_cols
        matrix.num_row_ = self.num_rows
        starts = np.concatenate([*self._row_ptr, [self._nnz]]) if self._row_ptr else np.zeros(1)
        matrix.start_ = starts.astype(np.int32)
        matrix.index_ = (np.concatenate(self._row_idx) if self._row_idx else np.zeros(0)).astype(
            np.int32
        )
        matrix.value_ = np.concatenate(self._row_val) if self._row_val else np.zeros(0)
        lp.a_matrix_ = matrix
        integer = np.concatenate(self._integer) if self._integer else np.zeros(0, dtype=bool)
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
            for flag in integer
        ]
        return lp


_banner_shown = False


def new_highs() -> highspy.Highs:
    """A silent HiGHS instance (its start-up banner is kept off standard output)."""
    global _banner_shown
    if _banner_shown:
        return highspy.Highs()  # type: ignore[no-untyped-call]
    _banner_shown = True
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            h = highspy.Highs()  # type: ignore[no-untyped-call]
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    return h


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
        Accepted for symmetry with the other engines; HiGHS runs on one thread
        here (its branch and bound is sequential).
    seed : int
        HiGHS ``random_seed``.
    start : array, optional
        A feasible solution to start from.
    on_progress : callable, optional
        Called with ``(incumbent, bound)`` on every improving solution.
    relax : bool
        Solve the LP relaxation instead.

    Returns
    -------
    MipOutcome
    """
    h = new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("random_seed", int(seed) % 2147483647)
    # HiGHS keeps one thread pool per process and refuses to run an instance
    # that asks for another size; every instance here uses one thread.
    h.setOptionValue("threads", 1)
    h.setOptionValue("mip_rel_gap", float(relative_gap))
    h.setOptionValue("mip_abs_gap", 1e-6)
    if time_limit is not None:
        h.setOptionValue("time_limit", max(0.01, float(time_limit)))
    lp = model.to_highs()
    if relax:
        lp.integrality_ = []
    h.passModel(lp)
    if start is not None and not relax:
        sol = highspy.HighsSolution()
        sol.col_value = np.asarray(start, dtype=np.float64)
        sol.value_valid = True
        h.setSolution(sol)
    if on_progress is not None and not relax:

        def _improved(event: object) -> None:
            data = event.data_out  # type: ignore[attr-defined]
            on_progress(float(data.objective_function_value), float(data.mip_dual_bound))

        h.cbMipImprovingSolution.subscribe(_improved)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    seconds = float(h.getRunTime())
    name = h.modelStatusToString(status)
    has_solution = int(info.primal_solution_status) == int(highspy.kSolutionStatusFeasible)
    x = np.asarray(h.getSolution().col_value, dtype=np.float64) if has_solution else None
    value = float(info.objective_function_value) if has_solution else math.nan
    optimal = status == highspy.HighsModelStatus.kOptimal
    if relax:
        bound = value
    else:
        bound = float(info.mip_dual_bound)
        if optimal and has_solution and not math.isfinite(bound):
            bound = value
    return MipOutcome(x, value, bound, optimal and has_solution, name, seconds)
