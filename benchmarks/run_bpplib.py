"""Solve BPPLIB bin packing instances through the scenario path and report per set.

Each instance is converted to a scenario as the data README describes (one hub,
one facility, identical batches of capacity C and cost 1), validated like a
file, solved with :func:`parcelroute.solve` and checked: the plan must keep
every rule, use the known optimum of batches and prove it (status optimal).

Usage::

    python benchmarks/run_bpplib.py [--root ../shared/data/bpplib] [--sets scholl_1 ...]
                                    [--time-limit 10] [--every 1] [--json out.json]
    python benchmarks/run_bpplib.py --folder DIR [--time-limit 10]

The data is read in place; nothing is copied. Without the folder it prints a
note and exits 0. ``--folder`` solves every ``*.txt`` of one folder in BPPLIB's
plain format (such as BPPLIB's ``Hard28`` set, which is not in ``../shared/data``);
without an ``optima.csv`` beside them an instance counts as solved when its plan
is proven optimal.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import parcelroute as pr
from parcelroute.bpplib import BppInstance, bin_packing_scenario_dict, iter_bpplib

DEFAULT_ROOT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "bpplib"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    parser.add_argument("--sets", nargs="*", default=None)
    parser.add_argument("--folder", type=Path, default=None,
                        help="solve every *.txt of this folder instead (optimum not needed)")
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--every", type=int, default=1, help="take every N-th instance")
    parser.add_argument("--json", type=Path, default=None, help="write per-instance rows here")
    parser.add_argument("--verify", action="store_true", help="also run the independent checker")
    args = parser.parse_args()
    found = _folder(args.folder) if args.folder else iter_bpplib(args.root, args.sets)
    instances = list(found)[:: max(1, args.every)]
    if not instances:
        print(f"no BPPLIB instances under {args.folder or args.root}; nothing to do.")
        return 0
    rows = []
    for n, inst in enumerate(instances, 1):
        capacity, weights = inst.load()
        scenario = pr.read_scenario_dict(
            bin_packing_scenario_dict(weights, capacity, name=inst.name))
        t0 = time.perf_counter()
        result = pr.solve(scenario, time_limit=args.time_limit, workers=2)
        seconds = time.perf_counter() - t0
        used = sum(b.operated for b in result.batches)
        ok = result.status is pr.Status.OPTIMAL and inst.optimum in (None, used)
        if args.verify:
            assert pr.verify(scenario, result) == [], inst.name
        rows.append({"set": inst.set, "instance": inst.name, "optimum": inst.optimum,
                     "batches": used, "bound": result.bound["batch_cost"],
                     "status": result.status.value, "seconds": round(seconds, 3),
                     "solved": ok})
        mark = "ok " if ok else "MISS"
        print(f"[{n:4d}/{len(instances)}] {mark} {inst.set:13s} {inst.name:22s} "
              f"opt {'?' if inst.optimum is None else inst.optimum:>4} got {used:4d} "
              f"bound {result.bound['batch_cost']:g} "
              f"{seconds:6.2f} s", flush=True)
    by_set: dict[str, list[dict[str, object]]] = defaultdict(list)
    for row in rows:
        by_set[str(row["set"])].append(row)
    print()
    print("| set | instances | optimum reached and proven | median s | worst s |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, group in [*sorted(by_set.items()), ("all", rows)]:
        secs = [float(r["seconds"]) for r in group]  # type: ignore[arg-type]
        solved = sum(bool(r["solved"]) for r in group)
        print(f"| {name} | {len(group)} | {solved} ({100 * solved / len(group):.1f} %) | "
              f"{statistics.median(secs):.2f} | {max(secs):.2f} |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


def _folder(folder: Path) -> list[BppInstance]:
    """Every ``*.txt`` of ``folder``, with the optima of its ``optima.csv`` where present."""
    if (folder / "optima.csv").exists():
        return list(iter_bpplib(folder.parent, [folder.name]))
    return [BppInstance(folder.name, path.stem, path, None)
            for path in sorted(folder.glob("*.txt"))]


if __name__ == "__main__":
    sys.exit(main())
