"""Greedy plans: a start for the MIPs, batch emptying, and a final fill.

All moves keep every rule: a :class:`Loads` tracks the load of each batch in
each dimension, of each crossing row and of each recipient row that can bind.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from parcelroute.parcels.problem import ParcelProblem

__all__ = ["Loads", "empty_batches", "fill_left_out", "greedy_assign"]

IntArray = npt.NDArray[np.int64]
_BIG = np.iinfo(np.int64).max // 4


class Loads:
    """Loads of batches, crossings and recipients under a partial assignment."""

    def __init__(self, prob: ParcelProblem) -> None:
        self.prob = prob
        self.cap = np.stack([np.where(d.capacity < 0, _BIG, d.capacity) for d in prob.dims])
        self.per = np.stack([d.per_parcel for d in prob.dims])
        self.load = np.zeros_like(self.cap)
        self.count = np.zeros(prob.num_batches, np.int64)
        self.cross_cap = np.array([c for _, _, c, _ in prob.crossing_rows], np.int64)
        self.cross = np.zeros(len(prob.crossing_rows), np.int64)
        self.pair_cross: list[list[int]] = [[] for _ in range(prob.num_pairs)]
        for r, (_, _, _, es) in enumerate(prob.crossing_rows):
            for e in es.tolist():
                self.pair_cross[e].append(r)
        self.rec_row = np.full(prob.num_parcels, -1, np.int64)
        self.rec_n_cap = np.array([n if n >= 0 else _BIG for _, n, _, _ in prob.recipient_rows],
                                  np.int64)
        self.rec_w_cap = np.array([w if w >= 0 else _BIG for _, _, w, _ in prob.recipient_rows],
                                  np.int64)
        self.rec_n = np.zeros(len(prob.recipient_rows), np.int64)
        self.rec_w = np.zeros(len(prob.recipient_rows), np.int64)
        for r, (_, _, _, members) in enumerate(prob.recipient_rows):
            self.rec_row[members] = r
        self._pp = prob.pair_parcel.tolist()
        self._pb = prob.pair_batch.tolist()

    @classmethod
    def of(cls, prob: ParcelProblem, assign: IntArray) -> Loads:
        """Loads of a full assignment (``assign[i]`` is a pair index or -1)."""
        loads = cls(prob)
        for e in assign[assign >= 0].tolist():
            loads.add(e)
        return loads

    def fits(self, e: int, *, same_recipient_load: bool = False) -> bool:
        """Whether option ``e`` can be added without breaking a limit."""
        i, b = self._pp[e], self._pb[e]
        if np.any(self.load[:, b] + self.per[:, i] > self.cap[:, b]):
            return False
        for r in self.pair_cross[e]:
            if self.cross[r] >= self.cross_cap[r]:
                return False
        if not same_recipient_load:
            r = int(self.rec_row[i])
            if r >= 0 and (self.rec_n[r] + 1 > self.rec_n_cap[r]
                           or self.rec_w[r] + self.per[0, i] > self.rec_w_cap[r]):
                return False
        return True

    def add(self, e: int, sign: int = 1, *, recipient: bool = True) -> None:
        """Add (or with ``sign=-1`` remove) option ``e``."""
        i, b = self._pp[e], self._pb[e]
        self.load[:, b] += sign * self.per[:, i]
        self.count[b] += sign
        for r in self.pair_cross[e]:
            self.cross[r] += sign
        r = int(self.rec_row[i]) if recipient else -1
        if r >= 0:
            self.rec_n[r] += sign
            self.rec_w[r] += sign * int(self.per[0, i])


def _options(prob: ParcelProblem) -> list[list[int]]:
    opts: list[list[int]] = [[] for _ in range(prob.num_parcels)]
    for e, i in enumerate(prob.pair_parcel.tolist()):
        opts[i].append(e)
    return opts


def greedy_assign(prob: ParcelProblem, loads: Loads) -> IntArray:
    """Assign parcels by priority, preferring batches already operated, then cheap ones.

    ``loads`` must be empty; it holds the resulting loads afterwards.
    """
    assign = np.full(prob.num_parcels, -1, np.int64)
    opts = _options(prob)
    cost = prob.cost
    order = sorted(
        (i for i in range(prob.num_parcels) if opts[i]),
        key=lambda i: (-int(prob.priority[i]), len(opts[i]), -int(prob.weight[i]), i),
    )
    pb = prob.pair_batch
    for i in order:
        best, best_key = -1, None
        for e in opts[i]:
            if not loads.fits(e):
                continue
            b = int(pb[e])
            key = (loads.count[b] == 0, cost[b], b)
            if best_key is None or key < best_key:
                best, best_key = e, key
        if best >= 0:
            loads.add(best)
            assign[i] = best
    return assign


def empty_batches(prob: ParcelProblem, assign: IntArray, passes: int = 3) -> IntArray:
    """Close operated batches whose parcels all fit in the other operated batches."""
    assign = assign.copy()
    loads = Loads.of(prob, assign)
    opts = _options(prob)
    pb = prob.pair_batch
    on_batch: list[list[int]] = [[] for _ in range(prob.num_batches)]
    for i in np.flatnonzero(assign >= 0).tolist():
        on_batch[int(pb[assign[i]])].append(i)
    for _ in range(passes):
        improved = False
        order = sorted((b for b in range(prob.num_batches) if on_batch[b]),
                       key=lambda b: (len(on_batch[b]), -prob.cost[b], b))
        for b in order:
            if not on_batch[b] or prob.cost[b] <= 0:
                continue
            moved: list[tuple[int, int, int]] = []
            for i in on_batch[b]:
                loads.add(int(assign[i]), -1, recipient=False)
            ok = True
            for i in sorted(on_batch[b], key=lambda i: -int(prob.weight[i])):
                target = -1
                for e in opts[i]:
                    c = int(pb[e])
                    if c != b and loads.count[c] > 0 and loads.fits(e, same_recipient_load=True):
                        target = e
                        break
                if target < 0:
                    ok = False
                    break
                loads.add(target, recipient=False)
                moved.append((i, int(assign[i]), target))
            if ok:
                for i, _old, new in moved:
                    assign[i] = new
                    on_batch[int(pb[new])].append(i)
                on_batch[b] = []
                improved = True
            else:
                for _i, _old, new in moved:
                    loads.add(new, -1, recipient=False)
                for i in on_batch[b]:
                    loads.add(int(assign[i]), recipient=False)
        if not improved:
            break
    return assign


def fill_left_out(prob: ParcelProblem, assign: IntArray, *, free_only: bool = False) -> IntArray:
    """Add left-out parcels that still fit.

    A parcel with positive priority may open a batch (it raises the first
    level); a parcel of priority 0, or any parcel with ``free_only``, only
    rides a batch already operated.
    """
    assign = assign.copy()
    loads = Loads.of(prob, assign)
    opts = _options(prob)
    pb = prob.pair_batch
    left = [i for i in range(prob.num_parcels) if assign[i] < 0 and opts[i]]
    left.sort(key=lambda i: (-int(prob.priority[i]), i))
    for i in left:
        may_open = not free_only and prob.priority[i] > 0
        best, best_key = -1, None
        for e in opts[i]:
            b = int(pb[e])
            if loads.count[b] == 0 and not may_open:
                continue
            if loads.fits(e):
                key = (loads.count[b] == 0, prob.cost[b], b)
                if best_key is None or key < best_key:
                    best, best_key = e, key
        if best >= 0:
            loads.add(best)
            assign[i] = best
    return assign
