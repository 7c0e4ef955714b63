"""Time and memory profile of the parcel solve by size, for ``benchmarks/RESULTS.md``.

For each size (default 2,000, 20,000 and 200,000 parcels, seed 2026, the time
limits and gaps of ``test_parcels.py``) two fresh subprocesses run, as the CLI
would (``parcelroute generate`` then ``parcelroute solve``):

1. *generate*: draw the month and write the scenario file;
2. *solve*: read and validate the file, solve, run the checker.

Each child's peak RSS comes from ``os.wait4`` (its own ``ru_maxrss``). The
solve is split as the solver reports it in ``Result.stats``: model build
(``Compatibility`` + ``ParcelProblem``), level 1 and level 2 (each HiGHS /
CP-SAT presolve and search together: the solver does not expose its presolve
time), and the rest of ``solve`` (packing parts, the final fill, explanations).
The child also records every ``parcelroute`` log record at DEBUG level with its
time since the solve began, kept in ``profile.json`` for reference.

The table goes into ``RESULTS.md`` between ``<!-- profile:start -->`` and
``<!-- profile:end -->``; the rows into ``benchmarks/profile.json`` (read by
``report.py`` for the memory part of the 200,000-parcel target).

Usage::

    python benchmarks/profile_sizes.py [--sizes 2000 20000 200000] [--time-limit S]
                                       [--json benchmarks/profile.json]
                                       [--results benchmarks/RESULTS.md] [--stdout]
                                       [--render-only]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PROFILE_START, PROFILE_END = "<!-- profile:start -->", "<!-- profile:end -->"
SEED = 2026
LEVELS = ("delivered_priority", "batch_cost")

#: parcels -> (time limit in s, accepted relative gap), as in test_parcels.py
SETTINGS: dict[int, tuple[float, float]] = {
    200: (10.0, 0.0),
    2_000: (10.0, 0.0),
    20_000: (20.0, 0.005),
    200_000: (120.0, 0.01),
}


def _peak_self() -> int:
    """Peak RSS of this process so far, in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class _Recorder(logging.Handler):
    """Keep every log record with its time since ``t0``."""

    def __init__(self, t0: float) -> None:
        super().__init__(logging.DEBUG)
        self.t0 = t0
        self.records: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append({"t": round(time.perf_counter() - self.t0, 4), "level": record.levelname,
                             "logger": record.name, "message": record.getMessage()})


def child_generate(parcels: int, path: Path) -> dict[str, Any]:
    """Draw the month and write it to ``path``, as ``parcelroute generate`` does."""
    from parcelroute.generate import generate_scenario_dict

    t0 = time.perf_counter()
    data = generate_scenario_dict(parcels, 0, SEED)
    t1 = time.perf_counter()
    path.write_text(json.dumps(data), encoding="utf-8")
    t2 = time.perf_counter()
    return {"generate_s": t1 - t0, "write_s": t2 - t1, "file_bytes": path.stat().st_size,
            "peak_rss_self_bytes": _peak_self()}


def child_solve(path: Path, time_limit: float, gap: float) -> dict[str, Any]:
    """Read, validate, solve and check the scenario file, timing each step."""
    import parcelroute as pr

    rss_start = _peak_self()
    t0 = time.perf_counter()
    scenario = pr.read_scenario(path)
    read_s = time.perf_counter() - t0
    rss_read = _peak_self()
    logger = logging.getLogger("parcelroute")
    logger.setLevel(logging.DEBUG)
    t1 = time.perf_counter()
    recorder = _Recorder(t1)
    logger.addHandler(recorder)
    result = pr.solve(scenario, time_limit=time_limit, relative_gap=gap)
    solve_s = time.perf_counter() - t1
    logger.removeHandler(recorder)
    rss_solve = _peak_self()
    t2 = time.perf_counter()
    violations = len(pr.verify(scenario, result))
    verify_s = time.perf_counter() - t2
    return {
        "read_s": read_s, "solve_s": solve_s, "verify_s": verify_s,
        "solver_seconds": result.solve_seconds, "stats": dict(result.stats),
        "status": result.status.value,
        "objective": {k: result.objective[k] for k in LEVELS},
        "bound": {k: result.bound[k] for k in LEVELS},
        "gap": {k: result.gap(k) for k in LEVELS},
        "violations": violations,
        "rss_after_import_bytes": rss_start, "rss_after_read_bytes": rss_read,
        "rss_after_solve_bytes": rss_solve, "peak_rss_self_bytes": _peak_self(),
        "log": recorder.records,
    }


