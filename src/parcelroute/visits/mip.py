"""A second prover for a visit level: the same CP-SAT model handed to HiGHS as a MIP.

On the transport-cost level CP-SAT finds good plans quickly but closes the
gap slowly: the level is a fixed-charge covering problem whose linear
relaxation is weak, and HiGHS' root cuts and branch-and-bound usually prove
it much faster. :func:`solve_with_highs` translates the CP-SAT model of
:class:`~parcelroute.visits.model.VisitModel` row by row (at-most-one,
exactly-one, implications and plain linear constraints are all it uses),
starts HiGHS from a known plan, and checks the plan HiGHS returns against
the CP-SAT model itself before trusting it: a solution is only used when
CP-SAT accepts every one of its values. The objective is integral, so the
bound HiGHS proves is rounded up (down when maximising) to the next integer
after allowing for its tolerances.
"""

from __future__ import annotations

import logging
import math
import os
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
from ortools.sat import cp_model_pb2
from ortools.sat.python import cp_model

from parcelroute._highs import new_highs, was_left_behind
from parcelroute._integral import TOLERANCE
from parcelroute.visits.race import LevelRace

__all__ = ["HighsLevel", "MipLevel", "check_values", "linear_relaxation", "solve_with_highs",
           "to_rows"]

logger = logging.getLogger("parcelroute")

#: HiGHS stops once the gap is below this many objective steps: the objective is a
#: multiple of its coefficients' gcd (the step), so a smaller gap proves optimality.
ABS_GAP = 0.99
#: HiGHS' RENS heuristic stays off on the visit levels. In HiGHS 1.16 the presolve of a
#: RENS sub-MIP can loop forever (``HPresolve::strengthenInequalities``, a loop that checks
#: neither the time limit nor interrupts): the transport-cost level of
#: ``parcelroute generate --visits 500 --seed 19`` hung in 2 of 6 solves. Without RENS it
#: never did, and most 500-request months are proven sooner (measured in benchmarks/HISTORY.md).
RUN_RENS = False
#: HiGHS' primal heuristic effort on the visit levels (its default is 0.05). Without RENS
#: its other heuristics get more of the time: over 16 generated 500-request months the
#: median time to the proof fell from 5.3 s to 4.9 s, and seed 3's month, which RENS had
#: found its good transport plans for, is proven again (27 s) instead of left at 8,860 /
#: 6,890 after 30 s (measured in benchmarks/HISTORY.md).
HEURISTIC_EFFORT = 0.3


@dataclass
class MipLevel:
    """What HiGHS gave for one level, in the CP-SAT objective's own sense and units.

    ``value`` and ``values`` are set only for a solution CP-SAT accepted;
    ``bound`` is the integer bound proven (``None`` if none); ``infeasible``
    when HiGHS proved that the model has no solution.
    """

    solved: bool
    value: int = 0
    bound: int | None = None
    seconds: float = 0.0
    values: dict[int, int] = field(default_factory=dict)
    infeasible: bool = False


@dataclass
class _Rows:
    """Sparse rows ``lower <= A x <= upper`` of a CP-SAT model, in CSR form."""

    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    starts: list[int] = field(default_factory=lambda: [0])
    index: list[int] = field(default_factory=list)
    value: list[float] = field(default_factory=list)

    def add(self, coefs: dict[int, int], lower: float, upper: float) -> None:
        """Append one row."""
        for var, coef in coefs.items():
            if coef:
                self.index.append(var)
                self.value.append(float(coef))
        self.starts.append(len(self.index))
        self.lower.append(lower)
        self.upper.append(upper)


def _literal(lit: int) -> tuple[int, int, int]:
    """A literal as ``(variable, coefficient, constant)``: its value is ``coef * var + const``."""
    return (lit, 1, 0) if lit >= 0 else (-lit - 1, -1, 1)


def _add_literals(coefs: dict[int, int], lits: list[int], sign: int) -> int:
    """Add ``sign`` times the sum of literals to ``coefs``; return the constant part."""
    const = 0
    for lit in lits:
        var, a, b = _literal(lit)
        coefs[var] = coefs.get(var, 0) + sign * a
        const += sign * b
    return const


def _clause(rows: _Rows, lits: list[int], enforcement: list[int]) -> None:
    """``enforcement => or(lits)`` as ``sum(lits) + sum(1 - enforcement) >= 1``."""
    coefs: dict[int, int] = {}
    const = (_add_literals(coefs, lits, 1) + _add_literals(coefs, enforcement, -1)
             + len(enforcement))
    rows.add(coefs, 1 - const, math.inf)


