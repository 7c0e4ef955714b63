"""Bin packing instances (BPPLIB text format) as parcel scenarios.

A one-dimensional bin packing instance is a parcel-allocation scenario: one
hub, one facility, every parcel of weight ``w_i`` ready on the first day and
due on the last, and enough identical batches of capacity ``C`` and cost 1.
Every parcel can be delivered, so the first objective level is fixed and the
second, the cost of operated batches, is the number of bins.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

from parcelroute.model.scenario import SCENARIO_FORMAT

__all__ = ["BppInstance", "bin_packing_scenario_dict", "iter_bpplib", "read_bpp_instance"]


@dataclass(frozen=True)
class BppInstance:
    """One instance: its set, name, file, bin capacity, item weights and known optimum."""

    set: str
    name: str
    path: Path
    optimum: int | None = None

    def load(self) -> tuple[int, list[int]]:
        """The (capacity, weights) of the instance."""
        return read_bpp_instance(self.path)


def read_bpp_instance(path: str | PathLike[str]) -> tuple[int, list[int]]:
    """Read a BPPLIB text file: ``n``, then ``C``, then ``n`` integer weights.

    Examples
    --------
    >>> import tempfile, os
    >>> from parcelroute.bpplib import read_bpp_instance
    >>> with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
    ...     _ = f.write("3\\n10\\n6\\n5\\n4\\n")
    >>> read_bpp_instance(f.name)
    (10, [6, 5, 4])
    >>> os.unlink(f.name)
    """
    numbers = [int(float(tok)) for tok in Path(path).read_text().split()]
    if len(numbers) < 2:
        raise ValueError(f"The BPPLIB file '{path}' must start with n and C; got too few numbers.")
    n, capacity = numbers[0], numbers[1]
    weights = numbers[2 : 2 + n]
    if len(weights) != n:
        raise ValueError(f"The BPPLIB file '{path}' must list {n} weights; got {len(weights)}.")
    return capacity, weights


def bin_packing_scenario_dict(
    weights: Sequence[int | float],
    capacity: int | float,
    *,
    name: str = "bin packing",
    batches: int | None = None,
    start: dt.date = dt.date(2026, 12, 1),
    days: int = 31,
) -> dict[str, Any]:
    """A parcel scenario whose optimal plan is an optimal bin packing.

    Parameters
    ----------
    weights : sequence of numbers
        Item weights; parcel ``P-00001`` has ``weights[0]``, and so on.
    capacity : number
        The bin capacity, as each batch's ``max_weight_kg``.
    name : str
        Scenario name.
    batches : int, optional
        How many identical batches to offer (default: one per item, always enough).

    Examples
    --------
    >>> from parcelroute.bpplib import bin_packing_scenario_dict
    >>> s = bin_packing_scenario_dict([6, 5, 4], 10, name="tiny")
    >>> len(s["parcels"]), len(s["batches"]), s["batches"][0]["max_weight_kg"]
    (3, 3, 10)
    """
    end = start + dt.timedelta(days=days - 1)
    count = len(weights) if batches is None else batches
    width = max(5, len(str(max(len(weights), count))))
    return {
        "format": SCENARIO_FORMAT,
        "name": name,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "network": {
            "nodes": [{"id": "HUB", "kind": "hub"}, {"id": "FACILITY", "kind": "facility"}],
            "links": [{"from": "HUB", "to": "FACILITY", "hours": 10}],
        },
        "parcels": [
            {"id": f"P-{i + 1:0{width}d}", "origin": "HUB", "destination": "FACILITY",
             "weight_kg": w, "volume_l": 0, "ready": start.isoformat(), "due": end.isoformat()}
            for i, w in enumerate(weights)
        ],
        "batches": [
            {"id": f"B-{j + 1:0{width}d}", "origin": "HUB", "departs": start.isoformat(),
             "stops": ["FACILITY"], "max_weight_kg": capacity, "cost": 1}
            for j in range(count)
        ],
    }


def iter_bpplib(root: str | PathLike[str], sets: Sequence[str] | None = None
                ) -> Iterator[BppInstance]:
    """The instances under a BPPLIB folder (one sub-folder per set with ``optima.csv``).

    Yields nothing when ``root`` does not exist.
    """
    base = Path(root)
    if not base.is_dir():
        return
    for folder in sorted(p for p in base.iterdir() if p.is_dir()):
        if sets and folder.name not in sets:
            continue
        table = folder / "optima.csv"
        if not table.exists():
            continue
        with table.open(newline="") as handle:
            for row in csv.DictReader(handle):
                yield BppInstance(folder.name, row["instance"], folder / row["file"],
                                  int(row["optimum"]) if row.get("optimum") else None)
