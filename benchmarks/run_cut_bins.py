"""Bin packing instances cut from full bins, through the scenario path.

Every instance is ``m`` bins of capacity ``C``, each cut at random points into a
number of pieces drawn from a range, so the optimum is ``m`` by construction (the
items fill the bins exactly) and every bin of an optimal packing must be filled
exactly. Each is converted like a BPPLIB instance (one hub, one facility,
identical batches of capacity ``C`` and cost 1), solved with
:func:`parcelroute.solve` and counted as solved when the plan operates ``m``
batches with status optimal.

Usage::

    python benchmarks/run_cut_bins.py [--time-limit 10] [--seeds 2]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import parcelroute as pr
from parcelroute.bpplib import bin_packing_scenario_dict

#: (capacity, bins, fewest pieces, most pieces) of each class.
CLASSES = [
    (1_000, 60, 3, 3), (1_000, 150, 3, 3), (10_000, 20, 2, 5), (10_000, 60, 2, 5),
    (10_000, 400, 2, 5), (150_000, 20, 4, 8), (150_000, 60, 2, 5), (150_000, 400, 4, 8),
    (1_500_000, 60, 4, 8), (1_500_000, 150, 2, 5), (1_500_000, 400, 3, 3),
    (1_500_000, 400, 4, 8),
]


def cut(bins: int, capacity: int, fewest: int, most: int, rng: random.Random) -> list[int]:
    """``bins`` full bins cut into ``fewest``..``most`` pieces (three: each at least C/5)."""
    least = capacity // 5 if fewest == most == 3 else 1
    items: list[int] = []
    for _ in range(bins):
        k = rng.randint(fewest, most)
        while True:
            points = sorted(rng.sample(range(1, capacity), k - 1))
            parts = [b - a for a, b in zip([0, *points], [*points, capacity], strict=True)]
            if min(parts) >= least:
                break
        items += parts
    rng.shuffle(items)
    return items


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--seeds", type=int, default=2, help="instances per class")
    args = parser.parse_args()
    print("| capacity | bins | pieces per bin | items | solved | median s | worst s |")
    print("| ---: | ---: | --- | ---: | ---: | ---: | ---: |")
    total = solved_all = 0
    for capacity, bins, fewest, most in CLASSES:
        secs, solved, items = [], 0, 0
        for seed in range(args.seeds):
            weights = cut(bins, capacity, fewest, most, random.Random(seed))
            items = len(weights)
            scenario = pr.read_scenario_dict(bin_packing_scenario_dict(weights, capacity))
            t0 = time.perf_counter()
            result = pr.solve(scenario, time_limit=args.time_limit, seed=0)
            secs.append(time.perf_counter() - t0)
            used = sum(b.operated for b in result.batches)
            solved += used == bins and result.status is pr.Status.OPTIMAL
        total += args.seeds
        solved_all += solved
        pieces = str(fewest) if fewest == most else f"{fewest}-{most}"
        print(f"| {capacity:,} | {bins} | {pieces} | {items:,} | {solved} / {args.seeds} | "
              f"{statistics.median(secs):.2f} | {max(secs):.2f} |", flush=True)
    print(f"\nsolved {solved_all} of {total}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
