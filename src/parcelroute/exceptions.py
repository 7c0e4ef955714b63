"""The exceptions raised by parcelroute.

All of them derive from :class:`ParcelrouteError`, so one ``except`` clause
catches every error the library raises on purpose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "InvalidPlanError",
    "InvalidScenarioError",
    "ParcelrouteError",
    "Problem",
]


class ParcelrouteError(Exception):
    """Base class of every error raised by parcelroute."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in an input file.

    Attributes
    ----------
    path : str
        JSON path of the offending value, such as ``parcels[17].due``.
    message : str
        A full sentence naming the item, the field, the value received and
        what was expected.
    """

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class _ProblemsError(ParcelrouteError, ValueError):
    """An error that carries every problem found, not just the first."""

    what = "input"

    def __init__(self, problems: Sequence[Problem], *, truncated: int = 0,
                 warnings: Sequence[str] = ()) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.truncated = truncated
        self.warnings: tuple[str, ...] = tuple(warnings)
        """What reading also noticed (such as fields it does not know), which may explain
        a problem: a misspelt field reads as a missing one."""
        super().__init__(self._render())

    def _render(self) -> str:
        n = len(self.problems) + self.truncated
        head = f"The {self.what} is invalid ({n} problem{'s' if n != 1 else ''} found):"
        lines = [head, *(f"  - {p}" for p in self.problems)]
        if self.truncated:
            lines.append(f"  ... and {self.truncated} more problem(s) not shown.")
        return "\n".join(lines)


class InvalidScenarioError(_ProblemsError):
    """A scenario that breaks the file format or refers to things that do not exist.

    Raised before any solving starts. :attr:`problems` lists every problem
    found (up to a cap), each naming the item, the field, the value received
    and what was expected.

    Examples
    --------
    >>> import parcelroute as pr
    >>> try:
    ...     pr.read_scenario_dict({"format": "parcelroute-scenario/9"})
    ... except pr.InvalidScenarioError as exc:
    ...     print(exc.problems[0].path)
    format
    """

    what = "scenario"


class InvalidPlanError(_ProblemsError):
    """A plan file that cannot be read (wrong format, wrong types)."""

    what = "plan"