def _run_child(args: list[str], out: Path, timeout: float) -> tuple[dict[str, Any], int]:
    """Run this script as a child; return what it wrote and its peak RSS in bytes (from wait4)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), *args, "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = -9
            return {"error": f"killed after {timeout:.0f} s"}, usage.ru_maxrss * 1024
        time.sleep(0.2)
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace")
    if proc.returncode != 0 or not out.exists():
        return {"error": f"exit {proc.returncode}: {err.strip().splitlines()[-1:] or ''}"}, \
            usage.ru_maxrss * 1024
    return json.loads(out.read_text(encoding="utf-8")), usage.ru_maxrss * 1024


def profile_size(parcels: int, time_limit: float, gap: float, workdir: Path) -> dict[str, Any]:
    """One row: generate in one fresh process, read + solve + check in another."""
    scenario = workdir / f"month-{parcels}.json"
    row: dict[str, Any] = {"parcels": parcels, "seed": SEED, "time_limit": time_limit, "relative_gap": gap}
    gen, gen_peak = _run_child(["--child", "generate", "--parcels", str(parcels), "--scenario", str(scenario)],
                               workdir / f"gen-{parcels}.out.json", timeout=600 + parcels / 100)
    row["generate"] = gen
    row["generate_peak_rss_bytes"] = gen_peak
    if "error" in gen:
        row["error"] = "generate: " + gen["error"]
        return row
    sol, sol_peak = _run_child(["--child", "solve", "--scenario", str(scenario), "--time-limit",
                                str(time_limit), "--gap", str(gap)],
                               workdir / f"solve-{parcels}.out.json", timeout=3 * time_limit + 600)
    row.update(sol)
    row["peak_rss_bytes"] = sol_peak
    if "error" in sol:
        row["error"] = "solve: " + sol["error"]
    scenario.unlink(missing_ok=True)
    return row


_PROGRESS = re.compile(r"^parcels: (\w+)(?: \([^)]*\))?: incumbent (\S+) bound (\S+) after")


def log_milestones(records: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per level, from the DEBUG progress records: first incumbent and last change of value or bound.

    Times are seconds since ``solve`` began, as the log handler stamped them.
    """
    out: dict[str, dict[str, float]] = {}
    last: dict[str, tuple[str, str]] = {}
    for rec in records:
        m = _PROGRESS.match(rec["message"])
        if not m:
            continue
        level, value, bound = m.groups()
        mark = out.setdefault(level, {"first": rec["t"], "last_change": rec["t"]})
        if last.get(level) != (value, bound):
            mark["last_change"] = rec["t"]
            last[level] = (value, bound)
    return out


def _mb(n: float | None) -> str:
    return "—" if n is None else f"{n / 2**20:,.0f} MiB"


