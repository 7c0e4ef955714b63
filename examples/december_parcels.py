"""Plan the December 2026 parcel hand-over (2,000 parcels) and check the plan.

Usage::

    python examples/december_parcels.py                 # solve, report, verify
    python examples/december_parcels.py -o plan.json    # ... and write the plan

The script loads ``december_2026.json`` next to it, solves it with a 60 s time
limit while logging every new incumbent and bound, prints the summary, the
parcels left out by reason and the batches that were not needed, and checks
the plan with :func:`parcelroute.verify`. It exits with status 1 if the plan
breaks any rule.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter, defaultdict
from pathlib import Path

import parcelroute as pr

SCENARIO = Path(__file__).resolve().parent / "december_2026.json"
log = logging.getLogger("december_parcels")


def log_progress(progress: pr.Progress) -> None:
    """Log each new incumbent or bound reported by the solver."""
    log.info(
        "%-34s %7.2f s   incumbent %-12s bound %s",
        progress.phase,
        progress.elapsed,
        "-" if progress.incumbent is None else f"{progress.incumbent:g}",
        "-" if progress.bound is None else f"{progress.bound:g}",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, help="write the plan to this JSON file")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds (default 60)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s",
                        datefmt="%H:%M:%S")

    scenario = pr.read_scenario(SCENARIO)
    log.info("%s: %d parcels, %d batches, %d detainees", scenario.name, len(scenario.parcels),
             len(scenario.batches), len(scenario.detainees))
    result = pr.solve(scenario, time_limit=args.time_limit, callback=log_progress)

    print()
    print(result.summary())

    # Parcels left out, by reason, with one example of each.
    left_out = [p for p in result.parcels if not p.delivered]
    by_reason: dict[str, list[pr.ParcelAssignment]] = defaultdict(list)
    for p in left_out:
        by_reason[p.reason or "?"].append(p)
    if left_out:
        print(f"\nParcels left out: {len(left_out)}")
        for reason, items in sorted(by_reason.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            first = items[0]
            print(f"  {reason:<22} {len(items):>5}   e.g. {first.id}: {first.detail or ''}")

    # Batches that were not needed, per route (the batch id without its date).
    idle = [b for b in result.batches if not b.operated]
    if idle:
        per_route = Counter(b.id.rsplit("-", 1)[0] for b in idle)
        routes = ", ".join(f"{route} x{n}" for route, n in sorted(per_route.items()))
        print(f"\nBatches not needed: {len(idle)} of {len(result.batches)} ({routes})")
    used = [b for b in result.batches if b.operated]
    if used:
        fullest = max(used, key=lambda b: b.weight_kg)
        print(f"Heaviest batch: {fullest.id} with {fullest.parcels} parcels, "
              f"{fullest.weight_kg:g} kg, {fullest.volume_l:g} l")

    if args.output is not None:
        pr.write_plan(result, args.output)
        print(f"\nPlan written to {args.output}")

    violations = pr.verify(scenario, result)
    if violations:
        print(f"\nThe plan breaks {len(violations)} rule(s):")
        for v in violations[:20]:
            print(f"  {v}")
        return 1
    print("\nverify: the plan keeps every rule.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
