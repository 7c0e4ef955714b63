"""Parcel allocation: two objective levels solved in strict order, each with a proof.

A month's independent parts (:mod:`parcelroute.parcels.components`) are solved
one after the other, each as below, and their levels and bounds add up.

Level 1 maximises the delivered priority. Its model has one binary per
(parcel, batch) option and, for every detainee whose limits can bind, the
convex hull of the parcel sets the detainee may receive (one continuous
weight per maximal set), which makes the LP bound nearly exact. The LP duals
give a proven bound (recomputed from the multipliers, see
:func:`~parcelroute.parcels.mip.lagrangian_bound`) and *reduced-cost
fixing*: every plan delivering at least ``T`` priority keeps the options,
parcels and crossings whose reduced cost exceeds ``bound - T`` at their LP
bound. The MIP is then solved (by SCIP) only over what is left, for ``T``
the bound itself and, while each is proven impossible, lower ones (``s``,
``3 s``, ``7 s``, ... below the new bound, ``s`` a share of the gap to the best
plan; 0, 1, 3, ... when that share is 1). Meanwhile a RENS model and
neighbourhood MIPs (one origin's batches of one day at a time) look for plans
on the other core.

Level 2 minimises the cost of operated batches among plans delivering the
level-1 value. The same reduced-cost argument fixes options and forces
parcels; a count of the priority that can still be lost forces more; cover
inequalities over departure windows of each route (from the parcels that
must ride them) and flow covers over the crossings strengthen the model,
which HiGHS then solves whole from the best plan known (its branch and bound
gives both the plans and the proven bound). With two workers and a time
limit, the LP's proven bound and a MIP over the batches the LP operates run
beside it: on months whose LP bound is exact, or nearly so, that MIP finds
the optimal plan long before the whole MIP's own heuristics do. Months too
large for one MIP are re-planned one neighbourhood at a time and get an LP
or Lagrangian bound.

Every value reported is that of a plan checked against every rule, every
bound is proven, and "optimal" is claimed only when a level's value equals
its bound.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from parcelroute._gc import paused
from parcelroute._highs import prepare_threads
from parcelroute._integral import TOLERANCE, ceil_bound, floor_bound
from parcelroute.model.scenario import Scenario
from parcelroute.options import Deadline, PartOutcome, Progress, SolveOptions, SubDeadline
from parcelroute.parcels.compat import Compatibility
from parcelroute.parcels.components import Part, independent_parts, part_scenario
from parcelroute.parcels.explain import explain
from parcelroute.parcels.greedy import (
    Loads,
    empty_batches,
    fill_exactly,
    fill_left_out,
    greedy_assign,
    operated,
    repack,
    round_fractional,
    swap_batches,
    trade_left_out,
)
from parcelroute.parcels.lagrange import (
    CostStart,
    LagrangeOutcome,
    RelaxedRows,
    cost_bound,
    subgradient_bound,
)
from parcelroute.parcels.mip import (
    PDLP_LOOSE_TOLERANCES,
    PDLP_SECOND_TOLERANCES,
    PDLP_TIGHT_TOLERANCES,
    LagrangianBound,
    MipModel,
    MipOutcome,
    knapsack_bound,
    lagrangian_bound,
    solve_lp,
    solve_mip,
    solve_scip,
)
from parcelroute.parcels.neighbourhood import MonthRows, local_replan
from parcelroute.parcels.problem import ParcelProblem, most_inspected

__all__ = ["solve_parcels"]

logger = logging.getLogger("parcelroute")
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Numerical slack when a float bound or reduced cost is compared with a threshold.
EPS = 1e-6
_T = TypeVar("_T")
#: Largest number of parcels of one detainee whose subsets are enumerated for the hull.
HULL_MAX_MEMBERS = 12
#: Largest model (options) solved as a MIP; larger ones get LP bounds and rounding only.
MIP_MAX_PAIRS = 60_000
#: With a time limit, a model is solved as a MIP only up to this many options per second of
#: the parcels' time, and up to :data:`MIP_TIMED_MAX_PAIRS` options (see :func:`_beyond_mip`);
#: from :data:`MIP_TIMED_MIN_PAIRS` options on. Beyond, level 1's interior point LP does not
#: return in its share and the batch-cost MIP's root does not end: on four months of 10,000
#: parcels (45,000-54,000 options) at 15 s, level 1 ended 0.13-4.1 % from its bound and the
#: batch cost 45-100 %, against 0-0.06 % and 4-37 % on the path beyond the MIP's reach; at
#: 10 s so did months of 32,000-37,000 options, and at 2 s the 2,000-parcel months (9,000-10,500
#: options; batch-cost gaps summed over 15 months 1,014 -> 572 points). Months of
#: 16,000-26,500 options at 10 s, 32,000-37,000 at 15 s and 36,000-45,000 at 30 s were
#: planned better as one MIP, but for one of 25,500 at 10 s and one of 36,400 at 15 s
#: (measured in benchmarks/HISTORY.md).
MIP_PAIRS_PER_SECOND = 3_000.0
MIP_TIMED_MAX_PAIRS = 48_000
MIP_TIMED_MIN_PAIRS = 5_000
#: Beyond the MIP's reach: rounds of the neighbourhood search at most.
LNS_ROUNDS = 5
#: Batches of one route re-planned together by :func:`route_window_hoods`.
ROUTE_WINDOW_BATCHES = 4
#: :class:`_HoodQueue`: the weight of each re-plan in its kind's rate (saved per second)
#: decays by this factor with each later re-plan of its kind; and a kind's share of the
#: time is at least this share of the best kind's.
HOOD_DECAY = 0.9
HOOD_FLOOR = 0.1
#: Largest model (options) whose LP relaxation is solved by the interior point method.
LP_MAX_PAIRS = 400_000
#: Largest model (options) whose LPs PDLP solves loosely; beyond it the subgradient steps
#: alone. 906,502 options (200,000 parcels) take about 20 s and 1.9 GB at level 1, and at
#: the batch-cost level (where it runs when :data:`PDLP_SECONDS_PER_OPTION` says it ends in
#: time) 35 s alone and about 45 s beside the neighbourhood MIPs, for a bound of 749,590
#: against the steps' 679,030; peak memory 2.2 GB instead of 2.0.
PDLP_MAX_PAIRS = 1_200_000
#: Beyond the MIP's reach: share of the batch-cost level's time for neighbourhood MIPs,
#: and the time limit of each.
LARGE_LNS_SHARE = 0.2
LARGE_LNS_SECONDS = 0.5
#: Beyond the MIP's reach: the share of the batch-cost level's time after which no new
#: neighbourhood MIP starts (the rest is for reading the plan back).
LARGE_SEARCH_END = 0.9
#: Within the MIP's reach, under a time limit: the share of the batch-cost level's time (at
#: most :data:`POLISH_MAX_SECONDS`) kept from the whole MIP for a last pass of single-batch
#: neighbourhood MIPs over its best plan, which is rarely locally optimal. On the
#: 2,000-parcel month (seed 2026) the 10 s plan of 78,990 drops to 78,150 in 0.1 s. On
#: independent 2,000-parcel months (level 1 leaves the level 5-7 s) a tenth, at most 1 s,
#: instead of 0.05 and 0.5 s: `a2k_17` 453,946-457,470 → 440,750-440,850, `a2k_12`
#: 252,925-253,060 → 249,374-250,735 (two runs each), the generated months the same.
POLISH_SHARE = 0.1
POLISH_MAX_SECONDS = 1.0
#: Within the MIP's reach, with two workers and a time limit: the share of the whole MIP's
#: time that the LP-guided MIP beside it takes at least; neighbourhood MIPs over the best
#: plan known take the rest of that core's time, at most :data:`GUIDED_LNS_MAX_SECONDS`.
GUIDED_SHARE = 0.3
GUIDED_LNS_MAX_SECONDS = 6.0
#: The share of the whole MIP's time that the LP beside it may take. An LP not back by then
#: proves nothing and guides no MIP, and the neighbourhood MIPs start at once: on independent
#: 2,000-parcel months whose level 1 leaves the batch-cost level 5 s, that LP took 1-5 s,
#: two of the four HiGHS threads on two cores, and the batch-cost plan ended 3-11 % dearer
#: than with the neighbourhood MIPs from the start. The month with twice the capacity (whose
#: LP takes 0.14 s and guides the MIP to its optimum) is proven as soon as before.
GUIDED_LP_SHARE = 0.25
#: Flow covers (:func:`_flow_cover_rows`) are derived for a crossing's day that at most this
#: many batches cross: one per subset of them, so up to 31. On the generated 2,000-parcel
#: month (seed 2026) no day has more, and its covers raise the LP bound (69,782 -> 70,793);
#: other generated months have some days of six to thirteen. Months of an independent
#: generator have six to ten on most days: on one, 4,618 covers held 86 % of the model's
#: nonzeros, made its LP three times slower (4.5 s against 1.3 s) for 0.003 % of bound,
#: and left the batch-cost level 54 % from its bound at 10 s, against 13 % without them
#: (HiGHS' root adds cuts of its own; measured in benchmarks/HISTORY.md). With six, one
#: month fell back from 0.9 % to 7.3 %.
FLOW_COVER_MAX_BATCHES = 5
#: Beyond the MIP's reach: the longest time, in seconds, of the batches' cover MIP
#: (:meth:`_Level2._cover_bound`). It runs on every month up to :data:`PDLP_MAX_PAIRS`
#: options, also where no batch-cost LP follows: an independent 800-parcel month at 3 s is
#: proven in 1.7 s instead of 50.5 % from its bound, an independent 5,000-parcel month at
#: 30 s ends at 46 % instead of 76 %.
COVER_SECONDS = 1.0
#: Whether the batch-cost LPs and the batches' cover bound get a cover row per forced parcel
#: (:func:`_parcel_cover_rows`). They raise the LP's bound where the LP is the bound (beyond
#: the MIP's reach): an independent 2,000-parcel month at 10 s is proven instead of 0.96 %
#: from its bound, an independent 1,500-parcel month's bound rises from 11,423 to 12,464. In
#: the whole MIP they raise the generated 2,000-parcel month's bound at 10 s (72,620 to
#: 73,100) but leave its plan dearer (79,080 against 77,130-78,150), and that of seed 2
#: (80,190 against 79,410): the MIPs are built without them.
PARCEL_COVERS = True
#: Most re-solves of :meth:`_Level2._confirm` (each below the best plan found so far).
CONFIRM_ROUNDS = 3
#: Least time left, in seconds, for one of them.
CONFIRM_MIN_SECONDS = 0.05
#: How many times the level-1 LP's time the batch-cost LP is expected to take.
LP_LEVEL2_FACTOR = 5.0
#: The same after a level-1 LP solved by the dual simplex method, for the batch-cost LP
#: solved that way in PDLP's place (on three independent 20,000-parcel months the ratio
#: was 2.3-2.7: level 1 in 1.3, 4.3 and 7.3 s, the batch cost in 3.0, 9.8 and 19.4 s).
LP_LEVEL2_SIMPLEX_FACTOR = 2.5
#: Beyond the MIP's reach, when the batch-cost LP (interior point) is expected to finish:
#: the share of the batch-cost level's time for the neighbourhood MIPs and the subgradient
#: steps before it (the share is 0.9 otherwise), and the share of the rest the LP gets.
LP_SEARCH_SHARE = 0.4
LP_TIME_SHARE = 0.8
#: Where level 1 ends unproven and level 2's plan makes room for parcels it left out, those
#: parcels go and level 2 is planned again for the higher level-1 value, from that plan, at
#: most :data:`AGAIN_ROUNDS` times and while :data:`AGAIN_MIN_SECONDS` and
#: :data:`AGAIN_MIN_SHARE` of the parcels' time are left. On an independent 2,000-parcel
#: month at 60 s (level 1 at 3,794 of a bound of 3,795 after its share), level 2 ended at
#: 8,448 (proven) in 39 s, and one parcel opening a batch of 1,702 then left the plan at
#: 10,150 with that bound. Beyond the MIP's reach level 2 leaves a tenth of its time for
#: reading the plan back (:data:`LARGE_SEARCH_END`); a second pass in it took the generated
#: 200,000-parcel month at 120 s from 112 s to 120.06 s.
AGAIN_ROUNDS = 3
AGAIN_MIN_SECONDS = 1.0
AGAIN_MIN_SHARE = 0.2
#: Beyond the MIP's reach, within :data:`MIP_MAX_PAIRS` options: the least time, in seconds,
#: that the neighbourhood search must leave unused when it ends for the whole MIP to run
#: after it (:meth:`_Level2._whole_mip_after`).
AFTER_SEARCH_MIP_MIN_SECONDS = 1.0
#: Beyond the MIP's reach: the batch-cost LP (or PDLP) is not started with less time than
#: this left (building its model alone takes seconds at 20,000 parcels).
LP_MIN_SECONDS = 1.0
#: Beyond the MIP's reach, with two workers and a time limit: the share of the batch-cost
#: bound's time for the subgradient steps before PDLP's loose LP takes the rest. On the
#: 20,000-parcel month PDLP needs 7.4-8.2 s beside the neighbourhood MIPs (bound about
#: 316,000-317,000), more than a 20 or 30 s solve leaves it; the steps reach about 240,000
#: in a second.
COST_FIRST_SHARE = 0.15
#: The same share when PDLP is not expected to finish: the steps' bound is then the level's,
#: and they take all of it (the core joins the neighbourhood search for what they leave).
#: At 20 s on independent 20,000-parcel months a share of 0.15 left it at 485,057-497,092
#: and 395,245-405,940, and the whole share raised it to 718,724-738,659 and 598,150, with
#: plans in the same range (1,536,957-1,650,315 against 1,497,411-1,603,696, and 1,225,458
#: against 1,211,476-1,267,431).
COST_NO_PDLP_SHARE = 1.0
#: Level 2 starts from the cheaper of level 1's plan with its batches emptied and the same
#: parcels placed again, cheapest first (:func:`~parcelroute.parcels.greedy.repack`, a few
#: hundredths of a second at 2,000 parcels). At 10 s on an independent 1,500-parcel month
#: the start fell from 27,751 to 15,332 and the plan from 19,344 to 15,332; on an
#: independent 20,000-parcel month at 20 s the plan fell from 96,291 to 77,571. Where the
#: parcels no longer fit placed this way (the generated months, tight), nothing changes.
REPACK = True
#: PDLP runs past its time limit before it stops (0.75-1.3 s past 5.6 s at 20,000 parcels):
#: it is given this share of the time it may take.
PDLP_OVERRUN = 0.85
#: Seconds per option the batch-cost PDLP solve (:data:`PDLP_LOOSE_TOLERANCES`) is expected
#: to take beside the neighbourhood MIPs: 2.7-5.7 s for 90,000-106,000 options at 20,000
#: parcels, and more than 6 s for the 118,390 of an independent month. When it is not
#: expected to end in time, the subgradient steps bound the level instead
#: (:data:`COST_NO_PDLP_SHARE`). A PDLP that runs out of time leaves the steps' short first
#: share as the bound: 5e-5 let that month's PDLP start at 20 s, for a bound of 178,000
#: where the steps alone reach 346,415. (Level 1's PDLP time, used before, foretold it
#: badly: 7.2 s at level 1 on a month whose batch-cost PDLP took 4.1 s, 3.0 s on one where
#: it took 3.4 s.)
PDLP_SECONDS_PER_OPTION = 5.5e-5
#: How many times the first batch-cost PDLP solve's time the second, tighter one
#: (:data:`~parcelroute.parcels.mip.PDLP_SECOND_TOLERANCES`) may need: it runs only when
#: the searches' time left (before :data:`PDLP_OVERRUN`) is at least that. Alone, on five
#: generated 20,000-parcel months, it took 1.6-5.2 times as long as the first. It returns
#: nothing at its time limit, and then only its time is lost (the first bound stays).
PDLP_SECOND_FACTOR = 4.0
#: A batch-cost LP bound below this many times the first subgradient steps' is weak: the
#: LP pays a fraction of a batch for a fraction of its load, where the steps' relaxation
#: pays the whole batch it opens. Where no second PDLP runs, the steps then go on from the
#: LP's duals (:func:`_cost_start`) for the time left to the bound. On two independent
#: 20,000-parcel months the LP ended within 1.01 of the first steps (170,989 against
#: 173,021 on `a20k_21`), and the steps from its duals reached 223,109 in a second and
#: 240,035 in two (from the first steps' start: 188,836 after 2.5 s in all); on the
#: generated month (1.23) and `w20k_22` (3.0) the LP stays the better bound (measured in
#: benchmarks/HISTORY.md).
WEAK_LP_RATIO = 1.1
#: ... provided the first steps were cut short, at fewer than this many steps (31-57 there):
#: after more, their bound is near their relaxation's, and an LP close to it is not weak
#: (on months of 90-300 parcels forced onto this path, after 1,200-1,400 first steps, the
#: steps from the LP's duals ended at 38-74 % of the LP's bound, in 0.8-2.5 s).
WEAK_LP_MAX_FIRST_STEPS = 500
#: Beyond the MIP's reach, with two workers: the share of level 1's time left that PDLP's
#: approximate LP may take beside the interior point LP (which may not finish), and the
#: time limit of each level-1 neighbourhood MIP run while an LP solves on the other core.
#: PDLP returns nothing at its time limit; on the 20,000-parcel month it needs 3.9-4.2 s, which a
#: share of 0.5 (4.3 s there) missed once.
PDLP_BESIDE_SHARE = 0.8
LEVEL1_LNS_SECONDS = 1.0
#: Seconds per option that PDLP's approximate LP beside level 1's interior point LP is
#: expected to take: 3.9-4.2 s for the 101,635 options of the generated 20,000-parcel month,
#: and more than 7 s for the 161,647 of an independent month. When it is not expected to end
#: in its share, it does not start: the subgradient steps and the neighbourhood MIPs take
#: its time. On that month at 20 s level 1 then ends at 6,164,387 / 6,250,911 (1.4 %)
#: instead of 6,127,818 / 6,315,881 (3.0 %).
LEVEL1_PDLP_SECONDS_PER_OPTION = 4.5e-5
#: PDLP's approximate LP beside level 1's interior point LP gets at most this many times the
#: time it is expected to take (:data:`LEVEL1_PDLP_SECONDS_PER_OPTION`), so that one that
#: does not end leaves time to the steps and the neighbourhood MIPs. Independent
#: 20,000-parcel months whose PDLP did not end in its 8.3 s share: level 1 at 2.2-3.3 % at
#: 20 s with the cap, 2.3-10 % without it.
LEVEL1_PDLP_CAP = 1.25
#: Beyond one MIP's reach, where PDLP does not run beside it, level 1's LP is solved by the
#: dual simplex method instead of the interior point one: on five independent 20,000-parcel
#: months it took 1.3-7.3 s where the interior point method took 8.0-25.3 s (on the
#: generated months, where PDLP runs beside, it is the other way round: the interior point
#: method ends in 7-9 s, the simplex method not in 60 s).
LEVEL1_SIMPLEX = True
#: Beyond one MIP's reach, with two workers, where level 1's LP is expected to end within
#: its time (:data:`LEVEL1_LP_SECONDS_PER_OPTION` per option), the dual simplex and the
#: interior point methods solve it side by side, and the first to return stops the other:
#: on the generated 20,000-parcel months the interior point method ends in 7-9 s and the
#: simplex method not in 60 s, on independent ones the simplex method in 1.3-7.3 s and the
#: interior point one in 8.0-25.3 s. Level 1 at 20 s: 0.12 % instead of 0.20 % on the
#: generated month of seed 2026, 0.47 % instead of 2.20 % on an independent month.
LEVEL1_RACE = True
#: The share of level 2's time that this race may borrow when neither LP has returned by the
#: end of its own time (level 1 comes first; its neighbourhood MIPs still end on time). On
#: an independent 20,000-parcel month (`a20k_22`, 86,624 options) the two LPs take 9.6 s
#: and 11.8 s alone on this machine, and neither returned in the 9.5 s of a 20 s solve:
#: level 1 ended 2.9-3.5 % from its bound, and with the time borrowed at 0.06-0.08 %.
LEVEL1_LP_BORROW = 0.4
#: After level 1's LP beyond one MIP's reach, the neighbourhood MIPs it guides run on every
#: worker (each search merging its own changes): on three independent 20,000-parcel months
#: and the generated one, level 1 at 20 s 0.04-0.23 points closer to its bound.
LEVEL1_PARALLEL_LNS = True
#: What level 1's LP is expected to take per option, by the faster of the two methods
#: (7.0e-5 s on the generated 20,000-parcel month, with the other method beside it).
LEVEL1_LP_SECONDS_PER_OPTION = 7.5e-5
#: Nor does it start where the largest priority is more than this many times the smallest
#: positive one: PDLP's iterations grow with the spread of the objective. On an
#: independent 20,000-parcel month with priorities of 1 to 1,000 it took 17.6 s alone
#: (7,120 iterations), and 5.0 s (1,720) with the priorities cut at 5.
LEVEL1_PDLP_MAX_PRIORITY_RATIO = 100.0
#: Beyond the MIP's reach, with two workers: the share of level 1's time left that the
#: subgradient steps take when PDLP's approximate LP returned nothing (the neighbourhood
#: MIPs get the rest). On an independent 20,000-parcel month with priorities up to 1,000
#: (163,000 options) neither LP finished in level 1's 10 s, and the steps, after PDLP's
#: 8 s, had 0.15 of the rest (0.4 s): a bound of 6,421,591 where 1 s gives 6,319,522,
#: 2.8 s 6,252,911 and the exact LP 6,231,197 (23 s).
STEPS_AFTER_PDLP_SHARE = 0.6
#: Beyond the interior point LP's reach, with two workers: up to this many options the
#: subgradient steps run beside PDLP's LP until it returns (0.9 of the time at most), and
#: not for 0.15 of the time only. On an independent 20,000-parcel month of one destination
#: (434,000 options) PDLP did not finish in level 1's 10 s, and 59 steps had proven a bound
#: 7.7 % above the plan. Larger months keep the short share: beside PDLP the steps share
#: the memory bandwidth and slow it down (906,502 options at 200,000 parcels).
STEPS_BESIDE_PDLP_MAX_PAIRS = 600_000
#: Level 1's RENS model keeps an option as the LP decided it when the LP's value is within
#: this of 0 or 1 (the interior point LP stops short of exact zeros and ones).
RENS_TOLERANCE = 0.05
#: Level 1's share of the time limit (level 2 gets the rest); beyond the MIP's reach level
#: 1's LP and its rounding matter most, and level 2 only bounds.
LEVEL1_SHARE = 0.45
LEVEL1_SHARE_LARGE = 0.55
#: Beyond the MIP's reach, where level 1 ends below its bound, trades with planned parcels
#: deliver left-out ones (:func:`~parcelroute.parcels.greedy.trade_left_out`) for at most
#: this share of the time limit, taken from level 1's. Level 1's neighbourhoods (a
#: crossing's or an origin's day) miss trades between a detainee's parcels on batches of
#: other days. Level 1 at 20 s on the generated 20,000-parcel month: 27,714-27,731
#: instead of 27,690-27,721 (bound 27,746); at 120 s on the 200,000-parcel month 0.56 %
#: from its bound instead of 0.78 %. They get only what is left of level 1's share, and
#: none where a gap is accepted (level 1 stops at it): taken from level 2, their time cost
#: the batch-cost PDLP its share at 20,000 parcels (bound 264,000-274,000, not 307,000).
TRADE_SHARE = 0.05
#: The share of level 1's time left that the knapsack bound may take (see
#: ``_Level1._knapsacks``). On independent 2,000-parcel months it took 0.03-1.7 s and
#: lowered the LP's bound by 0.1-1.1 % (3,929 to 3,920 where the best plan known is 3,885).
#: Zero: no knapsack bound.
KNAPSACK_SHARE = 0.3
#: Level 1's targets below the first: once the LP bound ``T`` is proven out of reach, each
#: next target is ``s``, ``3 s``, ``7 s``, ... below the new bound (``T - 1``, then one
#: below the target proven out of reach), ``s`` being the gap between ``T - 1`` and the best
#: plan then, divided by this (at least 1); with ``s`` = 1 they are 0, 1, 3, ... below it.
#: With ``s`` = 1 always the bound of months with large priorities hardly moved: at 10 s,
#: independent 2,000-parcel months with priorities up to 1,000 ended 0.99 % and 2.54 %
#: below their bounds; with 2 parts 0.15 % and 0.10 % (64 parts: 0.88 % and 2.21 %; 8: 0.70 %
#: and 0.34 %; 4: 0.54 % and 0.11 %). The target ``T - 1`` came first then too, and was
#: proven out of reach much as ``T`` was, at the cost of one more MIP: without it, 0.48 % →
#: 0.15 %, 1.12 % → 0.45 % and 1.40 % → 0.73 % on three independent months (two runs each
#: on the first two), the same on nine others. Months whose first target is not proven out
#: of reach in time do not change.
LADDER_PARTS = 2
#: With two workers and a time limit, beside level 1's search: the share of the level's
#: time left for the RENS model before neighbourhood MIPs improve the best plan known.
SIDE_RENS_SHARE = 0.5
#: With one worker and a time limit: the share of level 1's time left that its
#: neighbourhood MIPs may take before the RENS model and the search.
SIDE_LNS_SHARE = 0.15
#: Independent parts are solved one by one (:mod:`parcelroute.parcels.components`)
#: unless the largest holds more than this share of the options.
SPLIT_MAX_SHARE = 0.95
#: Nor are they where the time left is less than this many seconds per part: each part's
#: searches have least times of their own. Through ``parcelroute solve --time-limit 1`` the
#: six parts of an independent 2,000-parcel month took 0.93 s, the whole month 0.57 s.
SPLIT_MIN_SECONDS = 0.5


@dataclass
class LevelResult:
    """Value and proven bound of one level, in scenario units."""

    value: float
    bound: float
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


# -- the recipient hull -------------------------------------------------------------------
def _subsets(weights: IntArray, n_max: int, w_max: int
             ) -> tuple[IntArray, BoolArray, BoolArray] | None:
    """Every subset of a detainee's parcels (bit masks, members) and whether it keeps both limits."""
    k = len(weights)
    if k > HULL_MAX_MEMBERS:
        return None
    masks = np.arange(1 << k, dtype=np.int64)
    bits = ((masks[:, None] >> np.arange(k)) & 1).astype(bool)
    feasible = np.ones(len(masks), bool)
    if n_max >= 0:
        feasible &= bits.sum(axis=1) <= n_max
    if w_max >= 0:
        feasible &= (bits.astype(np.int64) @ weights) <= w_max
    return masks, bits, feasible


