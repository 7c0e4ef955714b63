"""Regenerate the measured tables of ``benchmarks/RESULTS.md`` from a pytest-benchmark JSON report.

``make bench`` runs the suite with ``--benchmark-json=benchmarks/last-run.json``
and then this script, which replaces only the text between the markers
``<!-- bench:start -->`` and ``<!-- bench:end -->`` of ``RESULTS.md`` (the prose
around them stays; without the markers a new section is appended).

Each workload is judged against its target as the performance issue states it:
"proven optimal" means every round ended with status ``optimal``; "within x %"
means every level's relative gap is at most x in every round; the wall-time part
is the median over the benchmark's rounds; the memory part of the 200,000-parcel
target is the peak RSS measured by ``profile_sizes.py`` (``make profile``), since
a pytest session's own peak mixes every case it ran.

Usage::

    python benchmarks/report.py [--bench benchmarks/last-run.json]
                                [--profile benchmarks/profile.json]
                                [--results benchmarks/RESULTS.md] [--stdout]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BENCH_START, BENCH_END = "<!-- bench:start -->", "<!-- bench:end -->"

#: The levels of each half, in the order they are optimised.
PARCEL_LEVELS = ("delivered_priority", "batch_cost")
VISIT_LEVELS = ("visit_priority", "transport_cost")

#: 4 GB, in bytes (decimal, the stricter reading of "4 GB").
FOUR_GB = 4e9


@dataclass(frozen=True)
class Target:
    """One workload's target from the performance issue."""

    workload: str
    text: str
    seconds: float
    max_gap: float | None  # None: proven optimal required
    memory_bytes: float | None = None


#: (test function, size) -> target; size is the ``parcels`` or ``visits`` parameter.
TARGETS: dict[tuple[str, int], Target] = {
    ("test_parcels", 2_000): Target("2,000-parcel month", "proven optimal ≤ 2 s", 2.0, None),
    ("test_parcels", 20_000): Target("20,000 parcels", "≤ 20 s, each level within 0.5 %", 20.0, 0.005),
    ("test_parcels", 200_000): Target("200,000 parcels", "≤ 120 s, each level within 1 %, peak memory ≤ 4 GB",
                                      120.0, 0.01, FOUR_GB),
    ("test_visits", 500): Target("500 visit requests", "proven optimal ≤ 5 s", 5.0, None),
    ("test_visits", 5_000): Target("5,000 visit requests", "≤ 60 s, each level within 1 %", 60.0, 0.01),
}


def replace_between(path: Path, start: str, end: str, body: str, heading: str) -> None:
    """Replace the text between the ``start`` and ``end`` marker lines of ``path`` with ``body``.

    Without the markers, append ``heading``, the markers and ``body`` at the end.
    """
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    block = f"{start}\n{body.rstrip()}\n{end}"
    i, j = text.find(start), text.find(end)
    if i >= 0 and j > i:
        text = text[:i] + block + text[j + len(end):]
    else:
        text = text.rstrip() + f"\n\n{heading}\n\n{block}\n"
    path.write_text(text, encoding="utf-8")


