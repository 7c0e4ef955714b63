"""Exact one-dimensional bin packing.

Draft: bounds, greedy packings and the column-generation bound.
"""

from __future__ import annotations

import logging
import math
import time
from bisect import bisect_left, insort
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from parcelroute.parcels.mip import new_highs

__all__ = ["PackingResult", "solve_bin_packing"]

logger = logging.getLogger("parcelroute")

IntArray = npt.NDArray[np.int64]
SCALE = 1 << 30
NEG = -(1 << 60)


@dataclass(frozen=True)
class PackingResult:
    bins: tuple[tuple[int, ...], ...]
    lower_bound: int
    optimal: bool
    seconds: float


class _Clock:
    def __init__(self, time_limit: float | None) -> None:
        self.start = time.perf_counter()
        self.deadline = math.inf if time_limit is None else self.start + max(0.0, time_limit)

    def expired(self) -> bool:
        return time.perf_counter() >= self.deadline

    def elapsed(self) -> float:
        return time.perf_counter() - self.start


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _l2_bound(sizes: Sequence[int], capacity: int) -> int:
    """Martello and Toth's bound L2 for sizes sorted in non-increasing order."""
    n = len(sizes)
    if n == 0:
        return 0
    total = sum(sizes)
    best = _ceil_div(total, capacity)
    asc = sorted(sizes)
    prefix = [0]
    for s in asc:
        prefix.append(prefix[-1] + s)
    j2_start = bisect_left(asc, capacity // 2 + 1)  # first size > C/2
    thresholds = {0, *asc[:j2_start]}
    for k in sorted(thresholds):
        j1_start = bisect_left(asc, capacity - k + 1)  # first size > C - k
        n1 = n - j1_start
        n2 = j1_start - j2_start
        sum2 = prefix[j1_start] - prefix[j2_start]
        j3_start = bisect_left(asc, k)
        sum3 = prefix[j2_start] - prefix[j3_start]
        value = n1 + n2 + max(0, _ceil_div(sum3 - (n2 * capacity - sum2), capacity))
        best = max(best, value)
    return best


def _first_fit_decreasing(sizes: Sequence[int], order: Sequence[int], capacity: int) -> list[list[int]]:
    slack: list[int] = []
    bins: list[list[int]] = []
    for i in order:
        s = sizes[i]
        for b, free in enumerate(slack):
            if free >= s:
                slack[b] = free - s
                bins[b].append(i)
                break
        else:
            slack.append(capacity - s)
            bins.append([i])
    return bins


def _best_fit_decreasing(sizes: Sequence[int], order: Sequence[int], capacity: int) -> list[list[int]]:
    keyed: list[tuple[int, int]] = []  # (slack, bin) sorted
    bins: list[list[int]] = []
    for i in order:
        s = sizes[i]
        pos = bisect_left(keyed, (s, -1))
        if pos < len(keyed):
            free, b = keyed.pop(pos)
            bins[b].append(i)
            insort(keyed, (free - s, b))
        else:
            bins.append([i])
            insort(keyed, (capacity - s, len(bins) - 1))
    return bins


class _ColumnGeneration:
    """Gilmore-Gomory master LP over distinct sizes, priced by dynamic programming."""

    def __init__(self, type_sizes: list[int], demand: list[int], capacity: int) -> None:
        self.w = np.array(type_sizes, dtype=np.int64)
        self.demand = np.array(demand, dtype=np.int64)
        self.capacity = capacity
        self.num_types = len(type_sizes)
        self.h = new_highs()
        self.h.setOptionValue("output_flag", False)
        self.h.setOptionValue("threads", 1)
        self.h.setOptionValue("random_seed", 0)
        t = self.num_types
        self.h.addRows(
            t,
            self.demand.astype(np.float64),
            np.full(t, np.inf),
            0,
            np.zeros(0, dtype=np.int32),
            np.zeros(0, dtype=np.int32),
            np.zeros(0),
        )
        self.columns: list[IntArray] = []
        self.keys: set[bytes] = set()
        # One column per size with as many copies as fit: the master is always feasible.
        for k in range(t):
            col = np.zeros(t, dtype=np.int64)
            col[k] = max(1, min(int(self.demand[k]), capacity // int(self.w[k])))
            self.add_column(col)

    def add_column(self, col: IntArray) -> bool:
        key = col.tobytes()
        if key in self.keys:
            return False
        self.keys.add(key)
        self.columns.append(col)
        idx = np.flatnonzero(col).astype(np.int32)
        self.h.addCol(1.0, 0.0, np.inf, len(idx), idx, col[idx].astype(np.float64))
        return True

    def solve(self) -> tuple[float, npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        self.h.run()
        sol = self.h.getSolution()
        z = float(self.h.getInfo().objective_function_value)
        duals = np.maximum(np.array(sol.row_dual, dtype=np.float64), 0.0)
        x = np.array(sol.col_value, dtype=np.float64)
        return z, duals, x

    def price(self, values: IntArray, caps: IntArray, max_columns: int) -> tuple[int, list[IntArray]]:
        """Best patterns for integer item values; returns (best value, improving patterns)."""
        c = self.capacity
        chunk_type: list[int] = []
        chunk_count: list[int] = []
        for k in range(self.num_types):
            if values[k] <= 0 or caps[k] <= 0:
                continue
            m = min(int(caps[k]), c // int(self.w[k]))
            p = 1
            while m > 0:
                q = min(p, m)
                chunk_type.append(k)
                chunk_count.append(q)
                m -= q
                p <<= 1
        if not chunk_type:
            return 0, []
        ct = np.array(chunk_type, dtype=np.int64)
        cc = np.array(chunk_count, dtype=np.int64)
        cw = cc * self.w[ct]
        cv = cc * values[ct]
        top = int(min(c, int(cw.sum())))
        dp = np.full(top + 1, NEG, dtype=np.int64)
        dp[0] = 0
        take = np.zeros((len(ct), top + 1), dtype=np.bool_)
        for k in range(len(ct)):
            wk = int(cw[k])
            if wk > top:
                continue
            cand = dp[: top + 1 - wk] + cv[k]
            seg = dp[wk:]
            better = cand > seg
            take[k, wk:] = better
            np.maximum(seg, cand, out=seg)
        best = int(dp.max())
        good = np.flatnonzero(dp > SCALE)
        if len(good) == 0:
            return best, []
        if len(good) > max_columns:
            sel = np.argsort(-dp[good], kind="stable")[:max_columns]
            good = good[sel]
        cur = good.copy()
        counts = np.zeros((len(good), self.num_types), dtype=np.int64)
        for k in range(len(ct) - 1, -1, -1):
            t = take[k, cur]
            if t.any():
                counts[:, ct[k]] += t * cc[k]
                cur -= t * cw[k]
        return best, [counts[i] for i in range(len(good))]

    def run(self, clock: _Clock, target: int, lower: int, max_columns: int = 20) -> tuple[int, bool]:
        """Raise the lower bound; stop once it reaches ``target``. Returns (bound, lp_solved)."""
        d = self.demand
        while not clock.expired():
            z, duals, _ = self.solve()
            values = np.floor(duals * SCALE).astype(np.int64)
            best, pats = self.price(values, d, max_columns)
            if best > 0:
                lower = max(lower, _ceil_div(int((d * values).sum()), best))
            if lower >= target:
                return lower, False
            if not pats:
                return lower, True
            if math.ceil(z - 1e-6) <= lower:
                return lower, True
            added = sum(self.add_column(p) for p in pats)
            if added == 0:
                return lower, True
        return lower, False


def solve_bin_packing(
    sizes: Sequence[int],
    capacity: int,
    *,
    time_limit: float | None = 10.0,
    seed: int = 0,
    upper_bound_hint: Sequence[Sequence[int]] | None = None,
) -> PackingResult:
    clock = _Clock(time_limit)
    w = [int(s) for s in sizes]
    n = len(w)
    order = sorted(range(n), key=lambda i: (-w[i], i))
    nz = [i for i in order if w[i] > 0]
    lb = max(1 if n else 0, _l2_bound([w[i] for i in nz], capacity)) if capacity > 0 else (1 if n else 0)
    best = _first_fit_decreasing(w, nz, capacity)
    bfd = _best_fit_decreasing(w, nz, capacity)
    if len(bfd) < len(best):
        best = bfd
    if len(best) > lb:
        types: list[int] = []
        demand: list[int] = []
        for i in nz:
            if types and types[-1] == w[i]:
                demand[-1] += 1
            else:
                types.append(w[i])
                demand.append(1)
        cg = _ColumnGeneration(types, demand, capacity)
        lb, _ = cg.run(clock, len(best), lb)
    zeros = [i for i in order if w[i] == 0]
    if zeros:
        if best:
            best[0].extend(zeros)
        else:
            best = [zeros]
    bins = tuple(tuple(b) for b in best)
    return PackingResult(bins, lb, len(bins) == lb, clock.elapsed())