def _maximal_sets(weights: IntArray, n_max: int, w_max: int) -> BoolArray | None:
    """Maximal subsets of a detainee's parcels that keep both limits (rows of a bool matrix)."""
    found = _subsets(weights, n_max, w_max)
    if found is None:
        return None
    masks, bits, feasible = found
    k = len(weights)
    extended = masks[:, None] | (np.int64(1) << np.arange(k, dtype=np.int64))[None, :]
    grows = feasible[extended] & ~bits
    maximal = feasible & ~grows.any(axis=1)
    out: BoolArray = bits[maximal]
    return out


@dataclass
class _Hull:
    """One detainee whose limits can bind: its parcels and maximal receivable sets."""

    row: int
    members: IntArray
    sets: BoolArray | None


def _hulls(prob: ParcelProblem, alive: BoolArray) -> list[_Hull]:
    out = []
    for r, (_rid, n_max, w_max, members) in enumerate(prob.recipient_rows):
        mem = members[alive[members]]
        if len(mem) == 0:
            continue
        binds = (n_max >= 0 and len(mem) > n_max) or (
            w_max >= 0 and int(prob.weight[mem].sum()) > w_max)
        if not binds:
            continue
        out.append(_Hull(r, mem, _maximal_sets(prob.weight[mem], n_max, w_max)))
    return out


# -- model building -----------------------------------------------------------------------
@dataclass
class _Rows:
    """Where each family of rows of a model starts, to read multipliers back."""

    parcel_rows: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    parcels: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    capacity: list[tuple[int, int, int]] = field(default_factory=list)  # (row, dim, batch)
    crossing: list[tuple[int, int]] = field(default_factory=list)  # (row, crossing row id)
    recipient: list[tuple[int, int, int]] = field(default_factory=list)  # (row, rec row, kind)
    priority: int = -1


class _Builder:
    """Rows of both levels over a subset of the options."""

    def __init__(self, prob: ParcelProblem, keep: BoolArray) -> None:
        self.prob = prob
        self.pairs = np.flatnonzero(keep)
        self.pp = prob.pair_parcel[self.pairs]
        self.pb = prob.pair_batch[self.pairs]
        self.local = np.full(prob.num_pairs, -1, np.int64)
        self.local[self.pairs] = np.arange(len(self.pairs))
        self.alive = np.zeros(prob.num_parcels, bool)
        self.alive[self.pp] = True
        #: where each family of rows starts in the model built (set by whoever builds it)
        self.rows: _Rows | None = None

    def parcel_rows(self, model: MipModel, x: IntArray, rows: _Rows,
                    forced: BoolArray | None) -> None:
        """Each parcel rides at most one batch (exactly one when forced)."""
        uniq, group = np.unique(self.pp, return_inverse=True)
        rows.parcel_rows = model.num_rows + np.arange(len(uniq))
        rows.parcels = uniq
        lower = np.zeros(len(uniq)) if forced is None else forced[uniq].astype(np.float64)
        model.add_grouped_rows(group.astype(np.int64), x, np.ones(len(x)), lower,
                               np.ones(len(uniq)))

    def capacity_rows(self, model: MipModel, x: IntArray, y: IntArray | None, rows: _Rows,
                      load_floor: dict[tuple[int, int], int] | None = None) -> None:
        """Weight, volume and count of a batch stay within its limits (times y_b when linked).

        With ``y`` every batch also gets ``parcels <= n_b * y_b`` when its count
        row cannot bind, so that a batch carrying anything is paid for.
        """
        prob = self.prob
        nb = prob.num_batches
        for d, dim in enumerate(prob.dims):
            per = dim.per_parcel[self.pp]
            load = np.bincount(self.pb, weights=per, minlength=nb)
            cap = dim.capacity
            binds = (cap >= 0) & (load > cap)
            if y is not None and dim.name == "count":
                binds = load > 0
            bs = np.flatnonzero(binds)
            if len(bs) == 0:
                continue
            sel = binds[self.pb]
            group = np.searchsorted(bs, self.pb[sel])
            first = model.num_rows
            rows.capacity.extend((first + k, d, int(b)) for k, b in enumerate(bs.tolist()))
            if y is None:
                model.add_grouped_rows(group, x[sel], per[sel].astype(np.float64),
                                       np.full(len(bs), -math.inf), cap[bs].astype(np.float64))
            else:
                limit = np.where((cap[bs] >= 0) & (cap[bs] < load[bs]), cap[bs], load[bs])
                group = np.concatenate([group, np.arange(len(bs))])
                index = np.concatenate([x[sel], y[bs]])
                value = np.concatenate([per[sel].astype(np.float64), -limit.astype(np.float64)])
                model.add_grouped_rows(group, index, value, np.full(len(bs), -math.inf),
                                       np.zeros(len(bs)))
        if load_floor:
            for (d, b), floor in sorted(load_floor.items()):
                es = np.flatnonzero(self.pb == b)
                if floor > 0 and len(es):
                    model.add_row(x[es], prob.dims[d].per_parcel[self.pp[es]].astype(np.float64),
                                  lower=float(floor))

    def crossing_rows(self, model: MipModel, x: IntArray, rows: _Rows,
                      floor: dict[int, int] | None = None) -> None:
        """A crossing inspects at most its daily capacity of parcels on each date."""
        for c, (_node, _day, capacity, es) in enumerate(self.prob.crossing_rows):
            loc = self.local[es]
            loc = loc[loc >= 0]
            if most_inspected(self.pp, loc) <= capacity:
                continue
            rows.crossing.append((model.num_rows, c))
            lo = float(floor.get(c, 0)) if floor else 0.0
            loc, times = np.unique(loc, return_counts=True)  # a batch calling twice counts twice
            model.add_row(x[loc], times.astype(np.float64), lower=lo if lo > 0 else -math.inf,
                          upper=float(capacity))

    def recipient_rows(self, model: MipModel, x: IntArray, rows: _Rows) -> None:
        """A detainee receives at most their parcel count and weight limits."""
        prob = self.prob
        starts = np.searchsorted(self.pp, np.arange(prob.num_parcels + 1))
        for r, (_rid, n_max, w_max, members) in enumerate(prob.recipient_rows):
            loc = np.concatenate([np.arange(starts[i], starts[i + 1]) for i in members.tolist()])
            if len(loc) == 0:
                continue
            who = self.pp[loc]
            if n_max >= 0 and len(np.unique(who)) > n_max:
                rows.recipient.append((model.num_rows, r, 0))
                model.add_row(x[loc], np.ones(len(loc)), upper=float(n_max))
            if w_max >= 0 and int(prob.weight[np.unique(who)].sum()) > w_max:
                rows.recipient.append((model.num_rows, r, 1))
                model.add_row(x[loc], prob.weight[who].astype(np.float64), upper=float(w_max))

    def hull_rows(self, model: MipModel, x: IntArray, hulls: list[_Hull]) -> None:
        """Each detainee receives a convex combination of the maximal sets it may receive."""
        starts = np.searchsorted(self.pp, np.arange(self.prob.num_parcels + 1))
        for hull in hulls:
            if hull.sets is None or len(hull.sets) == 0:
                continue
            sets = hull.sets
            lam = model.add_columns(np.zeros(len(sets)), upper=np.ones(len(sets)), integer=False)
            model.add_row(lam, np.ones(len(sets)), upper=1.0)
            for k, i in enumerate(hull.members.tolist()):
                loc = np.arange(starts[i], starts[i + 1])
                if len(loc) == 0:
                    continue
                holders = lam[sets[:, k]]
                model.add_row(np.concatenate([x[loc], holders]),
                              np.concatenate([np.ones(len(loc)), -np.ones(len(holders))]),
                              upper=0.0)


# -- level 1 ------------------------------------------------------------------------------
@dataclass
class _Shared:
    """The best plan of searches on several threads (read and changed under a lock)."""

    assign: IntArray
    best: int
    count: int = 0


@dataclass
class _Level1Info:
    """What level 1 proved, reused by level 2."""

    lagrange: LagrangianBound | None
    rows: _Rows | None
    model: MipModel | None
    x_cols: IntArray | None


def _pairs_from_assign(prob: ParcelProblem, assign: IntArray) -> FloatArray:
    """0/1 vector over options from a per-parcel chosen option (-1: none)."""
    x = np.zeros(prob.num_pairs)
    x[assign[assign >= 0]] = 1.0
    return x


def _assign_from_pairs(prob: ParcelProblem, xval: FloatArray) -> IntArray:
    """Per-parcel chosen option from a 0/1 vector over options."""
    assign = np.full(prob.num_parcels, -1, np.int64)
    chosen = np.flatnonzero(xval > 0.5)
    assign[prob.pair_parcel[chosen]] = chosen
    return assign


def _value(prob: ParcelProblem, assign: IntArray) -> int:
    return int(prob.priority[assign >= 0].sum())


def _cost(prob: ParcelProblem, assign: IntArray) -> float:
    return float(prob.scaled_cost()[operated(prob, assign)].sum())


def _batch_loads(prob: ParcelProblem, chosen: IntArray) -> list[tuple[IntArray, FloatArray]]:
    """Per capacity dimension, its capacities and the load the options ``chosen`` put on
    each batch."""
    pp, pb = prob.pair_parcel[chosen], prob.pair_batch[chosen]
    return [(dim.capacity, np.asarray(np.bincount(pb, weights=dim.per_parcel[pp],
                                                  minlength=prob.num_batches), np.float64))
            for dim in prob.dims]


def _plan_ok(prob: ParcelProblem, assign: IntArray) -> bool:
    """Whether ``assign`` keeps every capacity, crossing and recipient limit (integers)."""
    chosen = assign[assign >= 0]
    if np.any(prob.pair_parcel[chosen] != np.flatnonzero(assign >= 0)):
        return False
    for limit, load in _batch_loads(prob, chosen):
        if np.any((limit >= 0) & (load > limit + 0.5)):
            return False
    x = _pairs_from_assign(prob, assign)
    for _n, _d, capacity, es in prob.crossing_rows:
        if x[es].sum() > capacity + 0.5:
            return False
    for _r, n_max, w_max, members in prob.recipient_rows:
        got = members[assign[members] >= 0]
        if n_max >= 0 and len(got) > n_max:
            return False
        if w_max >= 0 and int(prob.weight[got].sum()) > w_max:
            return False
    return True