def _kind(ct: Any) -> str | None:
    """Which constraint ``ct`` is, from OR-Tools' own wrapper or a plain protobuf message."""
    if hasattr(ct, "WhichOneof"):
        kind: str | None = ct.WhichOneof("constraint")
        return kind
    for name in ("at_most_one", "exactly_one", "bool_or", "bool_and", "linear"):
        if getattr(ct, f"has_{name}")():
            return name
    return None


def to_rows(proto: Any) -> _Rows:
    """The constraints of a CP-SAT model as linear rows over its variables.

    Raises
    ------
    ValueError
        If the model has a constraint kind the visit models never use (or a
        linear constraint with an enforcement literal or a domain with holes).
    """
    rows = _Rows()
    for ct in proto.constraints:
        enf = list(ct.enforcement_literal)
        kind = _kind(ct)
        if kind in ("at_most_one", "exactly_one"):
            exact = kind == "exactly_one"
            lits = list(ct.exactly_one.literals if exact else ct.at_most_one.literals)
            if enf:
                raise ValueError("an enforced at-most-one is not supported")
            coefs: dict[int, int] = {}
            const = _add_literals(coefs, lits, 1)
            rows.add(coefs, 1 - const if exact else -math.inf, 1 - const)
        elif kind == "bool_or":
            _clause(rows, list(ct.bool_or.literals), enf)
        elif kind == "bool_and":
            for lit in ct.bool_and.literals:
                _clause(rows, [lit], enf)
        elif kind == "linear":
            if enf:
                raise ValueError("an enforced linear constraint is not supported")
            domain = list(ct.linear.domain)
            if len(domain) != 2:
                raise ValueError("a linear constraint with holes is not supported")
            coefs = {}
            for var, coef in zip(ct.linear.vars, ct.linear.coeffs, strict=True):
                coefs[var] = coefs.get(var, 0) + coef
            lower = -math.inf if domain[0] <= cp_model.INT_MIN else float(domain[0])
            upper = math.inf if domain[1] >= cp_model.INT_MAX else float(domain[1])
            rows.add(coefs, lower, upper)
        else:
            raise ValueError(f"constraint {ct} is not supported")
    return rows


def check_values(model: cp_model.CpModel, values: dict[int, int]) -> bool:
    """Whether CP-SAT accepts the given values of every variable (exact, no tolerance)."""
    check = model.clone()
    check.clear_hints()  # type: ignore[no-untyped-call]
    check.clear_objective()  # type: ignore[no-untyped-call]
    for i in range(len(check.proto.variables)):
        check.add_hint(check.get_int_var_from_proto_index(i), values.get(i, 0))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.max_time_in_seconds = 10.0
    return solver.solve(check) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def _build(proto: Any, start: dict[int, int] | None, *, integral: bool = True) -> highspy.Highs:
    """A HiGHS model of a CP-SAT model (objective minimised as CP-SAT stores it); its
    linear relaxation unless ``integral``."""
    h = new_highs()
    h.setOptionValue("output_flag", False)
    n = len(proto.variables)
    lower = np.empty(n)
    upper = np.empty(n)
    for i, var in enumerate(proto.variables):
        domain = list(var.domain)
        if len(domain) != 2:
            raise ValueError("a variable with holes in its domain is not supported")
        lower[i], upper[i] = domain[0], domain[1]
    cost = np.zeros(n)
    for var, coef in zip(proto.objective.vars, proto.objective.coeffs, strict=True):
        cost[var] += coef
    cols = np.arange(n, dtype=np.int32)
    h.addVars(n, lower, upper)
    h.changeColsCost(n, cols, cost)
    # the offset too, so that HiGHS' values and bounds are the objective's own
    h.changeObjectiveOffset(float(proto.objective.offset))
    if integral:
        h.changeColsIntegrality(n, cols, np.array([highspy.HighsVarType.kInteger] * n))
    rows = to_rows(proto)
    m = len(rows.lower)
    if m:
        h.addRows(m, np.array(rows.lower), np.array(rows.upper), len(rows.index),
                  np.array(rows.starts[:-1], dtype=np.int32),
                  np.array(rows.index, dtype=np.int32), np.array(rows.value))
    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = [float(start.get(i, 0)) for i in range(n)]
        sol.value_valid = True
        h.setSolution(sol)
    return h


def linear_relaxation(model: cp_model.CpModel) -> highspy.Highs:
    """The linear relaxation of a CP-SAT model as a HiGHS LP, objective as CP-SAT stores it.

    Every variable keeps its bounds and loses its integrality; the LP's columns
    are the model's variables in index order, so an objective coefficient can
    be changed (``changeColsCost``) and the LP solved again from its last basis.

    Examples
    --------
    >>> m = cp_model.CpModel()
    >>> a, b = m.new_bool_var("a"), m.new_bool_var("b")
    >>> _ = m.add(2 * a + 2 * b <= 3)
    >>> m.maximize(a + b)
    >>> lp = linear_relaxation(m)
    >>> _ = lp.run()
    >>> lp.getInfo().objective_function_value  # maximising is stored as minimising -(a + b)
    -1.5
    """
    return _build(_plain_proto(model), None, integral=False)


