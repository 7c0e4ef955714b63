"""Re-planning a few batches at a time, with a MIP of those batches alone.

A neighbourhood is a set of batches. Every parcel that could ride one of them
is set free; every other parcel keeps its batch. The small MIP that re-plans
the free parcels sees only their options into the neighbourhood and into
batches already operated, with each batch, crossing and detainee limit
reduced by what the fixed parcels already use, and the delivered priority
kept at the level-1 value. Its size depends on the neighbourhood, not on the
month, so the search works at any volume; building it costs a few array
passes over the month.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from parcelroute.parcels.mip import MipModel, solve_mip
from parcelroute.parcels.problem import ParcelProblem

__all__ = ["LocalModel", "MonthRows", "local_model", "local_replan"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class LocalModel:
    """The MIP of one neighbourhood and how to read a plan back from it."""

    model: MipModel
    pairs: IntArray
    """The option of each ``x`` column (columns ``0..len(pairs)-1``)."""
    free: IntArray
    """The parcels set free, whose options are ``pairs``."""
    start: FloatArray
    """The current plan in the model's columns."""


class MonthRows:
    """Crossing and detainee rows of a month as flat (row, option / parcel) arrays.

    Built once per search and passed to every :func:`local_model` of it.
    """

    def __init__(self, prob: ParcelProblem) -> None:
        cr = prob.crossing_rows
        self.cross_cap = np.array([c for _n, _d, c, _es in cr], np.int64)
        self.cross_row = np.concatenate(
            [np.full(len(es), r, np.int64) for r, (_n, _d, _c, es) in enumerate(cr)]
            or [np.zeros(0, np.int64)])
        self.cross_pair = np.concatenate([es for _n, _d, _c, es in cr]
                                         or [np.zeros(0, np.int64)]).astype(np.int64)
        rr = prob.recipient_rows
        self.rec_n = np.array([n for _r, n, _w, _m in rr], np.int64)
        self.rec_w = np.array([w for _r, _n, w, _m in rr], np.int64)
        self.rec_of = np.full(prob.num_parcels, -1, np.int64)
        for r, (_rid, _n, _w, members) in enumerate(rr):
            self.rec_of[members] = r