def _level1_model(prob: ParcelProblem, hulls: list[_Hull]) -> tuple[MipModel, IntArray, _Rows]:
    build = _Builder(prob, np.ones(prob.num_pairs, bool))
    model = MipModel(maximize=True)
    x = model.add_columns(prob.priority[prob.pair_parcel].astype(np.float64),
                          upper=np.ones(prob.num_pairs))
    rows = _Rows()
    build.parcel_rows(model, x, rows, None)
    build.capacity_rows(model, x, None, rows)
    build.crossing_rows(model, x, rows)
    build.recipient_rows(model, x, rows)
    build.hull_rows(model, x, hulls)
    return model, x, rows


def origin_day_hoods(prob: ParcelProblem, batches: BoolArray, seed: int) -> list[IntArray]:
    """Groups of ``batches`` re-planned together, in a random order of ``seed``.

    Every batch of one origin leaving on one day: at the volumes this serves
    that already frees many parcels.
    """
    dep = np.array([b.departs.toordinal() for b in prob.scenario.batches], np.int64)
    origins: dict[str, int] = {}
    origin = np.array([origins.setdefault(b.origin, len(origins))
                       for b in prob.scenario.batches], np.int64)
    hoods: list[IntArray] = []
    for o in np.unique(origin[batches]).tolist():
        mine = batches & (origin == o)
        for day in np.unique(dep[mine]).tolist():
            hoods.append(np.flatnonzero(mine & (dep == day)))
    order = np.random.default_rng(seed).permutation(len(hoods))
    return [hoods[k] for k in order.tolist()]