def _s(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def _pct(g: float) -> str:
    return "0 %" if g == 0 else f"{100 * g:.2f} %"


def render(rows: list[dict[str, Any]], when: str) -> str:
    """The Markdown put between the profile markers."""
    out = [
        f"_Generated by `benchmarks/profile_sizes.py` on {when} ({platform.node() or '?'}, "
        f"{os.cpu_count()} logical CPUs, Python {platform.python_version()}). "
        "Do not edit by hand: `make profile` rewrites it._",
        "",
        "One fresh process generates each month and writes the scenario file; another reads and "
        "validates it, solves (time limit and accepted gap of the benchmark case) and checks the plan. "
        "Times in seconds. *Build* is `Compatibility` + `ParcelProblem`; *level 1* and *level 2* are the "
        "solver's own timings (`Result.stats`), each including its MIP presolve: the solver does not report "
        "presolve apart from search; *rest* is the remainder of `solve` (packing parts, final fill, "
        "explanations). *Progress* is read from the DEBUG log of the `parcelroute` logger (the solver's "
        "progress records, stamped by the profile's handler): when each level had its first incumbent and "
        "when its value or bound last changed. Peak memory is each process's maximum RSS (`wait4`).",
        "",
        "| parcels | (parcel, batch) pairs | time limit | generate + write | read + validate | model build | "
        "level 1 | level 2 | rest | solve total | progress: first incumbent / last change (level 1; level 2) | "
        "status | gap level 1 / level 2 | checker | "
        "peak RSS after read | peak RSS, solve process | peak RSS, generate process |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | ---: | ---: "
        "| ---: | ---: |",
    ]
    for row in rows:
        if "error" in row and "solve_s" not in row:
            out.append(f"| {row['parcels']:,} | — | {row['time_limit']:g} | — | — | — | — | — | — | — | — | "
                       f"{row['error']} | — | — | — | {_mb(row.get('peak_rss_bytes'))} | "
                       f"{_mb(row.get('generate_peak_rss_bytes'))} |")
            continue
        st = row["stats"]
        build = st.get("parcels_build_seconds")
        lv1 = st.get("parcels_level1_seconds")
        lv2 = st.get("parcels_level2_seconds")
        rest = row["solve_s"] - sum(x for x in (build, lv1, lv2) if x is not None)
        gen = row["generate"]
        pairs = st.get("parcels_pairs")
        check = "ok" if row["violations"] == 0 else f"{row['violations']} violations"
        marks = log_milestones(row.get("log", []))
        progress = "; ".join(
            f"{_s(marks[k]['first'])} / {_s(marks[k]['last_change'])}" if k in marks else "—" for k in LEVELS)
        out.append(
            f"| {row['parcels']:,} | {'—' if pairs is None else f'{int(pairs):,}'} | {row['time_limit']:g} | "
            f"{_s(gen['generate_s'] + gen['write_s'])} | {_s(row['read_s'])} | {_s(build)} | {_s(lv1)} | "
            f"{_s(lv2)} | {_s(rest)} | {_s(row['solve_s'])} | {progress} | {row['status']} | "
            f"{_pct(row['gap'][LEVELS[0]])} / {_pct(row['gap'][LEVELS[1]])} | "
            f"{check} ({_s(row['verify_s'])} s) | {_mb(row['rss_after_read_bytes'])} | "
            f"{_mb(row['peak_rss_bytes'])} | {_mb(row['generate_peak_rss_bytes'])} |")
    good = [r for r in rows if "solve_s" in r]
    notes = []
    for a, b in pairwise(good):
        factor = b["parcels"] / a["parcels"]

        def grow(key: str, ra: dict[str, Any] = a, rb: dict[str, Any] = b) -> str:
            x, y = ra["stats"].get(key), rb["stats"].get(key)
            return "—" if not x or y is None else f"×{y / x:.1f}"

        notes.append(
            f"- {a['parcels']:,} → {b['parcels']:,} parcels (×{factor:g}): read ×"
            f"{b['read_s'] / max(a['read_s'], 1e-9):.1f}, build {grow('parcels_build_seconds')}, "
            f"pairs {grow('parcels_pairs')}, solve total ×{b['solve_s'] / max(a['solve_s'], 1e-9):.1f}, "
            f"peak RSS ×{b['peak_rss_bytes'] / max(a['peak_rss_bytes'], 1):.1f}.")
    # the solver stops before its limit only once every level is within the accepted gap
    budget_bound = [r for r in good if any(g > r["relative_gap"] for g in r["gap"].values())]
    if budget_bound:
        sizes = ", ".join(f"{r['parcels']:,} ({r['solve_s']:.0f} of {r['time_limit']:g} s)" for r in budget_bound)
        notes.append(f"- Stopped by the time budget, not within the accepted gap: {sizes} parcels — their "
                     "solve time shows the budget, not how the work grows; their gaps show how far it got.")
    if notes:
        out += ["", "Growth with size:", "", *notes]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Parent: profile every size and write the table; child: one stage of one size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2_000, 20_000, 200_000])
    parser.add_argument("--time-limit", type=float, default=None,
                        help="override every size's time limit (default: the benchmark case's)")
    parser.add_argument("--json", type=Path, default=HERE / "profile.json")
    parser.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--stdout", action="store_true", help="print the table instead of writing RESULTS.md")
    parser.add_argument("--render-only", action="store_true",
                        help="rewrite the table from the existing --json file without profiling")
    parser.add_argument("--child", choices=("generate", "solve"), help=argparse.SUPPRESS)
    parser.add_argument("--parcels", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--scenario", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--gap", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child == "generate":
        args.out.write_text(json.dumps(child_generate(args.parcels, args.scenario)), encoding="utf-8")
        return 0
    if args.child == "solve":
        args.out.write_text(json.dumps(child_solve(args.scenario, args.time_limit, args.gap)), encoding="utf-8")
        return 0

    if args.render_only:
        data = json.loads(args.json.read_text(encoding="utf-8"))
        rows, when = data["rows"], data["generated"]
    else:
        rows, when = _profile_all(args.sizes, args.time_limit), dt.datetime.now().isoformat(timespec="seconds")
        args.json.write_text(json.dumps({"generated": when, "rows": rows}, indent=1), encoding="utf-8")
    body = render(rows, when)
    if args.stdout:
        print(body)
    else:
        from report import replace_between

        replace_between(args.results, PROFILE_START, PROFILE_END, body,
                        "## Time and memory profile by size (`make profile`)")
        print(f"wrote the profile table of {args.results} (rows in {args.json})")
    return 0 if all("error" not in r for r in rows) else 1


def _profile_all(sizes: list[int], time_limit: float | None) -> list[dict[str, Any]]:
    """Profile each size in turn (fresh processes), printing progress."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="parcelroute-profile-") as tmp:
        for parcels in sizes:
            limit, gap = SETTINGS.get(parcels, (10.0, 0.0))
            if time_limit is not None:
                limit = time_limit
            print(f"profiling {parcels:,} parcels (limit {limit:g} s, gap {gap:g}) ...", flush=True)
            row = profile_size(parcels, limit, gap, Path(tmp))
            rows.append(row)
            if "error" in row:
                print(f"  {row['error']}", flush=True)
            else:
                print(f"  {row['status']} in {row['solve_s']:.2f} s, peak RSS {_mb(row['peak_rss_bytes'])}",
                      flush=True)
    return rows


if __name__ == "__main__":
    sys.exit(main())