def local_model(prob: ParcelProblem, assign: IntArray, hood: IntArray, level1: int | None, *,
                forced: BoolArray | None = None, allowed: BoolArray | None = None,
                month: MonthRows | None = None) -> LocalModel | None:
    """The MIP that re-plans the parcels able to ride a batch of ``hood``.

    Minimises the cost of the batches that only free parcels ride: those of
    ``hood`` and operated ones that the free parcels may leave empty. Other
    operated batches stay available (paid for by the parcels that stay), the
    rest stay shut. ``None`` when no parcel can ride ``hood``.

    With ``level1`` ``None`` the MIP serves level 1 instead: it maximises the
    priority the free parcels deliver, each into ``hood`` or staying on the
    batch it rides now (no batch pays), within what the fixed parcels leave
    of every limit.

    ``forced`` marks parcels that every plan of the level-1 value delivers,
    ``allowed`` the options such plans may use (both proven, e.g. by reduced
    costs); they only strengthen the MIP.

    Examples
    --------
    >>> import parcelroute as pr
    >>> from parcelroute.parcels.compat import Compatibility
    >>> b = pr.ScenarioBuilder(name="two vans, one enough")
    >>> _ = b.add_node("HUB", kind="hub").add_node("F-1").add_link("HUB", "F-1", hours=5)
    >>> for bid in ("B-1", "B-2"):
    ...     _ = b.add_batch(bid, origin="HUB", departs="2026-12-01", stops=["F-1"],
    ...                     max_parcels=2, cost=10)
    >>> for p in ("P-1", "P-2"):
    ...     _ = b.add_parcel(p, origin="HUB", destination="F-1", weight_kg=1,
    ...                      ready="2026-12-01", due="2026-12-03")
    >>> s = b.build()
    >>> prob = ParcelProblem(s, Compatibility(s))
    >>> spread = np.array([0, 3])  # P-1 on B-1, P-2 on B-2 (options 0, 1 and 2, 3)
    >>> local_model(prob, spread, np.array([0, 1]), level1=2).free.tolist()
    [0, 1]
    """
    sp = MonthRows(prob) if month is None else month
    nb = prob.num_batches
    pp, pb = prob.pair_parcel, prob.pair_batch
    in_hood = np.zeros(nb, bool)
    in_hood[hood] = True
    free_mask = np.zeros(prob.num_parcels, bool)
    free_mask[pp[in_hood[pb]]] = True
    if not free_mask.any():
        return None
    chosen = assign[assign >= 0]
    operated = np.zeros(nb, bool)
    operated[pb[chosen]] = True
    by_priority = level1 is None
    # options of the free parcels into the hood or into batches already paid for (at
    # level 1, where batches cost nothing: into the hood, or where the parcel rides now)
    if by_priority:
        now = np.zeros(prob.num_pairs, bool)
        now[chosen] = True
        usable = free_mask[pp] & (in_hood[pb] | now)
    else:
        usable = free_mask[pp] & (in_hood[pb] | operated[pb])
    if allowed is not None:
        usable &= allowed
    pairs = np.flatnonzero(usable)
    free = np.flatnonzero(free_mask)
    fixed_pairs = chosen[~free_mask[pp[chosen]]]
    local_of = np.full(prob.num_pairs, -1, np.int64)
    local_of[pairs] = np.arange(len(pairs))
    model = MipModel(maximize=by_priority)
    n = len(pairs)
    gain = prob.priority[pp[pairs]].astype(np.float64) if by_priority else np.zeros(n)
    x = model.add_columns(gain, upper=np.ones(n))
    touched = np.unique(pb[pairs])
    # a batch pays only if it operates: those that no fixed parcel rides get a y column
    riders = np.bincount(pb[fixed_pairs], minlength=nb)
    payable = touched[(riders[touched] == 0) & (not by_priority)]
    y_of = np.full(nb, -1, np.int64)
    y = model.add_columns(prob.scaled_cost()[payable], upper=np.ones(len(payable)))
    y_of[payable] = y
    # each free parcel rides at most one batch
    parcel_local = np.searchsorted(free, pp[pairs])
    must = np.zeros(len(free)) if forced is None else forced[free].astype(np.float64)
    model.add_grouped_rows(parcel_local, x, np.ones(n), must, np.ones(len(free)))
    # batch limits less the fixed parcels' load; a hood batch carries only when operated
    xb = pb[pairs]
    group = np.searchsorted(touched, xb)
    for dim in prob.dims:
        cap = dim.capacity[touched]
        fixed = np.bincount(pb[fixed_pairs], weights=dim.per_parcel[pp[fixed_pairs]],
                            minlength=nb)[touched]
        per = dim.per_parcel[pp[pairs]].astype(np.float64)
        load = np.bincount(group, weights=per, minlength=len(touched))
        limited = cap >= 0
        room = np.where(limited, cap - fixed, load).astype(np.float64)
        linked = y_of[touched] >= 0
        rows = np.flatnonzero((limited & (load > room)) | (linked & (dim.name == "count")))
        if not len(rows):
            continue
        row_of = np.full(len(touched), -1, np.int64)
        row_of[rows] = np.arange(len(rows))
        sel = row_of[group] >= 0
        g = row_of[group[sel]]
        idx, val = x[sel], per[sel]
        hi = room[rows]
        lo = np.full(len(rows), -math.inf)
        link = linked[rows]
        if link.any():
            # load <= room * y  (room is the whole capacity: no fixed parcel rides it)
            g = np.concatenate([g, np.flatnonzero(link)])
            idx = np.concatenate([idx, y_of[touched[rows[link]]]])
            val = np.concatenate([val, -np.maximum(hi[link], 0.0)])
            hi = np.where(link, 0.0, hi)
        model.add_grouped_rows(g, idx, val, lo, hi)
    # an option is used only when its batch operates (the strong link)
    on_hood = np.flatnonzero(y_of[xb] >= 0)
    if len(on_hood):
        k = len(on_hood)
        model.add_rows(np.arange(0, 2 * k + 1, 2, dtype=np.int64),
                       np.column_stack([x[on_hood], y_of[xb[on_hood]]]).ravel(),
                       np.tile([1.0, -1.0], k), np.full(k, -math.inf), np.zeros(k))
    # crossings less the fixed parcels inspected there
    if len(sp.cross_cap):
        used = np.zeros(prob.num_pairs, bool)
        used[fixed_pairs] = True
        fixed_cross = np.bincount(sp.cross_row[used[sp.cross_pair]],
                                  minlength=len(sp.cross_cap))
        mine = local_of[sp.cross_pair] >= 0
        rows_hit = np.unique(sp.cross_row[mine])
        if len(rows_hit):
            g = np.searchsorted(rows_hit, sp.cross_row[mine])
            model.add_grouped_rows(g, x[local_of[sp.cross_pair[mine]]], np.ones(int(mine.sum())),
                                   np.full(len(rows_hit), -math.inf),
                                   (sp.cross_cap[rows_hit] - fixed_cross[rows_hit])
                                   .astype(np.float64))
    # detainee limits less the fixed parcels delivered to them
    rec = sp.rec_of[pp[pairs]]
    if np.any(rec >= 0):
        delivered_fixed = pp[fixed_pairs]
        r_fixed = sp.rec_of[delivered_fixed]
        has = r_fixed >= 0
        nr = len(sp.rec_n)
        got_n = np.bincount(r_fixed[has], minlength=nr)
        got_w = np.bincount(r_fixed[has], weights=prob.weight[delivered_fixed[has]],
                            minlength=nr)
        on_rec = np.flatnonzero(rec >= 0)
        rows_hit = np.unique(rec[on_rec])
        g = np.searchsorted(rows_hit, rec[on_rec])
        n_lim = sp.rec_n[rows_hit]
        if np.any(n_lim >= 0):
            keep = n_lim[g] >= 0
            rows_n = np.flatnonzero(n_lim >= 0)
            model.add_grouped_rows(np.searchsorted(rows_n, g[keep]), x[on_rec[keep]],
                                   np.ones(int(keep.sum())), np.full(len(rows_n), -math.inf),
                                   (n_lim[rows_n] - got_n[rows_hit[rows_n]]).astype(np.float64))
        w_lim = sp.rec_w[rows_hit]
        if np.any(w_lim >= 0):
            keep = w_lim[g] >= 0
            rows_w = np.flatnonzero(w_lim >= 0)
            model.add_grouped_rows(np.searchsorted(rows_w, g[keep]), x[on_rec[keep]],
                                   prob.weight[pp[pairs[on_rec[keep]]]].astype(np.float64),
                                   np.full(len(rows_w), -math.inf),
                                   w_lim[rows_w] - got_w[rows_hit[rows_w]])
    if level1 is not None:
        # the delivered priority stays at the level-1 value
        fixed_priority = int(prob.priority[pp[fixed_pairs]].sum())
        model.add_row(x, prob.priority[pp[pairs]].astype(np.float64),
                      lower=float(level1 - fixed_priority))
    start = np.zeros(model.num_cols)
    now = assign[free]
    on = now[now >= 0]
    on = on[local_of[on] >= 0]
    start[x[local_of[on]]] = 1.0
    start[y] = operated[payable].astype(np.float64)
    return LocalModel(model, pairs, free, start)


def local_replan(prob: ParcelProblem, assign: IntArray, hood: IntArray, level1: int | None, *,
                 time_limit: float | None, threads: int = 1, seed: int = 0,
                 forced: BoolArray | None = None, allowed: BoolArray | None = None,
                 month: MonthRows | None = None) -> IntArray | None:
    """``assign`` with the parcels able to ride ``hood`` re-planned at least cost.

    With ``level1`` ``None``: re-planned for the most delivered priority (see
    :func:`local_model`). ``None`` when the MIP finds no plan in time. The result is a plan over the
    whole month; the caller checks it against every rule before keeping it.
    """
    local = local_model(prob, assign, hood, level1, forced=forced, allowed=allowed,
                        month=month)
    if local is None:
        return None
    out = solve_mip(local.model, time_limit=time_limit, threads=threads, seed=seed,
                    start=local.start)
    if out.x is None:
        return None
    new = assign.copy()
    new[local.free] = -1
    taken = local.pairs[out.x[:len(local.pairs)] > 0.5]
    new[prob.pair_parcel[taken]] = taken
    return new
