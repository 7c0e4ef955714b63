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
        # Dual-optimal inequalities pi_k >= pi_{k+1}: a slot of a larger size may hold a smaller item.
        for k in range(t - 1):
            self.h.addCol(0.0, 0.0, np.inf, 2, np.array([k, k + 1], dtype=np.int32), np.array([-1.0, 1.0]))
        self.num_aux = max(0, t - 1)
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


def _subset_sums(items: Sequence[int], sz: Sequence[int], capacity: int) -> list[int]:
    """Prefix bitsets of reachable sums (bit s set when sum s is reachable), capped at capacity."""
    mask = (1 << (capacity + 1)) - 1
    r = 1
    pref = [r]
    for i in items:
        r = (r | (r << sz[i])) & mask
        pref.append(r)
    return pref


def _pick_subset(items: Sequence[int], sz: Sequence[int], pref: Sequence[int], target: int) -> list[int]:
    """Items (preferring the later ones) whose sizes sum to ``target``; ``pref`` from _subset_sums."""
    chosen: list[int] = []
    for k in range(len(items) - 1, -1, -1):
        if target == 0:
            break
        s = sz[items[k]]
        if s <= target and (pref[k] >> (target - s)) & 1:
            chosen.append(items[k])
            target -= s
    return chosen


def _fits_in_bins(items: Sequence[int], sz: Sequence[int], capacity: int, count: int) -> list[list[int]] | None:
    """A packing of ``items`` into ``count`` (at most 2) bins, or None."""
    total = sum(sz[i] for i in items)
    if total > count * capacity:
        return None
    if count <= 0:
        return [] if not items else None
    if count == 1:
        return [list(items)]
    order = sorted(items, key=lambda i: sz[i])
    pref = _subset_sums(order, sz, capacity)
    reach = pref[-1]
    lo = max(0, total - capacity)
    window = reach >> lo
    if window == 0:
        return None
    target = lo + ((window & -window).bit_length() - 1)
    if target > capacity:
        return None
    first = _pick_subset(order, sz, pref, target)
    taken = set(first)
    return [first, [i for i in items if i not in taken]]


