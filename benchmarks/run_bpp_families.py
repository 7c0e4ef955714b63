"""Solve random bin packing instances of families that are not in ``../shared/data``.

Each family is drawn the way its authors describe it (the published files are not
copied): the optimum of a random instance is not known in advance, so an instance
counts as solved when the plan keeps every rule and is proven optimal (status
``optimal``: the proven bound equals the bins the plan operates).

- ``schwerin1`` / ``schwerin2``: 100 / 120 items of 150-200, capacity 1,000
  (Schwerin and Wäscher's sets: five to six items per bin);
- ``waescher``: 60-200 items of normally distributed sizes (mean 500-3,000,
  deviation 800), capacity 10,000 (after Wäscher and Gau's generator);
- ``wide``: 160-200 items of 2-800, capacity 1,000 (the item range of hard28);
- ``random``: BPPLIB's random classes: n of 50-1,000, capacity of 50-1,000, sizes
  in [0.1, 0.8], [0.2, 0.8], [0.1, 0.5] or [0.2, 0.5] times the capacity;
- ``large``: the same ranges at capacities of 500,000 and 1,500,000 (as in
  Gschwind and Irnich's set), n of 200-1,000, nearly every size distinct.

Usage::

    python benchmarks/run_bpp_families.py [--families schwerin1 ...] [--count 10]
                                          [--seed 0] [--time-limit 10]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time

import numpy as np

import parcelroute as pr
from parcelroute.bpplib import bin_packing_scenario_dict

FAMILIES = ("schwerin1", "schwerin2", "waescher", "wide", "random", "large")


def draw(family: str, rng: np.random.Generator) -> tuple[int, list[int]]:
    """One instance of ``family``: its capacity and item sizes."""
    if family == "schwerin1":
        return 1000, rng.integers(150, 201, 100).tolist()
    if family == "schwerin2":
        return 1000, rng.integers(150, 201, 120).tolist()
    if family == "waescher":
        n = int(rng.integers(60, 201))
        sizes = rng.normal(rng.uniform(500, 3000), 800, n)
        return 10_000, np.clip(np.rint(sizes), 1, 10_000).astype(int).tolist()
    if family == "wide":
        return 1000, rng.integers(2, 801, int(rng.integers(160, 201))).tolist()
    if family == "random":
        n = int(rng.choice([50, 100, 200, 300, 400, 500, 750, 1000]))
        cap = int(rng.choice([50, 75, 100, 120, 125, 150, 200, 300, 400, 500, 750, 1000]))
        lo, hi = [(0.1, 0.8), (0.2, 0.8), (0.1, 0.5), (0.2, 0.5)][int(rng.integers(4))]
        return cap, rng.integers(max(1, int(lo * cap)), int(hi * cap) + 1, n).tolist()
    if family == "large":
        cap = int(rng.choice([500_000, 1_500_000]))
        n = int(rng.choice([200, 400, 600, 800, 1000]))
        lo, hi = [(0.1, 0.8), (0.2, 0.8), (0.1, 0.5), (0.2, 0.5)][int(rng.integers(4))]
        return cap, rng.integers(int(lo * cap), int(hi * cap) + 1, n).tolist()
    raise ValueError(f"The family must be one of {', '.join(FAMILIES)}; got {family!r} instead.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", nargs="*", default=list(FAMILIES), choices=FAMILIES)
    parser.add_argument("--count", type=int, default=10, help="instances per family")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=10.0)
    args = parser.parse_args()
    print("| family | instances | proven optimal | above the LP bound | median s | worst s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    failed = False
    for family in args.families:
        rng = np.random.default_rng([args.seed, FAMILIES.index(family)])
        times: list[float] = []
        proven = above = 0
        for k in range(args.count):
            capacity, sizes = draw(family, rng)
            scenario = pr.read_scenario_dict(
                bin_packing_scenario_dict(sizes, capacity, name=f"{family}-{k}"))
            t0 = time.perf_counter()
            result = pr.solve(scenario, time_limit=args.time_limit, workers=2)
            times.append(time.perf_counter() - t0)
            if pr.verify(scenario, result):
                print(f"{family}-{k}: the plan breaks a rule", file=sys.stderr)
                failed = True
            proven += result.status is pr.Status.OPTIMAL
            above += result.objective["batch_cost"] > math.ceil(sum(sizes) / capacity)
        print(f"| {family} | {args.count} | {proven} | {above} | "
              f"{statistics.median(times):.2f} | {max(times):.2f} |")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
