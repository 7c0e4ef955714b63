"""Schedule the December 2026 family visits (300 requests) and check the schedule.

Usage::

    python examples/family_visits.py                    # solve, report, verify
    python examples/family_visits.py -o plan.json       # ... and write the plan

The script loads ``family_visits_2026.json`` next to it, solves it with a 60 s
time limit while logging progress, prints who visits when (one line per
session: date, facility, tables used, visitors and the detainees visited),
what was refused and why (a count per reason and a few examples), the balance
between the two sides, and checks the schedule with :func:`parcelroute.verify`.
It exits with status 1 if the schedule breaks any rule.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter, defaultdict
from pathlib import Path

import parcelroute as pr

SCENARIO = Path(__file__).resolve().parent / "family_visits_2026.json"
log = logging.getLogger("family_visits")


def log_progress(progress: pr.Progress) -> None:
    """Log each new incumbent or bound reported by the solver."""
    log.info(
        "%-34s %7.2f s   incumbent %-12s bound %s",
        progress.phase,
        progress.elapsed,
        "-" if progress.incumbent is None else f"{progress.incumbent:g}",
        "-" if progress.bound is None else f"{progress.bound:g}",
    )


def print_timetable(scenario: pr.Scenario, result: pr.Result) -> None:
    """One line per session that has visits, in date and facility order."""
    requests = {r.id: r for r in scenario.visit_requests}
    sessions = {s.id: s for s in scenario.sessions}
    per_session: dict[str, list[pr.VisitAssignment]] = defaultdict(list)
    for v in result.visits:
        if v.session is not None:
            per_session[v.session].append(v)
    print(f"\n{'date':<10}  {'facility':<8} {'time':<11} {'tables':>6} {'people':>6}  visits "
          "(detainee x visitors, + escort, * bus)")
    order = sorted(per_session, key=lambda sid: (sessions[sid].date, sessions[sid].facility,
                                                 sessions[sid].start))
    for sid in order:
        s = sessions[sid]
        visits = per_session[sid]
        people = sum(requests[v.id].visitors for v in visits)
        cells = []
        for v in visits:
            req = requests[v.id]
            mark = ("+" if v.escort else "") + ("*" if v.transport else "")
            cells.append(f"{req.detainee}x{req.visitors}{mark}")
        when = f"{s.start:%H:%M}-{s.end:%H:%M}"
        tables = f"{len(visits)}/{s.capacity}"
        room = f"{people}/{s.max_visitors}" if s.max_visitors is not None else str(people)
        closed = " (closed)" if s.closed else ""
        print(f"{s.date.isoformat():<10}  {s.facility:<8} {when:<11} {tables:>6} {room:>6}  "
              f"{' '.join(cells)}{closed}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, help="write the plan to this JSON file")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds (default 60)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s",
                        datefmt="%H:%M:%S")

    scenario = pr.read_scenario(SCENARIO)
    log.info("%s: %d requests, %d sessions, %d escorts, %d buses", scenario.name,
             len(scenario.visit_requests), len(scenario.sessions), len(scenario.escorts),
             len(scenario.transports))
    result = pr.solve(scenario, time_limit=args.time_limit, callback=log_progress)

    print()
    print(result.summary())
    print_timetable(scenario, result)

    refused = [v for v in result.visits if not v.scheduled]
    if refused:
        by_reason: dict[str, list[pr.VisitAssignment]] = defaultdict(list)
        for v in refused:
            by_reason[v.reason or "?"].append(v)
        print(f"\nRefused: {len(refused)} of {len(result.visits)}")
        for reason, items in sorted(by_reason.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            print(f"  {reason}: {len(items)}")
            for v in items[:3]:
                print(f"    {v.id}: {v.detail or ''}")

    side_of = {d.id: d.side for d in scenario.detainees}
    requests = {r.id: r for r in scenario.visit_requests}
    sides = Counter(side_of[requests[v.id].detainee] for v in result.visits if v.scheduled)
    if sides:
        balance = ", ".join(f"side {side}: {n}" for side, n in sorted(sides.items(),
                                                                       key=lambda kv: str(kv[0])))
        limit = scenario.reciprocity.max_difference if scenario.reciprocity else None
        print(f"\nVisits scheduled by side: {balance} (allowed difference {limit})")

    if args.output is not None:
        pr.write_plan(result, args.output)
        print(f"\nPlan written to {args.output}")

    violations = pr.verify(scenario, result)
    if violations:
        print(f"\nThe schedule breaks {len(violations)} rule(s):")
        for violation in violations[:20]:
            print(f"  {violation}")
        return 1
    print("\nverify: the schedule keeps every rule.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