def resolve_relaxation(lp: highspy.Highs, cols: np.ndarray, costs: np.ndarray,
                       seconds: float) -> float | None:
    """Solve a :func:`linear_relaxation` again with new costs on columns ``cols``, from its
    last basis, for at most ``seconds`` more; its optimum, or ``None`` if not optimal.

    A run left behind (see :mod:`parcelroute._highs`) also gives ``None``; its worker
    may still be inside, so the caller never touches ``lp`` again
    (:func:`~parcelroute._highs.was_left_behind` tells).
    """
    if len(cols):
        lp.changeColsCost(len(cols), cols, costs)
    # (HiGHS counts the time limit over every run of the instance)
    lp.setOptionValue("time_limit", lp.getRunTime() + min(seconds, 1e9))
    lp.run()
    if was_left_behind(lp) or lp.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return float(lp.getInfo().objective_function_value)


def _plain_proto(model: cp_model.CpModel) -> Any:
    """The model as a plain protobuf message (OR-Tools' own if it cannot be written out).

    OR-Tools' own ``model.proto`` answers each field through a call into C++:
    reading a facility model of thousands of rows through it took four times
    as long as writing the model out and reading it back.
    """
    try:
        with tempfile.TemporaryDirectory(prefix="parcelroute-") as folder:
            path = os.path.join(folder, "model.pb")
            if not model.export_to_file(path):
                return model.proto
            out = cp_model_pb2.CpModelProto()
            with open(path, "rb") as stream:
                out.ParseFromString(stream.read())
    except OSError:  # (no room or no right to write a temporary file)
        return model.proto
    return out