class _Repair:
    """Consistent neighbourhood search: pack every item into a target number of bins.

    A partial packing keeps ``target - 2`` bins within capacity and a set ``S`` of
    unpacked items; moves exchange items between one bin and ``S`` so as to lower the
    weight of ``S`` until ``S`` fits into the two remaining bins.
    """

    def __init__(self, sz: Sequence[int], capacity: int, seed: int) -> None:
        self.sz = list(sz)
        self.cap = capacity
        self.n = len(self.sz)
        self.sz_arr = np.array([*self.sz, 0], dtype=np.int64)
        self.rng = np.random.default_rng(seed)
        self.iterations = 0

    def _rebuild(self, width: int) -> None:
        keep = len(self.bins)
        self.width = width
        none = self.n
        self.M = np.full((keep, width + 1), none, dtype=np.int64)
        for b, items in enumerate(self.bins):
            self.M[b, : len(items)] = items
        self.W = self.sz_arr[self.M]
        j1 = [width]
        j2 = [width]
        for a in range(width):
            j1.append(a)
            j2.append(width)
        for a in range(width):
            for c in range(a + 1, width):
                j1.append(a)
                j2.append(c)
        self.J1 = np.array(j1, dtype=np.int64)
        self.J2 = np.array(j2, dtype=np.int64)

    def _set_row(self, b: int) -> None:
        items = self.bins[b]
        if len(items) > self.width:
            self._rebuild(max(len(items) + 2, self.width * 2))
            return
        row = self.M[b]
        row[:] = self.n
        row[: len(items)] = items
        self.W[b] = self.sz_arr[row]

    def _descent(self) -> bool:
        """Refill every bin as much as possible from its items and S; True if S got lighter."""
        sz = self.sz
        improved = False
        for b in self.rng.permutation(len(self.bins)):
            if not self.S:
                break
            b = int(b)
            pool = sorted(self.bins[b] + self.S, key=lambda i: sz[i])
            pref = _subset_sums(pool, sz, self.cap)
            best = pref[-1].bit_length() - 1
            if best > self.load[b]:
                chosen = _pick_subset(pool, sz, pref, best)
                taken = set(chosen)
                self.S = [i for i in pool if i not in taken]
                self.bins[b] = chosen
                self.load[b] = best
                self.s_weight = sum(sz[i] for i in self.S)
                self._set_row(b)
                improved = True
        return improved

    def _tabu_move(self, it: int, tenure: tuple[int, int]) -> bool:
        sz_arr = self.sz_arr
        free_s = [i for i in self.S if self.tabu[i] <= it]
        if not free_s:
            return False
        s_items = np.array(free_s, dtype=np.int64)
        m = len(s_items)
        a, c = np.triu_indices(m, 1)
        in_a = np.concatenate([np.arange(m), a])
        in_b = np.concatenate([np.full(m, -1), c])
        in_sum = sz_arr[s_items[in_a]] + np.where(in_b >= 0, sz_arr[s_items[np.maximum(in_b, 0)]], 0)
        in_cnt = 1 + (in_b >= 0)
        order = np.lexsort((-in_cnt, in_sum))
        in_sum = in_sum[order]
        in_cnt = in_cnt[order]
        in_a = in_a[order]
        in_b = in_b[order]
        M = self.M
        ok = (M != self.n) & (self.tabu[M] <= it)
        ok[:, self.width] = True
        J1, J2 = self.J1, self.J2
        valid = ok[:, J1] & ok[:, J2]
        out_sum = self.W[:, J1] + self.W[:, J2]
        out_cnt = (J1 != self.width).astype(np.int64) + (J2 != self.width)
        slack = self.cap - np.array(self.load, dtype=np.int64)
        cap = slack[:, None] + out_sum
        pos = np.searchsorted(in_sum, cap, side="right") - 1
        valid &= pos >= 0
        pos0 = np.maximum(pos, 0)
        gain = in_sum[pos0] - out_sum
        valid &= gain != 0
        score = np.where(
            valid,
            gain * 32 + (out_cnt[None, :] - in_cnt[pos0]) * 4 + self.rng.random(gain.shape),
            -np.inf,
        )
        flat = int(np.argmax(score))
        if not valid.flat[flat]:
            return False
        b, slot = divmod(flat, len(J1))
        p = int(pos[b, slot])
        outs = [int(M[b, J1[slot]]), int(M[b, J2[slot]])]
        outs = [i for i in outs if i != self.n]
        ins = [int(s_items[in_a[p]])] + ([int(s_items[in_b[p]])] if in_b[p] >= 0 else [])
        items = [i for i in self.bins[b] if i not in outs] + ins
        self.bins[b] = items
        self.load[b] += int(gain[b, slot])
        self.S = [i for i in self.S if i not in ins] + outs
        self.s_weight -= int(gain[b, slot])
        lo, hi = tenure
        for i in outs + ins:
            self.tabu[i] = it + int(self.rng.integers(lo, hi + 1))
        self._set_row(b)
        return True

    def run(
        self,
        complete: Sequence[Sequence[int]],
        target: int,
        max_iters: int,
        clock: _Clock,
        tenure: tuple[int, int] = (3, 10),
        descent_every: int = 50,
        spare: int = 2,
    ) -> list[list[int]] | None:
        sz = self.sz
        r = min(spare, target)
        keep = target - r
        by_load = sorted(complete, key=lambda b: -sum(sz[i] for i in b))
        self.bins = [list(b) for b in by_load[:keep]]
        self.load = [sum(sz[i] for i in b) for b in self.bins]
        self.S = [i for b in by_load[keep:] for i in b]
        self.s_weight = sum(sz[i] for i in self.S)
        self.tabu = np.zeros(self.n + 1, dtype=np.int64)
        width = max([len(b) for b in self.bins] + [1]) + 2
        self._rebuild(width)
        best_w = self.s_weight
        last_gain = 0
        for it in range(max_iters):
            if self.s_weight <= r * self.cap:
                rest = _fits_in_bins(self.S, sz, self.cap, r)
                if rest is not None:
                    self.iterations += it
                    return [b for b in self.bins if b] + [b for b in rest if b]
            if it % 64 == 0 and clock.expired():
                self.iterations += it
                return None
            if it - last_gain >= descent_every:
                self._descent()
                last_gain = it
            if not self._tabu_move(it, tenure):
                self._descent()
            if self.s_weight < best_w:
                best_w = self.s_weight
                last_gain = it
        self.iterations += max_iters
        return None