def route_window_hoods(prob: ParcelProblem, batches: BoolArray, seed: int,
                       width: int = ROUTE_WINDOW_BATCHES) -> list[IntArray]:
    """Runs of ``width`` consecutive ``batches`` of one route, overlapping by half, in a random order of ``seed``.

    A route (origin, stops and accepted categories) runs a batch every few
    days; a parcel may ride any of the few whose dates fit its window. Moving
    its parcels along the route's dates to close one batch of the run needs
    the run's batches in one MIP, which a single batch or one origin's day
    does not offer.

    Examples
    --------
    >>> import parcelroute as pr
    >>> from parcelroute.parcels.compat import Compatibility
    >>> b = pr.ScenarioBuilder(name="one route, five days")
    >>> _ = b.add_node("HUB", kind="hub").add_node("F-1").add_link("HUB", "F-1", hours=5)
    >>> for day in range(1, 6):
    ...     _ = b.add_batch(f"B-{day}", origin="HUB", departs=f"2026-12-0{day}",
    ...                     stops=["F-1"], max_parcels=2, cost=10)
    >>> _ = b.add_parcel("P-1", origin="HUB", destination="F-1", weight_kg=1,
    ...                  ready="2026-12-01", due="2026-12-06")
    >>> s = b.build()
    >>> prob = ParcelProblem(s, Compatibility(s))
    >>> every = np.ones(prob.num_batches, bool)
    >>> sorted(h.tolist() for h in route_window_hoods(prob, every, seed=0, width=4))
    [[0, 1, 2, 3], [1, 2, 3, 4]]
    """
    route = _routes(prob)
    dep = np.array([b.departs.toordinal() for b in prob.scenario.batches], np.int64)
    step = max(1, width // 2)
    hoods: list[IntArray] = []
    for r in np.unique(route[batches]).tolist():
        run = np.flatnonzero(batches & (route == r))
        run = run[np.argsort(dep[run], kind="stable")]
        firsts = list(range(0, max(len(run) - width, 0) + 1, step))
        if firsts[-1] + width < len(run):
            firsts.append(len(run) - width)
        hoods.extend(run[f:f + width] for f in firsts)
    order = np.random.default_rng(seed).permutation(len(hoods))
    return [hoods[k] for k in order.tolist()]


def crossing_day_hoods(prob: ParcelProblem) -> list[IntArray]:
    """Every batch inspected at one crossing point on one day, for each such limit that can bind.

    A crossing's daily limit is shared by the batches of every origin that
    pass it that day: moving its room from one origin's parcels to another's
    needs all of them in one MIP, which neither a single batch nor one
    origin's day offers.

    Examples
    --------
    >>> import parcelroute as pr
    >>> from parcelroute.parcels.compat import Compatibility
    >>> b = pr.ScenarioBuilder(name="one crossing, two hubs")
    >>> _ = b.add_node("H-1", kind="hub").add_node("H-2", kind="hub")
    >>> _ = b.add_node("X", kind="crossing", daily_capacity=1).add_node("F-1")
    >>> _ = b.add_link("H-1", "X", hours=1).add_link("H-2", "X", hours=1)
    >>> _ = b.add_link("X", "F-1", hours=1)
    >>> for bid, hub in (("B-1", "H-1"), ("B-2", "H-2")):
    ...     _ = b.add_batch(bid, origin=hub, departs="2026-12-01", stops=["X", "F-1"],
    ...                     max_parcels=5, cost=10)
    >>> for pid, hub in (("P-1", "H-1"), ("P-2", "H-2")):
    ...     _ = b.add_parcel(pid, origin=hub, destination="F-1", weight_kg=1,
    ...                      ready="2026-12-01", due="2026-12-03")
    >>> s = b.build()
    >>> [h.tolist() for h in crossing_day_hoods(ParcelProblem(s, Compatibility(s)))]
    [[0, 1]]
    """
    hoods = [np.unique(prob.pair_batch[es]) for _node, _day, _cap, es in prob.crossing_rows]
    return [h for h in hoods if len(h)]


def least_filled_hoods(prob: ParcelProblem, assign: IntArray) -> list[IntArray]:
    """Each batch that ``assign`` operates alone, the least filled first.

    A batch's fill is the largest share of its weight, volume or count limit
    its load takes. Closing a half-empty batch is the likeliest saving, and
    the MIP of one batch is small enough to settle at once (about a tenth of
    the pairs of one origin's day at 20,000 parcels).

    Examples
    --------
    >>> import parcelroute as pr
    >>> from parcelroute.parcels.compat import Compatibility
    >>> b = pr.ScenarioBuilder(name="one full, one not")
    >>> _ = b.add_node("HUB", kind="hub").add_node("F-1").add_link("HUB", "F-1", hours=5)
    >>> for bid in ("B-1", "B-2"):
    ...     _ = b.add_batch(bid, origin="HUB", departs="2026-12-01", stops=["F-1"],
    ...                     max_parcels=2, cost=10)
    >>> for p in ("P-1", "P-2", "P-3"):
    ...     _ = b.add_parcel(p, origin="HUB", destination="F-1", weight_kg=1,
    ...                      ready="2026-12-01", due="2026-12-03")
    >>> s = b.build()
    >>> prob = ParcelProblem(s, Compatibility(s))
    >>> # P-1 and P-2 on B-1 (options 0 and 2), P-3 on B-2 (option 5)
    >>> [h.tolist() for h in least_filled_hoods(prob, np.array([0, 2, 5]))]
    [[1], [0]]
    """
    chosen = assign[assign >= 0]
    fill = np.zeros(prob.num_batches)
    for limit, load in _batch_loads(prob, chosen):
        cap = limit.astype(np.float64)
        fill = np.maximum(fill, np.where(cap > 0, load / np.maximum(cap, 1.0), 0.0))
    used = np.unique(prob.pair_batch[chosen])
    order = used[np.argsort(fill[used], kind="stable")]
    return [np.array([b], np.int64) for b in order.tolist()]


def _beyond_mip(prob: ParcelProblem, seconds: float | None) -> bool:
    """Whether ``prob`` is planned as a month beyond one MIP's reach in ``seconds`` (None:
    no time limit): above :data:`MIP_MAX_PAIRS` options, or with a time limit above
    :data:`MIP_TIMED_MAX_PAIRS` or :data:`MIP_PAIRS_PER_SECOND` per second (from
    :data:`MIP_TIMED_MIN_PAIRS` options on).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> month = SimpleNamespace(num_pairs=30_000)
    >>> _beyond_mip(month, None), _beyond_mip(month, 15.0), _beyond_mip(month, 9.0)
    (False, False, True)
    """
    pairs = prob.num_pairs
    if pairs > MIP_MAX_PAIRS:
        return True
    if seconds is None or pairs < MIP_TIMED_MIN_PAIRS:
        return False
    return pairs > min(MIP_TIMED_MAX_PAIRS, MIP_PAIRS_PER_SECOND * seconds)


def _priority_ratio(prob: ParcelProblem) -> float:
    """The largest priority of a parcel with options over the smallest positive one."""
    pri = prob.priority[prob.pair_parcel]
    pri = pri[pri > 0]
    return float(pri.max() / pri.min()) if len(pri) else 1.0


def _pdlp_ends(seconds_per_option: float, options: int, seconds: float) -> bool:
    """Whether a PDLP solve of ``options`` options, expected to take ``seconds_per_option``
    each, ends within :data:`PDLP_OVERRUN` of ``seconds`` (it runs past its time limit)."""
    return seconds_per_option * options <= PDLP_OVERRUN * seconds


def _in_background(job: Callable[[], _T]) -> Future[_T]:
    """Run ``job`` on a thread of its own; HiGHS and NumPy leave Python's lock while they work."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parcelroute")
    try:
        return pool.submit(job)
    finally:
        pool.shutdown(wait=False)


@dataclass(frozen=True)
class _Pick:
    """A neighbourhood handed out by :class:`_HoodQueue`, with the kind it is of."""

    kind: int
    batches: IntArray


class _HoodQueue:
    """Neighbourhoods of several kinds, handed out one at a time to one search or several.

    Each kind (``kinds``: a list of neighbourhoods, such as the least-filled
    batches, or runs of one route's batches) is handed out in its own
    order, round after round: a kind starts another round while the rounds
    last (``rounds``) and its last round saved something (see
    :meth:`record`); else it ends, and the queue ends with its last kind.

    Which kind comes next is adaptive, as in adaptive large-neighbourhood
    search (Ropke and Pisinger, 2006). The first kind, ordered by promise
    (the least-filled batches first), goes through its first round before
    any other. Then a kind is drawn at random (``seed``) with a share of
    the time in proportion to what its re-plans saved per second lately
    (:data:`HOOD_DECAY`), at least :data:`HOOD_FLOOR` of the best kind's;
    a kind not tried yet counts as the best. A kind of quick re-plans is
    drawn more often for the same share of time.

    What pays off depends on the month. On an independent 20,000-parcel
    month, runs of one route's batches, which the fixed order of kinds
    reached only after 87 s of a 120 s solve, then took its plan from
    715,851 to 651,322; at 60 s the draws end at 663,998 against 718,671.
    On another, drawing from the start left a 20 s plan 8-10 % dearer than
    the first round of single batches does: hence that round first. At
    20 s on these months it takes the whole search, as before. ``month``
    is shared by the searches' neighbourhood models.

    Examples
    --------
    >>> one, two = np.array([0]), np.array([1])
    >>> queue = _HoodQueue({"single batches": [one, two]}, rounds=2)
    >>> [queue.next().batches.tolist() for _ in range(2)]
    [[0], [1]]
    >>> queue.record(0, saved=5.0, seconds=0.1)  # the first round saved 5: a second
    >>> queue.next().batches.tolist()
    [0]
    """

    def __init__(self, kinds: dict[str, list[IntArray]], rounds: int,
                 month: MonthRows | None = None, seed: int = 0) -> None:
        self.names = list(kinds)
        self.kinds = list(kinds.values())
        self.rounds = rounds
        self.month = month
        """The month's rows for every search taking from this queue (built once)."""
        n = len(self.kinds)
        self._rng = np.random.default_rng(seed)
        self._pos = [0] * n
        self._mark: list[int] = []
        """Where each kind's current round began (and ends)."""
        self._in_round: list[int] = []
        self._round: list[int] = []
        self._round_saved: list[float] = []
        self._ended: list[bool] = []
        self._new_rounds()
        self._tries = [0] * n
        self._saved = [0.0] * n
        self._seconds = [0.0] * n
        self._runs = [0.0] * n
        self._lock = threading.Lock()

    def next(self) -> _Pick | None:
        """The next neighbourhood; ``None`` when the search ends."""
        with self._lock:
            while True:
                live = [k for k in range(len(self.kinds)) if not self._ended[k]]
                if not live:
                    return None
                k = self._draw(live)
                if self._pos[k] >= len(self.kinds[k]):
                    self._pos[k] = 0
                if self._pos[k] == self._mark[k] and self._in_round[k] > 0:
                    # a whole round since the mark
                    self._round[k] += 1
                    if self._round[k] >= self.rounds or self._round_saved[k] <= EPS:
                        self._ended[k] = True
                        continue
                    self._round_saved[k], self._in_round[k] = 0.0, 0
                hood = self.kinds[k][self._pos[k]]
                self._pos[k] += 1
                self._in_round[k] += 1
                self._tries[k] += 1
                return _Pick(k, hood)

    def fresh(self, kinds: dict[str, list[IntArray]] | None = None) -> None:
        """Count every kind's rounds again from where it stands (a plan found elsewhere
        replaced the best one); ``kinds`` replaces the neighbourhoods of the kinds it
        names, which start from their first.

        A kind whose round saved nothing has ended; on a new plan its
        neighbourhoods may save again. Each kind's next round starts at its
        place in its list (the neighbourhoods after it have not been tried
        since the last round began) and comes round to it. On the 2,000-parcel
        month (seed 2026), whose whole MIP hands over a much cheaper plan
        while the crossings' days are searched, starting them from the first
        again left the plan at 78,150 in four runs of four (76,390-76,970
        going on from the place).

        Examples
        --------
        >>> queue = _HoodQueue({"single batches": [np.array([0]), np.array([1])]}, rounds=2)
        >>> [queue.next().batches.tolist() for _ in range(2)]
        [[0], [1]]
        >>> queue.next() is None  # the round saved nothing
        True
        >>> queue.fresh()
        >>> [queue.next().batches.tolist() for _ in range(2)]
        [[0], [1]]
        """
        with self._lock:
            for name, hoods in (kinds or {}).items():
                if name in self.names:
                    k = self.names.index(name)
                    self.kinds[k], self._pos[k] = hoods, 0
            self._new_rounds()

    def _new_rounds(self) -> None:
        """Each kind's first round, from where it stands; kinds without neighbourhoods end."""
        n = len(self.kinds)
        self._mark = [p % len(h) if h else 0 for p, h in zip(self._pos, self.kinds, strict=True)]
        self._in_round = [0] * n
        self._round = [0] * n
        self._round_saved = [0.0] * n
        self._ended = [not k for k in self.kinds]

    def record(self, kind: int, saved: float, seconds: float) -> None:
        """What one re-plan of ``kind`` saved, in ``seconds``."""
        with self._lock:
            self._round_saved[kind] += saved
            self._saved[kind] = HOOD_DECAY * self._saved[kind] + saved
            self._seconds[kind] = HOOD_DECAY * self._seconds[kind] + max(seconds, 1e-3)
            self._runs[kind] = HOOD_DECAY * self._runs[kind] + 1.0

    def summary(self) -> str:
        """How often each kind was tried, and what it saved per second lately."""
        with self._lock:
            return ", ".join(f"{n} {t} ({r:.4g}/s)" for n, t, r in zip(
                self.names, self._tries, self._rates(), strict=True))

    def _rates(self) -> list[float]:
        return [s / t if t > 0 else 0.0 for s, t in zip(self._saved, self._seconds, strict=True)]

    def _draw(self, live: list[int]) -> int:
        """The first kind in its first round; else one drawn by what it saves per second."""
        first = live[0]
        if (first == 0 and self._round[0] == 0) or len(live) == 1:
            return first  # the first kind's first round, in its order
        rates = np.array(self._rates())[live]
        runs = np.array(self._runs)[live]
        top = float(rates.max())
        share = np.ones(len(live)) if top <= 0 else np.maximum(rates, HOOD_FLOOR * top)
        share[runs <= 0] = share.max()  # a kind not tried yet: as good as the best
        # the rates share the time out; a kind of quick re-plans is drawn more often
        took = np.array(self._seconds)[live]
        known = runs > 0
        each = np.where(known, took / np.maximum(runs, 1e-9), 0.0)
        each[~known] = each[known].mean() if known.any() else 1.0
        weights = share / np.maximum(each, 1e-3)
        return live[int(self._rng.choice(len(live), p=weights / weights.sum()))]


class _Level1:
    def __init__(self, prob: ParcelProblem, options: SolveOptions, deadline: Deadline,
                 budget: float | None, borrow: float = 0.0, large: bool | None = None) -> None:
        self.prob = prob
        self.large = _beyond_mip(prob, None) if large is None else large
        """Whether the month is planned as one beyond the MIP's reach (:func:`_beyond_mip`;
        by default above :data:`MIP_MAX_PAIRS` options)."""
        self.options = options
        self.deadline = deadline
        self.t0 = deadline.elapsed()
        self.budget = budget
        self.borrow = borrow
        """Seconds past ``budget`` that the race of level 1's LPs may take from level 2
        (see :data:`LEVEL1_LP_BORROW`)."""
        self.notes: list[str] = []
        self.lp_seconds: float | None = None
        """Seconds the level-1 LP took, when it was solved."""
        self.lp_simplex = False
        """Whether that LP was solved by the dual simplex method (else the interior point one)."""
        self.lag: LagrangianBound | None = None
        """The best bound an LP's duals proved beyond the MIP's reach."""
        self.proven = math.inf
        """A bound proven beside the search's targets (the knapsack bound), which caps
        every bound reported."""

    def left(self) -> float | None:
        if self.budget is None:
            return None
        return max(0.0, self.budget - (self.deadline.elapsed() - self.t0))

    def report(self, value: float, bound: float) -> None:
        bound = max(value, min(bound, self.proven))  # (the targets may lie above it)
        self.options.report(Progress("parcels: delivered_priority", self.deadline.elapsed(),
                                     float(value), float(bound)))

    def solve(self) -> tuple[IntArray, LevelResult, _Level1Info]:
        prob = self.prob
        upper = prob.deliverable_priority()
        assign = greedy_assign(prob, Loads(prob))
        best = _value(prob, assign)
        self.report(best, upper)
        info = _Level1Info(None, None, None, None)
        if prob.unconstrained or best >= upper or prob.num_pairs == 0:
            return assign, LevelResult(float(best), float(upper), 0.0, ["greedy"]), info
        if self.deadline.passed():
            # the greedy plan took the whole time: it is the plan, every parcel counted
            return assign, LevelResult(float(best), float(upper), 0.0,
                                       ["greedy", "time limit reached"]), info
        if prob.num_pairs > PDLP_MAX_PAIRS or (prob.num_pairs > LP_MAX_PAIRS
                                               and self.options.workers < 2):
            self.notes.append("too large for an LP: Lagrangian bound")
            return (*self._lagrangian(assign, best, upper, 0.9), info)
        hulls = _hulls(prob, prob.active)
        model, x, rows = _level1_model(prob, hulls)
        info.model, info.rows, info.x_cols = model, rows, x
        if self.large:
            pdlp = prob.num_pairs > LP_MAX_PAIRS
            if pdlp:
                # too large for the interior point LP in time: PDLP's loose duals beside the
                # subgradient steps, each proving a bound of its own
                self.notes.append("too large for an exact LP: Lagrangian and PDLP bounds")
            assign, result = self._large(model, x, assign, best, upper, pdlp=pdlp)
            info.lagrange = self.lag
            return assign, result, info
        lp = solve_lp(model, time_limit=self._share(0.5), threads=self.options.workers, ipm=True)
        self.lp_seconds = lp.seconds
        if lp.row_dual is None or lp.x is None:
            self.notes.append(f"LP {lp.status}: Lagrangian bound")
            return (*self._lagrangian(assign, best, upper, 0.9), info)
        # the LP's bound, and a plan that follows the LP
        assign, best, bound = self._take_lp(model, x, lp, assign, best, upper, False)
        lag = self.lag
        assert lag is not None  # the LP returned duals
        info.lagrange = lag
        if best >= bound:
            return assign, LevelResult(float(best), float(bound), 0.0, ["LP rounding"]), info
        # the targets start from the LP's bound, whose reduced-cost fixings are the strongest;
        # the knapsacks' bound holds beside them
        knapsacks = self._knapsacks(model, x, lag, best, bound)
        if best >= knapsacks:
            return assign, LevelResult(float(best), float(knapsacks), 0.0, self.notes), info
        assign, best, bound = self._search(model, x, lag, lp.x, assign, best, bound, knapsacks)
        return assign, LevelResult(float(best), float(bound), 0.0, self.notes), info

    def _knapsacks(self, model: MipModel, x: IntArray, lag: LagrangianBound, best: int,
                   bound: int) -> int:
        """The LP's duals priced again with each batch's capacity kept, in whole parcels.

        The LP may fill a batch with part of a parcel; at the same duals,
        :func:`~parcelroute.parcels.mip.knapsack_bound` fills every batch with
        whole parcels only (a knapsack per batch), which may prove a lower
        bound. It gets :data:`KNAPSACK_SHARE` of the level's time left.
        The targets of :meth:`_search` still start from the LP's bound: its
        reduced-cost fixings are the tightest, and on independent 2,000-parcel
        months starting from the knapsacks' bound proved fewer targets out of
        reach (a bound of 565,399 instead of 564,037 at 10 s).
        """
        if KNAPSACK_SHARE <= 0:
            return bound
        block = np.full(model.num_cols, -1, np.int64)
        block[x] = self.prob.pair_batch
        out = knapsack_bound(model, lag.multiplier, block,
                             time_limit=self._share(KNAPSACK_SHARE))
        if math.isfinite(out.bound) and floor_bound(out.bound) < bound:
            bound = max(best, floor_bound(out.bound))
            self.proven = bound
            self.notes.append(f"knapsack bound ({out.solved} of {out.blocks} batches)")
            self.report(best, bound)
        return bound

    def _large(self, model: MipModel, x: IntArray, assign: IntArray, best: int, upper: int, *,
               pdlp: bool) -> tuple[IntArray, LevelResult]:
        """Level 1 beyond the MIP's reach: subgradient, LP and PDLP bounds, rounding and
        neighbourhood MIPs.

        With two workers or more the LP (the interior point method, or PDLP's
        loose solve when ``pdlp``) runs on a thread of its own and gets nearly
        the whole budget. Beside PDLP this core takes the subgradient steps.
        Beside the interior point LP (which may not finish in time) it solves
        PDLP's approximate LP (the subgradient steps only if that returns
        nothing), then re-plans one neighbourhood after another for more
        priority until the LP returns. Where PDLP is not expected to end in its
        share, or the priorities spread too widely for it, the LP is solved by
        the dual simplex method instead (:data:`LEVEL1_SIMPLEX`), this core
        takes the subgradient steps and neighbourhoods until it returns, and
        the neighbourhoods guided by the LP's values take the time it leaves.
        Every LP that returns duals proves a bound (through the Lagrangian)
        and is rounded to a plan.
        With one worker the subgradient steps go first and the LP gets what
        is left. The interior point LP is stopped once the plan reaches the
        bound (or the accepted gap); PDLP cannot be stopped (HiGHS 1.16's PDLP
        calls no interrupt callback) and is awaited.
        """
        self.lag = None
        threads = self.options.workers
        if threads < 2:
            assign, quick = self._lagrangian(assign, best, upper, 0.15)
            best, upper = int(quick.value), int(quick.bound)
            if best < upper:
                lp = solve_lp(model, time_limit=self._share(0.95), threads=threads, ipm=True,
                              pdlp=pdlp)
                assign, best, upper = self._take_lp(model, x, lp, assign, best, upper, pdlp)
            return assign, LevelResult(float(best), float(upper), 0.0, self.notes)
        cancel = threading.Event()
        # one HiGHS thread: the other core is the subgradient steps' and the MIPs'
        prepare_threads(1)
        left_then, lp_limit = self.left(), self._share(0.9)
        # the neighbourhood MIPs end when the LP's time does
        stop_at = None if left_then is None or lp_limit is None else left_then - lp_limit
        beside = None if pdlp else self._share(PDLP_BESIDE_SHARE)
        no_pdlp = not pdlp and beside is not None and (not _pdlp_ends(
            LEVEL1_PDLP_SECONDS_PER_OPTION, self.prob.num_pairs, beside)
            or _priority_ratio(self.prob) > LEVEL1_PDLP_MAX_PRIORITY_RATIO)
        if LEVEL1_RACE and not pdlp and lp_limit is not None and \
                LEVEL1_LP_SECONDS_PER_OPTION * self.prob.num_pairs <= lp_limit:
            return self._race(model, x, assign, best, upper, lp_limit, stop_at)
        simplex = no_pdlp and LEVEL1_SIMPLEX
        job = _in_background(partial(solve_lp, model, time_limit=lp_limit, threads=1,
                                     ipm=not simplex, cancel=cancel, pdlp=pdlp))
        guide: FloatArray | None = None
        try:
            if no_pdlp:
                self.notes.append("PDLP beside would not finish")
                if simplex:
                    self.notes.append("dual simplex LP")
            elif not pdlp:
                # PDLP's approximate LP first: its bound and rounding are far better than the
                # subgradient steps', which only run if it returns nothing; not for much
                # longer than expected, so that what a PDLP that does not end takes is less
                if beside is not None:
                    beside = min(beside, LEVEL1_PDLP_CAP * LEVEL1_PDLP_SECONDS_PER_OPTION
                                 * self.prob.num_pairs)
                side = solve_lp(model, time_limit=beside, threads=1, pdlp=True,
                                pdlp_options=PDLP_TIGHT_TOLERANCES, cancel=cancel)
                assign, best, upper = self._take_lp(model, x, side, assign, best, upper, True)
                if side.x is not None and side.row_dual is not None:
                    guide = side.x[x]
            if guide is None and not self._level_done(best, upper):
                # beside the main LP's PDLP, a share (or, below STEPS_BESIDE_PDLP_MAX_PAIRS,
                # until it returns); after a PDLP that returned nothing, most of what is left:
                # the steps' bound is then the level's, unless the LP returns
                if not pdlp:
                    fraction, until = STEPS_AFTER_PDLP_SHARE, (job.done if simplex else None)
                elif self.prob.num_pairs <= STEPS_BESIDE_PDLP_MAX_PAIRS:
                    fraction, until = 0.9, job.done
                else:
                    fraction, until = 0.15, None
                assign, quick = self._lagrangian(assign, best, upper, fraction, until)
                best, upper = int(quick.value), int(quick.bound)
            if not pdlp and not self._level_done(best, upper):
                # (not beside PDLP's own solve: it shares the memory bandwidth and slows down,
                # and its rounding at that volume outdoes what the MIPs reach before it ends)
                assign, best = self._improve(assign, best, upper, job.done, stop_at, guide)
        except BaseException:
            cancel.set()
            raise
        if self._level_done(best, upper):
            cancel.set()
        lp = job.result()
        assign, best, upper = self._take_lp(model, x, lp, assign, best, upper, pdlp, simplex)
        if simplex and lp.x is not None and not self._level_done(best, upper):
            # the simplex LP often returns with much of the level's time left: neighbourhoods
            # guided by its values, until the LP's time would have ended
            assign, best = self._improve_both(assign, best, upper, stop_at, lp.x[x])
        return assign, LevelResult(float(best), float(upper), 0.0, self.notes)

    def _race(self, model: MipModel, x: IntArray, assign: IntArray, best: int, upper: int,
              lp_limit: float, stop_at: float | None) -> tuple[IntArray, LevelResult]:
        """Level 1's LP by the dual simplex and the interior point methods side by side
        (one core each, within ``lp_limit``), the first to return stopping the other;
        then the neighbourhoods its values guide, until ``stop_at`` seconds are left.

        Either method may be several times faster than the other (see
        :data:`LEVEL1_RACE`). When neither has returned by ``lp_limit`` they go on
        for :attr:`borrow` seconds more, taken from level 2 (the neighbourhoods then
        have no time left). Should neither return even so, the subgradient steps
        bound the level, for as long as they would have had without the borrowed time.
        """
        stop_simplex, stop_ipm = threading.Event(), threading.Event()
        steps = self._share(0.1 * 0.9)  # (the steps' time, should neither LP return)
        lp_limit += self.borrow
        job = _in_background(partial(solve_lp, model, time_limit=lp_limit, threads=1,
                                     ipm=False, cancel=stop_simplex))

        def returned(done: Future[MipOutcome]) -> None:
            """The simplex LP's end stops the other, if it brings duals."""
            if done.exception() is None and done.result().row_dual is not None:
                stop_ipm.set()

        job.add_done_callback(returned)
        try:
            ipm = solve_lp(model, time_limit=lp_limit, threads=1, ipm=True, cancel=stop_ipm)
        except BaseException:
            stop_simplex.set()
            raise
        if ipm.row_dual is not None and ipm.x is not None:
            stop_simplex.set()  # (the other may end on its own meanwhile, and is then kept)
        lp = job.result()
        simplex = lp.row_dual is not None and lp.x is not None
        if not simplex:
            lp = ipm
        self.notes.append("race: the dual simplex LP" if simplex
                          else "race: the interior point LP" if lp.row_dual is not None
                          else "race: neither LP in time")
        assign, best, upper = self._take_lp(model, x, lp, assign, best, upper, False, simplex)
        if lp.x is None or lp.row_dual is None:
            # (as long as they would have had without the time borrowed)
            assign, quick = self._lagrangian(assign, best, upper, 0.9, seconds=steps)
            return assign, quick
        if not self._level_done(best, upper):
            assign, best = self._improve_both(assign, best, upper, stop_at, lp.x[x])
        return assign, LevelResult(float(best), float(upper), 0.0, self.notes)

    def _take_lp(self, model: MipModel, x: IntArray, lp: MipOutcome, assign: IntArray,
                 best: int, bound: int, pdlp: bool, simplex: bool = False
                 ) -> tuple[IntArray, int, int]:
        """The bound an LP's duals prove and the plan its rounding gives, where better."""
        name = "PDLP" if pdlp else "LP"
        if lp.row_dual is None or lp.x is None:
            self.notes.append(f"{name} {lp.status}")
            return assign, best, bound
        if not pdlp:
            self.lp_seconds = lp.seconds
            self.lp_simplex = simplex
        lag = lagrangian_bound(model, lp.row_dual, best_choice=pdlp)
        if math.isfinite(lag.bound) and floor_bound(lag.bound) < bound:
            bound = max(best, floor_bound(lag.bound))
            self.notes.append(f"{name} bound")
        if self.lag is None or lag.bound < self.lag.bound:
            self.lag = lag
        cand = round_fractional(self.prob, lp.x[x])
        if _value(self.prob, cand) > best:
            assign, best = cand, _value(self.prob, cand)
            self.notes.append(f"{name} rounding")
        bound = max(best, bound)
        self.report(best, bound)
        return assign, best, bound

    def _improve(self, assign: IntArray, best: int, bound: int, stop: Callable[[], bool],
                 stop_at: float | None, guide: FloatArray | None = None,
                 ) -> tuple[IntArray, int]:
        """Re-plan a neighbourhood at a time for more delivered priority until ``stop()``.

        Each neighbourhood is every batch inspected at one crossing point on one
        day (whose limit the origins share), or every batch of one origin leaving
        on one day; the parcels that could ride one of them may move among them
        (or stay where they are). With ``guide`` (an LP's value of every option) each round
        takes first the neighbourhoods whose batches carry the most priority
        in the LP beyond what they carry in the plan. Stops when ``stop()``
        is true, the level's time left falls to ``stop_at``, the plan reaches
        the bound or the accepted gap, or a round brings nothing.
        """
        prob = self.prob
        hoods = self._hoods()
        month = MonthRows(prob)
        count = 0
        for _ in range(LNS_ROUNDS):
            before = best
            if guide is not None:
                hoods = self._by_guide(hoods, assign, guide)
            for hood in hoods:
                left = self.left()
                seconds = None if left is None or stop_at is None else left - stop_at
                if stop() or self._level_done(best, bound) or (
                        seconds is not None and seconds <= 0.05):
                    self.notes.append(f"{count} neighbourhood MIPs")
                    return assign, best
                cand = local_replan(prob, assign, hood, None, threads=1, seed=self.options.seed,
                                    time_limit=LEVEL1_LNS_SECONDS if seconds is None else
                                    min(LEVEL1_LNS_SECONDS, seconds), month=month)
                count += 1
                if cand is not None and _value(prob, cand) > best and _plan_ok(prob, cand):
                    assign, best = cand, _value(prob, cand)
                    self.report(best, bound)
            if best <= before:
                break
        self.notes.append(f"{count} neighbourhood MIPs")
        return assign, best

    def _hoods(self) -> list[IntArray]:
        """Level 1's neighbourhoods: each crossing's day, then each origin's day."""
        prob = self.prob
        return crossing_day_hoods(prob) + origin_day_hoods(
            prob, np.ones(prob.num_batches, bool), self.options.seed)

    def _by_guide(self, hoods: list[IntArray], assign: IntArray, guide: FloatArray
                  ) -> list[IntArray]:
        """``hoods``, those whose batches carry the most priority in the LP (``guide``, its
        value of every option) beyond what they carry in the plan first."""
        prob = self.prob
        pri = prob.priority[prob.pair_parcel].astype(np.float64)
        chosen = assign[assign >= 0]
        room = (np.bincount(prob.pair_batch, weights=pri * guide, minlength=prob.num_batches)
                - np.bincount(prob.pair_batch[chosen], weights=pri[chosen],
                              minlength=prob.num_batches))
        gain = np.array([room[h].sum() for h in hoods])
        return [hoods[k] for k in np.argsort(-gain, kind="stable").tolist()]

    def _improve_both(self, assign: IntArray, best: int, bound: int, stop_at: float | None,
                      guide: FloatArray) -> tuple[IntArray, int]:
        """:meth:`_improve` with ``guide`` on every worker: the neighbourhoods of each round
        are handed out one at a time to a search per worker, and each keeps the changes
        of its own re-plans only (the merged plan is checked against every rule)."""
        workers = self.options.workers if LEVEL1_PARALLEL_LNS else 1
        if workers < 2:
            return self._improve(assign, best, bound, lambda: False, stop_at, guide)
        prob = self.prob
        hoods = self._hoods()
        month = MonthRows(prob)
        lock = threading.Lock()
        state = _Shared(assign, best)

        def search(queue: Iterator[IntArray]) -> None:
            while True:
                left = self.left()
                seconds = None if left is None or stop_at is None else left - stop_at
                with lock:
                    base, value = state.assign, state.best
                    hood = next(queue, None)
                if hood is None or self._level_done(value, bound) or (
                        seconds is not None and seconds <= 0.05):
                    return
                cand = local_replan(prob, base, hood, None, threads=1, seed=self.options.seed,
                                    time_limit=LEVEL1_LNS_SECONDS if seconds is None else
                                    min(LEVEL1_LNS_SECONDS, seconds), month=month)
                with lock:
                    state.count += 1
                    if cand is None:
                        continue
                    moved = cand != base
                    merged = state.assign.copy()
                    merged[moved] = cand[moved]
                    gain = _value(prob, merged)
                    if gain > state.best and _plan_ok(prob, merged):
                        state.assign, state.best = merged, gain
                        self.report(gain, bound)

        for _ in range(LNS_ROUNDS):
            before = state.best
            queue = iter(self._by_guide(hoods, state.assign, guide))
            side = _in_background(partial(search, queue))
            try:
                search(queue)
            finally:
                side.result()
            left = self.left()
            if state.best <= before or (
                    left is not None and stop_at is not None and left - stop_at <= 0.05):
                break
        self.notes.append(f"{state.count} neighbourhood MIPs on {workers} workers")
        return state.assign, state.best

    def _level_done(self, best: int, bound: int) -> bool:
        """Whether the plan reaches the bound, or the accepted relative gap."""
        gap = self.options.relative_gap
        return best >= bound or (gap > 0 and bound - best <= gap * max(abs(best), 1e-9))

    def _lagrangian(self, assign: IntArray, best: int, upper: int, fraction: float,
                    until: Callable[[], bool] | None = None, seconds: float | None = None,
                    ) -> tuple[IntArray, LevelResult]:
        """A subgradient bound and the plan its reduced costs lead to (any volume).

        The steps take ``fraction`` of the level's time left at most (at
        least ``seconds``), and stop early once ``until()`` is true.
        """
        prob = self.prob
        limit = self._share(fraction)
        if limit is not None and seconds is not None:
            limit = max(limit, seconds)
        out = subgradient_bound(prob, target=float(best), time_limit=limit,
                                should_stop=lambda bound: bound < best + 1 - EPS or (
                                    until is not None and until()))
        bound = min(upper, floor_bound(out.bound))
        self.report(best, max(best, bound))
        pri = prob.priority[prob.pair_parcel].astype(np.float64)
        rc = out.reduced_cost
        rounders: list[Callable[[], IntArray]] = [
            lambda: greedy_assign(prob, Loads(prob), rc),
            lambda: round_fractional(prob, np.where(rc > 0, rc / np.maximum(pri, 1.0), 0.0))]
        for rounder in rounders:
            if self.deadline.passed():
                break  # (each takes seconds on 200,000 parcels)
            cand = rounder()
            if _value(prob, cand) > best and _plan_ok(prob, cand):
                assign, best = cand, _value(prob, cand)
                self.report(best, max(best, bound))
        self.notes.append(f"Lagrangian bound after {out.iterations} steps")
        return assign, LevelResult(float(best), float(max(best, bound)), 0.0, self.notes)

    def _share(self, fraction: float) -> float | None:
        left = self.left()
        return None if left is None else max(0.05, left * fraction)

    def _search(self, model: MipModel, x: IntArray, lag: LagrangianBound, x_lp: FloatArray,
                assign: IntArray, best: int, target: int,
                cap: int | None = None) -> tuple[IntArray, int, int]:
        """Reduced-cost fixing for a target value, lowered until it is reached or time runs out.

        Every plan worth at least the target keeps the fixings, so the MIP over
        what is left (capped at the bound proven so far) either reaches the
        bound, or finds the best plan worth the target or more (the optimum),
        or proves that no plan is worth the target: the bound then drops below
        it, and the next targets are ``s``, ``3 s``, ``7 s``, ... below each
        new bound (0, 1, 3, ... when ``s`` is 1), ``s`` being a share of the
        gap to the best plan (:func:`_ladder_step`): a bound far above the
        optimum, as large priorities can leave it, takes few steps. ``cap``,
        a bound proven otherwise (:meth:`_knapsacks`), caps the bound once the
        first target is proven out of reach, and the level's bound at the end.

        A RENS model (the options the LP all but decided kept as it decided
        them) and neighbourhood MIPs (:meth:`_improve`) improve the plan: with
        two workers and a time limit on the other core, beside the search
        (RENS first, for :data:`SIDE_RENS_SHARE` of the time; whichever
        reaches the target first stops the other), else before it
        (neighbourhood MIPs first, for at most :data:`SIDE_LNS_SHARE`, and
        only with a time limit: without one the search runs to its proof). On
        months whose LP bound is far above the optimum the search rarely finds
        a plan in time, and the plan is theirs: on an independent 2,000-parcel
        month with crossings of 30 parcels a day, 3,869 priority with the
        neighbourhood MIPs (1.5 s of them), against 3,811 from the search and
        RENS alone in 4.6 s.
        """
        prob = self.prob
        rc = lag.reduced_cost
        lo, hi = model.lower.copy(), model.upper.copy()
        xl = x_lp[x]
        lo[x] = np.where(xl > 1 - RENS_TOLERANCE, 1.0, 0.0)
        hi[x] = np.where(xl < RENS_TOLERANCE, 0.0, 1.0)
        side: _Beside | None = None
        if self.options.workers >= 2 and self.left() is not None:
            side = _Beside(self, model, x, lo, hi, target, assign, best)
        else:
            left = self.left()
            if left is not None:
                # (without a time limit the search runs to its proof: no need for them)
                assign, best = self._improve(assign, best, target, lambda: False,
                                             (1 - SIDE_LNS_SHARE) * left)
            out = self._mip(model, lo, hi, None, self._share(0.15), target)
            assign, best = self._take(out, x, assign, best, target)
        # `upper`: no plan delivers more (proven); `target`: every plan worth at least
        # `target` keeps the fixings of the model solved next, which is capped at `upper`
        upper, failed, step = target, 0, 0
        cap = target if cap is None else cap
        try:
            while best < min(upper, cap):
                if side is not None and side.job.done():
                    assign, best = side.take(assign, best)
                    if best >= upper:
                        self.notes.append(f"optimal at target {upper} (RENS)")
                        break
                gap = _fixing_gap(lag.bound, target)
                lo, hi = model.lower.copy(), model.upper.copy()
                hi[x[rc[x] < -gap - EPS]] = 0.0
                lo[x[rc[x] > gap + EPS]] = 1.0
                start = np.zeros(model.num_cols)
                start[x] = _pairs_from_assign(prob, assign)
                feasible_start = bool(np.all(start[x] >= lo[x]) and np.all(start[x] <= hi[x]))
                left = self.left()
                if left is not None and left <= 0.05:
                    self.notes.append("time limit")
                    break
                out = self._mip(model, lo, hi, start if feasible_start else None, left, upper,
                                cancel=None if side is None else side.found)
                assign, best = self._take(out, x, assign, best, upper)
                if side is not None and side.found.is_set():
                    assign, best = side.take(assign, best)
                if best >= upper:
                    self.notes.append(f"optimal at target {upper}")
                    break
                if out.x is not None and out.value >= max(target, best + 1) - 0.5:
                    # (a plan the MIP proves or reaches, at least `target`, that failed the check)
                    self.notes.append("a solution at the target failed the plan check")
                    break
                if out.infeasible or out.optimal:
                    if best >= target:
                        # no plan in the model beats it, and none outside is worth `target`
                        upper = best
                        self.notes.append(f"optimal at {best}, proven from target {target}")
                        break
                    # no plan is worth `target`; the next targets are s, 3 s, 7 s, ... (0, 1,
                    # 3, ... when s is 1) below the new `upper` (each next model holds every
                    # plan up to it)
                    self.notes.append(f"target {target} proven impossible")
                    upper = target - 1
                    if cap < upper:
                        upper = cap
                        if best >= upper:
                            self.notes.append(f"optimal at {best}, proven by the knapsack bound")
                            break
                    if step == 0:
                        step = _ladder_step(upper, best)
                        if step > 1:  # T - 1 would be proven out of reach much as T was
                            failed = 1
                    target = max(best + 1, upper - step * (2**failed - 1))
                    failed += 1
                    self.report(best, upper)
                    continue
                # time ran out: a plan outside the model is worth less than `target`
                if math.isfinite(out.bound):
                    upper = min(upper, max(target - 1, floor_bound(out.bound)))
                self.notes.append(f"stopped: {out.status}")
                break
        finally:
            if side is not None:
                side.cancel.set()
                assign, best = side.take(assign, best)
        if cap < upper:
            self.notes.append("the knapsack bound stands")
            upper = cap
        return assign, best, max(upper, best)

    def _take(self, out: MipOutcome, x: IntArray, assign: IntArray, best: int,
              target: int) -> tuple[IntArray, int]:
        """The MIP's plan if it checks out and is better than ``best``, else ``assign``."""
        if out.x is not None:
            cand = _assign_from_pairs(self.prob, out.x[x])
            if _value(self.prob, cand) > best and _plan_ok(self.prob, cand):
                assign, best = cand, _value(self.prob, cand)
                self.report(best, target)
        return assign, best

    def _mip(self, model: MipModel, lo: FloatArray, hi: FloatArray, start: FloatArray | None,
             time_limit: float | None, target: int,
             cancel: threading.Event | None = None) -> MipOutcome:
        """Solve with the objective capped at ``target`` (proven), by SCIP."""
        capped = model.copy()
        pri = model.cost
        capped.add_row(np.flatnonzero(pri != 0), pri[pri != 0], upper=float(target))
        return solve_scip(capped, time_limit=time_limit, seed=self.options.seed, start=start,
                          lower=lo, upper=hi, cancel=cancel)


def _ladder_step(upper: int, best: int) -> int:
    """The unit ``s`` of level 1's targets below the first (see :data:`LADDER_PARTS`).

    Examples
    --------
    >>> _ladder_step(2859, 2018), _ladder_step(2671, 2669), _ladder_step(2671, 2671)
    (420, 1, 1)
    """
    return max(1, (upper - best) // LADDER_PARTS) if LADDER_PARTS > 0 else 1


class _Beside:
    """Level 1's RENS MIP capped at ``target``, then its neighbourhood MIPs from the best
    plan known, on a thread of their own (``assign``, worth ``best``, to start with).

    The RENS MIP gets :data:`SIDE_RENS_SHARE` of the level's time left.
    ``found`` is set when they reach the target (the search beside them can
    stop); setting ``cancel`` stops them.
    """

    def __init__(self, level: _Level1, model: MipModel, x: IntArray, lo: FloatArray,
                 hi: FloatArray, target: int, assign: IntArray, best: int) -> None:
        self.cancel = threading.Event()
        self.found = threading.Event()
        self.plan, self.value = assign, best
        left = level.left()

        def run() -> None:
            out = level._mip(model, lo, hi, None, None if left is None else SIDE_RENS_SHARE * left,
                             target, cancel=self.cancel)
            self.plan, self.value = level._take(out, x, self.plan, self.value, target)
            if self.value < target and not self.cancel.is_set():
                self.plan, self.value = level._improve(self.plan, self.value, target,
                                                       self.cancel.is_set, 0.0)
            if self.value >= target:
                self.found.set()

        self.job = _in_background(run)

    def take(self, assign: IntArray, best: int) -> tuple[IntArray, int]:
        """The better of ``assign`` and the plan found here (waits for the work to end)."""
        self.job.result()
        return (self.plan, self.value) if self.value > best else (assign, best)


# -- level 2 ------------------------------------------------------------------------------
@dataclass
class _Fixing:
    """What every plan of the level-1 value must look like (proven from the level-1 duals)."""

    keep: BoolArray
    one: BoolArray
    forced: BoolArray
    cross_floor: dict[int, int]
    load_floor: dict[tuple[int, int], int]
    slack: float


def _fixing_gap(bound: float, target: float) -> float:
    """How much priority a plan worth ``target`` may lose against the LP's ``bound``.

    The bound is a float: the integer it proves allows for a relative tolerance
    (:func:`~parcelroute._integral.floor_bound`), so a target can lie above the float
    by that much (tens of units on priorities of millions). The same tolerance is
    allowed here, so reduced-cost fixing never cuts off a plan the bound allows, and
    fixing to 0 and to 1 never meet on one option.
    """
    return bound + TOLERANCE * max(1.0, abs(bound)) - target


def _fixing(prob: ParcelProblem, level1: int, info: _Level1Info) -> _Fixing:
    keep = np.ones(prob.num_pairs, bool)
    one = np.zeros(prob.num_pairs, bool)
    forced = np.zeros(prob.num_parcels, bool)
    cross_floor: dict[int, int] = {}
    load_floor: dict[tuple[int, int], int] = {}
    lag, rows = info.lagrange, info.rows
    if lag is None or rows is None or info.x_cols is None or not math.isfinite(lag.bound):
        return _Fixing(keep, one, forced, cross_floor, load_floor, math.inf)
    gap = _fixing_gap(lag.bound, level1)
    if gap < -EPS:  # cannot happen with a valid bound; stay safe
        return _Fixing(keep, one, forced, cross_floor, load_floor, math.inf)
    gap = max(gap, 0.0)
    rc = lag.reduced_cost[info.x_cols]
    keep = rc >= -gap - EPS
    one = rc > gap + EPS
    # a multiplier > 0 prices a row's upper side, < 0 its lower side (maximisation)
    mult = lag.multiplier
    pr = mult[rows.parcel_rows]
    forced[rows.parcels[pr > gap + EPS]] = True
    dead = np.zeros(prob.num_parcels, bool)
    dead[rows.parcels[pr < -gap - EPS]] = True
    keep &= ~dead[prob.pair_parcel]

    def slack_of(row: int) -> int | None:
        m = float(mult[row])
        if m <= EPS:
            return None
        return math.floor((gap + EPS) / m)

    for row, c in rows.crossing:
        s = slack_of(row)
        if s is not None:
            cross_floor[c] = prob.crossing_rows[c][2] - s
    for row, d, b in rows.capacity:
        s = slack_of(row)
        if s is not None:
            load_floor[(d, b)] = int(prob.dims[d].capacity[b]) - s
    return _Fixing(keep, one, forced, cross_floor, load_floor, gap)


def _loss_forcing(prob: ParcelProblem, level1: int, fix: _Fixing,
                  alive: BoolArray) -> tuple[BoolArray, list[tuple[IntArray, list[BoolArray]]]]:
    """Parcels forced by counting the priority any plan of value ``level1`` may still lose.

    Returns the forced parcels outside binding recipient rows and, for each
    binding recipient, its parcels and the sets it may still receive.
    """
    in_rec = np.zeros(prob.num_parcels, bool)
    best_total = 0
    rec_sets: list[tuple[IntArray, BoolArray | None, int, IntArray]] = []
    for _r, n_max, w_max, members in prob.recipient_rows:
        in_rec[members] = True
        mem = members[alive[members]]
        if len(mem) == 0:
            continue
        sets = _all_sets(prob.weight[mem], n_max, w_max)
        if sets is None:
            best_total += int(prob.priority[mem].sum())
            rec_sets.append((mem, None, 0, prob.priority[mem]))
            continue
        values = sets.astype(np.int64) @ prob.priority[mem]
        best_total += int(values.max())
        rec_sets.append((mem, sets, int(values.max()), values))
    free = alive & ~in_rec
    upper = best_total + int(prob.priority[free].sum())
    lose = upper - level1
    forced = free & ((prob.priority > lose) | fix.forced)
    out: list[tuple[IntArray, list[BoolArray]]] = []
    for mem, sets, vmax, values in rec_sets:
        if sets is None:
            continue
        ok = values >= vmax - lose
        must = fix.forced[mem]
        if must.any():
            ok &= np.all(sets[:, must], axis=1)
        if not ok.any():
            continue
        out.append((mem, [s for s in sets[ok]]))
    return forced, out


def _all_sets(weights: IntArray, n_max: int, w_max: int) -> BoolArray | None:
    """Every subset of a detainee's parcels that keeps both limits."""
    found = _subsets(weights, n_max, w_max)
    if found is None:
        return None
    _masks, bits, feasible = found
    out: BoolArray = bits[feasible]
    return out


def _routes(prob: ParcelProblem) -> IntArray:
    keys: dict[tuple[object, ...], int] = {}
    route = np.zeros(prob.num_batches, np.int64)
    for b, batch in enumerate(prob.scenario.batches):
        key = (batch.origin, batch.stops,
               None if batch.accepts is None else tuple(sorted(batch.accepts)))
        route[b] = keys.setdefault(key, len(keys))
    return route


@paused()  # (a set of routes per parcel)
def _window_cuts(prob: ParcelProblem, build: _Builder, forced: BoolArray,
                 rec_sets: list[tuple[IntArray, list[BoolArray]]],
                 max_cuts: int = 20_000) -> list[tuple[IntArray, int]]:
    """Cover inequalities ``sum(y_b, b in S) >= k`` over departure windows of route sets.

    ``S`` is every batch of a set of routes departing in a window of dates;
    the parcels that must be delivered and can only ride batches of ``S``
    need at least ``k`` of them in every capacity dimension (fewest batches
    of ``S`` whose capacities add up to the load). Detainees whose limits
    bind contribute the least load any set they may still receive puts there.
    """
    route = _routes(prob)
    dep = np.array([b.departs.toordinal() for b in prob.scenario.batches], np.int64)
    pp, pb = build.pp, build.pb
    if len(pp) == 0:
        return []
    starts = np.searchsorted(pp, np.arange(prob.num_parcels + 1))
    has = starts[1:] > starts[:-1]
    lo = np.full(prob.num_parcels, np.iinfo(np.int64).max, np.int64)
    hi = np.full(prob.num_parcels, np.iinfo(np.int64).min, np.int64)
    np.minimum.at(lo, pp, dep[pb])
    np.maximum.at(hi, pp, dep[pb])
    route_sets: dict[int, frozenset[int]] = {}
    for i in np.flatnonzero(has).tolist():
        route_sets[i] = frozenset(route[pb[starts[i]:starts[i + 1]]].tolist())
    per = np.stack([d.per_parcel for d in prob.dims])
    caps = np.stack([np.where(d.capacity < 0, np.inf, d.capacity.astype(np.float64))
                     for d in prob.dims])
    groups: set[frozenset[int]] = {route_sets[i] for i in np.flatnonzero(forced & has).tolist()}
    rec_groups: list[tuple[IntArray, BoolArray, frozenset[int]]] = []
    for mem, set_list in rec_sets:
        if not all(has[mem]):
            continue
        rs = frozenset().union(*(route_sets[i] for i in mem.tolist()))
        rec_groups.append((mem, np.array(set_list, bool), rs))
        groups.update(route_sets[i] for i in mem.tolist())
    forced_ids = np.flatnonzero(forced & has)
    cuts: list[tuple[IntArray, int]] = []
    seen: set[tuple[tuple[int, ...], int]] = set()
    for routes_r in sorted(groups, key=lambda g: sorted(g)):
        in_r = np.flatnonzero(np.isin(route, list(routes_r)))
        dates = np.unique(dep[in_r])
        nd = len(dates)
        members = np.array([i for i in forced_ids.tolist() if route_sets[i] <= routes_r],
                           np.int64)
        demand = np.zeros((3, nd, nd), np.int64)
        if len(members):
            a = np.searchsorted(dates, lo[members])
            c = np.searchsorted(dates, hi[members])
            for d in range(3):
                np.add.at(demand[d], (a, c), per[d, members])
        # demand[a, c] := load of parcels whose window lies in [dates[a], dates[c]]
        demand = np.flip(np.cumsum(np.flip(demand, axis=1), axis=1), axis=1)
        demand = np.cumsum(demand, axis=2)
        for mem, sets, rs in rec_groups:
            if not rs <= routes_r:
                continue
            a = np.searchsorted(dates, lo[mem])
            c = np.searchsorted(dates, hi[mem])
            ia = np.arange(nd)
            inside = (a[:, None, None] >= ia[None, :, None]) & \
                (c[:, None, None] <= ia[None, None, :])
            for d in range(3):
                load = sets.astype(np.int64) * per[d, mem][None, :]  # (sets, k)
                got = np.tensordot(load, inside.astype(np.int64), axes=(1, 0))  # (sets, nd, nd)
                demand[d] += got.min(axis=0)
        order_dep = dep[in_r]
        needed = _fewest_batches(np.searchsorted(dates, order_dep), caps[:, in_r], demand)
        has_need: BoolArray = np.any(demand, axis=0)
        for ai in range(nd):
            last_k = 0
            for ci in range(ai, nd):
                if not has_need[ai, ci]:
                    continue
                k = int(needed[ai, ci])
                if k > last_k:
                    window = in_r[(order_dep >= dates[ai]) & (order_dep <= dates[ci])]
                    key = (tuple(window.tolist()), k)
                    if key not in seen:
                        seen.add(key)
                        cuts.append((window, k))
                    last_k = k
                if len(cuts) >= max_cuts:
                    return cuts
    return cuts


#: :func:`_fewest_batches` works on at most this many (first date, last date, batch)
#: entries at a time (about 50 MB).
WINDOW_CHUNK = 2_000_000


def _fewest_batches(pos: IntArray, caps: FloatArray, demand: IntArray) -> IntArray:
    """For every window ``[a, c]`` of departure dates, the fewest of its batches whose
    capacities add up to the load ``demand[:, a, c]`` in every dimension (all of its
    batches where even they fall short; 0 where no load is due).

    ``pos[j]`` is the index of batch ``j``'s departure date and ``caps[:, j]`` its
    capacities (``inf`` where unlimited). All windows are counted at once, a block of
    first dates at a time, instead of sorting each window's capacities on its own.

    Examples
    --------
    >>> caps = np.array([[5.0, 3.0, 4.0], [np.inf] * 3, [1.0] * 3])
    >>> demand = np.zeros((3, 2, 2), np.int64)
    >>> demand[0, 0, 1], demand[0, 1, 1] = 8, 4
    >>> _fewest_batches(np.array([0, 1, 1]), caps, demand).tolist()
    [[0, 2], [0, 1]]
    >>> demand[0, 1, 1] = 99  # more than the window's batches carry: all of them
    >>> _fewest_batches(np.array([0, 1, 1]), caps, demand).tolist()
    [[0, 2], [0, 2]]
    """
    nd, m = demand.shape[1], len(pos)
    out = np.zeros((nd, nd), np.int64)
    if m == 0:
        return out
    dates = np.arange(nd)
    step = max(1, WINDOW_CHUNK // (nd * m))
    for a0 in range(0, nd, step):
        first = dates[a0:a0 + step]
        # inside[a, c, j]: batch j departs within [a, c]
        inside = (pos[None, None, :] >= first[:, None, None]) & \
            (pos[None, None, :] <= dates[None, :, None])
        k = np.zeros((len(first), nd), np.int64)
        for d in range(caps.shape[0]):
            need = demand[d, a0:a0 + step]
            if not (need > 0).any():
                continue
            load = -np.sort(-np.where(inside, caps[d][None, None, :], 0.0), axis=2)
            # fewest largest capacities that reach the need: (prefix sums below it) + 1
            short = (np.cumsum(load, axis=2) < need[:, :, None]).sum(axis=2) + 1
            k = np.maximum(k, np.where(need > 0, short, 0))
        out[a0:a0 + step] = np.minimum(k, inside.sum(axis=2))
    return out


def _flow_cover_rows(prob: ParcelProblem, build: _Builder, model: MipModel, x: IntArray,
                     y: IntArray, max_batches: int = FLOW_COVER_MAX_BATCHES) -> int:
    """Flow covers of each crossing: ``sum(x in C) + sum((n_b - excess)+ (1 - y_b)) <= capacity``.

    One per subset ``C`` of the batches crossing on a day, for days that at
    most ``max_batches`` cross (:data:`FLOW_COVER_MAX_BATCHES`). Returns
    how many were added.
    """
    added = 0
    count_cap = prob.dims[2].capacity
    for _node, _day, capacity, es in prob.crossing_rows:
        loc = build.local[es]
        loc = loc[loc >= 0]
        if len(loc) <= capacity or len(np.unique(loc)) < len(loc):
            continue  # (not derived for a batch that calls twice in a day)
        bs, cnt = np.unique(build.pb[loc], return_counts=True)
        if len(bs) > max_batches:
            continue
        size = {int(b): int(min(c, count_cap[b] if count_cap[b] >= 0 else c))
                for b, c in zip(bs.tolist(), cnt.tolist(), strict=True)}
        blist = list(size)
        for mask in range(1, 1 << len(blist)):
            cover = [blist[t] for t in range(len(blist)) if mask >> t & 1]
            excess = sum(size[b] for b in cover) - capacity
            if excess <= 0:
                continue
            coef = {b: size[b] - excess for b in cover if size[b] - excess > 0}
            if not coef:
                continue
            sel = loc[np.isin(build.pb[loc], cover)]
            ys = np.array(sorted(coef), np.int64)
            cs = np.array([coef[b] for b in ys.tolist()], np.float64)
            model.add_row(np.concatenate([x[sel], y[ys]]),
                          np.concatenate([np.ones(len(sel)), -cs]),
                          upper=float(capacity - cs.sum()))
            added += 1
    return added


def _parcel_cover_rows(build: _Builder, model: MipModel, y: IntArray, forced: BoolArray) -> int:
    """A parcel every plan delivers needs one of its batches operated: ``sum(y_b, b in B_i) >= 1``.

    One row per distinct set ``B_i`` of the batches a ``forced`` parcel may
    still ride. The capacity rows alone let a batch open in part carry a
    parcel whole. Returns how many were added.
    """
    pp, pb = build.pp, build.pb
    keep = forced[pp]
    if not keep.any():
        return 0
    fp, fb = pp[keep], pb[keep]
    starts = np.flatnonzero(np.r_[True, fp[1:] != fp[:-1]])
    sets = {tuple(np.unique(part).tolist()) for part in np.split(fb, starts[1:])}
    for batches in sorted(sets):
        model.add_row(y[np.array(batches, np.int64)], np.ones(len(batches)), lower=1.0)
    return len(sets)


class _Level2:
    def __init__(self, prob: ParcelProblem, options: SolveOptions, deadline: Deadline,
                 level1: _Level1 | None = None) -> None:
        self.first = level1
        self.prob = prob
        self.large = _beyond_mip(prob, None) if level1 is None else level1.large
        """Whether the month is planned as one beyond the MIP's reach (as level 1 was)."""
        self.options = options
        self.deadline = deadline
        self.notes: list[str] = []
        self.best = np.full(prob.num_parcels, -1, np.int64)
        self.best_cost = math.inf
        self.lower_bound = 0.0
        self.level1 = 0
        self.cost = prob.scaled_cost()
        # plans and bounds may come from two threads at once
        self._lock = threading.RLock()
        self._polish_seconds = 0.0
        self._mip_reserve = 0.0
        """Beyond the MIP's reach, the time the whole MIP leaves for reading the plan back
        (:meth:`_whole_mip_after`)."""
        self._window_cuts_for: tuple[tuple[bytes, bytes, int],
                                     list[tuple[IntArray, int]]] | None = None
        """The window cuts of the level's forcing (:meth:`_cuts`), with what they were
        found for."""
        self._queues: list[_HoodQueue] = []
        self.lp_duals: tuple[_Rows, FloatArray, int] | None = None
        """The last batch-cost LP's rows, row duals and level-1 value (:meth:`_lp_bound`):
        the subgradient steps' start (:func:`_cost_start`) when they go on from them."""

    def report(self, value: float, bound: float) -> None:
        p = self.prob
        self.options.report(Progress("parcels: batch_cost", self.deadline.elapsed(),
                                     p.unscale_cost(value), p.unscale_cost(bound)))

    def solve(self, assign: IntArray, level1: int,
              info: _Level1Info) -> tuple[IntArray, LevelResult]:
        prob = self.prob
        cost = prob.scaled_cost()
        if self.deadline.passed():
            # level 1 took the whole time: its plan, with no bound
            self.notes.append("time limit reached before level 2")
            return assign, self._result(_cost(prob, assign), 0.0)
        best = empty_batches(prob, assign)
        if _value(prob, best) < level1:
            best = assign
        # level 1's plan spreads its parcels with no thought of cost: the same parcels
        # placed again, cheapest first, often start the level far lower
        packed = repack(prob, assign) if REPACK and not self.deadline.passed() else None
        if packed is not None:
            packed = empty_batches(prob, packed)
            if _value(prob, packed) >= level1 and _cost(prob, packed) < _cost(prob, best):
                best = packed
        best_cost = _cost(prob, best)
        if prob.num_pairs == 0 or best_cost <= 0:
            return best, LevelResult(prob.unscale_cost(best_cost), prob.unscale_cost(best_cost))
        fix = _fixing(prob, level1, info)
        # the current plan must satisfy every fixing; if rounding noise says otherwise, drop them
        x_best = _pairs_from_assign(prob, best)
        if np.any((x_best > 0.5) & ~fix.keep) or np.any((x_best < 0.5) & fix.one):
            logger.debug("level-2 fixings disagree with the level-1 plan; not used")
            fix = _fixing(prob, level1, _Level1Info(None, None, None, None))
        alive = np.zeros(prob.num_parcels, bool)
        alive[prob.pair_parcel[fix.keep]] = True
        forced_free, rec_sets = _loss_forcing(prob, level1, fix, alive)
        forced = fix.forced | forced_free
        if np.any(forced & (best < 0)):
            logger.debug("level-2 forcing disagrees with the level-1 plan; not used")
            forced = np.zeros(prob.num_parcels, bool)
            forced_free = forced
            rec_sets = []
        lower_bound = self._trivial_bound(fix, forced)
        self.report(best_cost, lower_bound)
        if best_cost <= lower_bound + EPS or self.deadline.passed():
            return best, self._result(best_cost, lower_bound)
        if self.large:
            return self._large(best, best_cost, lower_bound, level1, fix, forced, forced_free,
                               rec_sets)
        model, x, y, build = self._model(fix, forced, forced_free, level1, rec_sets)
        self.best, self.best_cost, self.lower_bound = best, best_cost, lower_bound
        self.level1, self.cost = level1, cost
        left = self.deadline.left()
        self._polish_seconds = 0.0 if left is None else min(POLISH_MAX_SECONDS,
                                                            POLISH_SHARE * left)
        self._exact(model, x, y, build)
        left = self.deadline.left()
        if not self._done() and self.lower_bound <= lower_bound + EPS and left is not None \
                and self._polish_seconds > 0:
            # neither the whole MIP nor the LP beside it proved a bound in time (HiGHS' MIP
            # presolve alone took 13 s on a dense month of 1,062 batches): the subgradient
            # steps' bound, in half of the last pass's time
            self._take_lagrangian(cost_bound(prob, level1, target=self.best_cost,
                                             time_limit=0.5 * min(left, self._polish_seconds)))
        if not self._done() and self._polish_seconds > 0:
            self._local_search(least_filled_hoods(prob, self.best), self.deadline.left())
        self.report(self.best_cost, self.lower_bound)
        return self.best, self._result(self.best_cost, self.lower_bound)

    def _exact(self, model: MipModel, x: IntArray, y: IntArray, build: _Builder) -> None:
        """The whole level-2 model as a MIP from the best plan: plans and a proven bound.

        With two workers and a time limit, :meth:`_guided` runs beside it
        (each with every worker's thread); whichever closes the gap stops the
        other.
        """
        improved = partial(self._offer_solution, build, x)

        def stop(bound: float) -> bool:
            self._raise_bound(self._round_bound(bound))
            return self._done()

        threads = self.options.workers
        cancel = threading.Event()
        side: Future[None] | None = None
        if threads >= 2 and self.deadline.left() is not None:
            # both keep every thread: with one HiGHS thread instead of two the whole MIP
            # proved a 300-parcel month in over 60 s instead of 27 s (measured)
            prepare_threads(threads)
            side = _in_background(partial(self._guided, model, x, y, build, cancel, threads))
        try:
            out = solve_mip(model, time_limit=self._mip_left(),
                            relative_gap=self.options.relative_gap, threads=threads,
                            seed=self.options.seed, start=self._start(model, x, y, build),
                            on_solution=improved, stop=stop,
                            on_progress=lambda inc, bd: self.report(
                                self.best_cost, max(self.lower_bound, self._round_bound(bd))))
        finally:
            if side is not None:
                cancel.set()
                try:
                    side.result()
                except Exception:  # the guided MIP is optional: the whole MIP's answer stands
                    logger.exception("parcels: the LP-guided batch MIP failed")
        self.notes.append(f"MIP {out.status}")
        if out.x is not None:
            self._offer(_assign_from_pairs_local(self.prob, build, out.x[x]))
        if math.isfinite(out.bound):
            self._raise_bound(self._round_bound(out.bound))
        if out.optimal and not self._done():
            self._confirm(model, x, build)

    def _confirm(self, model: MipModel, x: IntArray, build: _Builder) -> None:
        """Prove the whole MIP's optimum where HiGHS' tolerance leaves the bound short of it.

        HiGHS prunes with a relative tolerance, and the bound keeps one
        (:func:`~parcelroute._integral.ceil_bound`): on costs of millions of
        units HiGHS can call a plan optimal one unit above a cheaper one
        (``tests/data/cent_costs_month.json``), and its bound proves less than
        its plan. The model is then solved again with its cost held one step
        below the best plan's: a plan found is kept and the search repeats below
        it; "infeasible" proves the best plan's cost, a proof without an
        incumbent, so without any pruning by the objective.
        """
        prob = self.prob
        if prob.cost_int is None:
            return
        cols = np.flatnonzero(model.cost)
        improved = partial(self._offer_solution, build, x)
        for _ in range(CONFIRM_ROUNDS):
            left = self._mip_left()
            if self._done() or (left is not None and left < CONFIRM_MIN_SECONDS):
                return
            best = self.best_cost
            model.add_row(cols, model.cost[cols], upper=best - prob.cost_step)
            out = solve_mip(model, time_limit=left, relative_gap=0.0,
                            threads=self.options.workers, seed=self.options.seed,
                            on_solution=improved)
            if out.infeasible:
                self._raise_bound(best)
                self.notes.append("optimum confirmed below HiGHS' tolerance")
                return
            if out.x is not None:
                self._offer(_assign_from_pairs_local(prob, build, out.x[x]))
            if self.best_cost >= best:  # nothing cheaper kept (time out, or a plan refused)
                return

    def _guided(self, model: MipModel, x: IntArray, y: IntArray, build: _Builder,
                cancel: threading.Event, threads: int) -> None:
        """The LP's proven bound, a MIP over the batches the LP operates, then neighbourhood MIPs.

        Batches the LP leaves closed stay closed and those it operates in
        full stay operated (a RENS model over the batches). On months whose
        LP bound is exact or nearly so, this finds the optimal plan much
        sooner than the whole MIP's own heuristics, and the LP bound proves
        it. That MIP gets at least :data:`GUIDED_SHARE` of the whole MIP's
        time; the rest, at most :data:`GUIDED_LNS_MAX_SECONDS`, goes to
        neighbourhood MIPs over the best plan known (the whole MIP's
        included), those of a crossing's day first. The LP gets at most
        :data:`GUIDED_LP_SHARE` of the whole MIP's time: one not back by
        then guides nothing, and the neighbourhood MIPs take the rest. Plans
        go to :meth:`_offer`; ``cancel`` stops it all; ``threads`` is HiGHS's
        thread count for the LP and the MIP.
        """
        left = self._mip_left()
        lp = solve_lp(model, time_limit=None if left is None else GUIDED_LP_SHARE * left,
                      threads=threads, ipm=False, cancel=cancel)
        if cancel.is_set():
            return
        if lp.x is not None and lp.row_dual is not None:
            lag = lagrangian_bound(model, lp.row_dual, best_choice=False)
            if math.isfinite(lag.bound):
                self._raise_bound(self._round_bound(lag.bound))
        if self._done():
            self.notes.append("LP bound closes the gap")
            return
        if lp.optimal and lp.x is not None:
            self._rens(model, x, y, build, lp.x[y], cancel, threads)
        else:
            self.notes.append(f"LP beside the MIP {lp.status}: no LP-guided batch MIP")
        left = self._mip_left()
        if left is None or cancel.is_set() or self._done():
            return
        # the rest of the whole MIP's time: neighbourhood MIPs over the best plan known,
        # which the whole MIP's plans join as they come
        used = np.zeros(self.prob.num_batches, bool)
        used[self.prob.pair_batch] = True
        hoods = {"crossing day": crossing_day_hoods(self.prob),
                 "least filled": least_filled_hoods(self.prob, self.best),
                 "origin day": origin_day_hoods(self.prob, used, self.options.seed)}
        self._local_search(_HoodQueue(hoods, LNS_ROUNDS, seed=self.options.seed), left,
                           threads=1, stop=cancel.is_set)

    def _rens(self, model: MipModel, x: IntArray, y: IntArray, build: _Builder, yv: FloatArray,
              cancel: threading.Event, threads: int) -> None:
        """The MIP over the batches the LP operates (``yv``: the LP's batch values)."""
        lo, hi = model.lower.copy(), model.upper.copy()
        hi[y[yv <= EPS]] = 0.0
        lo[y[yv >= 1 - EPS]] = 1.0
        start = self._start(model, x, y, build)
        inside = bool(np.all(start >= lo - EPS) and np.all(start <= hi + EPS))
        left = self._mip_left()
        # (its dual bound holds for the restricted model only: never used as a bound)
        out = solve_mip(model, time_limit=None if left is None else left - min(
                            (1 - GUIDED_SHARE) * left, GUIDED_LNS_MAX_SECONDS),
                        threads=threads, seed=self.options.seed, lower=lo, upper=hi,
                        start=start if inside else None,
                        on_solution=partial(self._offer_solution, build, x),
                        stop=lambda _bound: self._done(), cancel=cancel)
        if out.x is not None:
            self._offer(_assign_from_pairs_local(self.prob, build, out.x[x]))
        self.notes.append(f"LP-guided batch MIP {out.status}")

    def _large(self, best: IntArray, best_cost: float, lower_bound: float, level1: int,
               fix: _Fixing, forced: BoolArray, forced_free: BoolArray,
               rec_sets: list[tuple[IntArray, list[BoolArray]]]) -> tuple[IntArray, LevelResult]:
        """A month too large for one MIP: neighbourhood MIPs for plans, Lagrangian and LP bounds."""
        prob = self.prob
        self.best, self.best_cost, self.lower_bound = best, best_cost, lower_bound
        self.level1 = level1
        left = start_left = self.deadline.left()
        used = np.zeros(prob.num_batches, bool)
        used[prob.pair_batch] = True
        # single batches, the least filled first (the likeliest to close), whole days, and
        # runs of one route's batches (to move parcels along its dates)
        hoods = {"least filled": least_filled_hoods(prob, best),
                 "origin day": origin_day_hoods(prob, used, self.options.seed),
                 "route window": route_window_hoods(prob, used, self.options.seed)}
        lp_fits = prob.num_pairs <= LP_MAX_PAIRS and (
            left is None or self._lp_fits(left))
        # (a tenth of the time stays for reading the plan back at this volume)
        share = LP_SEARCH_SHARE if lp_fits else 0.9
        queue = _HoodQueue(hoods, LNS_ROUNDS, MonthRows(prob), self.options.seed)
        if self.options.workers >= 2:
            # neighbourhood MIPs on one thread, the bounds on the other (one HiGHS thread each;
            # when PDLP would not finish, the other searches too once the steps are done)
            t0 = self.deadline.elapsed()
            prepare_threads(1)
            job = _in_background(partial(self._local_search, queue,
                                         None if left is None else share * left, threads=1))
            try:
                # PDLP's loose LP where it may finish (a month the interior point LP cannot
                # serve); the subgradient steps otherwise. With a time limit the steps go
                # first, briefly, for a bound that holds even if PDLP does not finish
                use_pdlp = not lp_fits and prob.num_pairs <= PDLP_MAX_PAIRS and (
                    left is None or (1 - COST_FIRST_SHARE) * share * left >= LP_MIN_SECONDS)
                # in PDLP's place, the exact LP by the dual simplex method where it is
                # expected to end in time
                simplex = use_pdlp and left is not None and self._simplex_fits(
                    PDLP_OVERRUN * (1 - COST_FIRST_SHARE) * share * left)
                second = left is not None and use_pdlp and not simplex and not self._pdlp_fits(
                    (1 - COST_FIRST_SHARE) * share * left)
                if second:
                    use_pdlp = False
                if prob.num_pairs <= PDLP_MAX_PAIRS and not self.deadline.passed():
                    # the batches' bound first, in moments (an LP's model takes the same
                    # window cuts, found once)
                    self._cover_bound(fix, forced, forced_free, rec_sets)
                if left is not None and not self._done() and not self.deadline.passed():
                    lag = cost_bound(prob, level1, target=self.best_cost, time_limit=max(0.0, (
                        COST_FIRST_SHARE if use_pdlp else COST_NO_PDLP_SHARE if second
                        else 1.0) * share * left - (self.deadline.elapsed() - t0)))
                    self._take_lagrangian(lag)
                if second and left is not None:
                    # PDLP would not finish: this core searches beside the other one
                    self.notes.append("PDLP would not finish: a second neighbourhood search")
                    self._local_search(queue, share * left - (self.deadline.elapsed() - t0),
                                       threads=1)
                lp_value = 0.0
                if use_pdlp and not self._done():
                    spent = self.deadline.elapsed() - t0
                    lp_value = self._lp_bound(fix, forced, forced_free, level1, rec_sets,
                                          time_limit=None if left is None
                                          else PDLP_OVERRUN * max(0.0, share * left - spent),
                                          pdlp=not simplex, simplex=simplex)
                    first_seconds = self.deadline.elapsed() - t0 - spent
                    if lp_value > 0:
                        self._raise_bound(lp_value)
                        self.notes.append("dual simplex LP bound" if simplex else "PDLP bound")
                    rest = share * left - (self.deadline.elapsed() - t0) if left else 0.0
                    weak = left is not None and 0 < lp_value < WEAK_LP_RATIO * lag.bound \
                        and lag.iterations < WEAK_LP_MAX_FIRST_STEPS
                    if left is not None and lp_value > 0 and not simplex and not self._done() \
                            and PDLP_OVERRUN * rest >= PDLP_SECOND_FACTOR * first_seconds:
                        # time to spare: PDLP again, to a tighter tolerance (a better bound)
                        second_pdlp = self._lp_bound(fix, forced, forced_free, level1, rec_sets,
                                                     time_limit=PDLP_OVERRUN * rest, pdlp=True,
                                                     tolerances=PDLP_SECOND_TOLERANCES)
                        if second_pdlp > self.lower_bound:
                            self._raise_bound(second_pdlp)
                            self.notes.append("a second, tighter PDLP bound")
                        rest = share * left - (self.deadline.elapsed() - t0)
                    elif weak and left is not None and self.lp_duals is not None \
                            and rest >= LP_MIN_SECONDS and not self._done():
                        # no time for a second PDLP, and the steps' relaxation is the
                        # stronger one: the steps go on from the LP's duals
                        self._take_lagrangian(cost_bound(prob, level1, target=self.best_cost,
                                                         time_limit=rest,
                                                         start=_cost_start(prob, *self.lp_duals)))
                        self.notes.append("steps from the LP duals")
                        rest = share * left - (self.deadline.elapsed() - t0)
                    if rest >= LP_MIN_SECONDS and not self._done():
                        # the bound is in before the searches' time is up: this core joins
                        self.notes.append("a second neighbourhood search after the LP")
                        self._local_search(queue, rest, threads=1)
                if left is None and lp_value <= 0:
                    self._take_lagrangian(cost_bound(prob, level1, target=self.best_cost))
            finally:
                job.result()
        else:
            self._local_search(queue, None if left is None else LARGE_LNS_SHARE * left)
            if prob.num_pairs <= PDLP_MAX_PAIRS:
                self._cover_bound(fix, forced, forced_free, rec_sets)
            left = self.deadline.left()
            lag = cost_bound(prob, level1, target=self.best_cost,
                             time_limit=None if left is None else share * left)
            self._take_lagrangian(lag)
        left_now = self.deadline.left()
        if lp_fits and not self._done() and (left_now is None or left_now >= LP_MIN_SECONDS):
            self._raise_bound(self._lp_bound(fix, forced, forced_free, level1, rec_sets))
            self.notes.append("LP bound (too large for a MIP)")
        if start_left is not None:
            reserve = (1 - LARGE_SEARCH_END) * start_left
            self._search_to_end(queue, reserve=reserve)
            self._whole_mip_after(fix, forced, forced_free, level1, rec_sets, reserve)
        return self.best, self._result(self.best_cost, self.lower_bound)

    def _whole_mip_after(self, fix: _Fixing, forced: BoolArray, forced_free: BoolArray,
                         level1: int, rec_sets: list[tuple[IntArray, list[BoolArray]]],
                         reserve: float) -> None:
        """The whole MIP from the best plan, in the time the ended searches leave unused.

        Beyond the MIP's reach under a time limit, the neighbourhood search
        ends when a whole round of every kind saves nothing. Where the month
        is within :data:`MIP_MAX_PAIRS` options and at least
        :data:`AFTER_SEARCH_MIP_MIN_SECONDS` are left but ``reserve`` (kept
        for reading the plan back, as by the searches), that time goes to
        the whole MIP (:meth:`_exact`), for a cheaper plan and a proven bound.
        """
        left = self.deadline.left()
        if left is None or left - reserve < AFTER_SEARCH_MIP_MIN_SECONDS or self._done() \
                or self.prob.num_pairs > MIP_MAX_PAIRS:
            return
        self.notes.append("the whole MIP after the searches ended")
        model, x, y, build = self._model(fix, forced, forced_free, level1, rec_sets)
        self._mip_reserve = reserve
        self._exact(model, x, y, build)

    def _search_to_end(self, queue: _HoodQueue, reserve: float) -> None:
        """The time the bounds leave, but ``reserve`` seconds: more neighbourhood MIPs, on every worker.

        The batch-cost LP gets a share of the time, and ends sooner when it
        can (a 120 s solve of the 20,000-parcel month ended at 85 s); the
        searches take up ``queue`` where they left it.
        """
        left = self.deadline.left()
        if left is None or self._done():
            return
        budget = left - reserve
        if budget < LP_MIN_SECONDS:
            return
        if self.options.workers >= 2:
            prepare_threads(1)
            side = _in_background(partial(self._local_search, queue, budget, threads=1))
            try:
                self._local_search(queue, budget, threads=1)
            finally:
                side.result()
        else:
            self._local_search(queue, budget)

    def _lp_fits(self, left: float) -> bool:
        """Whether the batch-cost LP (interior point) is expected to end in the time it gets.

        It takes about :data:`LP_LEVEL2_FACTOR` times level 1's LP, and it gets
        :data:`LP_TIME_SHARE` of what the searches before it leave of ``left``.
        Compared with ``left`` itself, a 60 s solve of the 20,000-parcel month
        gave it 25 s where it needs 29 s, and ended with the subgradient bound
        (281,080) instead of PDLP's (308,300 at 20 s).
        """
        first = self.first
        if first is None or first.lp_seconds is None:
            return False
        gets = LP_TIME_SHARE * (1 - LP_SEARCH_SHARE) * left
        if first.lp_simplex:  # (then the dual simplex LP takes PDLP's place: _simplex_fits)
            return False
        return LP_LEVEL2_FACTOR * first.lp_seconds < gets

    def _simplex_fits(self, seconds: float) -> bool:
        """Whether the batch-cost LP is expected to end within ``seconds`` by the dual simplex
        method: only after level 1's LP was solved that way, in
        :data:`LP_LEVEL2_SIMPLEX_FACTOR` times its time."""
        first = self.first
        if first is None or first.lp_seconds is None or not first.lp_simplex:
            return False
        logger.debug("batch-cost LP by the dual simplex method: expected %.2f s, gets %.2f s",
                     LP_LEVEL2_SIMPLEX_FACTOR * first.lp_seconds, seconds)
        return LP_LEVEL2_SIMPLEX_FACTOR * first.lp_seconds <= seconds

    def _pdlp_fits(self, seconds: float) -> bool:
        """Whether the batch-cost LP's PDLP solve is expected to end within ``seconds``.

        Expected to take :data:`PDLP_SECONDS_PER_OPTION` per option, within
        :data:`PDLP_OVERRUN` of the time it may have.
        """
        return _pdlp_ends(PDLP_SECONDS_PER_OPTION, self.prob.num_pairs, seconds)

    def _take_lagrangian(self, lag: LagrangeOutcome) -> None:
        self._raise_bound(self._round_bound(lag.bound))
        self.notes.append(f"Lagrangian bound after {lag.iterations} steps")

    def _local_search(self, hoods: list[IntArray] | _HoodQueue, budget: float | None,
                      threads: int | None = None,
                      stop: Callable[[], bool] | None = None) -> None:
        """Re-plan one neighbourhood at a time with its own small MIP, keeping improvements.

        Each MIP gets ``threads`` HiGHS threads (by default every worker).
        ``hoods`` may be a :class:`_HoodQueue` that another search on another
        thread takes neighbourhoods from too; each then keeps the changes of
        its own re-plans only (see :meth:`_offer_change`). The search also
        ends when ``stop()`` is true.
        """
        queue = hoods if isinstance(hoods, _HoodQueue) else \
            _HoodQueue({"given": hoods}, LNS_ROUNDS, seed=self.options.seed)
        month = MonthRows(self.prob) if queue.month is None else queue.month
        workers = self.options.workers if threads is None else threads
        with self._lock:
            self._queues.append(queue)  # (a plan of the whole MIP starts its rounds again)
        try:
            self._search_queue(queue, month, budget, workers, stop)
        finally:
            with self._lock:
                self._queues.remove(queue)

    def _search_queue(self, queue: _HoodQueue, month: MonthRows, budget: float | None,
                      workers: int, stop: Callable[[], bool] | None) -> None:
        t0 = self.deadline.elapsed()
        count = 0
        while not self._done() and (stop is None or not stop()):
            spent = self.deadline.elapsed() - t0
            if budget is not None and spent >= budget:
                break
            pick = queue.next()
            if pick is None:
                break
            with self._lock:
                base = self.best
            seconds = LARGE_LNS_SECONDS if budget is None else \
                min(LARGE_LNS_SECONDS, budget - spent)
            began = self.deadline.elapsed()
            cand = local_replan(self.prob, base, pick.batches, self.level1, time_limit=seconds,
                                threads=workers, seed=self.options.seed, month=month)
            count += 1
            saved = 0.0 if cand is None else self._offer_change(base, cand)
            queue.record(pick.kind, saved, self.deadline.elapsed() - began)
        self.notes.append(f"{count} neighbourhood MIPs")
        if len(queue.names) > 1:
            logger.debug("neighbourhood MIPs by kind: %s", queue.summary())

    def _mip_left(self) -> float | None:
        """The whole MIP's time: what is left but the last pass's (see :data:`POLISH_SHARE`)
        and the time kept for reading the plan back beyond the MIP's reach."""
        left = self.deadline.left()
        return None if left is None else max(0.0, left - self._polish_seconds
                                             - self._mip_reserve)

    def _done(self) -> bool:
        return self.best_cost <= self.lower_bound + EPS or \
            self._gap_ok(self.best_cost, self.lower_bound)

    def _offer(self, cand: IntArray) -> bool:
        """Keep ``cand`` if it is a valid plan of the level-1 value that costs less."""
        prob = self.prob
        if _value(prob, cand) < self.level1 or not _plan_ok(prob, cand):
            return False
        c = _cost(prob, cand)
        with self._lock:
            if c < self.best_cost - EPS:
                self.best, self.best_cost = cand, c
                self.report(c, self.lower_bound)
                return True
        return False

    def _offer_change(self, base: IntArray, cand: IntArray) -> float:
        """:meth:`_offer` the best plan with the parcels ``cand`` moves from ``base`` moved;
        what it saves (0 when it is not kept).

        With one search at a time the best plan is still ``base`` and this is
        ``cand`` itself; a search on another thread may have changed other
        parcels meanwhile, and those changes stay (the merged plan is checked
        against every rule like any other).
        """
        with self._lock:
            moved = cand != base
            if not moved.any():
                return 0.0
            merged = self.best.copy()
            merged[moved] = cand[moved]
            before = self.best_cost
            return before - self.best_cost if self._offer(merged) else 0.0

    def _offer_solution(self, build: _Builder, x: IntArray, sol: FloatArray,
                        _value: float) -> None:
        """:meth:`_offer` the plan of a level-2 MIP solution (``x``: its option columns)."""
        if self._offer(_assign_from_pairs_local(self.prob, build, sol[x])):
            # the neighbourhood searches running count their rounds again on the new plan
            with self._lock:
                queues, best = list(self._queues), self.best
            if queues:
                fresh = {"least filled": least_filled_hoods(self.prob, best)}
                for queue in queues:
                    queue.fresh(fresh)

    def _raise_bound(self, bound: float) -> None:
        """Keep ``bound`` if it is a better proven lower bound than the one held."""
        with self._lock:
            if bound > self.lower_bound:
                self.lower_bound = bound
                self.report(self.best_cost, bound)

    def _start(self, model: MipModel, x: IntArray, y: IntArray, build: _Builder) -> FloatArray:
        start = np.zeros(model.num_cols)
        start[x] = _pairs_from_assign(self.prob, self.best)[build.pairs]
        start[y] = operated(self.prob, self.best).astype(np.float64)
        return self._lifted(model, start, x, build)

    def _gap_ok(self, value: float, bound: float) -> bool:
        gap = self.options.relative_gap
        return gap > 0 and value - bound <= gap * max(abs(value), 1e-9)

    def _round_bound(self, bound: float) -> float:
        if not math.isfinite(bound):
            return 0.0
        if self.prob.cost_int is not None:
            # every plan costs a multiple of the costs' common divisor
            step = self.prob.cost_step
            return float(step * ceil_bound(bound / step))
        return bound - EPS * max(1.0, abs(bound))

    def _result(self, value: float, bound: float) -> LevelResult:
        p = self.prob
        bound = min(value, max(0.0, bound))
        return LevelResult(p.unscale_cost(value), p.unscale_cost(bound), 0.0, self.notes)

    def _trivial_bound(self, fix: _Fixing, forced: BoolArray) -> float:
        """Batches that every plan must operate (a forced parcel with one option, fixed options)."""
        prob = self.prob
        must = np.zeros(prob.num_batches, bool)
        must[prob.pair_batch[fix.one]] = True
        kept = np.flatnonzero(fix.keep)
        n_opt = np.bincount(prob.pair_parcel[kept], minlength=prob.num_parcels)
        single = forced & (n_opt == 1)
        if single.any():
            sel = kept[single[prob.pair_parcel[kept]]]
            must[prob.pair_batch[sel]] = True
        return float(prob.scaled_cost()[must].sum())

    def _model(self, fix: _Fixing, forced: BoolArray, forced_free: BoolArray, level1: int,
               rec_sets: list[tuple[IntArray, list[BoolArray]]], *, cover_rows: bool = False
               ) -> tuple[MipModel, IntArray, IntArray, _Builder]:
        """The batch-cost model; with ``cover_rows`` (its LPs, :data:`PARCEL_COVERS`) a
        cover row per forced parcel too."""
        prob = self.prob
        build = _Builder(prob, fix.keep)
        model = MipModel(maximize=False)
        n = len(build.pairs)
        x = model.add_columns(np.zeros(n), lower=fix.one[build.pairs].astype(np.float64),
                              upper=np.ones(n))
        y_lower = np.zeros(prob.num_batches)
        y_lower[build.pb[fix.one[build.pairs]]] = 1.0
        y = model.add_columns(prob.scaled_cost(), lower=y_lower, upper=np.ones(prob.num_batches))
        rows = _Rows()
        build.parcel_rows(model, x, rows, forced)
        build.capacity_rows(model, x, y, rows, fix.load_floor)
        build.crossing_rows(model, x, rows, fix.cross_floor)
        build.recipient_rows(model, x, rows)
        build.hull_rows(model, x, _hulls(prob, build.alive))
        rows.priority = model.num_rows
        model.add_row(x, prob.priority[build.pp].astype(np.float64), lower=float(level1))
        cuts = self._cuts(build, forced_free, rec_sets)
        for window, k in cuts:
            model.add_row(y[window], np.ones(len(window)), lower=float(k))
        covers = _flow_cover_rows(prob, build, model, x, y)
        singles = _parcel_cover_rows(build, model, y, forced) if cover_rows else 0
        build.rows = rows
        note = (f"{len(cuts)} window cuts, {covers} flow covers, {singles} parcel covers, "
                f"{int(forced.sum())} forced, {n} of {prob.num_pairs} options")
        if note not in self.notes:  # the same model built again says nothing new
            self.notes.append(note)
        return model, x, y, build

    def _cuts(self, build: _Builder, forced_free: BoolArray,
              rec_sets: list[tuple[IntArray, list[BoolArray]]]) -> list[tuple[IntArray, int]]:
        """:func:`_window_cuts`, found once for the level's forcing and kept for every
        model built after (each build takes them again)."""
        key = (build.pairs.tobytes(), forced_free.tobytes(), id(rec_sets))
        if self._window_cuts_for is None or self._window_cuts_for[0] != key:
            self._window_cuts_for = (key, _window_cuts(self.prob, build, forced_free, rec_sets))
        return self._window_cuts_for[1]

    def _cover_bound(self, fix: _Fixing, forced: BoolArray, forced_free: BoolArray,
                     rec_sets: list[tuple[IntArray, list[BoolArray]]]) -> None:
        """The batch-cost bound of the batches alone: the cheapest batches that meet every
        window cut and every parcel cover (:func:`_parcel_cover_rows`).

        A relaxation of the batch-cost model with no option in it: a MIP of
        one column per batch, solved in at most :data:`COVER_SECONDS` (its
        dual bound holds when it stops). It proves a bound in moments where
        the LP of the whole model does not return in time (an independent
        month of 5,000 parcels and 217,000 options at 60 s: 3,181 instead of
        0, against a plan of 4,555), or does not run at all. Beyond the MIP's
        reach it runs first, up to :data:`PDLP_MAX_PAIRS` options; where
        forcing leaves no cut, it has no row and is not solved.
        """
        prob = self.prob
        build = _Builder(prob, fix.keep)
        model = MipModel(maximize=False)
        lower = np.zeros(prob.num_batches)
        lower[build.pb[fix.one[build.pairs]]] = 1.0
        y = model.add_columns(prob.scaled_cost(), lower=lower, upper=np.ones(prob.num_batches))
        cuts = self._cuts(build, forced_free, rec_sets)
        for window, k in cuts:
            model.add_row(y[window], np.ones(len(window)), lower=float(k))
        covers = _parcel_cover_rows(build, model, y, forced) if PARCEL_COVERS else 0
        if not cuts and not covers:
            return
        left = self.deadline.left()
        if left is not None and left < CONFIRM_MIN_SECONDS:
            return
        out = solve_mip(model, time_limit=COVER_SECONDS if left is None else
                        min(COVER_SECONDS, left), threads=1, seed=self.options.seed)
        if math.isfinite(out.bound) and out.bound > 0:
            self._raise_bound(self._round_bound(out.bound))
            self.notes.append(f"batch cover bound ({len(cuts)} cuts, {covers} parcel covers)")

    def _lifted(self, model: MipModel, start: FloatArray, x: IntArray,
                build: _Builder) -> FloatArray:
        """Complete a start with hull weights (each detainee: the set it receives)."""
        out = start.copy()
        hulls = _hulls(self.prob, build.alive)
        col = int(x[-1]) + 1 + self.prob.num_batches if len(x) else self.prob.num_batches
        delivered = np.zeros(self.prob.num_parcels, bool)
        delivered[build.pp[start[x] > 0.5]] = True
        for hull in hulls:
            if hull.sets is None or len(hull.sets) == 0:
                continue
            got = delivered[hull.members]
            holds = np.all(hull.sets[:, got], axis=1) if got.any() else \
                np.ones(len(hull.sets), bool)
            if holds.any():
                out[col + int(np.flatnonzero(holds)[0])] = 1.0
            col += len(hull.sets)
        del model
        return out

    def _lp_bound(self, fix: _Fixing, forced: BoolArray, forced_free: BoolArray, level1: int,
                  rec_sets: list[tuple[IntArray, list[BoolArray]]], *,
                  time_limit: float | None = None, pdlp: bool = False, simplex: bool = False,
                  tolerances: dict[str, float] | None = None) -> float:
        """The LP bound of the level-2 model, proven from its duals (0 when none come).

        By the interior point method in ``time_limit`` (default:
        :data:`LP_TIME_SHARE` of the time left) with every worker, with
        ``simplex`` by the dual simplex method on one thread, or with
        ``pdlp`` by PDLP's solve on one thread, to ``tolerances`` (default:
        :data:`~parcelroute.parcels.mip.PDLP_LOOSE_TOLERANCES`).
        ``time_limit`` counts from the call: building the model takes part of it.
        The LP's rows and duals go to :attr:`lp_duals`.
        """
        t0 = self.deadline.elapsed()
        model, _x, _y, build = self._model(fix, forced, forced_free, level1, rec_sets,
                                           cover_rows=PARCEL_COVERS)
        if time_limit is None:
            left = self.deadline.left()
            time_limit = None if left is None else LP_TIME_SHARE * left
        else:
            time_limit = time_limit - (self.deadline.elapsed() - t0)
            if time_limit <= 0:
                # building the model took the LP's time (HiGHS would still take its presolve's)
                return 0.0
        lp = solve_lp(model, time_limit=time_limit,
                      threads=1 if pdlp or simplex else self.options.workers,
                      ipm=not simplex, pdlp=pdlp and not simplex,
                      pdlp_options=(tolerances or PDLP_LOOSE_TOLERANCES) if pdlp else None)
        if lp.row_dual is None:
            return 0.0
        assert build.rows is not None
        self.lp_duals = (build.rows, lp.row_dual, level1)
        lag = lagrangian_bound(model, lp.row_dual, best_choice=pdlp)
        return self._round_bound(lag.bound) if math.isfinite(lag.bound) else 0.0


def _cost_start(prob: ParcelProblem, rows: _Rows, dual: FloatArray, level1: int) -> CostStart:
    """The batch-cost steps' start at a level-2 LP's row duals (see :func:`cost_bound`).

    HiGHS' duals of the minimisation: at least zero on the priority row (a
    lower limit), at most zero on the parcel, crossing and recipient rows
    (upper limits); each is scaled by its row's right-hand side. The duals of
    the other rows (capacity, hulls, cuts) are left out: any start gives a
    valid bound.
    """
    relaxed = RelaxedRows.of(prob, with_capacity=False)
    pi = np.zeros(prob.num_parcels)
    pi[rows.parcels] = np.maximum(0.0, -dual[rows.parcel_rows])
    sigma = np.zeros(relaxed.num_rows)
    assert relaxed.crossing is not None and relaxed.recipient is not None
    for row, c in rows.crossing:
        k = int(relaxed.crossing[c])
        if k >= 0:
            sigma[k] = max(0.0, -float(dual[row])) * prob.crossing_rows[c][2]
    for row, r, kind in rows.recipient:
        k = int(relaxed.recipient[r, kind])
        if k >= 0:
            sigma[k] = max(0.0, -float(dual[row])) * prob.recipient_rows[r][1 + kind]
    mu = max(0.0, float(dual[rows.priority])) * level1 if rows.priority >= 0 else 0.0
    return CostStart(mu, pi, sigma)


def _assign_from_pairs_local(prob: ParcelProblem, build: _Builder, xval: FloatArray) -> IntArray:
    full = np.zeros(prob.num_pairs)
    full[build.pairs] = xval
    return _assign_from_pairs(prob, full)


def solve_parcels(scenario: Scenario, options: SolveOptions, deadline: Deadline) -> PartOutcome:
    """Allocate every parcel of ``scenario`` to a batch or say why it stays.

    Parameters
    ----------
    scenario : Scenario
    options : SolveOptions
    deadline : Deadline
        The parcels' deadline (what is left of the solve's, in the parcel half).

    Returns
    -------
    PartOutcome
        ``delivered_priority`` and ``batch_cost`` with their bounds, one record
        per parcel and per batch.

    Examples
    --------
    >>> import parcelroute as pr
    >>> from parcelroute.options import Deadline, SolveOptions
    >>> b = pr.ScenarioBuilder(name="two parcels, one seat")
    >>> _ = b.add_node("HUB", kind="hub").add_node("F-1").add_link("HUB", "F-1", hours=5)
    >>> _ = b.add_batch("B-1", origin="HUB", departs="2026-12-01", stops=["F-1"],
    ...                 max_parcels=1, cost=10)
    >>> _ = b.add_parcel("P-1", origin="HUB", destination="F-1", weight_kg=1, volume_l=1,
    ...                  ready="2026-12-01", due="2026-12-03", priority=1)
    >>> _ = b.add_parcel("P-2", origin="HUB", destination="F-1", weight_kg=1, volume_l=1,
    ...                  ready="2026-12-01", due="2026-12-03", priority=2)
    >>> out = solve_parcels(b.build(), SolveOptions(), Deadline(None))
    >>> out.objective, [p.batch for p in out.parcels]
    ({'delivered_priority': 2.0, 'batch_cost': 10.0}, [None, 'B-1'])
    """
    t0 = deadline.elapsed()
    compat = Compatibility(scenario)
    prob = ParcelProblem(scenario, compat)
    # rounded sizes keep a bound over every parcel not blocked outright: no split then; nor
    # beyond the MIP's reach, where parts of a month would each take paths tuned for months
    parts = independent_parts(prob) if (prob.weight_exact and prob.volume_exact
                                        and not _beyond_mip(prob, deadline.left())) else []
    if parts and max(p.options for p in parts) > SPLIT_MAX_SHARE * prob.num_pairs:
        parts = []  # one part holds nearly everything: not worth a second copy of it
    left = deadline.left()
    if left is not None and left < SPLIT_MIN_SECONDS * len(parts):
        parts = []  # each part's searches have their least times: together they would overrun
    t_build = deadline.elapsed() - t0
    stats: dict[str, float] = {}
    if len(parts) > 1:
        # as for a month solved whole, what its build took is kept for the records at the end
        within = deadline if left is None else SubDeadline(deadline, max(0.0, left - t_build),
                                                           soft=True)
        assign, lv1, lv2 = _solve_parts(prob, parts, options, within, stats)
    else:
        assign, lv1, lv2 = _solve_problem(prob, options, deadline, t0, stats)
    # the final values of both levels (parcels added after level 2 raise level 1)
    options.report(Progress("parcels: delivered_priority", deadline.elapsed(), lv1.value,
                            lv1.bound))
    options.report(Progress("parcels: batch_cost", deadline.elapsed(), lv2.value, lv2.bound))
    parcels, batches = explain(prob, assign)
    stats.update({
        "parcels_build_seconds": t_build + stats.get("parcels_build_seconds", 0.0),
        "parcels_level1_seconds": lv1.seconds,
        "parcels_level2_seconds": lv2.seconds,
        "parcels_pairs": float(prob.num_pairs),
    })
    stats.setdefault("parcels_parts", float(max(1, len(parts))))
    logger.info("parcels: level 1 %s (bound %s) %s; level 2 %s (bound %s) %s",
                lv1.value, lv1.bound, lv1.notes, lv2.value, lv2.bound, lv2.notes)
    return PartOutcome(
        objective={"delivered_priority": lv1.value, "batch_cost": lv2.value},
        bound={"delivered_priority": lv1.bound, "batch_cost": lv2.bound},
        parcels=parcels,
        batches=batches,
        stats=stats,
    )


def _solve_problem(prob: ParcelProblem, options: SolveOptions, deadline: Deadline, t0: float,
                   stats: dict[str, float] | None = None
                   ) -> tuple[IntArray, LevelResult, LevelResult]:
    """Both levels of ``prob`` in order, within ``deadline`` (``t0``: when its build began).

    Returns the plan (the option of each parcel, -1 for none) and both levels.
    ``stats["parcels_beyond_mip"]`` becomes 1 when the month (or one of its
    parts) is planned as one beyond the MIP's reach (:func:`_beyond_mip`).
    """
    budget = deadline.left()
    large = _beyond_mip(prob, budget)
    if stats is not None:
        stats["parcels_beyond_mip"] = max(stats.get("parcels_beyond_mip", 0.0), float(large))
    first = LEVEL1_SHARE_LARGE if large else LEVEL1_SHARE
    # beyond the MIP's reach, where no gap is accepted, the trades after level 1 take their
    # time from level 1's share (with a gap accepted, level 1 stops at it and keeps its share)
    trade = TRADE_SHARE * budget if budget is not None and large and \
        options.relative_gap <= 0 else 0.0
    level1 = _Level1(prob, options, deadline,
                     None if budget is None else first * budget - trade,
                     0.0 if budget is None else LEVEL1_LP_BORROW * (1 - first) * budget, large)
    t1 = deadline.elapsed()
    assign, lv1, info = level1.solve()
    # (past the time limit the fill after level 2 alone places what still fits)
    if lv1.value < lv1.bound and not deadline.passed():
        # left-out parcels that still fit go before the batch cost is planned around them
        # (after it, fewer do: on the generated 20,000-parcel month 10 priority against 3)
        assign = fill_left_out(prob, assign)
        # the trades' time comes out of what is left of level 1's share, never out of level
        # 2's (level 1's LP may have borrowed from level 2 already)
        seconds = None if budget is None else min(trade, first * budget
                                                  - (deadline.elapsed() - t1))
        if large and (seconds is None or seconds > 0):
            traded = trade_left_out(prob, assign, time_limit=seconds)
            if _plan_ok(prob, traded):  # (each trade is checked as it is made)
                assign = traded
        lv1.value = float(_value(prob, assign))
    lv1.seconds = deadline.elapsed() - t1
    options.report(Progress("parcels: delivered_priority", deadline.elapsed(), lv1.value,
                            lv1.bound))
    t2 = deadline.elapsed()

    def level2_from(plan: IntArray, value: int) -> tuple[IntArray, LevelResult]:
        planned, lv = _Level2(prob, options, deadline if budget is None else
                              SubDeadline(deadline, budget - (deadline.elapsed() - t0),
                                          soft=True), level1).solve(plan, value, info)
        if lv.value > lv.bound and not deadline.passed():
            # a batch whose parcels all fit on one idle, cheaper batch moves there
            swapped = swap_batches(prob, planned)
            cost = _cost(prob, swapped)
            if cost < _cost(prob, planned):
                planned = swapped
                lv.value = prob.unscale_cost(cost)
                lv.notes.append("batches swapped for cheaper ones")
        return planned, lv

    assign, lv2 = level2_from(assign, int(lv1.value))
    # a parcel that still fits goes too (only priority-0 parcels can, once level 1 is proven)
    free_only = lv1.value >= lv1.bound
    filled = fill_left_out(prob, assign, free_only=free_only)
    for _ in range(AGAIN_ROUNDS):
        value = _value(prob, filled)
        left = deadline.left()
        enough = 0.0 if budget is None else max(AGAIN_MIN_SECONDS, AGAIN_MIN_SHARE * budget)
        if value <= _value(prob, assign) or (left is not None and left < enough):
            break
        # level 2's plan made room for parcels level 1 had left out: level 1 rose, and the
        # batch cost is planned again for the new value (the bound so far holds for it too)
        logger.debug("parcels: level 1 rose from %d to %d after level 2; level 2 again",
                     _value(prob, assign), value)
        assign, again = level2_from(filled, value)
        lv2 = LevelResult(again.value, max(min(lv2.bound, again.value), again.bound),
                          notes=[*lv2.notes, f"level 2 again at level 1 {value}", *again.notes])
        filled = fill_left_out(prob, assign, free_only=free_only)
    lv2.seconds = deadline.elapsed() - t2
    assign = filled
    if not (prob.weight_exact and prob.volume_exact):
        # the sizes were rounded up: a parcel left out may still fit by its exact sizes
        assign = fill_exactly(prob, assign)
    lv1.value = float(_value(prob, assign))
    lv1.bound = max(lv1.bound, lv1.value)
    paid = prob.unscale_cost(_cost(prob, assign))
    if paid > lv2.value + 1e-9:  # a parcel opened a batch: level 1 rose, level 2 is unproven
        lv2.value, lv2.bound = paid, min(lv2.bound, paid)
    if not (prob.weight_exact and prob.volume_exact):
        # sizes were rounded (parcels up, limits down): the plan keeps every rule, but what
        # was proven holds for the rounded sizes only; keep the bounds that hold anyway
        logger.warning("parcels: weights or volumes have more decimals than can be kept "
                       "exactly; the bounds are not proven")
        lv1.bound = max(lv1.value, float(sum(int(prob.priority[i]) for i in range(prob.num_parcels)
                                             if prob.blocked.get(i) != "no_compatible_batch")))
        lv2.bound = 0.0
        lv1.notes.append("sizes rounded: no proof")
    return assign, lv1, lv2


def _solve_parts(prob: ParcelProblem, parts: list[Part], options: SolveOptions,
                 deadline: Deadline, stats: dict[str, float]
                 ) -> tuple[IntArray, LevelResult, LevelResult]:
    """Both levels of each independent part of ``prob`` in turn, merged into one plan.

    Smaller parts come first; each gets a share of the time left in proportion to
    its options, and what a part leaves goes to the parts after it. The levels'
    values and bounds add up: a plan with the most delivered priority has the
    most on every part, so each part's second level may ask for its own.
    """
    keys = prob.pair_parcel * prob.num_batches + prob.pair_batch  # ascending
    t_build = deadline.elapsed()
    built = []
    for part in parts:
        sub = part_scenario(prob.scenario, part)
        sub_prob = ParcelProblem(sub, Compatibility(sub))
        sub_keys = (part.parcels[sub_prob.pair_parcel] * prob.num_batches
                    + part.batches[sub_prob.pair_batch])
        where = np.minimum(np.searchsorted(keys, sub_keys), len(keys) - 1)
        if not np.array_equal(keys[where], sub_keys):  # not expected: the rules are per option
            logger.warning("parcels: a part's options differ from the whole problem's; "
                           "solved whole")
            stats["parcels_parts"] = 1.0
            return _solve_problem(prob, options, deadline, deadline.elapsed(), stats)
        built.append((part, sub_prob, where))
    stats["parcels_build_seconds"] = deadline.elapsed() - t_build
    assign = np.full(prob.num_parcels, -1, np.int64)
    lv1, lv2 = LevelResult(0.0, 0.0), LevelResult(0.0, 0.0)
    left = sum(part.options for part in parts)
    logger.info("parcels: %d independent parts of %s options", len(parts),
                [part.options for part in parts])
    for k, (part, sub_prob, where) in enumerate(built):
        t0 = deadline.elapsed()
        budget = deadline.left()
        # (a share of the time, not a limit: a small part's first plan may take longer)
        own = deadline if budget is None else SubDeadline(deadline, budget * part.options / left,
                                                          soft=True)
        left -= part.options

        def relabel(progress: Progress, tag: str = f" (part {k + 1} of {len(parts)})") -> None:
            if options.callback is not None:
                options.callback(dataclasses.replace(progress, phase=progress.phase + tag))

        sub_assign, p1, p2 = _solve_problem(
            sub_prob, dataclasses.replace(options, callback=relabel), own, t0, stats)
        placed = sub_assign >= 0
        assign[part.parcels[placed]] = where[sub_assign[placed]]
        for total, level in ((lv1, p1), (lv2, p2)):
            total.value += level.value
            total.bound += level.bound
            total.seconds += level.seconds
            total.notes.extend(f"part {k + 1}: {note}" for note in level.notes)
    return assign, lv1, lv2