class HighsLevel:
    """A CP-SAT model translated for HiGHS, ready to run (building it may refuse the model).

    Parameters
    ----------
    model : CpModel
        A model whose constraints :func:`to_rows` supports, with an integral
        objective (CP-SAT's ``maximize`` is stored negated, which is handled).
    seconds : float or None
        Wall-time limit.
    seed : int
        HiGHS' random seed.
    threads : int
        HiGHS' threads.
    start : dict of int to int, optional
        A feasible solution to start from (variable index to value).

    Raises
    ------
    ValueError
        If the model has a constraint or objective HiGHS cannot be given.
    """

    def __init__(self, model: cp_model.CpModel, seconds: float | None, *, seed: int = 0,
                 threads: int = 1, start: dict[int, int] | None = None) -> None:
        # the time limit counts from here: translating a large model takes seconds too
        self._born = time.perf_counter()
        self.model = model
        proto = model.proto
        self.factor = float(proto.objective.scaling_factor or 1.0)
        if abs(self.factor) != 1.0 or any(c != int(c) for c in proto.objective.coeffs):
            raise ValueError("the objective must be integral")
        self.offset = float(proto.objective.offset)
        self.objective = [(int(v), int(c)) for v, c in zip(proto.objective.vars,
                                                           proto.objective.coeffs, strict=True)]
        #: Every solution's objective (before the offset) is a multiple of this.
        self.step = max(1, math.gcd(*(abs(c) for _v, c in self.objective)))
        self.seconds, self.seed, self.threads = seconds, seed, threads
        self.started_with_start = start is not None
        self.h = self._configured(_build(proto, start), seconds)
        self.race: LevelRace | None = None
        self._callbacks: tuple[Any, Any] | None = None

    def _configured(self, h: highspy.Highs, seconds: float | None) -> highspy.Highs:
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("mip_abs_gap", ABS_GAP * self.step)
        h.setOptionValue("random_seed", int(self.seed) % 2147483647)
        h.setOptionValue("threads", max(1, int(self.threads)))
        h.setOptionValue("mip_heuristic_run_rens", RUN_RENS)
        h.setOptionValue("mip_heuristic_effort", HEURISTIC_EFFORT)
        if seconds is not None:
            h.setOptionValue("time_limit", max(0.01, float(seconds)))
        return h

    def _misreported(self) -> bool:
        """Whether HiGHS returned a solution whose objective is not the one it reports.

        HiGHS can hand back the start itself while reporting the value of a
        better solution it found after presolve.
        """
        h = self.h
        info = h.getInfo()
        if info.primal_solution_status != 2:
            return False
        col = h.getSolution().col_value
        own = float(sum(c * col[v] for v, c in self.objective)) + self.offset
        reported = float(info.objective_function_value)
        return abs(own - reported) > 1e-6 * max(1.0, abs(own), abs(reported))

    def to_bound(self, dual: float) -> int | None:
        """HiGHS' dual bound (offset included) as an integer bound in the CP-SAT objective's sense.

        The part before the offset is a multiple of :attr:`step`; the
        tolerance allowed is relative to the bound itself, so that a large
        offset cancelled by as large a sum does not widen it.
        """
        if not math.isfinite(dual):
            return None
        slack = TOLERANCE * max(1.0, abs(dual))
        low = self.step * math.ceil((dual - self.offset - slack) / self.step)
        return round(self.factor * (low + self.offset))

    def value_of(self, values: dict[int, int]) -> int:
        """The CP-SAT objective of a solution."""
        inner = sum(c * values.get(v, 0) for v, c in self.objective)
        return round(self.factor * (inner + self.offset))

    def verified(self, col: Any) -> dict[int, int] | None:
        """A HiGHS solution rounded to integers, if CP-SAT accepts it (else ``None``)."""
        values = {i: round(v) for i, v in enumerate(col)}
        if check_values(self.model, values):
            return values
        logger.debug("HiGHS solution rejected by CP-SAT")
        return None

    def watch(self, race: LevelRace) -> None:
        """Share bounds and verified plans with a race, and stop when it ends."""

        def on_interrupt(event: Any) -> None:
            out = event.data_out
            if event.callback_type == highspy.cb.HighsCallbackType.kCallbackMipInterrupt:
                bound = self.to_bound(float(out.mip_dual_bound))
                if bound is not None:
                    race.offer_bound(bound, "highs")
            if race.stopped.is_set():
                event.interrupt()

        def on_solution(event: Any) -> None:
            values = self.verified(event.data_out.mip_solution)
            if values is not None:
                race.offer_value(self.value_of(values), "highs")

        self.race = race
        self._callbacks = (on_interrupt, on_solution)
        self._attach()

    def _attach(self) -> None:
        if self._callbacks is None:
            return
        on_interrupt, on_solution = self._callbacks
        self.h.cbMipInterrupt += on_interrupt
        self.h.cbSimplexInterrupt += on_interrupt
        self.h.cbMipImprovingSolution += on_solution

    def _left(self) -> float | None:
        """Seconds left of the time limit, counted from when the model was built."""
        return None if self.seconds is None else self.seconds - (time.perf_counter()
                                                                 - self._born)

    def run(self) -> MipLevel:
        """Solve; the solution is kept only when CP-SAT accepts it."""
        started = time.perf_counter()
        left = self._left()
        if left is not None:
            self.h.setOptionValue("time_limit", max(0.01, left))
        self.h.run()
        if self.started_with_start and self._misreported():
            left = self._left()
            logger.debug("HiGHS returned its start with another solution's value; "
                         "solving again without the start")
            if left is None or left > 0.01:
                self.h = self._configured(_build(self.model.proto, None), left)
                self._attach()
                self.h.run()
        h = self.h
        info = h.getInfo()
        out = MipLevel(False, bound=self.to_bound(float(info.mip_dual_bound)))
        if info.primal_solution_status == 2:  # a feasible solution
            values = self.verified(h.getSolution().col_value)
            if values is not None:
                out.solved, out.value, out.values = True, self.value_of(values), values
        out.seconds = time.perf_counter() - started
        if self.race is not None:  # presolve may have solved it without a callback
            if out.solved:
                self.race.offer_value(out.value, "highs")
            if out.bound is not None:
                self.race.offer_bound(out.bound, "highs")
        out.infeasible = h.getModelStatus() == highspy.HighsModelStatus.kInfeasible
        status = h.modelStatusToString(h.getModelStatus())
        logger.debug("HiGHS: %s, value %s, bound %s in %.2f s", status, out.value, out.bound,
                     out.seconds)
        return out


def solve_with_highs(model: cp_model.CpModel, seconds: float | None, *, seed: int = 0,
                     threads: int = 1, start: dict[int, int] | None = None) -> MipLevel:
    """Solve a CP-SAT model's objective with HiGHS; check the solution with CP-SAT.

    The parameters are those of :class:`HighsLevel`, which this builds and runs.

    Returns
    -------
    MipLevel
        The value and bound in the objective's own sense (as CP-SAT reports them).

    Examples
    --------
    >>> m = cp_model.CpModel()
    >>> a, b, c = (m.new_bool_var(n) for n in "abc")
    >>> _ = m.add_at_most_one([a, b])
    >>> _ = m.add_implication(c, a)
    >>> m.maximize(2 * a + 3 * b + 2 * c)
    >>> out = solve_with_highs(m, None)
    >>> out.solved, out.value, out.bound
    (True, 4, 4)
    """
    return HighsLevel(model, seconds, seed=seed, threads=threads, start=start).run()
