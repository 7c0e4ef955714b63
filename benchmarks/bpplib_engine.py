"""Measure :func:`parcelroute.parcels.binpacking.solve_bin_packing` on the BPPLIB instances.

The instances are read in place from ``../shared/data/bpplib`` (relative to the
repository root) or from ``--data``; nothing is copied. For every set the script
prints the number of instances, how many reached the known optimum, how many were
also proven optimal (lower bound equal to the number of bins), and the median and
worst solve times.

Usage::

    python benchmarks/bpplib_engine.py                       # all 1,370 instances
    python benchmarks/bpplib_engine.py --set scholl_3 -v     # one set, one line per instance
    python benchmarks/bpplib_engine.py --jobs 2 --time-limit 10
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from parcelroute.parcels.binpacking import solve_bin_packing

SETS = ("falkenauer_u", "falkenauer_t", "scholl_1", "scholl_2", "scholl_3")
DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "bpplib"


def read_instance(path: Path) -> tuple[list[int], int]:
    """The item sizes and the capacity of one BPPLIB instance file."""
    values = [int(tok) for tok in path.read_text().split()]
    n, capacity = values[0], values[1]
    sizes = values[2 : 2 + n]
    if len(sizes) != n:
        raise ValueError(f"The file '{path}' must list {n} sizes; got {len(sizes)} instead.")
    return sizes, capacity


def run_one(job: tuple[str, str, int, float, int]) -> dict[str, object]:
    """Solve one instance and check the packing it returns."""
    folder, file_name, optimum, time_limit, seed = job
    sizes, capacity = read_instance(Path(folder) / file_name)
    start = time.perf_counter()
    res = solve_bin_packing(sizes, capacity, time_limit=time_limit, seed=seed)
    seconds = time.perf_counter() - start
    seen = sorted(i for b in res.bins for i in b)
    valid = seen == list(range(len(sizes))) and all(sum(sizes[i] for i in b) <= capacity for b in res.bins)
    return {
        "name": file_name.removesuffix(".txt"),
        "n": len(sizes),
        "bins": len(res.bins),
        "lb": res.lower_bound,
        "optimum": optimum,
        "valid": valid and res.lower_bound <= optimum,
        "reached": len(res.bins) == optimum,
        "proven": res.optimal and len(res.bins) == optimum,
        "seconds": seconds,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the bpplib folder")
    parser.add_argument("--set", action="append", choices=SETS, help="a set (repeatable)")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per instance")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1, help="instances solved in parallel")
    parser.add_argument("--limit", type=int, default=0, help="at most this many per set")
    parser.add_argument("--match", default="", help="only instances whose name contains this")
    parser.add_argument("-v", "--verbose", action="store_true", help="one line per instance")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"BPPLIB folder {args.data} not found; nothing to measure.")
        return 0
    jobs: list[tuple[str, str, int, float, int]] = []
    set_of: dict[str, str] = {}
    for name in args.set or SETS:
        folder = args.data / name
        with (folder / "optima.csv").open() as fh:
            rows = [r for r in csv.DictReader(fh) if args.match in r["instance"]]
        if args.limit:
            rows = rows[: args.limit]
        for r in rows:
            jobs.append((str(folder), r["file"], int(r["optimum"]), args.time_limit, args.seed))
            set_of[r["file"].removesuffix(".txt")] = name
    results: list[dict[str, object]] = []
    wall = time.perf_counter()
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            stream = pool.map(run_one, jobs, chunksize=1)
            for res in stream:
                results.append(res)
                report(res, args.verbose)
    else:
        for job in jobs:
            res = run_one(job)
            results.append(res)
            report(res, args.verbose)
    wall = time.perf_counter() - wall
    print()
    print(f"{'set':<14}{'count':>7}{'reached':>9}{'proven':>8}{'median s':>10}{'worst s':>9}")
    groups = {s: [r for r in results if set_of[str(r["name"])] == s] for s in args.set or SETS}
    groups["all"] = results
    for name, rows in groups.items():
        if not rows:
            continue
        secs = [float(str(r["seconds"])) for r in rows]
        print(
            f"{name:<14}{len(rows):>7}{sum(bool(r['reached']) for r in rows):>9}"
            f"{sum(bool(r['proven']) for r in rows):>8}{statistics.median(secs):>10.3f}"
            f"{max(secs):>9.2f}"
        )
    invalid = [r["name"] for r in results if not r["valid"]]
    if invalid:
        print(f"INVALID results: {invalid}")
    print(f"wall time {wall:.1f} s")
    return 1 if invalid else 0


def report(res: dict[str, object], verbose: bool) -> None:
    """Print one instance's line when verbose, or when it was not proven optimal."""
    if verbose or not res["proven"]:
        flag = "" if res["proven"] else "  <-- not proven"
        print(
            f"{res['name']:<24} n={res['n']:<5} bins={res['bins']:<4} lb={res['lb']:<4} "
            f"opt={res['optimum']:<4} {float(str(res['seconds'])):7.3f}s{flag}",
            flush=True,
        )


if __name__ == "__main__":
    sys.exit(main())