def num(value: float | None) -> str:
    """A value for a table: thousands separators, no trailing ``.0``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}"


def pct(gap: float | None) -> str:
    """A relative gap as a percentage."""
    if gap is None:
        return "—"
    return "0 %" if gap == 0 else f"{100 * gap:.2f} %"


def secs(value: float | None) -> str:
    """Seconds for a table."""
    return "—" if value is None else f"{value:.2f} s"


def _size(bench: dict[str, Any]) -> tuple[str, int]:
    params = bench.get("params") or {}
    for key in ("parcels", "visits"):
        if key in params:
            return key, int(params[key])
    return "", 0


def _function(bench: dict[str, Any]) -> str:
    return str(bench["name"]).split("[", 1)[0]


def _levels(function: str, info: dict[str, Any]) -> tuple[str, ...]:
    if function == "test_visits":
        return VISIT_LEVELS
    if function in ("test_parcels", "test_roomy_parcels", "test_direct_cpsat_baseline"):
        return PARCEL_LEVELS
    return tuple(info.get("objective", {}))


def _workload(kind: str, size: int) -> str:
    return f"{size:,} parcels" if kind == "parcels" else f"{size:,} visit requests"


def _profile_rows(path: Path | None) -> dict[int, dict[str, Any]]:
    if path is None or not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {int(row["parcels"]): row for row in data.get("rows", []) if "error" not in row}


def judge(target: Target | None, median: float, info: dict[str, Any], levels: tuple[str, ...],
          peak_bytes: float | None) -> str:
    """``met`` or ``not met: <reasons>`` for one workload, judged honestly against its target."""
    if target is None:
        return "no target (smoke size)"
    reasons = []
    if median > target.seconds:
        reasons.append(f"median {median:.2f} s > {target.seconds:g} s")
    statuses = info.get("round_status") or [info.get("status", "unknown")]
    worst = info.get("worst_gap") or info.get("gap") or {}
    if target.max_gap is None:
        bad = [s for s in statuses if s != "optimal"]
        if bad:
            reasons.append(f"not proven optimal in {len(bad)} of {len(statuses)} rounds")
    else:
        for level in levels:
            gap = worst.get(level)
            if gap is None:
                reasons.append(f"{level} gap not recorded")
            elif gap > target.max_gap + 1e-12:
                reasons.append(f"{level} gap {pct(gap)} > {pct(target.max_gap)}")
    if target.memory_bytes is not None:
        if peak_bytes is None:
            reasons.append("peak memory not measured (run `make profile`)")
        elif peak_bytes > target.memory_bytes:
            reasons.append(f"peak memory {peak_bytes / 1e9:.2f} GB > {target.memory_bytes / 1e9:g} GB")
    if info.get("violations"):
        reasons.append(f"the checker found {info['violations']} violations")
    return "met" if not reasons else "not met: " + "; ".join(reasons)


def _level_cell(info: dict[str, Any], level: str, prefix: str = "") -> str:
    value = info.get(f"{prefix}objective", {}).get(level)
    bound = info.get(f"{prefix}bound", {}).get(level)
    gap = info.get(f"{prefix}gap", {}).get(level)
    return f"{num(value)} / {num(bound)} ({pct(gap)})"


def targets_table(benches: list[dict[str, Any]], profile: dict[int, dict[str, Any]]) -> list[str]:
    """The table of parcel and visit workloads against their targets."""
    lines = [
        "| workload | target | time limit | median wall time | rounds | status | "
        "level 1 (priority): value / bound (gap) | level 2 (cost): value / bound (gap) | "
        "peak memory | met? |",
        "| --- | --- | ---: | ---: | ---: | --- | --- | --- | ---: | --- |",
    ]
    seen: set[tuple[str, int]] = set()
    rows = []
    for bench in benches:
        function = _function(bench)
        if function not in ("test_parcels", "test_roomy_parcels", "test_visits"):
            continue
        kind, size = _size(bench)
        seen.add((function, size))
        order = {"test_parcels": 0, "test_roomy_parcels": 1}.get(function, 2)
        rows.append((order, size, bench, function, kind))
    for _, size, bench, function, kind in sorted(rows, key=lambda r: (r[0], r[1])):
        info = bench.get("extra_info", {})
        stats = bench["stats"]
        levels = _levels(function, info)
        target = TARGETS.get((function, size))
        statuses = info.get("round_status")
        if statuses and len(set(statuses)) > 1:
            status = ", ".join(statuses)
        elif statuses:
            status = statuses[0]
        else:
            status = f"{info.get('status', '—')} (last round)"
        peak = None
        memory = "—"
        if target is not None and target.memory_bytes is not None and size in profile:
            peak = float(profile[size]["peak_rss_bytes"])
            memory = f"{peak / 1e9:.2f} GB (profile)"
        limit = info.get("time_limit", (bench.get("params") or {}).get("limit"))
        workload = _workload(kind, size)
        no_target = "— (smoke size)"
        if function == "test_roomy_parcels":
            workload += f", batch and crossing capacities ×{info.get('factor', 2):g}"
            no_target = "— (no target: same month with room to spare)"
        elif target is None and size > 5_000:
            no_target = "— (no target: national scale)"
        verdict = judge(target, stats["median"], info, levels, peak)
        if function == "test_roomy_parcels" or (target is None and size > 5_000):
            verdict = "no target"
        cells = [
            workload, target.text if target else no_target,
            secs(limit), secs(stats["median"]), str(stats["rounds"]), status,
            *(_level_cell(info, level) for level in levels[:2]),
            memory, verdict,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    for (function, size), target in TARGETS.items():
        if (function, size) not in seen:
            kind = "parcels" if function == "test_parcels" else "visits"
            lines.append(f"| {_workload(kind, size)} | {target.text} | — | — | — | no result in this run "
                         "(not selected, or failed before timing) | — | — | — | not measured |")
    return lines


def _gap_ratio(base: float | None, ours: float | None) -> str:
    if base is None or ours is None:
        return "—"
    if ours == 0:
        return "equal (both 0)" if base == 0 else "∞ (parcelroute proven)"
    return f"{base / ours:.2f}"


def baseline_table(benches: list[dict[str, Any]]) -> list[str]:
    """The direct CP-SAT baseline beside parcelroute, same month and time limit."""
    lines = [
        "| workload | time limit | baseline wall time | parcelroute wall time | time ratio (baseline / "
        "parcelroute) | baseline status | parcelroute status | level 1 baseline: value / bound (gap) | "
        "level 1 parcelroute | level 1 gap ratio | level 2 baseline | level 2 parcelroute | "
        "level 2 gap ratio |",
        "| --- | ---: | ---: | ---: | ---: | --- | --- | --- | --- | ---: | --- | --- | ---: |",
    ]
    rows = sorted((b for b in benches if _function(b) == "test_direct_cpsat_baseline"),
                  key=lambda b: _size(b)[1])
    for bench in rows:
        info = bench.get("extra_info", {})
        kind, size = _size(bench)
        base_s, ours_s = info.get("baseline_seconds"), info.get("parcelroute_seconds")
        ratio = f"{base_s / ours_s:.2f}" if base_s is not None and ours_s else "—"
        cells = [_workload(kind, size), secs(info.get("time_limit")), secs(base_s), secs(ours_s), ratio,
                 str(info.get("baseline_status", "—")), str(info.get("parcelroute_status", "—"))]
        for level in PARCEL_LEVELS:
            cells += [_level_cell(info, level, "baseline_"), _level_cell(info, level, "parcelroute_"),
                      _gap_ratio(info.get("baseline_gap", {}).get(level),
                                 info.get("parcelroute_gap", {}).get(level))]
        lines.append("| " + " | ".join(cells) + " |")
    if not rows:
        lines.append("| not run in this report | — | — | — | — | — | — | — | — | — | — | — | — |")
    return lines


def render(data: dict[str, Any], source: str, profile: dict[int, dict[str, Any]]) -> str:
    """The Markdown put between the bench markers."""
    benches = data.get("benchmarks", [])
    machine = data.get("machine_info", {})
    cpu = machine.get("cpu", {})
    out = [
        f"_Generated by `benchmarks/report.py` from `{source}` (run of {data.get('datetime', '?')}, "
        f"{cpu.get('brand_raw', machine.get('processor', '?'))}, {cpu.get('count', '?')} logical CPUs, "
        f"Python {machine.get('python_version', '?')}). Do not edit by hand: `make bench` rewrites it._",
        "",
        "Wall time is that of `parcelroute.solve` alone (generation and the checker excluded), median over "
        "the rounds; each time limit is the target's wall budget or more (see `test_parcels.py`). "
        "A target is met only if the median time, every round's status or gaps, and the checker all pass. "
        "Value / bound (gap) is of the last round. Parcel levels: delivered priority (max), operated batch "
        "cost (min); visit levels: scheduled priority (max), transport cost (min).",
        "",
        *targets_table(benches, profile),
        "",
        "Direct CP-SAT baseline (`baseline.py`: one boolean per (parcel, compatible batch), weighted-sum "
        "objective) beside parcelroute on the same month, each with the same time limit, one run each; "
        "a ratio above 1 means the baseline is slower or further from its bound (when both stop at the limit "
        "the time ratio is about 1 and the gap ratios are the comparison). A baseline level-2 bound "
        "is 0 unless its level 1 is proven (its single weighted objective gives no cost bound otherwise).",
        "",
        *baseline_table(benches),
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Read the JSON report(s) and rewrite the bench block of RESULTS.md (or print it)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", type=Path, default=HERE / "last-run.json")
    parser.add_argument("--profile", type=Path, default=HERE / "profile.json")
    parser.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--stdout", action="store_true", help="print the block instead of writing it")
    args = parser.parse_args(argv)
    if not args.bench.exists():
        print(f"no benchmark report at {args.bench}; run `make bench` first.", file=sys.stderr)
        return 1
    data = json.loads(args.bench.read_text(encoding="utf-8"))
    try:
        source = str(args.bench.resolve().relative_to(HERE.parent))
    except ValueError:
        source = str(args.bench)
    body = render(data, source, _profile_rows(args.profile))
    if args.stdout:
        print(body)
    else:
        replace_between(args.results, BENCH_START, BENCH_END, body, "## Measured by `make bench`")
        print(f"wrote the measured tables of {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
